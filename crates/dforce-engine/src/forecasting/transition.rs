//! The paper branch's `DiffusionTransitionModel` for vector tokens: one recurrent step of
//! Diffusion Forcing (`models/diffusion_transition.py`, spec `reference-paper-branch.md`
//! §1.2–§1.7).
//!
//! Every call works on one token of a batch: `x (B, D)` normalised, `z (B, Z)` the latent
//! carried from the previous token, levels `k (B,)` real diffusion levels `0..T`. The network
//! maps `(z, x^k, k)` to the new latent `z'`, and the observation head `x_from_z` reads the
//! objective's output from it. Training ([`TransitionDiffusion::training_step`]) noises the
//! token at its own level and returns the weighted, unreduced loss; sampling
//! ([`TransitionDiffusion::ddim_step`]) takes one DDIM step on the reversed level grid.
//! Coefficients are gathered from the f32 buffers in the reference's operation order, so
//! results agree with it to f32 round-off.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Int, Tensor, TensorData};
use dforce_core::{BetaSchedule, CoreError, DiffusionBuffers, NoiseSource, Objective, RealLevels};
use dforce_nn::{ParamVisitor, TransitionMlp, TransitionMlpConfig, visit_linear};

/// The trainable part: the transition network and the observation head.
#[derive(Module, Debug)]
pub struct TransitionNet {
    /// `transition_model.model.*`.
    pub model: TransitionMlp,
    /// `transition_model.x_from_z`: `Linear(z → x)`.
    pub x_from_z: Linear,
}

/// State-dict prefix of the transition model in the Lightning module.
pub const TRANSITION_PREFIX: &str = "transition_model.";

impl TransitionNet {
    /// A freshly initialised network (PyTorch default initialisation).
    ///
    /// # Errors
    /// Sizes the reference cannot build.
    pub fn init(config: &TransitionMlpConfig, device: &Device) -> Result<Self, dforce_nn::NnError> {
        Ok(Self {
            model: config.init(device)?,
            x_from_z: LinearConfig::new(config.z_dim, config.x_dim).init(device),
        })
    }

    /// Walks the parameters under `transition_model.model.*` and `transition_model.x_from_z`.
    pub fn visit_params(&mut self, v: &mut impl ParamVisitor) {
        self.model
            .visit_params(v, &format!("{TRANSITION_PREFIX}model."));
        visit_linear(
            v,
            &mut self.x_from_z,
            &format!("{TRANSITION_PREFIX}x_from_z"),
        );
    }
}

/// The diffusion settings of the transition model (`algorithm.diffusion.*`), with its buffers.
#[derive(Debug, Clone)]
pub struct TransitionDiffusion {
    /// The 14 shared buffers (`betas` … `snr`).
    pub buffers: DiffusionBuffers,
    /// `p2_loss_weight = (k + snr)^−γ`: registered (and checkpointed) but never used.
    pub p2_loss_weight: Vec<f32>,
    pub objective: Objective,
    /// T (`diffusion.timesteps`).
    pub timesteps: usize,
    /// The DDIM level grid (`sampling_timesteps` S).
    pub levels: RealLevels,
    /// η (`diffusion.ddim_sampling_eta`).
    pub eta: f32,
    /// Draws and predicted noise are clamped to ±`clip_noise`.
    pub clip_noise: f32,
    pub use_snr: bool,
    pub use_cum_snr: bool,
    /// c (`diffusion.snr_clip`).
    pub snr_clip: f32,
    /// `cum_snr_decay ** frame_stack` (exponentiated once, as `DiffusionForcingBase`).
    pub cum_snr_decay: f32,
}

/// `diffusion.*` values a [`TransitionDiffusion`] is built from.
#[derive(Debug, Clone)]
pub struct TransitionDiffusionConfig {
    pub schedule: BetaSchedule,
    pub objective: Objective,
    pub timesteps: usize,
    pub sampling_timesteps: usize,
    pub eta: f64,
    pub clip_noise: f64,
    pub use_snr: bool,
    pub use_cum_snr: bool,
    pub snr_clip: f64,
    /// Already raised to `frame_stack`.
    pub cum_snr_decay: f64,
    pub p2_loss_weight_gamma: f64,
    pub p2_loss_weight_k: f64,
}

/// How the level of a training token is chosen (`deterministic_t` of the reference).
#[derive(Debug, Clone)]
pub enum TrainingLevels {
    /// One level per batch row (the reference's `randint(0, T)`, drawn by the caller).
    PerRow(Vec<i64>),
    /// `deterministic_t` as an int: level d, negative counting from T.
    Fixed(i64),
    /// `deterministic_t` as a float f in [0, 1]: level `round(f·(T−1))`, half to even.
    Fraction(f64),
}

