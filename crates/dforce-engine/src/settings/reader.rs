//! [`ConfigReader`]: the one way settings are read from a resolved job config. Every read names
//! its key on failure and says what the key should hold; a value of the wrong type is an error,
//! never a silent default; sizes and counts are range-checked before they become `usize`; a
//! misspelled choice gets the closest valid one.

use dforce_config::{Value, closest};

use super::SettingsError;

/// A value as an error message shows it: strings quoted, anything else with its type.
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("the string '{s}'"),
        // One line: a container as JSON (`list ([16, 2])`), not as block YAML.
        Value::List(_) | Value::Map(_) => format!("{} ({})", v.type_name(), v.to_json()),
        other => format!("{} ({})", other.type_name(), other.to_yaml().trim_end()),
    }
}

/// The error for `got` at `key` when it is none of `choices`, with a did-you-mean hint.
pub(super) fn choice_error(key: &str, got: &str, choices: &[&str]) -> SettingsError {
    let hint = closest(got, choices.iter().copied())
        .map(|c| format!(". Did you mean '{c}'?"))
        .unwrap_or_default();
    SettingsError::Choice {
        key: key.into(),
        got: got.into(),
        choices: choices.join(", "),
        hint,
    }
}

/// Typed reads from a resolved config, with errors that name the key.
///
/// `key` is a dotted path (`algorithm.diffusion.beta_schedule`). The `opt_*` reads give the
/// default only when the key is absent (or `null`); a present value of the wrong type or out of
/// range is an error like any other.
#[derive(Debug, Clone, Copy)]
pub struct ConfigReader<'a> {
    cfg: &'a Value,
}

impl<'a> ConfigReader<'a> {
    /// Reads from `cfg`.
    pub fn new(cfg: &'a Value) -> Self {
        Self { cfg }
    }

