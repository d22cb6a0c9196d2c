//! An offline maze2d dataset in D4RL's layout: one continuous stream of steps with float32
//! arrays, exactly the keys of D4RL's `maze2d-*-v1` HDF5 files.

use crate::maze2d::RewardType;

/// D4RL's maze2d arrays. Row `k` of every field describes the same step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// `observations` N×4: `[x, y, vx, vy]` fed to the controller (stale after a `done` step,
    /// as in D4RL's script).
    pub observations: Vec<[f32; 4]>,
    /// `actions` N×2, clipped to [−1, 1].
    pub actions: Vec<[f32; 2]>,
    /// `rewards` N: relabelled against the maze's fixed goal, sparse or dense as the env id
    /// registers (see [`Dataset::relabel_rewards`]).
    pub rewards: Vec<f32>,
    /// `terminals` N: the controller's "target reached" flag or the episode-length cut.
    pub terminals: Vec<bool>,
    /// `timeouts` N: all false in D4RL's maze2d files (the cuts are in `terminals`).
    pub timeouts: Vec<bool>,
    /// `infos/goal` N×2: the controller's current target.
    pub goals: Vec<[f32; 2]>,
    /// `infos/qpos` N×2: the simulator's qpos when the step was recorded.
    pub qpos: Vec<[f32; 2]>,
    /// `infos/qvel` N×2: the simulator's qvel when the step was recorded.
    pub qvel: Vec<[f32; 2]>,
}

impl Dataset {
    /// An empty dataset with room for `n` steps.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            observations: Vec::with_capacity(n),
            actions: Vec::with_capacity(n),
            rewards: Vec::with_capacity(n),
            terminals: Vec::with_capacity(n),
            timeouts: Vec::with_capacity(n),
            goals: Vec::with_capacity(n),
            qpos: Vec::with_capacity(n),
            qvel: Vec::with_capacity(n),
        }
    }

    /// Number of steps.
    pub fn len(&self) -> usize {
        self.observations.len()
    }

    /// Whether there are no steps.
    pub fn is_empty(&self) -> bool {
        self.observations.is_empty()
    }

    /// Checks that every field has the same length; returns the offending field otherwise.
    pub fn check_lengths(&self) -> Result<usize, String> {
        let n = self.observations.len();
        let lens = [
            ("actions", self.actions.len()),
            ("rewards", self.rewards.len()),
            ("terminals", self.terminals.len()),
            ("timeouts", self.timeouts.len()),
            ("infos/goal", self.goals.len()),
            ("infos/qpos", self.qpos.len()),
            ("infos/qvel", self.qvel.len()),
        ];
        for (name, len) in lens {
            if len != n {
                return Err(format!("{name} has {len} rows, observations has {n}"));
            }
        }
        Ok(n)
    }

    /// Sets `rewards` as D4RL's `scripts/relabel_maze2d_rewards.py` does for the env's reward
    /// type: [`Dataset::relabel_sparse_rewards`] or [`Dataset::relabel_dense_rewards`].
    pub fn relabel_rewards(&mut self, goal: [f64; 2], reward: RewardType) {
        match reward {
            RewardType::Sparse => self.relabel_sparse_rewards(goal),
            RewardType::Dense => self.relabel_dense_rewards(goal),
        }
    }

    /// Sets `rewards` to D4RL's dense relabelling (`relabel_maze2d_rewards.py
    /// --relabel_type dense`): `exp(−‖obs[:2] − goal‖)`.
    ///
    /// The position is the row's own `observations[:, :2]`, i.e. the state the action was
    /// chosen in (before the step), not the state after it: D4RL's generation script stores
    /// reward 0 and the pre-step `s`, and the relabel script reads `rdataset['observations']`.
    /// As in numpy (float32 observations minus the float64 target), the distance and `exp` are
    /// computed in float64; the script stores that float64 array, dforce rounds it to float32
    /// like every other array of the file.
    pub fn relabel_dense_rewards(&mut self, goal: [f64; 2]) {
        self.rewards.clear();
        self.rewards.extend(self.observations.iter().map(|o| {
            let dx = f64::from(o[0]) - goal[0];
            let dy = f64::from(o[1]) - goal[1];
            (-(dx * dx + dy * dy).sqrt()).exp() as f32
        }));
    }

    /// Sets `rewards` to D4RL's sparse relabelling (`relabel_maze2d_rewards.py`):
    /// `1` where `‖obs[:2] − goal‖ ≤ 0.5`, computed on the stored float32 positions.
    pub fn relabel_sparse_rewards(&mut self, goal: [f64; 2]) {
        self.rewards.clear();
        self.rewards.extend(self.observations.iter().map(|o| {
            let dx = f64::from(o[0]) - goal[0];
            let dy = f64::from(o[1]) - goal[1];
            if (dx * dx + dy * dy).sqrt() <= 0.5 {
                1.0
            } else {
                0.0
            }
        }));
    }
}
