//! The types of Hydra's own settings, checked while composing as Hydra checks them.
//!
//! Hydra's config node is the structured config `HydraConf` (`hydra/conf/__init__.py`), so
//! OmegaConf validates every value merged into it, whether from an override or a config
//! file's `hydra:` node, and converts what it accepts (`omegaconf/nodes.py`): a `str` field
//! takes `str()` of a number or bool (`hydra.run.dir=5` is `'5'`) but refuses null unless
//! `Optional`, and lists and dicts; `Optional[bool]` takes ints and the strings OmegaConf
//! reads as bools (`yes`, `'0'`); `Optional[RunMode]` takes a member name (`RUN`,
//! `RunMode.RUN`) or value (`2`); `List[str]` needs a list of non-null scalars; `Dict[str,
//! str]` a mapping of them. Interpolations and `???` are checked when read, as in OmegaConf.
//! Where OmegaConf 2.3 lets a container through into a `List[str]` or `Dict[str, str]`
//! (`exclude_keys=[[1]]`), dforce refuses it: no Hydra setting can use it as a string.

use crate::map::Map;
use crate::path::split_key;
use crate::pyfmt::{py_repr, py_str};
use crate::value::Value;

/// A field type of `HydraConf` (and the dataclasses inside it).
#[derive(Debug, Clone, Copy, PartialEq)]
enum FieldType {
    Str,
    OptionalStr,
    OptionalBool,
    OptionalRunMode,
    ListOfStr,
    DictOfStr,
}

/// The settable fields of `HydraConf` with their types (computed fields such as `job.id`
/// are Hydra's to fill; `verbose` is `Any`).
const FIELDS: [(&str, FieldType); 14] = [
    ("hydra.run.dir", FieldType::Str),
    ("hydra.sweep.dir", FieldType::Str),
    ("hydra.sweep.subdir", FieldType::Str),
    ("hydra.output_subdir", FieldType::OptionalStr),
    ("hydra.mode", FieldType::OptionalRunMode),
    ("hydra.searchpath", FieldType::ListOfStr),
    ("hydra.job.name", FieldType::Str),
    ("hydra.job.chdir", FieldType::OptionalBool),
    ("hydra.job.env_set", FieldType::DictOfStr),
    ("hydra.job.env_copy", FieldType::ListOfStr),
    ("hydra.job.config.override_dirname.kv_sep", FieldType::Str),
    ("hydra.job.config.override_dirname.item_sep", FieldType::Str),
    (
        "hydra.job.config.override_dirname.exclude_keys",
        FieldType::ListOfStr,
    ),
    ("hydra.job.config_name", FieldType::OptionalStr),
];

/// `RunMode`'s members and values (`hydra/types.py`).
const RUN_MODES: [(&str, i64); 2] = [("RUN", 1), ("MULTIRUN", 2)];

/// A value that does not fit its `HydraConf` field: the field's dotted key and OmegaConf's
/// reason, followed by what the field takes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SchemaViolation {
    /// Dotted key of the offending value (`hydra.job.env_set.A`, `...exclude_keys[1]`).
    pub key: String,
    /// OmegaConf's reason and the expected type.
    pub reason: String,
}

impl SchemaViolation {
    /// The error for a violation caused by `origin` (`override '...'`, or a config file).
    pub(crate) fn into_error(self, origin: String) -> crate::error::ConfigError {
        crate::error::ConfigError::HydraSchema {
            key: self.key,
            origin,
            reason: self.reason,
        }
    }
}

/// Checks the `hydra` node (the value of the `hydra` key, a mapping) against `HydraConf` and
/// converts accepted values as OmegaConf does. The first violation is returned.
pub(crate) fn check_and_convert(hydra: &mut Value) -> Result<(), SchemaViolation> {
    for (key, ty) in FIELDS {
        // Invariant: the keys above are valid dotted keys.
        let segments = split_key(key).expect("schema keys are dotted keys");
        let Some(slot) = crate::path::lookup_mut(hydra, &segments[1..]) else {
            continue;
        };
        convert(slot, ty, key)?;
    }
    Ok(())
}

