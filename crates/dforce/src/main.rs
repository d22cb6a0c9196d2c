//! `dforce`: Diffusion Forcing in Rust. Hydra-style command lines, one binary for every domain.

mod bench;
mod bench_video_data;
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

/// mimalloc, told never to hand freed memory back to the kernel ([`keep_freed_memory`]).
/// glibc's malloc returns every block above its mmap threshold (32 MB at most) on free, so each
/// of the video Unet3D's 84 MB activations (10 frames × 128 channels × 128²) cost fresh page
/// faults and kernel zeroing in every op: about half the CPU time of a forward+backward was
/// system time (`dforce bench networks`), and mimalloc's default 10 ms purge delay did the same.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its `mimalloc.h`): milliseconds before freed memory is
/// returned to the OS; -1 never. The process then holds its peak, which a training or sampling
/// loop reaches again every step anyway.
fn keep_freed_memory() {
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets one of mimalloc's integer options; any value is valid for it.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

fn main() -> ExitCode {
    keep_freed_memory();
    let args = cli::Cli::parse_from(cli::hydra_short_flags(std::env::args_os()));
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
