//! Forecasting with the recurrent model: the paper branch's `validation_step` loop
//! (`df_base.py`, spec `reference-paper-branch.md` §2.1.4).
//!
//! Context tokens are passed through the training forward at level 0 (which, like the
//! reference, still draws noise: `x_0 = √ᾱ_0·x + √(1−ᾱ_0)·ε`). Forecast tokens are then made
//! in chunks of `chunk_size`: each chunk starts from N(0, 1) draws and is denoised along the
//! pyramid `P[m, t] = clip(m − ⌊t·u⌋, 0, S)` for `S + ⌊H·u⌋` rows, every row stepping each
//! token with DDIM at index `min(P[m, t], S−1)` from the latent left by the token before it.
//! With `chunk_size` 1 each token gets S steps and one extra call at index S−1, whose latent
//! carries on (the reference's "stabilisation").
//!
//! Draw order is the reference's: context noise per context token, then per chunk the H
//! initial draws and one draw per DDIM call whose next level is ≥ 0 (consumed but unused when
//! η = 0). A [`ReplayNoise`](dforce_core::ReplayNoise) therefore reproduces its samples.

use burn::tensor::Tensor;
use dforce_core::{CoreError, NoiseSource};

use super::transition::{TrainingDraw, TransitionDiffusion, TransitionNet};

/// Supplies the external condition of forecast token `t` (an index into the whole sequence)
/// given the tokens so far (normalised: the context's x0 estimates, then the forecast). Called
/// once per token when its chunk starts. The reference's default uses no condition.
pub type ConditionFn<'a> =
    dyn FnMut(usize, &[Tensor<2>]) -> Result<Option<Tensor<2>>, CoreError> + 'a;

/// The shape of one forecast.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForecastShape {
    /// Tokens fed clean (`context_frames / frame_stack`).
    pub context_tokens: usize,
    /// All tokens, context included.
    pub total_tokens: usize,
    /// Tokens denoised together (`chunk_size`; `None` = all remaining, the reference's −1).
    pub chunk_size: Option<usize>,
    /// u (`uncertainty_scale`).
    pub uncertainty_scale: f64,
}

/// Forecasts one batch: `context (C, B, D)` normalised context tokens, `context_cond` their
/// conditions (token 0's zeroed) or none. Returns `(T, B, D)` normalised tokens: the context
/// part holds the context passes' x0 estimates, as the reference's `xs_pred` does.
///
/// # Errors
/// Shapes that disagree, or the noise source's / condition function's error.
pub fn forecast(
    diffusion: &TransitionDiffusion,
    net: &TransitionNet,
    context: Tensor<3>,
    context_cond: Option<&[Tensor<2>]>,
    shape: ForecastShape,
    conditions: &mut ConditionFn,
    noise: &mut impl NoiseSource,
) -> Result<Tensor<3>, CoreError> {
    let [c_len, b, d] = context.dims();
    if c_len != shape.context_tokens || shape.total_tokens < c_len {
        return Err(CoreError::Invalid(format!(
            "forecast of {} tokens with {} context tokens given {c_len}",
            shape.total_tokens, shape.context_tokens
        )));
    }
    let device = context.device();
    let z_dim = net.x_from_z.weight.val().dims()[0];
    let mut z: Tensor<2> = Tensor::zeros([b, z_dim], &device);
    let mut tokens: Vec<Tensor<2>> = Vec::with_capacity(shape.total_tokens);
    for t in 0..c_len {
        let x = context.clone().slice_dim(0, t..t + 1).reshape([b, d]);
        let eps = noise.standard_normal([b, d], &device)?;
        let cond = context_cond.map(|c| c[t].clone());
        let levels = vec![0; b];
        let draw = TrainingDraw {
            levels: &levels,
            noise: eps,
        };
        let out = diffusion.training_step(net, z, x, cond, draw, None)?;
        z = out.z_next;
        tokens.push(out.x_start);
    }
    let s = diffusion.sampling_timesteps();
    while tokens.len() < shape.total_tokens {
        let remaining = shape.total_tokens - tokens.len();
        let h = shape.chunk_size.map_or(remaining, |c| c.min(remaining));
        let mut chunk = Vec::with_capacity(h);
        for _ in 0..h {
            chunk.push(noise.standard_normal([b, d], &device)?);
        }
        let first = tokens.len();
        let mut cond = Vec::with_capacity(h);
        for t in 0..h {
            cond.push(conditions(first + t, &tokens)?);
        }
        let u = shape.uncertainty_scale;
        // The pyramid's rows, bounded as dforce_core bounds its scheduling matrices.
        let rows_f = s as f64 + (h as f64 * u).trunc();
        if rows_f * h as f64 > dforce_core::scheduling_matrix::MAX_ENTRIES as f64 {
            return Err(CoreError::Invalid(format!(
                "sampling {h} tokens with uncertainty_scale {u} takes {rows_f:.3e} pyramid rows; \
                 lower algorithm.uncertainty_scale"
            )));
        }
        let rows = rows_f as usize;
        let mut last = z.clone();
        for m in 0..rows {
            let mut z_chunk = z.clone();
            for t in 0..h {
                let p = (m as i64 - (t as f64 * u) as i64).clamp(0, s as i64) as usize;
                let index = p.min(s - 1);
                let out = diffusion.ddim_step(
                    net,
                    chunk[t].clone(),
                    z_chunk,
                    cond[t].clone(),
                    index,
                    noise,
                )?;
                chunk[t] = out.x;
                z_chunk = out.z;
            }
            last = z_chunk;
        }
        z = last;
        tokens.extend(chunk);
    }
    let tokens: Vec<Tensor<3>> = tokens.into_iter().map(|t| t.unsqueeze_dim(0)).collect();
    Ok(Tensor::cat(tokens, 0))
}
