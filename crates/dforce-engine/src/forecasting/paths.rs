//! Sample paths for a batch of forecast windows: each window is replicated once per sample
//! path (the branch's `repeat(d, "b ... -> (c b) ...")`), its context fed clean and its horizon
//! generated token by token ([`forecast`](super::sampler::forecast)).
//!
//! With covariates on, the lags of a forecast token that fall inside the horizon read the
//! sampled path (`covariates_leak_free`, the default) instead of the ground truth the branch
//! reads there.

use burn::tensor::{Device, Tensor, TensorData};
use dforce_core::{CoreError, SeededNoise};
use dforce_timeseries_data::PreparedData;
use dforce_timeseries_data::covariates::{lag_features_at, model_view};
use dforce_timeseries_data::windows::WindowBatch;

use super::Forecaster;
use super::layout::ForecastLayout;
use super::options::ForecastOptions;
use super::sampler::ForecastShape;
use crate::algorithm::TaskError;

/// Sample paths of every window of a batch.
pub struct SamplePaths {
    /// `(S, P, N, D)` unnormalised forecasts: S paths, P horizon steps, N windows (× S with
    /// `reference_compat.crps_replicas`), D series.
    pub samples: Vec<f32>,
    /// S.
    pub paths: usize,
    /// N.
    pub windows: usize,
    /// Forecast tokens generated (for throughput).
    pub tokens_generated: usize,
}

fn ts(e: impl std::fmt::Display) -> CoreError {
    CoreError::Invalid(e.to_string())
}

/// Forecasts every window of `windows` with `options.samples` paths, `options.eval_batch_size`
/// windows at a time, drawing from `SeededNoise::for_stream(seed, stream_base + group)`.
///
/// # Errors
/// Data that do not fit the model, or a network error.
pub fn sample_paths(
    model: &impl Forecaster,
    options: &ForecastOptions,
    data: &PreparedData,
    windows: &WindowBatch,
    seed: u64,
    stream_base: u64,
    device: &Device,
) -> Result<SamplePaths, TaskError> {
    let spec = &data.spec;
    let view = model_view(windows, spec, &data.stats, model.embed()).map_err(ts)?;
    let (b_all, s_len, d) = (view.batch, view.steps, view.dim);
    let (ctx, pred) = (spec.context_length, spec.prediction_length);
    let n = options.samples;
    let replicas = if options.crps_replicas { n } else { 1 };
    let out_windows = b_all * replicas;
    let total = [n, pred, out_windows, d]
        .iter()
        .try_fold(1usize, |a, &x| a.checked_mul(x))
        .ok_or_else(|| {
            TaskError::Invalid(format!(
                "{n} sample paths × {pred} steps × {out_windows} windows × {d} series overflow \
                 this machine's sizes; lower algorithm.calc_crps_sum"
            ))
        })?;
    let mut samples = vec![0f32; total];
    let mut generated = 0;
    let group = options.eval_batch_size.max(1);
    for (g, b0) in (0..b_all).step_by(group).enumerate() {
        let bg = group.min(b_all - b0);
        // rows: outer replica (crps_replicas) × sample path × window, window fastest.
        let rows = replicas * n * bg;
        let row_window = |r: usize| b0 + r % bg;
        let mut obs = Vec::with_capacity(rows * s_len * d);
        for r in 0..rows {
            let b = row_window(r);
            obs.extend_from_slice(&view.observations[b * s_len * d..(b + 1) * s_len * d]);
        }
        let xs = model.layout().normalized_tokens(&obs, rows, device);
        let cond_dim = model.layout().external_cond_dim;
        let conds = (cond_dim > 0).then(|| {
            let c = view.cov_dim;
            let mut cov = Vec::with_capacity(rows * s_len * c);
            for r in 0..rows {
                let b = row_window(r);
                cov.extend_from_slice(&view.covariates[b * s_len * c..(b + 1) * s_len * c]);
            }
            model.layout().token_conditions(&cov, rows, device)
        });
        let shape = ForecastShape {
            context_tokens: ctx,
            total_tokens: s_len,
            chunk_size: options.chunk_size,
            uncertainty_scale: options.uncertainty_scale,
        };
        // Sampled horizon tokens read to the host so far (unnormalised, `(rows·D)` each):
        // each token is read once, not at every later token.
        let mut sampled: Vec<Vec<f32>> = Vec::new();
        let mut conditions =
            |t: usize, tokens: &[Tensor<2>]| -> Result<Option<Tensor<2>>, CoreError> {
                let Some(all) = conds.as_ref() else {
                    return Ok(None);
                };
                if !options.leak_free {
                    return Ok(Some(all[t].clone()));
                }
                for tok in tokens.iter().skip(ctx + sampled.len()) {
                    sampled.push(unnormalized(model.layout(), tok)?);
                }
                leak_free_condition(
                    data,
                    windows,
                    &all[t],
                    t,
                    &sampled,
                    rows,
                    &row_window,
                    device,
                )
            };
        let mut noise = SeededNoise::for_stream(seed, stream_base + g as u64);
        let out = model.forecast(
            xs.slice_dim(0, 0..ctx),
            conds.as_deref().map(|c| &c[..ctx]),
            shape,
            &mut conditions,
            &mut noise,
        )?;
        generated += rows * pred;
        let v: Vec<f32> = out
            .slice_dim(0, ctx..s_len)
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .map_err(|e| CoreError::Invalid(format!("reading forecasts: {e:?}")))?;
        // v: (P, rows, D) → samples (n, P, out_windows, D).
        let layout = model.layout();
        for p in 0..pred {
            for r in 0..rows {
                let (outer, rest) = (r / (n * bg), r % (n * bg));
                let (path, w) = (rest / bg, rest % bg);
                let window = outer * b_all + b0 + w;
                let dst = ((path * pred + p) * out_windows + window) * d;
                for c in 0..d {
                    let x = v[(p * rows + r) * d + c];
                    samples[dst + c] = x * layout.std[c] + layout.mean[c];
                }
            }
        }
    }
    Ok(SamplePaths {
        samples,
        paths: n,
        windows: out_windows,
        tokens_generated: generated,
    })
}

