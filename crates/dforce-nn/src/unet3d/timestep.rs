//! diffusers' `Timesteps` features and `TimestepEmbedding` MLP, used for the per-frame
//! noise-level embedding and for the sinusoidal temporal position embedding.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::silu;
use burn::tensor::{Device, Int, Tensor};

use crate::embedding::{diffusers_frequencies, sinusoidal};
use crate::params::ParamVisitor;
use crate::params::visit_linear_named;

/// `Timesteps(width, flip_sin_to_cos = True, downscale_freq_shift = 0)` of an `(a, b)` grid of
/// integer positions: `(a, b, width)` laid out `[cos(x·f), sin(x·f)]` with
/// `f_j = exp(−ln(10000)·j / (width/2))`. `width` is even (validated by the config).
pub fn timestep_features(positions: Tensor<2, Int>, width: usize, device: &Device) -> Tensor<3> {
    sinusoidal(
        positions,
        &diffusers_frequencies(width / 2, 0.0),
        true,
        device,
    )
}

/// `TimestepEmbedding`: `linear_2(SiLU(linear_1(x)))`.
#[derive(Module, Debug)]
pub struct TimestepEmbedding {
    pub linear_1: Linear,
    pub linear_2: Linear,
}

/// Parameters of a `TimestepEmbedding(input → hidden → output)`.
pub fn timestep_embedding_params(input: usize, hidden: usize, output: usize) -> usize {
    input * hidden + hidden + hidden * output + output
}

impl TimestepEmbedding {
    pub fn new(input: usize, hidden: usize, output: usize, device: &Device) -> Self {
        Self {
            linear_1: LinearConfig::new(input, hidden).init(device),
            linear_2: LinearConfig::new(hidden, output).init(device),
        }
    }

    /// `x`: `(…, input)` → `(…, output)`.
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        self.linear_2.forward(silu(self.linear_1.forward(x)))
    }

    /// Loads `{prefix}linear_1.*` and `{prefix}linear_2.*`.
    pub fn visit_params(&mut self, v: &mut impl ParamVisitor, prefix: &str) {
        for (linear, name) in [
            (&mut self.linear_1, "linear_1"),
            (&mut self.linear_2, "linear_2"),
        ] {
            visit_linear_named(
                v,
                linear,
                &format!("{prefix}{name}.weight"),
                &format!("{prefix}{name}.bias"),
            );
        }
    }
}
