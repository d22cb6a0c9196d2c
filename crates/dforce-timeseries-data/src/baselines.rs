//! Baseline forecasters on the same windows the model is scored on, returning sample arrays
//! `(S, T = prediction_length, N = windows, D)` for [`crate::metrics`].
//!
//! The history of a window is its past target without the forecast horizon: for validation/test
//! batches `past_target_cdf[.. past_len − prediction_length]` (the last `prediction_length` past
//! steps are the ground truth), for training batches the whole past. Padding steps
//! (`past_is_pad`) are not history; steps with `observed = 0` are missing values.
//!
//! - [`seasonal_naive`]: GluonTS 0.13's `SeasonalNaivePredictor` (`gluonts/model/seasonal_naive/
//!   _predictor.py`) with its default `LastValueImputation`: missing values take the last
//!   observed value (leading ones the first observed value; a series with none is all 0), then
//!   `ŷ[k] = y[len − season + k mod season]`; a history shorter than the season gives its mean
//!   for every step (GluonTS' fallback; not the last value). One sample (a point forecast):
//!   GluonTS' quantile estimator then gives that value for every quantile, while the branch's
//!   `crps_quantile_sum` cannot score it (it needs S ≥ 20).
//! - [`seasonal_climatology`]: a probabilistic baseline of this crate (no GluonTS counterpart):
//!   each sample of forecast step t of series d is drawn uniformly, with replacement, from the
//!   OBSERVED history values of that series at the same phase of the season, i.e. at history
//!   positions j with `(hist_len + t − j) mod season = 0`; when there is none, from all observed
//!   history values; when the series has no observed history, 0. Draw order: window, series,
//!   sample, step, from the injected [`rand::Rng`] (one series' pools in memory at a time).
//!
//! Use [`crate::frequency::Frequency::seasonality`] (GluonTS' `get_seasonality`) for the season.

use rand::Rng;

use crate::error::{Result, TsError};
use crate::metrics::SampleShape;
use crate::windows::WindowBatch;

/// Sample forecasts `(S, T, N, D)` with their shape.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleForecasts {
    /// Sizes.
    pub shape: SampleShape,
    /// `(S, T, N, D)` row-major.
    pub samples: Vec<f32>,
}

/// The history of series `k` of window `b`: values with NaN where missing, padding dropped.
fn history(batch: &WindowBatch, b: usize, k: usize, prediction_length: usize) -> Result<Vec<f32>> {
    let hist_len = if batch.future_len > 0 {
        batch.past_len
    } else {
        batch
            .past_len
            .checked_sub(prediction_length)
            .ok_or_else(|| {
                TsError::OutOfRange(format!(
                    "prediction length {prediction_length} exceeds the {} past steps",
                    batch.past_len
                ))
            })?
    };
    let d = batch.dim;
    Ok((0..hist_len)
        .filter(|&t| batch.past_is_pad[b * batch.past_len + t] == 0.0)
        .map(|t| {
            let i = (b * batch.past_len + t) * d + k;
            if batch.past_observed[i] == 0.0 {
                f32::NAN
            } else {
                batch.past_target[i]
            }
        })
        .collect())
}

/// GluonTS' `LastValueImputation`: forward fill, leading NaN from the first observed value, all
/// NaN (or a single value) → `DummyValueImputation` (0.0) for the missing ones.
fn last_value_imputation(values: &mut [f32]) {
    if values.iter().all(|x| x.is_nan()) || values.len() == 1 {
        for x in values.iter_mut().filter(|x| x.is_nan()) {
            *x = 0.0;
        }
        return;
    }
    let first = values.iter().copied().find(|x| !x.is_nan()).unwrap_or(0.0);
    let mut last = first;
    for x in values.iter_mut() {
        if x.is_nan() {
            *x = last;
        } else {
            last = *x;
        }
    }
}

/// GluonTS' `SeasonalNaivePredictor` on every window and series (see the module docs): one
/// sample, `(1, prediction_length, B, D)`.
///
/// # Errors
/// [`TsError::OutOfRange`] for `season_length = 0`, a prediction length longer than the past, or
/// a window with no history (GluonTS asserts at least one value).
pub fn seasonal_naive(
    batch: &WindowBatch,
    prediction_length: usize,
    season_length: usize,
) -> Result<SampleForecasts> {
    if season_length == 0 {
        return Err(TsError::OutOfRange("season length must be positive".into()));
    }
    let (nw, d) = (batch.batch, batch.dim);
    let mut samples = vec![0f32; prediction_length * nw * d];
    for b in 0..nw {
        for k in 0..d {
            let mut h = history(batch, b, k, prediction_length)?;
            if h.is_empty() {
                return Err(TsError::OutOfRange(format!(
                    "window {b} has no history before its horizon"
                )));
            }
            last_value_imputation(&mut h);
            let len = h.len();
            for t in 0..prediction_length {
                let y = if len >= season_length {
                    h[len - season_length + t % season_length]
                } else {
                    (h.iter().map(|&x| f64::from(x)).sum::<f64>() / len as f64) as f32
                };
                samples[(t * nw + b) * d + k] = y;
            }
        }
    }
    Ok(SampleForecasts {
        shape: SampleShape {
            samples: 1,
            steps: prediction_length,
            windows: nw,
            dim: d,
        },
        samples,
    })
}

/// The seasonal climatology sampler (see the module docs): `num_samples` samples,
/// `(num_samples, prediction_length, B, D)`.
///
/// # Errors
/// [`TsError::OutOfRange`] for `season_length = 0`, `num_samples = 0` or a prediction length
/// longer than the past.
pub fn seasonal_climatology<R: Rng + ?Sized>(
    rng: &mut R,
    batch: &WindowBatch,
    prediction_length: usize,
    season_length: usize,
    num_samples: usize,
) -> Result<SampleForecasts> {
    if season_length == 0 || num_samples == 0 {
        return Err(TsError::OutOfRange(format!(
            "season length {season_length} and sample count {num_samples} must be positive"
        )));
    }
    let (nw, d) = (batch.batch, batch.dim);
    let mut samples = vec![0f32; num_samples * prediction_length * nw * d];
    let mut by_phase: Vec<Vec<f32>> = vec![Vec::new(); season_length];
    for b in 0..nw {
        for k in 0..d {
            let h = history(batch, b, k, prediction_length)?;
            by_phase.iter_mut().for_each(Vec::clear);
            for (j, &x) in h.iter().enumerate().filter(|(_, x)| !x.is_nan()) {
                by_phase[j % season_length].push(x);
            }
            let observed: Vec<f32> = h.iter().copied().filter(|x| !x.is_nan()).collect();
            for s in 0..num_samples {
                for t in 0..prediction_length {
                    let same = &by_phase[(h.len() + t) % season_length];
                    let pool = if same.is_empty() { &observed } else { same };
                    let y = if pool.is_empty() {
                        0.0
                    } else {
                        pool[rng.random_range(0..pool.len())]
                    };
                    samples[((s * prediction_length + t) * nw + b) * d + k] = y;
                }
            }
        }
    }
    Ok(SampleForecasts {
        shape: SampleShape {
            samples: num_samples,
            steps: prediction_length,
            windows: nw,
            dim: d,
        },
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_value_imputation_as_gluonts() {
        let mut v = [f32::NAN, 2.0, f32::NAN, 4.0, f32::NAN];
        last_value_imputation(&mut v);
        assert_eq!(v, [2.0, 2.0, 2.0, 4.0, 4.0]);
        let mut all = [f32::NAN; 3];
        last_value_imputation(&mut all);
        assert_eq!(all, [0.0; 3]);
    }
}
