//! N independent maze2d environments stepped together, each with its own seeded `ChaCha8Rng`
//! (env `i` gets seed `seed + i`, like Stable-Baselines' `DummyVecEnv.seed`), for batched
//! closed-loop evaluation.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::env::{Maze2dEnv, Obs};
use super::environment::{Environment, StepResult};
use crate::error::EnvError;

/// A batch of environments with per-env random streams.
#[derive(Debug, Clone)]
pub struct Maze2dVecEnv {
    envs: Vec<Maze2dEnv>,
    rngs: Vec<ChaCha8Rng>,
    seed: u64,
}

impl Maze2dVecEnv {
    /// `n` copies of `env_id`, seeded `seed, seed + 1, …`.
    pub fn new(env_id: &str, n: usize, seed: u64) -> Result<Self, EnvError> {
        let env = Maze2dEnv::new(env_id)?;
        Ok(Self {
            envs: vec![env; n],
            rngs: (0..n)
                .map(|i| ChaCha8Rng::seed_from_u64(seed.wrapping_add(i as u64)))
                .collect(),
            seed,
        })
    }

    /// Number of environments.
    pub fn len(&self) -> usize {
        self.envs.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.envs.is_empty()
    }

    /// The base seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The environments (read-only).
    pub fn envs(&self) -> &[Maze2dEnv] {
        &self.envs
    }

    /// One environment, mutably (e.g. to `set_state` or change its target).
    pub fn env_mut(&mut self, i: usize) -> Option<&mut Maze2dEnv> {
        self.envs.get_mut(i)
    }

    /// Resets every environment from its own stream, writing observations into `out`.
    pub fn reset_into(&mut self, out: &mut [Obs]) {
        for ((env, rng), o) in self.envs.iter_mut().zip(&mut self.rngs).zip(out.iter_mut()) {
            *o = env.reset(rng);
        }
    }

    /// Resets every environment and returns the observations.
    pub fn reset(&mut self) -> Vec<Obs> {
        let mut out = vec![[0.0; 4]; self.envs.len()];
        self.reset_into(&mut out);
        out
    }

    /// Resets environment `i` alone (after it reported `done`).
    pub fn reset_one(&mut self, i: usize) -> Option<Obs> {
        let rng = self.rngs.get_mut(i)?;
        Some(self.envs.get_mut(i)?.reset(rng))
    }

    /// Steps every environment with its action; allocation-free.
    pub fn step_into(&mut self, actions: &[[f64; 2]], out: &mut [StepResult<Obs>]) {
        for ((env, a), o) in self.envs.iter_mut().zip(actions).zip(out.iter_mut()) {
            *o = env.step(*a);
        }
    }

    /// Steps every environment and returns the results.
    pub fn step(&mut self, actions: &[[f64; 2]]) -> Vec<StepResult<Obs>> {
        self.envs
            .iter_mut()
            .zip(actions)
            .map(|(env, a)| env.step(*a))
            .collect()
    }
}
