//! Hydra's `hydra.mode` holds a `RunMode` enum (`hydra/types.py`; the `HydraConf` dataclass in
//! `hydra/conf/__init__.py` types it `Optional[RunMode]`, the only enum-typed Hydra setting).
//!
//! We store its value as the member name (`RUN`), which is how OmegaConf prints the node
//! (`mode: RUN` in `hydra.yaml`, and a bare `${hydra:mode}` is the enum itself). Python's
//! `str()` of the enum is `RunMode.RUN`, and that is what an interpolation embedded in a
//! longer string gives: `x${hydra:mode}` is `xRunMode.RUN` in Hydra 1.3.2 (checked with the
//! oracle, as are `run.dir=r${hydra.mode}` and the string-typed Hydra settings).

use crate::value::Value;

/// Enum-typed Hydra nodes and the name of their enum class.
const ENUM_NODES: [(&[&str], &str); 1] = [(&["hydra", "mode"], "RunMode")];

/// Python's `str()` of the value at `path` when that node is enum-typed and set
/// (`RunMode.RUN`); `None` for other nodes and for null.
pub(crate) fn enum_str(path: &[String], value: &Value) -> Option<String> {
    let (_, class) = ENUM_NODES
        .iter()
        .find(|(p, _)| p.iter().copied().eq(path.iter().map(String::as_str)))?;
    match value {
        Value::String(member) => Some(format!("{class}.{member}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_mode_node_prints_its_class() {
        let mode = ["hydra".to_string(), "mode".to_string()];
        assert_eq!(
            enum_str(&mode, &Value::from("RUN")).as_deref(),
            Some("RunMode.RUN")
        );
        assert_eq!(enum_str(&mode, &Value::Null), None);
        let other = ["hydra".to_string(), "verbose".to_string()];
        assert_eq!(enum_str(&other, &Value::from("RUN")), None);
    }
}
