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
//! collects these plans but never draws them).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::Device;
use dforce_config::Value;
use dforce_core::SeededNoise;
use dforce_env::maze2d::model::TIMESTEP;
use dforce_env::maze2d::{Maze2dVecEnv, MazeLayout, Obs, StepResult};
use indicatif::{ProgressBar, ProgressStyle};
use thiserror::Error;

use crate::SettingsError;
use crate::metrics::MetricsLog;
use crate::planning::PlanRequest;
use crate::plot::animation::{GifFrame, encode_gif};
use crate::plot::{Colormap, MazeFigure, PlotError, TrajectoryStyle};
use crate::tensorboard::EventWriter;
use crate::trainer::PlanningModel;

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

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> EvalError {
    let what = what.into();
    move |source| EvalError::Io { what, source }
}

/// Distance to the goal that counts as reaching it (D4RL's sparse reward radius).
pub const GOAL_RADIUS: f64 = 0.5;
/// Gains of the reference's PD controller.
pub const PD_KP: f64 = 12.5;
pub const PD_KD: f64 = 1.2;
/// How many episodes get a picture, at most (the reference's `min(16, B)`).
pub const MAX_PICTURES: usize = 16;
/// Salt of the planning-noise generator, so evaluation never shares a stream with training
/// (which uses streams of the plain seed).
const PLAN_NOISE_SALT: u64 = 0x6576_616c_706c_616e; // "evalplan"

/// How the PD controller measures the planned velocity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdUnits {
    /// `v_plan = (p[t] − p[t−1]) / dt`, a velocity like the observation's `(vx, vy)` it is
    /// compared with (dt = 0.01 s, the env's control step). The default.
    Velocity,
    /// The reference's quirk (§8.5 29): the per-step displacement `p[t] − p[t−1]` is compared
    /// with the velocity directly, about 100× too small, so the D term mostly damps the
    /// velocity towards zero. Select it with `algorithm.reference_compat.pd_controller=true` to
    /// reproduce the reference's numbers for models without diffused actions.
    ReferenceDisplacement,
}

/// What turns a plan into actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Controller {
    /// Execute the plan's own actions (when the model diffuses 2-D actions).
    DiffusedActions,
    /// `a = 12.5·(p[t] − pos) + 1.2·(v_plan − vel)` on the planned positions.
    Pd(PdUnits),
}

impl std::fmt::Display for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Controller::DiffusedActions => "diffused actions",
            Controller::Pd(PdUnits::Velocity) => "PD controller",
            Controller::Pd(PdUnits::ReferenceDisplacement) => {
                "PD controller (reference units quirk)"
            }
        })
    }
}

/// Options of one closed-loop evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalOptions {
    /// A registered maze2d id, e.g. `maze2d-medium-v1`.
    pub env_id: String,
    /// Episodes run together (B).
    pub episodes: usize,
    pub seed: u64,
    /// Steps executed between replans.
    pub open_loop_horizon: usize,
    pub guidance_scale: f64,
    /// Per-episode guidance (default) or the reference's batch mean.
    pub guidance_batch: crate::planning::GuidanceBatch,
    pub uncertainty_scale: f64,
    pub scheduling: dforce_core::SchedulingKind,
    pub trapezoid: dforce_core::TrapezoidMode,
    /// Steps per episode; `None` means the model's `episode_len` (the reference). Smaller
    /// values make quick checks; larger ones are refused (the model cannot plan further).
    pub max_steps: Option<usize>,
    pub pd_units: PdUnits,
    /// Draw the start/goal markers (`algorithm.plot_start_goal`).
    pub plot_start_goal: bool,
    /// Episodes that get pictures (at most [`MAX_PICTURES`]); 0 for none.
    pub pictures: usize,
    /// Write the MPC animation of episode 0.
    pub animate: bool,
}

