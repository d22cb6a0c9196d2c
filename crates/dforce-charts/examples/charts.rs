//! Writes one chart of each kind to a folder: `line.png`, `training.png`, `fan.png`.
//!
//! ```text
//! cargo run -p dforce-charts --example charts -- OUT_DIR
//! ```

use std::error::Error;
use std::path::PathBuf;

use dforce_charts::{FanChart, ForecastPoint, LineChart, TrainingCurves};

fn main() -> Result<(), Box<dyn Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: charts OUT_DIR")?);
    std::fs::create_dir_all(&dir)?;

    // PSNR per rolled-out frame, with and without context caching; context ends at frame 4.
    let frames = 0..16;
    let psnr = |decay: f64| {
        frames
            .clone()
            .map(move |f| (f as f64, 34.0 - decay * (f as f64).max(3.0).ln()))
            .collect()
    };
    LineChart::new(
        "Video rollout: PSNR per frame (16 frames, 4 of context)",
        "frame",
        "PSNR (dB)",
    )
    .series("without cache", psnr(3.0))
    .series("with cache", psnr(3.2))
    .marker(3.5, "end of context")
    .render_png(dir.join("line.png"), 800, 450)?;

    // A falling loss and a validation metric every 500 steps.
    let loss = (0..=5000u64)
        .step_by(50)
        .map(|s| (s, 0.05 + 2.0 * (-(s as f64) / 800.0).exp()))
        .collect();
    let val = (500..=5000u64)
        .step_by(500)
        .map(|s| (s, 30.0 - 8.0 * (-(s as f64) / 1500.0).exp()))
        .collect();
    TrainingCurves::new("Training curves: video, 16 frames")
        .metric("training/loss", loss)
        .metric("validation/psnr", val)
        .render_png(dir.join("training.png"), 800, 600)?;

    // A daily series with a 14-day forecast whose spread grows with the horizon.
    let day = 86_400i64;
    let t0 = 1_717_200_000 - 1_717_200_000 % day; // 2024-06-01
    let level =
        |i: i64| 20.0 + 5.0 * ((i as f64) * std::f64::consts::TAU / 7.0).sin() + 0.1 * i as f64;
    let history = (0..42)
        .map(|i| {
            (
                t0 + i * day,
                level(i) + 0.8 * ((i * 7919) % 13) as f64 / 13.0,
            )
        })
        .collect();
    let truth = (42..56)
        .map(|i| {
            (
                t0 + i * day,
                level(i) + 0.8 * ((i * 7919) % 13) as f64 / 13.0,
            )
        })
        .collect();
    let forecast = (42..56)
        .map(|i| {
            let m = level(i) + 0.4;
            let s = 0.6 + 0.15 * (i - 42) as f64;
            ForecastPoint {
                t: t0 + i * day,
                p05: m - 1.645 * s,
                p25: m - 0.674 * s,
                median: m,
                p75: m + 0.674 * s,
                p95: m + 1.645 * s,
            }
        })
        .collect();
    FanChart {
        history,
        truth,
        forecast,
        ..FanChart::new(
            "Daily demand: 14-day probabilistic forecast",
            "demand (MWh)",
        )
    }
    .render_png(dir.join("fan.png"), 800, 450)?;
    println!(
        "wrote line.png, training.png and fan.png to {}",
        dir.display()
    );
    Ok(())
}
