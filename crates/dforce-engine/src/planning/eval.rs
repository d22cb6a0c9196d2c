//! Closed-loop evaluation of a planning model in the native maze2d environment: the
//! reference's `interact` (spec §4.2.8), batched over B episodes, with D4RL-normalised scores
//! and pictures.
//!
//! Model-predictive control: plan from the current observation to the goal over the rest of
//! the episode (`horizon = steps_per_episode − steps`), execute `open_loop_horizon` steps, then
//! replan. With diffused actions (`action_dim == 2`) the plan's actions are executed;
//! otherwise a PD controller follows the planned positions. Actions are NaN-cleaned and clipped
//! to [−1, 1]. All B episodes step in lockstep, so one network call per denoising step serves
//! the whole batch.
//!
//! Environments follow D4RL: env `i` is reset from a generator seeded with `seed + i`
//! (Stable-Baselines' `DummyVecEnv.seed`), the start is a random free cell plus noise and the
//! goal is the maze's fixed `G` cell. Planning noise comes from a seeded stream per replan, so
//! a run is reproducible from its seed.
//!
//! Metrics (means over episodes, keys `{namespace}/…`):
//! - `episode_reward`: the raw sum of (sparse) rewards, as the reference logs it;
//! - `normalized_score`: D4RL's `100·(return − ref_min)/(ref_max − ref_min)` for the
//!   `maze2d-*-v1` ids (the numbers papers report; the reference never computes it, §8.5 31);
//! - `episode_reward_if_stay`: the return had the agent stayed at the goal after reaching it;
//! - `success_rate`: the fraction of episodes within 0.5 of the goal at least once;
//! - `first_reach_step`: the 0-based index of the first step that ends within 0.5 of the goal,
//!   averaged over the episodes that got there (absent when none did);
//! - `steps_before_first_reach`: the reference's `first_reach` counter: steps before the first
//!   success, counting every step of an episode that never succeeds (§8.5 31). For a
//!   successful episode it equals `first_reach_step`.
//!
//! Pictures (first `min(16, B)` episodes): `{namespace}_plan/sample_i`, the first plan from the
//! episode's start, all of its frames (the reference's `eval_planning` plot drops the first
//! fs − 1 of them, §8.5 27; and it plans from random grid cells, which we do not need since
//! the environment is always available); `{namespace}_interaction/sample_i`, the executed path;
//! and `{namespace}_mpc_episode_0.gif`, one frame per replan of episode 0 (the reference
//! collects these plans but never draws them). Unlike the reference's bare figures, each
//! picture has a caption strip below the (unchanged) maze: what it shows, the start and goal
//! markers, and the colour scale of time (`plot::legend`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use indicatif::{ProgressBar, ProgressStyle};
use thiserror::Error;

use super::closed_loop::{Rollouts, run_closed_loop};
use super::media::write_media;
use super::model::PlanningModel;
use super::options::EvalOptions;
use super::score::episode_metrics;
use crate::SettingsError;
use crate::metrics::MetricsLog;
use crate::plot::PlotError;
use crate::tensorboard::EventWriter;

