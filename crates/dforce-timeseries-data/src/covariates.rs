//! The model-side view of a window batch: the branch's
//! `DiffusionForcingPrediction.get_observations_from_gluonts_dataset` (`df_prediction.py`, after
//! pytorch-ts' TimeGrad network) and `DiffusionForcingBase._preprocess_batch`'s normalisation.
//!
//! With `S = context + prediction` and `sequence` = `cat(past, future)` (training) or
//! `past_target_cdf` (validation/test), for each window:
//! - observations `(S, D)`: `sequence[-S:]`, raw;
//! - covariates `(S, C)`, `C = (n_lags − 1)·D + D + F` ([`ForecastSpec::covariate_dim`]):
//!   1. for each series c and each shifted lag `L = lag − 1 > 0` (index l among those),
//!      `(sequence[pos − L, c] − mean[c]) / std[c]` at column `c·(n_lags − 1) + l`, where `pos` is
//!      the step's position in `sequence` (the reference's `(c l)` flattening);
//!   2. the `embed` scalar of each series (D columns; `nn.Embedding(D, 1)` of `0..D`);
//!   3. raw Fourier features: `cat(past_time_feat[-context:], future_time_feat)` (training) or
//!      `past_time_feat[-S:]` (validation/test);
//! - `xs_normalized` `(S, B, D)`: `(observations − mean) / std`, time-major.
//!
//! At validation/test time the reference reads lags shorter than the horizon from the ground
//! truth inside the window (a leak). [`lag_features_at`] and [`covariate_row`] rebuild one step's
//! covariates from any sequence, e.g. context followed by the model's own samples, so an engine
//! can feed sampled values instead.

use crate::error::{Result, TsError};
use crate::spec::ForecastSpec;
use crate::statistics::SeriesStats;
use crate::windows::WindowBatch;

/// Observations, covariates and normalised inputs of a batch (all `f32`).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelView {
    /// Windows B.
    pub batch: usize,
    /// Steps S = context + prediction.
    pub steps: usize,
    /// Series D.
    pub dim: usize,
    /// Covariate width C.
    pub cov_dim: usize,
    /// `(B, S, D)` raw values (missing imputed 0, as in the batch).
    pub observations: Vec<f32>,
    /// `(B, S, C)`.
    pub covariates: Vec<f32>,
    /// `(S, B, D)` `(observations − mean) / std`.
    pub xs_normalized: Vec<f32>,
}

/// Normalised lags of step `position` of one window's `sequence` (`(len, dim)` time-major):
/// for c in 0..dim, for each shifted lag `L > 0` in order, `(sequence[position − L, c] −
/// mean[c]) / std[c]`, appended to `out` in `(c l)` order (`dim · #(L > 0)` values).
///
/// # Errors
/// [`TsError::OutOfRange`] when `position − L` is before the sequence start or `position` is
/// past its end; [`TsError::Shape`] when `sequence` is not a multiple of `dim` or `stats` is
/// shorter than `dim`.
pub fn lag_features_at(
    sequence: &[f32],
    dim: usize,
    position: usize,
    shifted_lags: &[usize],
    stats: &SeriesStats,
    out: &mut Vec<f32>,
) -> Result<()> {
    if dim == 0
        || !sequence.len().is_multiple_of(dim)
        || stats.mean.len() < dim
        || stats.std.len() < dim
    {
        return Err(TsError::Shape(format!(
            "sequence of {} values, {dim} series, statistics for {}",
            sequence.len(),
            stats.mean.len()
        )));
    }
    let len = sequence.len() / dim;
    if position >= len {
        return Err(TsError::OutOfRange(format!(
            "position {position} in a sequence of {len} steps"
        )));
    }
    for c in 0..dim {
        for &lag in shifted_lags.iter().filter(|&&l| l > 0) {
            let src = position.checked_sub(lag).ok_or_else(|| {
                TsError::OutOfRange(format!(
                    "lag {lag} at position {position} reads before the sequence start"
                ))
            })?;
            out.push(stats.normalize(c, sequence[src * dim + c]));
        }
    }
    Ok(())
}

