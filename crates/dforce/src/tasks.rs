//! The experiment tasks (`training`, `validation`, `test`) for each algorithm.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use burn::tensor::Device;
use dforce_config::Value;
use dforce_core::Diffusion;
use dforce_engine::maze2d_data::{Maze2dWindows, load_or_generate};
use dforce_engine::networks;
use dforce_engine::planning::PlanningLayout;
use dforce_engine::trainer::{PlanningModel, TrainJob, TrainableModel, train_planning};
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
    match (ctx.algorithm.as_str(), task) {
        ("df_planning", Task::Training) => train_planning_task(ctx),
        (algo, task) => bail!(
            "task '{}' of algorithm '{algo}' is not yet available in this version of dforce; \
             planning training (experiment=exp_planning algorithm=df_planning) is",
            task.name()
        ),
    }
}

fn train_planning_task(ctx: &RunContext) -> Result<()> {
    let cfg = ctx.cfg;
    let training = TrainingSettings::from_config(cfg)?;
    let diffusion_settings = DiffusionSettings::from_config(cfg)?;
    let layout = PlanningLayout::from_config(cfg)?;
    if training.val_every_n_epoch.is_some() || training.val_every_n_step.is_some() {
        eprintln!(
            "dforce: note: periodic validation of the planner during training is not available yet; \
             set experiment.validation.val_every_n_epoch=null to silence this"
        );
    }
    let save_dir = PathBuf::from(cfg.get_str("dataset.save_dir")?);
    let env_id = cfg.get_str("dataset.env_id")?;
    let steps = load_or_generate(&save_dir, env_id, ctx.settings.seed, &mut |m| {
        eprintln!("dforce: {m}")
    })
    .map_err(anyhow::Error::msg)?;
    let data = Arc::new(Maze2dWindows {
        steps,
        window: layout.episode_len + 1,
    });
    eprintln!(
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
            .with_context(|| format!("load={}", path.display()))?;
        eprintln!("dforce: loaded weights from {}", path.display());
    }
    if let Some(path) = &ctx.resume {
        eprintln!("dforce: resuming from {}", path.display());
    }
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
        },
        &mut model,
        data,
    )?;
    let steps = summary.steps - summary.first_step;
    eprintln!(
        "dforce: trained steps {}..{} ({steps} steps in {:.1} s, {:.2} steps/s); last loss {}; checkpoint {}",
        summary.first_step,
        summary.steps,
        summary.seconds,
        steps as f64 / summary.seconds.max(1e-9),
        summary
            .last_loss
            .map_or("n/a".into(), |l| format!("{l:.6}")),
        summary
            .checkpoint
            .as_ref()
            .map_or("none".into(), |p| p.display().to_string()),
    );
    Ok(())
}
