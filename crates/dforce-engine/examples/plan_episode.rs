//! The shipped maze2d-medium planner (`checkpoints/maze2d_medium_x_small.safetensors`) plans one
//! episode in closed loop: it plans a path from the ball to the goal under goal guidance,
//! executes `open_loop_horizon` steps of it with a PD controller in the native maze, and replans.
//! Prints whether and when it reached the goal and writes a picture of the executed path.
//!
//! ```text
//! cargo run --release --example plan_episode
//! cargo run --release --example plan_episode -- 300   # a shorter episode (default: 600 steps)
//! ```

use std::path::Path;

use anyhow::Context;
use burn::tensor::Device;
use dforce_config::compose;
use dforce_core::Diffusion;
use dforce_engine::planning::{EvalOptions, PlanningLayout, PlanningModel, run_closed_loop};
use dforce_engine::plot::legend::{start_goal_entries, time_scale, with_caption};
use dforce_engine::plot::{Colormap, MazeFigure};
use dforce_engine::trainer::TrainableModel;
use dforce_engine::{DiffusionSettings, networks};
use dforce_env::maze2d::{MazeLayout, lookup};
use dforce_nn::StateDict;

/// The shipped planner's recipe (`configs/recipe/maze2d_medium_x_small.yaml`, as `dforce demo` uses it): positions
/// only, the statistics of the data it was trained on, 4 layers, guidance 32; one episode.
const OVERRIDES: &str = "recipe=maze2d_medium_x_small experiment.validation.batch_size=1";

fn main() -> anyhow::Result<()> {
    // `None`: the model's `episode_len` (600 steps in maze2d-medium), as the reference evaluates.
    let steps = std::env::args()
        .nth(1)
        .map(|s| s.parse::<usize>())
        .transpose();
    let steps = steps.context("the argument is the number of steps of the episode, 1..=600")?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let overrides: Vec<String> = OVERRIDES.split_whitespace().map(String::from).collect();
    let cfg = compose(&root.join("configs"), &overrides)?.resolve_job()?;

    // The network from the config (as `Planning::build_model` builds it), then the shipped weights.
    let device = Device::flex();
    let layout = PlanningLayout::from_config(&cfg)?;
    let diffusion = Diffusion::new(DiffusionSettings::from_config(&cfg)?.diffusion)?;
    let network = networks::planning_transformer(&cfg, &layout)?;
    let mut model = PlanningModel::new(layout, diffusion, &network, &device)?;
    let weights = StateDict::load(&root.join("checkpoints/maze2d_medium_x_small.safetensors"))?;
    model.load_weights(&weights, &device)?;

    let seed = dforce_engine::RunSettings::from_config(&cfg)?.seed;
    let mut options = EvalOptions::from_config(&cfg, seed)?;
    (options.max_steps, options.pictures, options.animate) = (steps, 1, false);
    let r = run_closed_loop(&model, &options, &device, &mut |done, all| {
        eprintln!("step {done}/{all}")
    })?;
    let episode = &r.episodes[0];
    let first = episode
        .first_reach_step
        .map_or("never".into(), |s| format!("step {s}"));
    println!(
        "{} with the {}: start {:.2?}, goal {:.2?}",
        options.env_id, r.controller, r.starts[0], r.goal
    );
    println!(
        "reached the goal: {}, first reach: {first}",
        episode.reached
    );
    println!(
        "steps: {} ({} plans), return {}",
        r.steps, r.replans, episode.episode_return
    );
    println!(
        "time: {:.1} s, of which planning {:.1} s",
        r.seconds, r.plan_seconds
    );

    let maze = MazeLayout::parse(lookup(&options.env_id)?.maze)?;
    let picture = MazeFigure::new(&maze).trajectory(&r.paths[0], Some(r.starts[0]), Some(r.goal));
    let steps = r.paths[0].len().saturating_sub(1);
    let caption = dforce_charts::Caption {
        text: format!("{}: executed path, {steps} steps", options.env_id),
        entries: start_goal_entries(),
        scales: vec![time_scale("time", Colormap::Reds, steps)],
    };
    let picture = with_caption(&picture, &caption)?;
    let png = std::env::temp_dir().join("dforce-plan-episode.png");
    picture.write_png(&png)?;
    println!("executed path: {}", png.display());
    Ok(())
}
