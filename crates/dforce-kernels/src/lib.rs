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
//!
//! Each kernel's gradients are tested against burn's composed ops (`tests/gradients.rs`), and
//! the networks' parity suites against the reference run through them.

pub mod autodiff;
pub mod cpu;
pub mod extension;

use burn::backend::{DType, Dispatch, DispatchDevice};
use burn::nn::conv::Conv2d;
use burn::nn::{LayerNorm, Linear, PaddingConfig2d};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::{Bool, Device, Tensor};

use extension::KernelOps;

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

/// Multiply-adds per image below which an inference convolution keeps burn's direct kernel:
/// on the shipped small video model (32², 16–64 channels) burn's conv sampled faster, while the
/// GEMM form wins on 128² Minecraft shapes and in every backward pass.
const CONV_GEMM_MIN_MACS: usize = 1 << 24;

/// `conv(x)` for `x` `[N, C, H, W]`. Stride-1 convolutions with an odd square kernel, padding
/// `k / 2` on every side, no dilation or groups and a bias (every stride-1 conv of the video
/// Unet3D) run the fused kernel ([`cpu::conv`]) when gradients may flow or the convolution is
/// large (see `CONV_GEMM_MIN_MACS`); any other configuration runs burn's `Conv2d`.
pub fn conv2d(x: Tensor<4>, conv: &Conv2d) -> Tensor<4> {
    let [o, c, kh, kw] = conv.weight.dims();
    let [_, _, h, w] = x.dims();
    let autodiff = matches!(x.device().as_dispatch(), DispatchDevice::Autodiff(_));
    let large = o * c * h * w * kh * kw >= CONV_GEMM_MIN_MACS;
    let p = kh / 2;
    let same = kh == kw
        && kh % 2 == 1
        && conv.stride == [1, 1]
        && conv.dilation == [1, 1]
        && conv.groups == 1
        && conv.padding == PaddingConfig2d::Explicit(p, p, p, p);
    match &conv.bias {
        Some(bias)
            if same
                && (autodiff || large)
                && fused(&x.device(), x.dtype())
                && bias.dims() == [o] =>
        {
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
