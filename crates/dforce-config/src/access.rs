//! Typed access by dotted key: `cfg.get_i64("algorithm.diffusion.timesteps")`.
//!
//! Getters read the tree as it is and never resolve: call them on
//! [`Value::resolved`](crate::Value::resolved) output. An interpolation found by a getter is
//! therefore reported (with that advice) instead of silently returning `${...}` text. Reading
//! `???` is an error naming the key to set, which is how OmegaConf reports missing values.
//! Ints are accepted where floats are expected (Python code does the same); nothing else
//! is converted.

use crate::error::ConfigError;
use crate::map::Map;
use crate::path::{lookup, split_key};
use crate::pyfmt;
use crate::suggest::{DidYouMean, suggest_key};
use crate::value::Value;

impl Value {
    /// The value at `key` (dotted; list items by index: `a.b.0` or `a.b[0]`).
    pub fn get(&self, key: &str) -> Result<&Value, ConfigError> {
        let segments = split_key(key).ok_or_else(|| ConfigError::InvalidKey {
            key: key.to_string(),
            reason: "use a dotted key such as 'algorithm.diffusion.timesteps' (list items by index: 'a.b.0')"
                .to_string(),
        })?;
        lookup(self, &segments).map_err(|_| ConfigError::NotFound {
            key: key.to_string(),
            suggestion: DidYouMean(suggest_key(self, key)),
        })
    }

    /// True if `key` exists (whatever its value).
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_ok()
    }

    /// An integer. An int outside the 64-bit range (which Python, and so a Hydra config,
    /// allows) is an error that says so.
    pub fn get_i64(&self, key: &str) -> Result<i64, ConfigError> {
        match self.present(key)? {
            Value::Int(i) => Ok(*i),
            other => Err(mismatch(key, "an int", other)),
        }
    }

    /// A float; ints are widened.
    pub fn get_f64(&self, key: &str) -> Result<f64, ConfigError> {
        match self.present(key)? {
            Value::Float(f) => Ok(*f),
            Value::Int(i) => Ok(*i as f64),
            Value::BigInt(n) => n
                .to_f64()
                .ok_or_else(|| mismatch(key, "a float", &Value::BigInt(n.clone()))),
            other => Err(mismatch(key, "a float", other)),
        }
    }

    /// A string.
    pub fn get_str(&self, key: &str) -> Result<&str, ConfigError> {
        match self.present(key)? {
            Value::String(s) => Ok(s),
            other => Err(mismatch(key, "a string", other)),
        }
    }

    /// A boolean.
    pub fn get_bool(&self, key: &str) -> Result<bool, ConfigError> {
        match self.present(key)? {
            Value::Bool(b) => Ok(*b),
            other => Err(mismatch(key, "a bool", other)),
        }
    }

    /// A list.
    pub fn get_list(&self, key: &str) -> Result<&[Value], ConfigError> {
        match self.present(key)? {
            Value::List(l) => Ok(l),
            other => Err(mismatch(key, "a list", other)),
        }
    }

    /// A mapping.
    pub fn get_map(&self, key: &str) -> Result<&Map, ConfigError> {
        match self.present(key)? {
            Value::Map(m) => Ok(m),
            other => Err(mismatch(key, "a mapping", other)),
        }
    }

    /// A list of floats (ints widened), e.g. `dataset.observation_mean`.
    pub fn get_f64_list(&self, key: &str) -> Result<Vec<f64>, ConfigError> {
        self.get_list(key)?
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::Float(f) => Ok(*f),
                Value::Int(n) => Ok(*n as f64),
                Value::BigInt(n) => n.to_f64().ok_or_else(|| {
                    mismatch(&format!("{key}.{i}"), "a float", &Value::BigInt(n.clone()))
                }),
                other => Err(mismatch(&format!("{key}.{i}"), "a float", other)),
            })
            .collect()
    }

    /// A list of integers, e.g. `algorithm.diffusion.architecture.dim_mults`.
    pub fn get_i64_list(&self, key: &str) -> Result<Vec<i64>, ConfigError> {
        self.get_list(key)?
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::Int(n) => Ok(*n),
                other => Err(mismatch(&format!("{key}.{i}"), "an int", other)),
            })
            .collect()
    }

    /// `None` for null or absent keys (`max_time: null`, or a key only some command lines
    /// add with `+key=...`), otherwise as [`Value::get_i64`].
    pub fn get_opt_i64(&self, key: &str) -> Result<Option<i64>, ConfigError> {
        self.optional(key, Value::get_i64)
    }

    /// `None` for null or absent keys, otherwise as [`Value::get_f64`].
    pub fn get_opt_f64(&self, key: &str) -> Result<Option<f64>, ConfigError> {
        self.optional(key, Value::get_f64)
    }

    /// `None` for null or absent keys, otherwise as [`Value::get_str`].
    pub fn get_opt_str(&self, key: &str) -> Result<Option<&str>, ConfigError> {
        self.optional(key, Value::get_str)
    }

    /// `None` for null or absent keys, otherwise as [`Value::get_bool`].
    pub fn get_opt_bool(&self, key: &str) -> Result<Option<bool>, ConfigError> {
        self.optional(key, Value::get_bool)
    }

    fn optional<'a, T>(
        &'a self,
        key: &str,
        getter: impl Fn(&'a Value, &str) -> Result<T, ConfigError>,
    ) -> Result<Option<T>, ConfigError> {
        match self.get(key) {
            Ok(Value::Null) | Err(ConfigError::NotFound { .. }) => Ok(None),
            Ok(_) => getter(self, key).map(Some),
            Err(e) => Err(e),
        }
    }

    /// The value at `key`, failing on `???`.
    fn present(&self, key: &str) -> Result<&Value, ConfigError> {
        match self.get(key)? {
            Value::Missing => Err(ConfigError::MissingValue {
                key: key.to_string(),
            }),
            v => Ok(v),
        }
    }
}

