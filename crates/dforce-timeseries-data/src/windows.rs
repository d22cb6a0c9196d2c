//! Training, validation and test windows: what the branch's GluonTS pipeline
//! (`gluonts_dataset.py`: `create_transformation` + `create_instance_splitter`, then `batchify`)
//! hands to `DiffusionForcingPrediction`, as a [`WindowBatch`] in GluonTS' NTC layout.
//!
//! Per instance at split point `i` of a grouped series (GluonTS `InstanceSplitter`, 0.13):
//! `past_* = field[i − past_len, i)` (left-padded with 0.0 and `past_is_pad = 1` where that is
//! before the series start), `future_* = field[i, i + prediction_length)` cut at the field's end.
//! Missing targets are imputed with 0.0 and flagged 0 in `*_observed_values`
//! (`AddObservedValuesIndicator`). Fourier features ([`crate::time_features`]) cover the target's
//! index (training) or the target's index plus `prediction_length` (validation/test), and their
//! period is the maximum over that index.
//!
//! - training: `past_len = history_length`, `i` from the sampler ([`crate::sampler`]).
//! - test: one instance per test date at the series end, `past_len = history + prediction`, so
//!   `past_target_cdf` ENDS WITH THE GROUND-TRUTH WINDOW and `future_target_cdf` is empty (the
//!   branch appends `prediction_length` zeros, `split(offset=−pred)`, `generate_instances(pred)`).
//! - validation: blocks of `history + prediction` steps cut from the grouped training series at
//!   given start points, then processed as test dates.

use time::PrimitiveDateTime;

use crate::error::{Result, TsError};
use crate::grouping::GroupedSeries;
use crate::spec::ForecastSpec;
use crate::time_features::fourier_features;

/// A batch of windows, batch-major as GluonTS batches (`(B, time, ...)`, `f32`).
#[derive(Debug, Clone, PartialEq)]
pub struct WindowBatch {
    /// Windows B.
    pub batch: usize,
    /// Series D.
    pub dim: usize,
    /// Past steps per window (`history` for training, `history + prediction` otherwise).
    pub past_len: usize,
    /// Future target steps per window (`prediction` for training, 0 for validation/test).
    pub future_len: usize,
    /// Future time-feature steps per window (`prediction`).
    pub future_feat_len: usize,
    /// Time-feature width F.
    pub time_feat_dim: usize,
    /// `past_target_cdf` `(B, past_len, D)`, missing values imputed 0.
    pub past_target: Vec<f32>,
    /// `past_observed_values` `(B, past_len, D)`: 1 observed, 0 missing or padding.
    pub past_observed: Vec<f32>,
    /// `past_is_pad` `(B, past_len)`.
    pub past_is_pad: Vec<f32>,
    /// `past_time_feat` `(B, past_len, F)`.
    pub past_time_feat: Vec<f32>,
    /// `future_target_cdf` `(B, future_len, D)`, missing values imputed 0.
    pub future_target: Vec<f32>,
    /// `future_observed_values` `(B, future_len, D)`.
    pub future_observed: Vec<f32>,
    /// `future_time_feat` `(B, future_feat_len, F)`.
    pub future_time_feat: Vec<f32>,
    /// Start of each window's (grouped or block) series.
    pub start: Vec<PrimitiveDateTime>,
    /// First forecast period of each window (`start + i`).
    pub forecast_start: Vec<PrimitiveDateTime>,
}

impl WindowBatch {
    fn empty(
        dim: usize,
        past_len: usize,
        future_len: usize,
        future_feat_len: usize,
        f: usize,
    ) -> Self {
        Self {
            batch: 0,
            dim,
            past_len,
            future_len,
            future_feat_len,
            time_feat_dim: f,
            past_target: Vec::new(),
            past_observed: Vec::new(),
            past_is_pad: Vec::new(),
            past_time_feat: Vec::new(),
            future_target: Vec::new(),
            future_observed: Vec::new(),
            future_time_feat: Vec::new(),
            start: Vec::new(),
            forecast_start: Vec::new(),
        }
    }