/// A normalised `(rows, D)` token on the host, unnormalised (`rows·D` values).
fn unnormalized(layout: &ForecastLayout, token: &Tensor<2>) -> Result<Vec<f32>, CoreError> {
    let d = layout.x_dim;
    let v = token
        .clone()
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| CoreError::Invalid(format!("reading forecasts: {e:?}")))?;
    Ok(v.iter()
        .enumerate()
        .map(|(i, x)| x * layout.std[i % d] + layout.mean[i % d])
        .collect())
}

/// The condition of forecast token `t` with its in-horizon lags read from the sampled paths so
/// far (`generated[j]`: horizon token j, unnormalised `rows·D`) instead of the ground truth.
#[allow(clippy::too_many_arguments)]
fn leak_free_condition(
    data: &PreparedData,
    windows: &WindowBatch,
    reference: &Tensor<2>,
    t: usize,
    generated: &[Vec<f32>],
    rows: usize,
    row_window: &dyn Fn(usize) -> usize,
    device: &Device,
) -> Result<Option<Tensor<2>>, CoreError> {
    let spec = &data.spec;
    let d = spec.target_dim;
    let (ctx, pred) = (spec.context_length, spec.prediction_length);
    let s_len = ctx + pred;
    let shifted = spec.shifted_lags();
    let lag_width = d * shifted.iter().filter(|l| **l > 0).count();
    let mut cond: Vec<f32> = reference
        .clone()
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| CoreError::Invalid(format!("reading conditions: {e:?}")))?;
    let width = cond.len() / rows.max(1);
    let seq_len = windows.past_len;
    let mut sequence = Vec::with_capacity(seq_len * d);
    let mut lags = Vec::with_capacity(lag_width);
    for r in 0..rows {
        let b = row_window(r);
        sequence.clear();
        sequence.extend_from_slice(&windows.past_target[b * seq_len * d..(b + 1) * seq_len * d]);
        // The horizon occupies the last `pred` steps of the window's sequence.
        for (j, g) in generated.iter().enumerate() {
            let pos = seq_len - s_len + ctx + j;
            sequence[pos * d..(pos + 1) * d].copy_from_slice(&g[r * d..(r + 1) * d]);
        }
        lags.clear();
        lag_features_at(
            &sequence,
            d,
            seq_len - s_len + t,
            &shifted,
            &data.stats,
            &mut lags,
        )
        .map_err(ts)?;
        cond[r * width..r * width + lag_width].copy_from_slice(&lags);
    }
    Ok(Some(Tensor::from_data(
        TensorData::new(cond, [rows, width]),
        device,
    )))
}
