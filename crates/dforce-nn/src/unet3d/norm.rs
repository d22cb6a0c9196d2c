//! GroupNorm over frame-major activations, pooling statistics across the window's frames
//! (the reference) or within each frame (truly causal).

use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::tensor::{Device, Tensor};

use super::config::FrameNorm;
use super::window::Window;
use crate::params::ParamVisitor;

/// `nn.GroupNorm(groups, C, eps)` with affine weight and bias. The frames of a window sit in
/// the rows of a `(n·B, C, H, W)` tensor, so a plain GroupNorm would see each frame alone; the
/// statistics axes are chosen from [`FrameNorm`] instead.
#[derive(Module, Debug)]
pub struct FrameGroupNorm {
    /// `[C]`, initialised to 1.
    pub gamma: Param<Tensor<1>>,
    /// `[C]`, initialised to 0.
    pub beta: Param<Tensor<1>>,
    groups: usize,
    epsilon: f64,
}

impl FrameGroupNorm {
    pub fn new(channels: usize, groups: usize, epsilon: f64, device: &Device) -> Self {
        Self {
            gamma: Initializer::Ones.init([channels], device),
            beta: Initializer::Zeros.init([channels], device),
            groups,
            epsilon,
        }
    }

    /// `SiLU(GN(x))` for `x` `(n·B, C, H, W)`, GN = `(x − μ) / √(σ² + ε) · γ + β` with biased
    /// variance as PyTorch, or with `film` `(n·B, 2·C)` (scale | shift per frame row)
    /// `SiLU(GN(x)·(1 + scale) + shift)`: one fused kernel on the CPU, burn's ops elsewhere
    /// ([`dforce_kernels::group_norm_silu`]). The reference follows every GroupNorm with SiLU.
    pub fn forward_silu(
        &self,
        x: Tensor<4>,
        film: Option<Tensor<2>>,
        window: &Window,
    ) -> Tensor<4> {
        dforce_kernels::group_norm_silu(
            x,
            self.gamma.val(),
            self.beta.val(),
            film,
            self.spec(window),
        )
    }

    fn spec(&self, window: &Window) -> dforce_kernels::GroupNormSpec {
        dforce_kernels::GroupNormSpec {
            groups: self.groups,
            eps: self.epsilon,
            frames: window.frames,
            pooled: window.norm == FrameNorm::AcrossFrames,
        }
    }

    /// Loads `{prefix}weight` and `{prefix}bias`.
    pub fn visit_params(&mut self, v: &mut impl ParamVisitor, prefix: &str) {
        v.param(&mut self.gamma, &format!("{prefix}weight"));
        v.param(&mut self.beta, &format!("{prefix}bias"));
    }
}
