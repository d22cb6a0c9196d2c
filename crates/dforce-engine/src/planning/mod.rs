//! Diffusion Forcing for maze planning (the reference's `df_planning`, spec §4.2).
//!
//! A frame is `[obs, action, (reward)]`, normalised; `frame_stack` frames form one token.
//! Token 0 is the start observation repeated `frame_stack` times. Training noises every token
//! independently and, for a non-causal model, masks a random suffix to full noise so that the
//! model learns flexible horizons; planning denoises with the pyramid schedule under goal
//! guidance, padding unused tokens as pure noise, and evaluation replans in closed loop in the
//! native maze2d environment.
//!
//! | file | what it holds |
//! |---|---|
//! | [`layout`] | token layout, normalisation, training batches and noise draws |
//! | [`guidance`] | the goal-guidance objective and its batch convention |
//! | [`sampler`] | planning: the scheduling matrix under guidance |
//! | [`model`] | the network + diffusion as a [`TrainableModel`](crate::trainer::TrainableModel) |
//! | [`data`] | the D4RL training windows (generated natively on first use) |
//! | [`options`] | evaluation settings (`algorithm.*`, `experiment.validation.*`) |
//! | [`settings`] | every key the algorithm reads, read once ([`PlanningSettings`]) |
//! | [`closed_loop`] | model-predictive control in the environment |
//! | [`score`] | episode metrics and D4RL-normalised scores |
//! | [`eval`] | the evaluation task: metrics, TensorBoard, summary |
//! | [`media`] | plan / executed-path pictures and the MPC animation |

pub mod closed_loop;
pub mod data;
pub mod eval;
pub mod guidance;
pub mod layout;
pub mod media;
pub mod model;
pub mod options;
pub mod sampler;
pub mod score;
pub mod settings;

use std::sync::Arc;

use burn::module::Module;
use burn::tensor::Device;
use dforce_core::Diffusion;
use dforce_nn::StateDict;

pub use closed_loop::{Controller, PdUnits, Rollouts, run_closed_loop};
pub use data::{Maze2dWindows, OfflineSteps, load_or_generate};
pub use eval::{EvalError, ValidationJob, ValidationSummary, validate_planning};
pub use guidance::{GUIDANCE_REFERENCE_BATCH, GoalGuidance, GuidanceBatch};
pub use layout::{PadMode, PlanningBatch, PlanningLayout, RawWindows, reweight_loss};
pub use model::{PLANNING_PREFIX, PlanningModel};
pub use options::EvalOptions;
pub use sampler::PlanRequest;
pub use score::{EpisodeTracker, d4rl_reference_returns, episode_metrics, normalized_score};
pub use settings::{PlanningData, PlanningSettings};

use crate::algorithm::{Algorithm, Evaluation, Stage, TaskContext, TaskError, TrainingData};
use crate::settings::Task;

/// The planning algorithm (`df_planning`).
pub struct Planning;

impl Algorithm for Planning {
    const NAME: &'static str = "df_planning";
    const HEADLINE_METRICS: &'static [&'static str] = &["success_rate", "normalized_score"];
    type Model = PlanningModel;

    type Settings = PlanningSettings;

    fn settings(
        cfg: &dforce_config::Value,
        run: &crate::RunSettings,
    ) -> Result<PlanningSettings, TaskError> {
        PlanningSettings::from_config(cfg, run)
    }

    /// Training reads `dataset.save_dir/<file of dataset.dataset_url>`: a missing file other than
    /// D4RL's own (which is generated) is refused here, before the run directory is written.
    fn check_inputs(settings: &PlanningSettings, tasks: &[Task]) -> Result<(), TaskError> {
        if !tasks.contains(&Task::Training) {
            return Ok(());
        }
        let d = &settings.data;
        data::dataset_source(&d.save_dir, &d.env_id, &d.dataset_url)
            .map(|_| ())
            .map_err(TaskError::Invalid)
    }

    fn build_model(
        _ctx: &TaskContext,
        settings: &PlanningSettings,
        device: &Device,
    ) -> Result<PlanningModel, TaskError> {
        let diffusion = Diffusion::new(settings.diffusion.diffusion.clone())?;
        Ok(PlanningModel::new(
            settings.layout.clone(),
            diffusion,
            &settings.network,
            device,
        )?)
    }

    fn training_data(
        ctx: &TaskContext,
        settings: &PlanningSettings,
        model: &PlanningModel,
    ) -> Result<TrainingData<PlanningBatch>, TaskError> {
        let d = &settings.data;
        // Rank 0 generates a missing dataset before the others read it.
        let steps = ctx.parallel.root_first(|| {
            load_or_generate(
                &d.save_dir,
                &d.env_id,
                &d.dataset_url,
                ctx.settings.seed,
                &mut |m| crate::say!("dforce: {m}"),
            )
            .map_err(TaskError::Invalid)
        })?;
        let data = Arc::new(Maze2dWindows {
            steps,
            window: model.layout.episode_len + 1,
        });
        crate::say!(
            "dforce: {} training windows of {} steps",
            data.len(),
            data.window
        );
        data.training_data(&model.layout)
    }

    fn snapshot(model: &PlanningModel) -> PlanningModel {
        PlanningModel {
            layout: model.layout.clone(),
            diffusion: model.diffusion.clone(),
            network: model.network.valid(),
        }
    }

    /// Closed-loop episodes in the maze ([`validate_planning`]), with the stage's batch size,
    /// batch count and namespace (`validation` or `test`: the reference's `test_step` calls
    /// `validation_step` with `namespace="test"`; its test task crashes before, spec §8.13).
    fn evaluate(
        ctx: &TaskContext,
        settings: &PlanningSettings,
        model: &PlanningModel,
        step: u64,
        stage: Stage,
    ) -> Result<Evaluation, TaskError> {
        let options = settings.eval_for(stage)?.clone();
        let summary = validate_planning(
            ValidationJob {
                run_dir: ctx.run_dir,
                step,
                options,
                device: ctx.device.clone(),
                quiet: ctx.quiet_progress(),
            },
            model,
        )?;
        Ok(Evaluation::summary(summary.one_line()))
    }

    fn config_statistics(
        settings: &PlanningSettings,
    ) -> Option<[crate::algorithm::ConfigStatistic; 2]> {
        let layout = &settings.layout;
        Some([
            (
                "data_mean",
                layout.mean.clone(),
                "dataset.observation_mean / action_mean",
            ),
            (
                "data_std",
                layout.std.clone(),
                "dataset.observation_std / action_std",
            ),
        ])
    }

    /// Announces the environment and episodes of the first evaluation.
    fn check_weights(
        ctx: &TaskContext,
        settings: &PlanningSettings,
        _sd: &StateDict,
        _model: &PlanningModel,
    ) {
        // The first evaluation of the run's tasks decides what is announced.
        let stage = if !ctx.settings.tasks.contains(&Task::Validation)
            && ctx.settings.tasks.contains(&Task::Test)
        {
            Stage::Test
        } else {
            Stage::Validation
        };
        let Ok(options) = settings.eval_for(stage) else {
            return;
        };
        crate::say!(
            "dforce: evaluating in {}: {} episodes, guidance_scale {}",
            options.env_id,
            options.episodes,
            options.guidance_scale
        );
    }
}
