//! The `hydra` node: run settings that Hydra keeps out of the job config.
//!
//! Hydra composes its own config next to the job's and deletes it from what the job sees;
//! `hydra.run.dir=...` or `hydra.job.chdir=true` on the command line only change the
//! former. We keep Hydra 1.3's whole config node (its defaults under `version_base=None`, with
//! the contents of its own config groups' options generated from Hydra: `launcher`, `sweeper`,
//! logging, help, `env`, `callbacks`), apply `hydra.*` overrides to it with the usual rules,
//! fill in what Hydra computes itself (`job.name`, `job.override_dirname`, `runtime.choices`,
//! ... as in `hydra/_internal/config_loader_impl.py`), and resolve it against the job config
//! (so `hydra.run.dir=runs/${name}_${seed}` names `runs/abc_0`, as in Hydra).
//!
//! Every Hydra setting is either applied as Hydra 1.3 applies it in a single run
//! ([`HydraRun`]: `run.dir`, `output_subdir`, `job.chdir`, `job.name`, `job.env_set`,
//! `job.env_copy`, `job.config.override_dirname.*`; `sweep.*` is only read by `--multirun`, so
//! a single run ignores it as Hydra does and says so; `searchpath` is applied while composing,
//! see `searchpath.rs`) or refused with a message: other Hydra keys (launchers, sweepers,
//! help, logging configs, ...) when set, `hydra.mode=MULTIRUN`, `hydra.verbose`. Hydra's own config groups (`hydra/job_logging=...`)
//! are accepted for the logging groups and recorded in the choices: dforce writes no Python
//! log file, so `disabled`/`none` are what it does anyway; `default`/`stdout` are noted.

use std::path::{Path, PathBuf};

use crate::map::Map;
use crate::pyfmt::py_str;

use crate::error::ConfigError;
use crate::override_parser::Override;
use crate::suggest::{DidYouMean, closest};
use crate::value::Value;
use crate::yaml::parse_yaml_str;

/// Hydra 1.3's config node in Hydra's key order, with its defaults. The parts that Hydra's own
/// config groups set (`launcher`, `sweeper`, `help`, `hydra_help`, `hydra_logging`,
/// `job_logging`, `env`, `callbacks`) are filled from [`GROUP_CONFIGS`] for the option chosen.
const SKELETON: &str = r#"
hydra:
  run:
    dir: outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}
  sweep:
    dir: multirun/${now:%Y-%m-%d}/${now:%H-%M-%S}
    subdir: ${hydra.job.num}
  launcher: {}
  sweeper: {}
  help: {}
  hydra_help: {}
  hydra_logging: {}
  job_logging: {}
  env: {}
  mode: null
  searchpath: []
  callbacks: {}
  output_subdir: .hydra
  overrides:
    hydra: []
    task: []
  job:
    name: ???
    chdir: null
    override_dirname: ???
    id: ???
    num: ???
    config_name: ???
    env_set: {}
    env_copy: []
    config:
      override_dirname:
        kv_sep: '='
        item_sep: ','
        exclude_keys: []
  runtime:
    version: ???
    version_base: ???
    cwd: ???
    config_sources: []
    output_dir: ???
    choices: {}
  verbose: false
"#;

/// What each option of Hydra's own config groups puts in the `hydra` node, generated from
/// Hydra 1.3.2 by `scripts/make_hydra_group_configs.py` (`{node: {option: content}}`; the
/// option `null` is a group left unset).
const GROUP_CONFIGS: &str = include_str!("hydra_group_configs.yaml");

/// The `hydra` node's parts that Hydra's config groups set: the node and its group.
const GROUP_NODES: [(&str, &str); 8] = [
    ("launcher", "hydra/launcher"),
    ("sweeper", "hydra/sweeper"),
    ("help", "hydra/help"),
    ("hydra_help", "hydra/hydra_help"),
    ("hydra_logging", "hydra/hydra_logging"),
    ("job_logging", "hydra/job_logging"),
    ("env", "hydra/env"),
    ("callbacks", "hydra/callbacks"),
];

