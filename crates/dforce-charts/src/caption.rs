//! A caption strip under an existing picture: a line of text and a legend row of markers,
//! colour swatches and colour-scale bars.
//!
//! Made for raster figures drawn elsewhere (the planner's maze pictures): [`add_caption`] takes
//! the picture's RGB pixels and returns a taller image whose top part is the picture, byte for
//! byte, and whose bottom part is a white strip with the caption. The strip is as wide as the
//! picture and as tall as its content needs: the caption text is wrapped at word boundaries and
//! the legend entries flow left to right onto as many rows as the width requires. An entry wider
//! than the whole strip gets a row of its own and is cut at the right edge (no error: a narrow
//! picture still gets as much of its caption as fits).
//!
//! Sizes are fixed in pixels, not scaled with the picture: 15 px caption text, 14 px legend
//! text (DejaVu Sans, see the crate docs), 10 px margins, markers of 11 px radius (the size the
//! maze figure draws them at for `maze2d-medium`).

use plotters::prelude::{BitMapBackend, IntoDrawingArea, IntoFont, Text};
use plotters::style::TextStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::canvas::MAX_SIDE;
use crate::color::{INK, Rgb};
use crate::error::draw_err;
use crate::font::{self, FAMILY};
use crate::{ChartError, canvas};

/// Caption text size (px).
const CAPTION_PX: f64 = 15.0;
/// Legend label size (px).
const LABEL_PX: f64 = 14.0;
/// Space around the strip's content (px).
const MARGIN: u32 = 10;
/// Height of one line of caption text (px).
const CAPTION_LINE: u32 = 20;
/// Space between the caption text and the legend (px).
const BLOCK_GAP: u32 = 6;
/// Height of one legend row (px); fits a marker with its rim.
const ROW: u32 = 28;
/// Horizontal space between legend entries (px).
const ENTRY_GAP: u32 = 18;
/// Space between a symbol and its text (px).
const INNER_GAP: u32 = 6;
/// Marker disc radius (px); the dot and star are sized from it as in the maze figure (dot 1/2,
/// star points 1/2 and 1/4 of the radius).
const MARKER_R: f64 = 11.0;
/// Marker rim width (px), matplotlib's 1 pt patch edge at 100 dpi as in the maze figure.
const RIM: f64 = 1.4;
/// Side of a colour swatch (px).
const SWATCH: u32 = 16;
/// Colour-scale bar size (px).
const BAR_W: u32 = 110;
const BAR_H: u32 = 14;
/// Sub-samples per pixel side for anti-aliased shapes.
const SUB: u32 = 4;

/// The symbol of a legend entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegendMarker {
    /// A white disc with a black rim and a black centre dot (the maze figures' start marker).
    Start,
    /// A white disc with a black rim and a black five-pointed star, first point up (the maze
    /// figures' goal marker).
    Goal,
    /// A filled square of one colour.
    Swatch(Rgb),
}

/// One legend entry: a symbol and the text after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegendEntry {
    /// The symbol.
    pub marker: LegendMarker,
    /// Text written right of the symbol; may be empty.
    pub label: String,
}

/// A horizontal colour bar explaining a colour-coded quantity (e.g. time along a path):
/// `name  low [gradient] high`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColorScale {
    /// What the colours show, written first (e.g. `executed path`); may be empty.
    pub name: String,
    /// Colours from the low end to the high end, evenly spaced and linearly interpolated in
    /// sRGB; at least one (a single stop draws a plain bar). Sample the figure's colormap finely
    /// enough (e.g. 9–32 stops) for the bar to match it.
    pub stops: Vec<Rgb>,
    /// Text left of the bar, at its low end (e.g. `t = 0`).
    pub low: String,
    /// Text right of the bar, at its high end (e.g. `t = 600 steps`).
    pub high: String,
}

/// What the strip shows: caption text, then the legend entries and colour scales in one
/// flowing row (entries first).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Caption {
    /// One line of text (wrapped at spaces if the strip is too narrow); may be empty.
    pub text: String,
    /// Marker and swatch entries.
    pub entries: Vec<LegendEntry>,
    /// Colour-scale bars, after the entries.
    pub scales: Vec<ColorScale>,
}

