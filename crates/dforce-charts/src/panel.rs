//! One cartesian panel, shared by every chart kind: frame, grid, ticks and tick labels, axis
//! descriptions, shaded bands, lines, labelled vertical markers and a legend.
//!
//! Non-finite points (and, on a log axis, values `<= 0`) split a line into separate runs instead
//! of being drawn; a run of a single point is drawn as a dot so isolated values stay visible.

use std::ops::Range;

use plotters::coord::combinators::LogCoord;
use plotters::coord::ranged1d::{BoldPoints, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::{
    ChartBuilder, Circle, DashedLineSeries, EmptyElement, IntoFont, IntoLogRange, LineSeries,
    PathElement, Polygon, Rectangle, SeriesLabelPosition, Text, WHITE,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, TRANSPARENT, TextStyle};

use crate::canvas::{Area, Sizes};
use crate::color::{GRID, INK, Rgb};
use crate::error::draw_err;
use crate::font::FAMILY;
use crate::numfmt::axis_labels;
use crate::ticks::TickedAxis;
use crate::{ChartError, YScale};

/// A polyline drawn over the data.
pub(crate) struct Line<'a> {
    /// Legend entry; `None` draws the line without one.
    pub label: Option<&'a str>,
    /// `(x, y)` points in data units, drawn in order.
    pub points: &'a [(f64, f64)],
    /// Stroke colour.
    pub color: Rgb,
    /// Stroke width at the 800×450 design size, in pixels.
    pub width: f64,
    /// Dashed instead of solid.
    pub dashed: bool,
}

/// A shaded area between a lower and an upper curve.
pub(crate) struct Band<'a> {
    /// Legend entry.
    pub label: &'a str,
    /// `(x, lower, upper)` in data units, ordered by x.
    pub points: Vec<(f64, f64, f64)>,
    /// Fill colour (opaque; draw wider bands first).
    pub color: Rgb,
}

/// A dashed vertical line across the panel with a text label at its top.
pub(crate) struct VLine<'a> {
    /// Position in x data units.
    pub x: f64,
    /// Text written next to the top of the line.
    pub label: &'a str,
}

/// Everything one panel shows.
pub(crate) struct Panel<'a> {
    /// Caption above the panel.
    pub title: Option<&'a str>,
    /// X axis description (quantity and unit); empty for none.
    pub x_desc: &'a str,
    /// Y axis description (quantity and unit).
    pub y_desc: &'a str,
    /// Visible x range.
    pub x_range: Range<f64>,
    /// Explicit x tick positions (e.g. midnights on a time axis); `None` lets plotters choose.
    pub x_ticks: Option<Vec<f64>>,
    /// Turns an x tick value into its label; `None` uses plotters' number formatting.
    pub x_format: Option<&'a dyn Fn(f64) -> String>,
    /// Visible y range (positive on a log scale).
    pub y_range: Range<f64>,
    /// Linear or log y axis.
    pub y_scale: YScale,
    /// Shaded bands, drawn first, in order.
    pub bands: Vec<Band<'a>>,
    /// Lines, drawn over the bands, in order.
    pub lines: Vec<Line<'a>>,
    /// Vertical markers, drawn last.
    pub markers: Vec<VLine<'a>>,
}

/// Draws `panel` filling `area`.
pub(crate) fn draw(area: &Area<'_>, panel: &Panel<'_>, sizes: Sizes) -> Result<(), ChartError> {
    let x_lin: RangedCoordf64 = panel.x_range.clone().into();
    match (&panel.x_ticks, panel.y_scale) {
        (None, YScale::Linear) => draw_in(
            area,
            panel,
            sizes,
            x_lin,
            RangedCoordf64::from(panel.y_range.clone()),
        ),
        (None, YScale::Log) => draw_in(
            area,
            panel,
            sizes,
            x_lin,
            LogCoord::<f64>::from(panel.y_range.clone().log_scale()),
        ),
        (Some(t), YScale::Linear) => draw_in(
            area,
            panel,
            sizes,
            TickedAxis::new(panel.x_range.clone(), t.clone()),
            RangedCoordf64::from(panel.y_range.clone()),
        ),
        (Some(t), YScale::Log) => draw_in(
            area,
            panel,
            sizes,
            TickedAxis::new(panel.x_range.clone(), t.clone()),
            LogCoord::<f64>::from(panel.y_range.clone().log_scale()),
        ),
    }
}

