//! The configuration value tree.
//!
//! Mirrors what an OmegaConf `DictConfig`/`ListConfig` can hold after loading YAML or parsing
//! command-line overrides: untyped scalars, nested lists and ordered maps, plus the special
//! mandatory-missing marker `???`. Interpolations (`${a.b}`) are kept as [`Value::String`]s
//! until [`Value::resolved`](crate::Value::resolved) replaces them, as OmegaConf resolves lazily.

use crate::map::Map;

/// A configuration value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// YAML `null` / `~` / empty; Python `None`.
    Null,
    /// YAML 1.1 booleans (`true`, `True`, `yes`, `on`, ...).
    Bool(bool),
    /// Integers that fit in `i64` (always this variant when they fit).
    Int(i64),
    /// Floats, including `inf` and `nan`.
    Float(f64),
    /// Strings; may contain `${...}` interpolations until resolved.
    String(String),
    /// An integer outside `i64`: Python's ints are unbounded, and Hydra keeps
    /// `+a=12345678901234567890` exactly ([`crate::BigInt`]). Readers of 64-bit ints report it
    /// as out of range.
    BigInt(crate::bigint::BigInt),
    /// A list.
    List(Vec<Value>),
    /// An insertion-ordered map.
    Map(Map),
    /// OmegaConf's mandatory missing value `???`: must be set before it is read.
    Missing,
}

/// A value with its size ([`Value::measure`]), charged each time it is copied: a YAML anchor
/// by its aliases, a resolved node by the interpolations that refer to it.
pub(crate) struct Measured {
    pub value: Value,
    pub nodes: usize,
    /// Bytes of keys and strings.
    pub bytes: usize,
    /// Collection levels (0 for a scalar).
    pub depth: usize,
}

impl Measured {
    pub fn new(value: Value) -> Self {
        let (nodes, bytes, depth) = value.measure();
        Self {
            value,
            nodes,
            bytes,
            depth,
        }
    }
}

impl Value {
    /// Nodes, bytes of keys and strings, and collection depth (0 for a scalar): the size limits
    /// of YAML aliases and of resolved interpolations count these. Recursive: callers hold
    /// values whose depth they have bounded (loaded YAML and resolved values are).
    pub(crate) fn measure(&self) -> (usize, usize, usize) {
        match self {
            Value::String(s) => (1, s.len(), 0),
            Value::List(items) => items.iter().fold((1, 0, 1), |(n, b, d), item| {
                let (n2, b2, d2) = item.measure();
                (n.saturating_add(n2), b.saturating_add(b2), d.max(d2 + 1))
            }),
            Value::Map(map) => map.iter().fold((1, 0, 1), |(n, b, d), (k, item)| {
                let (n2, b2, d2) = item.measure();
                (
                    n.saturating_add(n2),
                    b.saturating_add(b2).saturating_add(k.len()),
                    d.max(d2 + 1),
                )
            }),
            _ => (1, 0, 0),
        }
    }

    /// The type name used in error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::BigInt(_) => "int (outside the 64-bit range)",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "mapping",
            Value::Missing => "missing value '???'",
        }
    }

    /// Python's type name of the value as OmegaConf and Python's messages give it (`NoneType`,
    /// `int`, `str`, `dict`, …; `???` is a string in Python).
    pub fn python_type_name(&self) -> &'static str {
        match self {
            Value::Null => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) | Value::Missing => "str",
            Value::List(_) => "list",
            Value::Map(_) => "dict",
        }
    }

    /// True for maps and lists.
    pub fn is_container(&self) -> bool {
        matches!(self, Value::Map(_) | Value::List(_))
    }

    /// True for a string that still contains an (unescaped) `${...}` interpolation.
    pub fn is_interpolation(&self) -> bool {
        match self {
            Value::String(s) => crate::interpolation::has_interpolation(s),
            _ => false,
        }
    }

    /// The map, if this is one.
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The list, if this is one.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The direct child named `segment`: a map key, or a list index written in decimal.
    pub fn child(&self, segment: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => match crate::path::typed_segment_key(segment) {
                Some((text, kind)) => m.get_typed(text, kind),
                None => m.get(segment),
            },
            Value::List(l) => segment.parse::<usize>().ok().and_then(|i| l.get(i)),
            _ => None,
        }
    }

    /// Mutable variant of [`Value::child`].
    pub fn child_mut(&mut self, segment: &str) -> Option<&mut Value> {
        match self {
            Value::Map(m) => match crate::path::typed_segment_key(segment) {
                Some((text, kind)) => m.get_typed_mut(text, kind),
                None => m.get_mut(segment),
            },
            Value::List(l) => segment.parse::<usize>().ok().and_then(|i| l.get_mut(i)),
            _ => None,
        }
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::String(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(v)
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::List(v)
    }
}

impl From<Map> for Value {
    fn from(v: Map) -> Self {
        Value::Map(v)
    }
}
