//! Pictures of plans and rollouts in a maze: a tiny rasteriser ([`raster`]), the reference's
//! maze trajectory figure ([`maze_plot`]), sequential colormaps ([`colormap`]) and animated
//! GIFs ([`animation`]), and caption strips with a legend under them ([`legend`], drawn by
//! `dforce-charts`, which has the font).
//!
//! Rendering is our own (a few hundred lines) rather than a plotting stack: the figures are
//! simple (unit squares, discs, a star) and evaluation must run on headless machines with no
//! fonts or system libraries. Only encoding is delegated, to the pure-Rust `png` and `gif`
//! crates.

pub mod animation;
pub mod colormap;
pub mod legend;
pub mod maze_plot;
pub mod raster;

use std::path::PathBuf;

use thiserror::Error;

pub use colormap::Colormap;
pub use maze_plot::{MazeFigure, TrajectoryStyle};
pub use raster::{Canvas, Rgb};

#[derive(Debug, Error)]
pub enum PlotError {
    #[error("encoding a PNG")]
    Png(#[from] png::EncodingError),
    #[error("decoding a PNG")]
    PngDecode(#[from] png::DecodingError),
    #[error("encoding a GIF")]
    Gif(#[from] gif::EncodingError),
    #[error("{path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("drawing a picture's caption")]
    Caption(#[from] dforce_charts::ChartError),
    #[error("{0}")]
    Invalid(String),
}

/// Decodes an 8-bit RGB or RGBA PNG into a [`Canvas`] (alpha dropped); for tests and tools
/// that check what was written.
pub fn decode_png(bytes: &[u8]) -> Result<Canvas, PlotError> {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info()?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| PlotError::Invalid("PNG too large to decode".into()))?;
    let mut buf = vec![0u8; size];
    let info = reader.next_frame(&mut buf)?;
    let channels = match (info.color_type, info.bit_depth) {
        (png::ColorType::Rgb, png::BitDepth::Eight) => 3,
        (png::ColorType::Rgba, png::BitDepth::Eight) => 4,
        other => {
            return Err(PlotError::Invalid(format!(
                "only 8-bit RGB/RGBA PNGs are decoded here, got {other:?}"
            )));
        }
    };
    let mut canvas = Canvas::new(info.width, info.height, raster::BLACK);
    let stride = info.line_size;
    for y in 0..info.height as usize {
        let row = &buf[y * stride..][..info.width as usize * channels];
        for (x, px) in row.chunks_exact(channels).enumerate() {
            canvas.fill_rect(
                x as f64,
                y as f64,
                x as f64 + 1.0,
                y as f64 + 1.0,
                [px[0], px[1], px[2]],
            );
        }
    }
    Ok(canvas)
}
