//! Insertion-ordered map with OmegaConf's key types.
//!
//! OmegaConf's `DictConfig` keeps keys in insertion order, and that order is visible to users
//! (in `--cfg job` output, in saved `config.yaml` files and in the parity JSON). Merging a
//! child config into a parent keeps the parent's positions and appends new keys at the end.
//! Config nodes have at most a few dozen keys, so a vector with linear lookup is simpler and
//! no slower in practice than a hash-indexed map.

use crate::value::Value;

/// The Python type of a mapping key. YAML `1: x`, `true: x` and `1.5: x` (and the same in an
/// override's dictionary, `'+a={1: 2}'`) are `int`, `bool` and `float` keys of an OmegaConf
/// `DictConfig` (`omegaconf/dictconfig.py` accepts `str`, `int`, `float`, `bool`, `Enum` and
/// `bytes` keys), printed as such by `OmegaConf.to_yaml` (`1: 2`, not `'1': 2`). A key's text
/// is Python's `str()` of the key (`1`, `True`, `1.5`, `inf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Str,
    Int,
    Float,
    Bool,
}

/// The key of a scalar value, when OmegaConf accepts that type as a key (not null).
pub(crate) fn key_of(v: &Value) -> Option<(String, KeyKind)> {
    let kind = match v {
        Value::String(s) => return Some((s.clone(), KeyKind::Str)),
        Value::Int(_) | Value::BigInt(_) => KeyKind::Int,
        Value::Float(_) => KeyKind::Float,
        Value::Bool(_) => KeyKind::Bool,
        _ => return None,
    };
    Some((crate::pyfmt::py_str(v), kind))
}

/// The key as the value it was read from (`oc.dict.keys` gives the int 1 for the key `1`).
pub(crate) fn key_value(text: &str, kind: KeyKind) -> Value {
    match kind {
        KeyKind::Str => Value::String(text.to_string()),
        KeyKind::Bool => Value::Bool(text == "True"),
        KeyKind::Float => text
            .parse()
            .map(Value::Float)
            .unwrap_or_else(|_| Value::String(text.to_string())),
        KeyKind::Int => {
            let (negative, digits) = match text.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, text),
            };
            crate::bigint::from_decimal(negative, digits)
                .unwrap_or_else(|| Value::String(text.to_string()))
        }
    }
}

/// A number key reduced for Python's equality: `1`, `True` and `1.0` are the same key.
#[derive(PartialEq)]
enum Number {
    Int(String),
    Float(f64),
}

fn number(text: &str, kind: KeyKind) -> Number {
    match kind {
        KeyKind::Bool => Number::Int(if text == "True" { "1" } else { "0" }.to_string()),
        KeyKind::Float => match text.parse::<f64>() {
            Ok(f) if f.is_finite() && f.fract() == 0.0 => {
                Number::Int(crate::pyfmt::py_str(&crate::bigint::from_f64(f)))
            }
            Ok(f) => Number::Float(f),
            Err(_) => Number::Int(text.to_string()),
        },
        _ => Number::Int(text.to_string()),
    }
}

/// Python's key equality: strings equal strings; `int`, `bool` and `float` keys are equal
/// when their values are (`{1: a, true: b}` has one key). NaN keys are all the same key, as
/// PyYAML makes every `.nan` the same float object (an override's NaN keys are not: see
/// [`Map::push_typed`]).
fn same_key(a: (&str, KeyKind), b: (&str, KeyKind)) -> bool {
    match (a.1, b.1) {
        // Texts of the same kind are canonical (`str()` of the key), except floats.
        (KeyKind::Str, KeyKind::Str)
        | (KeyKind::Int, KeyKind::Int)
        | (KeyKind::Bool, KeyKind::Bool) => a.0 == b.0,
        (KeyKind::Str, _) | (_, KeyKind::Str) => false,
        _ => match (number(a.0, a.1), number(b.0, b.1)) {
            (Number::Float(x), Number::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
            (x, y) => x == y,
        },
    }
}

/// One key and its value.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    key: String,
    kind: KeyKind,
    value: Value,
}

/// An ordered mapping from key to [`Value`], preserving insertion order. Keys are strings as
/// far as this public API goes ([`Map::get`], [`Map::insert`] and [`Map::iter`] name string
/// keys; a non-string key shows as its Python `str()`); non-string keys keep their type for
/// printing and for OmegaConf's lookups, where `${a.1}` and `a.1=...` find only a string key
/// `'1'`, not the int key `1`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map {
    entries: Vec<Entry>,
}

