//! A small RGB canvas with the few anti-aliased primitives the maze pictures need (rectangles,
//! discs, polygons) and PNG encoding through the `png` crate.
//!
//! Shapes are filled by coverage: each pixel of a shape's bounding box is sampled on a 4×4 grid
//! and blended by the fraction inside. That is enough for crisp discs and stars at the sizes we
//! draw (a few to a few dozen pixels) without a vector-graphics dependency.

use std::path::Path;

use super::PlotError;

/// An sRGB colour.
pub type Rgb = [u8; 3];

pub const BLACK: Rgb = [0, 0, 0];
pub const WHITE: Rgb = [255, 255, 255];
/// matplotlib's `lightgrey`.
pub const LIGHT_GREY: Rgb = [211, 211, 211];

/// Sub-samples per axis for coverage (4×4 = 16 levels of anti-aliasing).
const SUB: usize = 4;

/// A row-major RGB8 image; pixel `(x, y)` has its top-left corner at `(x, y)` and its centre
/// at `(x + 0.5, y + 0.5)` in the continuous coordinates the drawing methods take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canvas {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
    /// Drawing is confined to this pixel box `[x0, y0, x1, y1)` (matplotlib clips artists to
    /// the axes); the whole canvas by default.
    clip: [u32; 4],
}

impl Canvas {
    /// A canvas over existing row-major RGB8 pixels (`width · height · 3` bytes).
    pub fn from_rgb(width: u32, height: u32, rgb: Vec<u8>) -> Option<Self> {
        (rgb.len() == width as usize * height as usize * 3).then_some(Self {
            width,
            height,
            rgb,
            clip: [0, 0, width, height],
        })
    }

    /// A `width × height` canvas filled with `fill`.
    pub fn new(width: u32, height: u32, fill: Rgb) -> Self {
        let n = width as usize * height as usize;
        let mut rgb = Vec::with_capacity(n * 3);
        for _ in 0..n {
            rgb.extend_from_slice(&fill);
        }
        Self {
            width,
            height,
            rgb,
            clip: [0, 0, width, height],
        }
    }

    /// Confines later drawing to the pixels `[x0, x1) × [y0, y1)` (clamped to the canvas).
    pub fn set_clip(&mut self, x0: u32, y0: u32, x1: u32, y1: u32) {
        let (x1, y1) = (x1.min(self.width), y1.min(self.height));
        self.clip = [x0.min(x1), y0.min(y1), x1, y1];
    }

