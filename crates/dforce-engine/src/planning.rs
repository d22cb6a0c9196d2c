//! Diffusion Forcing for maze planning (the reference's `df_planning`).
//!
//! A frame is `[obs, action, (reward)]`, normalised; `frame_stack` frames form one token. Token 0
//! is the start observation repeated `frame_stack` times. Training noises every token
//! independently and, for a non-causal model, masks a random suffix to full noise so that the
//! model learns flexible horizons; planning denoises with the pyramid schedule under goal
//! guidance, padding unused tokens as pure noise.

use burn::tensor::{Device, Tensor, TensorData};
use dforce_core::{
    CoreError, Denoiser, Diffusion, LevelGrid, NoiseSource, SchedulingKind, SchedulingMatrix,
    StepLevels, TrapezoidMode,
};
use rand::Rng;

/// How the start observation fills token 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadMode {
    /// All `frame_stack` copies of the start frame (the reference's default, `same`).
    Same,
    /// Only the last copy; the others are zeros (`zero`).
    Zero,
}

/// Shapes and normalisation of the planning bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanningLayout {
    pub obs_dim: usize,
    pub act_dim: usize,
    pub use_reward: bool,
    pub frame_stack: usize,
    /// Tokens the network sees: `episode_len / frame_stack + 1`.
    pub n_tokens: usize,
    pub episode_len: usize,
    /// Per-frame mean and std (`obs ++ action (++ reward)`).
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    pub pad: PadMode,
    pub causal: bool,
}

impl PlanningLayout {
    /// Values per frame.
    pub fn frame_dim(&self) -> usize {
        self.obs_dim + self.act_dim + usize::from(self.use_reward)
    }

    /// Values per token.
    pub fn token_dim(&self) -> usize {
        self.frame_stack * self.frame_dim()
    }
}

/// One training batch in token layout, built on the host by the data workers.
#[derive(Debug, Clone)]
pub struct PlanningBatch {
    pub batch: usize,
    /// `(n_tokens, batch, token_dim)`, row-major.
    pub tokens: Vec<f32>,
    /// `(n_tokens · frame_stack, batch)`: 1 for real frames, 0 after a terminal.
    pub masks: Vec<f32>,
}

/// Raw windows of the offline dataset: `batch` windows of `len` frames.
#[derive(Debug, Clone)]
pub struct RawWindows<'a> {
    pub batch: usize,
    pub len: usize,
    /// `(batch, len, 4)`.
    pub observations: &'a [f32],
    /// `(batch, len, 2)`.
    pub actions: &'a [f32],
    /// `(batch, len)`.
    pub rewards: &'a [f32],
    /// `(batch, len)`.
    pub nonterminals: &'a [bool],
}

impl PlanningLayout {
    /// The reference's `_preprocess_batch`: frame t ≥ 1 is `(o_t, a_{t−1}, r_{t−1})`; token 0
    /// is the padded start observation with zero (= mean) action and reward.
    pub fn preprocess(&self, w: &RawWindows) -> Result<PlanningBatch, CoreError> {
        let (b, n, fs, c) = (w.batch, w.len, self.frame_stack, self.frame_dim());
        if n < 2 || (n - 1) % fs != 0 || (n - 1) / fs + 1 != self.n_tokens {
            return Err(CoreError::Invalid(format!(
                "planning windows must hold episode_len + 1 = {} frames (a multiple of frame_stack {fs} plus one), got {n}",
                (self.n_tokens - 1) * fs + 1
            )));
        }
        let frames = fs + n - 1; // = n_tokens · fs
        let mut seq = vec![0f32; b * frames * c]; // (b, frames, c)
        let norm = |v: f32, j: usize| (v - self.mean[j]) / self.std[j];
        for bi in 0..b {
            let obs = |t: usize, j: usize| w.observations[(bi * n + t) * 4 + j];
            // Token 0: the start observation, `pad` decides which copies stay.
            for f in 0..fs {
                if self.pad == PadMode::Zero && f + 1 < fs {
                    continue;
                }
                let row = &mut seq[(bi * frames + f) * c..][..self.obs_dim];
                for (j, v) in row.iter_mut().enumerate() {
                    *v = norm(obs(0, j), j);
                }
            }
            for t in 1..n {
                let row = &mut seq[(bi * frames + fs + t - 1) * c..][..c];
                for (j, v) in row[..self.obs_dim].iter_mut().enumerate() {
                    *v = norm(obs(t, j), j);
                }
                for j in 0..self.act_dim {
                    row[self.obs_dim + j] =
                        norm(w.actions[(bi * n + t - 1) * 2 + j], self.obs_dim + j);
                }
                if self.use_reward {
                    let j = self.obs_dim + self.act_dim;
                    row[j] = norm(w.rewards[bi * n + t - 1], j);
                }
            }
        }
        // (b, (t fs), c) → (t, b, (fs c))
        let d = fs * c;
        let mut tokens = vec![0f32; self.n_tokens * b * d];
        for bi in 0..b {
            for t in 0..self.n_tokens {
                let src = &seq[(bi * frames + t * fs) * c..][..d];
                tokens[(t * b + bi) * d..][..d].copy_from_slice(src);
            }
        }
        // Masks: ones for the padded start, then the shifted nonterminals, cumulative product.
        let mut masks = vec![0f32; frames * b];
        for bi in 0..b {
            let mut alive = 1.0f32;
            for f in 0..frames {
                let nonterminal = if f < fs {
                    true
                } else {
                    w.nonterminals[bi * n + f - fs]
                };
                alive *= if nonterminal { 1.0 } else { 0.0 };
                masks[f * b + bi] = alive;
            }
        }
        Ok(PlanningBatch {
            batch: b,
            tokens,
            masks,
        })
    }