impl EvalOptions {
    /// The options the reference's validation uses, from the resolved config: `algorithm.*`
    /// for the planner, `experiment.validation.batch_size` episodes, plus two dforce-only keys
    /// (absent from the reference's yaml, so set them with `+`):
    /// `experiment.validation.max_steps` (shorter episodes) and
    /// `algorithm.reference_compat.pd_controller` (see [`PdUnits::ReferenceDisplacement`]).
    pub fn from_config(cfg: &Value, seed: u64) -> Result<Self, SettingsError> {
        fn missing(key: &str) -> impl FnOnce(dforce_config::ConfigError) -> SettingsError + '_ {
            move |e| SettingsError::Missing {
                key: key.into(),
                hint: e.to_string(),
            }
        }
        let positive = |key: &str| -> Result<usize, SettingsError> {
            let v = cfg.get_i64(key).map_err(missing(key))?;
            if v < 1 {
                return Err(SettingsError::Range {
                    key: key.into(),
                    got: v.to_string(),
                    reason: "it must be at least 1".into(),
                });
            }
            Ok(v as usize)
        };
        let optional_bool = |key: &str, default: bool| -> Result<bool, SettingsError> {
            match cfg.get(key) {
                Err(_) | Ok(Value::Null) => Ok(default),
                Ok(Value::Bool(b)) => Ok(*b),
                Ok(other) => Err(SettingsError::Type {
                    key: key.into(),
                    got: other.type_name().into(),
                    expected: "true or false".into(),
                }),
            }
        };
        let env_id = cfg
            .get_str("algorithm.env_id")
            .map_err(missing("algorithm.env_id"))?
            .to_string();
        if dforce_env::maze2d::lookup(&env_id).is_err() {
            let ids: Vec<&str> = dforce_env::maze2d::SPECS.iter().map(|s| s.id).collect();
            return Err(SettingsError::Choice {
                key: "algorithm.env_id".into(),
                got: env_id,
                choices: ids.join(", "),
                hint: String::new(),
            });
        }
        let max_steps = match cfg.get("experiment.validation.max_steps") {
            Err(_) | Ok(Value::Null) => None,
            Ok(_) => Some(positive("experiment.validation.max_steps")?),
        };
        let float = |key: &str| cfg.get_f64(key).map_err(missing(key));
        let guidance_scale = float("algorithm.guidance_scale")?;
        let uncertainty_scale = float("algorithm.uncertainty_scale")?;
        for (key, v) in [
            ("algorithm.guidance_scale", guidance_scale),
            ("algorithm.uncertainty_scale", uncertainty_scale),
        ] {
            if !v.is_finite() {
                return Err(SettingsError::Range {
                    key: key.into(),
                    got: v.to_string(),
                    reason: "it must be a finite number".into(),
                });
            }
        }
        let episodes = positive("experiment.validation.batch_size")?;
        let diffusion = crate::DiffusionSettings::from_config(cfg)?;
        Ok(Self {
            env_id,
            episodes,
            seed,
            open_loop_horizon: positive("algorithm.open_loop_horizon")?,
            guidance_scale,
            guidance_batch: if optional_bool(
                "algorithm.reference_compat.guidance_batch_mean",
                false,
            )? {
                crate::planning::GuidanceBatch::ReferenceBatchMean
            } else {
                crate::planning::GuidanceBatch::PerEpisode
            },
            uncertainty_scale,
            scheduling: diffusion.scheduling,
            trapezoid: diffusion.trapezoid,
            max_steps,
            pd_units: if optional_bool("algorithm.reference_compat.pd_controller", false)? {
                PdUnits::ReferenceDisplacement
            } else {
                PdUnits::Velocity
            },
            plot_start_goal: optional_bool("algorithm.plot_start_goal", true)?,
            pictures: episodes.min(MAX_PICTURES),
            animate: true,
        })
    }

    /// The reference's namespace: `validation`, with `_no_guidance_random_walk` appended when
    /// guidance is off.
    pub fn namespace(&self) -> String {
        if self.guidance_scale == 0.0 {
            "validation_no_guidance_random_walk".into()
        } else {
            "validation".into()
        }
    }
}

