//! The reference's maze trajectory figure (`make_trajectory_images`, spec §5.3), drawn with
//! [`Canvas`].
//!
//! Geometry follows the reference exactly, in D4RL qpos coordinates: the outer wall ring is
//! stripped, the inner cell `(i, j)` is the unit square with lower-left corner
//! `(i + 0.5, j + 0.5)`, and the axes span `x ∈ [0.5, rows + 0.5]` (horizontal: qpos x, the
//! maze row) and `y ∈ [0.5, cols + 0.5]` (vertical, upwards: qpos y, the maze column). So
//! maze cell `(r, c)` of the full layout is centred on the integer point `(r, c)`, which is
//! where D4RL puts resets and goals (the physical walls sit 0.2 lower; see
//! `dforce_env::maze2d::layout`). Walls are black on a light-grey floor with white grid lines;
//! a path is a scatter of dots coloured by time; the start is a white disc with a black dot
//! and the goal a white disc with a black five-pointed star.

use dforce_env::maze2d::MazeLayout;

use super::colormap::Colormap;
use super::raster::{BLACK, Canvas, LIGHT_GREY, WHITE};

/// Marker sizes of the reference's figure, in maze cells (they are data-space patches).
const MARKER_RADIUS: f64 = 0.16;
const START_DOT_RADIUS: f64 = 0.08;
const STAR_OUTER: f64 = 0.08;
const STAR_INNER: f64 = 0.04;
/// matplotlib's default scatter dot, 36 pt² at 100 dpi: about 8.3 px across, whatever the
/// maze size.
const DOT_RADIUS_PX: f64 = 4.2;
/// Grid lines and spines of width 4 pt at 100 dpi.
const LINE_WIDTH_PX: f64 = 5.5;
/// The axes area of the reference's 640×480 figure after `tight_layout`, roughly; the maze is
/// scaled to fit it with equal aspect.
const AXES_BOX: (f64, f64) = (600.0, 440.0);
/// Marker rims: matplotlib's default patch line width (1 pt).
const RIM_PX: f64 = 1.4;

/// How a path's dots are coloured: point `k` gets `colormap((t0 + k) / (t_total − 1))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrajectoryStyle {
    pub colormap: Colormap,
    /// Time index of the first point.
    pub t0: usize,
    /// Number of time steps the colour scale spans (at least 2 is meaningful).
    pub t_total: usize,
    /// Dot radius in pixels.
    pub radius_px: f64,
}

impl TrajectoryStyle {
    /// The reference's colouring: a path of `len` points spans the whole map.
    pub fn whole(colormap: Colormap, len: usize) -> Self {
        Self {
            colormap,
            t0: 0,
            t_total: len,
            radius_px: DOT_RADIUS_PX,
        }
    }
}

/// A maze rendered once (floor, grid, walls, spines) that paths and markers are drawn onto.
#[derive(Debug, Clone)]
pub struct MazeFigure {
    /// Inner grid size (outer ring stripped).
    rows: usize,
    cols: usize,
    /// Pixels per cell.
    scale: f64,
    /// Spine width in pixels (the frame around the axes).
    margin: f64,
    background: Canvas,
}

impl MazeFigure {
    /// The figure for `layout`, scaled like the reference's 640×480 figure: the maze fills
    /// about 600×440 pixels with equal aspect (umaze ≈ 146, medium ≈ 73, large ≈ 44 pixels per
    /// cell).
    pub fn new(layout: &MazeLayout) -> Self {
        let rows = layout.rows().saturating_sub(2).max(1) as f64;
        let cols = layout.cols().saturating_sub(2).max(1) as f64;
        let scale = (AXES_BOX.0 / rows).min(AXES_BOX.1 / cols).floor();
        Self::with_scale(layout, scale.max(8.0) as u32)
    }

