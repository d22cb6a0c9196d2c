//! The forecasting algorithm as a library, through the `Algorithm` seam: a tiny recurrent model
//! trains on the dataset GluonTS's own writer produced (`tests/fixtures/gluonts/ds`, gzipped
//! JSON lines with NaNs in the test range), with per-epoch validation, early stopping's best
//! checkpoint and a test on that checkpoint: CRPS-sum and the baselines in `metrics.jsonl`,
//! fan charts in `media/`. Malformed datasets are refused with the file and line named.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use dforce_config::compose;
use dforce_engine::algorithm::{Algorithm, TaskContext, registry};
use dforce_engine::distributed::job::Parallel;
use dforce_engine::forecasting::{Forecaster, Forecasting, paths};
use dforce_engine::{RunSettings, Task};

fn gluonts_dataset() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/gluonts/ds")
}

fn config(save_dir: &Path, extra: &[&str]) -> dforce_config::Value {
    let mut overrides: Vec<String> = [
        "experiment=exp_prediction",
        "algorithm=df_prediction",
        "dataset=ts_gluonts_case",
        "+name=forecast_task",
        "algorithm.z_shape=[16]",
        "algorithm.diffusion.network_size=4",
        "algorithm.diffusion.num_gru_layers=2",
        "algorithm.diffusion.sampling_timesteps=4",
        "algorithm.calc_crps_sum=20",
        "experiment.training.max_steps=4",
        "experiment.training.batch_size=4",
        "experiment.training.batches_per_epoch=2",
        "experiment.training.data.num_workers=0",
    ]
    .map(String::from)
    .to_vec();
    overrides.push(format!("dataset.save_dir={}", save_dir.display()));
    overrides.extend(extra.iter().map(|s| s.to_string()));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
    compose(&dir, &overrides).unwrap().resolve_job().unwrap()
}

fn run(cfg: &dforce_config::Value, run_dir: &Path, task: Task) -> Result<(), String> {
    run_loading(cfg, run_dir, task, None)
}

fn run_loading(
    cfg: &dforce_config::Value,
    run_dir: &Path,
    task: Task,
    load: Option<PathBuf>,
) -> Result<(), String> {
    let settings = RunSettings::from_config(cfg).unwrap();
    let parallel = Parallel::single();
    let ctx = TaskContext {
        cfg,
        settings: &settings,
        run_dir,
        device: Device::flex(),
        resume: None,
        load,
        parallel: &parallel,
        said: Default::default(),
    };
    // Through the registry, which picks the backbone's implementation.
    registry::run_task(Forecasting::NAME, &ctx, task).map_err(|e| dforce_core::error_chain(&e))
}