#[derive(Debug, Error)]
pub enum EvalError {
    #[error(transparent)]
    Core(#[from] dforce_core::CoreError),
    #[error(transparent)]
    Env(#[from] dforce_env::EnvError),
    #[error(transparent)]
    Plot(#[from] PlotError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("{what}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

pub(super) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> EvalError {
    let what = what.into();
    move |source| EvalError::Io { what, source }
}

pub struct ValidationJob<'a> {
    pub run_dir: &'a Path,
    /// Training step of the weights, used as the step of every logged value.
    pub step: u64,
    pub options: EvalOptions,
    pub device: Device,
    pub quiet: bool,
}

/// What a validation task reports.
#[derive(Debug, Clone)]
pub struct ValidationSummary {
    pub namespace: String,
    pub metrics: BTreeMap<String, f64>,
    pub rollouts: Rollouts,
    pub media_dir: PathBuf,
    /// Every picture written.
    pub media: Vec<PathBuf>,
    /// Set when episodes are shorter than the env's time limit, which D4RL's reference
    /// returns assume (DF's large maze runs 600 of 800 steps): the score then reads low.
    pub score_note: Option<String>,
}

impl ValidationSummary {
    /// One line: the metrics, the run's size and time, and where the pictures are.
    pub fn one_line(&self) -> String {
        let r = &self.rollouts;
        let get = |k: &str| {
            self.metrics
                .get(&format!("{}/{k}", self.namespace))
                .copied()
        };
        let fmt = |v: Option<f64>, digits: usize| {
            v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.digits$}"))
        };
        let b = r.episodes.len();
        format!(
            "{}: {} episodes × {} steps ({}, {} replans) in {:.1} s ({:.3} s per episode, {:.2} s per replan; {:.0}% planning): \
             episode_reward {} normalized_score {}{} success_rate {} first_reach_step {} steps_before_first_reach (reference first_reach) {} episode_reward_if_stay {}; pictures in {}",
            self.namespace,
            b,
            r.steps,
            r.controller,
            r.replans,
            r.seconds,
            r.seconds / b.max(1) as f64,
            r.plan_seconds / r.replans.max(1) as f64,
            100.0 * r.plan_seconds / r.seconds.max(1e-9),
            fmt(get("episode_reward"), 2),
            fmt(get("normalized_score"), 1),
            self.score_note
                .as_ref()
                .map_or(String::new(), |n| format!(" ({n})")),
            fmt(get("success_rate"), 3),
            fmt(get("first_reach_step"), 1),
            fmt(get("steps_before_first_reach"), 1),
            fmt(get("episode_reward_if_stay"), 2),
            self.media_dir.display(),
        )
    }
}

/// Evaluates `model` in closed loop and writes `metrics.jsonl`, TensorBoard scalars and
/// images, and the pictures under `<run_dir>/media/`.
pub fn validate_planning(
    job: ValidationJob<'_>,
    model: &PlanningModel,
) -> Result<ValidationSummary, EvalError> {
    let options = &job.options;
    let namespace = options.namespace();
    let bar = if job.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(options.max_steps.unwrap_or(model.layout.episode_len) as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} step {pos}/{len} [{elapsed_precise}<{eta_precise}]",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(format!("{namespace}: {} episodes", options.episodes));
    let rollouts = run_closed_loop(model, options, &job.device, &mut |done, _| {
        bar.set_position(done as u64)
    })?;
    bar.finish_and_clear();
    let metrics = episode_metrics(&rollouts.episodes, &options.env_id, &namespace);

    std::fs::create_dir_all(job.run_dir)
        .map_err(io(format!("creating {}", job.run_dir.display())))?;
    let mut log = MetricsLog::open(&job.run_dir.join("metrics.jsonl"), None)
        .map_err(io("opening metrics.jsonl"))?;
    log.log(job.step, &metrics)
        .map_err(io("writing metrics.jsonl"))?;
    let mut tb =
        EventWriter::create(job.run_dir).map_err(io("creating the TensorBoard event file"))?;
    for (k, v) in &metrics {
        tb.scalar(k, job.step, *v as f32)
            .map_err(io("writing the TensorBoard event file"))?;
    }
    let media_dir = job.run_dir.join("media");
    let media = write_media(
        &rollouts, options, &namespace, &media_dir, &mut tb, job.step,
    )?;
    tb.flush()
        .map_err(io("writing the TensorBoard event file"))?;
    let limit = dforce_env::maze2d::lookup(&options.env_id)?.max_episode_steps;
    let score_note = (metrics.contains_key(&format!("{namespace}/normalized_score"))
        && rollouts.steps < limit)
        .then(|| {
            format!(
                "over {} steps; D4RL's reference returns are for {limit}",
                rollouts.steps
            )
        });
    Ok(ValidationSummary {
        score_note,
        namespace,
        metrics,
        rollouts,
        media_dir,
        media,
    })
}
