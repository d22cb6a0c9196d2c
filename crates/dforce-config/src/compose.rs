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
    /// and any `hydra:` keys of the config files applied, and the values Hydra computes
    /// (`job.name`, `job.override_dirname`, `runtime.choices`, ...). Not resolved
    /// (`${now:...}`, `${name}`): see [`Composed::hydra_run`].
    pub hydra: Value,
    /// The option selected for every config group (`None` when the group is `null`),
    /// like `hydra.runtime.choices`; e.g. `"algorithm" -> Some("df_video")`.
    pub choices: BTreeMap<String, Option<String>>,
    /// The job config's groups of `choices` in Hydra's order (`hydra.runtime.choices` lists
    /// them so, then Hydra's own groups).
    pub choice_order: Vec<String>,
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
    compose_with(config_dir, config_name, &[], overrides)
}

/// [`compose_named`] with more config directories searched after `config_dir` and before
/// `hydra.searchpath`, as Hydra's `--config-dir DIR` adds them (`hydra/_internal/utils.py`:
/// prepended before the schema source, provider `command-line`).
///
/// # Errors
/// As [`compose`]; a directory of `extra_dirs` that does not exist ("Additional config
/// directory … not found", as in Hydra).
pub fn compose_with(
    config_dir: &Path,
    config_name: &str,
    extra_dirs: &[std::path::PathBuf],
    overrides: &[String],
) -> Result<Composed, ConfigError> {
    let mut repo = Repo::open(config_dir)?;
    let parsed: Vec<Override> = overrides
        .iter()
        .map(|o| parse_override(o))
        .collect::<Result<_, _>>()?;
    let mut search_sources = Vec::new();
    for dir in extra_dirs {
        let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.clone());
        if !abs.is_dir() {
            return Err(ConfigError::Io {
                path: abs.display().to_string(),
                reason: "Additional config directory not found (--config-dir adds a directory to the config search path, as Hydra's does; use --config-path for the primary one)".to_string(),
            });
        }
        search_sources.push(crate::searchpath::ConfigSource {
            path: abs.display().to_string(),
            provider: "command-line",
        });
        repo.add_search_dir(abs);
    }
    search_sources.extend(crate::searchpath::add_search_dirs(
        &mut repo,
        config_name,
        &parsed,
    )?);

    let mut groups = GroupOverrides::default();
    let mut config_overrides = Vec::new();
    let mut hydra_overrides = Vec::new();
    let mut hydra_choices = Vec::new();
    let mut task_inputs = Vec::new();
    let mut task_keys = Vec::new();
    let mut hydra_inputs = Vec::new();
    for o in parsed {
        if o.key == "hydra" || o.key.starts_with("hydra.") || o.key.starts_with("hydra/") {
            hydra_inputs.push(o.input.clone());
            if o.key.starts_with("hydra/") {
                let value = o.value.clone().unwrap_or(Value::Null);
                hydra_choices.push((o.key.clone(), hydra::check_group(&o.key, &value, &o.input)?));
            } else {
                hydra::check_settable(&o.key, &o.input)?;
                hydra_overrides.push(o);
            }
            continue;
        }
        task_inputs.push(o.input.clone());
        task_keys.push((o.key.clone(), o.input.clone()));
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
        // Invariant: select() only emits items whose file loaded, and Repo caches each load.
        let loaded = repo
            .load(&item.config_path)?
            .expect("every selected config was loaded while expanding the defaults list");
        let embedded = embed(Value::Map(loaded.content.clone()), &item.package);
        // Hydra's `ConfigLoaderImpl._load_single_config` (config_loader_impl.py): only the
        // primary config may set `hydra.searchpath` (an empty list counts as set).
        if item.config_path != config_name
            && !matches!(
                embedded.child("hydra").and_then(|h| h.child("searchpath")),
                None | Some(Value::Null)
            )
        {
            return Err(ConfigError::InvalidConfig {
                file: item.config_path.clone(),
                reason: format!(
                    "Overriding hydra.searchpath is only supported from the primary config (move it to '{config_name}.yaml' or pass hydra.searchpath=[...] on the command line)"
                ),
            });
        }
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
    let mut hydra_root = hydra::skeleton(&hydra_choices);
    if let Some(h) = merged.remove("hydra") {
        hydra::check_config_node(&h, config_name)?;
        let mut wrapper = Map::new();
        wrapper.insert("hydra", h);
        if let Value::Map(root) = &mut hydra_root {
            merge_maps(root, wrapper).map_err(|c| ConfigError::InvalidConfig {
                file: config_name.to_string(),
                reason: format!("'{}' must be a {}", c.key, c.existing),
            })?;
        }
    }
    if let Some(h) = hydra_root.child_mut("hydra") {
        crate::hydra_schema::check_and_convert(h)
            .map_err(|v| v.into_error(format!("the 'hydra:' node of '{config_name}'")))?;
    }

    let mut job = Value::Map(merged);
    for o in &config_overrides {
        apply_override(&mut job, o).map_err(|e| explain_unknown_group(e, o, &repo))?;
    }
    for o in &hydra_overrides {
        hydra::check_override(&hydra_root, o)?;
        apply_override(&mut hydra_root, o)?;
        if let Some(h) = hydra_root.child_mut("hydra") {
            crate::hydra_schema::check_and_convert(h).map_err(|v| {
                v.into_error(format!("override '{}'", crate::pyfmt::one_line(&o.input)))
            })?;
        }
    }

    let mut hydra_node = hydra_root.get("hydra").cloned().unwrap_or(Value::Null);
    copy_env(&mut hydra_node, &job)?;
    let mut choices = selection.choices;
    for (g, o) in hydra_choices {
        choices.insert(g, Some(o));
    }
    hydra::fill_computed(
        &mut hydra_node,
        config_name,
        &choices,
        &selection.order,
        &task_keys,
        &hydra_inputs,
    );
    hydra::set_config_sources(&mut hydra_node, config_dir, &search_sources);
    Ok(Composed {
        job,
        hydra: hydra_node,
        choices,
        choice_order: selection.order,
        task_overrides: task_inputs,
        hydra_overrides: hydra_inputs,
    })
}

