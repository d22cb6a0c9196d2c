//! The per-token diffusion process: forward noising, training loss, DDIM and DDPM steps.
//!
//! Tokens carry their own noise level (the heart of Diffusion Forcing). Per-token coefficients
//! are gathered on the host from the f32 buffers and broadcast over the token's channels; every
//! formula keeps the reference's operation order so outputs agree to f32 round-off.

use burn::tensor::{Bool, Device, Int, Tensor, TensorData};

use crate::error::{CoreError, DenoiseError};
use crate::levels::{LevelGrid, RealLevels};
use crate::loss_weights::LossWeighting;
use crate::noise::NoiseSource;
use crate::objective::Objective;
use crate::schedule::{BetaSchedule, DiffusionBuffers};

/// A network that maps noisy tokens and their real noise levels to its raw prediction.
pub trait Denoiser<const D: usize> {
    /// `x`: `(tokens, batch, …)`; `levels`: `(tokens, batch)` real levels in `0..T`;
    /// `cond`: optional external condition `(tokens, batch, d)`. Returns the shape of `x`.
    ///
    /// # Errors
    /// When the network cannot run on this input (a shape it was not built for, a condition
    /// it does not take or one missing): [`DenoiseError::Shape`], or the network's own error
    /// as the source of [`DenoiseError::Network`].
    fn denoise(
        &self,
        x: Tensor<D>,
        levels: Tensor<2, Int>,
        cond: Option<Tensor<3>>,
    ) -> Result<Tensor<D>, DenoiseError>;

    /// The same prediction as [`Denoiser::denoise`], told that tokens `0..prefix.len()` are
    /// the same as in every other call with `prefix` (see [`crate::prefix`]). A truly causal
    /// network may compute those tokens once and reuse their state; the default ignores the
    /// promise. Results equal `denoise`'s up to float summation order.
    ///
    /// # Errors
    /// As [`Denoiser::denoise`].
    fn denoise_with_prefix(
        &self,
        x: Tensor<D>,
        levels: Tensor<2, Int>,
        cond: Option<Tensor<3>>,
        prefix: &crate::prefix::FrozenPrefix,
    ) -> Result<Tensor<D>, DenoiseError> {
        let _ = prefix;
        self.denoise(x, levels, cond)
    }
}

/// A guidance objective: receives the predicted x0 of the whole window and returns a scalar
/// log-likelihood (already scaled) whose gradient w.r.t. the noisy input steers sampling.
pub type GuidanceFn<'a, const D: usize> = &'a dyn Fn(Tensor<D>) -> Tensor<1>;

/// Settings of the diffusion process (`algorithm.diffusion` in the config).
#[derive(Debug, Clone, PartialEq)]
pub struct DiffusionConfig {
    pub objective: Objective,
    pub beta_schedule: BetaSchedule,
    pub timesteps: usize,
    pub sampling_timesteps: usize,
    pub ddim_sampling_eta: f64,
    pub stabilization_level: i64,
    pub clip_noise: f64,
    pub snr_clip: f64,
    /// Effective fused-SNR decay (`cum_snr_decay^(frame_stack·frame_skip)`), or `None` for min-SNR.
    pub fused_snr_decay: Option<f64>,
}

/// Sampling levels (`0..=S`) of every token before and after one step.
#[derive(Debug, Clone, Copy)]
pub struct StepLevels<'a> {
    pub from: &'a LevelGrid,
    pub to: &'a LevelGrid,
}

/// The three views of one network call.
#[derive(Debug, Clone)]
pub struct ModelPrediction<const D: usize> {
    pub pred_noise: Tensor<D>,
    pub pred_x_start: Tensor<D>,
    pub model_out: Tensor<D>,
}

/// Buffers plus settings: everything needed to train and sample a per-token diffusion model.
#[derive(Debug, Clone)]
pub struct Diffusion {
    pub config: DiffusionConfig,
    pub buffers: DiffusionBuffers,
    pub real_levels: RealLevels,
}