/// The random part of one training call: the levels `k (B,)` and a standard-normal draw
/// `noise (B, D)` (clamped to ±clip_noise by the call, as the reference clamps).
pub struct TrainingDraw<'a> {
    pub levels: &'a [i64],
    pub noise: Tensor<2>,
}

/// One training call's results (all batch-major).
pub struct TrainingOutput {
    /// `(B, Z)` the new latent (with gradient).
    pub z_next: Tensor<2>,
    /// `(B, D)` the x0 estimate.
    pub x_start: Tensor<2>,
    /// `(B, D)` weighted squared error, unreduced.
    pub loss: Tensor<2>,
    /// `(B,)` the chained cumulative SNR handed to the next token.
    pub cum_snr: Vec<f32>,
}

/// One DDIM step's results.
pub struct DdimOutput {
    /// `(B, D)` the token at the next grid level (`x̂0` after the last index).
    pub x: Tensor<2>,
    /// `(B, Z)` the new latent.
    pub z: Tensor<2>,
    /// `(B, D)` the x0 estimate.
    pub x_start: Tensor<2>,
    /// `(1−ᾱ_τ) − c·√(1−ᾱ_τ)`, 0 at the last index (for guidance).
    pub guidance_const: f32,
}

struct Prediction {
    noise: Tensor<2>,
    x_start: Tensor<2>,
    z_next: Tensor<2>,
    out: Tensor<2>,
}

impl TransitionDiffusion {
    /// Computes the buffers (f64, cast to f32 one by one, as the reference registers them).
    ///
    /// # Errors
    /// `sampling_timesteps` outside `1..=timesteps`, or `timesteps` 0.
    pub fn new(c: &TransitionDiffusionConfig) -> Result<Self, CoreError> {
        let buffers = DiffusionBuffers::new(c.schedule, c.timesteps, c.snr_clip)?;
        let betas = c.schedule.betas(c.timesteps);
        let mut acc = 1.0f64;
        let p2_loss_weight = betas
            .iter()
            .map(|b| {
                acc *= 1.0 - b;
                (c.p2_loss_weight_k + acc / (1.0 - acc)).powf(-c.p2_loss_weight_gamma) as f32
            })
            .collect();
        Ok(Self {
            buffers,
            p2_loss_weight,
            objective: c.objective,
            timesteps: c.timesteps,
            levels: RealLevels::new(c.timesteps, c.sampling_timesteps)?,
            eta: c.eta as f32,
            clip_noise: c.clip_noise as f32,
            use_snr: c.use_snr,
            use_cum_snr: c.use_cum_snr,
            snr_clip: c.snr_clip as f32,
            cum_snr_decay: c.cum_snr_decay as f32,
        })
    }

    /// S, the number of DDIM steps.
    pub fn sampling_timesteps(&self) -> usize {
        self.levels.sampling_timesteps()
    }

    /// The `(τ, τ')` pair of DDIM index `i` on the reversed grid `int(linspace(−1, T−1, S+1))`.
    ///
    /// # Errors
    /// `i ≥ S`.
    pub fn ddim_pair(&self, index: usize) -> Result<(i64, i64), CoreError> {
        let s = self.sampling_timesteps();
        if index >= s {
            return Err(CoreError::Invalid(format!(
                "DDIM index {index} is outside 0..{s}"
            )));
        }
        Ok((
            self.levels.real((s - index) as i64)?,
            self.levels.real((s - index - 1) as i64)?,
        ))
    }

    /// `(B, 1)` column of `buffer[k_b]`.
    fn gather(buffer: &[f32], k: &[i64], device: &Device) -> Tensor<2> {
        let v: Vec<f32> = k.iter().map(|&k| buffer[k as usize]).collect();
        Tensor::from_data(TensorData::new(v, [k.len(), 1]), device)
    }

    fn check_levels(&self, k: &[i64]) -> Result<(), CoreError> {
        match k.iter().find(|&&k| k < 0 || k as usize >= self.timesteps) {
            Some(bad) => Err(CoreError::Invalid(format!(
                "noise level {bad} is outside 0..{} (diffusion.timesteps)",
                self.timesteps
            ))),
            None => Ok(()),
        }
    }

