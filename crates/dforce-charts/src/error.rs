//! The error type of every chart operation.

use std::path::PathBuf;

use plotters::drawing::DrawingAreaErrorKind;

/// Why a chart could not be drawn, encoded or written.
///
/// Bad data (NaN or infinite values, empty series) is not an error: such points are skipped and an
/// empty chart still draws its axes. Errors are reserved for requests that cannot produce a picture.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The requested image size is outside what the charts can lay out.
    #[error(
        "chart size {width}x{height} px is not supported: width must be {min_width}..={max_side} px \
         and height {min_height}..={max_side} px"
    )]
    InvalidSize {
        /// Requested width in pixels.
        width: u32,
        /// Requested height in pixels.
        height: u32,
        /// Smallest accepted width in pixels.
        min_width: u32,
        /// Smallest accepted height in pixels.
        min_height: u32,
        /// Largest accepted side in pixels.
        max_side: u32,
    },
    /// A setting of the chart (not its data) is unusable, e.g. a y range whose lower end is not
    /// below its upper end.
    #[error("invalid {what}: {reason}")]
    InvalidSetting {
        /// Which setting, e.g. `y range`.
        what: &'static str,
        /// What was wrong and what would be right.
        reason: String,
    },
    /// The embedded font could not be parsed or registered with plotters (a build defect).
    #[error("the embedded chart font (DejaVu Sans) could not be registered with plotters")]
    Font,
    /// plotters failed while drawing into the in-memory bitmap.
    #[error("drawing the chart failed")]
    Draw(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The `png` encoder rejected the bitmap.
    #[error("encoding the chart as PNG failed")]
    Encode(#[source] png::EncodingError),
    /// Creating, writing or renaming the output file failed.
    #[error("writing the chart to {path}")]
    Io {
        /// The file that was being written.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Converts a plotters drawing error into [`ChartError::Draw`], keeping it as the source.
pub(crate) fn draw_err<E>(e: DrawingAreaErrorKind<E>) -> ChartError
where
    E: std::error::Error + Send + Sync + 'static,
{
    ChartError::Draw(Box::new(e))
}