/// Per-token f32 coefficients laid out `(tokens, batch, 1, …)` for broadcasting.
fn coef<const D: usize>(values: Vec<f32>, grid: &LevelGrid, device: &Device) -> Tensor<D> {
    let mut shape = [1usize; D];
    shape[0] = grid.tokens;
    shape[1] = grid.batch;
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// A per-token boolean mask expanded to the full shape of `like`.
fn token_mask<const D: usize>(
    mask: Vec<bool>,
    grid: &LevelGrid,
    like: &Tensor<D>,
) -> Tensor<D, Bool> {
    let mut shape = [1usize; D];
    shape[0] = grid.tokens;
    shape[1] = grid.batch;
    Tensor::<D, Bool>::from_data(TensorData::new(mask, shape), &like.device()).expand(like.dims())
}

fn level_tensor(grid: &LevelGrid, device: &Device) -> Tensor<2, Int> {
    Tensor::from_data(
        TensorData::new(grid.levels.clone(), [grid.tokens, grid.batch]),
        device,
    )
}

impl Diffusion {
    pub fn new(config: DiffusionConfig) -> Result<Self, CoreError> {
        if config.stabilization_level < 1 || config.stabilization_level as usize > config.timesteps
        {
            return Err(CoreError::Invalid(format!(
                "diffusion.stabilization_level must be in 1..={} (clean tokens are fed at level stabilization_level-1), got {}",
                config.timesteps, config.stabilization_level
            )));
        }
        if !(0.0..=1.0).contains(&config.ddim_sampling_eta) {
            return Err(CoreError::Invalid(format!(
                "diffusion.ddim_sampling_eta must be in [0, 1], got {}",
                config.ddim_sampling_eta
            )));
        }
        if config.clip_noise.is_nan() || config.clip_noise <= 0.0 {
            return Err(CoreError::Invalid(format!(
                "diffusion.clip_noise must be > 0, got {}",
                config.clip_noise
            )));
        }
        let buffers =
            DiffusionBuffers::new(config.beta_schedule, config.timesteps, config.snr_clip)?;
        let real_levels = RealLevels::new(config.timesteps, config.sampling_timesteps)?;
        Ok(Self {
            config,
            buffers,
            real_levels,
        })
    }

    /// DDIM when fewer sampling steps than training steps, else DDPM (as the reference decides).
    pub fn is_ddim(&self) -> bool {
        self.config.sampling_timesteps < self.config.timesteps
    }

    fn gather(&self, buf: &[f32], grid: &LevelGrid) -> Result<Vec<f32>, CoreError> {
        grid.levels
            .iter()
            .map(|&k| {
                usize::try_from(k)
                    .ok()
                    .and_then(|i| buf.get(i).copied())
                    .ok_or_else(|| {
                        CoreError::Invalid(format!(
                            "noise level {k} is outside 0..{}",
                            self.buffers.timesteps()
                        ))
                    })
            })
            .collect()
    }

    /// Two per-token coefficient tensors gathered from `a` and `b` at the grid's levels.
    fn coef_pair<const D: usize>(
        &self,
        a: &[f32],
        b: &[f32],
        grid: &LevelGrid,
        device: &Device,
    ) -> Result<(Tensor<D>, Tensor<D>), CoreError> {
        Ok((
            coef(self.gather(a, grid)?, grid, device),
            coef(self.gather(b, grid)?, grid, device),
        ))
    }

    /// Clamped standard-normal noise, as every draw of the reference is.
    pub fn clamped_noise<const D: usize>(
        &self,
        noise: &mut impl NoiseSource,
        shape: [usize; D],
        device: &Device,
    ) -> Result<Tensor<D>, CoreError> {
        let c = self.config.clip_noise;
        Ok(noise.standard_normal(shape, device)?.clamp(-c, c))
    }

    /// `√ab[k]·x0 + √(1−ab[k])·noise`.
    pub fn q_sample<const D: usize>(
        &self,
        x0: Tensor<D>,
        grid: &LevelGrid,
        noise: Tensor<D>,
    ) -> Result<Tensor<D>, CoreError> {
        let device = x0.device();
        let (a, b) = self.coef_pair::<D>(
            &self.buffers.sqrt_alphas_cumprod,
            &self.buffers.sqrt_one_minus_alphas_cumprod,
            grid,
            &device,
        )?;
        Ok(a * x0 + b * noise)
    }

    /// `√(1/ab)·x_t − √(1/ab − 1)·ε`.
    pub fn predict_start_from_noise<const D: usize>(
        &self,
        x_t: Tensor<D>,
        grid: &LevelGrid,
        eps: Tensor<D>,
    ) -> Result<Tensor<D>, CoreError> {
        let device = x_t.device();
        let (a, b) = self.coef_pair::<D>(
            &self.buffers.sqrt_recip_alphas_cumprod,
            &self.buffers.sqrt_recipm1_alphas_cumprod,
            grid,
            &device,
        )?;
        Ok(a * x_t - b * eps)
    }

    /// `(√(1/ab)·x_t − x0) / √(1/ab − 1)`.
    pub fn predict_noise_from_start<const D: usize>(
        &self,
        x_t: Tensor<D>,
        grid: &LevelGrid,
        x0: Tensor<D>,
    ) -> Result<Tensor<D>, CoreError> {
        let device = x_t.device();
        let (a, b) = self.coef_pair::<D>(
            &self.buffers.sqrt_recip_alphas_cumprod,
            &self.buffers.sqrt_recipm1_alphas_cumprod,
            grid,
            &device,
        )?;
        Ok((a * x_t - x0) / b)
    }

    /// `√ab·ε − √(1−ab)·x0`.
    pub fn predict_v<const D: usize>(
        &self,
        x0: Tensor<D>,
        grid: &LevelGrid,
        eps: Tensor<D>,
    ) -> Result<Tensor<D>, CoreError> {
        let device = x0.device();
        let (a, b) = self.coef_pair::<D>(
            &self.buffers.sqrt_alphas_cumprod,
            &self.buffers.sqrt_one_minus_alphas_cumprod,
            grid,
            &device,
        )?;
        Ok(a * eps - b * x0)
    }

    /// `√ab·x_t − √(1−ab)·v`.
    pub fn predict_start_from_v<const D: usize>(
        &self,
        x_t: Tensor<D>,
        grid: &LevelGrid,
        v: Tensor<D>,
    ) -> Result<Tensor<D>, CoreError> {
        let device = x_t.device();
        let (a, b) = self.coef_pair::<D>(
            &self.buffers.sqrt_alphas_cumprod,
            &self.buffers.sqrt_one_minus_alphas_cumprod,
            grid,
            &device,
        )?;
        Ok(a * x_t - b * v)
    }

    /// Calls the network and converts its output to (ε̂, x̂0, raw). x̂0 is never clipped.
    ///
    /// # Errors
    /// [`CoreError::Denoise`] when the network refuses its input; [`CoreError::Invalid`] when
    /// a level of `grid` is outside the buffers.
    pub fn model_predictions<const D: usize, M: Denoiser<D>>(
        &self,
        model: &M,
        x: Tensor<D>,
        grid: &LevelGrid,
        cond: Option<Tensor<3>>,
    ) -> Result<ModelPrediction<D>, CoreError> {
        let out = model.denoise(x.clone(), level_tensor(grid, &x.device()), cond)?;
        let (pred_noise, pred_x_start) = match self.config.objective {
            Objective::PredNoise => {
                let c = self.config.clip_noise;
                let eps = out.clone().clamp(-c, c);
                let x0 = self.predict_start_from_noise(x, grid, eps.clone())?;
                (eps, x0)
            }
            Objective::PredX0 => {
                let x0 = out.clone();
                (self.predict_noise_from_start(x, grid, x0.clone())?, x0)
            }
            Objective::PredV => {
                let x0 = self.predict_start_from_v(x.clone(), grid, out.clone())?;
                (self.predict_noise_from_start(x, grid, x0.clone())?, x0)
            }
        };
        Ok(ModelPrediction {
            pred_noise,
            pred_x_start,
            model_out: out,
        })
    }

    /// Loss weights of `grid` (real levels `0..T`).
    pub fn loss_weights(&self, grid: &LevelGrid) -> Result<Vec<f32>, CoreError> {
        if let Some(&bad) = grid
            .levels
            .iter()
            .find(|&&k| k < 0 || k as usize >= self.buffers.timesteps())
        {
            return Err(CoreError::Invalid(format!(
                "training noise level {bad} is outside 0..{}",
                self.buffers.timesteps()
            )));
        }
        let weighting = LossWeighting {
            objective: self.config.objective,
            snr_clip: self.config.snr_clip as f32,
            fused_decay: self.config.fused_snr_decay,
        };
        Ok(weighting.weights(&self.buffers, &grid.levels, grid.tokens, grid.batch))
    }

    /// Training forward: noise `x` to `grid`'s levels with `noise` (already clamped), predict,
    /// and return `(x̂0, weighted unreduced squared error)`.
    ///
    /// # Errors
    /// [`CoreError::Denoise`] when the network refuses its input; [`CoreError::Invalid`] when
    /// a level of `grid` is outside `0..T`.
    pub fn training_loss<const D: usize, M: Denoiser<D>>(
        &self,
        model: &M,
        x: Tensor<D>,
        grid: &LevelGrid,
        cond: Option<Tensor<3>>,
        noise: Tensor<D>,
    ) -> Result<(Tensor<D>, Tensor<D>), CoreError> {
        let device = x.device();
        let noised = self.q_sample(x.clone(), grid, noise.clone())?;
        let pred = self.model_predictions(model, noised, grid, cond)?;
        let target = match self.config.objective {
            Objective::PredNoise => noise,
            Objective::PredX0 => x,
            Objective::PredV => self.predict_v(x, grid, noise)?,
        }
        .detach();
        let diff = pred.model_out - target;
        let weights: Tensor<D> = coef(self.loss_weights(grid)?, grid, &device);
        Ok((pred.pred_x_start, diff.clone() * diff * weights))
    }

    /// One sampling step of every token from sampling level `from` to `to` (`0..=S`).
    ///
    /// Tokens at level 0 are clean context and are fed stabilised; tokens whose level does not
    /// change are returned unchanged. DDIM when `S < T` (guidance allowed), DDPM when `S == T`.
    ///
    /// # Errors
    /// [`CoreError::Denoise`] when the network refuses the window; [`CoreError::Invalid`] when
    /// the level grids do not match the window or each other, a level is out of range,
    /// guidance is asked of DDPM or does not depend on x̂0, or DDPM is asked to skip levels.
    pub fn sample_step<const D: usize, M: Denoiser<D>>(
        &self,
        model: &M,
        x: Tensor<D>,
        cond: Option<Tensor<3>>,
        levels: StepLevels<'_>,
        guidance: Option<GuidanceFn<'_, D>>,
        noise: &mut impl NoiseSource,
    ) -> Result<Tensor<D>, CoreError> {
        let StepLevels { from, to } = levels;
        let dims = x.dims();
        if from.tokens != dims[0]
            || from.batch != dims[1]
            || to.tokens != from.tokens
            || to.batch != from.batch
        {
            return Err(CoreError::Invalid(format!(
                "level grids {}×{} → {}×{} do not match the window {}×{}",
                from.tokens, from.batch, to.tokens, to.batch, dims[0], dims[1]
            )));
        }
        let curr = self.real_levels.map(from)?;
        let next = self.real_levels.map(to)?;
        if self.is_ddim() {
            self.ddim_step(model, x, cond, &curr, &next, guidance, noise)
        } else {
            if guidance.is_some() {
                return Err(CoreError::Invalid(
                    "guidance needs DDIM sampling (diffusion.sampling_timesteps < diffusion.timesteps)".into(),
                ));
            }
            self.ddpm_step(model, x, cond, &curr, &next, noise)
        }
    }

    /// Clean tokens (real level −1) are modelled at `stabilization_level − 1`.
    fn model_levels(&self, curr: &LevelGrid) -> LevelGrid {
        let stab = self.config.stabilization_level - 1;
        LevelGrid {
            tokens: curr.tokens,
            batch: curr.batch,
            levels: curr
                .levels
                .iter()
                .map(|&k| if k < 0 { stab } else { k })
                .collect(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn ddim_step<const D: usize, M: Denoiser<D>>(
        &self,
        model: &M,
        x: Tensor<D>,
        cond: Option<Tensor<3>>,
        curr: &LevelGrid,
        next: &LevelGrid,
        guidance: Option<GuidanceFn<'_, D>>,
        noise: &mut impl NoiseSource,
    ) -> Result<Tensor<D>, CoreError> {
        let device = x.device();
        let model_grid = self.model_levels(curr);
        let ab = &self.buffers.alphas_cumprod;
        let eta = self.config.ddim_sampling_eta as f32;
        let n = curr.levels.len();
        // Stabilisation: a clean token is fed as q_sample with zero noise, i.e. √ab[stab−1]·x.
        let scale: Vec<f32> = (0..n)
            .map(|i| {
                if curr.levels[i] < 0 {
                    self.buffers.sqrt_alphas_cumprod[model_grid.levels[i] as usize]
                } else {
                    1.0
                }
            })
            .collect();
        let mut a_next = Vec::with_capacity(n);
        let mut sigma = Vec::with_capacity(n);
        let mut c = Vec::with_capacity(n);
        for i in 0..n {
            let a = *ab.get(model_grid.levels[i] as usize).ok_or_else(|| {
                CoreError::Invalid(format!(
                    "sampling level {} is past the schedule's {} steps",
                    model_grid.levels[i],
                    ab.len()
                ))
            })?;
            let (an, s) = if next.levels[i] < 0 {
                (1.0f32, 0.0f32)
            } else {
                let an = *ab.get(next.levels[i] as usize).ok_or_else(|| {
                    CoreError::Invalid(format!(
                        "noise level {} is outside 0..{}",
                        next.levels[i],
                        ab.len()
                    ))
                })?;
                (an, eta * ((1.0 - a / an) * (1.0 - an) / (1.0 - a)).sqrt())
            };
            a_next.push(an);
            sigma.push(s);
            // The radicand can round slightly negative in f32; torch would give NaN.
            c.push((1.0 - an - s * s).max(0.0).sqrt());
        }
        let x_orig = x.clone();
        let x_in = x * coef::<D>(scale, curr, &device);

        let (x_start, pred_noise) = match guidance {
            None => {
                let p = self.model_predictions(model, x_in, &model_grid, cond)?;
                (p.pred_x_start, p.pred_noise)
            }
            Some(guide) => {
                let leaf = x_in.detach().autodiff().require_grad();
                let p = self.model_predictions(model, leaf.clone(), &model_grid, cond)?;
                let objective = guide(p.pred_x_start);
                let grads = objective.backward();
                let grad = leaf.grad(&grads).ok_or_else(|| {
                    CoreError::Invalid(
                        "the guidance function does not depend on the predicted x0".into(),
                    )
                })?;
                let x_plain = leaf.inner();
                let shift: Tensor<D> = coef(
                    a_next.iter().map(|&an| (1.0 - an).sqrt()).collect(),
                    curr,
                    &device,
                );
                let eps = p.pred_noise.inner() + shift * grad.neg();
                let x0 = self.predict_start_from_noise(x_plain, &model_grid, eps.clone())?;
                (x0, eps)
            }
        };
        let sqrt_a_next: Tensor<D> = coef(a_next.iter().map(|v| v.sqrt()).collect(), curr, &device);
        let x_pred = x_start * sqrt_a_next + pred_noise * coef::<D>(c, curr, &device);
        // σ = 0 everywhere (η = 0, the default): σ·z adds exact zeros, so the draw is skipped
        // (kept aligned in the noise stream) and the two full-window ops with it.
        let x_pred = if sigma.iter().all(|&s| s == 0.0) {
            noise.skip_standard_normal(dims_of(&x_orig), &device)?;
            x_pred
        } else {
            let z = self.clamped_noise(noise, dims_of(&x_orig), &device)?;
            x_pred + coef::<D>(sigma, curr, &device) * z
        };
        let unchanged = (0..n).map(|i| curr.levels[i] == next.levels[i]).collect();
        Ok(x_pred.mask_where(token_mask(unchanged, curr, &x_orig), x_orig))
    }

    fn ddpm_step<const D: usize, M: Denoiser<D>>(
        &self,
        model: &M,
        x: Tensor<D>,
        cond: Option<Tensor<3>>,
        curr: &LevelGrid,
        next: &LevelGrid,
        noise: &mut impl NoiseSource,
    ) -> Result<Tensor<D>, CoreError> {
        if let Some(i) = (0..curr.levels.len()).find(|&i| {
            !(next.levels[i] == curr.levels[i] - 1
                || (curr.levels[i] == -1 && next.levels[i] == -1))
        }) {
            return Err(CoreError::Invalid(format!(
                "DDPM sampling moves every token down by exactly one level, but token {} goes {} → {}",
                i / curr.batch,
                curr.levels[i],
                next.levels[i]
            )));
        }
        let device = x.device();
        let shape = dims_of(&x);
        let model_grid = self.model_levels(curr);
        let x_orig = x.clone();
        // Unlike DDIM, the reference's DDPM path stabilises clean tokens with real noise.
        let context_noise = self.clamped_noise(noise, shape, &device)?;
        let scaled = self.q_sample(x.clone(), &model_grid, context_noise)?;
        let is_context: Vec<bool> = curr.levels.iter().map(|&k| k < 0).collect();
        let x_in = x.mask_where(token_mask(is_context.clone(), curr, &x_orig), scaled);
        let x0 = self
            .model_predictions(model, x_in.clone(), &model_grid, cond)?
            .pred_x_start;
        let c1: Tensor<D> = coef(
            self.gather(&self.buffers.posterior_mean_coef1, &model_grid)?,
            curr,
            &device,
        );
        let c2: Tensor<D> = coef(
            self.gather(&self.buffers.posterior_mean_coef2, &model_grid)?,
            curr,
            &device,
        );
        let mean = c1 * x0 + c2 * x_in;
        let std: Vec<f32> = self
            .gather(&self.buffers.posterior_log_variance_clipped, &model_grid)?
            .into_iter()
            .map(|lv| (0.5 * lv).exp())
            .collect();
        let z = noise.standard_normal(shape, &device)?;
        let noisy: Vec<bool> = model_grid.levels.iter().map(|&k| k > 0).collect();
        let c = self.config.clip_noise;
        let z = z
            .zeros_like()
            .mask_where(token_mask(noisy, curr, &x_orig), z)
            .clamp(-c, c);
        let x_pred = mean + coef::<D>(std, curr, &device) * z;
        Ok(x_pred.mask_where(token_mask(is_context, curr, &x_orig), x_orig))
    }
}

fn dims_of<const D: usize>(x: &Tensor<D>) -> [usize; D] {
    x.dims()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::error_chain;
    use crate::noise::SeededNoise;

    /// A network that refuses every input, as one built for other shapes does.
    struct Refuses;

    impl<const D: usize> Denoiser<D> for Refuses {
        fn denoise(
            &self,
            x: Tensor<D>,
            _levels: Tensor<2, Int>,
            _cond: Option<Tensor<3>>,
        ) -> Result<Tensor<D>, DenoiseError> {
            Err(DenoiseError::Shape {
                what: "x",
                expected: "(tokens, batch, 4)".into(),
                given: x.dims().to_vec(),
            })
        }
    }

    fn diffusion(sampling_timesteps: usize) -> Diffusion {
        Diffusion::new(DiffusionConfig {
            objective: Objective::PredV,
            beta_schedule: BetaSchedule::Linear,
            timesteps: 10,
            sampling_timesteps,
            ddim_sampling_eta: 0.0,
            stabilization_level: 2,
            clip_noise: 6.0,
            snr_clip: 5.0,
            fused_snr_decay: None,
        })
        .unwrap()
    }

    fn assert_refused<T: std::fmt::Debug>(what: &str, r: Result<T, CoreError>) {
        let err = r.unwrap_err();
        assert!(
            matches!(&err, CoreError::Denoise(DenoiseError::Shape { what: "x", given, .. }) if given == &[2, 1, 3]),
            "{what}: {err:?}"
        );
        assert_eq!(
            error_chain(&err),
            "x has shape [2, 1, 3], the network expects (tokens, batch, 4)",
            "{what}"
        );
    }

    /// The network's error reaches the caller of every path that calls it (DDIM with and
    /// without guidance, DDPM, the training loss) as `CoreError::Denoise`, not a panic.
    #[test]
    fn a_network_error_is_returned_by_every_path_that_calls_the_network() {
        let device = Device::flex();
        let x: Tensor<3> = Tensor::zeros([2, 1, 3], &device);
        let from = LevelGrid::from_token_levels(&[2, 2], 1);
        let to = LevelGrid::from_token_levels(&[1, 1], 1);
        let levels = StepLevels {
            from: &from,
            to: &to,
        };
        let mut noise = SeededNoise::new(0);
        let guide = |x0: Tensor<3>| x0.sum();
        for (name, s, guidance) in [
            ("DDIM", 5, None),
            ("guided DDIM", 5, Some(&guide as GuidanceFn<'_, 3>)),
            ("DDPM", 10, None),
        ] {
            let d = diffusion(s);
            assert_refused(
                name,
                d.sample_step(&Refuses, x.clone(), None, levels, guidance, &mut noise),
            );
        }
        let grid = LevelGrid::from_token_levels(&[3, 7], 1);
        assert_refused(
            "training",
            diffusion(5).training_loss(&Refuses, x.clone(), &grid, None, x.zeros_like()),
        );
    }

    /// A network's own error is the source of `DenoiseError::Network`, printed once.
    #[test]
    fn a_network_error_is_chained_as_the_source() {
        let err = CoreError::from(DenoiseError::network(std::io::Error::other(
            "frames of 36×36 pixels",
        )));
        assert_eq!(
            error_chain(&err),
            "the network could not denoise its input: frames of 36×36 pixels"
        );
    }
}
