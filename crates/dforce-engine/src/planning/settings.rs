//! [`PlanningSettings`]: every key `df_planning` reads, read once (through
//! [`ConfigReader`](crate::settings::ConfigReader) and the typed readers it builds on) before a
//! task starts, and handed to the model, the data and the evaluation.

use std::path::PathBuf;

use dforce_config::Value;
use dforce_nn::TransformerConfig;

use super::layout::PlanningLayout;
use super::options::EvalOptions;
use crate::algorithm::{Stage, TaskError};
use crate::networks;
use crate::settings::{ConfigReader, DiffusionSettings, RunSettings, Task};

/// Where the planner's training data comes from (`dataset.*`).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanningData {
    /// `dataset.save_dir`: the folder holding (or receiving) the D4RL file.
    pub save_dir: PathBuf,
    /// `dataset.env_id`, e.g. `maze2d-medium-v1`.
    pub env_id: String,
    /// `dataset.dataset_url`: its file name is the file read under `save_dir`.
    pub dataset_url: String,
}

/// The planning algorithm's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanningSettings {
    /// `algorithm.diffusion.*` and the keys that shape the diffusion.
    pub diffusion: DiffusionSettings,
    /// Tokens, normalisation, padding and causality (`algorithm.*`).
    pub layout: PlanningLayout,
    /// The Transformer (`algorithm.diffusion.architecture.*`).
    pub network: TransformerConfig,
    /// The closed-loop evaluation of the `validation` stage (`algorithm.*`,
    /// `experiment.validation.*`).
    pub eval: EvalOptions,
    /// The same for the `test` task (`experiment.test.*`), read when the run has that task
    /// (the base config's `experiment.test.limit_batch` is null, which the planner refuses).
    pub test_eval: Option<EvalOptions>,
    /// The training data (`dataset.*`).
    pub data: PlanningData,
}

impl PlanningSettings {
    /// Reads every key of `df_planning` from `cfg`; `run.seed` seeds the evaluation.
    ///
    /// # Errors
    /// The first missing, ill-typed or out-of-range value, named by key.
    pub fn from_config(cfg: &Value, run: &RunSettings) -> Result<Self, TaskError> {
        let r = ConfigReader::new(cfg);
        let layout = PlanningLayout::from_config(cfg)?;
        let diffusion = DiffusionSettings::from_config(cfg)?;
        let eval = EvalOptions::with_diffusion(cfg, run.seed, &diffusion)?;
        let test_eval = if run.tasks.contains(&Task::Test) {
            Some(EvalOptions::for_stage(
                cfg,
                run.seed,
                &diffusion,
                Stage::Test,
            )?)
        } else {
            None
        };
        // The planner's scheduling matrix over the whole episode, sized now rather than at the
        // first evaluation (an absurd uncertainty_scale would otherwise train first).
        dforce_core::SchedulingMatrix::check_size(
            eval.scheduling,
            layout.n_tokens,
            diffusion.diffusion.sampling_timesteps,
            eval.uncertainty_scale,
        )
        .map_err(|e| TaskError::Invalid(format!("algorithm.scheduling_matrix: {e}")))?;
        let network = networks::planning_transformer(cfg, &layout)?;
        // The maze windows carry no per-step condition (the goal enters through guidance); the
        // reference's df_base sets 0 and would feed actions or crash otherwise.
        if network.external_cond_dim != 0 {
            return Err(TaskError::Invalid(format!(
                "algorithm.external_cond_dim={} is not supported for df_planning: its windows \
                 carry no external condition (the goal enters through guidance); set it to 0",
                network.external_cond_dim
            )));
        }
        Ok(Self {
            diffusion,
            network,
            layout,
            eval,
            test_eval,
            data: PlanningData {
                save_dir: PathBuf::from(r.string("dataset.save_dir")?),
                env_id: r.string("dataset.env_id")?.to_owned(),
                dataset_url: r.string("dataset.dataset_url")?.to_owned(),
            },
        })
    }
}

impl PlanningSettings {
    /// The evaluation options of `stage`.
    ///
    /// # Errors
    /// [`TaskError::Invalid`] for the test stage of a run whose tasks do not include `test`
    /// (its options were not read).
    pub fn eval_for(&self, stage: Stage) -> Result<&EvalOptions, TaskError> {
        match stage {
            Stage::Validation => Ok(&self.eval),
            Stage::Test => self.test_eval.as_ref().ok_or_else(|| {
                TaskError::Invalid(
                    "the test evaluation's options were not read: \
                                    experiment.tasks has no test"
                        .into(),
                )
            }),
        }
    }
}