/// Copies the environment variables named in `hydra.job.env_copy` into `hydra.job.env_set`,
/// as Hydra's `ConfigLoaderImpl._load_configuration_impl` (config_loader_impl.py) does while
/// composing (`cfg.hydra.job.env_set[key] = os.environ[key]`, a KeyError when one is unset),
/// so that `--cfg hydra` and `${hydra:job.env_set}` show them. An entry that is an
/// interpolation is read against the whole config there (`env_copy=[${x}]` with `x: HOME`
/// copies HOME), as iterating Hydra's list resolves it.
fn copy_env(hydra_node: &mut Value, job: &Value) -> Result<(), ConfigError> {
    if !matches!(hydra_node.get("job.env_copy"), Ok(v) if v.is_interpolation() || matches!(v, Value::List(l) if !l.is_empty()))
    {
        return Ok(());
    }
    let mut root = match job {
        Value::Map(m) => m.clone(),
        _ => Map::new(),
    };
    root.insert("hydra", hydra_node.clone());
    let root = Value::Map(root);
    // The list and its entries resolved and checked as `List[str]` (`env_copy=${x}` with
    // `x: [A, B]` copies A and B).
    let names: Vec<String> =
        match crate::interpolation::resolve_key_with_hydra(&root, "hydra.job.env_copy")? {
            Value::List(items) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => crate::pyfmt::py_str(other),
                })
                .collect(),
            _ => return Ok(()),
        };
    for name in names {
        let value = std::env::var(&name).map_err(|_| ConfigError::InvalidKey {
            key: "hydra.job.env_copy".to_string(),
            reason: format!(
                "environment variable '{name}' is not set (Hydra fails with KeyError: '{name}'); set it or remove it from the list"
            ),
        })?;
        if let Some(Value::Map(env_set)) = hydra_node
            .child_mut("job")
            .and_then(|j| j.child_mut("env_set"))
        {
            env_set.insert(name, Value::String(value));
        }
    }
    Ok(())
}

impl Composed {
    /// The job config and the Hydra node under one root, as Hydra holds them while running.
    pub(crate) fn full_root(&self) -> Value {
        let mut root = match &self.job {
            Value::Map(m) => m.clone(),
            _ => Map::new(),
        };
        root.insert("hydra", self.hydra.clone());
        Value::Map(root)
    }

    /// The job config with every interpolation resolved, including Hydra's resolvers:
    /// `${hydra:job.name}` reads the Hydra node, `${now:%Y-%m-%d}` the local time. This is
    /// what the task function of a Hydra app sees; use it rather than `job.resolved()` in a run.
    pub fn resolve_job(&self) -> Result<Value, ConfigError> {
        crate::interpolation::resolve_job_with_hydra(&self.full_root())
    }

