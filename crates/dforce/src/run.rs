//! A Hydra-style run: compose the config, make the run directory, run the tasks in order.
//!
//! Hydra's own settings are applied as Hydra 1.3's `run_job` applies them (see
//! `dforce_config::HydraRun`): `hydra.run.dir` is resolved against the job config,
//! `hydra.output_subdir` receives `config.yaml`/`hydra.yaml`/`overrides.yaml`,
//! `hydra.job.env_set`/`env_copy` are set in the environment before the job config is
//! resolved, and `hydra.job.chdir=true` changes into the run directory before the job reads
//! any path. Settings dforce does not apply are refused when the config is composed.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use dforce_config::{Composed, HydraRun, Value, compose_with};
use dforce_engine::RunSettings;
use dforce_engine::algorithm::registry;
use dforce_engine::algorithm::tasks::{load_checkpoint, resume_checkpoint};
use dforce_engine::algorithm::{TaskContext, TaskError};
use dforce_engine::distributed::job::Parallel;
use dforce_engine::say;

use crate::cli::{CfgPart, RunArgs};
use crate::{ckpt::group_digits, cluster, config_dir, device, network_spec::NetworkSpec};

pub fn main(args: &RunArgs, parallel: &Parallel) -> Result<()> {
    if args.multirun {
        bail!(
            "--multirun (-m) is not supported: dforce runs one job per command line; for a sweep, run one command line per value"
        );
    }
    let dir = config_dir::find(args.config_path.as_deref())?;
    let name = args
        .config_name
        .as_deref()
        .map(|n| n.strip_suffix(".yaml").unwrap_or(n))
        .unwrap_or(dforce_config::PRIMARY_CONFIG);
    let mut composed = compose_with(&dir, name, args.config_dir.as_slice(), &args.overrides)?;
    if let Some(part) = args.cfg {
        return print_config(&composed, part, args.resolve, args.package.as_deref());
    }
    let hydra = composed.hydra_run()?;
    for note in &hydra.notes {
        say!("dforce: note: {note}");
    }
    for (name, value) in &hydra.env_set {
        // SAFETY: no other thread exists yet: the config is composed before any work starts.
        unsafe { std::env::set_var(name, value) };
    }
    let mut cfg = composed.resolve_job()?;
    set_algorithm_name(&mut cfg, &composed);
    if args.summary {
        return summary(&cfg);
    }
    if cluster::should_submit(&cfg) && parallel.is_root() {
        cluster::submit(&cfg, &args.overrides)?;
        return Ok(());
    }
    if cluster::should_submit(&cfg) {
        return Ok(()); // rank 0 submitted the job
    }
    let nodes = cfg.get_opt_i64("experiment.num_nodes")?.unwrap_or(1);
    parallel.check_nodes(nodes).map_err(anyhow::Error::msg)?;
    run(&composed, &hydra, &cfg, parallel)
}

/// The reference's `main.py` sets `algorithm._name` to the `algorithm` group's choice; so does
/// dforce, before the run files are written (a value the config sets itself is kept).
fn set_algorithm_name(cfg: &mut Value, composed: &Composed) {
    let Some(choice) = composed.choices.get("algorithm").cloned().flatten() else {
        return;
    };
    if let Some(Value::Map(algorithm)) = cfg.child_mut("algorithm")
        && !algorithm.contains_key("_name")
    {
        algorithm.insert("_name", Value::String(choice));
    }
}

/// A task's error as one `anyhow` chain: each cause once, in order.
fn task_error(e: TaskError) -> anyhow::Error {
    anyhow::Error::new(e)
}

/// Hydra's `--cfg job|hydra|all [--resolve] [--package P]` (`hydra/_internal/hydra.py`,
/// `show_cfg`), as [`Composed::show_cfg`] writes it.
fn print_config(
    composed: &Composed,
    part: CfgPart,
    resolve: bool,
    package: Option<&str>,
) -> Result<()> {
    let part = match part {
        CfgPart::Job => dforce_config::CfgPart::Job,
        CfgPart::Hydra => dforce_config::CfgPart::Hydra,
        CfgPart::All => dforce_config::CfgPart::All,
    };
    let text = composed.show_cfg(part, resolve, package)?;
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(())
}

fn summary(cfg: &Value) -> Result<()> {
    let spec = NetworkSpec::from_config(cfg)?;
    writeln!(std::io::stdout(), "{}", spec.describe())?;
    writeln!(
        std::io::stdout(),
        "trainable parameters: {}",
        group_digits(spec.num_params())
    )?;
    Ok(())
}

