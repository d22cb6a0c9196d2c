//! Generates a maze2d dataset and writes it in D4RL's HDF5 layout.
//!
//! `cargo run --release -p dforce-env --example maze2d_write -- maze2d-umaze-v1 1000000 0 out.hdf5`

use dforce_env::data::{generate, write_d4rl};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        return Err("usage: maze2d_write ENV_ID STEPS SEED OUT.hdf5".into());
    }
    let data = generate(&args[1], args[2].parse()?, args[3].parse()?)?;
    write_d4rl(&data, &args[4])?;
    println!("wrote {} steps to {}", data.len(), args[4]);
    Ok(())
}
