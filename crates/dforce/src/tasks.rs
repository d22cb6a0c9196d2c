//! The experiment tasks (`training`, `validation`, `test`) for each algorithm.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use burn::module::Module;
use burn::tensor::Device;
use dforce_config::Value;
use dforce_core::Diffusion;
use dforce_engine::maze2d_data::{Maze2dWindows, load_or_generate};
use dforce_engine::networks;
use dforce_engine::planning::PlanningLayout;
use dforce_engine::planning_eval::{EvalOptions, ValidationJob, validate_planning};
use dforce_engine::trainer::{PlanningModel, TrainError, TrainJob, TrainableModel, train_planning};
use dforce_engine::{DiffusionSettings, RunSettings, Task, TrainingSettings, checkpoint};
use dforce_nn::StateDict;

pub struct RunContext<'a> {
    pub cfg: &'a Value,
    pub settings: &'a RunSettings,
    pub run_dir: &'a Path,
    pub device: Device,
    pub resume: Option<PathBuf>,
    pub load: Option<PathBuf>,
    pub algorithm: String,
    /// The data-parallel job (a single process unless launched by MPI).
    pub parallel: &'a crate::parallel::Parallel,
}

/// `resume=` names a run directory (its newest checkpoint) or a checkpoint file.
pub fn resume_checkpoint(path: &Path) -> Result<PathBuf> {
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    if path.is_dir() {
        return checkpoint::latest(path).with_context(|| {
            format!(
                "resume={}: that run directory has no checkpoint in checkpoints/",
                path.display()
            )
        });
    }
    bail!(
        "resume={}: no such run directory or checkpoint file",
        path.display()
    )
}

pub fn run_task(ctx: &RunContext, task: Task) -> Result<()> {
    if task != Task::Training && !ctx.parallel.is_root() {
        // Evaluation is not sharded: rank 0 runs it alone.
        return Ok(());
    }
    match (ctx.algorithm.as_str(), task) {
        ("df_planning", Task::Training) => train_planning_task(ctx),
        // The reference's test task crashes (spec §8 item 13); ours evaluates like validation.
        ("df_planning", Task::Validation | Task::Test) => validate_planning_task(ctx),
        ("df_video", Task::Training) => crate::video_tasks::train_video(ctx),
        ("df_video", Task::Validation) => {
            crate::video_tasks::validate_video(ctx, &validation_weights(ctx)?, "validation")
        }
        ("df_video", Task::Test) => {
            crate::video_tasks::validate_video(ctx, &validation_weights(ctx)?, "test")
        }
        (algo, task) => bail!(
            "task '{}' of algorithm '{algo}' is not available; the algorithms are df_planning and df_video",
            task.name()
        ),
    }
}

fn train_planning_task(ctx: &RunContext) -> Result<()> {
    // Declared first: the training job borrows it for as long as the validator.
    let mut reducer = ctx.parallel.reducer();
    let cfg = ctx.cfg;
    let training = TrainingSettings::from_config(cfg)?;
    let diffusion_settings = DiffusionSettings::from_config(cfg)?;
    let layout = PlanningLayout::from_config(cfg)?;
    let save_dir = PathBuf::from(cfg.get_str("dataset.save_dir")?);
    let env_id = cfg.get_str("dataset.env_id")?;
    // Rank 0 generates a missing dataset before the others read it.
    let steps = ctx.parallel.root_first(|| {
        load_or_generate(&save_dir, env_id, ctx.settings.seed, &mut |m| {
            say!("dforce: {m}")
        })
        .map_err(anyhow::Error::msg)
    })?;
    let data = Arc::new(Maze2dWindows {
        steps,
        window: layout.episode_len + 1,
    });
    say!(
        "dforce: {} training windows of {} steps",
        data.len(),
        data.window
    );

    ctx.device.seed(ctx.settings.seed);
    let device = ctx.device.clone().autodiff();
    let diffusion = Diffusion::new(diffusion_settings.diffusion)?;
    let network = networks::planning_transformer(cfg, &layout)?;
    let mut model = PlanningModel::new(layout, diffusion, &network, &device)?;
    if let Some(path) = &ctx.load {
        let sd = StateDict::load(path)?;
        model
            .load_weights(&sd, &device)
            .map_err(|e| weights_error(e, &sd, path, &format!("load={}", path.display())))?;
        say!("dforce: loaded weights from {}", path.display());
    }
    if let Some(path) = &ctx.resume {
        say!("dforce: resuming from {}", path.display());
    }
    // Periodic closed-loop evaluation (validation.val_every_n_step / val_every_n_epoch) on a
    // plain-device snapshot of the weights being trained.
    let options = EvalOptions::from_config(cfg, ctx.settings.seed)?;
    let plain = ctx.device.clone();
    let run_dir = ctx.run_dir.to_path_buf();
    let mut validate = |m: &mut PlanningModel, step: u64| -> Result<(), TrainError> {
        let snapshot = PlanningModel {
            layout: m.layout.clone(),
            diffusion: m.diffusion.clone(),
            network: m.network.valid(),
        };
        let job = ValidationJob {
            run_dir: &run_dir,
            step,
            options: options.clone(),
            device: plain.clone(),
            quiet: true,
        };
        let summary = validate_planning(job, &snapshot).map_err(|e| {
            TrainError::Invalid(format!("validation: {}", dforce_core::error_chain(&e)))
        })?;
        say!("dforce: step {step}: {}", summary.one_line());
        Ok(())
    };
    let summary = train_planning(
        TrainJob {
            run_dir: ctx.run_dir,
            seed: ctx.settings.seed,
            settings: &training,
            reference_warmup: cfg.get_bool("algorithm.reference_compat.warmup")?,
            config_yaml: cfg.to_yaml(),
            resume: ctx.resume.clone(),
            device,
            quiet: !std::io::IsTerminal::is_terminal(&std::io::stderr()),
            // (re-borrowed as a shorter-lived trait object)
            reducer: reducer
                .as_deref_mut()
                .map(|r| r as &mut dyn dforce_engine::distributed::GradientReducer),
        },
        &mut model,
        data,
        Some(&mut validate),
    )?;
    say!("dforce: {}", summary.one_line());
    Ok(())
}

