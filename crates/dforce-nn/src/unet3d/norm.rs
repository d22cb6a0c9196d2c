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

    /// `x`: `(n·B, C, H, W)` → same. Biased variance, `(x − μ) / √(σ² + ε) · γ + β`, as PyTorch.
    pub fn forward(&self, x: Tensor<4>, window: &Window) -> Tensor<4> {
        let [nb, c, h, w] = x.dims();
        let g = self.groups;
        // (n, B, G, C/G·H·W): the statistics reduce axis 3, and axis 0 too when pooled.
        let grouped = x.reshape([window.frames, window.batch, g, c / g * h * w]);
        let stat = |t: Tensor<4>| match window.norm {
            // Every frame holds the same count, so the mean of per-frame means is the mean.
            FrameNorm::AcrossFrames => t.mean_dim(3).mean_dim(0),
            FrameNorm::PerFrame => t.mean_dim(3),
        };
        let centered = grouped.clone() - stat(grouped);
        let var = stat(centered.clone().square());
        let normed = (centered / var.add_scalar(self.epsilon).sqrt()).reshape([nb, c, h, w]);
        normed * self.gamma.val().reshape([1, c, 1, 1]) + self.beta.val().reshape([1, c, 1, 1])
    }

    /// Loads `{prefix}weight` and `{prefix}bias`.
    pub fn visit_params(&mut self, v: &mut impl ParamVisitor, prefix: &str) {
        v.param(&mut self.gamma, &format!("{prefix}weight"));
        v.param(&mut self.beta, &format!("{prefix}bias"));
    }
}
