//! Prints the resolved job config as one line of JSON, for comparison with Hydra
//! (`scripts/check_hydra_parity.sh`).
//!
//! Usage: `cargo run -q -p dforce-config --example compose_json -- CONFIG_DIR [OVERRIDES...]`
//! Add `--yaml` before CONFIG_DIR to print the resolved config as YAML instead.
//! With `--run` before CONFIG_DIR it starts a run in the current directory as `dforce` does
//! (run directory, saved configs, `hydra.job.chdir`, `hydra.job.env_set`) and prints what
//! `scripts/hydra_oracle.py --run` prints for a real Hydra run (without running any task).
//! With `--show job|hydra|all [--resolve] [--package P]` before CONFIG_DIR it prints what
//! `dforce --cfg …` (Hydra's `--cfg`) prints.
//! Errors go to stderr with exit code 1.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dforce_config::{CfgPart, ConfigError, Value};

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args.first().map(String::as_str) {
        Some("--yaml") => "yaml",
        Some("--run") => "run",
        Some("--show") => "show",
        _ => "json",
    };
    if mode != "json" {
        args.remove(0);
    }
    let show = match mode {
        "show" => match show_options(&mut args) {
            Some(options) => Some(options),
            None => {
                eprintln!(
                    "usage: compose_json --show job|hydra|all [--resolve] [--package P] CONFIG_DIR [OVERRIDES...]"
                );
                return ExitCode::from(2);
            }
        },
        _ => None,
    };
    let Some(dir) = args.first().cloned() else {
        eprintln!("usage: compose_json [--yaml|--run|--show ...] CONFIG_DIR [OVERRIDES...]");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    let result = match (mode, show) {
        ("show", Some((part, resolve, package))) => dforce_config::compose(&dir, &args[1..])
            .and_then(|c| c.show_cfg(part, resolve, package.as_deref())),
        ("run", _) => start_run(&dir, &args[1..]),
        _ => dforce_config::compose(&dir, &args[1..])
            .and_then(|c| c.job.resolved())
            .map(|cfg| {
                if mode == "yaml" {
                    cfg.to_yaml()
                } else {
                    format!("{}\n", cfg.to_json())
                }
            }),
    };
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `--show`'s part, `--resolve` and `--package P`, taken off the front of `args`.
fn show_options(args: &mut Vec<String>) -> Option<(CfgPart, bool, Option<String>)> {
    let part = match args.first().map(String::as_str)? {
        "job" => CfgPart::Job,
        "hydra" => CfgPart::Hydra,
        "all" => CfgPart::All,
        _ => return None,
    };
    args.remove(0);
    let (mut resolve, mut package) = (false, None);
    loop {
        match args.first().map(String::as_str) {
            Some("--resolve") => {
                resolve = true;
                args.remove(0);
            }
            Some("--package") if args.len() > 1 => {
                package = Some(args.remove(1));
                args.remove(0);
            }
            _ => return Some((part, resolve, package)),
        }
    }
}

/// The steps of `dforce`'s run (crates/dforce/src/run.rs) up to the task, then the report.
fn start_run(dir: &Path, overrides: &[String]) -> Result<String, ConfigError> {
    let io = |path: &Path, e: std::io::Error| ConfigError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let start = std::env::current_dir().map_err(|e| io(Path::new("."), e))?;
    let mut composed = dforce_config::compose(dir, overrides)?;
    let hydra = composed.hydra_run()?;
    for (name, value) in &hydra.env_set {
        // SAFETY: this example is single-threaded.
        unsafe { std::env::set_var(name, value) };
    }
    let run_dir = std::path::absolute(&hydra.run_dir).map_err(|e| io(&hydra.run_dir, e))?;
    std::fs::create_dir_all(&run_dir).map_err(|e| io(&run_dir, e))?;
    if let Some(sub) = &hydra.output_subdir {
        composed.save_hydra_files(&run_dir.join(sub))?;
    }
    if hydra.chdir {
        std::env::set_current_dir(&run_dir).map_err(|e| io(&run_dir, e))?;
    }
    let job = composed.resolve_job()?;
    let mut saved = Vec::new();
    list_files(&run_dir, &run_dir, &mut saved);
    saved.sort();
    let cwd = std::env::current_dir().map_err(|e| io(Path::new("."), e))?;
    let rel = |p: &Path| {
        let r = p.strip_prefix(&start).unwrap_or(p).display().to_string();
        if r.is_empty() { ".".to_string() } else { r }
    };
    let mut env = dforce_config::Map::new();
    for (name, _) in &hydra.env_set {
        env.insert(
            name.clone(),
            std::env::var(name).map_or(Value::Null, Value::String),
        );
    }
    let mut out = dforce_config::Map::new();
    out.insert("run_dir", Value::String(rel(&run_dir)));
    out.insert("cwd", Value::String(rel(&cwd)));
    // The saved files' text, with the directory the run started in written `<start>`.
    let mut texts = dforce_config::Map::new();
    for name in &saved {
        let text = std::fs::read_to_string(run_dir.join(name)).map_err(|e| io(&run_dir, e))?;
        let start_text = start.display().to_string();
        texts.insert(
            name.clone(),
            Value::String(text.replace(&start_text, "<start>")),
        );
    }
    out.insert(
        "saved",
        Value::List(saved.into_iter().map(Value::String).collect()),
    );
    out.insert("saved_text", Value::Map(texts));
    out.insert("env", Value::Map(env));
    out.insert("job_name", Value::String(hydra.job_name.clone()));
    out.insert(
        "override_dirname",
        composed.resolve_hydra_key("hydra.job.override_dirname")?,
    );
    out.insert("job", job);
    Ok(format!("{}\n", Value::Map(out).to_json()))
}

fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            list_files(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.display().to_string());
        }
    }
}
