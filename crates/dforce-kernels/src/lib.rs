//! Fused CPU kernels for what the networks spend their time on, found with `perf` on
//! `dforce bench train-planning` (see `ARCHITECTURE.md`, "Kernels").
//!
//! Each function here takes and returns ordinary `Tensor`s. On burn's CPU backend (`Flex`, with
//! or without autodiff) and f32 data it runs one fused kernel with a handwritten backward
//! ([`extension::KernelOps`]); on any other device or dtype it runs the same computation
//! composed from burn's own ops, so GPU builds and other precisions behave as before.
//!
//! - [`linear`]: `relu?(x·W + b)`: one GEMM with the bias written into the output first; the
//!   backward is two GEMMs on transposed views (no transpose copies) and a column sum.
//! - [`packed_attention`]: PyTorch `MultiheadAttention`'s attention straight from the packed
//!   `q|k|v` projection, one task per (batch, head), no permutes or `[B, heads, n, n]` passes.
//! - [`conv2d`]: stride-1 "same" convolutions as `k²` accumulating GEMMs over shifted views of
//!   one padded copy of each image (no im2col buffer); the backward the same way.
//! - [`residual_layer_norm`]: `LayerNorm(a + b)` in one pass over each row, backward from the
//!   saved normalised rows and `1/σ`.
//! - [`group_norm_silu`]: the Unet3D ResNet block's `SiLU(GroupNorm(x))` and
//!   `SiLU(GroupNorm(h)·(1 + scale) + shift)` in two passes (statistics, then one multiply-add
//!   and a vectorised SiLU per value), statistics per frame or pooled over a clip's frames;
//!   backward in two passes too.
//!
//! Each kernel's gradients are tested against burn's composed ops (`tests/gradients.rs`), and
//! the networks' parity suites against the reference run through them.

pub mod autodiff;
pub mod cpu;
pub mod extension;

use burn::backend::{DType, Dispatch, DispatchDevice};
use burn::nn::conv::Conv2d;
use burn::nn::{LayerNorm, Linear, PaddingConfig2d};
use burn::tensor::activation::{relu, silu, softmax};
use burn::tensor::{Bool, Device, Tensor};

use extension::{InferenceOps, KernelOps};

/// Whether the fused kernels serve tensors on `device` with `dtype`: burn's CPU backend
/// (plain or autodiff) and f32.
pub fn fused(device: &Device, dtype: DType) -> bool {
    static DISABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let disabled = *DISABLED.get_or_init(|| std::env::var_os("DFORCE_NO_FUSED_KERNELS").is_some());
    if dtype != DType::F32 || disabled {
        return false;
    }
    match device.as_dispatch() {
        DispatchDevice::Flex(_) => true,
        DispatchDevice::Autodiff(inner) => {
            matches!(inner.clone().inner(), DispatchDevice::Flex(_))
        }
        #[allow(unreachable_patterns)]
        _ => false,
    }
}

/// `relu?(layer(x))` for `x` `[..., d_input]` → `[..., d_output]` (burn's `Linear`: weight
/// `[d_input, d_output]`).
pub fn linear<const D: usize>(x: Tensor<D>, layer: &Linear, apply_relu: bool) -> Tensor<D> {
    match &layer.bias {
        Some(bias) if fused(&x.device(), x.dtype()) => {
            let out = <Dispatch as KernelOps>::fused_linear(
                x.into_dispatch(),
                layer.weight.val().into_dispatch(),
                bias.val().into_dispatch(),
                apply_relu,
            );
            Tensor::from_dispatch(out)
        }
        _ => {
            let y = layer.forward(x);
            if apply_relu { relu(y) } else { y }
        }
    }
}

/// Scaled dot-product attention of `heads` heads from a packed projection: `qkv`
/// `[n, B, 3·s]` (q, k, v each `s` channels, heads contiguous slices of width `s / heads`,
/// PyTorch's `in_proj` layout) → `[n, B, s]`. With `causal`, query `i` sees keys `0..=i`.
pub fn packed_attention(qkv: Tensor<3>, heads: usize, causal: bool) -> Tensor<3> {
    if fused(&qkv.device(), qkv.dtype()) {
        let out = <Dispatch as KernelOps>::packed_attention(qkv.into_dispatch(), heads, causal);
        return Tensor::from_dispatch(out);
    }
    composed_attention(qkv, heads, causal)
}