    /// The value at `key`.
    ///
    /// # Errors
    /// [`SettingsError::Missing`] when the key is absent.
    pub fn value(&self, key: &str) -> Result<&'a Value, SettingsError> {
        self.cfg.get(key).map_err(|e| SettingsError::Missing {
            key: key.into(),
            hint: e.to_string(),
        })
    }

    /// The value at `key`, `None` when the key is absent or `null`.
    pub fn opt_value(&self, key: &str) -> Option<&'a Value> {
        match self.cfg.get(key) {
            Ok(Value::Null) | Err(_) => None,
            Ok(v) => Some(v),
        }
    }

    /// An integer.
    ///
    /// # Errors
    /// Missing, or not an integer.
    pub fn int(&self, key: &str) -> Result<i64, SettingsError> {
        match self.value(key)? {
            Value::Int(i) => Ok(*i),
            Value::BigInt(n) => Err(SettingsError::Range {
                key: key.into(),
                got: n.to_string(),
                reason: format!(
                    "it is outside the 64-bit range (at most {}) that every size and count here \
                     fits",
                    i64::MAX
                ),
            }),
            other => Err(SettingsError::Type {
                key: key.into(),
                got: describe(other),
                expected: "an integer, e.g. 10".into(),
            }),
        }
    }

    /// An integer of at least `min`.
    ///
    /// # Errors
    /// Missing, not an integer, or below `min`.
    pub fn int_at_least(&self, key: &str, min: i64) -> Result<i64, SettingsError> {
        let v = self.int(key)?;
        if v < min {
            return Err(SettingsError::Range {
                key: key.into(),
                got: v.to_string(),
                reason: format!("it must be at least {min}"),
            });
        }
        Ok(v)
    }

    /// An integer in `[min, max]`.
    ///
    /// # Errors
    /// Missing, not an integer, or outside the interval.
    pub fn int_in(&self, key: &str, min: i64, max: i64) -> Result<i64, SettingsError> {
        let v = self.int(key)?;
        if !(min..=max).contains(&v) {
            return Err(SettingsError::Range {
                key: key.into(),
                got: v.to_string(),
                reason: format!("it must lie in [{min}, {max}]"),
            });
        }
        Ok(v)
    }

    /// A size or count of at least `min` (0 or 1, usually), as `usize`.
    ///
    /// # Errors
    /// Missing, not an integer, below `min`, or beyond this machine's `usize`.
    pub fn size_at_least(&self, key: &str, min: usize) -> Result<usize, SettingsError> {
        let v = self.int(key)?;
        usize::try_from(v)
            .ok()
            .filter(|&n| n >= min)
            .ok_or_else(|| SettingsError::Range {
                key: key.into(),
                got: v.to_string(),
                reason: match min {
                    0 => "it must be an integer ≥ 0".into(),
                    1 => "it must be a positive integer".into(),
                    m => format!("it must be an integer ≥ {m}"),
                },
            })
    }

    /// A positive size or count.
    ///
    /// # Errors
    /// Missing, not an integer, or below 1.
    pub fn positive(&self, key: &str) -> Result<usize, SettingsError> {
        self.size_at_least(key, 1)
    }

    /// A size or count in `[min, max]` (network widths: bounded so that products of them cannot
    /// overflow).
    ///
    /// # Errors
    /// Missing, not an integer, or outside the interval.
    pub fn size_in(&self, key: &str, min: usize, max: usize) -> Result<usize, SettingsError> {
        let v = self.size_at_least(key, min)?;
        if v > max {
            return Err(SettingsError::Range {
                key: key.into(),
                got: v.to_string(),
                reason: format!("it must be at most {max}"),
            });
        }
        Ok(v)
    }

    /// A positive size of at most `max`.
    ///
    /// # Errors
    /// Missing, not an integer, below 1 or above `max`.
    pub fn positive_at_most(&self, key: &str, max: usize) -> Result<usize, SettingsError> {
        self.size_in(key, 1, max)
    }

    /// A list of positive sizes of at most `max` each (`algorithm.x_shape`, `dim_mults`).
    ///
    /// # Errors
    /// Missing, not a list, or an entry that is not a positive integer up to `max`.
    pub fn positive_list(&self, key: &str, max: usize) -> Result<Vec<usize>, SettingsError> {
        let Value::List(items) = self.value(key)? else {
            return Err(SettingsError::Type {
                key: key.into(),
                got: describe(self.value(key)?),
                expected: "a list of positive integers, e.g. [1,2,4]".into(),
            });
        };
        (0..items.len())
            .map(|i| self.positive_at_most(&format!("{key}.{i}"), max))
            .collect()
    }

    /// A number (an integer reads as a float).
    ///
    /// # Errors
    /// Missing, or not a number.
    pub fn float(&self, key: &str) -> Result<f64, SettingsError> {
        match self.value(key)? {
            Value::Int(i) => Ok(*i as f64),
            Value::Float(f) => Ok(*f),
            // An int beyond 64 bits is a float as Python's float() makes it (torch and the
            // reference's code take it so); one beyond the double range is refused.
            Value::BigInt(n) => n.to_f64().ok_or_else(|| SettingsError::Range {
                key: key.into(),
                got: n.to_string(),
                reason: "it is too large to convert to float (Python's OverflowError)".into(),
            }),
            other => Err(SettingsError::Type {
                key: key.into(),
                got: describe(other),
                expected: "a number, e.g. 1e-3".into(),
            }),
        }
    }

    /// A number in `[lo, hi]` (`(lo, hi]` unless `inclusive_lo`).
    ///
    /// # Errors
    /// Missing, not a number, or outside the interval (NaN included).
    pub fn float_in(
        &self,
        key: &str,
        lo: f64,
        hi: f64,
        inclusive_lo: bool,
    ) -> Result<f64, SettingsError> {
        let v = self.float(key)?;
        let ok = v <= hi && if inclusive_lo { v >= lo } else { v > lo };
        if !ok {
            let open = if inclusive_lo { "[" } else { "(" };
            return Err(SettingsError::Range {
                key: key.into(),
                got: v.to_string(),
                reason: format!("it must lie in {open}{lo}, {hi}]"),
            });
        }
        Ok(v)
    }

    /// A number in the half-open `[lo, hi)`, e.g. an Adam β (torch's `AdamW` refuses β ∉ [0, 1):
    /// "Invalid beta parameter at index 0: 1.0").
    ///
    /// # Errors
    /// Missing, not a number, or outside the interval (NaN included).
    pub fn float_below(&self, key: &str, lo: f64, hi: f64) -> Result<f64, SettingsError> {
        let v = self.float(key)?;
        if !(lo..hi).contains(&v) {
            return Err(SettingsError::Range {
                key: key.into(),
                got: v.to_string(),
                reason: format!("it must lie in [{lo}, {hi})"),
            });
        }
        Ok(v)
    }

    /// A finite number.
    ///
    /// # Errors
    /// Missing, not a number, infinite or NaN.
    pub fn finite(&self, key: &str) -> Result<f64, SettingsError> {
        let v = self.float(key)?;
        if !v.is_finite() {
            return Err(SettingsError::Range {
                key: key.into(),
                got: v.to_string(),
                reason: "it must be a finite number".into(),
            });
        }
        Ok(v)
    }

    /// A list of finite numbers (`algorithm.observation_mean`).
    ///
    /// # Errors
    /// Missing, not a list, or an entry that is not a finite number.
    pub fn finite_list(&self, key: &str) -> Result<Vec<f64>, SettingsError> {
        let Value::List(items) = self.value(key)? else {
            return Err(SettingsError::Type {
                key: key.into(),
                got: describe(self.value(key)?),
                expected: "a list of numbers, e.g. [0.5,0.5]".into(),
            });
        };
        (0..items.len())
            .map(|i| self.finite(&format!("{key}.{i}")))
            .collect()
    }

    /// `true` or `false`.
    ///
    /// # Errors
    /// Missing, or not a boolean.
    pub fn boolean(&self, key: &str) -> Result<bool, SettingsError> {
        match self.value(key)? {
            Value::Bool(b) => Ok(*b),
            other => Err(SettingsError::Type {
                key: key.into(),
                got: describe(other),
                expected: "true or false".into(),
            }),
        }
    }

    /// `true` or `false`, `default` when the key is absent or `null` (dforce's own optional keys).
    ///
    /// # Errors
    /// Present but not a boolean.
    pub fn opt_boolean(&self, key: &str, default: bool) -> Result<bool, SettingsError> {
        match self.opt_value(key) {
            None => Ok(default),
            Some(_) => self.boolean(key),
        }
    }

    /// A string.
    ///
    /// # Errors
    /// Missing, or not a string.
    pub fn string(&self, key: &str) -> Result<&'a str, SettingsError> {
        match self.value(key)? {
            Value::String(s) => Ok(s),
            other => Err(SettingsError::Type {
                key: key.into(),
                got: describe(other),
                expected: "a string".into(),
            }),
        }
    }

    /// One of `choices`.
    ///
    /// # Errors
    /// Missing, not a string, or another string (with the closest choice).
    pub fn choice(&self, key: &str, choices: &[&str]) -> Result<String, SettingsError> {
        match self.value(key)? {
            Value::String(s) if choices.contains(&s.as_str()) => Ok(s.clone()),
            Value::String(s) => Err(choice_error(key, s, choices)),
            other => Err(SettingsError::Type {
                key: key.into(),
                got: describe(other),
                expected: format!("one of {}", choices.join(", ")),
            }),
        }
    }

    /// One of `choices`, `default` when the key is absent or `null`.
    ///
    /// # Errors
    /// Present but none of `choices`.
    pub fn opt_choice(
        &self,
        key: &str,
        choices: &[&str],
        default: &str,
    ) -> Result<String, SettingsError> {
        match self.opt_value(key) {
            None => Ok(default.to_owned()),
            Some(_) => self.choice(key, choices),
        }
    }
}