#[test]
fn forecasting_trains_validates_and_tests_the_best_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let cfg = config(&gluonts_dataset(), &["experiment.tasks=[training,test]"]);
    run(&cfg, &run_dir, Task::Training).unwrap();
    let best = run_dir.join("checkpoints/best");
    assert_eq!(
        std::fs::read_dir(&best).unwrap().count(),
        1,
        "one best checkpoint"
    );
    run(&cfg, &run_dir, Task::Test).unwrap();
    let metrics = std::fs::read_to_string(run_dir.join("metrics.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = metrics
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let validations = rows
        .iter()
        .filter(|r| r.get("validation/crps_sum").is_some())
        .count();
    assert_eq!(validations, 2, "one validation per epoch of 2 batches");
    let test = rows
        .iter()
        .find(|r| r.get("test/crps_sum").is_some())
        .expect("a test row");
    for key in [
        "test/crps_sum",
        "test/crps_sum_branch",
        "test/crps",
        "test/nd",
        "test/nrmse",
        "test/baseline/seasonal_naive/crps_sum",
        "test/baseline/seasonal_climatology/crps_sum",
    ] {
        let v = test[key].as_f64().unwrap_or(f64::NAN);
        assert!(v.is_finite() && v > 0.0, "{key} = {v}");
    }
    for picture in [
        "validation_forecast.png",
        "test_forecast.png",
        "training_curves.png",
    ] {
        assert!(run_dir.join("media").join(picture).is_file(), "{picture}");
    }
}

#[test]
fn covariates_are_a_real_option_and_their_width_is_checked() {
    let tmp = tempfile::tempdir().unwrap();
    // Lags 24 and 168 (lag 1 is the target itself) × 4 series + 4 embeddings + 2 × 2 time
    // features: 16, the branch's len(lags_seq)·D + 2·F.
    let cfg = config(
        &gluonts_dataset(),
        &[
            "algorithm.external_cond_dim=16",
            "experiment.training.max_steps=2",
        ],
    );
    run(&cfg, &tmp.path().join("run"), Task::Training).unwrap();
    run(&cfg, &tmp.path().join("run"), Task::Test).unwrap();
    let wrong = config(&gluonts_dataset(), &["algorithm.external_cond_dim=19"]);
    let err = Forecasting::check_config(&wrong).unwrap_err().to_string();
    assert!(
        err.contains("algorithm.external_cond_dim=19") && err.contains("16"),
        "{err}"
    );
}

#[test]
fn the_v15_causal_transformer_serves_as_the_backbone() {
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let cfg = config(
        &gluonts_dataset(),
        &[
            "algorithm.backbone=transformer",
            "algorithm.transformer.network_size=16",
            "algorithm.transformer.num_layers=1",
            "algorithm.transformer.attn_heads=2",
            "algorithm.transformer.dim_feedforward=32",
            "algorithm.transformer.scheduling_matrix=pyramid",
        ],
    );
    run(&cfg, &run_dir, Task::Training).unwrap();
    run(&cfg, &run_dir, Task::Test).unwrap();
    let ckpt = dforce_engine::checkpoint::latest(&run_dir).unwrap();
    let sd = dforce_nn::StateDict::load(&ckpt).unwrap();
    let keys: Vec<&String> = sd.tensors.keys().collect();
    assert!(
        keys.iter().any(|k| k.ends_with("init_mlp.0.weight")),
        "the planning Transformer's names: {keys:?}"
    );
    let metrics = std::fs::read_to_string(run_dir.join("metrics.jsonl")).unwrap();
    assert!(metrics.contains("test/crps_sum"), "{metrics}");
    // Covariates need the recurrent backbone.
    let wrong = config(
        &gluonts_dataset(),
        &[
            "algorithm.backbone=transformer",
            "algorithm.external_cond_dim=16",
        ],
    );
    let err = Forecasting::check_config(&wrong).unwrap_err().to_string();
    assert!(err.contains("backbone=recurrent"), "{err}");
}

/// With covariates on, the forecast must not read the ground truth of its own horizon: lags
/// inside the horizon come from the sampled path (`covariates_leak_free`, the default); the
/// branch's behaviour (`covariates_leak_free=False`) reads the truth there.
#[test]
fn leak_free_covariates_never_read_the_future() {
    let tmp = tempfile::tempdir().unwrap();
    // One model per configuration, forecasting the test windows as they are and with the
    // horizon's ground truth replaced (the same model and draws for both).
    let forecasts_with = |cond: usize, leak_free: bool| -> (Vec<f32>, Vec<f32>) {
        let cfg = config(
            &gluonts_dataset(),
            &[
                // Lag 2 (shifted 1) reads the previous step, inside the horizon.
                "dataset.lags_seq=[1,2,24]",
                &format!("algorithm.external_cond_dim={cond}"),
                &format!("algorithm.covariates_leak_free={leak_free}"),
            ],
        );
        let settings = RunSettings::from_config(&cfg).unwrap();
        let parallel = Parallel::single();
        let ctx = TaskContext {
            cfg: &cfg,
            settings: &settings,
            run_dir: tmp.path(),
            device: Device::flex(),
            resume: None,
            load: None,
            parallel: &parallel,
            said: Default::default(),
        };
        let options = Forecasting::settings(&cfg, &settings).unwrap();
        let model = Forecasting::build_model(&ctx, &options, &ctx.device).unwrap();
        let c = model.forecast_context().unwrap();
        let windows = c.data.test_batch().unwrap();
        let mut poisoned = windows.clone();
        let (d, len, pred) = (windows.dim, windows.past_len, c.data.spec.prediction_length);
        for b in 0..windows.batch {
            for t in len - pred..len {
                for k in 0..d {
                    poisoned.past_target[(b * len + t) * d + k] = 1.0e4;
                }
            }
        }
        let sample = |w| {
            paths::sample_paths(&model, &c.options, &c.data, w, 0, 7, &Device::flex())
                .unwrap()
                .samples
        };
        (sample(&windows), sample(&poisoned))
    };
    let (clean, poisoned) = forecasts_with(0, true);
    assert_eq!(
        clean, poisoned,
        "without covariates the horizon's truth is never read"
    );
    let (clean, poisoned) = forecasts_with(16, true);
    assert_eq!(
        clean, poisoned,
        "leak-free forecasts do not depend on the horizon's ground truth"
    );
    let (clean, poisoned) = forecasts_with(16, false);
    assert_ne!(
        clean, poisoned,
        "the branch's covariates read the horizon's ground truth (shifted lag 1)"
    );
}

#[test]
fn monitors_are_checked_first_and_stale_best_checkpoints_are_not_reused() {
    let typo = config(
        &gluonts_dataset(),
        &["experiment.training.early_stopping.monitor=validation/crsp_sum"],
    );
    let err = registry::check_config(Forecasting::NAME, &typo)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("validation/crsp_sum") && err.contains("validation/crps_sum"),
        "{err}"
    );
    // A best checkpoint left in the run directory by an earlier run is removed by a fresh
    // training, so the test task evaluates this run's weights.
    let tmp = tempfile::tempdir().unwrap();
    let run_dir = tmp.path().join("run");
    let stale = run_dir.join("checkpoints/best/step=999.safetensors");
    write(&stale, "not this run's");
    let cfg = config(&gluonts_dataset(), &[]);
    run(&cfg, &run_dir, Task::Training).unwrap();
    assert!(!stale.exists(), "the stale best checkpoint is gone");
}