    /// One `hydra.*` key resolved against the whole config, as `${hydra:...}` would read it
    /// at this point of the run (e.g. `hydra.job.override_dirname`).
    pub fn resolve_hydra_key(&self, key: &str) -> Result<Value, ConfigError> {
        crate::interpolation::resolve_key_with_hydra(&self.full_root(), key)
    }

    /// The Hydra node with its interpolations resolved against the whole config (what
    /// `--cfg hydra --resolve` prints). Values Hydra sets only while running stay `???`.
    /// As in Hydra's `--cfg hydra --resolve`, an interpolation to a value that is still
    /// `???` (`sweep.subdir: ${hydra.job.num}`) prints as `???`.
    pub fn resolve_hydra(&self) -> Result<Value, ConfigError> {
        let root = self.full_root();
        crate::interpolation::Resolver::new(&root, true)
            .resolve_printed(&self.hydra, &["hydra".to_string()])
    }

    /// Hydra's settings for a single run, resolved against the job config as Hydra does
    /// (`hydra.run.dir=runs/${name}_${seed}` gives `runs/abc_0`). Like Hydra's `run_job`, it
    /// records the run directory's absolute path as `hydra.runtime.output_dir` before reading
    /// the other settings. Errors for settings that dforce refuses (see [`crate::HydraRun`]).
    pub fn hydra_run(&mut self) -> Result<hydra::HydraRun, ConfigError> {
        self.set_run_mode();
        let root = self.full_root();
        let run_dir =
            hydra::run_dir(&|key| crate::interpolation::resolve_key_with_hydra(&root, key))?;
        self.set_output_dir(&run_dir);
        let root = self.full_root();
        let mut only = Map::new();
        only.insert("hydra", self.hydra.clone());
        let hydra_only = Value::Map(only);
        let mut run = hydra::run_settings(
            &self.hydra,
            run_dir,
            &|key| crate::interpolation::resolve_key_with_hydra(&root, key),
            &|key| crate::interpolation::resolve_key_with_hydra(&hydra_only, key),
        )?;
        for group in ["hydra/job_logging", "hydra/hydra_logging"] {
            if let Some(Some(option)) = self.choices.get(group)
                && (option == "default" || option == "stdout")
            {
                run.notes.push(format!(
                    "{group}={option} configures Python's logging; dforce prints its messages to stderr and writes no {}.log",
                    run.job_name
                ));
            }
        }
        Ok(run)
    }

    /// As Hydra's `run()` does for a single run: `hydra.mode` null becomes `RUN`, and
    /// `hydra.mode=RUN` ends the `hydra.overrides.hydra` list (so `${hydra:mode}` is RUN).
    fn set_run_mode(&mut self) {
        let Value::Map(h) = &mut self.hydra else {
            return;
        };
        if !matches!(h.get("mode"), Some(Value::Null) | None) {
            return;
        }
        h.insert("mode", Value::from("RUN"));
        let line = "hydra.mode=RUN".to_string();
        if let Some(Value::Map(o)) = h.get_mut("overrides")
            && let Some(Value::List(l)) = o.get_mut("hydra")
        {
            l.push(Value::String(line.clone()));
        }
        self.hydra_overrides.push(line);
    }

    /// Records the run's output directory as `hydra.runtime.output_dir` (Hydra stores the
    /// absolute path), so that `${hydra:runtime.output_dir}` resolves.
    pub fn set_output_dir(&mut self, dir: &Path) {
        let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        if let Value::Map(h) = &mut self.hydra
            && let Some(Value::Map(runtime)) = h.get_mut("runtime")
        {
            runtime.insert("output_dir", Value::String(abs.display().to_string()));
        }
    }

    /// Saves `config.yaml`, `hydra.yaml` and `overrides.yaml` into `dir`, as Hydra does in
    /// `<run dir>/<hydra.output_subdir>`.
    pub fn save_hydra_files(&self, dir: &Path) -> Result<(), ConfigError> {
        hydra::save_configs(dir, &self.job, &self.hydra, &self.task_overrides)
    }
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
                // Hydra reads `~group=null` as `~group` (a deletion without a name).
                None | Some(Value::Null) => None,
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
