//! Probabilistic forecast metrics on sample arrays `samples (S, T, N, D)` and `truth (T, N, D)`
//! (S samples, T horizon steps, N windows, D series; flat `f32`, row-major). Two estimators of
//! CRPS-sum exist and differ only in how a quantile is read from the samples:
//!
//! - [`crps_quantile_sum`]: the branch's `algorithms/common/metrics/crps_quantile.py`
//!   (GluonTS nursery `CRPS` torchmetric): quantile q = the `int(q·S)`-th smallest sample
//!   (`torch.kthvalue`, 1-based), what the paper's training loop logs as `crps_sum`.
//! - [`multivariate_evaluate`]`(..).sum.mean_weighted_quantile_loss`: GluonTS 0.13
//!   `MultivariateEvaluator(quantiles, target_agg_funcs={'sum': np.sum})`
//!   `m_sum_mean_wQuantileLoss`: quantile q = sorted sample `round((S−1)·q)` (half to even),
//!   what TimeGrad-style papers report as CRPS-sum. The same call gives the per-series and
//!   all-series `mean_wQuantileLoss` ("CRPS"), `ND` and `NRMSE` as GluonTS' `Evaluator` defines
//!   them (`gluonts/evaluation/_base.py` and `metrics.py`, 0.13.1).
//!
//! For S = 100 GluonTS reads sorted index 5, 10, …, 50 for q ≤ 0.5 where the branch reads 4, 9,
//! …, 49; the difference can exceed the 1e−3 the branch's own check accepts.

use crate::error::{Result, TsError};
use crate::numeric::numpy_pairwise_sum_f32;

/// The branch's quantile levels `(np.arange(20) / 20)[1:]`: 0.05, 0.10, …, 0.95.
pub fn paper_quantiles() -> Vec<f64> {
    (1..20).map(|i| f64::from(i) / 20.0).collect()
}

/// Sizes of a sample array `(S, T, N, D)`; `truth` is `(T, N, D)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleShape {
    /// Samples S.
    pub samples: usize,
    /// Horizon steps T.
    pub steps: usize,
    /// Windows N.
    pub windows: usize,
    /// Series D.
    pub dim: usize,
}

impl SampleShape {
    fn check(&self, samples: &[f32], truth: &[f32]) -> Result<()> {
        let per = self.steps * self.windows * self.dim;
        if per == 0
            || self.samples == 0
            || samples.len() != self.samples * per
            || truth.len() != per
        {
            return Err(TsError::Shape(format!(
                "samples of {} and truth of {} values for shape {self:?}",
                samples.len(),
                truth.len()
            )));
        }
        Ok(())
    }

    /// The `D` values of sample `s`, step `t`, window `n`.
    fn sample_row<'a>(&self, samples: &'a [f32], s: usize, t: usize, n: usize) -> &'a [f32] {
        let i = ((s * self.steps + t) * self.windows + n) * self.dim;
        &samples[i..i + self.dim]
    }

    fn truth_row<'a>(&self, truth: &'a [f32], t: usize, n: usize) -> &'a [f32] {
        let i = (t * self.windows + n) * self.dim;
        &truth[i..i + self.dim]
    }
}

/// The branch's `crps_quantile_sum(samples, truth)`: sum over D, then for each quantile q the
/// `k = int(q·S)`-th smallest of the S summed samples, and
/// `Σ_{n,t} 2·Σ_q |(ŷ_q − y)(1[y ≤ ŷ_q] − q)| / n_q / Σ_{n,t} |y|` (dimensionless; lower is
/// better). Differences are taken in `f32` as torch does, sums in `f64`. NaN in `truth` makes
/// the result NaN, as in the branch (its windows hold imputed zeros instead).
///
/// # Errors
/// [`TsError::Shape`] for inconsistent lengths; [`TsError::OutOfRange`] when `int(q·S) = 0` for
/// some q (the branch crashes in `kthvalue(0)`; S ≥ 20 is needed for the paper quantiles).
pub fn crps_quantile_sum(
    samples: &[f32],
    truth: &[f32],
    shape: SampleShape,
    quantiles: &[f64],
) -> Result<f64> {
    shape.check(samples, truth)?;
    let s_count = shape.samples;
    let ks = quantiles
        .iter()
        .map(|&q| {
            let k = (q * s_count as f64).trunc();
            if k >= 1.0 && k <= s_count as f64 {
                Ok(k as usize)
            } else {
                Err(TsError::OutOfRange(format!(
                    "quantile {q} of {s_count} samples: int(q·S) = {k} is not a valid kthvalue rank"
                )))
            }
        })
        .collect::<Result<Vec<_>>>()?;
    let mut loss = 0f64;
    let mut denom = 0f64;
    let mut summed = vec![0f32; s_count];
    for t in 0..shape.steps {
        for n in 0..shape.windows {
            for (s, v) in summed.iter_mut().enumerate() {
                *v = numpy_pairwise_sum_f32(shape.sample_row(samples, s, t, n));
            }
            summed.sort_by(f32::total_cmp);
            let y = numpy_pairwise_sum_f32(shape.truth_row(truth, t, n));
            denom += f64::from(y.abs());
            let mut ql = 0f64;
            for (&q, &k) in quantiles.iter().zip(&ks) {
                let yhat = summed[k - 1];
                let ind = if y <= yhat { 1.0f32 } else { 0.0 };
                ql += f64::from(((yhat - y) * (ind - q as f32)).abs());
            }
            loss += 2.0 * ql;
        }
    }
    Ok(loss / quantiles.len() as f64 / denom)
}