/// The statistics files the model reads are refused when not finite, and the
/// `save_mean_std_metadata` task rewrites them from the training range (never from themselves).
#[test]
fn statistics_files_are_checked_and_rewritten_by_the_save_task() {
    let tmp = tempfile::tempdir().unwrap();
    let mean = tmp.path().join("stats/data_mean.npy");
    let std = tmp.path().join("stats/data_std.npy");
    let paths = [
        format!("dataset.data_mean={}", mean.display()),
        format!("dataset.data_std={}", std.display()),
        format!(
            "dataset.metadata={}",
            tmp.path().join("stats/metadata.json").display()
        ),
    ];
    let extra: Vec<&str> = paths.iter().map(String::as_str).collect();
    let cfg = config(&gluonts_dataset(), &extra);
    // A NaN mean, as the branch writes for a series with a gap in its training range.
    let mut npy = dforce_io::npz::encode_npy_header("<f4", &[4]);
    for v in [f32::NAN, 1.0, 2.0, 3.0] {
        npy.extend_from_slice(&v.to_le_bytes());
    }
    write_bytes(&mean, &npy);
    write_bytes(&std, &npy);
    let err = run(&cfg, &tmp.path().join("run"), Task::Training).unwrap_err();
    assert!(err.contains("data_mean") && err.contains("NaN"), "{err}");
    // A zero standard deviation (the series would be divided by it) and a (D, 1) mean (it
    // would broadcast to (B, T, D, D)) are refused by key.
    let npy_of = |shape: &[usize], values: [f32; 4]| {
        let mut npy = dforce_io::npz::encode_npy_header("<f4", shape);
        for v in values {
            npy.extend_from_slice(&v.to_le_bytes());
        }
        npy
    };
    write_bytes(&mean, &npy_of(&[4], [0.0, 1.0, 2.0, 3.0]));
    write_bytes(&std, &npy_of(&[4], [1.0, 0.0, 1.0, 1.0]));
    let err = run(&cfg, &tmp.path().join("run"), Task::Training).unwrap_err();
    assert!(
        err.contains("dataset.data_std") && err.contains("must be positive"),
        "{err}"
    );
    write_bytes(&mean, &npy_of(&[4, 1], [0.0, 1.0, 2.0, 3.0]));
    let err = run(&cfg, &tmp.path().join("run"), Task::Training).unwrap_err();
    assert!(
        err.contains("dataset.data_mean") && err.contains("shape [4, 1]"),
        "{err}"
    );
    run(&cfg, &tmp.path().join("run"), Task::SaveMeanStdMetadata).unwrap();
    run(&cfg, &tmp.path().join("run2"), Task::Training).unwrap();
}

fn write_bytes(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A 4-series dataset like the fixture's, with `train` lines as given.
fn malformed(dir: &Path, train: &str, test: &str) {
    write(
        &dir.join("metadata.json"),
        r#"{"freq": "H", "prediction_length": 8, "feat_static_cat": [{"name": "feat_static_cat_0", "cardinality": "4"}]}"#,
    );
    write(&dir.join("train/data.json"), train);
    write(&dir.join("test/data.json"), test);
}

fn series(start: Option<&str>, values: &str) -> String {
    match start {
        Some(s) => format!(r#"{{"start": "{s}", "target": {values}, "feat_static_cat": [0]}}"#),
        None => format!(r#"{{"target": {values}, "feat_static_cat": [0]}}"#),
    }
}

#[test]
fn malformed_datasets_are_refused_naming_file_and_line() {
    let ok: Vec<f32> = (0..300).map(|i| (i % 24) as f32).collect();
    let ok = serde_json::to_string(&ok).unwrap();
    let good = series(Some("2021-03-01 00:00"), &ok);
    let cases: Vec<(&str, String, String, &str)> = vec![
        (
            "no start",
            format!("{good}\n{}\n", series(None, &ok)),
            format!("{good}\n"),
            "train/data.json:2",
        ),
        (
            "mismatched 2-D target rows",
            format!(
                "{good}\n{}\n",
                series(Some("2021-03-01 00:00"), "[[1, 2, 3], [1, 2]]")
            ),
            format!("{good}\n"),
            "train/data.json:2",
        ),
        (
            "NaN-only series",
            format!(
                "{good}\n{}\n",
                series(Some("2021-03-01 00:00"), r#"["NaN", "NaN"]"#)
            ),
            format!("{good}\n"),
            "train/data.json:2",
        ),
        (
            "empty test split",
            format!("{good}\n"),
            String::new(),
            "test",
        ),
    ];
    for (what, train, test, named) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ds");
        malformed(&dir, &train, &test);
        let cfg = config(&dir, &[]);
        let err = run(&cfg, &tmp.path().join("run"), Task::Training).unwrap_err();
        assert!(err.contains(named), "{what}: {err}");
    }
}
