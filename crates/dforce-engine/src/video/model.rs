//! The video model: the Unet3D and diffusion as a trainable unit.

use burn::tensor::{Device, Tensor};
use dforce_core::Diffusion;

use super::layout::{VideoBatch, VideoLayout};

/// State-dict prefix of the video network (Lightning's `diffusion_model.model.module.`: the
/// reference wraps the U-Net in a layout-changing module).
pub const VIDEO_PREFIX: &str = "diffusion_model.model.module.";

/// The video model with everything a checkpoint holds besides the optimiser.
pub struct VideoModel {
    pub layout: VideoLayout,
    pub diffusion: Diffusion,
    pub network: dforce_nn::Unet3d,
}

impl crate::trainer::TrainableModel for VideoModel {
    type Batch = VideoBatch;
    const ALGORITHM: &'static str = "df_video";

    fn visit_params(&mut self, v: &mut impl dforce_nn::ParamVisitor) {
        self.network.visit_params(v, VIDEO_PREFIX);
    }

    fn state_tensors(&mut self) -> std::collections::BTreeMap<String, dforce_nn::HostTensor> {
        let mut c = dforce_nn::StateDictCollector::default();
        self.network.visit_params(&mut c, VIDEO_PREFIX);
        let mut t = c.tensors;
        // The reference registers the normalisation buffers with the statistics' own shape
        // (0-dim for the numbers its video configs use).
        for (name, stat) in [
            ("data_mean", &self.layout.mean),
            ("data_std", &self.layout.std),
        ] {
            t.insert(
                name.into(),
                dforce_nn::HostTensor {
                    shape: stat.shape.clone(),
                    data: stat.values.clone(),
                },
            );
        }
        crate::trainer::insert_buffers(&mut t, &self.diffusion);
        t
    }

    fn load_weights(
        &mut self,
        sd: &dforce_nn::StateDict,
        device: &Device,
    ) -> Result<(), crate::trainer::TrainError> {
        let mut loader = dforce_nn::WeightLoader::new(sd, device);
        self.network.load(&mut loader, VIDEO_PREFIX);
        loader.finish(VIDEO_PREFIX)?;
        let what = "the config's statistic (dataset.data_mean / data_std)";
        for (name, stat) in [
            ("data_mean", &mut self.layout.mean),
            ("data_std", &mut self.layout.std),
        ] {
            crate::checkpoint_statistics::adopt(sd, name, &stat.shape, &mut stat.values, what)?;
        }
        Ok(())
    }

    fn training_loss(
        &self,
        batch: VideoBatch,
        rng: &mut rand_chacha::ChaCha8Rng,
        noise: &mut dforce_core::SeededNoise,
        device: &Device,
    ) -> Result<Tensor<1>, crate::trainer::TrainError> {
        let x = self.layout.tokens(&batch, device)?;
        let cond = self.layout.conditions(&batch, device)?;
        let [n, b, d, h, w] = x.dims();
        let levels = self
            .layout
            .training_levels(n, b, self.diffusion.config.timesteps, rng);
        let eps = self
            .diffusion
            .clamped_noise(noise, [n, b, d, h, w], device)?;
        let (_, loss) = self
            .diffusion
            .training_loss(&self.network, x, &levels, cond, eps)?;
        // Every frame is real (the reference ignores the dataset's masks): a plain mean.
        Ok(loss.mean())
    }
}
