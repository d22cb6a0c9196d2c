//! Readable charts as PNG images: line charts, training curves and forecast fan charts.
//!
//! Every chart has a title, axes with tick labels, axis descriptions with units, and a legend. They
//! are drawn with [`plotters`] into an in-memory RGB bitmap and encoded with the `png` crate, so they
//! render headless and identically everywhere: text uses DejaVu Sans compiled into the library
//! (`assets/DejaVuSans.ttf`, Bitstream Vera licence, DejaVu changes public domain; full text in
//! `assets/DejaVuSans-LICENSE.txt`), never a system font.
//!
//! Data is drawn as given, without failing on bad values: NaN and ±inf points are skipped (a line
//! is broken there), empty series still get a legend entry, and a chart without any data still
//! draws its axes. Errors ([`ChartError`]) are reserved for requests that cannot produce a picture:
//! an image size outside [`MIN_WIDTH`]×[`MIN_HEIGHT`]..=[`MAX_SIDE`]², an unusable fixed y range,
//! or an I/O failure. Files are written atomically (temporary file in the same folder, then
//! rename).
//!
//! Chart kinds:
//! - [`LineChart`]: named `(x, y)` series, optional vertical markers (e.g. "end of context"), an
//!   optional fixed y range, linear or log y axis.
//! - [`TrainingCurves`]: training metrics over optimiser steps in one panel (log or linear y),
//!   and each validation metric in its own panel below.
//! - [`FanChart`]: a probabilistic forecast over time: history, ground truth, median and shaded
//!   50 % and 90 % central intervals, with dates on the x axis.
//!
//! Captions for pictures drawn elsewhere: [`add_caption`] puts a strip under an RGB image with a
//! line of text and a legend of markers ([`LegendMarker`]: the maze figures' start and goal, or
//! a colour swatch) and colour-scale bars ([`ColorScale`], e.g. time along a path).

#![warn(missing_docs)]

mod canvas;
mod caption;
mod color;
mod error;
mod fan;
mod font;
mod line;
mod numfmt;
mod panel;
mod range;
mod ticks;
mod training;
mod write;

pub use canvas::{MAX_SIDE, MIN_HEIGHT, MIN_WIDTH};
pub use caption::{
    Caption, ColorScale, LegendEntry, LegendMarker, RgbImage, add_caption, caption_strip, stack,
};
pub use color::{PALETTE, Rgb, palette_color};
pub use error::ChartError;
pub use fan::{FanChart, ForecastPoint, format_utc};
pub use line::{LineChart, Marker, Series};
pub use training::{MetricSeries, TrainingCurves, training_curve_chart};

/// How values map to the vertical axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum YScale {
    /// Evenly spaced values.
    #[default]
    Linear,
    /// Evenly spaced decades (base 10). Values `<= 0` cannot be placed and are skipped like NaN.
    Log,
}
