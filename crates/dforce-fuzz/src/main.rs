//! `dforce-fuzz`: the stable-Rust fuzz driver (corpus replay, then proptest-drawn mutations).
//!
//! ```text
//! dforce-fuzz [--seconds S] [--runs N] [--seed N] [--keep-going] [TARGET ...]
//! dforce-fuzz --replay TARGET FILE ...
//! dforce-fuzz --list
//! ```
//!
//! Without targets it runs all of them, each for S seconds (default 5). Exits 1 if any input
//! panicked (saved under `fuzz/artifacts/<target>/`), 3 on a hang, and aborts on an excessive
//! allocation (the input saved first).

use std::process::ExitCode;
use std::time::Duration;

use dforce_fuzz::alloc::CappedAlloc;
use dforce_fuzz::runner::{self, Options};
use dforce_fuzz::{TARGETS, Target};

#[global_allocator]
static ALLOC: CappedAlloc = CappedAlloc;

fn usage() -> ExitCode {
    eprintln!(
        "usage: dforce-fuzz [--seconds S] [--runs N] [--seed N] [--keep-going] [TARGET ...]\n       \
         dforce-fuzz --replay TARGET FILE ...\n       dforce-fuzz --list"
    );
    ExitCode::from(2)
}

fn parse<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    value
        .as_deref()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("{flag} needs a number"))
}

fn replay(target: &Target, files: &[String]) -> ExitCode {
    runner::start_watchdog();
    let mut failed = false;
    for file in files {
        match std::fs::read(file) {
            Ok(data) => match runner::run_one(target, &data) {
                Ok(()) => println!("{file}: ok"),
                Err(_) => {
                    println!("{file}: PANIC");
                    failed = true;
                }
            },
            Err(e) => {
                eprintln!("{file}: {e}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut seconds = 5.0f64;
    let mut runs = u64::MAX;
    let mut seed = 0u64;
    let mut keep_going = false;
    let mut names = Vec::new();
    while let Some(arg) = args.next() {
        let parsed = match arg.as_str() {
            "--seconds" => parse("--seconds", args.next()).map(|v| seconds = v),
            "--runs" => parse("--runs", args.next()).map(|v| runs = v),
            "--seed" => parse("--seed", args.next()).map(|v| seed = v),
            "--keep-going" => {
                keep_going = true;
                Ok(())
            }
            "--list" => {
                for t in TARGETS {
                    println!("{:24} {}", t.name, t.about);
                }
                return ExitCode::SUCCESS;
            }
            "--replay" => {
                let Some(target) = args.next().as_deref().and_then(dforce_fuzz::target) else {
                    return usage();
                };
                return replay(target, &args.collect::<Vec<_>>());
            }
            "-h" | "--help" => return usage(),
            _ => {
                names.push(arg);
                Ok(())
            }
        };
        if let Err(e) = parsed {
            eprintln!("dforce-fuzz: {e}");
            return usage();
        }
    }
    if !(seconds.is_finite() && seconds >= 0.0) {
        eprintln!("dforce-fuzz: --seconds must be a non-negative number");
        return usage();
    }
    let targets: Vec<&Target> = if names.is_empty() {
        TARGETS.iter().collect()
    } else {
        let mut out = Vec::new();
        for n in &names {
            match dforce_fuzz::target(n) {
                Some(t) => out.push(t),
                None => {
                    eprintln!("dforce-fuzz: no target {n:?} (--list shows them)");
                    return ExitCode::from(2);
                }
            }
        }
        out
    };
    let options = Options {
        duration: Duration::from_secs_f64(seconds),
        max_runs: runs,
        seed,
        stop_on_failure: !keep_going,
    };
    let mut failures = 0usize;
    println!(
        "{:24} {:>9} {:>10} {:>8}",
        "target", "corpus", "mutated", "panics"
    );
    for t in targets {
        let corpus = match runner::read_corpus(&dforce_fuzz::corpus_dir(t.name)) {
            Ok(c) => c.into_iter().map(|(_, b)| b).collect::<Vec<_>>(),
            Err(e) => {
                eprintln!("dforce-fuzz: cannot read the corpus of {}: {e}", t.name);
                return ExitCode::FAILURE;
            }
        };
        let dict_path = dforce_fuzz::fuzz_dir()
            .join("dicts")
            .join(format!("{}.dict", t.name));
        let dict = match std::fs::read_to_string(&dict_path) {
            Ok(text) => match runner::parse_dict(&text) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("dforce-fuzz: {}: {e}", dict_path.display());
                    return ExitCode::FAILURE;
                }
            },
            Err(_) => Vec::new(),
        };
        let report = runner::fuzz(t, &corpus, &dict, &options);
        println!(
            "{:24} {:>9} {:>10} {:>8}",
            t.name,
            report.replayed,
            report.mutated,
            report.failures.len()
        );
        for f in &report.failures {
            println!("  failing input: {}", f.display());
        }
        failures += report.failures.len();
    }
    if failures > 0 {
        eprintln!("dforce-fuzz: {failures} failing input(s); replay one with --replay TARGET FILE");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