    /// `target_dimension_indicator` `(B, D)`: `0..D` for every window (GluonTS'
    /// `TargetDimIndicator`).
    pub fn target_dimension_indicator(&self) -> Vec<i64> {
        let d = i64::try_from(self.dim).unwrap_or(i64::MAX);
        (0..self.batch).flat_map(|_| 0..d).collect()
    }

    /// `feat_static_cat` `(B, 1)`: 0 (the grouper sets `[0]`).
    pub fn feat_static_cat(&self) -> Vec<f32> {
        vec![0.0; self.batch]
    }

    /// The ground truth of each window's forecast horizon, time-major `(prediction_length, B, D)`
    /// (the layout of the metrics' `truth`): the last `prediction_length` steps of
    /// `past_target_cdf` for validation/test batches, `future_target_cdf` for training batches.
    /// With `missing_as_nan` unobserved values are NaN (GluonTS' evaluator then ignores them);
    /// otherwise they are the imputed 0 the branch scores against.
    ///
    /// # Errors
    /// [`TsError::OutOfRange`] when `prediction_length` exceeds the available steps.
    pub fn horizon_truth(
        &self,
        prediction_length: usize,
        missing_as_nan: bool,
    ) -> Result<Vec<f32>> {
        let (vals, obs, len, from) = if self.future_len > 0 {
            (
                &self.future_target,
                &self.future_observed,
                self.future_len,
                0,
            )
        } else {
            let from = self
                .past_len
                .checked_sub(prediction_length)
                .ok_or_else(|| {
                    TsError::OutOfRange(format!(
                        "horizon of {prediction_length} steps longer than the {} past steps",
                        self.past_len
                    ))
                })?;
            (&self.past_target, &self.past_observed, self.past_len, from)
        };
        if from + prediction_length > len {
            return Err(TsError::OutOfRange(format!(
                "horizon of {prediction_length} steps longer than the {len} future steps"
            )));
        }
        let d = self.dim;
        let mut out = Vec::with_capacity(prediction_length * self.batch * d);
        for t in 0..prediction_length {
            for b in 0..self.batch {
                let base = (b * len + from + t) * d;
                for k in 0..d {
                    let missing = obs[base + k] == 0.0;
                    out.push(if missing && missing_as_nan {
                        f32::NAN
                    } else {
                        vals[base + k]
                    });
                }
            }
        }
        Ok(out)
    }

    /// Appends the instance of `series` split at `i`; `feats` is `(feat_len, F)`.
    fn push(
        &mut self,
        series: &GroupedSeries,
        feats: &[f32],
        feat_len: usize,
        i: usize,
        spec: &ForecastSpec,
    ) -> Result<()> {
        let (d, f) = (self.dim, self.time_feat_dim);
        if series.dim != d {
            return Err(TsError::Shape(format!(
                "series of {} rows in a batch of {d}",
                series.dim
            )));
        }
        for t in 0..self.past_len {
            match (i + t).checked_sub(self.past_len) {
                None => {
                    self.past_is_pad.push(1.0);
                    self.past_target.extend(std::iter::repeat_n(0.0, d));
                    self.past_observed.extend(std::iter::repeat_n(0.0, d));
                    self.past_time_feat.extend(std::iter::repeat_n(0.0, f));
                }
                Some(src) => {
                    self.past_is_pad.push(0.0);
                    for k in 0..d {
                        let x = series.values[k * series.len + src];
                        self.past_target.push(if x.is_nan() { 0.0 } else { x });
                        self.past_observed.push(if x.is_nan() { 0.0 } else { 1.0 });
                    }
                    self.past_time_feat
                        .extend_from_slice(&feats[src * f..(src + 1) * f]);
                }
            }
        }
        for src in i..i + self.future_len {
            for k in 0..d {
                let x = series.values[k * series.len + src];
                self.future_target.push(if x.is_nan() { 0.0 } else { x });
                self.future_observed
                    .push(if x.is_nan() { 0.0 } else { 1.0 });
            }
        }
        if i + self.future_feat_len > feat_len {
            return Err(TsError::OutOfRange(format!(
                "future features [{i}, {}) beyond the {feat_len}-step index",
                i + self.future_feat_len
            )));
        }
        self.future_time_feat
            .extend_from_slice(&feats[i * f..(i + self.future_feat_len) * f]);
        self.start.push(series.start);
        let steps = i64::try_from(i).map_err(|e| TsError::OutOfRange(e.to_string()))?;
        self.forecast_start
            .push(spec.freq.add(series.start, steps)?);
        self.batch += 1;
        Ok(())
    }
}

