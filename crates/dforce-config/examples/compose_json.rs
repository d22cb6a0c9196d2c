//! Prints the resolved job config as one line of JSON, for comparison with Hydra
//! (`scripts/check_hydra_parity.sh`).
//!
//! Usage: `cargo run -q -p dforce-config --example compose_json -- CONFIG_DIR [OVERRIDES...]`
//! Add `--yaml` before CONFIG_DIR to print the resolved config as YAML instead.
//! Errors go to stderr with exit code 1.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let yaml = args.first().is_some_and(|a| a == "--yaml");
    if yaml {
        args.remove(0);
    }
    let Some(dir) = args.first().cloned() else {
        eprintln!("usage: compose_json [--yaml] CONFIG_DIR [OVERRIDES...]");
        return ExitCode::from(2);
    };
    let result =
        dforce_config::compose(&PathBuf::from(dir), &args[1..]).and_then(|c| c.job.resolved());
    match result {
        Ok(cfg) if yaml => {
            print!("{}", cfg.to_yaml());
            ExitCode::SUCCESS
        }
        Ok(cfg) => {
            println!("{}", cfg.to_json());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
