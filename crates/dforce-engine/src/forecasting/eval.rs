//! Forecast evaluation: sample paths on the held-out windows, CRPS-sum and the other GluonTS
//! metrics, baselines on the test split, and a fan chart (spec §2.3.5).
//!
//! Validation forecasts `num_test_dates` blocks of the training series (the branch draws them
//! unseeded; dforce seeds them from the run's seed, so every validation of a run scores the same
//! windows with the same draws and early stopping compares like with like). Test forecasts the
//! rolling test windows of the `test/` split.
//!
//! `crps_sum` is GluonTS's `MultivariateEvaluator(target_agg_funcs={'sum': np.sum})`
//! `m_sum_mean_wQuantileLoss` (quantiles 0.05 … 0.95); `crps_sum_branch` is the branch's
//! `crps_quantile_sum` on the same samples (another quantile estimator). Missing truth values
//! are skipped as GluonTS skips them.

use std::collections::BTreeMap;
use std::time::Instant;

use dforce_timeseries_data::PreparedData;
use dforce_timeseries_data::baselines::{SampleForecasts, seasonal_climatology, seasonal_naive};
use dforce_timeseries_data::metrics::{
    SampleShape, crps_quantile_sum, multivariate_evaluate, paper_quantiles,
};
use dforce_timeseries_data::windows::WindowBatch;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::Forecaster;
use super::media::write_fan_chart;
use super::options::ForecastOptions;
use super::paths::sample_paths;
use crate::algorithm::{Evaluation, Stage, TaskContext, TaskError};
use crate::tensorboard::EventWriter;

fn ts(e: impl std::fmt::Display) -> TaskError {
    TaskError::Invalid(e.to_string())
}

fn io(what: &'static str) -> impl FnOnce(std::io::Error) -> TaskError {
    move |source| TaskError::Io {
        what: what.into(),
        source,
    }
}

/// The windows a stage scores.
pub fn stage_windows(
    data: &PreparedData,
    stage: Stage,
    seed: u64,
) -> Result<WindowBatch, TaskError> {
    match stage {
        Stage::Validation => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(0x7661_6c69_6461_7465); // "validate"
            Ok(data.validation_batch(&mut rng).map_err(ts)?.1)
        }
        Stage::Test => data.test_batch().map_err(ts),
    }
}

/// `<ns>/crps_sum`, `<ns>/crps`, `<ns>/nd`, `<ns>/nrmse` of `(S, P, N, D)` samples against the
/// windows' truth (replicated `replicas` times along N, as the branch's CRPS replication).
fn score(
    prefix: &str,
    forecasts: &SampleForecasts,
    truth: &[f32],
    values: &mut BTreeMap<String, f64>,
) -> Result<f64, TaskError> {
    let m = multivariate_evaluate(
        &forecasts.samples,
        truth,
        forecasts.shape,
        &paper_quantiles(),
    )
    .map_err(ts)?;
    let crps_sum = m.sum.mean_weighted_quantile_loss;
    values.insert(format!("{prefix}/crps_sum"), crps_sum);
    values.insert(format!("{prefix}/crps"), m.all.mean_weighted_quantile_loss);
    values.insert(format!("{prefix}/nd"), m.all.nd);
    values.insert(format!("{prefix}/nrmse"), m.all.nrmse);
    values.insert(format!("{prefix}/nd_sum"), m.sum.nd);
    Ok(crps_sum)
}

/// Evaluates `model` on `stage`'s windows (see the module docs).
///
/// # Errors
/// Data, network or file errors.
pub fn evaluate(
    ctx: &TaskContext,
    options: &ForecastOptions,
    data: &PreparedData,
    model: &impl Forecaster,
    step: u64,
    stage: Stage,
) -> Result<Evaluation, TaskError> {
    let ns = stage.namespace();
    let seed = ctx.settings.seed;
    let windows = stage_windows(data, stage, seed)?;
    options.check_limit_batch(
        stage,
        windows.batch.div_ceil(options.eval_batch_size.max(1)),
    )?;
    let pred = data.spec.prediction_length;
    let started = Instant::now();
    let stream = match stage {
        Stage::Validation => 1 << 40,
        Stage::Test => 2 << 40,
    };
    let paths = sample_paths(model, options, data, &windows, seed, stream, &ctx.device)?;
    let secs = started.elapsed().as_secs_f64();
    let replicas = paths.windows / windows.batch.max(1);
    let truth_once = windows.horizon_truth(pred, true).map_err(ts)?;
    let replicate = |t: &[f32]| -> Vec<f32> {
        // (P, N, D) → (P, N·replicas, D), replica outermost along the window axis.
        let (n, d) = (windows.batch, windows.dim);
        let mut out = Vec::with_capacity(t.len() * replicas);
        for p in 0..pred {
            for _ in 0..replicas {
                out.extend_from_slice(&t[p * n * d..(p + 1) * n * d]);
            }
        }
        out
    };
    let truth = replicate(&truth_once);
    let shape = SampleShape {
        samples: paths.paths,
        steps: pred,
        windows: paths.windows,
        dim: windows.dim,
    };
    let forecasts = SampleForecasts {
        shape,
        samples: paths.samples,
    };
    let mut values = BTreeMap::new();
    let crps_sum = score(ns, &forecasts, &truth, &mut values)?;
    if paths.paths >= 20 {
        // The branch scores imputed zeros where the truth is missing.
        let truth_zero = replicate(&windows.horizon_truth(pred, false).map_err(ts)?);
        let branch = crps_quantile_sum(&forecasts.samples, &truth_zero, shape, &paper_quantiles())
            .map_err(ts)?;
        values.insert(format!("{ns}/crps_sum_branch"), branch);
    }
    values.insert(
        format!("{ns}/forecast_steps_per_second"),
        paths.tokens_generated as f64 / secs.max(1e-9),
    );
    let mut baseline_line = String::new();
    if stage == Stage::Test {
        let season = data.spec.freq.seasonality();
        let naive = seasonal_naive(&windows, pred, season).map_err(ts)?;
        let b1 = score(
            &format!("{ns}/baseline/seasonal_naive"),
            &naive,
            &truth_once,
            &mut values,
        )?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let clim =
            seasonal_climatology(&mut rng, &windows, pred, season, options.samples).map_err(ts)?;
        let b2 = score(
            &format!("{ns}/baseline/seasonal_climatology"),
            &clim,
            &truth_once,
            &mut values,
        )?;
        baseline_line = format!(
            "; baselines: seasonal naive {b1:.4}, seasonal climatology {b2:.4} (season {season})"
        );
    }
    let media = ctx.run_dir.join("media");
    std::fs::create_dir_all(&media).map_err(io("creating the media folder"))?;
    let mut tb =
        EventWriter::create(ctx.run_dir).map_err(io("creating the TensorBoard event file"))?;
    let chart = write_fan_chart(
        &media.join(format!("{ns}_forecast.png")),
        data,
        &windows,
        &forecasts,
        step,
        ns,
        &mut tb,
    )?;
    crate::metrics::log_evaluation(ctx.run_dir, &mut tb, step, &values)?;
    let summary = format!(
        "{ns}: CRPS-sum {crps_sum:.4} on {} windows × {} sample paths ({:.1} s){baseline_line}; fan chart {}",
        windows.batch,
        paths.paths,
        secs,
        chart.display()
    );
    Ok(Evaluation {
        summary,
        metrics: values,
    })
}