impl Map {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &str, kind: KeyKind) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| same_key((&e.key, e.kind), (key, kind)))
    }

    /// The value stored under the string key `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.get_typed(key, KeyKind::Str)
    }

    /// Mutable access to the value stored under the string key `key`.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.get_typed_mut(key, KeyKind::Str)
    }

    /// The value stored under a key of any type.
    pub(crate) fn get_typed(&self, key: &str, kind: KeyKind) -> Option<&Value> {
        self.position(key, kind).map(|i| &self.entries[i].value)
    }

    /// Mutable access to the value stored under a key of any type.
    pub(crate) fn get_typed_mut(&mut self, key: &str, kind: KeyKind) -> Option<&mut Value> {
        self.position(key, kind).map(|i| &mut self.entries[i].value)
    }

    /// True when the string key `key` is present (whatever its value, including null and
    /// `???`).
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets the string key `key` to `value`. An existing key keeps its position; a new key is
    /// appended. Returns the previous value.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) -> Option<Value> {
        self.insert_typed(key.into(), KeyKind::Str, value)
    }

    /// Sets a key of any type, as a Python `dict` does: an equal key (`True` for `1`) keeps
    /// its position and its own type and text; a new key is appended.
    pub(crate) fn insert_typed(
        &mut self,
        key: String,
        kind: KeyKind,
        value: Value,
    ) -> Option<Value> {
        match self.position(&key, kind) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].value, value)),
            None => {
                self.entries.push(Entry { key, kind, value });
                None
            }
        }
    }

    /// Appends `key` without looking for an equal key: for copying another map's entries
    /// (already distinct), and for a NaN key that Python's dict keeps apart from every other
    /// key (`float('nan')` objects made one by one are distinct keys: Hydra's override
    /// `{nan: 1, nan: 2}` has two).
    pub(crate) fn push_typed(&mut self, key: String, kind: KeyKind, value: Value) {
        self.entries.push(Entry { key, kind, value });
    }

    /// Removes the string key `key`, keeping the order of the remaining keys.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let idx = self.position(key, KeyKind::Str)?;
        Some(self.entries.remove(idx).value)
    }

    /// Keys in order (a non-string key as its Python `str()`).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.key.as_str())
    }

    /// Entries in order (a non-string key as its Python `str()`).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|e| (e.key.as_str(), &e.value))
    }

    /// Mutable entries in order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut Value)> {
        self.entries
            .iter_mut()
            .map(|e| (e.key.as_str(), &mut e.value))
    }

    /// Entries in order with the type of each key.
    pub(crate) fn iter_typed(&self) -> impl Iterator<Item = (&str, KeyKind, &Value)> {
        self.entries
            .iter()
            .map(|e| (e.key.as_str(), e.kind, &e.value))
    }

    /// The entries, by value, with the type of each key.
    pub(crate) fn into_typed(self) -> impl Iterator<Item = (String, KeyKind, Value)> {
        self.entries.into_iter().map(|e| (e.key, e.kind, e.value))
    }

    /// The same keys (with their types) and `f` of each value.
    pub(crate) fn try_map_values<E>(
        &self,
        mut f: impl FnMut(&str, &Value) -> Result<Value, E>,
    ) -> Result<Map, E> {
        let mut entries = Vec::with_capacity(self.entries.len());
        for e in &self.entries {
            entries.push(Entry {
                key: e.key.clone(),
                kind: e.kind,
                value: f(&e.key, &e.value)?,
            });
        }
        Ok(Map { entries })
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut map = Map::new();
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;

    /// Entries by value (a non-string key as its Python `str()`).
    fn into_iter(self) -> Self::IntoIter {
        let pairs: Vec<(String, Value)> =
            self.entries.into_iter().map(|e| (e.key, e.value)).collect();
        pairs.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_keeps_position_of_existing_keys_and_appends_new_ones() {
        let mut m = Map::new();
        m.insert("b", Value::Int(1));
        m.insert("a", Value::Int(2));
        assert_eq!(m.insert("b", Value::Int(3)), Some(Value::Int(1)));
        m.insert("c", Value::Int(4));
        assert_eq!(m.keys().collect::<Vec<_>>(), ["b", "a", "c"]);
        assert_eq!(m.get("b"), Some(&Value::Int(3)));
    }

    #[test]
    fn typed_keys_follow_python_equality_and_print_like_omegaconf() {
        // Expected values: OmegaConf 2.3. `{1: a, true: b, 1.0: c}` is {1: 'c'}; the string
        // key '1' is another key; `${x.1}` / `x.1=...` name only the string key.
        let v = crate::yaml::parse_yaml_str(
            "x: {1: a, true: b, 1.0: c, '1': s, 1.5: f, false: n, 0x10: h}\n",
            "t",
        )
        .unwrap();
        let Value::Map(root) = &v else { unreachable!() };
        let Some(Value::Map(x)) = root.get("x") else {
            unreachable!()
        };
        assert_eq!(
            x.keys().collect::<Vec<_>>(),
            ["1", "1", "1.5", "False", "16"]
        );
        assert_eq!(x.get("1"), Some(&Value::from("s")));
        assert_eq!(x.get_typed("1", KeyKind::Int), Some(&Value::from("c")));
        assert_eq!(x.get_typed("True", KeyKind::Bool), Some(&Value::from("c")));
        assert_eq!(x.get_typed("0", KeyKind::Int), Some(&Value::from("n")));
        assert_eq!(
            v.to_yaml(),
            "x:\n  1: c\n  '1': s\n  1.5: f\n  false: 'n'\n  16: h\n"
        );
        assert_eq!(
            v.to_json(),
            r#"{"x":{"1":"c","1":"s","1.5":"f","false":"n","16":"h"}}"#
        );
        assert_eq!(
            crate::py_str(&Value::Map(x.clone())),
            "{1: 'c', '1': 's', 1.5: 'f', False: 'n', 16: 'h'}"
        );
    }

    #[test]
    fn remove_keeps_order() {
        let mut m: Map = [("x", 1), ("y", 2), ("z", 3)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::Int(v)))
            .collect();
        assert_eq!(m.remove("y"), Some(Value::Int(2)));
        assert_eq!(m.remove("y"), None);
        assert_eq!(m.keys().collect::<Vec<_>>(), ["x", "z"]);
    }
}