/// A checkpoint that does not fit the network: the cause once, then what to do about it
/// (`ckpt::mismatch_hint`).
fn weights_error(e: TrainError, sd: &StateDict, path: &Path, what: &str) -> anyhow::Error {
    let hint = match &e {
        TrainError::Nn(dforce_nn::NnError::Mismatch { .. }) => crate::ckpt::mismatch_hint(sd, path),
        _ => String::new(),
    };
    anyhow::anyhow!("{what}: {}{hint}", dforce_core::error_chain(&e))
}

/// Which weights the validation task evaluates: after a training task in the same run, the
/// checkpoint it just wrote (the reference would reload the original `load=`, spec §8.2 18);
/// otherwise `load=`, which is then required.
pub fn validation_weights(ctx: &RunContext) -> Result<PathBuf> {
    let tasks = &ctx.settings.tasks;
    let trained_before = tasks
        .iter()
        .position(|t| *t == Task::Training)
        .zip(
            tasks
                .iter()
                .position(|t| matches!(t, Task::Validation | Task::Test)),
        )
        .is_some_and(|(t, v)| t < v);
    if trained_before {
        return checkpoint::latest(ctx.run_dir).with_context(|| {
            format!(
                "validation after training: the training task left no checkpoint in {}/checkpoints",
                ctx.run_dir.display()
            )
        });
    }
    match &ctx.load {
        Some(path) if path.is_file() => Ok(path.clone()),
        Some(path) if path.is_dir() => checkpoint::latest(path).with_context(|| {
            format!(
                "load={}: that directory has no checkpoint in checkpoints/",
                path.display()
            )
        }),
        Some(path) => bail!("load={}: no such checkpoint file", path.display()),
        None => bail!(
            "the validation task evaluates trained weights: pass load=PATH with a dforce checkpoint \
             (.safetensors, or a run directory for its newest one) or an official Lightning .ckpt"
        ),
    }
}

fn validate_planning_task(ctx: &RunContext) -> Result<()> {
    let cfg = ctx.cfg;
    let weights = validation_weights(ctx)?;
    let diffusion_settings = DiffusionSettings::from_config(cfg)?;
    let layout = PlanningLayout::from_config(cfg)?;
    let options = EvalOptions::from_config(cfg, ctx.settings.seed)?;
    // Guidance differentiates through the network by itself (the sampler makes its input an
    // autodiff leaf), so the model lives on the plain device.
    ctx.device.seed(ctx.settings.seed);
    let diffusion = Diffusion::new(diffusion_settings.diffusion)?;
    let network = networks::planning_transformer(cfg, &layout)?;
    let mut model = PlanningModel::new(layout, diffusion, &network, &ctx.device)?;
    let sd = StateDict::load(&weights)?;
    model.load_weights(&sd, &ctx.device).map_err(|e| {
        let what = format!("loading the planner's weights from {}", weights.display());
        weights_error(e, &sd, &weights, &what)
    })?;
    warn_on_statistics_mismatch(&sd, &model.layout);
    let step = sd.global_step.unwrap_or(0).max(0) as u64;
    say!(
        "dforce: evaluating {} (step {step}) in {}: {} episodes, guidance_scale {}",
        weights.display(),
        options.env_id,
        options.episodes,
        options.guidance_scale
    );
    let summary = validate_planning(
        ValidationJob {
            run_dir: ctx.run_dir,
            step,
            options,
            device: ctx.device.clone(),
            quiet: !std::io::IsTerminal::is_terminal(&std::io::stderr()),
        },
        &model,
    )?;
    say!("dforce: {}", summary.one_line());
    Ok(())
}

/// A checkpoint trained on another maze (or another observation layout) carries different
/// normalisation statistics than the config; its plans would then be meaningless, so say so.
fn warn_on_statistics_mismatch(sd: &StateDict, layout: &PlanningLayout) {
    for (name, ours) in [("data_mean", &layout.mean), ("data_std", &layout.std)] {
        let Some(t) = sd.tensors.get(name) else {
            continue;
        };
        let differs = t.data.len() != ours.len()
            || t.data
                .iter()
                .zip(ours.iter())
                .any(|(a, b)| (a - b).abs() > 1e-4 * (1.0 + b.abs()));
        if differs {
            say!(
                "dforce: warning: the checkpoint's {name} {:?} differs from the config's {:?}; \
                 is dataset= the maze (and observation/action layout) it was trained on?",
                t.data,
                ours
            );
        }
    }
}