/// The job name Hydra gives a run of the reference: `@hydra.main` names the job after the file
/// of the task function, `main.py`.
pub const DEFAULT_JOB_NAME: &str = "main";

/// Hydra settings that a user may set for a single run (exact keys, or prefixes ending in `.`).
const SETTABLE: [&str; 13] = [
    "hydra.run.dir",
    "hydra.sweep.dir",
    "hydra.sweep.subdir",
    "hydra.output_subdir",
    "hydra.verbose",
    "hydra.mode",
    "hydra.searchpath",
    "hydra.job.name",
    "hydra.job.chdir",
    "hydra.job.env_set.",
    "hydra.job.env_copy",
    "hydra.job.config.override_dirname.",
    "hydra.job.config.override_dirname",
];

/// Groups of settings that may be set as a whole with a mapping (`hydra.run={dir: x}`).
const GROUP_KEYS: [&str; 6] = [
    "hydra",
    "hydra.run",
    "hydra.sweep",
    "hydra.job",
    "hydra.job.env_set",
    "hydra.job.config",
];

/// Refuses a `hydra.*` key that a single run does not use or that Hydra computes itself.
pub fn check_settable(key: &str, input: &str) -> Result<(), ConfigError> {
    let ok = GROUP_KEYS.contains(&key)
        || SETTABLE.iter().any(|s| match s.strip_suffix('.') {
            Some(prefix) => key.starts_with(s) && key.len() > prefix.len() + 1,
            None => key == *s,
        });
    if ok {
        return Ok(());
    }
    // Settable only to their defaults (dforce refuses other values), so not advertised.
    let refused = ["hydra.verbose", "hydra.mode"];
    let mut names: Vec<&str> = Vec::new();
    for name in SETTABLE.iter().map(|s| s.trim_end_matches('.')) {
        // `hydra.job.config.override_dirname` is listed both as a prefix and as a key.
        if !refused.contains(&name) && !names.contains(&name) {
            names.push(name);
        }
    }
    let computed = [
        "hydra.job.override_dirname",
        "hydra.job.id",
        "hydra.job.num",
        "hydra.job.config_name",
        "hydra.runtime",
        "hydra.overrides",
    ];
    let reason = if computed
        .iter()
        .any(|c| key == *c || key.starts_with(&format!("{c}.")))
    {
        format!("'{key}' is computed by Hydra for each run; it cannot be set")
    } else {
        format!(
            "'{key}' is not a Hydra setting that dforce applies (it runs one job in this process, with no launcher, sweeper, callbacks or Python logging).{} Supported: {}",
            DidYouMean(closest(key, names.iter().copied())),
            names.join(", ")
        )
    };
    Err(ConfigError::UnsupportedOverride {
        input: crate::pyfmt::one_line(input),
        reason,
    })
}

