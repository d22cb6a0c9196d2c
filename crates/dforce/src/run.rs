//! A Hydra-style run: compose the config, make the run directory, run the tasks in order.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use dforce_config::{Composed, Value, compose};
use dforce_engine::RunSettings;

use crate::cli::{CfgPart, RunArgs};
use crate::parallel::Parallel;
use crate::{ckpt::group_digits, cluster, config_dir, device, network_spec::NetworkSpec, tasks};

pub fn main(args: &RunArgs, parallel: &Parallel) -> Result<()> {
    let dir = config_dir::find(args.config_dir.as_deref())?;
    let composed = compose(&dir, &args.overrides)?;
    if let Some(part) = args.cfg {
        return print_config(&composed, part, args.resolve);
    }
    let cfg = composed.job.resolved()?;
    if args.summary {
        return summary(&cfg, &composed);
    }
    if cluster::should_submit(&cfg) && parallel.is_root() {
        cluster::submit(&cfg, &args.overrides)?;
        return Ok(());
    }
    if cluster::should_submit(&cfg) {
        return Ok(()); // rank 0 submitted the job
    }
    let nodes = cfg.get_opt_i64("experiment.num_nodes")?.unwrap_or(1);
    parallel.check_nodes(nodes)?;
    run(&composed, &cfg, parallel)
}

fn print_config(composed: &Composed, part: CfgPart, resolve: bool) -> Result<()> {
    let tree = match part {
        CfgPart::Job => &composed.job,
        CfgPart::Hydra => &composed.hydra,
    };
    let text = if resolve {
        tree.resolved()?.to_yaml()
    } else {
        tree.to_yaml()
    };
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(())
}

fn summary(cfg: &Value, composed: &Composed) -> Result<()> {
    let algorithm = composed.choices.get("algorithm").cloned().flatten();
    let spec = NetworkSpec::from_config(cfg, algorithm.as_deref())?;
    writeln!(std::io::stdout(), "{}", spec.describe())?;
    writeln!(
        std::io::stdout(),
        "trainable parameters: {}",
        group_digits(spec.num_params())
    )?;
    Ok(())
}

/// The algorithm whose tasks run: a file that extends `df_video` or `df_planning` (e.g. our
/// `df_video_small`) runs as its base, recognised by the keys only that base defines.
fn algorithm_family(choice: String, cfg: &Value) -> String {
    if choice == "df_planning" || choice == "df_video" {
        choice
    } else if cfg.contains("algorithm.observation_mean") {
        "df_planning".into()
    } else if cfg.contains("algorithm.n_frames") {
        "df_video".into()
    } else {
        choice
    }
}

fn run(composed: &Composed, cfg: &Value, parallel: &Parallel) -> Result<()> {
    let settings = RunSettings::from_config(cfg)?;
    let device_name = cfg.get_opt_str("device")?.unwrap_or("auto");
    let topology = parallel.topology();
    let (device, device_desc) = device::select_local(device_name, topology.local_rank)?;
    let run_dir = run_directory(composed)?;
    let algorithm = algorithm_family(
        composed
            .choices
            .get("algorithm")
            .cloned()
            .flatten()
            .unwrap_or_default(),
        cfg,
    );
    // Validate what the tasks need before anything is written.
    let resume = match cfg.get_opt_str("resume")? {
        Some(r) => Some(tasks::resume_checkpoint(Path::new(r))?),
        None => None,
    };
    let load = cfg.get_opt_str("load")?.map(PathBuf::from);
    if resume.is_some() && load.is_some() {
        bail!(
            "resume= and load= cannot be combined: resume continues a run, load starts a new one from weights"
        );
    }
    if parallel.is_root() {
        write_run_files(&run_dir, composed, cfg)?;
    }
    say!("dforce: run directory {}", run_dir.display());
    say!("dforce: device {device_desc}; seed {}", settings.seed);
    if topology.world_size > 1 {
        say!(
            "dforce: data-parallel over {} ranks ({} per node); batch_size and accumulate_grad_batches are per rank",
            topology.world_size,
            topology.local_size
        );
    }
    let ctx = tasks::RunContext {
        cfg,
        settings: &settings,
        run_dir: &run_dir,
        device,
        resume,
        load,
        algorithm,
        parallel,
    };
    for task in &settings.tasks {
        say!("dforce: task '{}'", task.name());
        tasks::run_task(&ctx, *task)?;
    }
    Ok(())
}

/// `hydra.run.dir`, else Hydra's default `outputs/YYYY-MM-DD/HH-MM-SS` in local time.
fn run_directory(composed: &Composed) -> Result<PathBuf> {
    if let Some(dir) = &composed.hydra_run_dir {
        return Ok(PathBuf::from(dir));
    }
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let date = now.format(time::macros::format_description!("[year]-[month]-[day]"))?;
    let clock = now.format(time::macros::format_description!(
        "[hour]-[minute]-[second]"
    ))?;
    Ok(Path::new("outputs").join(date).join(clock))
}

/// Hydra's `.hydra/{config,overrides}.yaml`, plus the fully resolved config that the run uses.
fn write_run_files(run_dir: &Path, composed: &Composed, cfg: &Value) -> Result<()> {
    let hydra_dir = run_dir.join(".hydra");
    std::fs::create_dir_all(&hydra_dir)
        .with_context(|| format!("creating run directory {}", run_dir.display()))?;
    let write = |path: PathBuf, text: String| {
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    };
    write(hydra_dir.join("config.yaml"), composed.job.to_yaml())?;
    let overrides: String = composed
        .task_overrides
        .iter()
        .map(|o| format!("- {o}\n"))
        .collect();
    write(
        hydra_dir.join("overrides.yaml"),
        if overrides.is_empty() {
            "[]\n".into()
        } else {
            overrides
        },
    )?;
    write(run_dir.join("config.resolved.yaml"), cfg.to_yaml())?;
    Ok(())
}