    fn predict(
        &self,
        net: &TransitionNet,
        x: Tensor<2>,
        k: &[i64],
        z: Tensor<2>,
        cond: Option<Tensor<2>>,
    ) -> Prediction {
        let device = x.device();
        let b = &self.buffers;
        let kt: Tensor<1, Int> = Tensor::from_data(TensorData::new(k.to_vec(), [k.len()]), &device);
        let z_next = net.model.forward(x.clone(), kt, z, cond);
        let out = net.x_from_z.forward(z_next.clone());
        let recip = Self::gather(&b.sqrt_recip_alphas_cumprod, k, &device);
        let recipm1 = Self::gather(&b.sqrt_recipm1_alphas_cumprod, k, &device);
        let (noise, x_start) = match self.objective {
            Objective::PredNoise => {
                let noise = out.clone().clamp(-self.clip_noise, self.clip_noise);
                let x_start = recip * x - recipm1 * noise.clone();
                (noise, x_start)
            }
            Objective::PredX0 => {
                let x_start = out.clone();
                ((recip * x - x_start.clone()) / recipm1, x_start)
            }
            Objective::PredV => {
                let sa = Self::gather(&b.sqrt_alphas_cumprod, k, &device);
                let s1 = Self::gather(&b.sqrt_one_minus_alphas_cumprod, k, &device);
                let x_start = sa * x.clone() - s1 * out.clone();
                ((recip * x - x_start.clone()) / recipm1, x_start)
            }
        };
        Prediction {
            noise,
            x_start,
            z_next,
            out,
        }
    }

    /// `model_predictions`: `(ε̂, x̂0, z', raw output)` of one network call at levels `k`.
    ///
    /// # Errors
    /// A level outside `0..T`.
    pub fn model_predictions(
        &self,
        net: &TransitionNet,
        x: Tensor<2>,
        k: &[i64],
        z: Tensor<2>,
        cond: Option<Tensor<2>>,
    ) -> Result<[Tensor<2>; 4], CoreError> {
        self.check_levels(k)?;
        let p = self.predict(net, x, k, z, cond);
        Ok([p.noise, p.x_start, p.z_next, p.out])
    }

    /// The levels of one training call for a batch of `batch` rows.
    ///
    /// # Errors
    /// A level outside `0..T` or a fraction outside [0, 1].
    pub fn resolve_levels(
        &self,
        levels: &TrainingLevels,
        batch: usize,
    ) -> Result<Vec<i64>, CoreError> {
        let t = self.timesteps as i64;
        let k = match levels {
            TrainingLevels::PerRow(k) => k.clone(),
            TrainingLevels::Fixed(d) => vec![if *d >= 0 { *d } else { t + d }; batch],
            TrainingLevels::Fraction(f) => {
                if !(0.0..=1.0).contains(f) {
                    return Err(CoreError::Invalid(format!(
                        "deterministic level fraction {f} is outside [0, 1]"
                    )));
                }
                vec![(f * (t - 1) as f64).round_ties_even() as i64; batch]
            }
        };
        if k.len() != batch {
            return Err(CoreError::Invalid(format!(
                "{} training levels for a batch of {batch}",
                k.len()
            )));
        }
        self.check_levels(&k)?;
        Ok(k)
    }

    /// `DiffusionTransitionModel.forward`: noises the clean token `x (B, D)` with `draw` (its
    /// levels and standard-normal noise), runs the network
    /// from `z (B, Z)`, and weights the squared error per row (§1.6 step 5). `cum_snr` is the
    /// previous token's chained SNR (`None` for the first token).
    ///
    /// # Errors
    /// A level outside `0..T`, or shapes that disagree.
    pub fn training_step(
        &self,
        net: &TransitionNet,
        z: Tensor<2>,
        x: Tensor<2>,
        cond: Option<Tensor<2>>,
        draw: TrainingDraw,
        cum_snr: Option<&[f32]>,
    ) -> Result<TrainingOutput, CoreError> {
        let TrainingDraw { levels: k, noise } = draw;
        self.check_levels(k)?;
        let [b, d] = x.dims();
        if k.len() != b || noise.dims() != [b, d] {
            return Err(CoreError::Invalid(format!(
                "training step: {} levels and noise {:?} for a token batch ({b}, {d})",
                k.len(),
                noise.dims()
            )));
        }
        let device = x.device();
        let bufs = &self.buffers;
        let noise = noise.clamp(-self.clip_noise, self.clip_noise);
        let sa = Self::gather(&bufs.sqrt_alphas_cumprod, k, &device);
        let s1 = Self::gather(&bufs.sqrt_one_minus_alphas_cumprod, k, &device);
        let noised = sa.clone() * x.clone() + s1.clone() * noise.clone();
        let p = self.predict(net, noised, k, z, cond);
        let target = match self.objective {
            Objective::PredNoise => noise,
            Objective::PredX0 => x,
            Objective::PredV => sa * noise - s1 * x,
        };
        let err = p.out - target;
        let (weights, cum_next) = self.loss_weights(k, cum_snr)?;
        let w: Tensor<2> = Tensor::from_data(TensorData::new(weights, [b, 1]), &device);
        Ok(TrainingOutput {
            z_next: p.z_next,
            x_start: p.x_start,
            loss: err.clone() * err * w,
            cum_snr: cum_next,
        })
    }

