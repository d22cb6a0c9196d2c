//! The video layout: frames ↔ tokens, normalisation, training levels and the rollout.

use burn::tensor::{Device, Int, Tensor, TensorData};
use dforce_core::{
    CoreError, Denoiser, Diffusion, FrozenPrefix, LevelGrid, NoiseSource, SchedulingKind,
    SchedulingMatrix, StepLevels, TrapezoidMode, WithFrozenPrefix,
};
use rand::Rng;

use super::frame_stats::{self, FrameStat};

/// Shapes, normalisation and sampling settings of the video algorithm.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoLayout {
    /// Channels of one raw frame.
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub frame_stack: usize,
    /// Tokens the network sees at once (training clip length / frame_stack): the sliding window.
    pub n_tokens: usize,
    /// Raw frames of ground-truth context at sampling.
    pub context_frames: usize,
    /// Tokens generated together; ≤ 0 means all remaining.
    pub chunk_size: i64,
    pub scheduling: SchedulingKind,
    pub uncertainty_scale: f64,
    pub trapezoid: TrapezoidMode,
    /// `algorithm.data_mean`, broadcast against a frame ([`FrameStat`]).
    pub mean: FrameStat,
    /// `algorithm.data_std`, broadcast against a frame.
    pub std: FrameStat,
    /// External condition per raw frame (`external_cond_dim`, e.g. 3 one-hot DMLab actions);
    /// 0 for an unconditioned model like the reference's.
    pub cond_dim: usize,
    /// Context caching (`algorithm.context_cache`): a truly causal network computes the
    /// window's clean context once per chunk instead of at every denoising step (see
    /// `dforce_core::prefix`). Networks that are not truly causal always run the whole window.
    pub context_cache: bool,
}

/// A batch of clips: `(B, T, C, H, W)` in `[0, 1]`, row-major, and for conditioned models
/// the per-frame condition `(B, T, cond_dim)` (empty when the model has none).
#[derive(Debug, Clone)]
pub struct VideoBatch {
    pub batch: usize,
    pub frames: usize,
    pub pixels: Vec<f32>,
    pub cond: Vec<f32>,
}

impl VideoLayout {
    pub fn token_channels(&self) -> usize {
        self.frame_stack * self.channels
    }

    /// `(B, T, C, H, W)` in `[0, 1]` → normalised tokens `(T/fs, B, fs·C, H, W)`.
    pub fn tokens(&self, batch: &VideoBatch, device: &Device) -> Result<Tensor<5>, CoreError> {
        let (b, t, c, h, w, fs) = (
            batch.batch,
            batch.frames,
            self.channels,
            self.height,
            self.width,
            self.frame_stack,
        );
        if !t.is_multiple_of(fs) {
            return Err(CoreError::Invalid(format!(
                "{t} frames are not a multiple of frame_stack {fs}"
            )));
        }
        if batch.pixels.len() != b * t * c * h * w {
            return Err(CoreError::Invalid(format!(
                "a batch of {b}×{t} frames of {c}×{h}×{w} needs {} values, got {}",
                b * t * c * h * w,
                batch.pixels.len()
            )));
        }
        let x: Tensor<5> = Tensor::from_data(
            TensorData::new(batch.pixels.clone(), [b, t, c, h, w]),
            device,
        );
        let x = frame_stats::normalize(x, &self.mean, &self.std);
        // b (n fs) c h w → n b (fs c) h w
        Ok(x.reshape([b, t / fs, fs * c, h, w]).swap_dims(0, 1))
    }

    /// The condition of a batch as the network takes it, `(T/fs, B, fs·cond_dim)` (the
    /// reference's `b (n fs) d → n b (fs d)`); `None` for an unconditioned model.
    pub fn conditions(
        &self,
        batch: &VideoBatch,
        device: &Device,
    ) -> Result<Option<Tensor<3>>, CoreError> {
        let (b, t, d, fs) = (batch.batch, batch.frames, self.cond_dim, self.frame_stack);
        if d == 0 {
            return Ok(None);
        }
        if batch.cond.len() != b * t * d {
            return Err(CoreError::Invalid(format!(
                "a conditioned model (external_cond_dim = {d}) needs {} condition values for {b}×{t} frames, got {}",
                b * t * d,
                batch.cond.len()
            )));
        }
        let c: Tensor<3> =
            Tensor::from_data(TensorData::new(batch.cond.clone(), [b, t, d]), device);
        Ok(Some(c.reshape([b, t / fs, fs * d]).swap_dims(0, 1)))
    }

    /// Tokens `(n, B, fs·C, H, W)` → frames in `[0, 1]`-space `(n·fs, B, C, H, W)`.
    pub fn frames(&self, tokens: Tensor<5>) -> Tensor<5> {
        let [n, b, _, h, w] = tokens.dims();
        let (fs, c) = (self.frame_stack, self.channels);
        let x = tokens
            .reshape([n, b, fs, c, h * w])
            .swap_dims(1, 2)
            .reshape([n * fs, b, c, h, w]);
        frame_stats::unnormalize(x, &self.mean, &self.std)
    }