    /// The figure at `px_per_cell` pixels per maze cell.
    pub fn with_scale(layout: &MazeLayout, px_per_cell: u32) -> Self {
        let rows = layout.rows().saturating_sub(2).max(1);
        let cols = layout.cols().saturating_sub(2).max(1);
        let scale = px_per_cell.max(4) as f64;
        let margin = LINE_WIDTH_PX.round();
        let width = (rows as f64 * scale + 2.0 * margin) as u32;
        let height = (cols as f64 * scale + 2.0 * margin) as u32;
        let mut fig = Self {
            rows,
            cols,
            scale,
            margin,
            background: Canvas::new(width, height, LIGHT_GREY),
        };
        let mut bg = fig.background.clone();
        let lw = LINE_WIDTH_PX;
        for k in 0..=rows {
            let (x, _) = fig.to_px(k as f64 + 0.5, 0.5);
            bg.fill_rect(x - lw / 2.0, 0.0, x + lw / 2.0, height as f64, WHITE);
        }
        for k in 0..=cols {
            let (_, y) = fig.to_px(0.5, k as f64 + 0.5);
            bg.fill_rect(0.0, y - lw / 2.0, width as f64, y + lw / 2.0, WHITE);
        }
        for i in 0..rows {
            for j in 0..cols {
                if layout.is_wall(i as i64 + 1, j as i64 + 1) {
                    let (x0, y0) = fig.to_px(i as f64 + 0.5, j as f64 + 1.5);
                    bg.fill_rect(x0, y0, x0 + scale, y0 + scale, BLACK);
                }
            }
        }
        let (w, h) = (width as f64, height as f64);
        bg.fill_rect(0.0, 0.0, w, margin, BLACK);
        bg.fill_rect(0.0, h - margin, w, h, BLACK);
        bg.fill_rect(0.0, 0.0, margin, h, BLACK);
        bg.fill_rect(w - margin, 0.0, w, h, BLACK);
        // Paths and markers are clipped to the axes, as matplotlib does.
        let m = margin as u32;
        bg.set_clip(m, m, width - m, height - m);
        fig.background = bg;
        fig
    }