fn run(composed: &Composed, hydra: &HydraRun, cfg: &Value, parallel: &Parallel) -> Result<()> {
    let settings = RunSettings::from_config(cfg)?;
    let device_name = cfg.get_opt_str("device")?.unwrap_or("auto");
    let topology = parallel.topology();
    let (device, device_desc) = device::select_local(device_name, topology.local_rank)?;
    // Hydra records the absolute path; with `hydra.job.chdir=true` relative paths would
    // otherwise point into the run directory itself.
    let run_dir = std::path::absolute(&hydra.run_dir)
        .with_context(|| format!("resolving run directory {}", hydra.run_dir.display()))?;
    let algorithm = registry::implementation(cfg).map_err(task_error)?;
    registry::check_config(algorithm, cfg).map_err(task_error)?;
    // Validate what the tasks need before anything is written; with `hydra.job.chdir=true`
    // relative paths are read from the run directory (as the reference's code would), so
    // they are checked once it is the working directory.
    let inputs = || -> Result<_> {
        let resume = match path_setting(cfg, "resume")? {
            Some(r) => Some(resume_checkpoint(&r).map_err(task_error)?),
            None => None,
        };
        let load = match path_setting(cfg, "load")? {
            Some(l) => Some(load_checkpoint(&l).map_err(task_error)?),
            None => None,
        };
        if resume.is_some() && load.is_some() {
            bail!(
                "resume= and load= cannot be combined: resume continues a run, load starts a new one from weights"
            );
        }
        registry::check_inputs(algorithm, cfg, &settings).map_err(task_error)?;
        Ok((resume, load))
    };
    let early = if hydra.chdir { None } else { Some(inputs()?) };
    if parallel.is_root() {
        write_run_files(&run_dir, hydra, composed, cfg)?;
    } else if hydra.chdir {
        // Rank 0 writes the run files; the others only need the directory to exist.
        std::fs::create_dir_all(&run_dir)
            .with_context(|| format!("creating the run directory {}", run_dir.display()))?;
    }
    if hydra.chdir {
        std::env::set_current_dir(&run_dir).with_context(|| {
            format!(
                "changing into the run directory {} (hydra.job.chdir=true)",
                run_dir.display()
            )
        })?;
    }
    let (resume, load) = match early {
        Some(checked) => checked,
        None => inputs()?,
    };
    say!("dforce: run directory {}", run_dir.display());
    say!("dforce: device {device_desc}; seed {}", settings.seed);
    if topology.world_size > 1 {
        say!(
            "dforce: data-parallel over {} ranks ({} per node); batch_size and accumulate_grad_batches are per rank",
            topology.world_size,
            topology.local_size
        );
    }
    let ctx = TaskContext {
        cfg,
        settings: &settings,
        run_dir: &run_dir,
        device,
        resume,
        load,
        parallel,
        said: Default::default(),
    };
    for task in &settings.tasks {
        say!("dforce: task '{}'", task.name());
        registry::run_task(algorithm, &ctx, *task).map_err(task_error)?;
    }
    Ok(())
}

/// A path given by the config key `key` (`resume`, `load`), or `None` for null. Hydra types
/// `resume=123` as an int; a run directory may well be named so, so a number is taken as the
/// path its Python `str()` spells, as the reference uses the value as text.
fn path_setting(cfg: &Value, key: &str) -> Result<Option<std::path::PathBuf>> {
    Ok(match cfg.get(key) {
        Ok(Value::Null) | Err(_) => None,
        Ok(Value::String(s)) => Some(s.into()),
        Ok(v @ (Value::Int(_) | Value::BigInt(_) | Value::Float(_))) => {
            Some(dforce_config::py_str(v).into())
        }
        Ok(other) => bail!(
            "{key} should be a path (a run directory or a checkpoint file) but is {} {}",
            other.type_name(),
            dforce_config::py_str(other)
        ),
    })
}

/// Hydra's saved configs in `<run dir>/<hydra.output_subdir>` (none when it is null), plus
/// the fully resolved config that the run uses (`config.resolved.yaml`, dforce's own).
/// Hydra's `<job name>.log` is not written: dforce has no Python logging to capture.
fn write_run_files(
    run_dir: &Path,
    hydra: &HydraRun,
    composed: &Composed,
    cfg: &Value,
) -> Result<()> {
    std::fs::create_dir_all(run_dir)
        .with_context(|| format!("creating run directory {}", run_dir.display()))?;
    if let Some(sub) = &hydra.output_subdir {
        composed.save_hydra_files(&run_dir.join(sub))?;
    }
    let path = run_dir.join("config.resolved.yaml");
    std::fs::write(&path, cfg.to_yaml()).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
