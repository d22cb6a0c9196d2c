//! `dforce demo`: the README's main job. Runs the three shipped models on built-in defaults —
//! the maze2d planner's closed-loop episodes, the 3D-maze video model's 8× rollouts and the
//! NYC-weather forecaster's test days — and says where their pictures are.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cli::DemoArgs;
use crate::cli::RunArgs;

/// The shipped planner (`recipe=maze2d_medium_x_small`: `df_planning` on positions only, 4
/// layers; `configs/recipe/maze2d_medium_x_small.yaml`).
pub const PLANNER_CHECKPOINT: &str = "checkpoints/maze2d_medium_x_small.safetensors";
/// The shipped video model (`recipe=maze3d_video_small`: `algorithm=df_video_small
/// dataset=video_maze3d_small`; `configs/recipe/maze3d_video_small.yaml`).
pub const VIDEO_CHECKPOINT: &str = "checkpoints/maze3d_video_small.safetensors";

/// The shipped forecaster (`recipe=ts_nyc_weather_small`: `df_prediction`, the paper branch's
/// recurrent model, on the built-in hourly weather data; `configs/recipe/ts_nyc_weather_small.yaml`).
pub const FORECAST_CHECKPOINT: &str = "checkpoints/ts_nyc_weather_small.safetensors";

/// A shipped checkpoint: `checkpoints/…` under the working directory, else in the source
/// checkout this binary was built from (so the demo also runs from elsewhere).
fn shipped(relative: &str) -> PathBuf {
    let here = PathBuf::from(relative);
    if here.is_file() {
        return here;
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

/// Overrides of the planner demo: the shipped planner's recipe, evaluated.
pub fn planner_overrides(episodes: usize, out: &Path) -> Vec<String> {
    [
        "recipe=maze2d_medium_x_small",
        "experiment.tasks=[validation]",
        "+name=planner_demo",
    ]
    .into_iter()
    .map(String::from)
    .chain([
        format!("experiment.validation.batch_size={episodes}"),
        format!("load={}", shipped(PLANNER_CHECKPOINT).display()),
        format!("hydra.run.dir={}", out.join("planner").display()),
    ])
    .collect()
}

/// Overrides of the video demo: validation rollouts (8× the training clip) of the shipped model.
pub fn video_overrides(clips: usize, out: &Path) -> Vec<String> {
    [
        "recipe=maze3d_video_small",
        "experiment.tasks=[validation]",
        "+name=video_demo",
    ]
    .into_iter()
    .map(String::from)
    .chain([
        format!("experiment.validation.batch_size={clips}"),
        format!("load={}", shipped(VIDEO_CHECKPOINT).display()),
        format!("hydra.run.dir={}", out.join("video").display()),
    ])
    .collect()
}

/// Overrides of the forecasting demo: the shipped forecaster on the 7 test days, with
/// `paths` sample paths per window, scored by CRPS-sum against two baselines.
pub fn forecast_overrides(paths: usize, out: &Path) -> Vec<String> {
    [
        "recipe=ts_nyc_weather_small",
        "experiment.tasks=[test]",
        "+name=forecast_demo",
    ]
    .into_iter()
    .map(String::from)
    .chain([
        format!("algorithm.calc_crps_sum={paths}"),
        format!(
            "dataset.save_dir={}",
            shipped(BUILTIN_TIMESERIES)
                .parent()
                .unwrap_or(Path::new("."))
                .display()
        ),
        format!("load={}", shipped(FORECAST_CHECKPOINT).display()),
        format!("hydra.run.dir={}", out.join("forecast").display()),
    ])
    .collect()
}

/// The built-in time-series dataset (GluonTS layout; `configs/dataset/ts_nyc_weather.yaml`).
const BUILTIN_TIMESERIES: &str = "datasets/timeseries/nyc_weather/metadata.json";

/// Refuses a demo size of 0 by its flag (the engine would otherwise name the config key the
/// flag sets, e.g. `experiment.validation.batch_size`, which the user never wrote).
fn check_flags(args: &DemoArgs) -> Result<()> {
    for (flag, value, what, skip) in [
        (
            "--episodes",
            args.episodes,
            "planner episode",
            "--skip-planner",
        ),
        ("--clips", args.clips, "video clip", "--skip-video"),
        (
            "--sample-paths",
            args.sample_paths,
            "sample path per forecast window",
            "--skip-forecast",
        ),
    ] {
        if value == 0 {
            anyhow::bail!(
                "{flag}=0: the demo needs at least 1 {what}; pass {flag} 1 or more, or \
                 {skip} to leave that part out"
            );
        }
    }
    Ok(())
}

pub fn run(args: DemoArgs) -> Result<()> {
    check_flags(&args)?;
    let out = args.out.as_path();
    let started = std::time::Instant::now();
    let run_one = |what: &str, overrides: Vec<String>| -> Result<()> {
        eprintln!("dforce demo: {what}");
        crate::run::main(
            &RunArgs {
                cfg: None,
                resolve: false,
                package: None,
                summary: false,
                config_path: None,
                config_name: None,
                config_dir: None,
                multirun: false,
                overrides,
            },
            &dforce_engine::distributed::job::Parallel::single(),
        )
        .with_context(|| format!("demo: {what}"))
    };
    if !args.skip_planner {
        run_one(
            "the maze2d-medium planner plans and replans to the goal",
            planner_overrides(args.episodes, out),
        )?;
    }
    if !args.skip_video {
        run_one(
            "the 3D-maze video model rolls out 8× its training length",
            video_overrides(args.clips, out),
        )?;
    }
    if !args.skip_forecast {
        run_one(
            "the NYC-weather forecaster forecasts 7 test days (CRPS-sum vs. two baselines)",
            forecast_overrides(args.sample_paths, out),
        )?;
    }
    eprintln!(
        "dforce demo: done in {:.0} s.",
        started.elapsed().as_secs_f64()
    );
    if !args.skip_planner {
        eprintln!(
            "  planner pictures (plans, executed paths, MPC animation): {}",
            out.join("planner/media").display()
        );
    }
    if !args.skip_video {
        eprintln!(
            "  video rollouts (prediction | ground truth GIFs, PSNR and stability charts): {}",
            out.join("video/media").display()
        );
    }
    if !args.skip_forecast {
        eprintln!(
            "  forecast fan chart (history, truth, median, 50 % and 90 % bands): {}",
            out.join("forecast/media/test_forecast.png").display()
        );
    }
    Ok(())
}