/// [`packed_attention`] from burn's ops (the path for other devices, and the tests' oracle).
pub fn composed_attention(qkv: Tensor<3>, heads: usize, causal: bool) -> Tensor<3> {
    let [n, b, s3] = qkv.dims();
    let s = s3 / 3;
    let dh = s / heads;
    let qkv = qkv.reshape([n, b, 3, heads, dh]).permute([2, 1, 3, 0, 4]);
    let q = qkv.clone().slice_dim(0, 0..1).squeeze_dim::<4>(0);
    let k = qkv.clone().slice_dim(0, 1..2).squeeze_dim::<4>(0);
    let v = qkv.slice_dim(0, 2..3).squeeze_dim::<4>(0);
    let mut scores = q.matmul(k.swap_dims(2, 3)) / (dh as f64).sqrt();
    if causal {
        let device = scores.device();
        let mask: Tensor<2, Bool> = Tensor::<2, Bool>::tril_mask([n, n], 0, &device);
        scores = scores.mask_fill(
            mask.unsqueeze::<4>().expand([b, heads, n, n]),
            f32::NEG_INFINITY,
        );
    }
    softmax(scores, 3)
        .matmul(v)
        .permute([2, 0, 1, 3])
        .reshape([n, b, s])
}

/// `conv(x)` for `x` `[N, C, H, W]`. Stride-1 convolutions with an odd square kernel, padding
/// `k / 2` on every side, no dilation or groups and a bias (every stride-1 conv of the video
/// Unet3D) run the fused kernel ([`cpu::conv`]); any other configuration runs burn's `Conv2d`.
/// (An inference-only size threshold below which burn's direct kernel ran was dropped: on the
/// shipped small video model, 32² with 16–64 channels, the GEMM form sampled 1.25× as fast.)
pub fn conv2d(x: Tensor<4>, conv: &Conv2d) -> Tensor<4> {
    let [o, _, kh, kw] = conv.weight.dims();
    let p = kh / 2;
    let same = kh == kw
        && kh % 2 == 1
        && conv.stride == [1, 1]
        && conv.dilation == [1, 1]
        && conv.groups == 1
        && conv.padding == PaddingConfig2d::Explicit(p, p, p, p);
    match &conv.bias {
        Some(bias) if same && fused(&x.device(), x.dtype()) && bias.dims() == [o] => {
            let out = <Dispatch as KernelOps>::conv2d_same(
                x.into_dispatch(),
                conv.weight.val().into_dispatch(),
                bias.val().into_dispatch(),
            );
            Tensor::from_dispatch(out)
        }
        _ => conv.forward(x),
    }
}

/// Whether tensors on `device` with `dtype` take the inference-only kernels: [`fused`], and no
/// autodiff (nothing records a graph).
pub fn fused_inference(device: &Device, dtype: DType) -> bool {
    fused(device, dtype) && matches!(device.as_dispatch(), DispatchDevice::Flex(_))
}

