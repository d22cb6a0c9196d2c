//! Data-parallel training over MPI (`--features mpi`; needs `mpiexec` on PATH, e.g. Debian's
//! mpich). Two ranks with accumulation 1 must take exactly the update of one process with
//! accumulation 2 and the same seed: the same micro-batches, the same noise streams, gradients
//! averaged before the optimiser step. Both ranks must end with identical weights, the run must
//! write one set of outputs, and a rank that dies must take the job down quickly.

#![cfg(feature = "mpi")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use dforce_nn::StateDict;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_dforce")
}

fn config_dir() -> String {
    repo().join("configs").display().to_string()
}

/// `mpiexec -n <ranks> dforce <args>` (one thread per rank), or `dforce <args>` for 0 ranks.
fn command(ranks: usize, args: &[String]) -> Command {
    let mut c = if ranks == 0 {
        Command::new(exe())
    } else {
        let mut c = Command::new("mpiexec");
        c.arg("-n").arg(ranks.to_string()).arg(exe());
        c
    };
    c.arg("--config-path")
        .arg(config_dir())
        .args(args)
        .env("RAYON_NUM_THREADS", "1");
    c
}

fn run(ranks: usize, args: &[String]) -> Output {
    command(ranks, args).output().expect("starting mpiexec")
}

fn ok(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "failed ({}):\n{err}", out.status);
    err
}

fn with(base: &[String], extra: &[String]) -> Vec<String> {
    base.iter().chain(extra).cloned().collect()
}

fn the_checkpoint(run_dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(run_dir.join("checkpoints"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "one checkpoint expected: {files:?}");
    files[0].clone()
}

/// Training losses by step from `metrics.jsonl`.
fn losses(run_dir: &Path) -> BTreeMap<u64, f64> {
    std::fs::read_to_string(run_dir.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("training/loss"))
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["step"].as_u64().unwrap(),
                v["training/loss"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// Largest |a - b| over the network weights (`prefix`) of two checkpoints, which must hold
/// the same tensors.
fn max_weight_diff(a: &Path, b: &Path, prefix: &str) -> f32 {
    let (a, b) = (StateDict::load(a).unwrap(), StateDict::load(b).unwrap());
    let names: Vec<&String> = a.tensors.keys().filter(|k| k.starts_with(prefix)).collect();
    assert!(names.len() > 4, "no weights under {prefix}");
    let mut worst = 0.0f32;
    for name in names {
        let (x, y) = (&a.tensors[name], &b.tensors[name]);
        assert_eq!(x.shape, y.shape, "{name}");
        for (p, q) in x.data.iter().zip(&y.data) {
            worst = worst.max((p - q).abs());
        }
    }
    worst
}

/// Two ranks × accumulation 1 against one process × accumulation 2: same steps and losses,
/// final weights within 1e-6, identical on both ranks, one set of outputs.
fn two_ranks_match_one_process(base: &[String], prefix: &str, steps: u64) {
    let dir = tempfile::tempdir().unwrap();
    let (m, s) = (dir.path().join("mpi"), dir.path().join("single"));
    // The MPI run goes first so that rank 0 generates any missing dataset for both ranks.
    let err = ok(&run(
        2,
        &with(base, &[format!("hydra.run.dir={}", m.display())]),
    ));
    let summary: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("trained steps"))
        .collect();
    assert_eq!(summary.len(), 1, "rank 0 alone reports:\n{err}");
    assert!(
        summary[0].contains(&format!("trained steps 0..{steps}"))
            && summary[0].contains("2 ranks")
            && summary[0].contains("final weights identical on all ranks"),
        "{err}"
    );
    let err1 = ok(&run(
        0,
        &with(
            base,
            &[
                format!("hydra.run.dir={}", s.display()),
                "experiment.training.optim.accumulate_grad_batches=2".into(),
            ],
        ),
    ));
    assert!(
        err1.contains(&format!("trained steps 0..{steps}")),
        "{err1}"
    );

    let (lm, ls) = (losses(&m), losses(&s));
    assert_eq!(
        lm.keys().copied().collect::<Vec<_>>(),
        (1..=steps).collect::<Vec<_>>(),
        "one metrics line per step, written once"
    );
    assert_eq!(lm.keys().collect::<Vec<_>>(), ls.keys().collect::<Vec<_>>());
    for (step, l) in &lm {
        assert!(
            (l - ls[step]).abs() <= 1e-6,
            "step {step}: {l} vs {}",
            ls[step]
        );
    }
    let worst = max_weight_diff(&the_checkpoint(&m), &the_checkpoint(&s), prefix);
    eprintln!("max |w_mpi - w_single| = {worst:e}");
    assert!(worst <= 1e-6, "max weight difference {worst}");
    let tb: Vec<_> = std::fs::read_dir(&m)
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().to_string();
            n.starts_with("events.out.tfevents").then_some(n)
        })
        .collect();
    assert_eq!(tb.len(), 1, "one TensorBoard file: {tb:?}");
}

fn planning(data: &Path) -> Vec<String> {
    [
        "experiment=exp_planning",
        "algorithm=df_planning",
        "dataset=maze2d_umaze",
        "algorithm.diffusion.architecture.network_size=32",
        "algorithm.diffusion.architecture.num_layers=2",
        "algorithm.diffusion.architecture.dim_feedforward=64",
        "experiment.training.batch_size=8",
        "experiment.training.max_steps=4",
        "experiment.validation.val_every_n_epoch=null",
        "experiment.validation.val_every_n_step=null",
        "seed=3",
        // Full-size steps from the start: weights then move by ~1e-3 per step, so agreement
        // within 1e-6 means the same update, not merely small ones.
        "algorithm.warmup_steps=0",
        "experiment.training.lr=1e-3",
    ]
    .into_iter()
    .map(String::from)
    .chain([format!("dataset.save_dir={}", data.display())])
    .collect()
}

