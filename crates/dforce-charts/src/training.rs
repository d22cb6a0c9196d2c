//! [`TrainingCurves`]: training metrics over optimiser steps, with validation metrics in panels
//! below, as one PNG.

use std::path::Path;

use plotters::prelude::IntoFont;
use plotters::style::Color;

use crate::canvas::render_png;
use crate::color::{INK, palette_color};
use crate::error::draw_err;
use crate::font::FAMILY;
use crate::panel::{self, Line, Panel};
use crate::range::{self, extent};
use crate::write::write_atomic;
use crate::{ChartError, YScale};

/// One logged metric: its name (e.g. `training/loss`, `validation/psnr`) and `(step, value)`
/// points, `step` being the optimiser step. NaN or infinite values are skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSeries {
    /// Metric name as logged, e.g. `"training/loss"`; names starting with `validation/` or `test/`
    /// are evaluation metrics.
    pub name: String,
    /// `(optimiser step, value)` points in step order.
    pub points: Vec<(u64, f64)>,
}

impl MetricSeries {
    /// Whether this is an evaluation metric (`validation/…` or `test/…`), drawn in its own panel.
    pub fn is_evaluation(&self) -> bool {
        self.name.starts_with("validation/") || self.name.starts_with("test/")
    }
}

/// Training curves: every training metric (anything not `validation/…` or `test/…`, e.g. the loss)
/// in a top panel, and one panel per evaluation metric stacked below it, all sharing the optimiser
/// step as x axis, under one title.
///
/// The top panel uses [`TrainingCurves::loss_scale`]; a log scale falls back to linear when the
/// training metrics have a finite value `<= 0` (it could not be placed) or span less than a
/// factor of 10 (a log axis would then show a single tick label). Without any metric the chart
/// draws one empty panel with its axes.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingCurves {
    /// Caption above all panels, e.g. `"Training curves: video, 8 frames"`.
    pub title: String,
    /// Y scale of the training-metric panel (log by default: losses fall over decades).
    pub loss_scale: YScale,
    /// The metrics, in legend order.
    pub metrics: Vec<MetricSeries>,
}

/// Training curves titled `title` from `(name, (step, value) points)` pairs, loss on a log axis.
pub fn training_curve_chart<S: Into<String>>(
    title: impl Into<String>,
    metrics: impl IntoIterator<Item = (S, Vec<(u64, f64)>)>,
) -> TrainingCurves {
    TrainingCurves {
        title: title.into(),
        loss_scale: YScale::Log,
        metrics: metrics
            .into_iter()
            .map(|(name, points)| MetricSeries {
                name: name.into(),
                points,
            })
            .collect(),
    }
}

/// The data of one panel, owned so that [`Panel`] can borrow it.
struct PanelData {
    y_desc: String,
    scale: YScale,
    series: Vec<(String, Vec<(f64, f64)>)>,
}

impl TrainingCurves {
    /// An empty set of curves (log-scaled loss) titled `title`.
    pub fn new(title: impl Into<String>) -> Self {
        training_curve_chart(title, Vec::<(String, Vec<(u64, f64)>)>::new())
    }

    /// Adds a metric.
    pub fn metric(mut self, name: impl Into<String>, points: Vec<(u64, f64)>) -> Self {
        self.metrics.push(MetricSeries {
            name: name.into(),
            points,
        });
        self
    }

    /// Sets the y scale of the training-metric panel.
    pub fn loss_scale(mut self, scale: YScale) -> Self {
        self.loss_scale = scale;
        self
    }

