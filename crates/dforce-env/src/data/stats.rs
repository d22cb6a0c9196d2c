//! Per-dimension dataset statistics (numpy's `mean`/`std`, population variance) and the values
//! of the real D4RL `-v1` datasets that Diffusion Forcing normalises with, for comparison.

use super::dataset::Dataset;

/// Mean and standard deviation of the fields DF normalises.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DatasetStats {
    /// Observation mean.
    pub obs_mean: [f64; 4],
    /// Observation standard deviation.
    pub obs_std: [f64; 4],
    /// Action mean.
    pub act_mean: [f64; 2],
    /// Action standard deviation.
    pub act_std: [f64; 2],
    /// Reward mean.
    pub reward_mean: f64,
    /// Reward standard deviation.
    pub reward_std: f64,
}

/// Mean and std over rows of a fixed-width table, accumulated in f64 (two passes for accuracy).
fn mean_std<const C: usize>(rows: &[[f32; C]]) -> ([f64; C], [f64; C]) {
    let n = rows.len().max(1) as f64;
    let mut mean = [0.0; C];
    for r in rows {
        for c in 0..C {
            mean[c] += f64::from(r[c]);
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = [0.0; C];
    for r in rows {
        for c in 0..C {
            let d = f64::from(r[c]) - mean[c];
            var[c] += d * d;
        }
    }
    (mean, var.map(|v| (v / n).sqrt()))
}

impl DatasetStats {
    /// Computes the statistics of `data`.
    pub fn of(data: &Dataset) -> Self {
        let (obs_mean, obs_std) = mean_std(&data.observations);
        let (act_mean, act_std) = mean_std(&data.actions);
        let rewards: Vec<[f32; 1]> = data.rewards.iter().map(|&r| [r]).collect();
        let (rm, rs) = mean_std(&rewards);
        Self {
            obs_mean,
            obs_std,
            act_mean,
            act_std,
            reward_mean: rm[0],
            reward_std: rs[0],
        }
    }
}

/// Statistics of the real D4RL datasets (DF's `configurations/dataset/maze2d_*.yaml`), by env
/// id; `None` for ids DF has no config for.
pub fn d4rl_reference_stats(env_id: &str) -> Option<DatasetStats> {
    Some(match env_id {
        "maze2d-umaze-v1" => DatasetStats {
            obs_mean: [1.9327888, 2.3744664, 2.0562936e-4, -1.0198415e-3],
            obs_std: [0.89972174, 0.7093159, 2.2128615, 2.468173],
            act_mean: [0.00153824, 0.00433588],
            act_std: [0.7043469, 0.7506248],
            reward_mean: 0.081254,
            reward_std: 0.27322477,
        },
        "maze2d-medium-v1" => DatasetStats {
            obs_mean: [3.5092521, 3.4765592, 4.1014933e-5, 3.8480070e-5],
            obs_std: [1.3371079, 1.52102, 2.3407657, 2.3693702],
            act_mean: [0.00123821, 0.00124745],
            act_std: [0.73977315, 0.7459419],
            reward_mean: 0.0236665,
            reward_std: 0.15200786,
        },
        "maze2d-large-v1" => DatasetStats {
            obs_mean: [3.7296331, 5.3047247, 4.7289828e-5, 2.9168357e-5],
            obs_std: [1.8070312, 2.5687592, 2.4368455, 2.6493697],
            act_mean: [0.00100675, 0.00078245],
            act_std: [0.72493, 0.7394606],
            reward_mean: 0.0089225,
            reward_std: 0.09403666,
        },
        _ => return None,
    })
}
