//! `compose`: config directory + command line -> job config, like Hydra's `compose` API.
//!
//! Steps, in Hydra's order: parse every override; route `hydra.*` ones to the Hydra node,
//! `group=option` ones (the key names a directory) to the defaults list, the rest to the
//! config; expand the defaults tree; merge the files in order, each under its package;
//! apply the config overrides in command-line order. Interpolations are left in place
//! (call [`Value::resolved`]).

use std::collections::BTreeMap;
use std::path::Path;

use crate::apply::apply_override;
use crate::defaults::{GroupOverrides, GroupValue, select};
use crate::error::ConfigError;
use crate::hydra;
use crate::map::Map;
use crate::merge::merge_maps;
use crate::override_parser::{Override, OverrideKind, parse_override};
use crate::pyfmt;
use crate::repo::Repo;
use crate::suggest::{DidYouMean, closest};
use crate::value::Value;

/// The name of the primary config file (`config.yaml`).
pub const PRIMARY_CONFIG: &str = "config";

/// A composed configuration.
#[derive(Debug, Clone)]
pub struct Composed {
    /// The job config (what Hydra passes to the task function), not yet resolved.
    pub job: Value,
    /// The `hydra` node: Hydra's defaults for the keys we model, with `hydra.*` overrides
    /// and any `hydra:` keys of the config files applied. Not resolved (`${now:...}`).
    pub hydra: Value,
    /// `hydra.run.dir` when set on the command line or in the configs; `None` means
    /// Hydra's default `outputs/<date>/<time>`.
    pub hydra_run_dir: Option<String>,
    /// `hydra.job.chdir` (`None` when null, which Hydra 1.3 treats as false).
    pub hydra_job_chdir: Option<bool>,
    /// The option selected for every config group (`None` when the group is `null`),
    /// like `hydra.runtime.choices`; e.g. `"algorithm" -> Some("df_video")`.
    pub choices: BTreeMap<String, Option<String>>,
    /// The job overrides as typed (Hydra's `overrides.task`, saved as `overrides.yaml`).
    pub task_overrides: Vec<String>,
    /// The `hydra.*` / `hydra/...` overrides as typed.
    pub hydra_overrides: Vec<String>,
}

/// Composes the primary config `config.yaml` of `config_dir` with command-line `overrides`.
pub fn compose(config_dir: &Path, overrides: &[String]) -> Result<Composed, ConfigError> {
    compose_named(config_dir, PRIMARY_CONFIG, overrides)
}

/// [`compose`] with another primary config name (without `.yaml`).
pub fn compose_named(
    config_dir: &Path,
    config_name: &str,
    overrides: &[String],
) -> Result<Composed, ConfigError> {
    let mut repo = Repo::open(config_dir)?;
    let parsed: Vec<Override> = overrides
        .iter()
        .map(|o| parse_override(o))
        .collect::<Result<_, _>>()?;

    let mut groups = GroupOverrides::default();
    let mut config_overrides = Vec::new();
    let mut hydra_overrides = Vec::new();
    let mut hydra_choices = Vec::new();
    let mut task_inputs = Vec::new();
    let mut hydra_inputs = Vec::new();
    for o in parsed {
        if o.key == "hydra" || o.key.starts_with("hydra.") || o.key.starts_with("hydra/") {
            hydra_inputs.push(o.input.clone());
            if o.key.starts_with("hydra/") {
                let value = o.value.clone().unwrap_or(Value::Null);
                hydra_choices.push((o.key.clone(), hydra::check_group(&o.key, &value, &o.input)?));
            } else {
                hydra_overrides.push(o);
            }
            continue;
        }
        task_inputs.push(o.input.clone());
        let is_dict = matches!(o.value, Some(Value::Map(_)));
        if !is_dict && repo.group_exists(&o.key) {
            add_group_override(&mut groups, &o)?;
        } else if o.package.is_some() {
            let names = repo.groups();
            return Err(ConfigError::UnknownGroup {
                suggestion: DidYouMean(closest(&o.key, names.iter().map(String::as_str))),
                groups: names.join(", "),
                name: format!("{}@{}", o.key, o.package.as_deref().unwrap_or("")),
            });
        } else {
            config_overrides.push(o);
        }
    }

    let selection = select(&mut repo, config_name, &groups)?;
    let mut merged = Map::new();
    for item in &selection.items {
        let loaded = repo
            .load(&item.config_path)?
            .expect("every selected config was loaded while expanding the defaults list");
        let embedded = embed(Value::Map(loaded.content.clone()), &item.package);
        let Value::Map(src) = embedded else {
            unreachable!("embedding a map yields a map")
        };
        merge_maps(&mut merged, src).map_err(|c| ConfigError::InvalidConfig {
            file: item.config_path.clone(),
            reason: format!(
                "cannot merge a {} into the {} at '{}' that an earlier config defined; make both the same kind",
                c.new, c.existing, c.key
            ),
        })?;
    }

    // A `hydra:` node in the configs configures Hydra, not the job.
    let mut hydra_root = hydra::skeleton();
    if let Some(h) = merged.remove("hydra") {
        let mut wrapper = Map::new();
        wrapper.insert("hydra", h);
        if let Value::Map(root) = &mut hydra_root {
            merge_maps(root, wrapper).map_err(|c| ConfigError::InvalidConfig {
                file: config_name.to_string(),
                reason: format!("'{}' must be a {}", c.key, c.existing),
            })?;
        }
    }

    let mut job = Value::Map(merged);
    for o in &config_overrides {
        apply_override(&mut job, o).map_err(|e| explain_unknown_group(e, o, &repo))?;
    }
    for o in &hydra_overrides {
        hydra::check_override(&hydra_root, o)?;
        apply_override(&mut hydra_root, o)?;
    }

    let hydra_node = hydra_root.get("hydra").cloned().unwrap_or(Value::Null);
    let default_run_dir = hydra::skeleton().get("hydra.run.dir").cloned().ok();
    let run_dir = hydra_node.get("run.dir").ok().cloned();
    let hydra_run_dir = match run_dir {
        Some(d) if Some(&d) != default_run_dir.as_ref() => Some(pyfmt::py_str(&d)),
        _ => None,
    };
    let hydra_job_chdir = match hydra_node.get("job.chdir") {
        Ok(Value::Bool(b)) => Some(*b),
        _ => None,
    };
    let mut choices = selection.choices;
    for (g, o) in hydra_choices {
        choices.insert(g, Some(o));
    }
    Ok(Composed {
        job,
        hydra: hydra_node,
        hydra_run_dir,
        hydra_job_chdir,
        choices,
        task_overrides: task_inputs,
        hydra_overrides: hydra_inputs,
    })
}