/// GluonTS `Evaluator` aggregate metrics over a set of univariate items (window × series, or
/// window for the summed series). Sums over items skip NaN items, means skip NaN items
/// (`aggregate_no_nan`).
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluatorMetrics {
    /// Mean over items of the per-item mean squared error of the sample mean.
    pub mse: f64,
    /// `sqrt(mse)`.
    pub rmse: f64,
    /// `rmse / abs_target_mean` (GluonTS' `NRMSE`).
    pub nrmse: f64,
    /// `abs_error / abs_target_sum` (GluonTS' `ND`, median forecast).
    pub nd: f64,
    /// Σ |y − median|.
    pub abs_error: f64,
    /// Σ |y|.
    pub abs_target_sum: f64,
    /// Mean over items of mean |y|.
    pub abs_target_mean: f64,
    /// `QuantileLoss[q]` per quantile: Σ 2·|(ŷ_q − y)(1[y ≤ ŷ_q] − q)|.
    pub quantile_loss: Vec<f64>,
    /// `wQuantileLoss[q] = QuantileLoss[q] / abs_target_sum`.
    pub weighted_quantile_loss: Vec<f64>,
    /// `Coverage[q]`: mean over items of the fraction of steps with y ≤ ŷ_q.
    pub coverage: Vec<f64>,
    /// `mean_wQuantileLoss`: the mean of `weighted_quantile_loss` (the CRPS approximation).
    pub mean_weighted_quantile_loss: f64,
    /// `mean_absolute_QuantileLoss`: the mean of `quantile_loss`.
    pub mean_absolute_quantile_loss: f64,
}

/// Per-item values before aggregation (NaN when every target value of the item is missing).
struct ItemMetrics {
    mse: f64,
    abs_error: f64,
    abs_target_sum: f64,
    abs_target_mean: f64,
    quantile_loss: Vec<f64>,
    coverage: Vec<f64>,
}

/// The sorted-sample index GluonTS's `SampleForecast.quantile` reads for quantile `q` of
/// `samples` paths: `round((S − 1)·q)`, half to even (numpy's `np.quantile(…,
/// method="lower")` is not it; GluonTS sorts and indexes).
pub fn sample_quantile_index(samples: usize, q: f64) -> usize {
    (samples.saturating_sub(1) as f64 * q).round_ties_even() as usize
}

/// One item: `forecast (S, T)` and `target (T)` (NaN = missing, ignored as GluonTS'
/// `ignore_invalid_values` does).
fn item_metrics(
    forecast: &[f32],
    target: &[f32],
    s_count: usize,
    quantiles: &[f64],
) -> ItemMetrics {
    let steps = target.len();
    let idx: Vec<usize> = quantiles
        .iter()
        .map(|&q| sample_quantile_index(s_count, q))
        .collect();
    let median = sample_quantile_index(s_count, 0.5);
    let mut col = vec![0f32; s_count];
    let mut valid = 0usize;
    let (mut se, mut abs_err) = (0f64, 0f64);
    let mut abs_y = Vec::with_capacity(steps);
    let mut ql = vec![0f64; quantiles.len()];
    let mut cov = vec![0f64; quantiles.len()];
    for t in 0..steps {
        let y = target[t];
        if y.is_nan() {
            continue;
        }
        valid += 1;
        for (s, c) in col.iter_mut().enumerate() {
            *c = forecast[s * steps + t];
        }
        let mean = col.iter().map(|&x| f64::from(x)).sum::<f64>() / s_count as f64;
        se += (f64::from(y) - mean).powi(2);
        col.sort_by(f32::total_cmp);
        abs_err += f64::from((y - col[median]).abs());
        abs_y.push(y.abs());
        for (j, (&q, &i)) in quantiles.iter().zip(&idx).enumerate() {
            let f = col[i];
            let ind = if y <= f { 1.0 } else { 0.0 };
            ql[j] += 2.0 * (f64::from(f - y) * (ind - q)).abs();
            cov[j] += ind;
        }
    }
    if valid == 0 {
        return ItemMetrics {
            mse: f64::NAN,
            abs_error: f64::NAN,
            abs_target_sum: f64::NAN,
            abs_target_mean: f64::NAN,
            quantile_loss: vec![f64::NAN; quantiles.len()],
            coverage: vec![f64::NAN; quantiles.len()],
        };
    }
    let v = valid as f64;
    // GluonTS sums |y| of an f32 target in f32 (numpy pairwise).
    let abs_sum = f64::from(numpy_pairwise_sum_f32(&abs_y));
    ItemMetrics {
        mse: se / v,
        abs_error: abs_err,
        abs_target_sum: abs_sum,
        abs_target_mean: abs_y.iter().map(|&x| f64::from(x)).sum::<f64>() / v,
        quantile_loss: ql,
        coverage: cov.into_iter().map(|c| c / v).collect(),
    }
}

