//! Generates a maze world dataset in the TECO-DMLab layout and reports the speed.
//!
//! `cargo run --release -p dforce-video-data --example maze3d_generate -- OUT_DIR [EPISODES]
//! [FRAMES] [RESOLUTION] [SEED] [VALIDATION_FRACTION]` (defaults: 100 300 64 0 0.05)

use dforce_video_data::generate_maze3d;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    let out = arg(0, "data/maze3d");
    let report = generate_maze3d(
        &out,
        arg(1, "100").parse()?,
        arg(2, "300").parse()?,
        arg(3, "64").parse()?,
        arg(4, "0").parse()?,
        arg(5, "0.05").parse()?,
    )?;
    println!(
        "{}: {} training + {} validation episodes, {} frames in {:.1} s ({:.0} frames/s)",
        report.root.display(),
        report.training,
        report.validation,
        report.frames,
        report.seconds,
        report.frames_per_second()
    );
    Ok(())
}
