//! The reference's maze2d training set: every window of `episode_len + 1` consecutive steps of
//! the D4RL stream (no episode segmentation, no split; the last step of a window is marked
//! terminal).

use crate::planning::{PlanningBatch, PlanningLayout, RawWindows};

/// The D4RL arrays the planner trains on.
#[derive(Debug, Clone, Default)]
pub struct OfflineSteps {
    pub observations: Vec<[f32; 4]>,
    pub actions: Vec<[f32; 2]>,
    pub rewards: Vec<f32>,
}

/// Windows of `window` steps over [`OfflineSteps`].
#[derive(Debug, Clone)]
pub struct Maze2dWindows {
    pub steps: OfflineSteps,
    pub window: usize,
}

impl Maze2dWindows {
    /// Number of windows (`N − window + 1`), zero if the stream is shorter than one window.
    pub fn len(&self) -> usize {
        (self.steps.observations.len() + 1).saturating_sub(self.window)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The planning batch of the windows starting at `starts`.
    pub fn batch(
        &self,
        layout: &PlanningLayout,
        starts: &[usize],
    ) -> Result<PlanningBatch, dforce_core::CoreError> {
        let (b, n) = (starts.len(), self.window);
        let mut obs = Vec::with_capacity(b * n * 4);
        let mut act = Vec::with_capacity(b * n * 2);
        let mut rew = Vec::with_capacity(b * n);
        let mut nonterminal = Vec::with_capacity(b * n);
        for &s in starts {
            for t in s..s + n {
                obs.extend_from_slice(&self.steps.observations[t]);
                act.extend_from_slice(&self.steps.actions[t]);
                rew.push(self.steps.rewards[t]);
                nonterminal.push(t + 1 < s + n);
            }
        }
        layout.preprocess(&RawWindows {
            batch: b,
            len: n,
            observations: &obs,
            actions: &act,
            rewards: &rew,
            nonterminals: &nonterminal,
        })
    }
}