/// A tightly packed, row-major 8-bit RGB image (`width · height · 3` bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Pixels, row by row, 3 bytes (R, G, B) each.
    pub rgb: Vec<u8>,
}

impl RgbImage {
    /// The image as PNG bytes (8-bit RGB).
    ///
    /// # Errors
    /// [`ChartError::Encode`] if the `png` encoder rejects it (e.g. a zero side).
    pub fn encode_png(&self) -> Result<Vec<u8>, ChartError> {
        canvas::encode_rgb(&self.rgb, self.width, self.height)
    }
}

/// One legend item as laid out: its width and what to draw.
enum Item<'a> {
    Entry(&'a LegendEntry, u32),
    Scale(&'a ColorScale, [u32; 3]),
}

impl Item<'_> {
    /// Width of the whole item (px).
    fn width(&self) -> u32 {
        match self {
            Item::Entry(_, label_w) => symbol_width() + gap_if(*label_w) + label_w,
            Item::Scale(_, [name_w, low_w, high_w]) => {
                name_w + gap_if(*name_w) + low_w + gap_if(*low_w) + BAR_W + INNER_GAP + high_w
            }
        }
    }
}

/// Width of a marker or swatch symbol (px).
fn symbol_width() -> u32 {
    (2.0 * MARKER_R + RIM).ceil() as u32
}

/// The gap after a piece of text, none after an empty one.
fn gap_if(text_w: u32) -> u32 {
    if text_w > 0 { INNER_GAP } else { 0 }
}

/// The strip's layout for a given width: wrapped caption lines and legend rows (item indices).
struct Layout<'a> {
    lines: Vec<String>,
    rows: Vec<Vec<Item<'a>>>,
    height: u32,
}

fn text_style(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&INK.to_plotters())
}

fn text_width(style: &TextStyle<'_>, text: &str) -> Result<u32, ChartError> {
    if text.is_empty() {
        return Ok(0);
    }
    let (w, _) = style
        .font
        .box_size(text)
        .map_err(|e| ChartError::Draw(Box::new(e)))?;
    Ok(w)
}

/// Greedy word wrap of `text` into lines at most `avail` px wide (a longer word gets its own
/// line).
fn wrap(style: &TextStyle<'_>, text: &str, avail: u32) -> Result<Vec<String>, ChartError> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if !current.is_empty() && text_width(style, &candidate)? > avail {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    Ok(lines)
}

fn layout<'a>(width: u32, caption: &'a Caption) -> Result<Layout<'a>, ChartError> {
    let avail = width.saturating_sub(2 * MARGIN).max(1);
    let lines = wrap(&text_style(CAPTION_PX), &caption.text, avail)?;
    let label = text_style(LABEL_PX);
    let mut items = Vec::new();
    for e in &caption.entries {
        items.push(Item::Entry(e, text_width(&label, &e.label)?));
    }
    for s in &caption.scales {
        if s.stops.is_empty() {
            return Err(ChartError::InvalidSetting {
                what: "colour scale",
                reason: format!(
                    "the scale `{}` has no colours; give at least one stop (low to high)",
                    s.name
                ),
            });
        }
        let w = [
            text_width(&label, &s.name)?,
            text_width(&label, &s.low)?,
            text_width(&label, &s.high)?,
        ];
        items.push(Item::Scale(s, w));
    }
    let mut rows: Vec<Vec<Item<'a>>> = Vec::new();
    let mut used = 0u32;
    for item in items {
        let w = item.width();
        match rows.last_mut() {
            Some(row) if used + ENTRY_GAP + w <= avail => {
                used += ENTRY_GAP + w;
                row.push(item);
            }
            _ => {
                used = w;
                rows.push(vec![item]);
            }
        }
    }
    // In u64, then bounded: a caption of millions of lines must be refused, not overflow or
    // allocate a strip of gigabytes.
    let text_h = lines.len() as u64 * u64::from(CAPTION_LINE);
    let legend_h = rows.len() as u64 * u64::from(ROW);
    let gap = if text_h > 0 && legend_h > 0 {
        BLOCK_GAP
    } else {
        0
    };
    let content = text_h + u64::from(gap) + legend_h;
    let height = if content == 0 {
        0
    } else {
        content + 2 * u64::from(MARGIN)
    };
    let height = u32::try_from(height)
        .ok()
        .filter(|&h| h <= MAX_SIDE)
        .ok_or_else(|| ChartError::InvalidSetting {
            what: "caption",
            reason: format!(
                "{} text lines and {} legend rows need {height} px at width {width}, over                  {MAX_SIDE} px; shorten the caption",
                lines.len(),
                rows.len()
            ),
        })?;
    Ok(Layout {
        lines,
        rows,
        height,
    })
}

