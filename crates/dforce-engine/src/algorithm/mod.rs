//! The algorithm seam: what every Diffusion Forcing algorithm (planning, video, …) provides,
//! and the experiment tasks (`training`, `validation`, `test`) that run any of them.
//!
//! An algorithm is a type implementing [`Algorithm`]: it builds its model from the composed
//! config, says how its training batches are made, and evaluates a model (metrics and media in
//! the run directory). The trainer ([`crate::trainer::train`]) needs only the model's
//! [`TrainableModel`] impl; the task runner ([`tasks::run_task`]) does the rest the same way
//! for every algorithm: seeding, `load=`, `resume=`, periodic validation during training, and
//! which weights an evaluation reads. [`registry`] maps `algorithm._name` (the reference's
//! name: the `algorithm` config group's choice, set by its `main.py`) to the implementation.
//!
//! Adding an algorithm: a folder `src/<name>/` whose `mod.rs` implements [`Algorithm`], one
//! arm in [`registry::run_task`] and [`registry::ALGORITHMS`], and a config group file
//! `configs/algorithm/<name>.yaml`.

pub mod early_stopping;
pub mod error;
pub mod lightning_settings;
pub mod registry;
pub mod tasks;

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use dforce_config::Value;
use dforce_nn::StateDict;

pub use early_stopping::EarlyStopping;
pub use error::{ResultExt, TaskError};

use crate::RunSettings;
use crate::data_loader::BatchBuilder;
use crate::distributed::job::Parallel;
use crate::trainer::TrainableModel;

/// Everything an experiment task needs to know about its run, whatever the algorithm.
pub struct TaskContext<'a> {
    /// The resolved job config (Hydra's composed and interpolated tree).
    pub cfg: &'a Value,
    /// The typed run-level settings read from `cfg` (seed, tasks, …).
    pub settings: &'a RunSettings,
    /// The run directory (absolute): checkpoints, `metrics.jsonl`, TensorBoard, `media/`.
    pub run_dir: &'a Path,
    /// The plain (inference) device; training uses its autodiff variant.
    pub device: Device,
    /// `resume=`: the checkpoint to continue exactly (already resolved to a file).
    pub resume: Option<PathBuf>,
    /// `load=`: weights to start from (training) or to evaluate.
    pub load: Option<PathBuf>,
    /// The data-parallel job (a single process unless launched by MPI).
    pub parallel: &'a Parallel,
    /// Notes already said in this run (said once though every task meets them).
    pub said: crate::console::SaidOnce,
}

impl TaskContext<'_> {
    /// Whether progress bars should be drawn (stderr is a terminal).
    pub fn quiet_progress(&self) -> bool {
        !std::io::IsTerminal::is_terminal(&std::io::stderr())
    }
}

/// Which evaluation an [`Algorithm::evaluate`] call is: it picks `experiment.<stage>.*`
/// settings and prefixes metric keys and media file names (the reference's `namespace`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// `validation`: periodic evaluation during training, or the `validation` task.
    Validation,
    /// `test`: the `test` task (dforce evaluates it like validation; the reference's crashes).
    Test,
}

impl Stage {
    /// `validation` or `test`.
    pub fn namespace(self) -> &'static str {
        match self {
            Stage::Validation => "validation",
            Stage::Test => "test",
        }
    }
}

/// What an evaluation reports: the one-line summary printed after it and its scalar metrics
/// by key (`validation/crps_sum`, …), from which early stopping reads its monitor.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub summary: String,
    pub metrics: std::collections::BTreeMap<String, f64>,
}

impl Evaluation {
    /// A summary with no metrics offered for monitoring.
    pub fn summary(summary: String) -> Self {
        Self {
            summary,
            metrics: Default::default(),
        }
    }
}

/// The training data of an algorithm: how many items the training set has and how a batch of
/// item indices becomes a training batch (called on the data-loader's worker threads).
pub struct TrainingData<B> {
    /// Items in the training set (windows, clips, …); the loader shuffles `0..items`.
    pub items: usize,
    /// Builds one batch from item indices.
    pub build: BatchBuilder<Result<B, dforce_core::CoreError>>,
}

/// One normalisation statistic of the config: its state-dict name (`data_mean`), its values
/// (flattened) and the config keys that set it.
pub type ConfigStatistic = (&'static str, Vec<f32>, &'static str);

