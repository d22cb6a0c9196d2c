//! The `hydra` node: run settings that Hydra keeps out of the job config.
//!
//! Hydra composes its own config next to the job's and deletes it from what the job sees;
//! `hydra.run.dir=...` or `hydra.job.chdir=true` on the command line only change the
//! former. We keep a skeleton of the Hydra keys a user may set (with Hydra 1.3's defaults
//! under `version_base=None`), apply `hydra.*` overrides to it with the usual rules (so a
//! typo such as `hydra.run.dri` is reported with a suggestion), and hand it to the caller.
//! Hydra's own config groups (`hydra/job_logging=disabled`, ...) are accepted for the
//! logging groups and recorded in the choices; they have no further effect here.

use crate::error::ConfigError;
use crate::override_parser::Override;
use crate::suggest::{DidYouMean, closest};
use crate::value::Value;
use crate::yaml::parse_yaml_str;

/// Hydra settings users commonly set, with Hydra 1.3 defaults.
const SKELETON: &str = r#"
hydra:
  run:
    dir: outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}
  sweep:
    dir: multirun/${now:%Y-%m-%d}/${now:%H-%M-%S}
    subdir: ${hydra.job.num}
  output_subdir: .hydra
  verbose: false
  mode: null
  searchpath: []
  job:
    name: null
    chdir: null
    env_set: {}
    env_copy: []
    config:
      override_dirname:
        kv_sep: '='
        item_sep: ','
        exclude_keys: []
"#;

/// Hydra's config groups that may be selected from the command line, with their options.
const GROUPS: [(&str, &[&str]); 2] = [
    (
        "hydra/job_logging",
        &["default", "disabled", "none", "stdout"],
    ),
    ("hydra/hydra_logging", &["default", "disabled", "none"]),
];

/// The skeleton as a value (`{hydra: {...}}`).
pub fn skeleton() -> Value {
    parse_yaml_str(SKELETON, "hydra defaults").expect("the built-in Hydra skeleton is valid YAML")
}

/// Checks a `hydra/<group>=<option>` selection and returns the option.
pub fn check_group(group: &str, value: &Value, input: &str) -> Result<String, ConfigError> {
    let Some((_, options)) = GROUPS.iter().find(|(g, _)| *g == group) else {
        let names: Vec<&str> = GROUPS.iter().map(|(g, _)| *g).collect();
        return Err(ConfigError::UnsupportedOverride {
            input: crate::pyfmt::one_line(input),
            reason: format!(
                "Hydra config group '{group}' is not supported.{} Supported: {}",
                DidYouMean(closest(group, names.iter().copied())),
                names.join(", ")
            ),
        });
    };
    match value {
        Value::String(option) if options.contains(&option.as_str()) => Ok(option.clone()),
        other => Err(ConfigError::UnknownOption {
            group: group.to_string(),
            option: crate::pyfmt::py_str(other),
            suggestion: DidYouMean(closest(
                &crate::pyfmt::py_str(other),
                options.iter().copied(),
            )),
            available: options.join(", "),
        }),
    }
}

/// Hydra's node is typed: a group of settings (`hydra`, `hydra.run`, ...) cannot be replaced
/// by a single value, which would silently drop the settings inside it.
pub fn check_override(root: &Value, o: &Override) -> Result<(), ConfigError> {
    let existing = root.get(&o.key).ok();
    let replaces_group =
        matches!(existing, Some(Value::Map(_))) && !matches!(o.value, Some(Value::Map(_)));
    if replaces_group {
        let example = match o.key.as_str() {
            "hydra" | "hydra.run" => "hydra.run.dir=PATH".to_string(),
            key => format!("{key}.<setting>=..."),
        };
        return Err(ConfigError::UnsupportedOverride {
            input: crate::pyfmt::one_line(&o.input),
            reason: format!(
                "'{}' is a group of Hydra settings; set one of them, e.g. '{example}'",
                o.key
            ),
        });
    }
    Ok(())
}
