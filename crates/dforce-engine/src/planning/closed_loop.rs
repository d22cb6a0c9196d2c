//! Model-predictive control in the native maze2d environment: plan, execute
//! `open_loop_horizon` steps, replan (the reference's `interact`, spec §4.2.8).

use std::time::Instant;

use burn::tensor::Device;
use dforce_core::SeededNoise;
use dforce_env::maze2d::model::TIMESTEP;
use dforce_env::maze2d::{Maze2dVecEnv, Obs, StepResult};

use super::eval::EvalError;
use super::model::PlanningModel;
use super::options::EvalOptions;
use super::score::EpisodeTracker;

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
            options.plan_request(&start_obs, &goal_obs, horizon),
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
#[cfg(test)]
mod tests {
    use super::*;

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
