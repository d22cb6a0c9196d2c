//! Composes the repository's `configs/` tree with Hydra-style overrides, as `dforce run` does
//! before anything runs, and prints a few resolved keys and the whole resolved `algorithm` node.
//!
//! ```text
//! cargo run --release --example compose
//! cargo run --release --example compose -- algorithm=df_planning dataset=maze2d_umaze algorithm.guidance_scale=3
//! cargo run --release --example compose -- path/to/configs experiment=exp_video algorithm=df_video
//! ```
//!
//! A first argument that is a directory is the config directory (default: `configs/` of this
//! checkout); the other arguments are overrides (default: the shipped video model's
//! `experiment=exp_video algorithm=df_video_small dataset=video_maze3d_small`).

use std::path::{Path, PathBuf};

fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let config_dir = match args.first() {
        Some(first) if Path::new(first).is_dir() => PathBuf::from(args.remove(0)),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs"),
    };
    let config_dir = config_dir.canonicalize().unwrap_or(config_dir);
    if args.is_empty() {
        args = [
            "experiment=exp_video",
            "algorithm=df_video_small",
            "dataset=video_maze3d_small",
        ]
        .map(String::from)
        .to_vec();
    }
    println!("composing {} with {}", config_dir.display(), args.join(" "));

    // Defaults lists, group selections and overrides (Hydra's grammar), then `${…}` resolution.
    let composed = dforce_config::compose(&config_dir, &args)?;
    for (group, choice) in &composed.choices {
        println!("  {group:<10} = {}", choice.as_deref().unwrap_or("null"));
    }
    let cfg = composed.resolve_job()?;

    println!("\na few resolved keys:");
    for key in [
        "seed",
        "dataset.save_dir",
        "dataset.resolution",
        "experiment.training.lr",
        "experiment.validation.batch_size",
        "algorithm.diffusion.timesteps",
        "algorithm.diffusion.sampling_timesteps",
    ] {
        match cfg.get(key) {
            Ok(value) => println!("  {key} = {}", value.to_yaml().trim_end()),
            Err(e) => println!("  {key}: {e}"),
        }
    }

    // Typed access names the key and the expected type when the value is wrong.
    let lr = cfg.get_f64("experiment.training.lr")?;
    println!("  (experiment.training.lr as f64: {lr:e})");

    println!(
        "\nalgorithm (resolved):\n{}",
        cfg.get("algorithm")?.to_yaml()
    );
    Ok(())
}
