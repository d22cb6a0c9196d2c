//! The planner's pictures: first plans and executed paths per episode, and the MPC animation
//! of episode 0.

use std::path::{Path, PathBuf};

use dforce_env::maze2d::MazeLayout;

use super::closed_loop::Rollouts;
use super::eval::{EvalError, io};
use super::options::EvalOptions;
use crate::plot::animation::{GifFrame, encode_gif};
use crate::plot::legend::{start_goal_entries, time_scale, with_caption};
use crate::plot::{Colormap, MazeFigure, PlotError, TrajectoryStyle};
use crate::tensorboard::EventWriter;
use dforce_charts::{Caption, caption_strip, stack};

/// Writes the per-episode pictures (first plan, executed trajectory), the MPC animation of
/// episode 0, and logs the pictures to TensorBoard under the reference's tags.
///
/// Each picture is the reference's maze figure with a caption strip below it (what it shows,
/// the start and goal markers when drawn, and the time colour scale); the maze part is the
/// figure unchanged.
pub(super) fn write_media(
    r: &Rollouts,
    options: &EvalOptions,
    namespace: &str,
    dir: &Path,
    tb: &mut EventWriter,
    step: u64,
) -> Result<Vec<PathBuf>, EvalError> {
    let layout = MazeLayout::parse(dforce_env::maze2d::lookup(&options.env_id)?.maze)?;
    let fig = MazeFigure::new(&layout);
    if r.first_plans.is_empty() && r.replans_episode0.is_empty() {
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    let markers = options.plot_start_goal;
    let goal = markers.then_some(r.goal);
    let env = &options.env_id;
    let legend = |text: String, colormap, name: &str, steps: usize| Caption {
        text,
        entries: if markers {
            start_goal_entries()
        } else {
            Vec::new()
        },
        scales: vec![time_scale(name, colormap, steps)],
    };
    let mut written = Vec::new();
    let mut png = |name: String, tag: String, canvas: crate::plot::Canvas| {
        let path = dir.join(name);
        let bytes = canvas.write_png(&path)?;
        tb.image(&tag, step, canvas.width(), canvas.height(), &bytes)
            .map_err(io("writing the TensorBoard event file"))?;
        written.push(path);
        Ok::<_, EvalError>(())
    };
    for (i, plan) in r.first_plans.iter().enumerate() {
        let start = markers.then_some(r.starts[i]);
        // The plan starts one step after the start; draw the start as its first point.
        let mut pts = Vec::with_capacity(plan.len() + 1);
        pts.push(r.paths[i][0]);
        pts.extend_from_slice(plan);
        let steps = pts.len().saturating_sub(1);
        let caption = legend(
            format!("{env}, episode {i}: first plan (from its start), {steps} steps"),
            Colormap::Reds,
            "plan time",
            steps,
        );
        png(
            format!("{namespace}_plan_sample_{i}.png"),
            format!("{namespace}_plan/sample_{i}"),
            with_caption(&fig.trajectory(&pts, start, goal), &caption)?,
        )?;
    }
    for (i, path) in r.paths.iter().enumerate().take(r.first_plans.len()) {
        let start = markers.then_some(r.starts[i]);
        let steps = path.len().saturating_sub(1);
        let caption = legend(
            format!("{env}, episode {i}: executed path, {steps} steps"),
            Colormap::Reds,
            "time",
            steps,
        );
        png(
            format!("{namespace}_interaction_sample_{i}.png"),
            format!("{namespace}_interaction/sample_{i}"),
            with_caption(&fig.trajectory(path, start, goal), &caption)?,
        )?;
    }
    if options.animate && !r.replans_episode0.is_empty() {
        let path = dir.join(format!("{namespace}_mpc_episode_0.gif"));
        let caption = Caption {
            text: format!(
                "{env}, episode 0: executed path and the plan made at each replan ({} steps)",
                r.episode_steps
            ),
            entries: if markers {
                start_goal_entries()
            } else {
                Vec::new()
            },
            scales: vec![
                time_scale("executed path", Colormap::Reds, r.episode_steps),
                time_scale("current plan", Colormap::Blues, r.episode_steps),
            ],
        };
        let bytes = mpc_animation(&fig, r, markers, &caption)?;
        crate::plot::raster::write_file(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

/// One frame per replan of episode 0: the path executed so far (Reds) and the plan just made
/// (Blues), both coloured by absolute time, then a final frame with the whole path; every frame
/// has `caption` in a strip below the maze.
fn mpc_animation(
    fig: &MazeFigure,
    r: &Rollouts,
    markers: bool,
    caption: &Caption,
) -> Result<Vec<u8>, EvalError> {
    let total = r.episode_steps + 1;
    let path = &r.paths[0];
    let decorate = |canvas: &mut crate::plot::Canvas| {
        if markers {
            fig.draw_start(canvas, r.starts[0]);
            fig.draw_goal(canvas, r.goal);
        }
    };
    let mut frames = Vec::with_capacity(r.replans_episode0.len() + 1);
    for (at, plan) in &r.replans_episode0 {
        let mut canvas = fig.canvas();
        let style = |colormap, t0| TrajectoryStyle {
            t0,
            ..TrajectoryStyle::whole(colormap, total)
        };
        fig.draw_path(&mut canvas, plan, style(Colormap::Blues, at + 1));
        fig.draw_path(
            &mut canvas,
            &path[..(at + 1).min(path.len())],
            style(Colormap::Reds, 0),
        );
        decorate(&mut canvas);
        frames.push(canvas);
    }
    let mut last = fig.canvas();
    fig.draw_path(
        &mut last,
        path,
        TrajectoryStyle::whole(Colormap::Reds, total),
    );
    decorate(&mut last);
    // One strip, drawn once, under every frame (all frames have the maze's size).
    let strip = caption_strip(last.width(), caption).map_err(PlotError::from)?;
    frames.push(last);
    let frames = frames
        .iter()
        .map(|maze| {
            let img =
                stack(maze.width(), maze.height(), maze.rgb(), &strip).map_err(PlotError::from)?;
            crate::plot::Canvas::from_rgb(img.width, img.height, img.rgb)
                .ok_or_else(|| PlotError::Invalid("a captioned frame has the wrong size".into()))
        })
        .collect::<Result<Vec<_>, PlotError>>()?;
    let n = frames.len();
    let frames: Vec<GifFrame<'_>> = frames
        .iter()
        .enumerate()
        .map(|(k, canvas)| GifFrame {
            canvas,
            delay_cs: if k + 1 == n { 200 } else { 60 },
        })
        .collect();
    Ok(encode_gif(&frames)?)
}
