//! `experiment.tasks=[validation]` for df_planning through the binary: weights are required,
//! and a tiny checkpoint evaluates end to end into the run directory.

mod common;

use std::process::{Command, Output};

use common::{configs, planner, save_planner};
use dforce_config::compose;
use dforce_engine::planning::PlanningLayout;

const TINY: &[&str] = &[
    "experiment=exp_planning",
    "algorithm=df_planning",
    "dataset=maze2d_umaze",
    "algorithm.diffusion.architecture.network_size=16",
    "algorithm.diffusion.architecture.num_layers=1",
    "algorithm.diffusion.architecture.dim_feedforward=16",
    "algorithm.diffusion.sampling_timesteps=10",
    "algorithm.open_loop_horizon=5",
    "experiment.validation.batch_size=2",
    "+experiment.validation.max_steps=10",
    "experiment.tasks=[validation]",
    "device=cpu",
    "+name=v",
];

fn dforce(extra: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dforce"))
        .arg("--config-path")
        .arg(configs())
        .args(TINY)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn validation_without_weights_says_how_to_give_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dforce(&[format!("hydra.run.dir={}", dir.path().join("v").display())]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("load=PATH"), "{err}");
}

#[test]
fn validation_of_a_checkpoint_logs_metrics_and_pictures() {
    let dir = tempfile::tempdir().unwrap();
    // A randomly initialised tiny planner saved as a dforce checkpoint at step 7.
    let overrides: Vec<String> = TINY.iter().map(|s| s.to_string()).collect();
    let cfg = compose(&configs(), &overrides)
        .unwrap()
        .job
        .resolved()
        .unwrap();
    let layout = PlanningLayout::from_config(&cfg).unwrap();
    let train_dir = dir.path().join("train");
    save_planner(&mut planner(&cfg, layout), &train_dir, 7);

    let run = dir.path().join("v");
    let out = dforce(&[
        format!("load={}", train_dir.display()),
        format!("hydra.run.dir={}", run.display()),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("validation: 2 episodes × 10 steps"), "{err}");
    assert!(err.contains("normalized_score"), "{err}");
    let metrics = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    assert!(metrics.contains("\"step\":7"), "{metrics}");
    assert!(
        run.join("media/validation_interaction_sample_1.png")
            .is_file()
    );
    assert!(run.join("media/validation_mpc_episode_0.gif").is_file());
}
