//! ResNet blocks with FiLM noise-level conditioning, and the 2× down/up-sampling convs.
//!
//! The reference's Conv3d kernels are `(1, k, k)`: they never mix frames, so each is a 2-D
//! convolution over the `(n·B, C, H, W)` rows, loaded from the `[out, in, 1, k, k]` weight.

use burn::module::Module;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use dforce_kernels::conv2d;

use super::norm::FrameGroupNorm;
use super::window::Window;
use crate::params::ParamVisitor;
use crate::params::visit_linear_named;

/// The reference's GroupNorm ε in ResNet blocks.
const GROUP_NORM_EPS: f64 = 1e-6;

/// A `k × k` convolution (`(1, k, k)` in the reference) with padding `k / 2`.
pub(crate) fn conv(din: usize, dout: usize, k: usize, stride: usize, device: &Device) -> Conv2d {
    let p = k / 2;
    Conv2dConfig::new([din, dout], [k, k])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
        .init(device)
}

/// Loads `{prefix}weight` (`[out, in, 1, k, k]` in the file) and `{prefix}bias`.
pub(crate) fn visit_conv(v: &mut impl ParamVisitor, conv: &mut Conv2d, prefix: &str) {
    let [o, i, kh, kw] = conv.weight.val().dims();
    v.param_as(
        &mut conv.weight,
        &format!("{prefix}weight"),
        &[o, i, 1, kh, kw],
    );
    if let Some(b) = conv.bias.as_mut() {
        v.param(b, &format!("{prefix}bias"));
    }
}

/// `ResnetBlock(din, dout, emb?)`:
/// `h = Conv(SiLU(GN(x)))`; with an embedding `h = GN(h)·(1 + scale) + shift` (scale | shift
/// from `Linear(SiLU(emb))`, per frame), else `h = GN(h)`; `h = Conv(SiLU(h))`;
/// returns `skip(x) + h` with a 1×1 skip conv iff `din ≠ dout`.
#[derive(Module, Debug)]
pub struct ResnetBlock {
    /// `in_layers.0`
    pub in_norm: FrameGroupNorm,
    /// `in_layers.2`
    pub in_conv: Conv2d,
    /// `out_layers.0`
    pub out_norm: FrameGroupNorm,
    /// `out_layers.2`
    pub out_conv: Conv2d,
    /// `emb_layers.1`: `[E, 2·dout]` (burn layout).
    pub emb_proj: Option<Linear>,
    pub skip_conv: Option<Conv2d>,
}

/// Parameters of a `ResnetBlock(din, dout, emb)`.
pub fn resnet_params(din: usize, dout: usize, emb: Option<usize>) -> usize {
    let norms = 2 * din + 2 * dout;
    let convs = din * dout * 9 + dout + dout * dout * 9 + dout;
    let film = emb.map_or(0, |e| e * 2 * dout + 2 * dout);
    let skip = if din != dout { din * dout + dout } else { 0 };
    norms + convs + film + skip
}

/// Parameters of a Downsample or Upsample of width `c` (one 3×3 conv).
pub fn resample_params(c: usize) -> usize {
    c * c * 9 + c
}

impl ResnetBlock {
    pub fn new(
        din: usize,
        dout: usize,
        emb: Option<usize>,
        groups: usize,
        device: &Device,
    ) -> Self {
        Self {
            in_norm: FrameGroupNorm::new(din, groups, GROUP_NORM_EPS, device),
            in_conv: conv(din, dout, 3, 1, device),
            out_norm: FrameGroupNorm::new(dout, groups, GROUP_NORM_EPS, device),
            out_conv: conv(dout, dout, 3, 1, device),
            emb_proj: emb.map(|e| LinearConfig::new(e, 2 * dout).init(device)),
            skip_conv: (din != dout).then(|| conv(din, dout, 1, 1, device)),
        }
    }

    /// `x`: `(n·B, din, H, W)`; `emb_act`: `SiLU(emb)`, `(n, B, E)` (the SiLU that opens every
    /// `emb_layers` is applied once per forward by the caller) → `(n·B, dout, H, W)`.
    /// `emb_act` is ignored by a block built without an embedding.
    pub fn forward(&self, x: Tensor<4>, emb_act: &Tensor<3>, window: &Window) -> Tensor<4> {
        let h = conv2d(
            self.in_norm.forward_silu(x.clone(), None, window),
            &self.in_conv,
        );
        // FiLM: (n, B, 2·dout) → (n·B, 2·dout), frame-major rows like h.
        let film = self.emb_proj.as_ref().map(|proj| {
            let film = proj.forward(emb_act.clone());
            let [n, b, c2] = film.dims();
            film.reshape([n * b, c2])
        });
        let h = conv2d(self.out_norm.forward_silu(h, film, window), &self.out_conv);
        match &self.skip_conv {
            Some(skip) => conv2d(x, skip) + h,
            None => x + h,
        }
    }

    /// Loads `{prefix}{in_layers,out_layers,emb_layers,skip_conv}.*`.
    pub fn visit_params(&mut self, v: &mut impl ParamVisitor, prefix: &str) {
        self.in_norm
            .visit_params(v, &format!("{prefix}in_layers.0."));
        visit_conv(v, &mut self.in_conv, &format!("{prefix}in_layers.2."));
        self.out_norm
            .visit_params(v, &format!("{prefix}out_layers.0."));
        visit_conv(v, &mut self.out_conv, &format!("{prefix}out_layers.2."));
        if let Some(proj) = self.emb_proj.as_mut() {
            visit_linear_named(
                v,
                proj,
                &format!("{prefix}emb_layers.1.weight"),
                &format!("{prefix}emb_layers.1.bias"),
            );
        }
        if let Some(skip) = self.skip_conv.as_mut() {
            visit_conv(v, skip, &format!("{prefix}skip_conv."));
        }
    }
}

/// `Downsample(c)`: 3×3 conv with stride 2, padding 1 (`(1,3,3)` / `(1,2,2)` in the reference).
#[derive(Module, Debug)]
pub struct Downsample {
    pub conv: Conv2d,
}

impl Downsample {
    pub fn new(c: usize, device: &Device) -> Self {
        Self {
            conv: conv(c, c, 3, 2, device),
        }
    }

    /// `(n·B, C, H, W)` → `(n·B, C, ⌈H/2⌉, ⌈W/2⌉)`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.conv.forward(x)
    }

    pub fn visit_params(&mut self, v: &mut impl ParamVisitor, prefix: &str) {
        visit_conv(v, &mut self.conv, &format!("{prefix}conv."));
    }
}

/// `Upsample(c)`: nearest-neighbour ×2 in H and W, then a 3×3 conv.
#[derive(Module, Debug)]
pub struct Upsample {
    pub conv: Conv2d,
}

impl Upsample {
    pub fn new(c: usize, device: &Device) -> Self {
        Self {
            conv: conv(c, c, 3, 1, device),
        }
    }

    /// `(n·B, C, H, W)` → `(n·B, C, 2H, 2W)`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [nb, c, h, w] = x.dims();
        // Each pixel becomes a 2×2 block: broadcast over two new unit axes, then merge them.
        let up = x
            .reshape([nb, c, h, 1, w, 1])
            .expand([nb, c, h, 2, w, 2])
            .reshape([nb, c, 2 * h, 2 * w]);
        conv2d(up, &self.conv)
    }

    pub fn visit_params(&mut self, v: &mut impl ParamVisitor, prefix: &str) {
        visit_conv(v, &mut self.conv, &format!("{prefix}conv."));
    }
}