    /// Pixel coordinates of the data point `(x, y)` (qpos units).
    pub fn to_px(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.margin + (x - 0.5) * self.scale,
            self.margin + (self.cols as f64 + 0.5 - y) * self.scale,
        )
    }

    /// The empty maze (a fresh copy to draw on).
    pub fn canvas(&self) -> Canvas {
        self.background.clone()
    }

    /// Inner grid size `(rows, cols)`.
    pub fn grid(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Draws `points` (qpos x, y) as dots coloured by time; non-finite points are skipped
    /// (a diverged plan should still leave a readable picture).
    pub fn draw_path(&self, canvas: &mut Canvas, points: &[[f32; 2]], style: TrajectoryStyle) {
        let denom = style.t_total.saturating_sub(1).max(1) as f64;
        let r = style.radius_px;
        for (k, p) in points.iter().enumerate() {
            if !(p[0].is_finite() && p[1].is_finite()) {
                continue;
            }
            let (x, y) = self.to_px(p[0] as f64, p[1] as f64);
            let color = style.colormap.at((style.t0 + k) as f64 / denom);
            canvas.fill_circle(x, y, r, color);
        }
    }

    /// A white disc with a black rim (the base of both markers).
    fn marker_disc(&self, canvas: &mut Canvas, x: f64, y: f64) {
        let r = MARKER_RADIUS * self.scale;
        let edge = RIM_PX;
        canvas.fill_circle(x, y, r + edge / 2.0, BLACK);
        canvas.fill_circle(x, y, r - edge / 2.0, WHITE);
    }

    /// The start marker: a white disc with a black centre dot.
    pub fn draw_start(&self, canvas: &mut Canvas, at: [f64; 2]) {
        if !(at[0].is_finite() && at[1].is_finite()) {
            return;
        }
        let (x, y) = self.to_px(at[0], at[1]);
        self.marker_disc(canvas, x, y);
        canvas.fill_circle(x, y, START_DOT_RADIUS * self.scale, BLACK);
    }

    /// The goal marker: a white disc with a black five-pointed star, first point up.
    pub fn draw_goal(&self, canvas: &mut Canvas, at: [f64; 2]) {
        if !(at[0].is_finite() && at[1].is_finite()) {
            return;
        }
        let (x, y) = self.to_px(at[0], at[1]);
        self.marker_disc(canvas, x, y);
        let star: Vec<(f64, f64)> = (0..10)
            .map(|k| {
                let angle = std::f64::consts::FRAC_PI_2 + k as f64 * std::f64::consts::PI / 5.0;
                let r = if k % 2 == 0 { STAR_OUTER } else { STAR_INNER } * self.scale;
                // Image y grows downwards, so "up" is −y.
                (x + r * angle.cos(), y - r * angle.sin())
            })
            .collect();
        canvas.fill_polygon(&star, BLACK);
    }

    /// The reference's figure: maze, path coloured by time, then the start and goal markers.
    pub fn trajectory(
        &self,
        points: &[[f32; 2]],
        start: Option<[f64; 2]>,
        goal: Option<[f64; 2]>,
    ) -> Canvas {
        let mut canvas = self.canvas();
        self.draw_path(
            &mut canvas,
            points,
            TrajectoryStyle::whole(Colormap::Reds, points.len()),
        );
        if let Some(s) = start {
            self.draw_start(&mut canvas, s);
        }
        if let Some(g) = goal {
            self.draw_goal(&mut canvas, g);
        }
        canvas
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::decode_png;
    use dforce_env::maze2d::layout::{MEDIUM_MAZE, U_MAZE};

    /// Decoded PNG pixels at the centre of each inner cell are black exactly where the layout
    /// has '#'.
    #[test]
    fn walls_are_black_exactly_where_the_layout_has_hashes() {
        for spec in [U_MAZE, MEDIUM_MAZE] {
            let layout = MazeLayout::parse(spec).unwrap();
            let fig = MazeFigure::with_scale(&layout, 24);
            let png = fig.canvas().encode_png().unwrap();
            let img = decode_png(&png).unwrap();
            let (rows, cols) = fig.grid();
            assert_eq!((rows, cols), (layout.rows() - 2, layout.cols() - 2));
            for r in 1..=rows {
                for c in 1..=cols {
                    // Cell (r, c) of the full layout is centred on the point (r, c).
                    let (x, y) = fig.to_px(r as f64, c as f64);
                    let px = img.pixel(x as u32, y as u32).unwrap();
                    let wall = layout.is_wall(r as i64, c as i64);
                    assert_eq!(px == BLACK, wall, "cell ({r}, {c}) of {spec}: {px:?}");
                    if !wall {
                        assert_eq!(px, LIGHT_GREY);
                    }
                }
            }
        }
    }

    #[test]
    fn markers_and_paths_land_where_their_coordinates_say() {
        let layout = MazeLayout::parse(U_MAZE).unwrap();
        let fig = MazeFigure::new(&layout);
        let goal = [1.0, 1.0];
        let start = [3.0, 1.0];
        let path = [[3.0f32, 2.0], [3.0, 3.0]];
        let img = fig.trajectory(&path, Some(start), Some(goal));
        let at = |p: [f64; 2]| {
            let (x, y) = fig.to_px(p[0], p[1]);
            img.pixel(x as u32, y as u32).unwrap()
        };
        assert_eq!(at(start), BLACK); // the start's centre dot
        assert_eq!(at(goal), BLACK); // the star's centre
        assert_eq!(at([3.12, 1.0]), WHITE); // inside the start disc, outside its dot
        // Nothing is drawn outside the axes: a point on the spine leaves it black.
        let mut clipped = fig.canvas();
        fig.draw_path(
            &mut clipped,
            &[[0.49, 2.0]],
            TrajectoryStyle::whole(Colormap::Reds, 1),
        );
        let (x, y) = fig.to_px(0.49, 2.0);
        assert!(x > 2.0 && x < 6.0, "the dot straddles the left spine: {x}");
        assert_eq!(clipped.pixel(2, y as u32), Some(BLACK));
        // The last path point gets the darkest red, the first the lightest.
        assert_eq!(at([3.0, 3.0]), Colormap::Reds.at(1.0));
        assert_eq!(at([3.0, 2.0]), Colormap::Reds.at(0.0));
    }
}