/// One full covariate row (width [`ForecastSpec::covariate_dim`]) for step `position` of
/// `sequence` (`(len, D)` time-major): [`lag_features_at`], then `embed` (`(D,)`), then
/// `time_feat` (`(F,)` raw Fourier features of that step).
///
/// # Errors
/// As [`lag_features_at`]; [`TsError::Shape`] when `embed` or `time_feat` has the wrong length.
pub fn covariate_row(
    sequence: &[f32],
    position: usize,
    spec: &ForecastSpec,
    stats: &SeriesStats,
    embed: &[f32],
    time_feat: &[f32],
) -> Result<Vec<f32>> {
    let d = spec.target_dim;
    if embed.len() != d || time_feat.len() != spec.time_feature_dim() {
        return Err(TsError::Shape(format!(
            "embed has {} values for {d} series, time features {} for width {}",
            embed.len(),
            time_feat.len(),
            spec.time_feature_dim()
        )));
    }
    let mut row = Vec::with_capacity(spec.covariate_dim());
    lag_features_at(sequence, d, position, &spec.shifted_lags(), stats, &mut row)?;
    row.extend_from_slice(embed);
    row.extend_from_slice(time_feat);
    Ok(row)
}

/// The branch's model view of `batch` (see the module docs). `embed` is the `(D,)` series
/// embedding (`embed.weight` of the reference, untrained there).
///
/// # Errors
/// [`TsError::Shape`] when `batch`'s series count differs from `spec.target_dim`, `embed` or
/// `stats` have the wrong length, or the windows are too short for `S` steps plus the longest lag.
pub fn model_view(
    batch: &WindowBatch,
    spec: &ForecastSpec,
    stats: &SeriesStats,
    embed: &[f32],
) -> Result<ModelView> {
    let (d, f) = (batch.dim, batch.time_feat_dim);
    let (ctx, p) = (spec.context_length, spec.prediction_length);
    let s = ctx + p;
    if d != spec.target_dim
        || stats.mean.len() != d
        || stats.std.len() != d
        || f != spec.time_feature_dim()
    {
        return Err(TsError::Shape(format!(
            "batch of {d} series and {f} time features, spec {} and {}, statistics {}",
            spec.target_dim,
            spec.time_feature_dim(),
            stats.mean.len()
        )));
    }
    let training = batch.future_len > 0;
    let seq_len = batch.past_len + batch.future_len;
    let max_lag = spec.shifted_lags().into_iter().max().unwrap_or(0);
    if seq_len < s + max_lag
        || (training && (batch.past_len < ctx || batch.future_len != p))
        || batch.future_feat_len < p
    {
        return Err(TsError::Shape(format!(
            "windows of {} + {} steps cannot give {s} steps with lags up to {max_lag}",
            batch.past_len, batch.future_len
        )));
    }
    let cov_dim = spec.covariate_dim();
    let mut view = ModelView {
        batch: batch.batch,
        steps: s,
        dim: d,
        cov_dim,
        observations: Vec::with_capacity(batch.batch * s * d),
        covariates: Vec::with_capacity(batch.batch * s * cov_dim),
        xs_normalized: vec![0.0; batch.batch * s * d],
    };
    let mut sequence = Vec::with_capacity(seq_len * d);
    for b in 0..batch.batch {
        sequence.clear();
        sequence.extend_from_slice(
            &batch.past_target[b * batch.past_len * d..(b + 1) * batch.past_len * d],
        );
        sequence.extend_from_slice(
            &batch.future_target[b * batch.future_len * d..(b + 1) * batch.future_len * d],
        );
        for j in 0..s {
            let pos = seq_len - s + j;
            let obs = &sequence[pos * d..(pos + 1) * d];
            view.observations.extend_from_slice(obs);
            for (k, &x) in obs.iter().enumerate() {
                view.xs_normalized[(j * batch.batch + b) * d + k] = stats.normalize(k, x);
            }
            let tf = if training && j >= ctx {
                let r = b * batch.future_feat_len + (j - ctx);
                &batch.future_time_feat[r * f..(r + 1) * f]
            } else {
                let back = if training { ctx } else { s };
                let r = b * batch.past_len + batch.past_len - back + j;
                &batch.past_time_feat[r * f..(r + 1) * f]
            };
            view.covariates
                .extend(covariate_row(&sequence, pos, spec, stats, embed, tf)?);
        }
    }
    Ok(view)
}
