//! Planning: the scheduling matrix denoised under goal guidance (the reference's `plan`).

use burn::tensor::{Device, Tensor, TensorData};
use dforce_core::{
    CoreError, Denoiser, Diffusion, LevelGrid, NoiseSource, SchedulingKind, SchedulingMatrix,
    StepLevels, TrapezoidMode,
};

use super::guidance::{GoalGuidance, GuidanceBatch};
use super::layout::{PadMode, PlanningLayout};

/// What to plan: raw `(B, obs_dim)` start and goal observations, and the horizon in frames.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanRequest<'a> {
    pub start: &'a [f32],
    pub goal: &'a [f32],
    pub horizon: usize,
    /// The scheduling matrix of the plan (`algorithm.scheduling_matrix`; pyramid by default).
    pub scheduling: SchedulingKind,
    pub trapezoid: TrapezoidMode,
    pub uncertainty_scale: f64,
    pub guidance_scale: f64,
    pub guidance_batch: GuidanceBatch,
}

impl PlanningLayout {
    /// A normalised frame `[obs, 0, 0]` for each of `B` observations `(B, obs_dim)` (raw units).
    fn bundle(&self, obs: &[f32], b: usize) -> Vec<f32> {
        let c = self.frame_dim();
        let mut out = vec![0f32; b * c];
        for bi in 0..b {
            for j in 0..self.obs_dim {
                out[bi * c + j] = (obs[bi * self.obs_dim + j] - self.mean[j]) / self.std[j];
            }
        }
        out
    }

    /// Goal guidance for `B` episodes, `start`/`goal` normalised bundles `(B, c)`, over a
    /// window of `window_tokens` tokens: the model's `n_tokens` when the plan is padded to it,
    /// `1 + ⌈horizon/fs⌉` for a causal model, which the reference does not pad (its
    /// `goal_guidance` sizes the target from the window it is given, `pred.shape[0]`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn guidance(
        &self,
        start: &[f32],
        goal: &[f32],
        horizon: usize,
        window_tokens: usize,
        scale: f64,
        batch: GuidanceBatch,
        device: &Device,
    ) -> GoalGuidance {
        let (fs, c, n) = (self.frame_stack, self.frame_dim(), window_tokens);
        let b = start.len() / c;
        let nf = n * fs;
        let mut target = vec![0f32; nf * b * c];
        for f in 0..nf {
            let src = if f < fs { start } else { goal };
            target[f * b * c..][..b * c].copy_from_slice(src);
        }
        let groups = self.obs_dim / 2 + 1;
        let h_pad = nf - fs;
        let mut w = vec![0f32; nf * groups];
        for f in 0..nf {
            let base = if f < fs {
                20.0
            } else if f - fs < horizon.min(h_pad) {
                1.0
            } else {
                0.0
            };
            w[f * groups] = base;
            // The reference overwrites velocity and action columns for every frame, padded ones
            // included (kept for parity).
            for g in 1..groups {
                w[f * groups + g] = if f < fs { 2.0 } else { 8.0 };
            }
        }
        GoalGuidance {
            scale,
            batch,
            target: Tensor::from_data(TensorData::new(target, [nf, b, c]), device),
            weights: Tensor::from_data(TensorData::new(w, [nf, 1, groups]), device),
            obs_dim: self.obs_dim,
            act_dim: self.act_dim,
        }
    }

    /// Plans `request.horizon` frames from its start to its goal with the pyramid schedule.
    /// Returns the final plan `(horizon, B, frame_dim)` in normalised units.
    pub fn plan<M: Denoiser<3>>(
        &self,
        diffusion: &Diffusion,
        model: &M,
        request: PlanRequest<'_>,
        noise: &mut impl NoiseSource,
        device: &Device,
    ) -> Result<Tensor<3>, CoreError> {
        let PlanRequest {
            start,
            goal,
            horizon,
            ..
        } = request;
        let options = request;
        let (fs, c, n) = (self.frame_stack, self.frame_dim(), self.n_tokens);
        let b = start.len() / self.obs_dim;
        let d = fs * c;
        let plan_tokens = horizon.div_ceil(fs);
        if plan_tokens + 1 > n {
            return Err(CoreError::Invalid(format!(
                "a horizon of {horizon} frames needs {} tokens, the model sees {n}",
                plan_tokens + 1
            )));
        }
        let pad_tokens = if self.causal { 0 } else { n - plan_tokens - 1 };
        let s = diffusion.config.sampling_timesteps;
        let sched = SchedulingMatrix::build(
            options.scheduling,
            plan_tokens,
            s,
            options.uncertainty_scale,
            options.trapezoid,
        )?;
        let start_b = self.bundle(start, b);
        let goal_b = self.bundle(goal, b);
        // Token 0 = the start frame repeated fs times; then noise; then zero padding (level S).
        let mut init = vec![0f32; b * d];
        for bi in 0..b {
            for f in 0..fs {
                if self.pad == PadMode::Zero && f + 1 < fs {
                    continue;
                }
                init[bi * d + f * c..][..c].copy_from_slice(&start_b[bi * c..][..c]);
            }
        }
        let init: Tensor<3> = Tensor::from_data(TensorData::new(init, [1, b, d]), device);
        let chunk = diffusion.clamped_noise(noise, [plan_tokens, b, d], device)?;
        let mut parts = vec![init, chunk];
        if pad_tokens > 0 {
            parts.push(Tensor::zeros([pad_tokens, b, d], device));
        }
        let mut plan = Tensor::cat(parts, 0);
        let guide = (options.guidance_scale != 0.0).then(|| {
            self.guidance(
                &start_b,
                &goal_b,
                horizon,
                1 + plan_tokens + pad_tokens,
                options.guidance_scale,
                options.guidance_batch,
                device,
            )
        });
        let objective = guide
            .as_ref()
            .map(|g| move |x0: Tensor<3>| g.objective(self.unstack(x0)));
        let levels_of = |row: &[i64]| {
            let mut per_token = vec![0i64];
            per_token.extend_from_slice(row);
            per_token.extend(std::iter::repeat_n(s as i64, pad_tokens));
            LevelGrid::from_token_levels(&per_token, b)
        };
        for m in 0..sched.rows - 1 {
            let (from, to) = (levels_of(sched.row(m)), levels_of(sched.row(m + 1)));
            if from == to {
                continue; // a row that moves no token changes nothing
            }
            let guidance = objective
                .as_ref()
                .map(|f| f as &dyn Fn(Tensor<3>) -> Tensor<1>);
            let stepped = diffusion.sample_step(
                model,
                plan.clone(),
                None,
                StepLevels {
                    from: &from,
                    to: &to,
                },
                guidance,
                noise,
            )?;
            // Only the plan tokens are written back; start and padding stay as they were.
            plan = plan.slice_assign(
                [1..1 + plan_tokens, 0..b, 0..d],
                stepped.slice([1..1 + plan_tokens, 0..b, 0..d]),
            );
        }
        let frames = self.unstack(plan.slice([1..1 + plan_tokens, 0..b, 0..d]));
        Ok(frames.slice([0..horizon, 0..b, 0..c]))
    }

    /// Undoes the normalisation of frames `(…, c)`.
    pub fn unnormalize(&self, x: Tensor<3>) -> Tensor<3> {
        let c = self.frame_dim();
        let device = x.device();
        let mean: Tensor<3> =
            Tensor::from_data(TensorData::new(self.mean.clone(), [1, 1, c]), &device);
        let std: Tensor<3> =
            Tensor::from_data(TensorData::new(self.std.clone(), [1, 1, c]), &device);
        x * std + mean
    }
}