    /// The per-row loss weight and the chained cumulative SNR (§1.6 step 5), in f32 like the
    /// reference's tensor arithmetic.
    ///
    /// # Errors
    /// `cum_snr` of another length than `k`.
    pub fn loss_weights(
        &self,
        k: &[i64],
        cum_snr: Option<&[f32]>,
    ) -> Result<(Vec<f32>, Vec<f32>), CoreError> {
        if let Some(c) = cum_snr
            && c.len() != k.len()
        {
            return Err(CoreError::Invalid(format!(
                "cum_snr has {} rows for {} levels",
                c.len(),
                k.len()
            )));
        }
        let c = self.snr_clip;
        let d = self.cum_snr_decay;
        let one_minus_d = (1.0 - self.cum_snr_decay as f64) as f32;
        let mut weights = Vec::with_capacity(k.len());
        let mut cum_next = Vec::with_capacity(k.len());
        for (i, &k) in k.iter().enumerate() {
            let ncs = self.buffers.clipped_snr[k as usize] / c;
            let ns = self.buffers.snr[k as usize] / c;
            let prev = cum_snr.filter(|_| self.use_cum_snr).map(|c| c[i]);
            let (cum, cf, f) = match prev {
                None => (ncs, ncs, ns),
                Some(p) => {
                    let pd = p * d;
                    (
                        pd + ncs * one_minus_d,
                        1.0 - (1.0 - pd) * (1.0 - ncs),
                        1.0 - (1.0 - pd) * (1.0 - ns),
                    )
                }
            };
            let w = if self.use_snr {
                match self.objective {
                    Objective::PredNoise => cf / f,
                    Objective::PredX0 => cf * c,
                    Objective::PredV => cf * c / (f * c + 1.0),
                }
            } else if self.use_cum_snr && cum_snr.is_some() {
                cum_snr.map_or(0.0, |p| p[i]) * c
            } else {
                c * 0.5
            };
            weights.push(w);
            cum_next.push(cum);
        }
        Ok((weights, cum_next))
    }

    /// `ddim_sample_step`: one DDIM step of the token `x (B, D)` from latent `z` at grid index
    /// `index` (`(τ, τ') = pairs[index]`); index 0 first clamps `x` to ±clip_noise. With
    /// `τ' ≥ 0` it draws `noise (B, D)` from `noise` (skipped but consumed when η = 0, as the
    /// reference draws anyway), else returns `x̂0`.
    ///
    /// # Errors
    /// An index outside `0..S`, or the noise source's error.
    pub fn ddim_step(
        &self,
        net: &TransitionNet,
        x: Tensor<2>,
        z: Tensor<2>,
        cond: Option<Tensor<2>>,
        index: usize,
        noise: &mut impl NoiseSource,
    ) -> Result<DdimOutput, CoreError> {
        let (tau, tau_next) = self.ddim_pair(index)?;
        let x = if index == 0 {
            x.clamp(-self.clip_noise, self.clip_noise)
        } else {
            x
        };
        let [b, d] = x.dims();
        let device = x.device();
        let p = self.predict(net, x, &vec![tau; b], z, cond);
        if tau_next < 0 {
            return Ok(DdimOutput {
                x: p.x_start.clone(),
                z: p.z_next,
                x_start: p.x_start,
                guidance_const: 0.0,
            });
        }
        let ac = &self.buffers.alphas_cumprod;
        let (alpha, alpha_next) = (ac[tau as usize], ac[tau_next as usize]);
        let sigma =
            self.eta * ((1.0 - alpha / alpha_next) * (1.0 - alpha_next) / (1.0 - alpha)).sqrt();
        let c = (1.0 - alpha_next - sigma * sigma).sqrt();
        let guidance_const = (1.0 - alpha) - c * (1.0 - alpha).sqrt();
        let mut x = p.x_start.clone() * alpha_next.sqrt() + p.noise * c;
        if sigma == 0.0 {
            noise.skip_standard_normal([b, d], &device)?;
        } else {
            let eps = noise
                .standard_normal([b, d], &device)?
                .clamp(-self.clip_noise, self.clip_noise);
            x = x + eps * sigma;
        }
        Ok(DdimOutput {
            x,
            z: p.z_next,
            x_start: p.x_start,
            guidance_const,
        })
    }
}