/// Whether `path` is a scalar-typed `HydraConf` field (`hydra.run.dir`, `hydra.job.chdir`, an
/// item of `exclude_keys` or of `env_set`): a config node there fails validation.
pub(crate) fn is_scalar_field(path: &[String]) -> bool {
    FIELDS.iter().any(|(field, ty)| {
        let Some(segments) = split_key(field) else {
            return false;
        };
        match ty {
            FieldType::ListOfStr | FieldType::DictOfStr => {
                path.len() == segments.len() + 1 && path.starts_with(&segments)
            }
            _ => segments.as_slice() == path,
        }
    })
}

/// The value an interpolation at `path` of the Hydra node resolved to, validated and
/// converted for its `HydraConf` field as OmegaConf does when such a node is read (an
/// `InterpolationValidationError` otherwise): `hydra.job.chdir=${hydra.job.name}` fails
/// ('main' is not a valid bool), `hydra.run.dir=${seed}` gives the string '0'. Paths of
/// other nodes, and items of a field's list or mapping, are checked as those items.
pub(crate) fn convert_resolved(path: &[String], value: Value) -> Result<Value, SchemaViolation> {
    let key = crate::path::join_key(path);
    let field = FIELDS.iter().find_map(|(field, ty)| {
        let segments = split_key(field)?;
        if segments.as_slice() == path {
            Some((*ty, false))
        } else if path.len() == segments.len() + 1 && path.starts_with(&segments) {
            Some((*ty, true))
        } else {
            None
        }
    });
    match field {
        None => Ok(value),
        Some((FieldType::ListOfStr | FieldType::DictOfStr, true)) => {
            Ok(element_str(&value, &key)?.unwrap_or(value))
        }
        Some((_, true)) => Ok(value),
        Some((ty, false)) => {
            let mut slot = value;
            convert(&mut slot, ty, &key)?;
            Ok(slot)
        }
    }
}

fn violation(key: &str, reason: String) -> SchemaViolation {
    SchemaViolation {
        key: key.to_string(),
        reason,
    }
}

/// Values OmegaConf leaves for later: `???` and interpolations.
fn deferred(v: &Value) -> bool {
    matches!(v, Value::Missing) || v.is_interpolation()
}

fn convert(slot: &mut Value, ty: FieldType, key: &str) -> Result<(), SchemaViolation> {
    if deferred(slot) {
        return Ok(());
    }
    let converted = match ty {
        FieldType::Str => to_str(slot, key, false)?,
        FieldType::OptionalStr => to_str(slot, key, true)?,
        FieldType::OptionalBool => to_bool(slot, key)?,
        FieldType::OptionalRunMode => to_run_mode(slot, key)?,
        FieldType::ListOfStr => {
            let Value::List(items) = slot else {
                return Err(violation(
                    key,
                    match slot {
                        Value::Null => "the field is not Optional; it takes a list of strings, e.g. [a, b] ([] for none)".to_string(),
                        other => format!(
                            "Invalid value assigned: {} is not a list; the field takes a list of strings, e.g. [a, b]",
                            other.python_type_name()
                        ),
                    },
                ));
            };
            for (i, item) in items.iter_mut().enumerate() {
                let item_key = format!("{key}[{i}]");
                if deferred(item) {
                    continue;
                }
                if let Some(v) = element_str(item, &item_key)? {
                    *item = v;
                }
            }
            None
        }
        FieldType::DictOfStr => {
            let Value::Map(map) = slot else {
                return Err(violation(
                    key,
                    match slot {
                        Value::Null => "the field is not Optional; it takes a mapping of strings, e.g. {NAME: value} ({} for none)".to_string(),
                        other => format!(
                            "Invalid value assigned: {} is not a mapping; the field takes a mapping of strings, e.g. {{NAME: value}}",
                            other.python_type_name()
                        ),
                    },
                ));
            };
            convert_dict(map, key)?;
            None
        }
    };
    if let Some(v) = converted {
        *slot = v;
    }
    Ok(())
}