fn nan_sum(x: impl Iterator<Item = f64>) -> f64 {
    x.filter(|v| !v.is_nan()).sum()
}

fn nan_mean(x: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = x
        .filter(|v| !v.is_nan())
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { f64::NAN } else { s / n as f64 }
}

fn aggregate(items: &[ItemMetrics], n_q: usize) -> EvaluatorMetrics {
    let mse = nan_mean(items.iter().map(|i| i.mse));
    let abs_error = nan_sum(items.iter().map(|i| i.abs_error));
    let abs_target_sum = nan_sum(items.iter().map(|i| i.abs_target_sum));
    let abs_target_mean = nan_mean(items.iter().map(|i| i.abs_target_mean));
    let quantile_loss: Vec<f64> = (0..n_q)
        .map(|j| nan_sum(items.iter().map(|i| i.quantile_loss[j])))
        .collect();
    let coverage = (0..n_q)
        .map(|j| nan_mean(items.iter().map(|i| i.coverage[j])))
        .collect();
    let weighted_quantile_loss: Vec<f64> =
        quantile_loss.iter().map(|q| q / abs_target_sum).collect();
    let rmse = mse.sqrt();
    EvaluatorMetrics {
        mse,
        rmse,
        nrmse: rmse / abs_target_mean,
        nd: abs_error / abs_target_sum,
        abs_error,
        abs_target_sum,
        abs_target_mean,
        mean_weighted_quantile_loss: weighted_quantile_loss.iter().sum::<f64>() / n_q as f64,
        mean_absolute_quantile_loss: quantile_loss.iter().sum::<f64>() / n_q as f64,
        quantile_loss,
        weighted_quantile_loss,
        coverage,
    }
}

/// GluonTS `MultivariateEvaluator` results (one item per window).
#[derive(Debug, Clone, PartialEq)]
pub struct MultivariateMetrics {
    /// `<d>_*`: each series over the windows.
    pub per_series: Vec<EvaluatorMetrics>,
    /// Unprefixed: all (window, series) items together (`mean_wQuantileLoss` = "CRPS").
    pub all: EvaluatorMetrics,
    /// `m_sum_*`: the sum over series of target and samples per window
    /// (`mean_wQuantileLoss` = "CRPS-sum").
    pub sum: EvaluatorMetrics,
}

/// GluonTS `MultivariateEvaluator(quantiles, target_agg_funcs={'sum': np.sum})` on one
/// `SampleForecast (S, T, D)` and one target frame `(T, D)` per window. Missing targets (NaN) are
/// ignored per series; in the summed series they count as 0 (pandas' `DataFrame.sum` skips NaN).
/// Per-step sums over D are `f32` (numpy pairwise), quantile losses `f64`, as GluonTS computes.
///
/// # Errors
/// [`TsError::Shape`] for inconsistent lengths; [`TsError::NonFiniteForecast`] when a sample is
/// NaN (GluonTS raises `Forecast contains NaN values`).
pub fn multivariate_evaluate(
    samples: &[f32],
    truth: &[f32],
    shape: SampleShape,
    quantiles: &[f64],
) -> Result<MultivariateMetrics> {
    shape.check(samples, truth)?;
    if samples.iter().any(|x| x.is_nan()) {
        return Err(TsError::NonFiniteForecast);
    }
    let (sc, steps, nw, d) = (shape.samples, shape.steps, shape.windows, shape.dim);
    let n_q = quantiles.len();
    let mut per_series_items: Vec<Vec<ItemMetrics>> =
        (0..d).map(|_| Vec::with_capacity(nw)).collect();
    let mut sum_items = Vec::with_capacity(nw);
    let mut forecast = vec![0f32; sc * steps];
    let mut target = vec![0f32; steps];
    for n in 0..nw {
        for (k, items) in per_series_items.iter_mut().enumerate() {
            for t in 0..steps {
                target[t] = shape.truth_row(truth, t, n)[k];
                for s in 0..sc {
                    forecast[s * steps + t] = shape.sample_row(samples, s, t, n)[k];
                }
            }
            items.push(item_metrics(&forecast, &target, sc, quantiles));
        }
        for t in 0..steps {
            let row: Vec<f32> = shape
                .truth_row(truth, t, n)
                .iter()
                .map(|&y| if y.is_nan() { 0.0 } else { y })
                .collect();
            target[t] = numpy_pairwise_sum_f32(&row);
            for s in 0..sc {
                forecast[s * steps + t] =
                    numpy_pairwise_sum_f32(shape.sample_row(samples, s, t, n));
            }
        }
        sum_items.push(item_metrics(&forecast, &target, sc, quantiles));
    }
    let per_series = per_series_items
        .iter()
        .map(|items| aggregate(items, n_q))
        .collect();
    let all_items: Vec<ItemMetrics> = per_series_items.into_iter().flatten().collect();
    Ok(MultivariateMetrics {
        per_series,
        all: aggregate(&all_items, n_q),
        sum: aggregate(&sum_items, n_q),
    })
}