    /// Lifts the clip box set by [`Self::set_clip`].
    pub fn reset_clip(&mut self) {
        self.clip = [0, 0, self.width, self.height];
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixels, `height` rows of `width` RGB triples.
    pub fn rgb(&self) -> &[u8] {
        &self.rgb
    }

    /// The colour at `(x, y)`, `None` outside the canvas.
    pub fn pixel(&self, x: u32, y: u32) -> Option<Rgb> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        Some([self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]])
    }

    /// Blends `color` over pixel `(x, y)` with opacity `alpha` in [0, 1].
    fn blend(&mut self, x: usize, y: usize, color: Rgb, alpha: f32) {
        let i = (y * self.width as usize + x) * 3;
        for (c, &new) in self.rgb[i..i + 3].iter_mut().zip(&color) {
            *c = (*c as f32 + (new as f32 - *c as f32) * alpha).round() as u8;
        }
    }

    /// The pixel range a continuous interval `[lo, hi)` touches, clamped to `from..to`.
    fn span(lo: f64, hi: f64, from: u32, to: u32) -> std::ops::Range<usize> {
        let a = (lo.floor().max(0.0) as usize).max(from as usize);
        let b = (hi.ceil().max(0.0) as usize).min(to as usize);
        a.min(b)..b
    }

    fn xs(&self, lo: f64, hi: f64) -> std::ops::Range<usize> {
        Self::span(lo, hi, self.clip[0], self.clip[2])
    }

    fn ys(&self, lo: f64, hi: f64) -> std::ops::Range<usize> {
        Self::span(lo, hi, self.clip[1], self.clip[3])
    }

    /// Fills the axis-aligned rectangle `[x0, x1) × [y0, y1)` (continuous pixel coordinates),
    /// blending partially covered edge pixels by their exact covered area.
    pub fn fill_rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: Rgb) {
        let (x0, x1) = (x0.min(x1), x0.max(x1));
        let (y0, y1) = (y0.min(y1), y0.max(y1));
        for y in self.ys(y0, y1) {
            let cy = (y1.min(y as f64 + 1.0) - y0.max(y as f64)).max(0.0);
            for x in self.xs(x0, x1) {
                let cx = (x1.min(x as f64 + 1.0) - x0.max(x as f64)).max(0.0);
                let a = (cx * cy) as f32;
                if a > 0.0 {
                    self.blend(x, y, color, a.min(1.0));
                }
            }
        }
    }

    /// Fills the set `inside(x, y)` within the bounding box `[x0, x1) × [y0, y1)`, weighting
    /// each pixel by the fraction of its 4×4 sub-samples inside.
    pub fn fill_shape(&mut self, bbox: [f64; 4], color: Rgb, inside: impl Fn(f64, f64) -> bool) {
        let [x0, y0, x1, y1] = bbox;
        let step = 1.0 / SUB as f64;
        for y in self.ys(y0, y1) {
            for x in self.xs(x0, x1) {
                let mut hits = 0usize;
                for sy in 0..SUB {
                    let py = y as f64 + (sy as f64 + 0.5) * step;
                    for sx in 0..SUB {
                        let px = x as f64 + (sx as f64 + 0.5) * step;
                        hits += usize::from(inside(px, py));
                    }
                }
                if hits > 0 {
                    self.blend(x, y, color, hits as f32 / (SUB * SUB) as f32);
                }
            }
        }
    }

    /// A filled disc of radius `r` centred at `(cx, cy)`.
    pub fn fill_circle(&mut self, cx: f64, cy: f64, r: f64, color: Rgb) {
        let r2 = r * r;
        self.fill_shape([cx - r, cy - r, cx + r, cy + r], color, |x, y| {
            (x - cx).powi(2) + (y - cy).powi(2) <= r2
        });
    }

    /// A filled polygon (even-odd rule) with vertices `points`.
    pub fn fill_polygon(&mut self, points: &[(f64, f64)], color: Rgb) {
        if points.len() < 3 {
            return;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for &(x, y) in points {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        self.fill_shape([x0, y0, x1, y1], color, |x, y| {
            let mut inside = false;
            let mut j = points.len() - 1;
            for i in 0..points.len() {
                let ((xi, yi), (xj, yj)) = (points[i], points[j]);
                if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                    inside = !inside;
                }
                j = i;
            }
            inside
        });
    }

    /// The canvas as an 8-bit RGB PNG file.
    pub fn encode_png(&self) -> Result<Vec<u8>, PlotError> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.width, self.height);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            let mut w = enc.write_header()?;
            w.write_image_data(&self.rgb)?;
            w.finish()?;
        }
        Ok(out)
    }

    /// Writes the canvas to `path` as a PNG; returns the encoded bytes (for TensorBoard).
    pub fn write_png(&self, path: &Path) -> Result<Vec<u8>, PlotError> {
        let bytes = self.encode_png()?;
        write_file(path, &bytes)?;
        Ok(bytes)
    }
}

/// Writes `bytes` to `path` atomically ([`dforce_io::atomic`]: a temporary sibling, synced and
/// renamed), so a reader never sees a half-written picture.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    dforce_io::atomic::write_bytes_atomic(path, bytes).map_err(|source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rect_edges_blend_by_covered_area() {
        let mut c = Canvas::new(4, 4, WHITE);
        c.fill_rect(1.0, 1.0, 2.5, 3.0, BLACK);
        assert_eq!(c.pixel(1, 1), Some(BLACK));
        assert_eq!(c.pixel(2, 2), Some([128, 128, 128])); // half covered
        assert_eq!(c.pixel(0, 0), Some(WHITE));
        assert_eq!(c.pixel(3, 3), Some(WHITE));
    }

    #[test]
    fn circle_and_polygon_cover_their_interior_only() {
        let mut c = Canvas::new(20, 20, WHITE);
        c.fill_circle(10.0, 10.0, 5.0, BLACK);
        assert_eq!(c.pixel(10, 10), Some(BLACK));
        assert_eq!(c.pixel(2, 2), Some(WHITE));
        let mut p = Canvas::new(20, 20, WHITE);
        p.fill_polygon(&[(2.0, 2.0), (18.0, 2.0), (2.0, 18.0)], BLACK);
        assert_eq!(p.pixel(4, 4), Some(BLACK));
        assert_eq!(p.pixel(16, 16), Some(WHITE));
        let mut clipped = Canvas::new(20, 20, WHITE);
        clipped.set_clip(0, 0, 10, 20);
        clipped.fill_circle(10.0, 10.0, 5.0, BLACK);
        assert_eq!(clipped.pixel(8, 10), Some(BLACK));
        assert_eq!(clipped.pixel(11, 10), Some(WHITE));
    }

    #[test]
    fn png_round_trips() {
        let mut c = Canvas::new(3, 2, LIGHT_GREY);
        c.fill_rect(0.0, 0.0, 1.0, 1.0, [200, 10, 20]);
        let bytes = c.encode_png().unwrap();
        let decoded = super::super::decode_png(&bytes).unwrap();
        assert_eq!(decoded, c);
    }
}
