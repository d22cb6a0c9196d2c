//! The planning model: the Transformer and diffusion as a trainable unit.

use std::collections::BTreeMap;

use burn::tensor::{Device, Tensor, TensorData};
use dforce_core::{Diffusion, SeededNoise};
use dforce_nn::{
    HostTensor, StateDict, StateDictCollector, Transformer, TransformerConfig, WeightLoader,
};
use rand_chacha::ChaCha8Rng;

use super::layout::{PlanningBatch, PlanningLayout, reweight_loss};
use crate::trainer::{TrainError, TrainableModel, insert_buffers};

/// The planning model with everything a checkpoint holds besides the optimiser.
pub struct PlanningModel {
    pub layout: PlanningLayout,
    pub diffusion: Diffusion,
    pub network: Transformer,
}

/// State-dict prefix of the planning network (Lightning's `diffusion_model.model.`).
pub const PLANNING_PREFIX: &str = "diffusion_model.model.";

impl PlanningModel {
    /// Builds the network on `device` (seeded by the caller).
    pub fn new(
        layout: PlanningLayout,
        diffusion: Diffusion,
        config: &TransformerConfig,
        device: &Device,
    ) -> Result<Self, TrainError> {
        let network = config.init(device)?;
        Ok(Self {
            layout,
            diffusion,
            network,
        })
    }
}

impl TrainableModel for PlanningModel {
    type Batch = PlanningBatch;
    const ALGORITHM: &'static str = "df_planning";

    fn visit_params(&mut self, v: &mut impl dforce_nn::ParamVisitor) {
        self.network.visit_params(v, PLANNING_PREFIX);
    }

    /// Network, `data_mean/std` and the diffusion buffers.
    fn state_tensors(&mut self) -> BTreeMap<String, HostTensor> {
        let mut c = StateDictCollector::default();
        self.network.visit_params(&mut c, PLANNING_PREFIX);
        let mut t = c.tensors;
        let n = self.layout.mean.len();
        t.insert(
            "data_mean".into(),
            HostTensor {
                shape: vec![n],
                data: self.layout.mean.clone(),
            },
        );
        t.insert(
            "data_std".into(),
            HostTensor {
                shape: vec![n],
                data: self.layout.std.clone(),
            },
        );
        insert_buffers(&mut t, &self.diffusion);
        t
    }

    fn load_weights(&mut self, sd: &StateDict, device: &Device) -> Result<(), TrainError> {
        let mut loader = WeightLoader::new(sd, device);
        self.network.load(&mut loader, PLANNING_PREFIX);
        loader.finish(PLANNING_PREFIX)?;
        let what = "the planner's frame (observation, action, reward)";
        for (name, values) in [
            ("data_mean", &mut self.layout.mean),
            ("data_std", &mut self.layout.std),
        ] {
            let shape = [values.len()];
            crate::checkpoint_statistics::adopt(sd, name, &shape, values, what)?;
        }
        Ok(())
    }

    fn training_loss(
        &self,
        batch: PlanningBatch,
        rng: &mut ChaCha8Rng,
        noise: &mut SeededNoise,
        device: &Device,
    ) -> Result<Tensor<1>, TrainError> {
        let draw = self
            .layout
            .training_draw(&batch, self.diffusion.config.timesteps, rng);
        let (n, b, d) = (self.layout.n_tokens, batch.batch, self.layout.token_dim());
        let x: Tensor<3> = Tensor::from_data(TensorData::new(batch.tokens, [n, b, d]), device);
        let eps = self.diffusion.clamped_noise(noise, [n, b, d], device)?;
        let (_, loss) = self
            .diffusion
            .training_loss(&self.network, x, &draw.levels, None, eps)?;
        Ok(reweight_loss(loss, &draw.weights, self.layout.frame_stack))
    }
}