    fn panels(&self) -> Vec<PanelData> {
        let to_f64 = |m: &MetricSeries| -> (String, Vec<(f64, f64)>) {
            (
                m.name.clone(),
                m.points.iter().map(|&(s, v)| (s as f64, v)).collect(),
            )
        };
        let training: Vec<_> = self
            .metrics
            .iter()
            .filter(|m| !m.is_evaluation())
            .map(to_f64)
            .collect();
        let mut panels = Vec::new();
        let has_eval = self.metrics.iter().any(MetricSeries::is_evaluation);
        if !training.is_empty() || !has_eval {
            let finite = training
                .iter()
                .flat_map(|(_, p)| p.iter())
                .map(|&(_, v)| v)
                .filter(|v| v.is_finite());
            let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                (l.min(v), h.max(v))
            });
            // A log axis needs positive values, and reads well only over at least a decade
            // (within one it would show a single tick label): otherwise the axis is linear.
            let scale = if lo <= 0.0 || hi < 10.0 * lo {
                YScale::Linear
            } else {
                self.loss_scale
            };
            let y_desc = match training.as_slice() {
                [(name, _)] => name.clone(),
                _ => "training metric".to_string(),
            };
            let y_desc = if scale == YScale::Log {
                format!("{y_desc} (log scale)")
            } else {
                y_desc
            };
            panels.push(PanelData {
                y_desc,
                scale,
                series: training,
            });
        }
        for m in self.metrics.iter().filter(|m| m.is_evaluation()) {
            panels.push(PanelData {
                y_desc: m.name.clone(),
                scale: YScale::Linear,
                series: vec![to_f64(m)],
            });
        }
        panels
    }

    /// Encodes the curves as an 8-bit RGB PNG of `width`×`height` pixels; panels share the height
    /// evenly, so allow ~250 px per panel.
    ///
    /// # Errors
    /// [`ChartError::InvalidSize`] for a size outside the supported range,
    /// [`ChartError::InvalidSetting`] for a step or value span `f64` cannot hold,
    /// [`ChartError::Draw`]/[`ChartError::Encode`] if plotters or the encoder fail.
    pub fn to_png_bytes(&self, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
        let data = self.panels();
        let steps = self.metrics.iter().flat_map(|m| {
            m.points
                .iter()
                .filter(|p| p.1.is_finite())
                .map(|p| p.0 as f64)
        });
        let x_range = range::x_axis(extent(steps, false))?;
        let mut panels = Vec::with_capacity(data.len());
        let mut color_index = 0;
        for (i, d) in data.iter().enumerate() {
            let log = d.scale == YScale::Log;
            let ys = d.series.iter().flat_map(|(_, p)| p.iter().map(|p| p.1));
            let y_range = if log {
                range::y_log(extent(ys, true))?
            } else {
                range::y_linear(extent(ys, false))?
            };
            let lines = d
                .series
                .iter()
                .map(|(name, points)| {
                    color_index += 1;
                    Line {
                        label: Some(name.as_str()),
                        points: points.as_slice(),
                        color: palette_color(color_index - 1),
                        width: 2.0,
                        dashed: false,
                    }
                })
                .collect();
            let last = i + 1 == data.len();
            panels.push(Panel {
                title: None,
                x_desc: if last { "optimiser step" } else { "" },
                y_desc: &d.y_desc,
                x_range: x_range.clone(),
                x_ticks: None,
                x_format: None,
                y_range,
                y_scale: d.scale,
                bands: Vec::new(),
                lines,
                markers: Vec::new(),
            });
        }
        render_png(width, height, |root, sizes| {
            let title_font = (FAMILY, sizes.title())
                .into_font()
                .color(&INK.to_plotters().to_rgba());
            let body = root.titled(&self.title, title_font).map_err(draw_err)?;
            let areas = body.split_evenly((panels.len(), 1));
            for (area, p) in areas.iter().zip(&panels) {
                panel::draw(area, p, sizes)?;
            }
            Ok(())
        })
    }

    /// Renders the curves (see [`TrainingCurves::to_png_bytes`]) and writes them to `path`
    /// atomically.
    ///
    /// # Errors
    /// Those of [`TrainingCurves::to_png_bytes`], and [`ChartError::Io`] if the file cannot be
    /// written.
    pub fn render_png(
        &self,
        path: impl AsRef<Path>,
        width: u32,
        height: u32,
    ) -> Result<(), ChartError> {
        let bytes = self.to_png_bytes(width, height)?;
        write_atomic(path.as_ref(), &bytes)
    }
}