    /// `(n, B, fs·c)` token-major → `(n·fs, B, c)` frame-major (the reference's unstack).
    pub fn unstack(&self, x: Tensor<3>) -> Tensor<3> {
        let [n, b, _] = x.dims();
        let (fs, c) = (self.frame_stack, self.frame_dim());
        x.reshape([n, b, fs, c])
            .swap_dims(1, 2)
            .reshape([n * fs, b, c])
    }
}

/// Training-time randomness of the planning algorithm (noise levels and terminal masking).
pub struct PlanningTrainingDraw {
    /// Real noise levels `(n_tokens, batch)`.
    pub levels: LevelGrid,
    /// Per-frame loss weights `(n_tokens · fs, batch)`.
    pub weights: Vec<f32>,
}

impl PlanningLayout {
    /// Draws the training noise levels and loss weights for `batch` (see the module docs).
    pub fn training_draw(
        &self,
        batch: &PlanningBatch,
        timesteps: usize,
        rng: &mut impl Rng,
    ) -> PlanningTrainingDraw {
        let (b, n, fs) = (batch.batch, self.n_tokens, self.frame_stack);
        let mut masks = batch.masks.clone();
        let mut weights = masks.clone();
        if !self.causal {
            // Random terminal per sample: tokens t ≥ r are "after the end" (r ∈ [2, n]).
            for bi in 0..b {
                let r = rng.random_range(2..=n);
                for t in r..n {
                    for f in 0..fs {
                        let i = (t * fs + f) * b + bi;
                        weights[i] *= 0.05;
                        masks[i] = 0.0;
                    }
                }
            }
        }
        let mut levels = vec![0i64; n * b];
        for t in 0..n {
            for bi in 0..b {
                let all_masked = (0..fs).all(|f| masks[(t * fs + f) * b + bi] == 0.0);
                levels[t * b + bi] = if all_masked {
                    timesteps as i64 - 1
                } else {
                    rng.random_range(0..timesteps as i64)
                };
            }
        }
        // Half of the batches see a nearly clean start token (one coin per batch, as the reference).
        if rng.random_bool(0.5) {
            for level in levels.iter_mut().take(b) {
                *level = rng.random_range(0..(timesteps / 4).max(1) as i64);
            }
        }
        PlanningTrainingDraw {
            levels: LevelGrid {
                tokens: n,
                batch: b,
                levels,
            },
            weights,
        }
    }
}