/// The caption strip alone, `width` px wide and as tall as its content needs (0 rows for an
/// empty caption): white, with the text in dark ink.
///
/// Useful when many pictures of the same size share one caption (the frames of an animation):
/// draw the strip once and stack it under each with [`stack`].
///
/// # Errors
/// [`ChartError::InvalidSetting`] for a zero or over-[`MAX_SIDE`] width, a caption taller than [`MAX_SIDE`], or a colour scale
/// without stops; [`ChartError::Font`] or [`ChartError::Draw`] if text cannot be drawn.
pub fn caption_strip(width: u32, caption: &Caption) -> Result<RgbImage, ChartError> {
    if width == 0 || width > MAX_SIDE {
        return Err(ChartError::InvalidSetting {
            what: "caption width",
            reason: format!("{width} px; it must be 1..={MAX_SIDE} px"),
        });
    }
    font::ensure_registered()?;
    let lay = layout(width, caption)?;
    let height = lay.height;
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    if height == 0 {
        return Ok(RgbImage { width, height, rgb });
    }
    // Text first, with plotters; shapes are then filled into the same buffer.
    let mut shapes: Vec<(i64, i64, &Item<'_>)> = Vec::new();
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        let caption_font = text_style(CAPTION_PX).pos(Pos::new(HPos::Left, VPos::Center));
        let label_font = text_style(LABEL_PX).pos(Pos::new(HPos::Left, VPos::Center));
        let mut y = MARGIN;
        for line in &lay.lines {
            let cy = (y + CAPTION_LINE / 2) as i32;
            root.draw(&Text::new(
                line.as_str(),
                (MARGIN as i32, cy),
                caption_font.clone(),
            ))
            .map_err(draw_err)?;
            y += CAPTION_LINE;
        }
        if !lay.lines.is_empty() && !lay.rows.is_empty() {
            y += BLOCK_GAP;
        }
        for row in &lay.rows {
            let cy = (y + ROW / 2) as i32;
            let mut x = MARGIN as i32;
            for item in row {
                shapes.push((i64::from(x), i64::from(cy), item));
                let text = |s: &str, at: i32| {
                    if s.is_empty() {
                        return Ok(());
                    }
                    root.draw(&Text::new(s, (at, cy), label_font.clone()))
                        .map_err(draw_err)
                };
                match item {
                    Item::Entry(e, _) => {
                        text(&e.label, x + (symbol_width() + INNER_GAP) as i32)?;
                    }
                    Item::Scale(s, [name_w, low_w, _]) => {
                        text(&s.name, x)?;
                        let low_x = x + (name_w + gap_if(*name_w)) as i32;
                        text(&s.low, low_x)?;
                        let high_x = low_x + (low_w + gap_if(*low_w) + BAR_W + INNER_GAP) as i32;
                        text(&s.high, high_x)?;
                    }
                }
                x += (item.width() + ENTRY_GAP) as i32;
            }
            y += ROW;
        }
        root.present().map_err(draw_err)?;
    }
    let mut img = RgbImage { width, height, rgb };
    for (x, cy, item) in shapes {
        let cy = cy as f64;
        match item {
            Item::Entry(e, _) => {
                // Centred on a pixel centre, so the anti-aliasing is symmetric.
                let cx = x as f64 + (symbol_width() / 2) as f64 + 0.5;
                let cy = cy + 0.5;
                draw_symbol(&mut img, cx, cy, e.marker);
            }
            Item::Scale(s, [name_w, low_w, _]) => {
                let x0 = x + i64::from(name_w + gap_if(*name_w) + low_w + gap_if(*low_w));
                draw_bar(&mut img, x0, cy, &s.stops);
            }
        }
    }
    Ok(img)
}

