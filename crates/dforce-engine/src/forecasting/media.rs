//! The forecast fan chart: history, truth, median and the 50 % / 90 % bands of the first
//! series of the first window, dates on the x axis (the branch logs a grid of such plots for
//! its test stage, `log_timeseries_plots`).

use std::path::{Path, PathBuf};

use dforce_charts::{FanChart, ForecastPoint};
use dforce_timeseries_data::PreparedData;
use dforce_timeseries_data::baselines::SampleForecasts;
use dforce_timeseries_data::metrics::sample_quantile_index;
use dforce_timeseries_data::windows::WindowBatch;

use crate::algorithm::TaskError;
use crate::tensorboard::EventWriter;

/// Chart size in pixels.
pub const CHART_SIZE: (u32, u32) = (900, 450);

/// Quantile `q` of sorted samples, read as the metrics read it.
fn quantile(sorted: &[f32], q: f64) -> f64 {
    sorted[sample_quantile_index(sorted.len(), q)] as f64
}

/// Draws series 0 of window 0 to `path` and logs it to TensorBoard as `<ns>/forecast`.
///
/// # Errors
/// A date outside the calendar, or a file error.
pub fn write_fan_chart(
    path: &Path,
    data: &PreparedData,
    windows: &WindowBatch,
    forecasts: &SampleForecasts,
    step: u64,
    ns: &str,
    tb: &mut EventWriter,
) -> Result<PathBuf, TaskError> {
    let freq = &data.spec.freq;
    let pred = data.spec.prediction_length;
    let (d, series) = (windows.dim, 0usize);
    let shape = forecasts.shape;
    let start = windows.forecast_start[0];
    let time = |offset: i64| -> Result<i64, TaskError> {
        freq.add(start, offset)
            .map(|t| t.assume_utc().unix_timestamp())
            .map_err(|e| TaskError::Invalid(format!("fan chart dates: {e}")))
    };
    // Validation/test windows hold history + horizon in past_target; the horizon is last.
    let hist_len = windows.past_len - pred;
    let shown = hist_len.min(4 * pred.max(data.spec.context_length));
    let mut history = Vec::with_capacity(shown);
    for i in hist_len - shown..hist_len {
        let v = windows.past_target[i * d + series];
        let observed = windows.past_observed[i * d + series] > 0.0;
        if observed {
            history.push((time(i as i64 - hist_len as i64)?, v as f64));
        }
    }
    let mut truth = Vec::with_capacity(pred);
    let mut forecast = Vec::with_capacity(pred);
    for p in 0..pred {
        let i = hist_len + p;
        let t = time(p as i64)?;
        if windows.past_observed[i * d + series] > 0.0 {
            truth.push((t, windows.past_target[i * d + series] as f64));
        }
        let mut column: Vec<f32> = (0..shape.samples)
            .map(|s| forecasts.samples[((s * shape.steps + p) * shape.windows) * d + series])
            .collect();
        column.sort_by(f32::total_cmp);
        forecast.push(ForecastPoint {
            t,
            p05: quantile(&column, 0.05),
            p25: quantile(&column, 0.25),
            median: quantile(&column, 0.5),
            p75: quantile(&column, 0.75),
            p95: quantile(&column, 0.95),
        });
    }
    let mut chart = FanChart::new(
        format!(
            "{ns} forecast, series 0 of window 0 ({} sample paths, step {step})",
            shape.samples
        ),
        "value",
    );
    chart.history = history;
    chart.truth = truth;
    chart.forecast = forecast;
    let (w, h) = CHART_SIZE;
    let png = chart.to_png_bytes(w, h)?;
    dforce_io::atomic::write_bytes_atomic(path, &png).map_err(|source| TaskError::Io {
        what: format!("writing {}", path.display()),
        source,
    })?;
    tb.image(&format!("{ns}/forecast"), step, w, h, &png)
        .map_err(|source| TaskError::Io {
            what: "writing the TensorBoard event file".into(),
            source,
        })?;
    Ok(path.to_path_buf())
}