/// Splits `points` into maximal runs of consecutive points accepted by `ok` (the rejected points
/// are dropped and break the runs).
fn runs<T: Copy>(points: &[T], ok: impl Fn(&T) -> bool) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut current = Vec::new();
    for p in points {
        if ok(p) {
            current.push(*p);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether `y` can be placed on the y axis.
fn y_ok(y: f64, scale: YScale) -> bool {
    y.is_finite() && (scale == YScale::Linear || y > 0.0)
}

/// Picks the legend corner that covers the fewest drawn points (ties: upper right, upper left,
/// lower right, lower left).
fn legend_corner(panel: &Panel<'_>) -> SeriesLabelPosition {
    let to_unit = |v: f64, r: &Range<f64>, log: bool| {
        if log {
            (v.log10() - r.start.log10()) / (r.end.log10() - r.start.log10())
        } else {
            (v - r.start) / (r.end - r.start)
        }
    };
    let log = panel.y_scale == YScale::Log;
    let mut counts = [0usize; 4];
    let mut count = |x: f64, y: f64| {
        if !(x.is_finite() && y_ok(y, panel.y_scale)) {
            return;
        }
        let u = to_unit(x, &panel.x_range, false);
        let v = to_unit(y, &panel.y_range, log);
        let right = u > 0.6;
        let left = u < 0.4;
        let top = v > 0.6;
        let bottom = v < 0.4;
        for (i, hit) in [right && top, left && top, right && bottom, left && bottom]
            .into_iter()
            .enumerate()
        {
            if hit {
                counts[i] += 1;
            }
        }
    };
    for line in &panel.lines {
        line.points.iter().for_each(|&(x, y)| count(x, y));
    }
    for band in &panel.bands {
        band.points.iter().for_each(|&(x, lo, hi)| {
            count(x, lo);
            count(x, hi);
        });
    }
    match (0..4).min_by_key(|&i| counts[i]) {
        Some(1) => SeriesLabelPosition::UpperLeft,
        Some(2) => SeriesLabelPosition::LowerRight,
        Some(3) => SeriesLabelPosition::LowerLeft,
        _ => SeriesLabelPosition::UpperRight,
    }
}

fn draw_in<X, Y>(
    area: &Area<'_>,
    panel: &Panel<'_>,
    sizes: Sizes,
    x: X,
    y: Y,
) -> Result<(), ChartError>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let ink = INK.to_plotters();
    let label_font: TextStyle<'_> = (FAMILY, sizes.label()).into_font().color(&ink);
    let desc_font: TextStyle<'_> = (FAMILY, sizes.axis_desc()).into_font().color(&ink);

    // Size the y label area from the widest tick label plotters will print.
    let (x_labels, y_labels) = (8, 7);
    let x_ticks = axis_labels(&x.key_points(BoldPoints(x_labels)));
    let y_keys = y.key_points(BoldPoints(y_labels));
    let y_ticks = axis_labels(&y_keys);
    // On a log axis each decade's label gets its own decimals (0.01, 0.1, 1, 10).
    let y_text = |v: &f64| {
        if panel.y_scale == YScale::Log {
            axis_labels(&[*v]).format(*v)
        } else {
            y_ticks.format(*v)
        }
    };
    // Size the y label area from the widest tick label.
    let mut widest = 0;
    for v in &y_keys {
        let (w, _) = area
            .estimate_text_size(&y_text(v), &label_font)
            .map_err(draw_err)?;
        widest = widest.max(w);
    }
    // Leave room on the right for half of the last x tick label, which is centred on its tick.
    let mut right = sizes.px(24);
    if let Some(last) = x.key_points(BoldPoints(x_labels)).last() {
        let text = match panel.x_format {
            Some(f) => f(*last),
            None => x_ticks.format(*last),
        };
        let (w, _) = area
            .estimate_text_size(&text, &label_font)
            .map_err(draw_err)?;
        right = right.max(w / 2 + sizes.px(6));
    }
    let tick = sizes.px(5);
    let y_area = widest + tick + sizes.px(8) + sizes.px(16.0 * 1.3) + sizes.px(4);
    let x_area = tick
        + sizes.px(4)
        + sizes.px(14.0 * 1.3)
        + if panel.x_desc.is_empty() {
            sizes.px(2)
        } else {
            sizes.px(16.0 * 1.3) + sizes.px(4)
        };

    let mut builder = ChartBuilder::on(area);
    builder
        .margin_top(sizes.px(10))
        .margin_bottom(sizes.px(6))
        .margin_left(sizes.px(8))
        .margin_right(right)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area);
    if let Some(title) = panel.title {
        builder.caption(title, (FAMILY, sizes.title()).into_font().color(&ink));
    }
    let mut chart = builder.build_cartesian_2d(x, y).map_err(draw_err)?;

    let x_fmt = |v: &f64| match panel.x_format {
        Some(f) => f(*v),
        None => x_ticks.format(*v),
    };
    chart
        .configure_mesh()
        .x_desc(panel.x_desc)
        .y_desc(panel.y_desc)
        .axis_desc_style(desc_font.clone())
        .label_style(label_font.clone())
        .bold_line_style(GRID.to_plotters().stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(ink.stroke_width(1))
        .set_all_tick_mark_size(tick)
        .x_labels(x_labels)
        .y_labels(y_labels)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_text)
        .draw()
        .map_err(draw_err)?;

    let (xr, yr) = (panel.x_range.clone(), panel.y_range.clone());
    let mut has_legend = false;

    for band in &panel.bands {
        let color = band.color.to_plotters();
        let segments = runs(&band.points, |&(x, lo, hi)| {
            x.is_finite() && y_ok(lo, panel.y_scale) && y_ok(hi, panel.y_scale)
        });
        let polygons = segments.into_iter().map(|seg| {
            let mut outline: Vec<(f64, f64)> = seg.iter().map(|&(x, _, hi)| (x, hi)).collect();
            outline.extend(seg.iter().rev().map(|&(x, lo, _)| (x, lo)));
            Polygon::new(outline, color.filled())
        });
        let swatch = sizes.px(6) as i32;
        let len = sizes.px(22) as i32;
        chart
            .draw_series(polygons)
            .map_err(draw_err)?
            .label(band.label)
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - swatch), (x + len, y + swatch)], color.filled())
            });
        has_legend = true;
    }

    for line in &panel.lines {
        let color = line.color.to_plotters();
        let style = color.stroke_width(sizes.px(line.width));
        let segments = runs(line.points, |&(x, y)| {
            x.is_finite() && y_ok(y, panel.y_scale)
        });
        let dot = sizes.px(line.width + 1.5);
        if let Some(label) = line.label {
            // The legend entry rides on an empty series, so every run below is drawn alike.
            let len = sizes.px(22) as i32;
            let gap = sizes.px(4) as i32;
            let dashed = line.dashed;
            chart
                .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())
                .map_err(draw_err)?
                .label(label)
                .legend(move |(x, y)| {
                    // Two strokes either way (one type): a gap between them for a dashed line.
                    let dash = if dashed { (len - gap) / 2 } else { len / 2 };
                    let second = if dashed { dash + gap } else { dash };
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (dash, 0)], style)
                        + PathElement::new(vec![(second, 0), (len, 0)], style)
                });
            has_legend = true;
        }
        for seg in segments {
            if seg.len() == 1 {
                chart.draw_series(std::iter::once(Circle::new(seg[0], dot, color.filled())))
            } else if line.dashed {
                chart.draw_series(DashedLineSeries::new(seg, sizes.px(8), sizes.px(5), style))
            } else {
                chart.draw_series(LineSeries::new(seg, style))
            }
            .map_err(draw_err)?;
        }
    }

    for marker in &panel.markers {
        if !marker.x.is_finite() || marker.x < xr.start || marker.x > xr.end {
            continue;
        }
        let style = ink.mix(0.75).stroke_width(sizes.px(1.5));
        let (bottom, top) = (yr.start, yr.end);
        chart
            .draw_series(DashedLineSeries::new(
                vec![(marker.x, bottom), (marker.x, top)],
                sizes.px(6),
                sizes.px(4),
                style,
            ))
            .map_err(draw_err)?;
        // Write the label on the side with more room.
        let right_half = (marker.x - xr.start) > 0.6 * (xr.end - xr.start);
        let (dx, hpos) = if right_half {
            (-(sizes.px(5) as i32), HPos::Right)
        } else {
            (sizes.px(5) as i32, HPos::Left)
        };
        let font = label_font.clone().pos(Pos::new(hpos, VPos::Top));
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((marker.x, top))
                    + Text::new(marker.label.to_string(), (dx, sizes.px(4) as i32), font),
            ))
            .map_err(draw_err)?;
    }

    // A frame around the plotting area (plotters draws only the left and bottom axes).
    let plot = chart.plotting_area().strip_coord_spec();
    let (w, h) = plot.dim_in_pixel();
    plot.draw(&Rectangle::new(
        [
            (0, 0),
            (w.saturating_sub(1) as i32, h.saturating_sub(1) as i32),
        ],
        ink.stroke_width(1),
    ))
    .map_err(draw_err)?;

    if has_legend {
        chart
            .configure_series_labels()
            .position(legend_corner(panel))
            .margin(sizes.px(10))
            .legend_area_size(sizes.px(30))
            .label_font(label_font)
            .background_style(WHITE.mix(0.92))
            .border_style(ink.mix(0.4))
            .draw()
            .map_err(draw_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_break_at_rejected_points() {
        let v = [1.0, f64::NAN, 2.0, 3.0, f64::INFINITY, f64::NAN, 4.0];
        let r = runs(&v, |x| x.is_finite());
        assert_eq!(r, vec![vec![1.0], vec![2.0, 3.0], vec![4.0]]);
        assert!(runs(&[f64::NAN], |x| x.is_finite()).is_empty());
    }

    fn panel_with<'a>(points: &'a [(f64, f64)]) -> Panel<'a> {
        Panel {
            title: None,
            x_desc: "",
            y_desc: "",
            x_range: 0.0..1.0,
            x_ticks: None,
            x_format: None,
            y_range: 0.0..1.0,
            y_scale: YScale::Linear,
            bands: Vec::new(),
            lines: vec![Line {
                label: Some("a"),
                points,
                color: Rgb(0, 0, 0),
                width: 2.0,
                dashed: false,
            }],
            markers: Vec::new(),
        }
    }

    #[test]
    fn legend_avoids_the_data() {
        let rising: Vec<(f64, f64)> = (0..=10)
            .map(|i| (i as f64 / 10.0, i as f64 / 10.0))
            .collect();
        // Data in the lower-left and upper-right corners: the legend goes upper left.
        assert!(matches!(
            legend_corner(&panel_with(&rising)),
            SeriesLabelPosition::UpperLeft
        ));
        let falling: Vec<(f64, f64)> = rising.iter().map(|&(x, y)| (x, 1.0 - y)).collect();
        assert!(matches!(
            legend_corner(&panel_with(&falling)),
            SeriesLabelPosition::UpperRight
        ));
    }
}
