//! Diffusion Forcing for multivariate probabilistic forecasting (the paper branch's
//! `df_prediction` with its recurrent transition model, spec `reference-paper-branch.md` §1,
//! §2.3, §3.1).
//!
//! A token is one time step of all D series. Training noises every token of a
//! `context + prediction` window at its own level and back-propagates through the whole
//! latent chain; forecasting feeds the context clean and generates the horizon one token (or
//! chunk) at a time with DDIM, many sample paths per window, scored by CRPS-sum as GluonTS's
//! `MultivariateEvaluator` scores it.
//!
//! | file | what it holds |
//! |---|---|
//! | [`options`] | the settings, read once from `algorithm.*` / `dataset.*` |
//! | [`transition`] | the recurrent transition model: training forward and DDIM step per token |
//! | [`model`] | network + diffusion + statistics as a [`TrainableModel`](crate::trainer::TrainableModel) |
//! | [`sampler`] | forecasting: clean context, then chunks denoised along the pyramid |
//! | [`paths`] | sample paths for a batch of windows (leak-free covariates) |
//! | [`data`] | the GluonTS-layout dataset and the training windows |
//! | [`eval`] | CRPS-sum and the other metrics, baselines, logging |
//! | [`media`] | the forecast fan chart |
//! | [`layout`] | sizes, normalisation and training batches |

pub mod data;
pub mod eval;
pub mod layout;
pub mod media;
pub mod model;
pub mod options;
pub mod paths;
pub mod sampler;
pub mod transformer;
pub mod transition;

use std::sync::Arc;

use burn::module::Module;
use burn::tensor::Device;
use dforce_config::Value;
use dforce_timeseries_data::PreparedData;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

pub use layout::{ForecastBatch, ForecastLayout};
pub use model::{ForecastModel, SequenceOutput};
pub use options::{Backbone, ForecastOptions, StatisticsFiles, TransformerOptions};
pub use sampler::{ConditionFn, ForecastShape, forecast};
pub use transformer::{TransformerForecastModel, TransformerForecasting};
pub use transition::{
    DdimOutput, TRANSITION_PREFIX, TrainingDraw, TrainingLevels, TrainingOutput,
    TransitionDiffusion, TransitionDiffusionConfig, TransitionNet,
};

use crate::algorithm::{Algorithm, Evaluation, Stage, TaskContext, TaskError, TrainingData};

/// The forecasting algorithm (`df_prediction`).
pub struct Forecasting;

/// What the evaluation needs of a forecasting model, whatever its backbone: its layout, the
/// series embedding, the data it was built for, and forecasting itself.
pub trait Forecaster {
    fn layout(&self) -> &ForecastLayout;
    /// `(D,)` the series embedding entering the covariates.
    fn embed(&self) -> &[f32];
    /// The settings and data the model was built for.
    ///
    /// # Errors
    /// A model built without them (parity tests).
    fn forecast_context(&self) -> Result<&ForecastContext, TaskError>;
    /// Forecasts from `context (C, rows, D)` normalised context tokens (and their conditions,
    /// token 0's zeroed) to `(shape.total_tokens, rows, D)` normalised tokens, drawing from
    /// `noise`; `conditions` supplies each forecast token's condition.
    ///
    /// # Errors
    /// Shapes that disagree, or a network error.
    fn forecast(
        &self,
        context: burn::tensor::Tensor<3>,
        context_cond: Option<&[burn::tensor::Tensor<2>]>,
        shape: ForecastShape,
        conditions: &mut ConditionFn,
        noise: &mut dforce_core::SeededNoise,
    ) -> Result<burn::tensor::Tensor<3>, dforce_core::CoreError>;
}

/// The prepared data and settings a forecasting model was built for.
pub struct ForecastContext {
    pub options: ForecastOptions,
    pub data: Arc<PreparedData>,
}

/// What every forecasting backbone is built from.
pub(crate) struct Prepared {
    pub layout: ForecastLayout,
    /// `embed = nn.Embedding(D, 1)`: N(0, 1) at initialisation and never trained.
    pub embed: Vec<f32>,
    pub context: Arc<ForecastContext>,
}

/// Reads the settings, opens the dataset and derives the layout (shared by both backbones).
/// The statistics are the files `dataset.data_mean/std` when they exist (what the branch's
/// model reads), else those of the training range.
pub(crate) fn prepare(ctx: &TaskContext, options: &ForecastOptions) -> Result<Prepared, TaskError> {
    prepare_with(ctx, options, true)
}

