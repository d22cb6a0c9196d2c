//! The registered maze2d environment ids (D4RL's `d4rl/pointmaze/__init__.py`): which layout,
//! which reward and how many steps before the `TimeLimit` wrapper truncates.

use super::layout::{
    LARGE_MAZE, LARGE_MAZE_EVAL, MEDIUM_MAZE, MEDIUM_MAZE_EVAL, OPEN_MAZE, U_MAZE, U_MAZE_EVAL,
};
use crate::error::EnvError;

/// D4RL's two maze2d reward functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RewardType {
    /// `1` if the ball is within 0.5 of the target, else `0` (the `-v1` datasets and DF use this).
    Sparse,
    /// `exp(−distance to target)`.
    Dense,
}

/// One registered environment id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Maze2dSpec {
    /// Gym id, e.g. `maze2d-medium-v1`.
    pub id: &'static str,
    /// Maze string (see [`super::layout`]).
    pub maze: &'static str,
    /// `max_episode_steps` of the registration (the `TimeLimit` truncation).
    pub max_episode_steps: usize,
    /// Reward function.
    pub reward: RewardType,
}

const fn spec(
    id: &'static str,
    maze: &'static str,
    max_episode_steps: usize,
    reward: RewardType,
) -> Maze2dSpec {
    Maze2dSpec {
        id,
        maze,
        max_episode_steps,
        reward,
    }
}

use RewardType::{Dense, Sparse};

/// Every maze2d id D4RL registers.
pub const SPECS: &[Maze2dSpec] = &[
    spec("maze2d-open-v0", OPEN_MAZE, 150, Sparse),
    spec("maze2d-umaze-v0", U_MAZE, 150, Sparse),
    spec("maze2d-medium-v0", MEDIUM_MAZE, 250, Sparse),
    spec("maze2d-large-v0", LARGE_MAZE, 600, Sparse),
    spec("maze2d-umaze-v1", U_MAZE, 300, Sparse),
    spec("maze2d-medium-v1", MEDIUM_MAZE, 600, Sparse),
    spec("maze2d-large-v1", LARGE_MAZE, 800, Sparse),
    spec("maze2d-eval-umaze-v1", U_MAZE_EVAL, 300, Sparse),
    spec("maze2d-eval-medium-v1", MEDIUM_MAZE_EVAL, 600, Sparse),
    spec("maze2d-eval-large-v1", LARGE_MAZE_EVAL, 800, Sparse),
    spec("maze2d-open-dense-v0", OPEN_MAZE, 150, Dense),
    spec("maze2d-umaze-dense-v0", U_MAZE, 150, Dense),
    spec("maze2d-medium-dense-v0", MEDIUM_MAZE, 250, Dense),
    spec("maze2d-large-dense-v0", LARGE_MAZE, 600, Dense),
    spec("maze2d-umaze-dense-v1", U_MAZE, 300, Dense),
    spec("maze2d-medium-dense-v1", MEDIUM_MAZE, 600, Dense),
    spec("maze2d-large-dense-v1", LARGE_MAZE, 800, Dense),
    spec("maze2d-eval-umaze-dense-v1", U_MAZE_EVAL, 300, Dense),
    spec("maze2d-eval-medium-dense-v1", MEDIUM_MAZE_EVAL, 600, Dense),
    spec("maze2d-eval-large-dense-v1", LARGE_MAZE_EVAL, 800, Dense),
];

/// Looks up a registered id.
pub fn lookup(env_id: &str) -> Result<&'static Maze2dSpec, EnvError> {
    SPECS
        .iter()
        .find(|s| s.id == env_id)
        .ok_or_else(|| EnvError::UnknownEnv(env_id.to_owned()))
}
