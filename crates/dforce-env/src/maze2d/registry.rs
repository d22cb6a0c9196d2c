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

impl Maze2dSpec {
    /// The file name of D4RL's dataset for this id, as the last part of its `dataset_url`
    /// (`d4rl/pointmaze/__init__.py`, `d4rl/infos.py` `DATASET_URLS`): the id without its
    /// version, `-sparse` added unless it is a dense id, then `-v1` for the `-v1` ids (the `-v0`
    /// files carry no version). `maze2d-medium-v1` → `maze2d-medium-sparse-v1.hdf5`,
    /// `maze2d-umaze-dense-v1` → `maze2d-umaze-dense-v1.hdf5`, `maze2d-open-v0` →
    /// `maze2d-open-sparse.hdf5`, `maze2d-umaze-dense-v0` → `maze2d-umaze-dense.hdf5`.
    pub fn d4rl_file_name(&self) -> String {
        let (stem, version) = self.id.rsplit_once("-v").unwrap_or((self.id, "0"));
        let reward = match self.reward {
            RewardType::Sparse => "-sparse",
            RewardType::Dense => "",
        };
        if version == "0" {
            format!("{stem}{reward}.hdf5")
        } else {
            format!("{stem}{reward}-v{version}.hdf5")
        }
    }
}

/// D4RL's dataset file name for a registered id ([`Maze2dSpec::d4rl_file_name`]).
///
/// # Errors
/// [`EnvError::UnknownEnv`] (listing the registered ids).
pub fn d4rl_file_name(env_id: &str) -> Result<String, EnvError> {
    lookup(env_id).map(Maze2dSpec::d4rl_file_name)
}

/// Looks up a registered id.
pub fn lookup(env_id: &str) -> Result<&'static Maze2dSpec, EnvError> {
    SPECS
        .iter()
        .find(|s| s.id == env_id)
        .ok_or_else(|| EnvError::UnknownEnv(env_id.to_owned()))
}
