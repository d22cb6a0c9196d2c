//! Goal guidance (spec §4.2.6): the objective whose gradient steers a plan to the goal, and
//! how it is shared across the episodes planned together.

use burn::tensor::Tensor;

/// The reference's goal guidance (§4.2.6): pull the plan's positions to the goal, the start
/// frames to the start, and velocities/actions towards the dataset mean.
#[derive(Debug, Clone)]
pub struct GoalGuidance {
    pub scale: f64,
    /// How the objective is shared across the batch (see [`GuidanceBatch`]).
    pub batch: GuidanceBatch,
    /// `(n·fs, B, c)` targets: start bundle for the first fs frames, goal bundle after.
    pub target: Tensor<3>,
    /// `(n·fs, 1, G)` weights per frame and distance group.
    pub weights: Tensor<3>,
    pub obs_dim: usize,
    pub act_dim: usize,
}

impl GoalGuidance {
    /// `scale · (−1000 · mean(dist · w)) · B / divisor` for a predicted window `x0_frames`
    /// `(n·fs, B, c)`; the divisor is B in the reference's form (a plain mean) and
    /// [`GUIDANCE_REFERENCE_BATCH`] in the batch-independent one.
    pub fn objective(&self, x0_frames: Tensor<3>) -> Tensor<1> {
        let [nf, b, _] = x0_frames.dims();
        let dist = (x0_frames - self.target.clone()).square();
        let mut groups = Vec::new();
        for g in 0..self.obs_dim / 2 {
            let pair = dist
                .clone()
                .slice_dim(2, 2 * g..2 * g + 2)
                .sum_dim(2)
                .sqrt();
            groups.push((pair / 2.0).tanh());
        }
        if self.act_dim > 0 {
            groups.push(
                dist.slice_dim(2, self.obs_dim..self.obs_dim + self.act_dim)
                    .sum_dim(2)
                    .sqrt(),
            );
        } else {
            groups.push(Tensor::zeros([nf, b, 1], &self.target.device()));
        }
        let d = Tensor::cat(groups, 2);
        // `b / b` is exactly 1, so the reference form stays bit-identical to its plain mean.
        let share = b as f64 / self.batch.divisor(b) as f64;
        (d * self.weights.clone()).mean() * (-1000.0 * self.scale * share)
    }
}

/// The batch the reference's evaluation plans at once (`validation.batch_size`); the official
/// guidance scales (3 for medium, 2 for large) were tuned there.
pub const GUIDANCE_REFERENCE_BATCH: usize = 128;

/// How goal guidance treats the episodes planned together.
///
/// The reference averages its objective over the batch, so the gradient each episode gets is
/// divided by B: planning 16 episodes guides each one 8× harder than planning 128, and results
/// depend on how many episodes run together. dforce's default gives every episode the push it
/// gets in the reference's 128-episode evaluation, whatever B is, so a `guidance_scale` means
/// the same at any batch size and equals the reference's at B = 128.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GuidanceBatch {
    /// Each episode is guided as in a batch of [`GUIDANCE_REFERENCE_BATCH`] (default).
    #[default]
    PerEpisode,
    /// The reference's mean over the actual batch
    /// (`algorithm.reference_compat.guidance_batch_mean=true`).
    ReferenceBatchMean,
}