/// D4RL's reference returns `(random, expert)` for the normalised score, for the ids whose
/// constants D4RL publishes and DF evaluates (`maze2d-{umaze,medium,large}-v1`, sparse).
pub fn d4rl_reference_returns(env_id: &str) -> Option<(f64, f64)> {
    match env_id {
        "maze2d-umaze-v1" => Some((23.85, 161.86)),
        "maze2d-medium-v1" => Some((13.13, 277.39)),
        "maze2d-large-v1" => Some((6.7, 273.99)),
        _ => None,
    }
}

/// D4RL's `get_normalized_score` times 100: 0 is a random policy, 100 the expert.
pub fn normalized_score(episode_return: f64, (ref_min, ref_max): (f64, f64)) -> f64 {
    100.0 * (episode_return - ref_min) / (ref_max - ref_min)
}

/// Per-episode bookkeeping of one evaluation episode.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EpisodeTracker {
    pub steps: usize,
    pub episode_return: f64,
    pub return_if_stay: f64,
    pub reached: bool,
    /// 0-based index of the first step that ended within [`GOAL_RADIUS`] of the goal.
    pub first_reach_step: Option<usize>,
    /// The reference's `first_reach`: steps before the first success (all steps if none).
    pub steps_before_first_reach: usize,
}

impl EpisodeTracker {
    /// Records one step: its reward and whether it ended within the goal radius.
    pub fn record(&mut self, reward: f64, at_goal: bool) {
        if at_goal && !self.reached {
            self.first_reach_step = Some(self.steps);
        }
        self.reached |= at_goal;
        self.episode_return += reward;
        self.return_if_stay += if self.reached { 1.0 } else { reward };
        if !self.reached {
            self.steps_before_first_reach += 1;
        }
        self.steps += 1;
    }
}

/// The metrics of a batch of episodes, keyed `{namespace}/…` (see the module docs).
pub fn episode_metrics(
    episodes: &[EpisodeTracker],
    env_id: &str,
    namespace: &str,
) -> BTreeMap<String, f64> {
    let n = episodes.len().max(1) as f64;
    let mean = |f: &dyn Fn(&EpisodeTracker) -> f64| episodes.iter().map(f).sum::<f64>() / n;
    let ret = mean(&|e| e.episode_return);
    let key = |k: &str| format!("{namespace}/{k}");
    let mut m = BTreeMap::from([
        (key("episode_reward"), ret),
        (key("episode_reward_if_stay"), mean(&|e| e.return_if_stay)),
        (
            key("success_rate"),
            mean(&|e| f64::from(u8::from(e.reached))),
        ),
        (
            key("steps_before_first_reach"),
            mean(&|e| e.steps_before_first_reach as f64),
        ),
    ]);
    let reached: Vec<f64> = episodes
        .iter()
        .filter_map(|e| e.first_reach_step.map(|s| s as f64))
        .collect();
    if !reached.is_empty() {
        m.insert(
            key("first_reach_step"),
            reached.iter().sum::<f64>() / reached.len() as f64,
        );
    }
    if let Some(refs) = d4rl_reference_returns(env_id) {
        m.insert(key("normalized_score"), normalized_score(ret, refs));
    }
    m
}

/// Everything one closed-loop evaluation produced.
#[derive(Debug, Clone)]
pub struct Rollouts {
    pub episodes: Vec<EpisodeTracker>,
    pub controller: Controller,
    /// Steps every episode ran (they step in lockstep).
    pub steps: usize,
    pub replans: usize,
    pub seconds: f64,
    /// Of which planning (the diffusion model).
    pub plan_seconds: f64,
    pub goal: [f64; 2],
    /// Start positions of the pictured episodes.
    pub starts: Vec<[f64; 2]>,
    /// Executed positions (start included) of the pictured episodes.
    pub paths: Vec<Vec<[f32; 2]>>,
    /// Planned positions of the first plan (from the start) of the pictured episodes.
    pub first_plans: Vec<Vec<[f32; 2]>>,
    /// Episode 0's plans: `(step at which it was made, planned positions)`.
    pub replans_episode0: Vec<(usize, Vec<[f32; 2]>)>,
    /// The steps per episode the run aimed for.
    pub episode_steps: usize,
}