#[test]
fn planning_on_two_ranks_equals_one_process_accumulating_two() {
    let data = tempfile::tempdir().unwrap();
    two_ranks_match_one_process(
        &planning(&data.path().join("maze")),
        "diffusion_model.model.",
        4,
    );
}

#[test]
fn video_unet3d_on_two_ranks_equals_one_process_accumulating_two() {
    let (_dir, root) = dforce_fixtures::video_dataset_copy("dmlab").unwrap();
    let mut base = dforce_fixtures::tiny_video_overrides("video_dmlab", &root, 16, 3);
    base.extend(
        [
            "experiment.training.max_steps=3",
            "experiment.training.batch_size=1",
            "experiment.validation.val_every_n_step=null",
            "seed=5",
            "algorithm.warmup_steps=0",
            "experiment.training.lr=1e-3",
        ]
        .map(String::from),
    );
    two_ranks_match_one_process(&base, "diffusion_model.model.", 3);
}

#[test]
fn a_node_count_that_does_not_match_the_launch_is_refused_naming_the_rank() {
    let data = tempfile::tempdir().unwrap();
    let mut args = planning(&data.path().join("maze"));
    args.push("experiment.num_nodes=2".into());
    args.push(format!("hydra.run.dir={}", data.path().join("r").display()));
    let out = run(2, &args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("error: rank ")
            && err.contains("of 2: experiment.num_nodes=2")
            && err.contains("experiment.num_nodes=1"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// The pids of the dforce ranks below `launcher` with `PMI_RANK=<rank>` in their environment.
fn rank_pid(launcher: u32, rank: usize) -> Option<u32> {
    let parent_of = |pid: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // pid (comm) state ppid ...: the comm may hold spaces, so parse after the last ')'.
        stat.rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    let descends = |mut pid: u32| {
        while let Some(p) = parent_of(pid) {
            if p == launcher {
                return true;
            }
            if p <= 1 {
                return false;
            }
            pid = p;
        }
        false
    };
    std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| descends(pid))
        .find(|&pid| {
            let exe_ok = std::fs::read_link(format!("/proc/{pid}/exe"))
                .is_ok_and(|p| p.file_name() == Path::new(exe()).file_name());
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            exe_ok
                && env
                    .split(|b| *b == 0)
                    .any(|kv| kv == format!("PMI_RANK={rank}").as_bytes())
        })
}

#[test]
fn killing_one_rank_ends_the_job_within_seconds_and_the_newest_checkpoint_loads() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("maze");
    let run_dir = dir.path().join("k");
    // Generate the dataset first, so that the killed run is already training.
    ok(&run(
        0,
        &with(
            &planning(&data),
            &[
                "experiment.training.max_steps=1".into(),
                format!("hydra.run.dir={}", dir.path().join("warm").display()),
            ],
        ),
    ));
    let mut child = command(
        2,
        &with(
            &planning(&data),
            &[
                "experiment.training.max_steps=100000".into(),
                "experiment.training.checkpointing.every_n_train_steps=1".into(),
                format!("hydra.run.dir={}", run_dir.display()),
            ],
        ),
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .expect("starting mpiexec");
    let started = Instant::now();
    let victim = loop {
        let has_ckpt =
            std::fs::read_dir(run_dir.join("checkpoints")).is_ok_and(|mut d| d.next().is_some());
        if let (true, Some(pid)) = (has_ckpt, rank_pid(child.id(), 1)) {
            break pid;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the run wrote no checkpoint in 120 s"
        );
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        std::thread::sleep(Duration::from_millis(200));
    };
    std::thread::sleep(Duration::from_millis(700)); // a few more steps and checkpoints
    let killed = Instant::now();
    Command::new("kill")
        .args(["-9", &victim.to_string()])
        .status()
        .unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if killed.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the job still runs 30 s after rank 1 was killed");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = killed.elapsed();
    eprintln!("job ended {took:?} after rank 1 was killed ({status})");
    assert!(!status.success());
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let newest = dforce_engine::checkpoint::latest(&run_dir).expect("a checkpoint");
    let sd = StateDict::load(&newest).unwrap();
    assert!(
        sd.tensors
            .keys()
            .any(|k| k.starts_with("diffusion_model.model."))
    );
}

#[test]
fn a_two_rank_run_resumed_on_two_ranks_continues_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let base = with(
        &planning(&dir.path().join("maze")),
        &["experiment.training.checkpointing.every_n_train_steps=3".into()],
    );
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let at = |steps: u64, run_dir: &Path| {
        vec![
            format!("experiment.training.max_steps={steps}"),
            format!("hydra.run.dir={}", run_dir.display()),
        ]
    };
    ok(&run(2, &with(&base, &at(6, &b))));
    ok(&run(2, &with(&base, &at(3, &a))));
    let mut resumed = at(6, &a);
    resumed.push(format!("resume={}", a.display()));
    let err = ok(&run(2, &with(&base, &resumed)));
    assert!(err.contains("trained steps 3..6"), "{err}");
    assert_eq!(losses(&a), losses(&b));
    let worst = max_weight_diff(&the_checkpoint(&a), &the_checkpoint(&b), "diffusion_model.");
    assert_eq!(worst, 0.0, "resumed weights differ by {worst}");
    let sd = StateDict::load(&the_checkpoint(&a)).unwrap();
    assert_eq!(sd.metadata.get("world_size").map(String::as_str), Some("2"));
}
