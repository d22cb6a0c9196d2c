//! The environment interface, shaped like burn-rl's `Environment`: `reset` with an injected
//! random source, `step` returning a [`StepResult`] with Gymnasium's terminated/truncated split.

use rand::RngCore;

/// What one `step` returns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepResult<O> {
    /// Observation after the step.
    pub obs: O,
    /// Reward for the transition.
    pub reward: f64,
    /// The task ended (maze2d never terminates: D4RL returns `done=False`).
    pub terminated: bool,
    /// The time limit was hit (`TimeLimit` at `max_episode_steps`).
    pub truncated: bool,
}

impl<O> StepResult<O> {
    /// Gym's old single `done` flag: terminated or truncated.
    pub fn done(&self) -> bool {
        self.terminated || self.truncated
    }
}

/// A resettable, steppable environment. Randomness is always injected, so a run is reproducible
/// from the seeds of the generators passed in.
pub trait Environment {
    /// Observation type.
    type Obs;
    /// Action type.
    type Action;

    /// Starts a new episode, drawing its initial state from `rng`.
    fn reset(&mut self, rng: &mut dyn RngCore) -> Self::Obs;

    /// Applies one action.
    fn step(&mut self, action: Self::Action) -> StepResult<Self::Obs>;
}
