//! The in-memory canvas every chart draws on, its size limits, and PNG encoding.

use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, IntoDrawingArea, WHITE};

use crate::error::draw_err;
use crate::{ChartError, font};

/// Smallest accepted image width in pixels (room for the axes, tick labels and a legend).
pub const MIN_WIDTH: u32 = 200;
/// Smallest accepted image height in pixels.
pub const MIN_HEIGHT: u32 = 150;
/// Largest accepted image side in pixels (keeps the RGB buffer under ~200 MiB).
pub const MAX_SIDE: u32 = 8192;

/// The drawing area type that chart modules draw on.
pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Text and line sizes for one image, scaled from the 800×450 px design size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sizes {
    /// Multiplier applied to every design size.
    pub scale: f64,
}

impl Sizes {
    /// Sizes for an image of `width`×`height` px: the design sizes times
    /// `min(width / 800, height / 450)`, clamped to 0.6..=3.
    pub(crate) fn for_image(width: u32, height: u32) -> Self {
        let s = (f64::from(width) / 800.0).min(f64::from(height) / 450.0);
        Self {
            scale: s.clamp(0.6, 3.0),
        }
    }
    /// A design size in pixels, scaled.
    pub(crate) fn px(&self, design: impl Into<f64>) -> u32 {
        (design.into() * self.scale).round().max(1.0) as u32
    }
    /// Chart title font size (px).
    pub(crate) fn title(&self) -> f64 {
        20.0 * self.scale
    }
    /// Axis description font size (px).
    pub(crate) fn axis_desc(&self) -> f64 {
        16.0 * self.scale
    }
    /// Tick label, legend and marker label font size (px).
    pub(crate) fn label(&self) -> f64 {
        14.0 * self.scale
    }
}

/// Checks `width`×`height` against [`MIN_WIDTH`], [`MIN_HEIGHT`] and [`MAX_SIDE`].
pub(crate) fn check_size(width: u32, height: u32) -> Result<(), ChartError> {
    if (MIN_WIDTH..=MAX_SIDE).contains(&width) && (MIN_HEIGHT..=MAX_SIDE).contains(&height) {
        Ok(())
    } else {
        Err(ChartError::InvalidSize {
            width,
            height,
            min_width: MIN_WIDTH,
            min_height: MIN_HEIGHT,
            max_side: MAX_SIDE,
        })
    }
}

/// Draws with `draw` on a white `width`×`height` canvas and returns it as an 8-bit RGB PNG.
pub(crate) fn render_png(
    width: u32,
    height: u32,
    draw: impl FnOnce(&Area<'_>, Sizes) -> Result<(), ChartError>,
) -> Result<Vec<u8>, ChartError> {
    check_size(width, height)?;
    font::ensure_registered()?;
    // Checked above: at most 8192 * 8192 * 3 bytes.
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        draw(&root, Sizes::for_image(width, height))?;
        root.present().map_err(draw_err)?;
    }
    encode_rgb(&rgb, width, height)
}

/// Encodes a tightly packed 8-bit RGB buffer as PNG bytes.
pub(crate) fn encode_rgb(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(ChartError::Encode)?;
    writer.write_image_data(rgb).map_err(ChartError::Encode)?;
    writer.finish().map_err(ChartError::Encode)?;
    Ok(out)
}
