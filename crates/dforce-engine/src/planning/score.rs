//! Episode bookkeeping and metrics: returns, first reach, success, D4RL-normalised scores.

use std::collections::BTreeMap;

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
    /// 0-based index of the first step that ended within [`GOAL_RADIUS`](super::closed_loop::GOAL_RADIUS) of the goal.
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
}