    /// Independent uniform levels for every token (`random_all`).
    pub fn training_levels(
        &self,
        tokens: usize,
        batch: usize,
        timesteps: usize,
        rng: &mut impl Rng,
    ) -> LevelGrid {
        let levels = (0..tokens * batch)
            .map(|_| rng.random_range(0..timesteps as i64))
            .collect();
        LevelGrid {
            tokens,
            batch,
            levels,
        }
    }

    /// The reference's validation rollout: keep `context_frames` of `gt` (tokens `(N, B, …)`),
    /// generate the rest chunk by chunk with a sliding window. `cond` `(N, B, fs·cond_dim)`
    /// conditions every token (e.g. the actions the agent took), the window slicing it like
    /// the frames. Returns the tokens `(N, B, …)`.
    pub fn rollout<M: Denoiser<5>>(
        &self,
        diffusion: &Diffusion,
        model: &M,
        gt: Tensor<5>,
        cond: Option<Tensor<3>>,
        noise: &mut impl NoiseSource,
        mut on_chunk: impl FnMut(usize, usize),
    ) -> Result<Tensor<5>, CoreError> {
        let [n_total, b, d, h, w] = gt.dims();
        let device = gt.device();
        if !self.context_frames.is_multiple_of(self.frame_stack) {
            return Err(CoreError::Invalid(format!(
                "context_frames ({}) must be a multiple of frame_stack ({})",
                self.context_frames, self.frame_stack
            )));
        }
        let n_ctx = self.context_frames / self.frame_stack;
        if n_ctx > n_total {
            return Err(CoreError::Invalid(format!(
                "algorithm.context_frames={} is {n_ctx} tokens, more than the {n_total} tokens rolled out; use 0..={}",
                self.context_frames,
                n_total * self.frame_stack
            )));
        }
        if let Some(c) = &cond
            && c.dims()[..2] != [n_total, b]
        {
            return Err(CoreError::Invalid(format!(
                "the condition covers {:?} (tokens, batch), the rollout {:?}",
                &c.dims()[..2],
                [n_total, b]
            )));
        }
        let s = diffusion.config.sampling_timesteps;
        // Only the current window is stepped; finished tokens are appended once per chunk.
        // With no context (context_frames = 0) the first chunk is generated from noise alone.
        let mut xs = (n_ctx > 0).then(|| gt.slice([0..n_ctx, 0..b, 0..d, 0..h, 0..w]));
        let mut curr = n_ctx;
        while curr < n_total {
            let horizon = if self.chunk_size > 0 {
                (n_total - curr).min(self.chunk_size as usize)
            } else {
                n_total - curr
            };
            if horizon > self.n_tokens {
                return Err(CoreError::Invalid(format!(
                    "chunk of {horizon} tokens exceeds the model's window of {} tokens",
                    self.n_tokens
                )));
            }
            let sched = SchedulingMatrix::build(
                self.scheduling,
                horizon,
                s,
                self.uncertainty_scale,
                self.trapezoid,
            )?;
            let chunk = diffusion.clamped_noise(noise, [horizon, b, d, h, w], &device)?;
            let start = (curr + horizon).saturating_sub(self.n_tokens);
            let window = curr + horizon - start;
            let mut win = match &xs {
                Some(done) if curr > start => {
                    Tensor::cat(vec![done.clone().slice_dim(0, start..curr), chunk], 0)
                }
                _ => chunk,
            };
            let win_cond = cond
                .as_ref()
                .map(|c| c.clone().slice_dim(0, start..start + window));
            // The context tokens start..curr stay clean (sampling level 0) through the whole chunk.
            let frozen = FrozenPrefix::new(if self.context_cache { curr - start } else { 0 });
            let cached = WithFrozenPrefix {
                model,
                prefix: &frozen,
            };
            for m in 0..sched.rows - 1 {
                let levels_of = |row: &[i64]| {
                    let mut per_token = vec![0i64; curr - start];
                    per_token.extend_from_slice(row);
                    LevelGrid::from_token_levels(&per_token, b)
                };
                let (from, to) = (levels_of(sched.row(m)), levels_of(sched.row(m + 1)));
                if from == to {
                    continue;
                }
                win = diffusion.sample_step(
                    &cached,
                    win,
                    win_cond.clone(),
                    StepLevels {
                        from: &from,
                        to: &to,
                    },
                    None,
                    noise,
                )?;
            }
            let generated = win.slice_dim(0, curr - start..window);
            xs = Some(match xs {
                Some(done) => Tensor::cat(vec![done, generated], 0),
                None => generated,
            });
            on_chunk(curr, horizon);
            curr += horizon;
        }
        // n_total ≥ 1 tokens (checked by the shape above) were either context or generated.
        xs.ok_or_else(|| CoreError::Invalid("a rollout of 0 tokens".into()))
    }
}