/// One Diffusion Forcing algorithm: its model, training data and evaluation.
///
/// The implementations are [`crate::planning::Planning`] and [`crate::video::Video`].
pub trait Algorithm {
    /// The reference's algorithm name (`algorithm._name`, e.g. `df_video`).
    const NAME: &'static str;
    /// The evaluation's headline metrics (keys under `validation/`), drawn below the training
    /// loss in the run's training-curve picture.
    const HEADLINE_METRICS: &'static [&'static str] = &[];
    /// The model trained and evaluated, with everything a checkpoint holds besides the
    /// optimiser.
    type Model: TrainableModel;
    /// The algorithm's typed settings: the keys it reads, each read once by [`Self::settings`]
    /// (through [`crate::settings::ConfigReader`]) and handed to every task method below.
    type Settings;

    /// Reads and checks the algorithm's keys (`run`: the run-level settings, e.g. the seed).
    ///
    /// # Errors
    /// The first missing, ill-typed or out-of-range value, named by key.
    fn settings(cfg: &Value, run: &RunSettings) -> Result<Self::Settings, TaskError>;

    /// Checks the algorithm's config before anything is written (run directory, dataset),
    /// so a mistake is reported by key at once: [`Self::settings`] must succeed.
    ///
    /// # Errors
    /// The first invalid value, named by key.
    fn check_config(cfg: &Value) -> Result<(), TaskError> {
        Self::settings(cfg, &RunSettings::from_config(cfg)?).map(drop)
    }

    /// Checks the input files that `tasks` will read (paths relative to the working directory the
    /// job runs in), so a missing one is reported before the run directory is written whenever
    /// the job does not change into it first. Default: nothing.
    ///
    /// # Errors
    /// The first missing or unusable input, named by its key with what to do.
    fn check_inputs(
        _settings: &Self::Settings,
        _tasks: &[crate::settings::Task],
    ) -> Result<(), TaskError> {
        Ok(())
    }

    /// The metric keys its validation reports that early stopping / the best checkpoint may
    /// monitor (e.g. `validation/crps_sum`). Default: none.
    fn monitorable_metrics(_cfg: &Value) -> Vec<String> {
        Vec::new()
    }

    /// Builds a freshly initialised model on `device` from the composed config (the caller
    /// seeds the device first, so initial weights follow the run's seed).
    ///
    /// # Errors
    /// A config value the network or layout cannot use (named by key).
    fn build_model(
        ctx: &TaskContext,
        settings: &Self::Settings,
        device: &Device,
    ) -> Result<Self::Model, TaskError>;

    /// Opens (or generates on first use) the training set.
    ///
    /// # Errors
    /// A missing or malformed dataset, or an empty one.
    fn training_data(
        ctx: &TaskContext,
        settings: &Self::Settings,
        model: &Self::Model,
    ) -> Result<TrainingData<<Self::Model as TrainableModel>::Batch>, TaskError>;

    /// A copy of `model` for evaluation during training: the same weights, detached from the
    /// autodiff graph (burn's `Module::valid`).
    fn snapshot(model: &Self::Model) -> Self::Model;

    /// Evaluates `model` (weights of optimiser step `step`) on the held-out split: logs
    /// `<stage>/…` metrics to `metrics.jsonl` and TensorBoard and writes media under
    /// `<run dir>/media`. Returns the one-line summary printed after it and the metrics that
    /// early stopping may monitor.
    ///
    /// # Errors
    /// Data, network or file errors; nothing is half-written (files are replaced atomically).
    fn evaluate(
        ctx: &TaskContext,
        settings: &Self::Settings,
        model: &Self::Model,
        step: u64,
        stage: Stage,
    ) -> Result<Evaluation, TaskError>;

    /// The `save_mean_std_metadata` task (the paper branch's time series writes its dataset
    /// statistics and metadata). Default: refused, naming the algorithm that has it.
    ///
    /// # Errors
    /// The algorithm has no such task, or the files cannot be written.
    fn save_mean_std_metadata(
        _ctx: &TaskContext,
        _settings: &Self::Settings,
    ) -> Result<(), TaskError> {
        Err(TaskError::Invalid(format!(
            "experiment.tasks: save_mean_std_metadata belongs to df_prediction (time series), not {}",
            Self::NAME
        )))
    }

    /// The config's normalisation statistics, `data_mean` then `data_std`, each with the config
    /// keys that set it: a loaded checkpoint's own replace them (as in the reference), and the
    /// run says so when they differ ([`crate::checkpoint_statistics`]). Default: none.
    fn config_statistics(_settings: &Self::Settings) -> Option<[ConfigStatistic; 2]> {
        None
    }

    /// Checks loaded weights against the config before an evaluation (e.g. planning announces
    /// the environment it evaluates in). Default: nothing.
    fn check_weights(
        _ctx: &TaskContext,
        _settings: &Self::Settings,
        _sd: &StateDict,
        _model: &Self::Model,
    ) {
    }
}
