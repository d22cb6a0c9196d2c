//! D4RL's maze2d data collection (`scripts/generation/generate_maze2d_datasets.py`): one never
//! reset stream in which the waypoint controller drives the ball to a random target, a new
//! target is drawn whenever it reports "reached" or the episode length runs out, and rewards
//! are relabelled afterwards against the maze's fixed goal (`relabel_maze2d_rewards.py`: sparse
//! for `maze2d-*-v1`, dense for `maze2d-*-dense-v1`, from each row's pre-step observation).
//!
//! Randomness: one seed makes three independent ChaCha8 streams (stream 0: env resets and
//! targets, as D4RL's `env.np_random`; stream 1: waypoint jitter, as numpy's global RNG;
//! stream 2: optional action noise), so datasets are reproducible from `(env_id, steps, seed)`.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::controller::WaypointController;
use super::dataset::Dataset;
use crate::error::EnvError;
use crate::maze2d::{Environment, Maze2dEnv};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateConfig {
    /// Registered id, e.g. `maze2d-medium-v1` (sets layout and episode length).
    pub env_id: String,
    /// Number of recorded steps.
    pub steps: usize,
    /// Seed of all random streams.
    pub seed: u64,
    /// D4RL's `--noisy`: add N(0, 0.5²) to actions before clipping. The `-v1` datasets DF used
    /// match the noiseless setting (spec §1.5), which is the default.
    pub noisy: bool,
}

impl GenerateConfig {
    /// Noiseless generation of `steps` steps.
    pub fn new(env_id: &str, steps: usize, seed: u64) -> Self {
        Self {
            env_id: env_id.to_owned(),
            steps,
            seed,
            noisy: false,
        }
    }
}

/// The random stream `stream` of `seed`.
fn stream(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Generates `steps` steps of `env_id` from `seed` without action noise.
pub fn generate(env_id: &str, steps: usize, seed: u64) -> Result<Dataset, EnvError> {
    generate_with(&GenerateConfig::new(env_id, steps, seed))
}

/// The most steps one dataset may hold: 10^7, 2.5 times D4RL's largest maze2d file
/// (`maze2d-large-v1`, 4·10^6 steps).
///
/// A step is 54 bytes in the file, and `dforce-io`'s `H5Writer` encodes the whole file in
/// memory before writing it (`hdf5-writer` has no streaming interface; the writer keeps the
/// arrays' bytes, hands `hdf5-writer` a copy, and gets the encoded file back), so writing
/// holds about four times the file: measured 2.3 GB of resident memory for 10^7 steps (a
/// 540 MB file) with `dforce data maze2d` and `write_d4rl_owned`. The former bound, 10^8,
/// needed over 20 GB and was killed for memory at 3·10^7 steps.
pub const MAX_STEPS: usize = 10_000_000;

/// Generates a dataset as configured.
///
/// # Errors
/// [`EnvError::UnknownEnv`]; [`EnvError::Range`] for 0 steps (an empty file that would train
/// on nothing) or more than [`MAX_STEPS`] (more than fits in memory while the file is encoded).
pub fn generate_with(cfg: &GenerateConfig) -> Result<Dataset, EnvError> {
    if !(1..=MAX_STEPS).contains(&cfg.steps) {
        return Err(EnvError::Range {
            what: "steps",
            got: cfg.steps.to_string(),
            range: format!(
                "1..={MAX_STEPS} (the file is encoded in memory, about 230 bytes a step; \
                 D4RL's largest maze2d dataset has 4000000 steps)"
            ),
        });
    }
    let mut env = Maze2dEnv::new(&cfg.env_id)?;
    let max_steps = env.spec().max_episode_steps;
    let goal = env.layout().default_target();
    let mut controller = WaypointController::new(env.layout());
    let mut env_rng = stream(cfg.seed, 0);
    let mut jitter_rng = stream(cfg.seed, 1);
    let mut noise_rng = stream(cfg.seed, 2);

    let mut data = Dataset::with_capacity(cfg.steps);
    env.set_random_target(&mut env_rng);
    let mut s = env.reset(&mut env_rng);
    let mut ts = 0usize;
    for _ in 0..cfg.steps {
        let target = env.target();
        let (mut act, mut done) =
            controller.action([s[0], s[1]], [s[2], s[3]], target, &mut jitter_rng);
        if cfg.noisy {
            for a in &mut act {
                let n: f64 = StandardNormal.sample(&mut noise_rng as &mut dyn RngCore);
                *a = (*a + 0.5 * n).clamp(-1.0, 1.0);
            }
        }
        if ts >= max_steps {
            done = true;
        }
        let st = env.state();
        data.observations.push(s.map(|x| x as f32));
        data.actions.push(act.map(|x| x as f32));
        data.terminals.push(done);
        data.timeouts.push(false);
        data.goals.push(target.map(|x| x as f32));
        data.qpos.push(st.qpos.map(|x| x as f32));
        data.qvel.push(st.qvel.map(|x| x as f32));

        env.step_physics(act);
        ts += 1;
        if done {
            // D4RL keeps the stale `s` here: the next record repeats it.
            env.set_random_target(&mut env_rng);
            ts = 0;
        } else {
            s = env.obs();
        }
    }
    // Sparse for `maze2d-*-v1`, dense (`exp(−distance)`) for `maze2d-*-dense-v1`, as D4RL's
    // files are relabelled.
    data.relabel_rewards(goal, env.spec().reward);
    Ok(data)
}
