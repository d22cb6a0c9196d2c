//! The v1.5 causal Transformer as the time-series backbone (`algorithm.backbone=transformer`):
//! the temporal-attention model the seed README says the paper branch meant to move its
//! domains to.
//!
//! A window of `context + prediction` tokens (one time step of all D series each) is one
//! sequence for `dforce_nn::Transformer` (causal attention). Training noises every token at
//! its own level (`random_all`) with v1.5's diffusion (`dforce_core::Diffusion`, min-SNR
//! weights); forecasting feeds the context clean (stabilised at `stabilization_level − 1`) and
//! denoises the horizon along a v1.5 scheduling matrix (`algorithm.transformer.
//! scheduling_matrix`, autoregressive by default). Weights are saved under the planning
//! Transformer's names (`diffusion_model.model.*`).

use std::collections::BTreeMap;
use std::sync::Arc;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use dforce_core::{
    CoreError, Diffusion, DiffusionConfig, LevelGrid, SchedulingMatrix, SeededNoise, StepLevels,
    TrapezoidMode,
};
use dforce_nn::{
    HostTensor, ParamVisitor, StateDict, StateDictCollector, Transformer, WeightLoader,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::layout::{ForecastBatch, ForecastLayout};
use super::options::{Backbone, ForecastOptions, TransformerOptions};
use super::{ConditionFn, ForecastContext, ForecastShape, Forecaster, context_of, prepare};
use crate::algorithm::{Algorithm, Evaluation, Stage, TaskContext, TaskError, TrainingData};
use crate::trainer::{TrainError, TrainableModel, insert_buffers};

/// State-dict prefix of the network (the planning Transformer's).
pub const PREFIX: &str = "diffusion_model.model.";

/// A forecasting model with the Transformer backbone.
pub struct TransformerForecastModel {
    pub layout: ForecastLayout,
    pub diffusion: Diffusion,
    pub network: Transformer,
    pub options: TransformerOptions,
    /// `algorithm.uncertainty_scale` (the pyramid / trapezoid slope).
    pub uncertainty_scale: f64,
    pub embed: Vec<f32>,
    pub context: Option<Arc<ForecastContext>>,
}

fn transformer_options(options: &ForecastOptions) -> Result<&TransformerOptions, TaskError> {
    match &options.backbone {
        Backbone::Transformer(t) => Ok(t),
        Backbone::Recurrent => Err(TaskError::Invalid(
            "algorithm.backbone=recurrent builds the recurrent model, not the Transformer".into(),
        )),
    }
}

impl TrainableModel for TransformerForecastModel {
    type Batch = ForecastBatch;
    const ALGORITHM: &'static str = "df_prediction";

    fn visit_params(&mut self, v: &mut impl ParamVisitor) {
        self.network.visit_params(v, PREFIX);
    }

    fn state_tensors(&mut self) -> BTreeMap<String, HostTensor> {
        let mut c = StateDictCollector::default();
        self.network.visit_params(&mut c, PREFIX);
        let mut t = c.tensors;
        super::layout::insert_statistics(&mut t, &self.layout, &self.embed);
        insert_buffers(&mut t, &self.diffusion);
        t
    }

    fn load_weights(&mut self, sd: &StateDict, device: &Device) -> Result<(), TrainError> {
        let mut loader = WeightLoader::new(sd, device);
        self.network.load(&mut loader, PREFIX);
        loader.finish(PREFIX)?;
        super::layout::load_statistics(sd, &mut self.layout, &mut self.embed)?;
        Ok(())
    }

    fn training_loss(
        &self,
        batch: ForecastBatch,
        rng: &mut ChaCha8Rng,
        noise: &mut SeededNoise,
        device: &Device,
    ) -> Result<Tensor<1>, TrainError> {
        let b = batch.batch;
        let xs = self
            .layout
            .normalized_tokens(&batch.observations, b, device);
        let [t_len, _, d] = xs.dims();
        let k = self.diffusion.config.timesteps as i64;
        let levels = (0..t_len * b).map(|_| rng.random_range(0..k)).collect();
        let grid = LevelGrid::new(t_len, b, levels)?;
        let eps = self.diffusion.clamped_noise(noise, [t_len, b, d], device)?;
        let (_, loss) = self
            .diffusion
            .training_loss(&self.network, xs, &grid, None, eps)?;
        Ok(loss.mean())
    }
}

impl Forecaster for TransformerForecastModel {
    fn layout(&self) -> &ForecastLayout {
        &self.layout
    }

    fn embed(&self) -> &[f32] {
        &self.embed
    }

    fn forecast_context(&self) -> Result<&ForecastContext, TaskError> {
        context_of(self.context.as_deref())
    }

    /// The whole horizon in one chunk, along the scheduling matrix; conditions are not used
    /// (covariates are refused with this backbone).
    fn forecast(
        &self,
        context: Tensor<3>,
        _context_cond: Option<&[Tensor<2>]>,
        shape: ForecastShape,
        _conditions: &mut ConditionFn,
        noise: &mut SeededNoise,
    ) -> Result<Tensor<3>, CoreError> {
        let [c_len, rows, d] = context.dims();
        let horizon = shape.total_tokens.saturating_sub(c_len);
        if horizon == 0 {
            return Ok(context);
        }
        let device = context.device();
        let init = self
            .diffusion
            .clamped_noise(noise, [horizon, rows, d], &device)?;
        let mut x = Tensor::cat(vec![context, init], 0);
        let matrix = SchedulingMatrix::build(
            self.options.scheduling,
            horizon,
            self.diffusion.config.sampling_timesteps,
            self.uncertainty_scale,
            TrapezoidMode::Correct,
        )?;
        let clean = vec![0i64; c_len];
        let grid = |m: usize| {
            let levels: Vec<i64> = clean.iter().chain(matrix.row(m)).copied().collect();
            LevelGrid::from_token_levels(&levels, rows)
        };
        for m in 0..matrix.rows - 1 {
            let (from, to) = (grid(m), grid(m + 1));
            if from == to {
                continue;
            }
            x = self.diffusion.sample_step(
                &self.network,
                x,
                None,
                StepLevels {
                    from: &from,
                    to: &to,
                },
                None,
                noise,
            )?;
        }
        Ok(x)
    }
}

/// The forecasting algorithm with `algorithm.backbone=transformer` (the registry picks it).
pub struct TransformerForecasting;

impl Algorithm for TransformerForecasting {
    const NAME: &'static str = "df_prediction";
    const HEADLINE_METRICS: &'static [&'static str] = &["crps_sum"];
    type Model = TransformerForecastModel;
    type Settings = ForecastOptions;

    fn settings(
        cfg: &dforce_config::Value,
        _run: &crate::RunSettings,
    ) -> Result<ForecastOptions, TaskError> {
        ForecastOptions::from_config(cfg)
    }

    fn build_model(
        ctx: &TaskContext,
        options: &ForecastOptions,
        device: &Device,
    ) -> Result<TransformerForecastModel, TaskError> {
        let p = prepare(ctx, options)?;
        let options = &p.context.options;
        let t = transformer_options(options)?.clone();
        let d = &options.diffusion;
        let diffusion = Diffusion::new(DiffusionConfig {
            objective: d.objective,
            beta_schedule: d.schedule,
            timesteps: d.timesteps,
            sampling_timesteps: d.sampling_timesteps,
            ddim_sampling_eta: d.eta,
            stabilization_level: t.stabilization_level,
            clip_noise: d.clip_noise,
            snr_clip: d.snr_clip,
            fused_snr_decay: None,
        })?;
        let network = t.network(p.layout.x_dim).init(device)?;
        Ok(TransformerForecastModel {
            uncertainty_scale: options.uncertainty_scale,
            layout: p.layout,
            diffusion,
            network,
            options: t,
            embed: p.embed,
            context: Some(p.context),
        })
    }

    fn training_data(
        ctx: &TaskContext,
        _options: &ForecastOptions,
        model: &TransformerForecastModel,
    ) -> Result<TrainingData<ForecastBatch>, TaskError> {
        super::training_data_of(ctx, model)
    }

    fn save_mean_std_metadata(
        ctx: &TaskContext,
        options: &ForecastOptions,
    ) -> Result<(), TaskError> {
        let p = super::prepare_with(ctx, options, false)?;
        super::data::save_mean_std_metadata(&options.statistics, &options.freq, &p.context.data)
    }

    fn snapshot(model: &TransformerForecastModel) -> TransformerForecastModel {
        TransformerForecastModel {
            layout: model.layout.clone(),
            diffusion: model.diffusion.clone(),
            network: model.network.valid(),
            options: model.options.clone(),
            uncertainty_scale: model.uncertainty_scale,
            embed: model.embed.clone(),
            context: model.context.clone(),
        }
    }

    fn evaluate(
        ctx: &TaskContext,
        _options: &ForecastOptions,
        model: &TransformerForecastModel,
        step: u64,
        stage: Stage,
    ) -> Result<Evaluation, TaskError> {
        let c = model.forecast_context()?;
        super::eval::evaluate(ctx, &c.options, &c.data, model, step, stage)
    }
}
