//! Reads a checkpoint (dforce `.safetensors` or an official Lightning `.ckpt`) into a
//! [`StateDict`] and prints what it holds: the network it fits and the architecture its shapes
//! imply ([`CheckpointSummary`]), the run metadata, and the first tensors' names and shapes.
//! `dforce ckpt inspect FILE` is the full command-line version.
//!
//! ```text
//! cargo run --release --example inspect_checkpoint
//! cargo run --release --example inspect_checkpoint -- checkpoints/maze3d_video_small.safetensors
//! ```
//!
//! Default file: the shipped planner, `checkpoints/maze2d_medium_x_small.safetensors`.

use std::path::PathBuf;

use dforce_nn::{CheckpointSummary, StateDict};

/// How many tensors to list.
const FIRST: usize = 12;

fn main() -> anyhow::Result<()> {
    let path = match std::env::args_os().nth(1) {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../checkpoints/maze2d_medium_x_small.safetensors"),
    };
    // A missing, truncated or foreign file is an error naming the file, never a panic.
    let sd = StateDict::load(&path)?;
    let path = path.canonicalize().unwrap_or(path);
    let summary = CheckpointSummary::of(&sd);

    println!("file:            {}", path.display());
    println!("format:          {:?}", sd.format);
    println!(
        "global_step:     {:?}, epoch: {:?}",
        sd.global_step, sd.epoch
    );
    println!("algorithm:       {}", summary.algorithm());
    println!("network:         {:?}", summary.network);
    println!("prefix:          '{}'", summary.prefix);
    println!(
        "tensors:         {} ({} network parameters)",
        summary.tensor_count, summary.network_params
    );
    // Besides the network: normalisation statistics, diffusion buffers, optimiser moments.
    let (optimizer, others): (Vec<&str>, Vec<&str>) = (summary.other_tensors.keys())
        .map(String::as_str)
        .partition(|k| k.starts_with("optimizer."));
    println!(
        "other tensors:   {} (+ {} optimizer moments)",
        others.join(", "),
        optimizer.len()
    );
    for (key, value) in &sd.metadata {
        let first = value.lines().next().unwrap_or_default();
        let more = match value.lines().count() {
            0 | 1 => String::new(),
            n => format!(" … ({n} lines)"),
        };
        println!("metadata:        {key} = {first}{more}");
    }

    println!(
        "\nfirst {FIRST} of {} float tensors (name, shape):",
        sd.tensors.len()
    );
    for (name, t) in sd.tensors.iter().take(FIRST) {
        println!("  {name:<60} {:?}", t.shape);
    }
    if let Some((name, t)) = sd.tensors.get_key_value("data_mean") {
        println!(
            "\n{name} = {:?} (normalisation statistics saved with the weights)",
            t.data
        );
    }
    Ok(())
}
