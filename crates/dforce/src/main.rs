//! `dforce`: Diffusion Forcing in Rust. Hydra-style command lines, one binary for every domain.

mod bench;
mod ckpt;
mod cli;
mod cluster;
mod config_dir;
mod data_cmd;
mod demo;
mod device;
mod network_spec;
mod run;

use std::process::ExitCode;

use clap::Parser;
use dforce_engine::distributed::job::Parallel;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    // Only a run joins an MPI job; the other commands are single-process tools.
    let job = if args.command.is_none() {
        match Parallel::init() {
            Ok(j) => j,
            Err(e) => return Parallel::single().fail(&e),
        }
    } else {
        Parallel::single()
    };
    let result = match args.command {
        Some(cli::Command::Ckpt(cmd)) => ckpt::run(cmd),
        Some(cli::Command::Data(cmd)) => data_cmd::data(cmd),
        Some(cli::Command::Env(cmd)) => data_cmd::env(cmd),
        Some(cli::Command::Bench(cmd)) => bench::run(cmd),
        Some(cli::Command::Demo(args)) => demo::run(args),
        None => run::main(&args.run, &job),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`dforce ckpt inspect F | head`) is not an error of ours.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        // One readable line per cause: "error: what went wrong: why" (naming the rank in a
        // job of several, which then ends every rank).
        Err(e) => job.fail(&format!("{e:#}")),
    }
}
