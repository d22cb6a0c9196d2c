//! Caption strips under the maze pictures: a line saying what the picture shows and a legend
//! for the start and goal markers and the time colouring, drawn by
//! [`dforce_charts::add_caption`] below the unchanged figure.

use dforce_charts::{Caption, ColorScale, LegendEntry, LegendMarker, Rgb as ChartRgb};

use super::{Canvas, Colormap, PlotError};

/// Stops sampled from a colormap for its legend bar (the bar interpolates between them; 33
/// stops put one on each of the colormap's 9 anchors).
const SCALE_STOPS: usize = 33;

/// The start and goal legend entries, drawn like [`super::MazeFigure::draw_start`] and
/// [`super::MazeFigure::draw_goal`].
pub fn start_goal_entries() -> Vec<LegendEntry> {
    vec![
        LegendEntry {
            marker: LegendMarker::Start,
            label: "start".into(),
        },
        LegendEntry {
            marker: LegendMarker::Goal,
            label: "goal".into(),
        },
    ]
}

/// A legend bar for points coloured by time with `colormap` over `steps` steps (colour 0 at
/// `t = 0`, colour 1 at `t = steps`), named `name`.
pub fn time_scale(name: &str, colormap: Colormap, steps: usize) -> ColorScale {
    let stops = (0..SCALE_STOPS)
        .map(|k| {
            let [r, g, b] = colormap.at(k as f64 / (SCALE_STOPS - 1) as f64);
            ChartRgb(r, g, b)
        })
        .collect();
    ColorScale {
        name: name.into(),
        stops,
        low: "t = 0".into(),
        high: format!("t = {steps} step{}", if steps == 1 { "" } else { "s" }),
    }
}

/// `canvas` with `caption` drawn in a white strip below it; the first `canvas.height()` rows
/// are `canvas`'s pixels unchanged.
///
/// # Errors
/// [`PlotError::Caption`] if the caption cannot be drawn (e.g. a zero-width canvas).
pub fn with_caption(canvas: &Canvas, caption: &Caption) -> Result<Canvas, PlotError> {
    let img = dforce_charts::add_caption(canvas.width(), canvas.height(), canvas.rgb(), caption)?;
    Canvas::from_rgb(img.width, img.height, img.rgb)
        .ok_or_else(|| PlotError::Invalid("the captioned picture has the wrong size".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::MazeFigure;
    use dforce_env::maze2d::MazeLayout;
    use dforce_env::maze2d::layout::MEDIUM_MAZE;

    /// The maze part stays pixel-identical; the strip below shows the bar's colours.
    #[test]
    fn captions_keep_the_maze_and_show_the_time_colours() {
        let layout = MazeLayout::parse(MEDIUM_MAZE).unwrap();
        let fig = MazeFigure::new(&layout);
        let maze = fig.trajectory(
            &[[1.0, 1.0], [1.0, 2.0]],
            Some([1.0, 1.0]),
            Some([6.0, 6.0]),
        );
        let caption = Caption {
            text: "maze2d-medium-v1, episode 0: executed path, 1 step".into(),
            entries: start_goal_entries(),
            scales: vec![time_scale("time", Colormap::Reds, 1)],
        };
        assert_eq!(caption.scales[0].high, "t = 1 step");
        let out = with_caption(&maze, &caption).unwrap();
        assert_eq!(out.width(), maze.width());
        assert!(out.height() > maze.height() + 40);
        assert_eq!(&out.rgb()[..maze.rgb().len()], maze.rgb());
        let strip = &out.rgb()[maze.rgb().len()..];
        let has = |c: [u8; 3]| strip.chunks_exact(3).any(|p| p == c);
        assert!(has(Colormap::Reds.at(0.0)) && has(Colormap::Reds.at(1.0)));
        assert!(has([0, 0, 0]));
    }
}
