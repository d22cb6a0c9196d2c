//! Helpers shared by the binary's tests: the config tree, running the binary, and tiny planner
//! checkpoints.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use burn::tensor::Device;
use dforce_config::Value;
use dforce_core::Diffusion;
use dforce_engine::DiffusionSettings;
use dforce_engine::checkpoint::{self, RunPosition};
use dforce_engine::data_loader::DataPosition;
use dforce_engine::planning::{PlanningLayout, PlanningModel};
use dforce_engine::trainer::TrainableModel;

/// The repository's `configs/`.
pub fn configs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs")
}

/// Runs the binary in `cwd` with exactly `args`.
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dforce"))
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap()
}

/// Runs the binary in `cwd` with `args` that must fail without a panic; returns its stderr.
pub fn refused(cwd: &Path, args: &[&str]) -> String {
    let out = run_in(cwd, args);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert_ne!(out.status.code(), Some(101), "{args:?} panicked");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A planner of `cfg`'s network in `layout`, on the CPU.
pub fn planner(cfg: &Value, layout: PlanningLayout) -> PlanningModel {
    let network = dforce_engine::networks::planning_transformer(cfg, &layout).unwrap();
    PlanningModel::new(
        layout,
        Diffusion::new(DiffusionSettings::from_config(cfg).unwrap().diffusion).unwrap(),
        &network,
        &Device::flex(),
    )
    .unwrap()
}

/// Saves `model` as a training checkpoint of `run_dir` at `step`; returns the file.
pub fn save_planner(model: &mut PlanningModel, run_dir: &Path, step: u64) -> PathBuf {
    let pos = RunPosition {
        global_step: step,
        data: DataPosition::default(),
    };
    checkpoint::save(run_dir, &pos, &model.state_tensors(), BTreeMap::new()).unwrap();
    checkpoint::latest(run_dir).unwrap()
}
