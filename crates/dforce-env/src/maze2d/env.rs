//! `MazeEnv` of D4RL (`d4rl/pointmaze/maze_model.py`) wrapped in its `TimeLimit`: resets, targets,
//! the sparse/dense reward and the step with its action and velocity clipping.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::environment::{Environment, StepResult};
use super::layout::MazeLayout;
use super::model::{CTRL_LIMIT, VELOCITY_CLIP};
use super::physics::{PointMassPhysics, PointState};
use super::registry::{Maze2dSpec, RewardType, lookup};
use crate::error::EnvError;

/// Observation `[x, y, vx, vy]` (qpos then qvel), float64 like MuJoCo's.
pub type Obs = [f64; 4];

/// A maze2d environment with D4RL's semantics.
#[derive(Debug, Clone)]
pub struct Maze2dEnv {
    spec: Maze2dSpec,
    physics: PointMassPhysics,
    state: PointState,
    target: [f64; 2],
    elapsed: usize,
    last_seed: Option<u64>,
}

impl Maze2dEnv {
    /// Builds a registered environment, e.g. `maze2d-medium-v1`. The state starts at qpos 0
    /// (MuJoCo's `qpos0`) until the first reset; the target is the maze's `G` cell.
    pub fn new(env_id: &str) -> Result<Self, EnvError> {
        Self::from_spec(*lookup(env_id)?)
    }

    /// Builds an environment from an explicit spec (custom layouts included).
    pub fn from_spec(spec: Maze2dSpec) -> Result<Self, EnvError> {
        let layout = MazeLayout::parse(spec.maze)?;
        let target = layout.default_target();
        Ok(Self {
            spec,
            physics: PointMassPhysics::new(layout),
            state: PointState::default(),
            target,
            elapsed: 0,
            last_seed: None,
        })
    }

    /// The registration this env was built from.
    pub fn spec(&self) -> &Maze2dSpec {
        &self.spec
    }

    /// The maze.
    pub fn layout(&self) -> &MazeLayout {
        self.physics.layout()
    }

    /// The physics engine (for callers that step without the env's clipping).
    pub fn physics(&self) -> &PointMassPhysics {
        &self.physics
    }

    /// Current observation.
    pub fn obs(&self) -> Obs {
        let s = &self.state;
        [s.qpos[0], s.qpos[1], s.qvel[0], s.qvel[1]]
    }

    /// Current joint state.
    pub fn state(&self) -> PointState {
        self.state
    }

    /// MuJoCo's `set_state(qpos, qvel)`. Does not touch the episode step counter.
    pub fn set_state(&mut self, qpos: [f64; 2], qvel: [f64; 2]) {
        self.state = PointState { qpos, qvel };
    }

    /// The reward target (`_target`).
    pub fn target(&self) -> [f64; 2] {
        self.target
    }

    /// Sets the target to an explicit location (`set_target(location)`).
    pub fn set_target_location(&mut self, target: [f64; 2]) {
        self.target = target;
    }

    /// `set_target()` without argument: a uniformly drawn empty/goal cell plus U(−0.1, 0.1)².
    pub fn set_random_target(&mut self, rng: &mut dyn RngCore) -> [f64; 2] {
        self.target = sample_location(self.layout(), rng);
        self.target
    }

    /// Steps taken since the last reset.
    pub fn elapsed_steps(&self) -> usize {
        self.elapsed
    }

    /// The seed of the last [`Self::reset_seeded`], for recording a run.
    pub fn last_seed(&self) -> Option<u64> {
        self.last_seed
    }

    /// Resets with a fresh `ChaCha8Rng` seeded from `seed` and records the seed.
    pub fn reset_seeded(&mut self, seed: u64) -> Obs {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let obs = self.reset(&mut rng);
        self.last_seed = Some(seed);
        obs
    }

    /// The reward D4RL computes for a position.
    pub fn reward_at(&self, pos: [f64; 2]) -> f64 {
        let dist = ((pos[0] - self.target[0]).powi(2) + (pos[1] - self.target[1]).powi(2)).sqrt();
        match self.spec.reward {
            RewardType::Sparse => {
                if dist <= 0.5 {
                    1.0
                } else {
                    0.0
                }
            }
            RewardType::Dense => (-dist).exp(),
        }
    }

    /// The physics part of `MazeEnv.step`: clip the action to ctrlrange, clip qvel to ±5
    /// (`clip_velocity` → `set_state`), then one `mj_step`. No reward, no time limit.
    pub fn step_physics(&mut self, action: [f64; 2]) {
        let ctrl = [clip(action[0], CTRL_LIMIT), clip(action[1], CTRL_LIMIT)];
        self.state.qvel = [
            clip(self.state.qvel[0], VELOCITY_CLIP),
            clip(self.state.qvel[1], VELOCITY_CLIP),
        ];
        self.physics.step(&mut self.state, ctrl);
    }
}

/// `np.clip(x, −limit, limit)`, passing NaN through like numpy does.
fn clip(x: f64, limit: f64) -> f64 {
    if x > limit {
        limit
    } else if x < -limit {
        -limit
    } else {
        x
    }
}

/// A uniformly drawn entry of `empty_and_goal_locations` plus U(−0.1, 0.1) per axis: what
/// `reset_model` uses for qpos and `set_target()` for the target.
pub fn sample_location(layout: &MazeLayout, rng: &mut dyn RngCore) -> [f64; 2] {
    let n = layout.num_empty_and_goal();
    let idx = rng.random_range(0..n);
    let (i, j) = layout.empty_or_goal(idx).unwrap_or((0, 0));
    [
        i as f64 + rng.random_range(-0.1..0.1),
        j as f64 + rng.random_range(-0.1..0.1),
    ]
}

impl Environment for Maze2dEnv {
    type Obs = Obs;
    type Action = [f64; 2];

    /// `reset_model`: qpos = random empty/goal cell + U(−0.1, 0.1)², qvel = N(0, 0.1²).
    /// The target is left as it is (`reset_target=False` in every registration).
    fn reset(&mut self, rng: &mut dyn RngCore) -> Obs {
        let qpos = sample_location(self.layout(), rng);
        let nx: f64 = StandardNormal.sample(rng);
        let ny: f64 = StandardNormal.sample(rng);
        self.state = PointState {
            qpos,
            qvel: [0.1 * nx, 0.1 * ny],
        };
        self.elapsed = 0;
        self.last_seed = None;
        self.obs()
    }

    fn step(&mut self, action: [f64; 2]) -> StepResult<Obs> {
        self.step_physics(action);
        self.elapsed += 1;
        let obs = self.obs();
        StepResult {
            obs,
            reward: self.reward_at([obs[0], obs[1]]),
            terminated: false,
            truncated: self.elapsed >= self.spec.max_episode_steps,
        }
    }
}