/// The video Unet3D's temporal attention block, `x + to_out(attention(to_qkv(LayerNorm(x))))`
/// across the frames of every pixel, on frame-major `x` `[n·B, C, H, W]`, in that layout (no
/// permutes): `rotary` gives the window's `cos` and signed `sin` tables `[n, dim_head]`.
/// Returns `None` when the device does not take [`fused_inference`] kernels, or the layers are
/// not the block's (`to_qkv` without bias, `to_out` with one, LayerNorm with β); the caller
/// then composes the block from burn's ops.
#[allow(clippy::too_many_arguments)]
pub fn temporal_attention_block(
    x: Tensor<4>,
    norm: &LayerNorm,
    norm_eps: f64,
    to_qkv: &Linear,
    to_out: &Linear,
    rotary: Option<(Tensor<2>, Tensor<2>)>,
    frames: usize,
    heads: usize,
    causal: bool,
) -> Option<Tensor<4>> {
    let (beta, out_bias) = plane_block(&x, norm, to_qkv, to_out)?;
    if frames == 0 {
        return None;
    }
    let [nb, c, h, w] = x.dims();
    let [inner, _] = to_out.weight.dims();
    let dim_head = inner / heads.max(1);
    let shape = cpu::temporal_attention::TemporalShape {
        frames,
        batch: nb / frames,
        channels: c,
        plane: h * w,
        heads,
        dim_head,
        causal,
    };
    let device = x.device();
    let has_rotary = rotary.is_some();
    // Without rotary positions the tables are not read; empty placeholders fill the arguments.
    let (cos, sin) = rotary.unwrap_or_else(|| {
        (
            Tensor::zeros([0, dim_head], &device),
            Tensor::zeros([0, dim_head], &device),
        )
    });
    let out = <Dispatch as InferenceOps>::temporal_attention(
        x.into_dispatch(),
        norm.gamma.val().into_dispatch(),
        beta.into_dispatch(),
        to_qkv.weight.val().into_dispatch(),
        to_out.weight.val().into_dispatch(),
        out_bias.into_dispatch(),
        cos.into_dispatch(),
        sin.into_dispatch(),
        has_rotary,
        shape,
        norm_eps,
    );
    Some(Tensor::from_dispatch(out))
}

/// The LayerNorm β and `to_out` bias of a pre-norm attention block that the plane-layout
/// inference kernels serve: on a [`fused_inference`] device, `to_qkv` without a bias, `to_out`
/// and the LayerNorm with theirs.
fn plane_block(
    x: &Tensor<4>,
    norm: &LayerNorm,
    to_qkv: &Linear,
    to_out: &Linear,
) -> Option<(Tensor<1>, Tensor<1>)> {
    match (&norm.beta, &to_qkv.bias, &to_out.bias) {
        (Some(beta), None, Some(bias)) if fused_inference(&x.device(), x.dtype()) => {
            Some((beta.val(), bias.val()))
        }
        _ => None,
    }
}

/// The video Unet3D's spatial linear attention block (the reference's `LinearAttention` in a
/// pre-norm residual block), `x + to_out(linear attention over each frame's pixels(to_qkv(
/// LayerNorm(x))))`, on frame-major `x` `[n·B, C, H, W]` in that layout. `None` as for
/// [`temporal_attention_block`].
pub fn linear_attention_block(
    x: Tensor<4>,
    norm: &LayerNorm,
    norm_eps: f64,
    to_qkv: &Linear,
    to_out: &Linear,
    heads: usize,
) -> Option<Tensor<4>> {
    let (beta, out_bias) = plane_block(&x, norm, to_qkv, to_out)?;
    let [nb, c, h, w] = x.dims();
    let [inner, _] = to_out.weight.dims();
    let shape = cpu::linear_attention::LinearShape {
        rows: nb,
        channels: c,
        plane: h * w,
        heads,
        dim_head: inner / heads.max(1),
    };
    let out = <Dispatch as InferenceOps>::linear_attention(
        x.into_dispatch(),
        norm.gamma.val().into_dispatch(),
        beta.into_dispatch(),
        to_qkv.weight.val().into_dispatch(),
        to_out.weight.val().into_dispatch(),
        out_bias.into_dispatch(),
        shape,
        norm_eps,
    );
    Some(Tensor::from_dispatch(out))
}

/// How [`group_norm_silu`] groups frame-major activations `[n·B, C, H, W]` (row `f·B + b`
/// holds frame `f` of clip `b`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroupNormSpec {
    /// `G`; divides `C`.
    pub groups: usize,
    /// Added to the variance inside the square root.
    pub eps: f64,
    /// Frames `n` per clip.
    pub frames: usize,
    /// Statistics pooled over the clip's frames (the reference's GroupNorm over
    /// `(B, C, n, H, W)`); else per frame (truly causal).
    pub pooled: bool,
}