/// Routes `group=option`, `+group=option` and `~group[=option]`.
fn add_group_override(groups: &mut GroupOverrides, o: &Override) -> Result<(), ConfigError> {
    let key = match &o.package {
        Some(p) => format!("{}@{}", o.key, p),
        None => o.key.clone(),
    };
    let unsupported = |reason: String| ConfigError::UnsupportedOverride {
        input: pyfmt::one_line(&o.input),
        reason,
    };
    match o.kind {
        OverrideKind::ForceAdd => Err(unsupported(format!(
            "'++' does not apply to config group '{key}'; use '{key}=<option>' to change the selection or '+{key}=<option>' to add the group"
        ))),
        OverrideKind::Delete => {
            let option = match &o.value {
                None => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => {
                    return Err(unsupported(format!(
                        "'~{key}=...' takes the option name to deselect, not {}; use '~{key}' to deselect whatever is selected",
                        other.type_name()
                    )));
                }
            };
            groups.deletions.push((key, option));
            Ok(())
        }
        OverrideKind::Change | OverrideKind::Add => {
            let value = match o.value.clone().unwrap_or(Value::Null) {
                Value::String(s) => GroupValue::Name(s),
                Value::Missing => GroupValue::Name("???".to_string()),
                Value::List(items) => GroupValue::Options(
                    items
                        .into_iter()
                        .map(|v| match v {
                            Value::String(s) => Ok(s),
                            other => Err(unsupported(format!(
                                "options of config group '{key}' must be names, found {}",
                                other.type_name()
                            ))),
                        })
                        .collect::<Result<_, _>>()?,
                ),
                Value::Null => {
                    return Err(unsupported(format!(
                        "a config group takes an option name ('{key}=<option>'); to deselect '{key}' use '~{key}'"
                    )));
                }
                other => {
                    return Err(unsupported(format!(
                        "a config group takes an option name, not {} {}; quote it if it is a file name: {key}='{}'",
                        other.type_name(),
                        pyfmt::brief(&other),
                        o.value_text
                    )));
                }
            };
            if o.kind == OverrideKind::Add {
                groups
                    .appends
                    .push((o.key.clone(), o.package.clone(), value));
            } else if let Some(existing) = groups.choices.iter_mut().find(|(k, _)| *k == key) {
                // A later selection of the same group wins, as in Hydra.
                existing.1 = value;
            } else {
                groups.choices.push((key, value));
            }
            Ok(())
        }
    }
}

/// Nests `value` under the dotted `package` (`algorithm` -> `{algorithm: value}`).
fn embed(value: Value, package: &str) -> Value {
    if package.is_empty() {
        return value;
    }
    package.rsplit('.').fold(value, |inner, seg| {
        let mut m = Map::new();
        m.insert(seg, inner);
        Value::Map(m)
    })
}

/// `algoritm=df_planning` fails as an unknown key; say that it is most likely a group.
fn explain_unknown_group(e: ConfigError, o: &Override, repo: &Repo) -> ConfigError {
    match e {
        ConfigError::UnknownKey { ref key, .. }
            if !key.contains('.') && o.kind == OverrideKind::Change =>
        {
            let names = repo.groups();
            match closest(key, names.iter().map(String::as_str)) {
                Some(group) => ConfigError::UnknownGroup {
                    name: key.clone(),
                    suggestion: DidYouMean(Some(group)),
                    groups: names.join(", "),
                },
                None => e,
            }
        }
        other => other,
    }
}
