//! A run resumed from its checkpoint logs exactly the losses of an uninterrupted run.

use std::path::Path;
use std::sync::Arc;

use burn::tensor::Device;
use dforce_config::compose;
use dforce_core::Diffusion;
use dforce_engine::algorithm::TrainingData;
use dforce_engine::planning::{Maze2dWindows, OfflineSteps, PlanningLayout, PlanningModel};
use dforce_engine::trainer::{self, TrainJob};
use dforce_engine::{DiffusionSettings, TrainingSettings, checkpoint};

fn config(max_steps: u64) -> dforce_config::Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
    let overrides: Vec<String> = [
        "experiment=exp_planning",
        "algorithm=df_planning",
        "dataset=maze2d_umaze",
        "algorithm.diffusion.architecture.network_size=16",
        "algorithm.diffusion.architecture.num_layers=1",
        "algorithm.diffusion.architecture.dim_feedforward=16",
        "experiment.training.batch_size=4",
        "experiment.training.checkpointing.every_n_train_steps=3",
        "experiment.training.data.num_workers=2",
        "+name=t",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("experiment.training.max_steps={max_steps}")])
    .collect();
    compose(&dir, &overrides).unwrap().job.resolved().unwrap()
}

fn losses(run_dir: &Path) -> Vec<(u64, f64)> {
    std::fs::read_to_string(run_dir.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["step"].as_u64().unwrap(),
                v["training/loss"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn train(run_dir: &Path, max_steps: u64, resume: bool, data: Arc<Maze2dWindows>) {
    try_train(run_dir, max_steps, resume, data).unwrap();
}

/// The device's seed is process-wide: the tests of this file train one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn try_train(
    run_dir: &Path,
    max_steps: u64,
    resume: bool,
    data: Arc<Maze2dWindows>,
) -> Result<(), trainer::TrainError> {
    let cfg = config(max_steps);
    let device = Device::flex();
    device.seed(5);
    let device = device.autodiff();
    let layout = PlanningLayout::from_config(&cfg).unwrap();
    let diffusion =
        Diffusion::new(DiffusionSettings::from_config(&cfg).unwrap().diffusion).unwrap();
    let network = dforce_engine::networks::planning_transformer(&cfg, &layout).unwrap();
    let mut model = PlanningModel::new(layout, diffusion, &network, &device).unwrap();
    let settings = TrainingSettings::from_config(&cfg).unwrap();
    let TrainingData { items, build } = data.training_data(&model.layout).unwrap();
    trainer::train(
        TrainJob {
            run_dir,
            seed: 5,
            settings: &settings,
            reference_warmup: false,
            config_yaml: String::new(),
            resume: resume.then(|| checkpoint::latest(run_dir).unwrap()),
            device,
            quiet: true,
            reducer: None,
        },
        &mut model,
        items,
        build,
        None,
    )
    .map(drop)
}

fn windows() -> Arc<Maze2dWindows> {
    let n = 320;
    let steps = OfflineSteps {
        observations: (0..n)
            .map(|i| {
                [
                    1.0 + (i as f32 * 0.1).sin(),
                    2.0 + (i as f32 * 0.07).cos(),
                    0.1,
                    -0.1,
                ]
            })
            .collect(),
        actions: (0..n)
            .map(|i| [(i as f32 * 0.3).sin(), (i as f32 * 0.2).cos()])
            .collect(),
        rewards: (0..n).map(|i| f32::from(i % 17 == 0)).collect(),
    };
    Arc::new(Maze2dWindows { steps, window: 301 })
}

#[test]
fn resumed_training_matches_uninterrupted_training() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // A short synthetic stream is enough: the claim is about determinism, not learning.
    // 20 windows of 301 steps: 5 batches per epoch, so the runs cross epochs and resume mid-epoch.
    let data = windows();
    let root = std::env::temp_dir().join(format!("dforce-resume-{}", std::process::id()));
    let (a, b) = (root.join("a"), root.join("b"));
    train(&a, 6, false, data.clone());
    train(&a, 12, true, data.clone());
    train(&b, 12, false, data);
    let (la, lb) = (losses(&a), losses(&b));
    assert_eq!(
        la.iter().map(|x| x.0).collect::<Vec<_>>(),
        (1..=12).collect::<Vec<_>>()
    );
    assert_eq!(la, lb, "resumed run diverged from the uninterrupted one");
    std::fs::remove_dir_all(root).ok();
}

/// A checkpoint whose optimiser state does not fit the network (here one moment cut short, as a
/// foreign or damaged file would have it) is refused on resume with the parameter named, instead
/// of panicking inside the first AdamW update.
#[test]
fn optimiser_state_of_another_size_is_refused_on_resume() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let root = std::env::temp_dir().join(format!("dforce-resume-bad-{}", std::process::id()));
    let data = windows();
    train(&root, 2, false, data.clone());
    let path = checkpoint::latest(&root).unwrap();
    let mut sd = dforce_nn::StateDict::load(&path).unwrap();
    let key = sd
        .tensors
        .keys()
        .find(|k| k.starts_with("optimizer.") && k.ends_with(".exp_avg"))
        .unwrap()
        .clone();
    let t = sd.tensors.get_mut(&key).unwrap();
    t.data.truncate(t.data.len() - 1);
    t.shape = vec![t.data.len()];
    dforce_nn::write_safetensors_atomic(&path, &sd.tensors, &sd.metadata).unwrap();
    let err = try_train(&root, 4, true, data).unwrap_err().to_string();
    let name = key
        .trim_start_matches("optimizer.")
        .trim_end_matches(".exp_avg");
    assert!(
        err.contains(&format!("the optimiser state of {name} holds")) && err.contains("load="),
        "{err}"
    );
    std::fs::remove_dir_all(root).ok();
}
