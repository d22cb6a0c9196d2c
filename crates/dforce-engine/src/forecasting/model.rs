//! The forecasting model (the paper branch's `DiffusionForcingPrediction` with its recurrent
//! transition model) as a trainable unit: network, diffusion, normalisation statistics and the
//! series embedding, with the training loop over a sequence (full BPTT through the latent).

use std::collections::BTreeMap;
use std::sync::Arc;

use burn::tensor::{Device, Tensor};
use dforce_core::{CoreError, NoiseSource, SeededNoise};
use dforce_nn::{HostTensor, ParamVisitor, StateDict, StateDictCollector, WeightLoader};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::layout::{ForecastBatch, ForecastLayout};
use super::transition::{TRANSITION_PREFIX, TrainingDraw, TransitionDiffusion, TransitionNet};
use crate::trainer::{TrainError, TrainableModel};

/// The forecasting model with everything a checkpoint holds besides the optimiser.
pub struct ForecastModel {
    pub layout: ForecastLayout,
    pub diffusion: TransitionDiffusion,
    pub net: TransitionNet,
    /// `embed.weight (D, 1)`: the per-series scalar entering the covariates. The reference
    /// creates it with `use_covariates` and never optimises it; it is kept (and saved) as is.
    pub embed: Vec<f32>,
    /// The settings and prepared data the model was built for (absent in parity tests that
    /// build the network alone).
    pub context: Option<Arc<super::ForecastContext>>,
}

/// What one pass over a sequence returns (time-major, normalised units).
pub struct SequenceOutput {
    /// Scalar mean of the weighted loss over `T·B·D` (the reference's `reweigh_loss` with
    /// all-one masks).
    pub loss: Tensor<1>,
    /// `(T, B, D)` the x0 estimate of every token.
    pub xs_pred: Tensor<3>,
}

impl ForecastModel {
    /// `xs (T, B, D)` normalised tokens, `cond` one `(B, E)` condition per token (already
    /// zeroed at token 0) or none, `levels[t]` the `(B,)` levels of token t and `noises[t]`
    /// its `(B, D)` standard-normal draw: the reference's `training_step` loop.
    ///
    /// # Errors
    /// Shapes that disagree, or a level outside `0..T`.
    pub fn sequence_loss(
        &self,
        xs: Tensor<3>,
        cond: Option<&[Tensor<2>]>,
        levels: &[Vec<i64>],
        noises: Vec<Tensor<2>>,
    ) -> Result<SequenceOutput, CoreError> {
        let [t_len, b, d] = xs.dims();
        if levels.len() != t_len || noises.len() != t_len {
            return Err(CoreError::Invalid(format!(
                "{} level rows and {} noise draws for {t_len} tokens",
                levels.len(),
                noises.len()
            )));
        }
        if let Some(c) = cond
            && c.len() != t_len
        {
            return Err(CoreError::Invalid(format!(
                "{} conditions for {t_len} tokens",
                c.len()
            )));
        }
        let device = xs.device();
        let mut z: Tensor<2> = Tensor::zeros([b, self.layout.z_dim], &device);
        let mut cum: Option<Vec<f32>> = None;
        let mut losses = Vec::with_capacity(t_len);
        let mut preds = Vec::with_capacity(t_len);
        for (t, noise) in noises.into_iter().enumerate() {
            let x = xs.clone().slice_dim(0, t..t + 1).reshape([b, d]);
            let c = cond.map(|c| c[t].clone());
            let out = self.diffusion.training_step(
                &self.net,
                z,
                x,
                c,
                TrainingDraw {
                    levels: &levels[t],
                    noise,
                },
                cum.as_deref(),
            )?;
            z = out.z_next;
            cum = Some(out.cum_snr);
            losses.push(out.loss.unsqueeze_dim::<3>(0));
            preds.push(out.x_start.unsqueeze_dim::<3>(0));
        }
        Ok(SequenceOutput {
            loss: Tensor::cat(losses, 0).mean(),
            xs_pred: Tensor::cat(preds, 0),
        })
    }

