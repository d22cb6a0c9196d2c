//! Injectable sources of Gaussian noise.
//!
//! Every random draw of the diffusion process (training noise, initial sampling noise, per-step
//! DDIM/DDPM noise) goes through a [`NoiseSource`], so a run is reproducible from its seed and a
//! parity test can replay the reference's own draws.

use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::error::CoreError;

/// A supplier of standard-normal tensors.
pub trait NoiseSource {
    /// Fills a tensor of `shape` with N(0, 1) draws (not yet clamped).
    fn standard_normal<const D: usize>(
        &mut self,
        shape: [usize; D],
        device: &Device,
    ) -> Result<Tensor<D>, CoreError>;

    /// Consumes the draw that `standard_normal(shape)` would make, without building a tensor:
    /// for a step whose noise is multiplied by σ = 0 everywhere (DDIM with η = 0). Replayed
    /// draws stay aligned with a reference that drew anyway (torch draws even at σ = 0), and a
    /// seeded stream advances as if it had drawn, so every later draw — and so every rollout of a
    /// seed — is what it would be had the step drawn. The default draws and drops the tensor.
    fn skip_standard_normal<const D: usize>(
        &mut self,
        shape: [usize; D],
        device: &Device,
    ) -> Result<(), CoreError> {
        self.standard_normal(shape, device).map(|_| ())
    }
}

/// Seeded host-side generator (ChaCha8 + ziggurat normals): identical streams on every backend
/// and thread count.
#[derive(Debug, Clone)]
pub struct SeededNoise {
    rng: ChaCha8Rng,
}

impl SeededNoise {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// An independent stream `stream` of `seed`: training derives one per step, so a resumed
    /// run draws exactly what an uninterrupted one would, with no state to save.
    pub fn for_stream(seed: u64, stream: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        Self { rng }
    }

    /// The generator's full state, so a resumed run continues the same stream.
    pub fn state(&self) -> ([u8; 32], u64, u128) {
        (
            self.rng.get_seed(),
            self.rng.get_stream(),
            self.rng.get_word_pos(),
        )
    }

    /// Restores a state returned by [`SeededNoise::state`].
    pub fn from_state(seed: [u8; 32], stream: u64, word_pos: u128) -> Self {
        let mut rng = ChaCha8Rng::from_seed(seed);
        rng.set_stream(stream);
        rng.set_word_pos(word_pos);
        Self { rng }
    }
}

impl NoiseSource for SeededNoise {
    fn standard_normal<const D: usize>(
        &mut self,
        shape: [usize; D],
        device: &Device,
    ) -> Result<Tensor<D>, CoreError> {
        let n: usize = shape.iter().product();
        let values: Vec<f32> = (0..n)
            .map(|_| StandardNormal.sample(&mut self.rng))
            .collect();
        Ok(Tensor::from_data(TensorData::new(values, shape), device))
    }

    /// Advances the generator exactly as `standard_normal` would (the normal sampler takes a
    /// variable number of words per draw), with no tensor and no device work.
    fn skip_standard_normal<const D: usize>(
        &mut self,
        shape: [usize; D],
        _device: &Device,
    ) -> Result<(), CoreError> {
        let n: usize = shape.iter().product();
        for _ in 0..n {
            let _: f32 = StandardNormal.sample(&mut self.rng);
        }
        Ok(())
    }
}

/// Replays recorded draws in order; running out, or a shape mismatch, is an error.
#[derive(Debug, Clone, Default)]
pub struct ReplayNoise {
    draws: std::collections::VecDeque<(Vec<usize>, Vec<f32>)>,
}

impl ReplayNoise {
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues one draw of the given shape.
    pub fn push(&mut self, shape: Vec<usize>, values: Vec<f32>) {
        self.draws.push_back((shape, values));
    }

    /// Draws not consumed yet.
    pub fn remaining(&self) -> usize {
        self.draws.len()
    }
}

impl NoiseSource for ReplayNoise {
    fn standard_normal<const D: usize>(
        &mut self,
        shape: [usize; D],
        device: &Device,
    ) -> Result<Tensor<D>, CoreError> {
        let (recorded, values) = self.draws.pop_front().ok_or_else(|| {
            CoreError::Invalid(
                "replayed noise exhausted: the sampler drew more often than recorded".into(),
            )
        })?;
        if recorded != shape {
            return Err(CoreError::Invalid(format!(
                "replayed noise has shape {recorded:?}, the sampler asked for {shape:?}"
            )));
        }
        Ok(Tensor::from_data(TensorData::new(values, shape), device))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    /// Skipping a draw leaves every later draw as it would have been.
    #[test]
    fn a_skipped_draw_keeps_the_stream_aligned() {
        let device = Device::flex();
        let mut drawn = SeededNoise::new(3);
        let mut skipped = SeededNoise::new(3);
        let _ = drawn.standard_normal([5, 7], &device).unwrap();
        skipped.skip_standard_normal([5, 7], &device).unwrap();
        assert_eq!(drawn.state(), skipped.state());
        assert_eq!(
            values(drawn.standard_normal([2, 3], &device).unwrap()),
            values(skipped.standard_normal([2, 3], &device).unwrap())
        );

        let mut replay = ReplayNoise::new();
        replay.push(vec![1, 2], vec![0.5, -0.5]);
        replay.push(vec![1, 1], vec![2.0]);
        replay.skip_standard_normal([1, 2], &device).unwrap();
        assert_eq!(
            values(replay.standard_normal([1, 1], &device).unwrap()),
            [2.0]
        );
        assert!(replay.skip_standard_normal([1, 1], &device).is_err());
    }
}
