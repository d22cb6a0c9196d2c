//! [`LineChart`]: named `(x, y)` series with axes, legend, title and optional vertical markers.

use std::path::Path;

use crate::canvas::render_png;
use crate::color::{Rgb, palette_color};
use crate::panel::{self, Line, Panel, VLine};
use crate::range::{self, extent, union};
use crate::write::write_atomic;
use crate::{ChartError, YScale};

/// One named line of a [`LineChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text, e.g. `"with cache"`.
    pub name: String,
    /// `(x, y)` points in data units, drawn in the given order. Points with a NaN or infinite
    /// coordinate are skipped and break the line.
    pub points: Vec<(f64, f64)>,
    /// Line colour; `None` takes the next colour of [`crate::PALETTE`] by series position.
    pub color: Option<Rgb>,
}

/// A labelled dashed vertical line, e.g. `"end of context"` at frame 4.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Position in x data units; a non-finite position is not drawn.
    pub x: f64,
    /// Text written beside the top of the line.
    pub label: String,
}

/// A line chart: title, axis descriptions with units, named series, vertical markers, legend.
///
/// The x range spans the finite data and the markers; the y range spans the finite data with 5 %
/// padding unless [`LineChart::y_range`] fixes it. The legend goes to the corner that covers the
/// fewest points.
///
/// ```
/// use dforce_charts::LineChart;
/// let png = LineChart::new("PSNR per frame", "frame", "PSNR (dB)")
///     .series("no cache", vec![(0.0, 31.0), (1.0, 29.5), (2.0, 28.0)])
///     .marker(1.0, "end of context")
///     .to_png_bytes(800, 450)
///     .unwrap();
/// assert_eq!(&png[1..4], b"PNG");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    /// Caption above the chart.
    pub title: String,
    /// X axis description with unit, e.g. `"frame"` or `"time (s)"`.
    pub x_label: String,
    /// Y axis description with unit, e.g. `"PSNR (dB)"`.
    pub y_label: String,
    /// The lines, drawn in order (later ones on top).
    pub series: Vec<Series>,
    /// Vertical markers.
    pub markers: Vec<Marker>,
    /// Fixed `(min, max)` of the y axis; points outside are clipped. `None` fits the data.
    pub y_range: Option<(f64, f64)>,
    /// Linear or log y axis.
    pub y_scale: YScale,
}

impl LineChart {
    /// An empty chart with a title and axis descriptions (include units, e.g. `"PSNR (dB)"`).
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            ..Self::default()
        }
    }

    /// Adds a series in the next palette colour.
    pub fn series(mut self, name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        self.series.push(Series {
            name: name.into(),
            points,
            color: None,
        });
        self
    }

    /// Adds a series in the given colour.
    pub fn series_with_color(
        mut self,
        name: impl Into<String>,
        points: Vec<(f64, f64)>,
        color: Rgb,
    ) -> Self {
        self.series.push(Series {
            name: name.into(),
            points,
            color: Some(color),
        });
        self
    }

    /// Adds a labelled vertical marker at `x`.
    pub fn marker(mut self, x: f64, label: impl Into<String>) -> Self {
        self.markers.push(Marker {
            x,
            label: label.into(),
        });
        self
    }

    /// Fixes the y axis to `min..max` (checked when drawing: finite, `min < max`, `min > 0` on a
    /// log axis).
    pub fn y_range(mut self, min: f64, max: f64) -> Self {
        self.y_range = Some((min, max));
        self
    }

    /// Sets the y scale.
    pub fn y_scale(mut self, scale: YScale) -> Self {
        self.y_scale = scale;
        self
    }

    /// Encodes the chart as an 8-bit RGB PNG of `width`×`height` pixels (e.g. for TensorBoard).
    ///
    /// # Errors
    /// [`ChartError::InvalidSize`] for a size outside the supported range,
    /// [`ChartError::InvalidSetting`] for an unusable fixed y range or a data span `f64` cannot
    /// hold, [`ChartError::Draw`]/[`ChartError::Encode`] if plotters or the encoder fail.
    pub fn to_png_bytes(&self, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
        let log = self.y_scale == YScale::Log;
        let x_ext = union(
            extent(
                self.series
                    .iter()
                    .flat_map(|s| s.points.iter().filter(|p| p.1.is_finite()).map(|p| p.0)),
                false,
            ),
            extent(self.markers.iter().map(|m| m.x), false),
        );
        let x_range = range::x_axis(x_ext)?;
        let y_range = match self.y_range {
            Some(r) => range::y_fixed(r, log)?,
            None => {
                let ys = self
                    .series
                    .iter()
                    .flat_map(|s| s.points.iter().filter(|p| p.0.is_finite()).map(|p| p.1));
                let ext = extent(ys, log);
                if log {
                    range::y_log(ext)?
                } else {
                    range::y_linear(ext)?
                }
            }
        };
        let lines = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| Line {
                label: Some(&s.name),
                points: &s.points,
                color: s.color.unwrap_or_else(|| palette_color(i)),
                width: 2.0,
                dashed: false,
            })
            .collect();
        let markers = self
            .markers
            .iter()
            .map(|m| VLine {
                x: m.x,
                label: &m.label,
            })
            .collect();
        let chart = Panel {
            title: Some(&self.title),
            x_desc: &self.x_label,
            y_desc: &self.y_label,
            x_range,
            x_ticks: None,
            x_format: None,
            y_range,
            y_scale: self.y_scale,
            bands: Vec::new(),
            lines,
            markers,
        };
        render_png(width, height, |area, sizes| {
            panel::draw(area, &chart, sizes)
        })
    }

    /// Renders the chart (see [`LineChart::to_png_bytes`]) and writes it to `path` atomically.
    ///
    /// # Errors
    /// Those of [`LineChart::to_png_bytes`], and [`ChartError::Io`] if the file cannot be written.
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
