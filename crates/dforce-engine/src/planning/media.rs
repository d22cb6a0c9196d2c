//! The planner's pictures: first plans and executed paths per episode, and the MPC animation
//! of episode 0.

use std::path::{Path, PathBuf};

use dforce_env::maze2d::MazeLayout;

use super::closed_loop::Rollouts;
use super::eval::{EvalError, io};
use super::options::EvalOptions;
use crate::plot::animation::{GifFrame, encode_gif};
use crate::plot::{Colormap, MazeFigure, TrajectoryStyle};
use crate::tensorboard::EventWriter;

/// Writes the per-episode pictures (first plan, executed trajectory), the MPC animation of
/// episode 0, and logs the pictures to TensorBoard under the reference's tags.
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
        png(
            format!("{namespace}_plan_sample_{i}.png"),
            format!("{namespace}_plan/sample_{i}"),
            fig.trajectory(&pts, start, goal),
        )?;
    }
    for (i, path) in r.paths.iter().enumerate().take(r.first_plans.len()) {
        let start = markers.then_some(r.starts[i]);
        png(
            format!("{namespace}_interaction_sample_{i}.png"),
            format!("{namespace}_interaction/sample_{i}"),
            fig.trajectory(path, start, goal),
        )?;
    }
    if options.animate && !r.replans_episode0.is_empty() {
        let path = dir.join(format!("{namespace}_mpc_episode_0.gif"));
        let bytes = mpc_animation(&fig, r, markers)?;
        crate::plot::raster::write_file(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

/// One frame per replan of episode 0: the path executed so far (Reds) and the plan just made
/// (Blues), both coloured by absolute time, then a final frame with the whole path.
fn mpc_animation(fig: &MazeFigure, r: &Rollouts, markers: bool) -> Result<Vec<u8>, EvalError> {
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
    frames.push(last);
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