/// Real noise levels as a tensor for a network call.
pub fn level_tensor(grid: &LevelGrid, device: &Device) -> Tensor<2, Int> {
    Tensor::from_data(
        TensorData::new(grid.levels.clone(), [grid.tokens, grid.batch]),
        device,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use dforce_core::{BetaSchedule, DenoiseError, DiffusionConfig, Objective, SeededNoise};
    use std::cell::RefCell;

    /// Predicts v = 0 and records the window length of every call.
    struct Recorder(RefCell<Vec<usize>>);

    impl Denoiser<5> for Recorder {
        fn denoise(
            &self,
            x: Tensor<5>,
            _levels: Tensor<2, Int>,
            _cond: Option<Tensor<3>>,
        ) -> Result<Tensor<5>, dforce_core::DenoiseError> {
            self.0.borrow_mut().push(x.dims()[0]);
            Ok(x.zeros_like())
        }
    }

    /// Refuses every window, as a network built for other frames does.
    struct Refuses;

    impl Denoiser<5> for Refuses {
        fn denoise(
            &self,
            x: Tensor<5>,
            _levels: Tensor<2, Int>,
            _cond: Option<Tensor<3>>,
        ) -> Result<Tensor<5>, DenoiseError> {
            Err(DenoiseError::Shape {
                what: "x",
                expected: "(tokens, batch, 1, 4, 4)".into(),
                given: x.dims().to_vec(),
            })
        }
    }

    #[test]
    fn rollout_keeps_context_and_slides_a_window_of_the_training_length() {
        let layout = VideoLayout {
            channels: 1,
            height: 2,
            width: 2,
            frame_stack: 1,
            n_tokens: 3,
            context_frames: 2,
            chunk_size: 1,
            scheduling: SchedulingKind::Autoregressive,
            uncertainty_scale: 1.0,
            trapezoid: TrapezoidMode::Correct,
            mean: 0.5.into(),
            std: 0.5.into(),
            cond_dim: 0,
            context_cache: true,
        };
        let diffusion = Diffusion::new(DiffusionConfig {
            objective: Objective::PredV,
            beta_schedule: BetaSchedule::Sigmoid {
                start: -3.0,
                end: 3.0,
                tau: 1.0,
            },
            timesteps: 100,
            sampling_timesteps: 4,
            ddim_sampling_eta: 0.0,
            stabilization_level: 15,
            clip_noise: 6.0,
            snr_clip: 5.0,
            fused_snr_decay: Some(0.9216),
        })
        .unwrap();
        let dev = Device::flex();
        let batch = VideoBatch {
            batch: 2,
            frames: 6,
            pixels: (0..48).map(|i| (i % 7) as f32 / 7.0).collect(),
            cond: Vec::new(),
        };
        let gt = layout.tokens(&batch, &dev).unwrap();
        let model = Recorder(RefCell::new(Vec::new()));
        let mut chunks = Vec::new();
        let out = layout
            .rollout(
                &diffusion,
                &model,
                gt.clone(),
                None,
                &mut SeededNoise::new(0),
                |c, h| chunks.push((c, h)),
            )
            .unwrap();
        assert_eq!(out.dims(), gt.dims());
        assert_eq!(chunks, vec![(2, 1), (3, 1), (4, 1), (5, 1)]);
        // Context is returned bit-for-bit; the window never exceeds the training length.
        assert_eq!(
            out.clone().slice_dim(0, 0..2).into_data(),
            gt.clone().slice_dim(0, 0..2).into_data()
        );
        assert!(model.0.borrow().iter().all(|&n| n <= 3));
        assert_eq!(model.0.borrow().len(), 4 * 4, "4 chunks × S=4 steps");
        let frames = layout.frames(out);
        assert_eq!(frames.dims(), [6, 2, 1, 2, 2]);

        // No context at all: every token is generated from noise, as the reference allows.
        let none = VideoLayout {
            context_frames: 0,
            ..layout.clone()
        };
        let mut chunks = Vec::new();
        let out = none
            .rollout(
                &diffusion,
                &model,
                gt.clone(),
                None,
                &mut SeededNoise::new(0),
                |c, h| chunks.push((c, h)),
            )
            .unwrap();
        assert_eq!(out.dims(), gt.dims());
        assert_eq!(chunks[0], (0, 1));
        // A network that refuses the window fails the rollout with its error, not a panic.
        let err = layout
            .rollout(
                &diffusion,
                &Refuses,
                gt.clone(),
                None,
                &mut SeededNoise::new(0),
                |_, _| {},
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "x has shape [3, 2, 1, 2, 2], the network expects (tokens, batch, 1, 4, 4)"
        );
        assert!(
            matches!(
                err,
                CoreError::Denoise(DenoiseError::Shape { what: "x", .. })
            ),
            "{err:?}"
        );
        let too_many = VideoLayout {
            context_frames: 7,
            ..layout
        };
        let err = too_many
            .rollout(
                &diffusion,
                &model,
                gt,
                None,
                &mut SeededNoise::new(0),
                |_, _| {},
            )
            .unwrap_err();
        assert!(
            err.to_string().contains("algorithm.context_frames=7"),
            "{err}"
        );
    }
}