fn convert_dict(map: &mut Map, key: &str) -> Result<(), SchemaViolation> {
    // `Dict[str, str]` keys are strings: OmegaConf refuses `{1: a}` ("Key 1 (int) is
    // incompatible with (str)").
    if let Some((k, kind, _)) = map
        .iter_typed()
        .find(|(_, kind, _)| *kind != crate::map::KeyKind::Str)
    {
        let type_name = match kind {
            crate::map::KeyKind::Int => "int",
            crate::map::KeyKind::Float => "float",
            _ => "bool",
        };
        return Err(violation(
            &format!("{key}.{k}"),
            format!("Key {k} ({type_name}) is incompatible with (str); quote the key: '{k}'"),
        ));
    }
    for (k, item) in map.iter_mut() {
        let item_key = format!("{key}.{k}");
        if deferred(item) {
            continue;
        }
        if let Some(v) = element_str(item, &item_key)? {
            *item = v;
        }
    }
    Ok(())
}

/// An element of a `List[str]` or value of a `Dict[str, str]`: a string, or a number or bool
/// converted with `str()`; never null or a container.
fn element_str(item: &Value, key: &str) -> Result<Option<Value>, SchemaViolation> {
    match item {
        Value::Null => Err(violation(
            key,
            "Invalid type assigned: NoneType is not a subclass of str; give a string".to_string(),
        )),
        Value::List(_) | Value::Map(_) => Err(violation(
            key,
            format!(
                "Cannot convert '{}' to string: '{}'; give a string",
                item.python_type_name(),
                py_str(item)
            ),
        )),
        _ => to_str(item, key, false),
    }
}

/// OmegaConf's `StringNode`: `Some(converted)` when the value changes.
fn to_str(v: &Value, key: &str, optional: bool) -> Result<Option<Value>, SchemaViolation> {
    match v {
        Value::String(_) | Value::Missing => Ok(None),
        Value::Null if optional => Ok(None),
        Value::Null => Err(violation(
            key,
            "the field is not Optional (it takes a string; null is not allowed)".to_string(),
        )),
        Value::List(_) | Value::Map(_) => Err(violation(
            key,
            format!(
                "Cannot convert '{}' to string: '{}'; the field takes a string{}",
                v.python_type_name(),
                py_str(v),
                if optional { " or null" } else { "" }
            ),
        )),
        scalar => Ok(Some(Value::String(py_str(scalar)))),
    }
}

/// `hydra.job.chdir` once resolved (an interpolation is converted when read, as OmegaConf's
/// `BooleanNode` converts it: `hydra.job.chdir=${seed}` is false for seed 0): `None` for null.
pub(crate) fn resolved_chdir(v: &Value) -> Result<Option<bool>, SchemaViolation> {
    match to_bool(v, "hydra.job.chdir")? {
        Some(Value::Bool(b)) => Ok(Some(b)),
        _ => match v {
            Value::Bool(b) => Ok(Some(*b)),
            _ => Ok(None),
        },
    }
}

/// OmegaConf's `BooleanNode` (the field is `Optional[bool]`).
fn to_bool(v: &Value, key: &str) -> Result<Option<Value>, SchemaViolation> {
    let invalid = || {
        violation(
            key,
            format!(
                "Value '{}' is not a valid bool (type {}); the field takes true, false or null",
                py_str(v),
                v.python_type_name()
            ),
        )
    };
    match v {
        Value::Null | Value::Bool(_) => Ok(None),
        Value::Int(i) => Ok(Some(Value::Bool(*i != 0))),
        Value::BigInt(_) => Ok(Some(Value::Bool(true))),
        Value::String(s) => match python_int_is_nonzero(s) {
            Some(b) => Ok(Some(Value::Bool(b))),
            None => match s.to_lowercase().as_str() {
                "yes" | "y" | "on" | "true" => Ok(Some(Value::Bool(true))),
                "no" | "n" | "off" | "false" => Ok(Some(Value::Bool(false))),
                _ => Err(invalid()),
            },
        },
        _ => Err(invalid()),
    }
}

/// Whether Python's `int(s)` is non-zero, or `None` when `int(s)` fails (OmegaConf's
/// `BooleanNode` tries `int(value) != 0` first).
fn python_int_is_nonzero(s: &str) -> Option<bool> {
    crate::override_functions::python_int(s).map(|v| v != Value::Int(0))
}

