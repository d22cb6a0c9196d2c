//! Lightning's batch counts: `limit_val_batches` / `limit_test_batches`
//! (`experiment.<stage>.limit_batch`) and `val_check_interval`
//! (`experiment.validation.val_every_n_step`), which the reference passes to its `Trainer`.
//!
//! Lightning reads all of them with `_determine_batch_limits` (`trainer/setup.py`): null is
//! `1.0`; a number in `[0, 1]` is kept (an int as a count, a float as a fraction of the
//! dataloader); a larger whole number is a count (`2.0` is `2`); anything else is refused.
//! `_parse_num_batches` (`trainer/connectors/data_connector.py`) then turns a fraction into
//! `int(len · f)` batches and refuses a positive fraction that rounds to none.

use dforce_config::Value;

use super::SettingsError;
use super::reader::{ConfigReader, describe};

/// A Lightning batch limit: a count of batches, or a fraction of the dataloader's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BatchLimit {
    /// At most this many batches (`0` runs none: the stage is skipped).
    Count(u64),
    /// `int(len · f)` of the dataloader's `len` batches, `f ∈ [0, 1]` (`1.0`: all of them).
    Fraction(f64),
}

impl BatchLimit {
    /// Every batch: Lightning's default (null).
    pub const ALL: Self = Self::Fraction(1.0);

    /// Reads `key` as Lightning's `_determine_batch_limits` does; absent or null is
    /// [`BatchLimit::ALL`].
    ///
    /// # Errors
    /// A negative number, a fraction above 1 that is not a whole number, NaN, or a value that
    /// is not a number, naming the key and Lightning's rule.
    pub fn read(r: &ConfigReader, key: &str) -> Result<Self, SettingsError> {
        let lightning = |got: String| SettingsError::Range {
            key: key.into(),
            got,
            reason: "Lightning takes an int count of batches, a float fraction in [0.0, 1.0], \
                     or null for all of them"
                .into(),
        };
        match r.opt_value(key) {
            None => Ok(Self::ALL),
            Some(Value::Int(i)) => u64::try_from(*i)
                .map(Self::Count)
                .map_err(|_| lightning(i.to_string())),
            Some(Value::Float(f)) if (0.0..=1.0).contains(f) => Ok(Self::Fraction(*f)),
            // Lightning: `batches > 1 and batches % 1.0 == 0` → `int(batches)`.
            Some(Value::Float(f)) if *f > 1.0 && f.fract() == 0.0 && *f <= u64::MAX as f64 => {
                Ok(Self::Count(*f as u64))
            }
            Some(Value::Float(f)) => Err(lightning(f.to_string())),
            Some(other) => Err(SettingsError::Type {
                key: key.into(),
                got: describe(other),
                expected: "an int count of batches, a float fraction in [0.0, 1.0], or null".into(),
            }),
        }
    }

    /// The batches run out of `available` (`_parse_num_batches`): a count is capped at
    /// `available`, a fraction is `int(available · f)`.
    ///
    /// # Errors
    /// A positive fraction of so few batches that it rounds to none (Lightning refuses it and
    /// names the smallest fraction that runs one).
    pub fn batches(self, key: &str, available: usize) -> Result<usize, SettingsError> {
        match self {
            Self::Count(n) => Ok(usize::try_from(n).unwrap_or(usize::MAX).min(available)),
            Self::Fraction(f) => {
                let n = (available as f64 * f) as usize;
                if n == 0 && f > 0.0 && available > 0 {
                    return Err(SettingsError::Range {
                        key: key.into(),
                        got: f.to_string(),
                        reason: format!(
                            "{f} of {available} batches is less than one; Lightning refuses \
                             it: give at least {} (or an int count)",
                            1.0 / available as f64
                        ),
                    });
                }
                Ok(n)
            }
        }
    }

    /// True when no batch runs whatever the dataloader holds (`0` or `0.0`).
    pub fn is_none(self) -> bool {
        matches!(self, Self::Count(0)) || self == Self::Fraction(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::tests::job;

    fn read(value: &str) -> Result<BatchLimit, SettingsError> {
        let cfg = job(&["+name=x", &format!("+l={value}")]);
        BatchLimit::read(&ConfigReader::new(&cfg), "l")
    }

    /// Expected values from Lightning 2.x `_determine_batch_limits` / `_parse_num_batches`.
    #[test]
    fn limits_follow_lightning() {
        assert_eq!(read("null").unwrap(), BatchLimit::ALL);
        assert_eq!(read("0").unwrap(), BatchLimit::Count(0));
        assert_eq!(read("1").unwrap(), BatchLimit::Count(1));
        assert_eq!(read("1.0").unwrap(), BatchLimit::Fraction(1.0));
        assert_eq!(read("2.0").unwrap(), BatchLimit::Count(2));
        assert_eq!(read("0.25").unwrap(), BatchLimit::Fraction(0.25));
        for bad in ["-1", "1.5", "-0.5", "abc", "nan"] {
            assert!(read(bad).is_err(), "{bad}");
        }
        assert_eq!(BatchLimit::Fraction(0.25).batches("l", 10).unwrap(), 2);
        assert_eq!(BatchLimit::Fraction(1.0).batches("l", 10).unwrap(), 10);
        assert_eq!(BatchLimit::Count(3).batches("l", 2).unwrap(), 2);
        assert_eq!(BatchLimit::Count(0).batches("l", 2).unwrap(), 0);
        assert_eq!(BatchLimit::Fraction(0.0).batches("l", 2).unwrap(), 0);
        let err = BatchLimit::Fraction(0.1).batches("l", 4).unwrap_err();
        assert!(err.to_string().contains("at least 0.25"), "{err}");
        assert!(BatchLimit::Count(0).is_none() && BatchLimit::Fraction(0.0).is_none());
    }
}
