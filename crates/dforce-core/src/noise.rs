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