/// `NaN → 0`, then clip to the env's control range (the reference clips and `nan_to_num`s).
fn clean_action(a: [f64; 2]) -> [f64; 2] {
    a.map(|v| if v.is_nan() { 0.0 } else { v.clamp(-1.0, 1.0) })
}

/// The reference's PD law on raw observations: `plan` is `(horizon, B, c)` unnormalised,
/// `t` the step within it, `obs` the env's current observation.
fn pd_action(
    plan: &[f32],
    b: usize,
    c: usize,
    t: usize,
    i: usize,
    obs: &Obs,
    units: PdUnits,
) -> [f64; 2] {
    let at = |t: usize, k: usize| plan[(t * b + i) * c + k] as f64;
    std::array::from_fn(|k| {
        let p = at(t, k);
        let prev = if t > 0 { at(t - 1, k) } else { obs[k] };
        let v_plan = match units {
            PdUnits::Velocity => (p - prev) / TIMESTEP,
            PdUnits::ReferenceDisplacement => p - prev,
        };
        PD_KP * (p - obs[k]) + PD_KD * (v_plan - obs[2 + k])
    })
}

/// Planned positions `(x, y)` of episode `i` from an unnormalised plan `(horizon, B, c)`.
fn plan_positions(plan: &[f32], horizon: usize, b: usize, c: usize, i: usize) -> Vec<[f32; 2]> {
    (0..horizon)
        .map(|t| {
            let f = &plan[(t * b + i) * c..];
            [f[0], f[1]]
        })
        .collect()
}