    fn visit_buffers(&self, v: &mut impl ParamVisitor) {
        let t = self.diffusion.timesteps;
        for name in dforce_core::BUFFER_NAMES {
            // Invariant: `name` is from the constant BUFFER_NAMES, all known to `by_name`.
            let values = self.diffusion.buffers.by_name(name).expect("known buffer");
            v.constant(&format!("{TRANSITION_PREFIX}{name}"), &[t], values, 1e-4);
        }
        v.constant(
            &format!("{TRANSITION_PREFIX}p2_loss_weight"),
            &[t],
            &self.diffusion.p2_loss_weight,
            1e-4,
        );
    }
}

fn host(shape: Vec<usize>, data: Vec<f32>) -> HostTensor {
    HostTensor { shape, data }
}

impl TrainableModel for ForecastModel {
    type Batch = ForecastBatch;
    const ALGORITHM: &'static str = "df_prediction";

    fn visit_params(&mut self, v: &mut impl ParamVisitor) {
        self.net.visit_params(v);
    }

    /// Network, `data_mean/std`, `embed.weight` and the 15 diffusion buffers.
    fn state_tensors(&mut self) -> BTreeMap<String, HostTensor> {
        let mut c = StateDictCollector::default();
        self.net.visit_params(&mut c);
        let mut t = c.tensors;
        super::layout::insert_statistics(&mut t, &self.layout, &self.embed);
        let steps = self.diffusion.timesteps;
        for name in dforce_core::BUFFER_NAMES {
            // Invariant: `name` is from the constant BUFFER_NAMES, all known to `by_name`.
            let b = self.diffusion.buffers.by_name(name).expect("known buffer");
            t.insert(
                format!("{TRANSITION_PREFIX}{name}"),
                host(vec![steps], b.to_vec()),
            );
        }
        t.insert(
            format!("{TRANSITION_PREFIX}p2_loss_weight"),
            host(vec![steps], self.diffusion.p2_loss_weight.clone()),
        );
        t
    }

    /// Loads the network strictly and checks the diffusion buffers against the config (a
    /// checkpoint trained with another schedule is refused, naming the buffer). `data_mean`,
    /// `data_std` and `embed.weight` are taken from the checkpoint when present.
    fn load_weights(&mut self, sd: &StateDict, device: &Device) -> Result<(), TrainError> {
        let mut loader = WeightLoader::new(sd, device);
        self.net.visit_params(&mut loader);
        self.visit_buffers(&mut loader);
        loader.finish(TRANSITION_PREFIX)?;
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
        let cond = batch
            .covariates
            .as_ref()
            .filter(|_| self.layout.external_cond_dim > 0)
            .map(|c| self.layout.token_conditions(c, b, device));
        let timesteps = self.diffusion.timesteps as i64;
        let mut levels = Vec::with_capacity(t_len);
        let mut noises = Vec::with_capacity(t_len);
        for _ in 0..t_len {
            levels.push((0..b).map(|_| rng.random_range(0..timesteps)).collect());
            noises.push(noise.standard_normal([b, d], device)?);
        }
        Ok(self
            .sequence_loss(xs, cond.as_deref(), &levels, noises)?
            .loss)
    }
}

impl super::Forecaster for ForecastModel {
    fn layout(&self) -> &ForecastLayout {
        &self.layout
    }

    fn embed(&self) -> &[f32] {
        &self.embed
    }

    fn forecast_context(&self) -> Result<&super::ForecastContext, crate::algorithm::TaskError> {
        super::context_of(self.context.as_deref())
    }

    fn forecast(
        &self,
        context: Tensor<3>,
        context_cond: Option<&[Tensor<2>]>,
        shape: super::ForecastShape,
        conditions: &mut super::ConditionFn,
        noise: &mut SeededNoise,
    ) -> Result<Tensor<3>, CoreError> {
        super::forecast(
            &self.diffusion,
            &self.net,
            context,
            context_cond,
            shape,
            conditions,
            noise,
        )
    }
}