/// `mean((loss · weight))` with the loss `(n, B, fs·c)` and per-frame weights `(n·fs, B)`.
pub fn reweight_loss(loss: Tensor<3>, weights: &[f32], fs: usize) -> Tensor<1> {
    let [n, b, d] = loss.dims();
    let c = d / fs;
    // (t fs) b → t b fs 1
    let mut w = vec![0f32; n * b * fs];
    for t in 0..n {
        for f in 0..fs {
            for bi in 0..b {
                w[(t * b + bi) * fs + f] = weights[(t * fs + f) * b + bi];
            }
        }
    }
    let w: Tensor<4> = Tensor::from_data(TensorData::new(w, [n, b, fs, 1]), &loss.device());
    (loss.reshape([n, b, fs, c]) * w).mean()
}

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

    /// Goal guidance for `B` episodes, `start`/`goal` normalised bundles `(B, c)`.
    fn guidance(
        &self,
        start: &[f32],
        goal: &[f32],
        horizon: usize,
        scale: f64,
        batch: GuidanceBatch,
        device: &Device,
    ) -> GoalGuidance {
        let (fs, c, n) = (self.frame_stack, self.frame_dim(), self.n_tokens);
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

impl PlanningLayout {
    /// The layout the reference derives from `algorithm.*` (its `df_planning` constructor).
    pub fn from_config(cfg: &dforce_config::Value) -> Result<Self, crate::SettingsError> {
        use crate::SettingsError;
        let list = |key: &str| -> Result<Vec<f32>, SettingsError> {
            cfg.get_f64_list(key)
                .map(|v| v.into_iter().map(|x| x as f32).collect())
                .map_err(|e| SettingsError::Missing {
                    key: key.into(),
                    hint: e.to_string(),
                })
        };
        let int = |key: &str| -> Result<i64, SettingsError> {
            cfg.get_i64(key).map_err(|e| SettingsError::Missing {
                key: key.into(),
                hint: e.to_string(),
            })
        };
        let (obs_mean, obs_std) = (
            list("algorithm.observation_mean")?,
            list("algorithm.observation_std")?,
        );
        let (act_mean, act_std) = (
            list("algorithm.action_mean")?,
            list("algorithm.action_std")?,
        );
        for (m, s, what) in [
            (&obs_mean, &obs_std, "observation"),
            (&act_mean, &act_std, "action"),
        ] {
            if m.len() != s.len() {
                return Err(SettingsError::Range {
                    key: format!("algorithm.{what}_std"),
                    got: format!("{} entries", s.len()),
                    reason: format!(
                        "it must have as many entries as algorithm.{what}_mean ({})",
                        m.len()
                    ),
                });
            }
        }
        if obs_mean.is_empty()
            || obs_mean.len() > 4
            || obs_mean.len() % 2 != 0
            || act_mean.len() > 2
        {
            return Err(SettingsError::Range {
                key: "algorithm.observation_mean".into(),
                got: format!("{} observation and {} action entries", obs_mean.len(), act_mean.len()),
                reason: "maze2d observations are [x, y] or [x, y, vx, vy] and actions have 0 or 2 entries".into(),
            });
        }
        let use_reward = cfg.get_bool("algorithm.use_reward").unwrap_or(false);
        let fs = int("algorithm.frame_stack")?.max(1) as usize;
        let episode_len = int("algorithm.episode_len")?.max(1) as usize;
        if !episode_len.is_multiple_of(fs) {
            return Err(SettingsError::Range {
                key: "algorithm.episode_len".into(),
                got: episode_len.to_string(),
                reason: format!("it must be a multiple of algorithm.frame_stack ({fs})"),
            });
        }
        let mut mean = [obs_mean, act_mean].concat();
        let mut std = [obs_std, act_std].concat();
        if use_reward {
            mean.push(cfg.get_f64("algorithm.reward_mean").unwrap_or(0.0) as f32);
            std.push(cfg.get_f64("algorithm.reward_std").unwrap_or(1.0) as f32);
        }
        if let Some(i) = std.iter().position(|&s| s.is_nan() || s <= 0.0) {
            return Err(SettingsError::Range {
                key: "algorithm.*_std".into(),
                got: format!("entry {i} = {}", std[i]),
                reason: "every std must be > 0".into(),
            });
        }
        let pad = match cfg.get_str("algorithm.padding_mode").unwrap_or("same") {
            "same" => PadMode::Same,
            "zero" => PadMode::Zero,
            other => {
                return Err(SettingsError::Choice {
                    key: "algorithm.padding_mode".into(),
                    got: other.into(),
                    choices: "same, zero".into(),
                    hint: String::new(),
                });
            }
        };
        let obs_dim = cfg
            .get_list("algorithm.observation_mean")
            .map(|l| l.len())
            .unwrap_or(0);
        let act_dim = cfg
            .get_list("algorithm.action_mean")
            .map(|l| l.len())
            .unwrap_or(0);
        Ok(Self {
            obs_dim,
            act_dim,
            use_reward,
            frame_stack: fs,
            n_tokens: episode_len / fs + 1,
            episode_len,
            mean,
            std,
            pad,
            causal: cfg.get_bool("algorithm.causal").unwrap_or(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let g = l.guidance(&start, &goal, 4, 2.0, batch, &device);
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