/// As [`prepare`]; `statistics_files = false` keeps the training range's statistics (what
/// `save_mean_std_metadata` writes, so a stale file can always be rewritten).
pub(crate) fn prepare_with(
    ctx: &TaskContext,
    options: &ForecastOptions,
    statistics_files: bool,
) -> Result<Prepared, TaskError> {
    let options = options.clone();
    let mut prepared = data::open(&options)?;
    let files = if statistics_files {
        data::statistics_files(&options.statistics, prepared.spec.target_dim)?
    } else {
        None
    };
    if statistics_files && files.is_none() {
        // The branch's model np.load()s these files (its save_mean_std_metadata task writes
        // them first); dforce computes them from the training range instead, and says so.
        if ctx.said.first("forecast statistics files missing") {
            crate::say!(
                "dforce: note: dataset.data_mean={} / dataset.data_std={} not found: using the \
                 training range's statistics (the save_mean_std_metadata task writes the files)",
                options.statistics.data_mean.display(),
                options.statistics.data_std.display()
            );
        }
    }
    if let Some((mean, std)) = files {
        let differs = mean
            .iter()
            .chain(&std)
            .zip(prepared.stats.mean.iter().chain(&prepared.stats.std))
            .any(|(a, b)| (a - b).abs() > 1e-4 * (1.0 + b.abs()));
        // Said once per run: every task of the run prepares the data again.
        if differs && ctx.said.first("forecast statistics files differ") {
            crate::say!(
                "dforce: using dataset.data_mean={} and dataset.data_std={}, which differ from \
                 this dataset's training-range statistics (written for another dataset or \
                 range?)",
                options.statistics.data_mean.display(),
                options.statistics.data_std.display()
            );
        }
        prepared.stats.mean = mean;
        prepared.stats.std = std;
    }
    let data = Arc::new(prepared);
    crate::say!(
        "dforce: {} series, {} training steps from {}, {} test windows; windows of {} context + {} forecast steps",
        data.spec.target_dim,
        data.train.len,
        data.spec.freq.period_label(data.train.start),
        data.spec.num_test_dates,
        data.spec.context_length,
        data.spec.prediction_length
    );
    let mut rng = ChaCha8Rng::seed_from_u64(ctx.settings.seed);
    rng.set_stream(0x0065_6d62_6564); // "embed"
    let embed = (0..data.spec.target_dim)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    Ok(Prepared {
        layout: ForecastLayout {
            x_dim: data.spec.target_dim,
            z_dim: options.z_dim,
            external_cond_dim: options.external_cond_dim,
            context_tokens: data.spec.context_length,
            prediction_tokens: data.spec.prediction_length,
            mean: data.stats.mean.clone(),
            std: data.stats.std.clone(),
        },
        embed,
        context: Arc::new(ForecastContext { options, data }),
    })
}

/// The training windows of any backbone (`Algorithm::training_data`).
pub(crate) fn training_data_of(
    ctx: &TaskContext,
    model: &impl Forecaster,
) -> Result<TrainingData<ForecastBatch>, TaskError> {
    let c = model.forecast_context()?;
    let batch_size = ctx.settings.training.batch_size;
    Ok(data::training_data(
        c.data.clone(),
        &c.options,
        batch_size,
        ctx.settings.seed,
        model.embed().to_vec(),
        model.layout().external_cond_dim > 0,
    ))
}

/// The validation metrics of both backbones (`eval.rs`); `crps_sum_branch` needs ≥ 20 paths.
pub(crate) fn monitorable(cfg: &Value) -> Vec<String> {
    let mut keys = vec!["crps_sum", "crps", "nd", "nrmse", "nd_sum"];
    if ForecastOptions::from_config(cfg).is_ok_and(|o| o.samples >= 20) {
        keys.push("crps_sum_branch");
    }
    keys.into_iter()
        .map(|k| format!("validation/{k}"))
        .collect()
}

/// The context of a model, or the error of one built without it.
pub(crate) fn context_of(c: Option<&ForecastContext>) -> Result<&ForecastContext, TaskError> {
    c.ok_or_else(|| {
        TaskError::Invalid("this forecasting model was built without its dataset".into())
    })
}

impl Algorithm for Forecasting {
    const NAME: &'static str = "df_prediction";
    const HEADLINE_METRICS: &'static [&'static str] = &["crps_sum"];
    type Model = ForecastModel;
    type Settings = ForecastOptions;

    fn settings(cfg: &Value, _run: &crate::RunSettings) -> Result<ForecastOptions, TaskError> {
        ForecastOptions::from_config(cfg)
    }

    fn monitorable_metrics(cfg: &Value) -> Vec<String> {
        monitorable(cfg)
    }

    fn build_model(
        ctx: &TaskContext,
        options: &ForecastOptions,
        device: &Device,
    ) -> Result<ForecastModel, TaskError> {
        let p = prepare(ctx, options)?;
        if p.context.options.backbone != Backbone::Recurrent {
            return Err(TaskError::Invalid(
                "algorithm.backbone=transformer is run by forecasting::TransformerForecasting \
                 (algorithm::registry::run_task picks it)"
                    .into(),
            ));
        }
        Ok(ForecastModel {
            diffusion: TransitionDiffusion::new(&p.context.options.diffusion)?,
            net: TransitionNet::init(&p.context.options.network, device)?,
            layout: p.layout,
            embed: p.embed,
            context: Some(p.context),
        })
    }

    fn training_data(
        ctx: &TaskContext,
        _options: &ForecastOptions,
        model: &ForecastModel,
    ) -> Result<TrainingData<ForecastBatch>, TaskError> {
        training_data_of(ctx, model)
    }

    fn save_mean_std_metadata(
        ctx: &TaskContext,
        options: &ForecastOptions,
    ) -> Result<(), TaskError> {
        let p = prepare_with(ctx, options, false)?;
        data::save_mean_std_metadata(&options.statistics, &options.freq, &p.context.data)
    }

    fn snapshot(model: &ForecastModel) -> ForecastModel {
        ForecastModel {
            layout: model.layout.clone(),
            diffusion: model.diffusion.clone(),
            net: model.net.valid(),
            embed: model.embed.clone(),
            context: model.context.clone(),
        }
    }

    fn evaluate(
        ctx: &TaskContext,
        _options: &ForecastOptions,
        model: &ForecastModel,
        step: u64,
        stage: Stage,
    ) -> Result<Evaluation, TaskError> {
        let c = model.forecast_context()?;
        eval::evaluate(ctx, &c.options, &c.data, model, step, stage)
    }
}