/// `SiLU(GroupNorm(x)·gamma + beta)`, or with `film` `[n·B, 2·C]` (scale | shift per row)
/// `SiLU((GroupNorm(x)·gamma + beta)·(1 + scale) + shift)`: `x` `[n·B, C, H, W]` →
/// `[n·B, C, H, W]`, `gamma`, `beta` `[C]`. PyTorch's `nn.GroupNorm` statistics (biased
/// variance). The caller guarantees `n·B` rows, `C % groups == 0` and the FiLM width.
pub fn group_norm_silu(
    x: Tensor<4>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    film: Option<Tensor<2>>,
    spec: GroupNormSpec,
) -> Tensor<4> {
    if !fused(&x.device(), x.dtype()) {
        return composed_group_norm_silu(x, gamma, beta, film, spec);
    }
    let [nb, c, h, w] = x.dims();
    let shape = cpu::group_norm::GroupNormShape {
        frames: spec.frames,
        batch: nb / spec.frames.max(1),
        channels: c,
        groups: spec.groups,
        plane: h * w,
        pooled: spec.pooled,
    };
    let film = film.unwrap_or_else(|| Tensor::zeros([nb, 2 * c], &x.device()));
    let out = <Dispatch as KernelOps>::group_norm_silu(
        x.into_dispatch(),
        gamma.into_dispatch(),
        beta.into_dispatch(),
        film.into_dispatch(),
        shape,
        spec.eps,
    );
    Tensor::from_dispatch(out)
}

/// [`group_norm_silu`] from burn's ops (other devices, and the tests' oracle).
pub fn composed_group_norm_silu(
    x: Tensor<4>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    film: Option<Tensor<2>>,
    spec: GroupNormSpec,
) -> Tensor<4> {
    let h = composed_group_norm(x, gamma, beta, spec);
    let h = match film {
        Some(film) => {
            let [nb, c2] = film.dims();
            let c = c2 / 2;
            let film = film.reshape([nb, c2, 1, 1]);
            let scale = film.clone().slice_dim(1, 0..c);
            let shift = film.slice_dim(1, c..c2);
            h * scale.add_scalar(1.0) + shift
        }
        None => h,
    };
    silu(h)
}

/// `GroupNorm(x)·gamma + beta` over frame-major `x` `[n·B, C, H, W]` from burn's ops:
/// `(x − μ) / √(σ² + ε)·γ + β`, biased variance, as PyTorch.
pub fn composed_group_norm(
    x: Tensor<4>,
    gamma: Tensor<1>,
    beta: Tensor<1>,
    spec: GroupNormSpec,
) -> Tensor<4> {
    let [nb, c, h, w] = x.dims();
    let (g, n) = (spec.groups, spec.frames.max(1));
    // (n, B, G, C/G·H·W): the statistics reduce axis 3, and axis 0 too when pooled.
    let grouped = x.reshape([n, nb / n, g, c / g * h * w]);
    let stat = |t: Tensor<4>| {
        // Every frame holds the same count, so the mean of per-frame means is the mean.
        if spec.pooled {
            t.mean_dim(3).mean_dim(0)
        } else {
            t.mean_dim(3)
        }
    };
    let centered = grouped.clone() - stat(grouped);
    let var = stat(centered.clone().square());
    let normed = (centered / var.add_scalar(spec.eps).sqrt()).reshape([nb, c, h, w]);
    normed * gamma.reshape([1, c, 1, 1]) + beta.reshape([1, c, 1, 1])
}

/// `norm(a + b)` for `a`, `b` `[..., s]`, with the LayerNorm's `eps` (burn's `LayerNorm`
/// does not expose it; the caller built the layer and knows it).
pub fn residual_layer_norm<const D: usize>(
    a: Tensor<D>,
    b: Tensor<D>,
    norm: &LayerNorm,
    eps: f64,
) -> Tensor<D> {
    match &norm.beta {
        Some(beta) if fused(&a.device(), a.dtype()) => {
            let out = <Dispatch as KernelOps>::residual_layer_norm(
                a.into_dispatch(),
                b.into_dispatch(),
                norm.gamma.val().into_dispatch(),
                beta.val().into_dispatch(),
                eps,
            );
            Tensor::from_dispatch(out)
        }
        _ => norm.forward(a + b),
    }
}