/// Every leaf key under `prefix` in `v` (mappings only; lists and scalars are leaves). A
/// mapping given to a scalar setting (`hydra: {job: {name: {1: 2}}}`) is a leaf too, so that
/// Hydra's schema refuses it ("Cannot convert 'DictConfig' to string").
fn leaf_keys(v: &Value, prefix: &str, out: &mut Vec<String>) {
    let scalar_setting = prefix != "hydra.job.config.override_dirname"
        && SETTABLE.iter().any(|s| !s.ends_with('.') && *s == prefix);
    match v {
        Value::Map(m) if !m.is_empty() && prefix != "hydra.job.env_set" && !scalar_setting => {
            for (k, child) in m.iter() {
                leaf_keys(child, &format!("{prefix}.{k}"), out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

/// Checks the `hydra:` node of the config files: only settable keys.
pub fn check_config_node(node: &Value, file: &str) -> Result<(), ConfigError> {
    let mut keys = Vec::new();
    leaf_keys(node, "hydra", &mut keys);
    for key in keys {
        check_settable(&key, &key).map_err(|e| match e {
            ConfigError::UnsupportedOverride { reason, .. } => ConfigError::InvalidConfig {
                file: file.to_string(),
                reason,
            },
            other => other,
        })?;
    }
    Ok(())
}

/// Fills in what Hydra computes when it loads the config (`config_loader_impl.py`,
/// `load_configuration`): the override lists, `runtime.choices`, the versions, `runtime.cwd`,
/// `job.name` (unless set), `job.override_dirname` and `job.config_name`.
pub fn fill_computed(
    hydra: &mut Value,
    config_name: &str,
    choices: &std::collections::BTreeMap<String, Option<String>>,
    order: &[String],
    task: &[(String, String)],
    hydra_inputs: &[String],
) {
    let Value::Map(h) = hydra else {
        return;
    };
    let strings = |v: &[String]| Value::List(v.iter().cloned().map(Value::String).collect());
    let task_inputs: Vec<String> = task.iter().map(|(_, input)| input.clone()).collect();
    let mut overrides = Map::new();
    overrides.insert("hydra", strings(hydra_inputs));
    overrides.insert("task", strings(&task_inputs));
    h.insert("overrides", Value::Map(overrides));

    // Hydra's order: the job config's groups as its defaults tree records them, then Hydra's
    // own groups (its hydra/config.yaml defaults, last first) with their defaults or the
    // option selected on the command line.
    let mut choice_map = Map::new();
    let as_value = |o: &Option<String>| o.clone().map_or(Value::Null, Value::String);
    for g in order {
        if let Some(o) = choices.get(g) {
            choice_map.insert(g.clone(), as_value(o));
        }
    }
    for (g, default) in HYDRA_GROUP_DEFAULTS {
        let o = choices
            .get(g)
            .cloned()
            .unwrap_or_else(|| default.map(str::to_string));
        choice_map.insert(g, as_value(&o));
    }
    if let Some(Value::Map(runtime)) = h.get_mut("runtime") {
        runtime.insert("version", Value::from("1.3.2"));
        runtime.insert("version_base", Value::from("1.3"));
        let cwd = std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        runtime.insert("cwd", Value::String(cwd));
        runtime.insert("choices", Value::Map(choice_map));
    }
    if let Some(Value::Map(job)) = h.get_mut("job") {
        if matches!(job.get("name"), Some(Value::Missing) | None) {
            job.insert("name", Value::from(DEFAULT_JOB_NAME));
        }
        let dirname_cfg = job
            .get("config")
            .and_then(|c| c.child("override_dirname"))
            .cloned()
            .unwrap_or(Value::Null);
        let text = |k: &str, default: &str| match dirname_cfg.child(k) {
            Some(v) => py_str(v),
            None => default.to_string(),
        };
        let (kv_sep, item_sep) = (text("kv_sep", "="), text("item_sep", ","));
        let exclude: Vec<String> = match dirname_cfg.child("exclude_keys") {
            Some(Value::List(l)) => l.iter().map(py_str).collect(),
            _ => Vec::new(),
        };
        job.insert(
            "override_dirname",
            Value::String(override_dirname(task, &exclude, &item_sep, &kv_sep)),
        );
        job.insert("config_name", Value::from(config_name));
    }
}

/// Hydra's `get_overrides_dirname`: the task overrides whose key (or group) is not excluded,
/// as typed, sorted, joined with `item_sep`, every `=` replaced by `kv_sep`.
/// `task` holds (key or group, override as typed).
pub fn override_dirname(
    task: &[(String, String)],
    exclude: &[String],
    item_sep: &str,
    kv_sep: &str,
) -> String {
    let mut lines: Vec<&str> = task
        .iter()
        .filter(|(key, _)| !exclude.contains(key))
        .map(|(_, input)| input.as_str())
        .collect();
    // Python sorts str by code point, as Rust's str ordering does.
    lines.sort_unstable();
    lines.join(item_sep).replace('=', kv_sep)
}

/// Hydra's settings for one run, resolved against the job config.
#[derive(Debug, Clone, PartialEq)]
pub struct HydraRun {
    /// `hydra.run.dir`, resolved (`outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}` by default), as
    /// written: relative paths are relative to the directory dforce was started in. Hydra
    /// creates it and records its absolute path as `hydra.runtime.output_dir`.
    pub run_dir: PathBuf,
    /// `hydra.output_subdir` (`.hydra`), where `config.yaml`, `hydra.yaml` and
    /// `overrides.yaml` are saved; `None` (null) saves nothing.
    pub output_subdir: Option<String>,
    /// `hydra.job.chdir`: change the working directory to the run directory before the job
    /// (null is false under `version_base=None`, as in Hydra 1.2+).
    pub chdir: bool,
    /// `hydra.job.name` (`main` unless set).
    pub job_name: String,
    /// `hydra.job.env_set` plus the variables named in `hydra.job.env_copy` (with their
    /// current values): set in the environment while the job runs.
    pub env_set: Vec<(String, String)>,
    /// Settings that Hydra itself ignores in a single run, as messages to show the user.
    pub notes: Vec<String>,
}

/// `hydra.run.dir`, resolved against the whole config by `resolve`.
pub fn run_dir(
    resolve: &dyn Fn(&str) -> Result<Value, ConfigError>,
) -> Result<PathBuf, ConfigError> {
    let refuse = |why: &str| ConfigError::UnsupportedOverride {
        input: "hydra.run.dir".to_string(),
        reason: why.to_string(),
    };
    let dir = match resolve("hydra.run.dir")? {
        Value::Null | Value::Missing => None,
        v => Some(PathBuf::from(py_str(&v))),
    };
    match dir {
        // Hydra's run_job makes Path('') (the current directory) and runs there.
        Some(d) if d.as_os_str().is_empty() => Ok(PathBuf::from(".")),
        Some(d) => Ok(d),
        // Hydra would make a directory named "None"; refused instead.
        None => Err(refuse(
            "the run directory needs a path, e.g. hydra.run.dir=outputs/my_run ('' runs in the \
             current directory, as Hydra does)",
        )),
    }
}

/// Reads and checks the other settings, once `hydra.runtime.output_dir` is known (as in
/// Hydra's `run_job`). `resolve` resolves one `hydra.*` key against the whole config;
/// `resolve_hydra_only` against the Hydra node alone, which is how Hydra reads
/// `hydra.job.env_set` (from its copy of the Hydra config: `${name}` there fails in Hydra).
pub fn run_settings(
    hydra: &Value,
    run_dir: PathBuf,
    resolve: &dyn Fn(&str) -> Result<Value, ConfigError>,
    resolve_hydra_only: &dyn Fn(&str) -> Result<Value, ConfigError>,
) -> Result<HydraRun, ConfigError> {
    let refuse = |key: &str, value: &Value, why: &str| ConfigError::UnsupportedOverride {
        input: format!("{key}={}", py_str(value)),
        reason: why.to_string(),
    };
    let mode = resolve("hydra.mode")?;
    match &mode {
        Value::Null => {}
        Value::String(m) if m == "RUN" => {}
        other => {
            return Err(refuse(
                "hydra.mode",
                other,
                "dforce runs a single job (hydra.mode=RUN or null); for a sweep run one command line per value",
            ));
        }
    }
    let verbose = resolve("hydra.verbose")?;
    if verbose != Value::Bool(false) {
        return Err(refuse(
            "hydra.verbose",
            &verbose,
            "hydra.verbose sets Python logger levels to DEBUG; dforce has no Python loggers and prints all its messages anyway: remove it",
        ));
    }
    let defaults = skeleton(&[]);
    let mut notes = Vec::new();
    for key in ["hydra.sweep.dir", "hydra.sweep.subdir"] {
        if hydra.get(&key["hydra.".len()..]).ok() != defaults.get(key).ok() {
            notes.push(format!(
                "{key} is only used by --multirun; a single run ignores it, as Hydra does"
            ));
        }
    }
    let output_subdir = match resolve("hydra.output_subdir")? {
        Value::Null => None,
        v => Some(py_str(&v)),
    };
    // Hydra reads `job.chdir` from its own config alone: `${seed}` there fails in Hydra too.
    let chdir_value = resolve_hydra_only("hydra.job.chdir")?;
    let chdir = crate::hydra_schema::resolved_chdir(&chdir_value)
        .map_err(|v| refuse("hydra.job.chdir", &chdir_value, &v.reason))?
        .unwrap_or(false);
    let job_name = py_str(&resolve("hydra.job.name")?);
    let mut env_set = Vec::new();
    if let Value::Map(m) = resolve_hydra_only("hydra.job.env_set")? {
        for (k, v) in m.iter() {
            // One variable at a time where its name is a plain key, so that a string-typed
            // value keeps `str()` of an enum (`${hydra.mode}` is `RunMode.RUN`).
            let single = if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                resolve_hydra_only(&format!("hydra.job.env_set.{k}")).ok()
            } else {
                None
            };
            let v = single.as_ref().unwrap_or(v);
            match v {
                Value::Null | Value::Missing | Value::List(_) | Value::Map(_) => {
                    return Err(refuse(
                        &format!("hydra.job.env_set.{k}"),
                        v,
                        "environment variables take a string value",
                    ));
                }
                other => env_set.push((k.to_string(), py_str(other))),
            }
        }
    }
    if let Value::List(names) = resolve("hydra.job.env_copy")? {
        for name in names {
            let name = py_str(&name);
            match std::env::var(&name) {
                Ok(v) => {
                    env_set.retain(|(k, _)| *k != name);
                    env_set.push((name, v));
                }
                Err(_) => {
                    return Err(refuse(
                        "hydra.job.env_copy",
                        &Value::String(name.clone()),
                        &format!(
                            "environment variable '{name}' is not set (Hydra fails with KeyError too); set it or remove it from the list"
                        ),
                    ));
                }
            }
        }
    }
    Ok(HydraRun {
        run_dir,
        output_subdir,
        chdir,
        job_name,
        env_set,
        notes,
    })
}

/// Sets `hydra.runtime.config_sources` as Hydra 1.3.2 lists them: Hydra's own package, the
/// primary config directory (absolute), the `hydra.searchpath` directories, and the structured
/// configs' schema source.
pub(crate) fn set_config_sources(
    hydra: &mut Value,
    config_dir: &Path,
    searchpath: &[crate::searchpath::ConfigSource],
) {
    let source = |path: String, schema: &str, provider: &str| {
        let mut m = Map::new();
        m.insert("path", Value::String(path));
        m.insert("schema", Value::from(schema));
        m.insert("provider", Value::from(provider));
        Value::Map(m)
    };
    let primary = std::path::absolute(config_dir).unwrap_or_else(|_| config_dir.to_path_buf());
    let mut sources = vec![
        source("hydra.conf".into(), "pkg", "hydra"),
        source(primary.display().to_string(), "file", "main"),
    ];
    sources.extend(
        searchpath
            .iter()
            .map(|s| source(s.path.clone(), "file", s.provider)),
    );
    sources.push(source(String::new(), "structured", "schema"));
    if let Some(Value::Map(runtime)) = hydra.child_mut("runtime") {
        runtime.insert("config_sources", Value::List(sources));
    }
}

/// Writes Hydra's saved configs into `dir` (the run directory's `output_subdir`):
/// `config.yaml` (the job config, unresolved), `hydra.yaml` (the Hydra config) and
/// `overrides.yaml` (the task overrides), as `hydra/core/utils.py` `run_job` does.
pub fn save_configs(
    dir: &Path,
    job: &Value,
    hydra: &Value,
    task_overrides: &[String],
) -> Result<(), ConfigError> {
    std::fs::create_dir_all(dir).map_err(|e| ConfigError::Io {
        path: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| ConfigError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    };
    write("config.yaml", job.to_yaml())?;
    let mut wrapper = Map::new();
    wrapper.insert("hydra", hydra.clone());
    write("hydra.yaml", Value::Map(wrapper).to_yaml())?;
    let overrides = Value::List(task_overrides.iter().cloned().map(Value::String).collect());
    write("overrides.yaml", overrides.to_yaml())?;
    Ok(())
}

/// Hydra's own config groups and their default options, in the order Hydra 1.3.2 lists them
/// in `hydra.runtime.choices` (checked against Hydra: `${hydra:runtime.choices}`).
const HYDRA_GROUP_DEFAULTS: [(&str, Option<&str>); 9] = [
    ("hydra/env", Some("default")),
    ("hydra/callbacks", None),
    ("hydra/job_logging", Some("default")),
    ("hydra/hydra_logging", Some("default")),
    ("hydra/hydra_help", Some("default")),
    ("hydra/help", Some("default")),
    ("hydra/sweeper", Some("basic")),
    ("hydra/launcher", Some("basic")),
    ("hydra/output", Some("default")),
];

/// Hydra's config groups that may be selected from the command line, with their options.
const GROUPS: [(&str, &[&str]); 2] = [
    (
        "hydra/job_logging",
        &["default", "disabled", "none", "stdout"],
    ),
    ("hydra/hydra_logging", &["default", "disabled", "none"]),
];

/// Hydra's config node as a value (`{hydra: {...}}`) with its defaults, and with the parts
/// that Hydra's own config groups set taken from the option `choices` selects for a group
/// (`hydra/job_logging=disabled`), else from the group's default option.
pub fn skeleton(choices: &[(String, String)]) -> Value {
    // Parsed once per process: every compose starts from them.
    static PARSED: std::sync::OnceLock<(Value, Value)> = std::sync::OnceLock::new();
    let (skeleton, groups) = PARSED.get_or_init(|| {
        // Invariant: SKELETON and GROUP_CONFIGS are built-in YAML, not user input, so they parse.
        (
            parse_yaml_str(SKELETON, "hydra defaults")
                .expect("the built-in Hydra skeleton is valid YAML"),
            parse_yaml_str(GROUP_CONFIGS, "hydra group configs")
                .expect("the built-in Hydra group configs are valid YAML"),
        )
    });
    let mut root = skeleton.clone();
    if let Some(Value::Map(h)) = root.child_mut("hydra") {
        for (node, group) in GROUP_NODES {
            let default = HYDRA_GROUP_DEFAULTS
                .iter()
                .find(|(g, _)| *g == group)
                .and_then(|(_, o)| *o);
            let option = choices
                .iter()
                .find(|(g, _)| g == group)
                .map(|(_, o)| o.as_str())
                .or(default)
                .unwrap_or("null");
            // Invariant: the table holds every option that check_group lets through.
            let content = groups
                .child(node)
                .and_then(|options| options.child(option))
                .cloned()
                .expect("every accepted option of Hydra's groups is in the table");
            h.insert(node, content);
        }
    }
    root
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
    if o.kind == crate::override_parser::OverrideKind::Delete
        && let Some(current) = existing
        && !matches!(current, Value::Null | Value::Missing)
        && o.value.as_ref().is_none_or(|v| v == current)
        && let Some((parent, _)) = o.key.rsplit_once('.')
        && let Some(class) = structured_class(parent)
    {
        // OmegaConf refuses `del` on a structured config's field (`DictConfig.__delitem__`):
        // "RunDir (DictConfig) does not support deletion" (checked with Hydra 1.3.2).
        return Err(ConfigError::UnsupportedOverride {
            input: crate::pyfmt::one_line(&o.input),
            reason: format!(
                "{class} (DictConfig) does not support deletion: Hydra's settings cannot be removed; set '{}' to another value instead",
                o.key
            ),
        });
    }
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

/// The dataclass of `hydra/conf/__init__.py` (Hydra 1.3.2) that types the node at `key`, for
/// the structured nodes whose fields cannot be deleted (`hydra.job.env_set` is a plain dict).
fn structured_class(key: &str) -> Option<&'static str> {
    Some(match key {
        "hydra" => "HydraConf",
        "hydra.run" => "RunDir",
        "hydra.sweep" => "SweepDir",
        "hydra.help" => "HelpConf",
        "hydra.hydra_help" => "HydraHelpConf",
        "hydra.overrides" => "OverridesConf",
        "hydra.job" => "JobConf",
        "hydra.job.config" => "JobConfig",
        "hydra.job.config.override_dirname" => "OverrideDirname",
        "hydra.runtime" => "RuntimeConf",
        _ => return None,
    })
}