/// `top` with `bottom` stacked below it: a `width × (h_top + h_bottom)` image whose first
/// `h_top` rows are `top_rgb` unchanged.
///
/// # Errors
/// [`ChartError::InvalidSetting`] if the widths differ, a buffer's length is not
/// `width · height · 3`, or the result would be taller than [`MAX_SIDE`].
pub fn stack(
    width: u32,
    height: u32,
    top_rgb: &[u8],
    bottom: &RgbImage,
) -> Result<RgbImage, ChartError> {
    check_rgb(width, height, top_rgb)?;
    if bottom.width != width {
        return Err(ChartError::InvalidSetting {
            what: "caption strip",
            reason: format!(
                "it is {} px wide but the picture is {width} px; draw it at the picture's width",
                bottom.width
            ),
        });
    }
    check_rgb(bottom.width, bottom.height, &bottom.rgb)?;
    let total = height + bottom.height;
    if total > MAX_SIDE {
        return Err(ChartError::InvalidSetting {
            what: "captioned image",
            reason: format!(
                "the picture ({height} px) and its caption ({} px) together exceed {MAX_SIDE} px",
                bottom.height
            ),
        });
    }
    let mut rgb = Vec::with_capacity(top_rgb.len() + bottom.rgb.len());
    rgb.extend_from_slice(top_rgb);
    rgb.extend_from_slice(&bottom.rgb);
    Ok(RgbImage {
        width,
        height: total,
        rgb,
    })
}

/// The picture `width × height` (`rgb`: row-major RGB8) with a caption strip below it
/// ([`caption_strip`]). The first `height` rows of the result are `rgb` unchanged.
///
/// # Errors
/// [`ChartError::InvalidSetting`] if a side is zero or over [`MAX_SIDE`], `rgb` is not
/// `width · height · 3` bytes, a colour scale has no stops, or the result would be taller than
/// [`MAX_SIDE`]; [`ChartError::Font`] or [`ChartError::Draw`] if text cannot be drawn.
pub fn add_caption(
    width: u32,
    height: u32,
    rgb: &[u8],
    caption: &Caption,
) -> Result<RgbImage, ChartError> {
    check_rgb(width, height, rgb)?;
    let strip = caption_strip(width, caption)?;
    stack(width, height, rgb, &strip)
}

fn check_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<(), ChartError> {
    let invalid = |reason: String| ChartError::InvalidSetting {
        what: "picture",
        reason,
    };
    if width == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(invalid(format!(
            "{width}x{height} px; the width must be 1..={MAX_SIDE} px and the height at most \
             {MAX_SIDE} px"
        )));
    }
    let expected = width as usize * height as usize * 3;
    if rgb.len() != expected {
        return Err(invalid(format!(
            "{} bytes of pixels for {width}x{height} px; RGB8 needs width · height · 3 = \
             {expected}",
            rgb.len()
        )));
    }
    Ok(())
}

/// Fills the pixels of `img` where `inside(x, y)` holds (continuous coordinates, pixel centres
/// at `+0.5`) within `bbox = [x0, y0, x1, y1]`, blending `color` by the covered fraction.
fn fill(img: &mut RgbImage, bbox: [f64; 4], color: Rgb, inside: impl Fn(f64, f64) -> bool) {
    let clamp_x = |v: f64| v.clamp(0.0, f64::from(img.width)) as u32;
    let clamp_y = |v: f64| v.clamp(0.0, f64::from(img.height)) as u32;
    let (x0, x1) = (clamp_x(bbox[0].floor()), clamp_x(bbox[2].ceil()));
    let (y0, y1) = (clamp_y(bbox[1].floor()), clamp_y(bbox[3].ceil()));
    let step = 1.0 / f64::from(SUB);
    for py in y0..y1 {
        for px in x0..x1 {
            let mut hits = 0u32;
            for sy in 0..SUB {
                for sx in 0..SUB {
                    let x = f64::from(px) + (f64::from(sx) + 0.5) * step;
                    let y = f64::from(py) + (f64::from(sy) + 0.5) * step;
                    hits += u32::from(inside(x, y));
                }
            }
            if hits == 0 {
                continue;
            }
            let a = f64::from(hits) / f64::from(SUB * SUB);
            let i = (py as usize * img.width as usize + px as usize) * 3;
            for (k, c) in [color.0, color.1, color.2].into_iter().enumerate() {
                let old = f64::from(img.rgb[i + k]);
                img.rgb[i + k] = (old + (f64::from(c) - old) * a).round() as u8;
            }
        }
    }
}