fn mismatch(key: &str, expected: &str, found: &Value) -> ConfigError {
    let hint = if found.is_interpolation() {
        " (an unresolved interpolation: read values from `resolved()`)".to_string()
    } else if matches!(found, Value::BigInt(_)) {
        if expected == "a float" {
            " (too large to convert to a float, as in Python: int too large to convert to float)"
                .to_string()
        } else {
            format!(
                " (dforce reads this setting as a 64-bit integer, from {} to {}; give a value in that range)",
                i64::MIN,
                i64::MAX
            )
        }
    } else {
        String::new()
    };
    ConfigError::TypeMismatch {
        key: key.to_string(),
        expected: expected.to_string(),
        actual: found.type_name().to_string(),
        value: pyfmt::brief(found),
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_yaml_str;

    fn cfg() -> Value {
        parse_yaml_str(
            "algorithm:\n  lr: 5e-4\n  diffusion:\n    timesteps: 1000\n    dim_mults: [1, 2]\n  name: df\n  causal: false\n  mean: [1, 2.5]\n  max_time: null\n  save_dir: ???\n  ref: ${x}\n",
            "t",
        )
        .unwrap()
    }

    #[test]
    fn ints_outside_64_bits_are_out_of_range_for_i64_readers() {
        let yaml = format!("big: 12345678901234567890\nhuge: {}\n", "9".repeat(400));
        let c = parse_yaml_str(&yaml, "t").unwrap();
        let e = c.get_i64("big").unwrap_err().to_string();
        assert!(
            e.contains("12345678901234567890") && e.contains("64-bit integer"),
            "{e}"
        );
        // Python: float(12345678901234567890) == 1.2345678901234567e+19.
        assert_eq!(c.get_f64("big").unwrap(), 1.2345678901234567e19);
        let e = c.get_f64("huge").unwrap_err().to_string();
        assert!(e.contains("too large to convert to a float"), "{e}");
    }

    #[test]
    fn typed_getters() {
        let c = cfg();
        assert_eq!(c.get_i64("algorithm.diffusion.timesteps").unwrap(), 1000);
        assert_eq!(c.get_f64("algorithm.lr").unwrap(), 5e-4);
        assert_eq!(c.get_f64("algorithm.diffusion.timesteps").unwrap(), 1000.0);
        assert_eq!(c.get_str("algorithm.name").unwrap(), "df");
        assert!(!c.get_bool("algorithm.causal").unwrap());
        assert_eq!(
            c.get_list("algorithm.diffusion.dim_mults").unwrap().len(),
            2
        );
        assert_eq!(c.get_i64("algorithm.diffusion.dim_mults.1").unwrap(), 2);
        assert_eq!(c.get_i64("algorithm.diffusion.dim_mults[1]").unwrap(), 2);
        assert_eq!(c.get_f64_list("algorithm.mean").unwrap(), vec![1.0, 2.5]);
        assert_eq!(
            c.get_i64_list("algorithm.diffusion.dim_mults").unwrap(),
            vec![1, 2]
        );
        assert_eq!(c.get_opt_i64("algorithm.max_time").unwrap(), None);
        assert_eq!(c.get_opt_str("device").unwrap(), None);
        assert!(c.get_opt_str("algorithm.save_dir").is_err());
        assert!(c.get_opt_f64("algorithm.name").is_err());
        assert_eq!(
            c.get_opt_i64("algorithm.diffusion.timesteps").unwrap(),
            Some(1000)
        );
        assert!(c.get_map("algorithm.diffusion").is_ok());
        assert!(c.contains("algorithm.save_dir"));
    }

    #[test]
    fn getter_errors_name_key_and_types() {
        let c = cfg();
        let e = c.get_i64("algorithm.lr").unwrap_err().to_string();
        assert_eq!(e, "Key 'algorithm.lr' should be an int but is float 0.0005");
        let e = c
            .get_i64("algorithm.diffusion.timestep")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "Key 'algorithm.diffusion.timestep' not found. Did you mean 'algorithm.diffusion.timesteps'?"
        );
        let e = c.get_str("algorithm.save_dir").unwrap_err().to_string();
        assert!(
            e.contains("missing mandatory value") && e.contains("algorithm.save_dir=..."),
            "{e}"
        );
        let e = c.get_i64("algorithm.ref").unwrap_err().to_string();
        assert!(e.contains("resolved()"), "{e}");
        let e = c.get_i64_list("algorithm.mean").unwrap_err().to_string();
        assert!(e.contains("'algorithm.mean.1'"), "{e}");
        assert!(matches!(c.get("a..b"), Err(ConfigError::InvalidKey { .. })));
    }
}