impl GuidanceBatch {
    fn divisor(self, b: usize) -> usize {
        match self {
            GuidanceBatch::PerEpisode => GUIDANCE_REFERENCE_BATCH,
            GuidanceBatch::ReferenceBatchMean => b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planning::{PadMode, PlanningLayout};
    use burn::tensor::{Device, TensorData};

    fn layout() -> PlanningLayout {
        PlanningLayout {
            obs_dim: 4,
            act_dim: 2,
            use_reward: false,
            frame_stack: 2,
            n_tokens: 4,
            episode_len: 6,
            mean: vec![0.0; 6],
            std: vec![1.0; 6],
            pad: PadMode::Same,
            causal: false,
        }
    }

    /// `(nf, b, c)` predictions whose episodes differ (episode e is shifted by 0.1·e).
    fn prediction(nf: usize, b: usize, c: usize) -> Vec<f32> {
        let mut v = vec![0f32; nf * b * c];
        for f in 0..nf {
            for e in 0..b {
                for j in 0..c {
                    v[(f * b + e) * c + j] = 0.3 * f as f32 - 0.2 * j as f32 + 0.1 * e as f32;
                }
            }
        }
        v
    }

    fn objective_and_grad(batch: GuidanceBatch, b: usize) -> (f32, Vec<f32>) {
        let device = Device::default();
        let l = layout();
        let (nf, c) = (l.n_tokens * l.frame_stack, l.frame_dim());
        let start: Vec<f32> = (0..b)
            .flat_map(|_| [1.0, 2.0, 0.0, 0.0, 0.0, 0.0])
            .collect();
        let goal: Vec<f32> = (0..b)
            .flat_map(|_| [3.0, -1.0, 0.0, 0.0, 0.0, 0.0])
            .collect();
        let g = l.guidance(&start, &goal, 4, l.n_tokens, 2.0, batch, &device);
        let x: Tensor<3> =
            Tensor::from_data(TensorData::new(prediction(nf, b, c), [nf, b, c]), &device)
                .autodiff()
                .require_grad();
        let value = g.objective(x.clone());
        let grads = value.backward();
        let grad = x
            .grad(&grads)
            .unwrap()
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        (value.into_scalar::<f32>(), grad)
    }

    #[test]
    fn guidance_weights_follow_the_reference() {
        let l = layout();
        let g = l.guidance(
            &[0.0; 6],
            &[0.0; 6],
            3,
            l.n_tokens,
            1.0,
            GuidanceBatch::default(),
            &Device::default(),
        );
        let w = g.weights.into_data().try_into_vec::<f32>().unwrap();
        // 8 frames × 3 columns (position, velocity, action); horizon 3 after 2 init frames.
        let expected = [
            20., 2., 2., 20., 2., 2., // init frames
            1., 8., 8., 1., 8., 8., 1., 8., 8., // the horizon
            0., 8., 8., 0., 8., 8., 0., 8., 8., // padded frames: only position is unguided
        ];
        assert_eq!(w, expected);
    }

    /// A causal model plans an unpadded window (`1 + ⌈horizon/fs⌉` tokens): the target and
    /// weights cover that window, as the reference's `goal_guidance` sizes them from
    /// `pred.shape[0]` (they covered `n_tokens` and the objective panicked on the shapes).
    #[test]
    fn guidance_covers_the_window_it_is_given() {
        let l = layout();
        let g = l.guidance(
            &[0.0; 6],
            &[0.0; 6],
            3,
            3,
            1.0,
            GuidanceBatch::default(),
            &Device::default(),
        );
        assert_eq!(g.target.dims(), [6, 1, 6]);
        let w = g.weights.clone().into_data().try_into_vec::<f32>().unwrap();
        // 6 frames: 2 init frames, the horizon of 3, one frame of horizon % fs padding.
        let expected = [
            20., 2., 2., 20., 2., 2., 1., 8., 8., 1., 8., 8., 1., 8., 8., 0., 8., 8.,
        ];
        assert_eq!(w, expected);
        let x: Tensor<3> = Tensor::zeros([6, 1, 6], &Device::default());
        assert!(g.objective(x).into_scalar::<f32>().is_finite());
    }

    #[test]
    fn reference_guidance_is_the_batch_mean_and_per_episode_is_batch_independent() {
        // The reference form at B = 1 and B = 8: each episode's gradient shrinks 8×.
        let (_, g1) = objective_and_grad(GuidanceBatch::ReferenceBatchMean, 1);
        let (_, g8) = objective_and_grad(GuidanceBatch::ReferenceBatchMean, 8);
        let (nf, c) = (8, 6);
        let episode0 = |g: &[f32], b: usize| -> Vec<f32> {
            (0..nf).flat_map(|f| g[f * b * c..][..c].to_vec()).collect()
        };
        let r1 = episode0(&g1, 1);
        let r8 = episode0(&g8, 8);
        assert!(r1.iter().any(|v| v.abs() > 1e-3));
        for (a, b) in r1.iter().zip(&r8) {
            assert!(
                (a / 8.0 - b).abs() <= 1e-5 * a.abs().max(1.0),
                "{a} / 8 vs {b}"
            );
        }
        // Per-episode: episode 0's gradient is the same at B = 1 and B = 8, and equals the
        // reference's at B = 128.
        let (_, p1) = objective_and_grad(GuidanceBatch::PerEpisode, 1);
        let (_, p8) = objective_and_grad(GuidanceBatch::PerEpisode, 8);
        let (_, r128) = objective_and_grad(GuidanceBatch::ReferenceBatchMean, 128);
        let (p1, p8, r128) = (episode0(&p1, 1), episode0(&p8, 8), episode0(&r128, 128));
        for ((a, b), r) in p1.iter().zip(&p8).zip(&r128) {
            assert!((a - b).abs() <= 1e-6 * a.abs().max(1.0), "{a} vs {b}");
            assert!((a - r).abs() <= 1e-5 * a.abs().max(1.0), "{a} vs {r}");
        }
    }

    #[test]
    fn reference_guidance_value_matches_the_spec_formula() {
        // L = s · (−1000 · mean over frames × batch × G of dist · w), computed by hand in f64.
        let b = 2;
        let (value, _) = objective_and_grad(GuidanceBatch::ReferenceBatchMean, b);
        let l = layout();
        let (nf, c, fs) = (8, 6, 2);
        let x = prediction(nf, b, c);
        let g = l.guidance(
            &[1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0],
            &[3.0, -1.0, 0.0, 0.0, 0.0, 0.0, 3.0, -1.0, 0.0, 0.0, 0.0, 0.0],
            4,
            l.n_tokens,
            2.0,
            GuidanceBatch::ReferenceBatchMean,
            &Device::default(),
        );
        let w = g.weights.into_data().try_into_vec::<f32>().unwrap();
        let mut total = 0f64;
        for f in 0..nf {
            let target: [f64; 6] = if f < fs {
                [1.0, 2.0, 0.0, 0.0, 0.0, 0.0]
            } else {
                [3.0, -1.0, 0.0, 0.0, 0.0, 0.0]
            };
            for e in 0..b {
                let d = |j: usize| (x[(f * b + e) * c + j] as f64 - target[j]).powi(2);
                let cols = [
                    ((d(0) + d(1)).sqrt() / 2.0).tanh(),
                    ((d(2) + d(3)).sqrt() / 2.0).tanh(),
                    (d(4) + d(5)).sqrt(),
                ];
                for (k, col) in cols.iter().enumerate() {
                    total += col * w[f * 3 + k] as f64;
                }
            }
        }
        let expected = 2.0 * -1000.0 * total / (nf * b * 3) as f64;
        assert!(
            (value as f64 - expected).abs() <= 1e-5 * expected.abs(),
            "{value} vs {expected}"
        );
    }
}