fn fill_circle(img: &mut RgbImage, cx: f64, cy: f64, r: f64, color: Rgb) {
    let bbox = [cx - r, cy - r, cx + r, cy + r];
    fill(img, bbox, color, |x, y| {
        (x - cx).powi(2) + (y - cy).powi(2) <= r * r
    });
}

/// Even-odd point-in-polygon test.
fn in_polygon(poly: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut inside = false;
    let mut j = poly.len() - 1;
    for i in 0..poly.len() {
        let ((xi, yi), (xj, yj)) = (poly[i], poly[j]);
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// Draws `marker` centred on `(cx, cy)`, as the maze figure draws it.
fn draw_symbol(img: &mut RgbImage, cx: f64, cy: f64, marker: LegendMarker) {
    const BLACK: Rgb = Rgb(0, 0, 0);
    const WHITE: Rgb = Rgb(255, 255, 255);
    match marker {
        LegendMarker::Swatch(color) => {
            let h = f64::from(SWATCH) / 2.0;
            fill(img, [cx - h, cy - h, cx + h, cy + h], color, |_, _| true);
        }
        LegendMarker::Start | LegendMarker::Goal => {
            fill_circle(img, cx, cy, MARKER_R + RIM / 2.0, BLACK);
            fill_circle(img, cx, cy, MARKER_R - RIM / 2.0, WHITE);
            if marker == LegendMarker::Start {
                fill_circle(img, cx, cy, MARKER_R / 2.0, BLACK);
            } else {
                let star: Vec<(f64, f64)> = (0..10)
                    .map(|k| {
                        let angle =
                            std::f64::consts::FRAC_PI_2 + f64::from(k) * std::f64::consts::PI / 5.0;
                        let r = MARKER_R * if k % 2 == 0 { 0.5 } else { 0.25 };
                        (cx + r * angle.cos(), cy - r * angle.sin())
                    })
                    .collect();
                let bbox = [cx - MARKER_R, cy - MARKER_R, cx + MARKER_R, cy + MARKER_R];
                fill(img, bbox, BLACK, |x, y| in_polygon(&star, x, y));
            }
        }
    }
}

/// The colour at `t ∈ [0, 1]` of evenly spaced, linearly interpolated `stops` (non-empty).
fn sample(stops: &[Rgb], t: f64) -> Rgb {
    if stops.len() == 1 {
        return stops[0];
    }
    let pos = t.clamp(0.0, 1.0) * (stops.len() - 1) as f64;
    let i = (pos.floor() as usize).min(stops.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (stops[i], stops[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * f).round() as u8;
    Rgb(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A `BAR_W × BAR_H` gradient with its left edge at `x0`, centred on `cy`, framed in ink.
fn draw_bar(img: &mut RgbImage, x0: i64, cy: f64, stops: &[Rgb]) {
    let top = (cy - f64::from(BAR_H) / 2.0).round();
    let (y0, y1) = (top, top + f64::from(BAR_H));
    for k in 0..BAR_W {
        let t = if BAR_W > 1 {
            f64::from(k) / f64::from(BAR_W - 1)
        } else {
            0.0
        };
        let x = (x0 + i64::from(k)) as f64;
        fill(img, [x, y0, x + 1.0, y1], sample(stops, t), |_, _| true);
    }
    // A 1 px frame so light ends of the scale stay visible on white.
    let (x0, x1) = (x0 as f64 - 1.0, (x0 + i64::from(BAR_W)) as f64 + 1.0);
    let (ya, yb) = (y0 - 1.0, y1 + 1.0);
    for r in [
        [x0, ya, x1, y0],
        [x0, y1, x1, yb],
        [x0, ya, x0 + 1.0, yb],
        [x1 - 1.0, ya, x1, yb],
    ] {
        fill(img, r, INK, |_, _| true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLACK: Rgb = Rgb(0, 0, 0);
    const WHITE: Rgb = Rgb(255, 255, 255);

    fn px(img: &RgbImage, x: u32, y: u32) -> Rgb {
        let i = (y as usize * img.width as usize + x as usize) * 3;
        Rgb(img.rgb[i], img.rgb[i + 1], img.rgb[i + 2])
    }

    /// Bounding box `[x0, y0, x1, y1]` (inclusive) of the pixels that are not white.
    fn ink_bbox(img: &RgbImage) -> Option<[u32; 4]> {
        let mut b: Option<[u32; 4]> = None;
        for y in 0..img.height {
            for x in 0..img.width {
                if px(img, x, y) != WHITE {
                    let v = b.get_or_insert([x, y, x, y]);
                    *v = [v[0].min(x), v[1].min(y), v[2].max(x), v[3].max(y)];
                }
            }
        }
        b
    }

    fn decode(bytes: &[u8]) -> RgbImage {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(
            (info.color_type, info.bit_depth),
            (png::ColorType::Rgb, png::BitDepth::Eight)
        );
        buf.truncate(info.buffer_size());
        RgbImage {
            width: info.width,
            height: info.height,
            rgb: buf,
        }
    }

    fn maze_caption() -> Caption {
        let reds = vec![Rgb(255, 245, 240), Rgb(251, 106, 74), Rgb(103, 0, 13)];
        Caption {
            text: "maze2d-medium-v1, episode 3: executed path, 600 steps".into(),
            entries: vec![
                LegendEntry {
                    marker: LegendMarker::Start,
                    label: "start".into(),
                },
                LegendEntry {
                    marker: LegendMarker::Goal,
                    label: "goal".into(),
                },
                LegendEntry {
                    marker: LegendMarker::Swatch(Rgb(10, 200, 30)),
                    label: "wall".into(),
                },
            ],
            scales: vec![ColorScale {
                name: "time".into(),
                stops: reds,
                low: "t = 0".into(),
                high: "t = 600 steps".into(),
            }],
        }
    }

    /// The picture keeps its pixels, the strip below is white with dark text, the swatch
    /// colour, black marker ink and both ends of the colour scale; the PNG decodes to it.
    #[test]
    fn the_picture_is_kept_and_the_strip_shows_text_markers_and_scale() {
        let (w, h) = (450u32, 120u32);
        let picture: Vec<u8> = (0..w * h * 3).map(|i| (i % 251) as u8).collect();
        let img = add_caption(w, h, &picture, &maze_caption()).unwrap();
        assert_eq!(img.width, w);
        assert!(img.height > h + 40, "strip of {} px", img.height - h);
        assert_eq!(&img.rgb[..picture.len()], &picture[..]);
        let strip = RgbImage {
            width: w,
            height: img.height - h,
            rgb: img.rgb[picture.len()..].to_vec(),
        };
        let pixels: Vec<Rgb> = (0..strip.height)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| px(&strip, x, y))
            .collect();
        let count = |c: Rgb| pixels.iter().filter(|&&p| p == c).count();
        assert!(count(WHITE) > pixels.len() / 2, "the strip is mostly paper");
        assert!(count(Rgb(10, 200, 30)) >= (SWATCH * SWATCH) as usize / 2);
        assert!(count(BLACK) > 50, "marker rims, dot and star");
        assert!(
            count(Rgb(255, 245, 240)) >= BAR_H as usize,
            "light end of the scale"
        );
        assert!(
            count(Rgb(103, 0, 13)) >= BAR_H as usize,
            "dark end of the scale"
        );
        // Text: dark anti-aliased ink in the caption line (above the legend row).
        let dark_text = (MARGIN..MARGIN + CAPTION_LINE)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let p = px(&strip, x, y);
                p.0 < 128 && p.0 == p.1 && p.1 == p.2
            })
            .count();
        assert!(
            dark_text > 100,
            "caption text drawn: {dark_text} dark pixels"
        );
        // The PNG holds exactly these pixels.
        assert_eq!(decode(&img.encode_png().unwrap()), img);
    }

    /// A lone marker without text: the start has a black centre dot reaching half the radius
    /// (11 px radius: 4 px below the centre is black), the goal a star whose lower notch leaves
    /// white there and whose upper point is dark; both have white between the centre and the
    /// rim.
    #[test]
    fn markers_are_drawn_like_the_maze_figure() {
        let lone = |marker| Caption {
            entries: vec![LegendEntry {
                marker,
                label: String::new(),
            }],
            ..Caption::default()
        };
        let mut centres = Vec::new();
        for marker in [LegendMarker::Start, LegendMarker::Goal] {
            let img = caption_strip(100, &lone(marker)).unwrap();
            let [x0, y0, x1, y1] = ink_bbox(&img).unwrap();
            let d = (2.0 * MARKER_R + RIM).ceil() as u32;
            assert!((x1 - x0 + 1).abs_diff(d) <= 1, "{marker:?}: {x0}..{x1}");
            assert!((y1 - y0 + 1).abs_diff(d) <= 1, "{marker:?}: {y0}..{y1}");
            let (cx, cy) = ((x0 + x1) / 2, (y0 + y1) / 2);
            let r = MARKER_R as u32;
            assert_eq!(px(&img, cx, cy), BLACK, "{marker:?} centre");
            assert_eq!(px(&img, cx + r * 3 / 4, cy), WHITE, "{marker:?} disc");
            assert_eq!(px(&img, cx - r * 3 / 4, cy), WHITE, "{marker:?} disc");
            // The anti-aliased rim: dark grey to black on its two pixel columns.
            let rim = px(&img, x0, cy).0.min(px(&img, x0 + 1, cy).0);
            assert!(rim < 100, "{marker:?} rim: {rim}");
            let below = px(&img, cx, cy + 4);
            let above = px(&img, cx, cy - 4);
            centres.push((marker, below, above));
        }
        assert_eq!(centres[0].1, BLACK, "start dot below the centre");
        assert_eq!(centres[1].1, WHITE, "the star's lower notch");
        assert!(
            centres[1].2.0 < 100,
            "the star's upper point: {:?}",
            centres[1].2
        );
    }

    /// A narrow strip wraps the caption and puts each legend item on its own row; an empty
    /// caption adds nothing.
    #[test]
    fn a_caption_taller_than_the_largest_image_is_refused_before_drawing() {
        // 600 words wrapped one per line at width 40: over MAX_SIDE px of text.
        let long = Caption {
            text: vec!["word"; 600].join(" "),
            ..Caption::default()
        };
        let err = caption_strip(40, &long).unwrap_err().to_string();
        assert!(
            err.contains("600 text lines") && err.contains("8192"),
            "{err}"
        );
        let picture = vec![0u8; 40 * 10 * 3];
        assert!(add_caption(40, 10, &picture, &long).is_err());
        // The same text fits on a few lines of a wide strip.
        assert!(caption_strip(MAX_SIDE, &long).unwrap().height < 200);
    }

    #[test]
    fn narrow_strips_wrap_and_empty_captions_add_nothing() {
        let wide = caption_strip(900, &maze_caption()).unwrap();
        let narrow = caption_strip(160, &maze_caption()).unwrap();
        assert!(narrow.height >= wide.height + 2 * CAPTION_LINE + 2 * ROW);
        let tiny = caption_strip(1, &maze_caption()).unwrap();
        assert_eq!(tiny.width, 1);
        let none = add_caption(3, 2, &[7; 18], &Caption::default()).unwrap();
        assert_eq!((none.width, none.height, none.rgb), (3, 2, vec![7; 18]));
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let setting = |r: Result<RgbImage, ChartError>| {
            assert!(matches!(r, Err(ChartError::InvalidSetting { .. })), "{r:?}");
        };
        let c = maze_caption();
        setting(add_caption(0, 0, &[], &c));
        setting(add_caption(0, 5, &[], &c));
        setting(add_caption(4, 4, &[0; 47], &c));
        setting(add_caption(4, 4, &[0; 49], &c));
        setting(add_caption(
            MAX_SIDE + 1,
            1,
            &vec![0; (MAX_SIDE as usize + 1) * 3],
            &c,
        ));
        setting(caption_strip(0, &c));
        let tall = vec![0u8; 10 * MAX_SIDE as usize * 3];
        setting(add_caption(10, MAX_SIDE, &tall, &c));
        let mut no_stops = c.clone();
        no_stops.scales[0].stops.clear();
        let err = caption_strip(300, &no_stops).unwrap_err();
        assert!(err.to_string().contains("no colours"), "{err}");
        // A zero-height picture gets just the strip.
        let only = add_caption(300, 0, &[], &c).unwrap();
        assert_eq!(only, caption_strip(300, &c).unwrap());
    }
}