/// OmegaConf's `EnumNode` for `Optional[RunMode]`: a member name (optionally `RunMode.`
/// prefixed) or an int value; stored as the member name.
fn to_run_mode(v: &Value, key: &str) -> Result<Option<Value>, SchemaViolation> {
    let names = || {
        RUN_MODES
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let found = match v {
        Value::Null => return Ok(None),
        Value::String(s) => {
            let name = s.strip_prefix("RunMode.").unwrap_or(s);
            RUN_MODES.iter().find(|(n, _)| *n == name)
        }
        Value::Int(i) => RUN_MODES.iter().find(|(_, value)| value == i),
        Value::Bool(_) | Value::BigInt(_) => None,
        other => {
            return Err(violation(
                key,
                format!(
                    "Value {} ({}) is not a valid input for <enum 'RunMode'>; give one of {}",
                    py_repr(other),
                    other.python_type_name(),
                    names()
                ),
            ));
        }
    };
    match found {
        Some((name, _)) => Ok(Some(Value::from(*name))),
        None => Err(violation(
            key,
            format!(
                "Invalid value '{}', expected one of [{}]",
                py_str(v),
                names()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_yaml_str;

    fn check(yaml: &str) -> Result<Value, SchemaViolation> {
        let mut v = parse_yaml_str(yaml, "t").unwrap();
        check_and_convert(&mut v).map(|()| v)
    }

    #[test]
    fn converts_what_omegaconf_converts() {
        // Hydra 1.3.2: hydra.run.dir=1e3 is '1000.0', hydra.job.chdir='+0' is False,
        // hydra.job.chdir=Y is True, hydra.mode=2 is MULTIRUN, env_set values are str().
        let v = check(
            "run: {dir: 1e3}\njob: {chdir: '+0', env_set: {A: 1.5}, config: {override_dirname: {exclude_keys: [1, b]}}}\nmode: 2\n",
        )
        .unwrap();
        assert_eq!(v.get("run.dir").unwrap(), &Value::from("1000.0"));
        assert_eq!(v.get("job.chdir").unwrap(), &Value::Bool(false));
        assert_eq!(v.get("job.env_set.A").unwrap(), &Value::from("1.5"));
        assert_eq!(
            v.get("job.config.override_dirname.exclude_keys.0").unwrap(),
            &Value::from("1")
        );
        assert_eq!(v.get("mode").unwrap(), &Value::from("MULTIRUN"));
        let v = check("job: {chdir: Y}\nmode: RunMode.RUN\n").unwrap();
        assert_eq!(v.get("job.chdir").unwrap(), &Value::Bool(true));
        assert_eq!(v.get("mode").unwrap(), &Value::from("RUN"));
    }

    #[test]
    fn refuses_what_omegaconf_refuses() {
        for (yaml, key, part) in [
            ("run: {dir: null}", "hydra.run.dir", "not Optional"),
            (
                "job: {env_set: {A: [1]}}",
                "hydra.job.env_set.A",
                "Cannot convert 'list'",
            ),
            ("job: {chdir: abc}", "hydra.job.chdir", "not a valid bool"),
            ("job: {chdir: 1.5}", "hydra.job.chdir", "not a valid bool"),
            (
                "output_subdir: [1]",
                "hydra.output_subdir",
                "Cannot convert 'list'",
            ),
            (
                "job: {env_copy: abc}",
                "hydra.job.env_copy",
                "is not a list",
            ),
            ("mode: run", "hydra.mode", "expected one of [RUN, MULTIRUN]"),
            ("mode: 3", "hydra.mode", "expected one of"),
            ("mode: 1.0", "hydra.mode", "not a valid input"),
            ("job: {env_set: null}", "hydra.job.env_set", "not Optional"),
            (
                "job: {config: {override_dirname: {exclude_keys: [1, null]}}}",
                "hydra.job.config.override_dirname.exclude_keys[1]",
                "NoneType",
            ),
        ] {
            let e = check(yaml).unwrap_err();
            assert_eq!(e.key, key, "{yaml}");
            assert!(e.reason.contains(part), "{yaml}: {}", e.reason);
        }
    }

    #[test]
    fn interpolations_and_missing_are_checked_later() {
        assert!(check("run: {dir: '${x}'}\njob: {chdir: '${seed}', name: ???}").is_ok());
    }
}