/// Runs the closed loop (see the module docs). `progress` receives `(steps done, steps in all)`
/// after each replanning chunk.
pub fn run_closed_loop(
    model: &PlanningModel,
    options: &EvalOptions,
    device: &Device,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Rollouts, EvalError> {
    let layout = &model.layout;
    let (b, c, od) = (options.episodes, layout.frame_dim(), layout.obs_dim);
    if b == 0 {
        return Err(EvalError::Invalid(
            "evaluation needs at least one episode (experiment.validation.batch_size)".into(),
        ));
    }
    if options.open_loop_horizon == 0 {
        return Err(EvalError::Invalid(
            "algorithm.open_loop_horizon must be at least 1".into(),
        ));
    }
    let episode_steps = options.max_steps.unwrap_or(layout.episode_len);
    if episode_steps == 0 || episode_steps > layout.episode_len {
        return Err(EvalError::Invalid(format!(
            "episodes of {episode_steps} steps: the model plans at most algorithm.episode_len = {} steps ahead, so evaluation episodes must have 1..={} steps",
            layout.episode_len, layout.episode_len
        )));
    }
    if od < 2 {
        return Err(EvalError::Invalid(
            "closed-loop maze2d evaluation needs the (x, y) position in the observation".into(),
        ));
    }
    let controller = if layout.act_dim == 2 {
        Controller::DiffusedActions
    } else {
        Controller::Pd(options.pd_units)
    };
    let started = Instant::now();
    let mut venv = Maze2dVecEnv::new(&options.env_id, b, options.seed)?;
    let mut obs: Vec<Obs> = venv.reset();
    let goal = venv.envs()[0].target();
    // Goal observation: the exact G cell with zero velocity, sliced to obs_dim (raw units;
    // `plan` normalises).
    let goal_obs: Vec<f32> = (0..b)
        .flat_map(|_| {
            [goal[0] as f32, goal[1] as f32, 0.0, 0.0]
                .into_iter()
                .take(od)
        })
        .collect();
    let n_pics = options.pictures.min(b).min(MAX_PICTURES);
    let n_paths = n_pics.max(usize::from(options.animate));
    let starts: Vec<[f64; 2]> = obs[..n_paths].iter().map(|o| [o[0], o[1]]).collect();
    let mut paths: Vec<Vec<[f32; 2]>> = obs[..n_paths]
        .iter()
        .map(|o| {
            let mut p = Vec::with_capacity(episode_steps + 1);
            p.push([o[0] as f32, o[1] as f32]);
            p
        })
        .collect();
    let mut first_plans = Vec::new();
    let mut replans_episode0 = Vec::new();
    let mut episodes = vec![EpisodeTracker::default(); b];
    let mut actions = vec![[0.0f64; 2]; b];
    let mut results = vec![
        StepResult {
            obs: [0.0; 4],
            reward: 0.0,
            terminated: false,
            truncated: false,
        };
        b
    ];
    let mut start_obs = vec![0f32; b * od];
    let (mut steps, mut replans, mut plan_seconds) = (0usize, 0usize, 0.0f64);
    let mut terminated = false;
    while !terminated && steps < episode_steps {
        let horizon = episode_steps - steps;
        for (dst, o) in start_obs.chunks_exact_mut(od).zip(&obs) {
            for (d, &v) in dst.iter_mut().zip(o.iter()) {
                *d = v as f32;
            }
        }
        let plan_started = Instant::now();
        let mut noise = SeededNoise::for_stream(options.seed ^ PLAN_NOISE_SALT, replans as u64);
        let plan = layout.plan(
            &model.diffusion,
            &model.network,
            PlanRequest {
                start: &start_obs,
                goal: &goal_obs,
                horizon,
                scheduling: options.scheduling,
                trapezoid: options.trapezoid,
                uncertainty_scale: options.uncertainty_scale,
                guidance_scale: options.guidance_scale,
                guidance_batch: options.guidance_batch,
            },
            &mut noise,
            device,
        )?;
        let plan: Vec<f32> = layout
            .unnormalize(plan)
            .into_data()
            .try_into_vec::<f32>()
            .map_err(|e| EvalError::Invalid(format!("reading the plan back: {e:?}")))?;
        plan_seconds += plan_started.elapsed().as_secs_f64();
        if replans == 0 {
            first_plans = (0..n_pics)
                .map(|i| plan_positions(&plan, horizon, b, c, i))
                .collect();
        }
        if options.animate {
            replans_episode0.push((steps, plan_positions(&plan, horizon, b, c, 0)));
        }
        for t in 0..options.open_loop_horizon.min(horizon) {
            for (i, a) in actions.iter_mut().enumerate() {
                let raw = match controller {
                    Controller::DiffusedActions => {
                        let f = &plan[(t * b + i) * c + od..];
                        [f[0] as f64, f[1] as f64]
                    }
                    Controller::Pd(units) => pd_action(&plan, b, c, t, i, &obs[i], units),
                };
                *a = clean_action(raw);
            }
            venv.step_into(&actions, &mut results);
            let mut done = false;
            for (i, r) in results.iter().enumerate() {
                let d = ((r.obs[0] - goal[0]).powi(2) + (r.obs[1] - goal[1]).powi(2)).sqrt();
                episodes[i].record(r.reward, d <= GOAL_RADIUS);
                obs[i] = r.obs;
                if let Some(p) = paths.get_mut(i) {
                    p.push([r.obs[0] as f32, r.obs[1] as f32]);
                }
                done |= r.done();
            }
            steps += 1;
            if done {
                // The env's time limit (shorter than episode_len only for custom specs).
                terminated = true;
                break;
            }
        }
        replans += 1;
        progress(steps, episode_steps);
    }
    Ok(Rollouts {
        episodes,
        controller,
        steps,
        replans,
        seconds: started.elapsed().as_secs_f64(),
        plan_seconds,
        goal,
        starts,
        paths,
        first_plans,
        replans_episode0,
        episode_steps,
    })
}

/// A validation task: evaluate, then log metrics and pictures into a run directory.
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

/// Writes the per-episode pictures (first plan, executed trajectory), the MPC animation of
/// episode 0, and logs the pictures to TensorBoard under the reference's tags.
fn write_media(
    r: &Rollouts,
    options: &EvalOptions,
    namespace: &str,
    dir: &Path,
    tb: &mut EventWriter,
    step: u64,
) -> Result<Vec<PathBuf>, EvalError> {
    let layout = MazeLayout::parse(dforce_env::maze2d::lookup(&options.env_id)?.maze)?;
    let fig = MazeFigure::new(&layout);
    if r.first_plans.is_empty() && r.replans_episode0.is_empty() {
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    let markers = options.plot_start_goal;
    let goal = markers.then_some(r.goal);
    let mut written = Vec::new();
    let mut png = |name: String, tag: String, canvas: crate::plot::Canvas| {
        let path = dir.join(name);
        let bytes = canvas.write_png(&path)?;
        tb.image(&tag, step, canvas.width(), canvas.height(), &bytes)
            .map_err(io("writing the TensorBoard event file"))?;
        written.push(path);
        Ok::<_, EvalError>(())
    };
    for (i, plan) in r.first_plans.iter().enumerate() {
        let start = markers.then_some(r.starts[i]);
        // The plan starts one step after the start; draw the start as its first point.
        let mut pts = Vec::with_capacity(plan.len() + 1);
        pts.push(r.paths[i][0]);
        pts.extend_from_slice(plan);
        png(
            format!("{namespace}_plan_sample_{i}.png"),
            format!("{namespace}_plan/sample_{i}"),
            fig.trajectory(&pts, start, goal),
        )?;
    }
    for (i, path) in r.paths.iter().enumerate().take(r.first_plans.len()) {
        let start = markers.then_some(r.starts[i]);
        png(
            format!("{namespace}_interaction_sample_{i}.png"),
            format!("{namespace}_interaction/sample_{i}"),
            fig.trajectory(path, start, goal),
        )?;
    }
    if options.animate && !r.replans_episode0.is_empty() {
        let path = dir.join(format!("{namespace}_mpc_episode_0.gif"));
        let bytes = mpc_animation(&fig, r, markers)?;
        crate::plot::raster::write_file(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

/// One frame per replan of episode 0: the path executed so far (Reds) and the plan just made
/// (Blues), both coloured by absolute time, then a final frame with the whole path.
fn mpc_animation(fig: &MazeFigure, r: &Rollouts, markers: bool) -> Result<Vec<u8>, EvalError> {
    let total = r.episode_steps + 1;
    let path = &r.paths[0];
    let decorate = |canvas: &mut crate::plot::Canvas| {
        if markers {
            fig.draw_start(canvas, r.starts[0]);
            fig.draw_goal(canvas, r.goal);
        }
    };
    let mut frames = Vec::with_capacity(r.replans_episode0.len() + 1);
    for (at, plan) in &r.replans_episode0 {
        let mut canvas = fig.canvas();
        let style = |colormap, t0| TrajectoryStyle {
            t0,
            ..TrajectoryStyle::whole(colormap, total)
        };
        fig.draw_path(&mut canvas, plan, style(Colormap::Blues, at + 1));
        fig.draw_path(
            &mut canvas,
            &path[..(at + 1).min(path.len())],
            style(Colormap::Reds, 0),
        );
        decorate(&mut canvas);
        frames.push(canvas);
    }
    let mut last = fig.canvas();
    fig.draw_path(
        &mut last,
        path,
        TrajectoryStyle::whole(Colormap::Reds, total),
    );
    decorate(&mut last);
    frames.push(last);
    let n = frames.len();
    let frames: Vec<GifFrame<'_>> = frames
        .iter()
        .enumerate()
        .map(|(k, canvas)| GifFrame {
            canvas,
            delay_cs: if k + 1 == n { 200 } else { 60 },
        })
        .collect();
    Ok(encode_gif(&frames)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_scores_use_d4rl_constants() {
        let medium = d4rl_reference_returns("maze2d-medium-v1").unwrap();
        assert_eq!(normalized_score(13.13, medium), 0.0);
        assert!((normalized_score(277.39, medium) - 100.0).abs() < 1e-9);
        let umaze = d4rl_reference_returns("maze2d-umaze-v1").unwrap();
        assert!((normalized_score(92.855, umaze) - 50.0).abs() < 1e-9);
        let large = d4rl_reference_returns("maze2d-large-v1").unwrap();
        assert!((normalized_score(6.7, large)).abs() < 1e-12);
        assert_eq!(d4rl_reference_returns("maze2d-umaze-dense-v1"), None);
    }

    /// Rewards 0 0 1 0 1 1: first success at index 2; the reference counts 2 steps before it;
    /// "if stay" counts every step from the first success as 1.
    #[test]
    fn first_reach_semantics_on_a_synthetic_sequence() {
        let mut e = EpisodeTracker::default();
        for r in [0.0, 0.0, 1.0, 0.0, 1.0, 1.0] {
            e.record(r, r >= 1.0);
        }
        assert_eq!(e.first_reach_step, Some(2));
        assert_eq!(e.steps_before_first_reach, 2);
        assert_eq!(e.episode_return, 3.0);
        assert_eq!(e.return_if_stay, 4.0);
        assert!(e.reached);

        let mut never = EpisodeTracker::default();
        for _ in 0..5 {
            never.record(0.0, false);
        }
        assert_eq!(never.first_reach_step, None);
        assert_eq!(never.steps_before_first_reach, 5);

        // Reached at the very first step: index 0, nothing before it.
        let mut at_once = EpisodeTracker::default();
        at_once.record(1.0, true);
        assert_eq!(
            (at_once.first_reach_step, at_once.steps_before_first_reach),
            (Some(0), 0)
        );

        let m = episode_metrics(&[e, never], "maze2d-umaze-v1", "validation");
        assert_eq!(m["validation/first_reach_step"], 2.0); // successful episodes only
        assert_eq!(m["validation/steps_before_first_reach"], 3.5); // (2 + 5) / 2
        assert_eq!(m["validation/success_rate"], 0.5);
        assert_eq!(m["validation/episode_reward"], 1.5);
        assert_eq!(m["validation/episode_reward_if_stay"], 2.0);
        let expected = normalized_score(1.5, d4rl_reference_returns("maze2d-umaze-v1").unwrap());
        assert_eq!(m["validation/normalized_score"], expected);
        let none = episode_metrics(&[never], "maze2d-umaze-dense-v1", "v");
        assert!(!none.contains_key("v/first_reach_step"));
        assert!(!none.contains_key("v/normalized_score"));
    }

    #[test]
    fn pd_controller_units() {
        // One env, c = 2 (positions only); plan moves +0.01 per step in x.
        let plan = [1.01f32, 2.0, 1.02, 2.0];
        let obs: Obs = [1.0, 2.0, 0.5, 0.0];
        let reference = pd_action(&plan, 1, 2, 1, 0, &obs, PdUnits::ReferenceDisplacement);
        let velocity = pd_action(&plan, 1, 2, 1, 0, &obs, PdUnits::Velocity);
        let dp = (1.02f32 - 1.01f32) as f64;
        let pos = PD_KP * (1.02f32 as f64 - 1.0);
        assert!((reference[0] - (pos + PD_KD * (dp - 0.5))).abs() < 1e-9);
        assert!((velocity[0] - (pos + PD_KD * (dp / TIMESTEP - 0.5))).abs() < 1e-6);
        assert_eq!(clean_action([f64::NAN, 3.0]), [0.0, 1.0]);
        assert_eq!(clean_action([-7.0, 0.25]), [-1.0, 0.25]);
    }
}