/// Training windows at the given split points of the grouped training series: `past` =
/// `[i − history, i)`, `future` = `[i, i + prediction)`; features over the series' own index.
///
/// # Errors
/// [`TsError::OutOfRange`] for a split point outside `[history, T − prediction]` (the range of
/// GluonTS' `ExpectedNumInstanceSampler(min_past=history, min_future=prediction)`).
pub fn training_windows(
    grouped: &GroupedSeries,
    spec: &ForecastSpec,
    split_indices: &[usize],
) -> Result<WindowBatch> {
    let (h, p) = (spec.history_length, spec.prediction_length);
    let feats = fourier_features(&spec.freq, &spec.time_features, grouped.start, grouped.len)?;
    let mut out = WindowBatch::empty(grouped.dim, h, p, p, spec.time_feature_dim());
    for &i in split_indices {
        if i < h || i.checked_add(p).is_none_or(|e| e > grouped.len) {
            return Err(TsError::OutOfRange(format!(
                "training split index {i} outside [{h}, {}] (history {h}, prediction {p}, {} steps)",
                grouped.len.saturating_sub(p),
                grouped.len
            )));
        }
        out.push(grouped, &feats, grouped.len, i, spec)?;
    }
    Ok(out)
}

/// Test windows: one per grouped test date, split at the series end, `past_len = history +
/// prediction` (the last `prediction` past steps are the ground truth), no future target,
/// `prediction` future feature steps.
///
/// # Errors
/// [`TsError::OutOfRange`] when dates leave the supported date range; [`TsError::Shape`] when
/// the dates hold different numbers of series.
pub fn test_windows(dates: &[GroupedSeries], spec: &ForecastSpec) -> Result<WindowBatch> {
    let p = spec.prediction_length;
    let dim = dates.first().map_or(0, |g| g.dim);
    let mut out = WindowBatch::empty(dim, spec.window_length(), 0, p, spec.time_feature_dim());
    for g in dates {
        let feat_len = g.len + p;
        let feats = fourier_features(&spec.freq, &spec.time_features, g.start, feat_len)?;
        out.push(g, &feats, feat_len, g.len, spec)?;
    }
    Ok(out)
}

/// Validation windows: blocks of `history + prediction` steps of the grouped training series
/// starting at `start_points` (each block's start is `grouped.start + s`), processed as test
/// dates ([`test_windows`]); the block's Fourier periods come from the block + prediction only.
///
/// # Errors
/// [`TsError::OutOfRange`] for a start point whose block leaves the series.
pub fn validation_windows(
    grouped: &GroupedSeries,
    spec: &ForecastSpec,
    start_points: &[usize],
) -> Result<WindowBatch> {
    let blocks = start_points
        .iter()
        .map(|&s| grouped.block(&spec.freq, s, spec.window_length()))
        .collect::<Result<Vec<_>>>()?;
    if blocks.is_empty() {
        return Ok(WindowBatch::empty(
            grouped.dim,
            spec.window_length(),
            0,
            spec.prediction_length,
            spec.time_feature_dim(),
        ));
    }
    test_windows(&blocks, spec)
}
