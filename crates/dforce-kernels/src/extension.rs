//! The backend extension: the fused operations as burn backend methods, implemented for burn's
//! CPU backend (`Flex`) by the slice kernels in [`crate::cpu`], and for `Autodiff<Flex>` in
//! [`crate::autodiff`] with handwritten backward passes.

use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Flex, backend_extension};
use burn::tensor::{Shape, TensorData};

use crate::cpu::plane_attention::BlockWeights;
use crate::cpu::{
    attention, conv, group_norm, layer_norm, linear, linear_attention, temporal_attention,
};

/// Fused operations (f32 only; the wrappers in the crate root check dtype and device first).
#[backend_extension(Flex, Autodiff)]
pub trait KernelOps: Backend {
    /// `relu?(x · weight + bias)`: `x` `[..., k]`, `weight` `[k, n]`, `bias` `[n]` → `[..., n]`.
    fn fused_linear(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        relu: bool,
    ) -> FloatTensor<Self>;

    /// Multi-head attention from a packed projection: `qkv` `[n, B, 3·s]` → `[n, B, s]`.
    fn packed_attention(qkv: FloatTensor<Self>, heads: usize, causal: bool) -> FloatTensor<Self>;

    /// Stride-1 convolution with padding `k / 2`: `x` `[N, C, H, W]`, `weight` `[O, C, k, k]`
    /// (k odd), `bias` `[O]` → `[N, O, H, W]`.
    fn conv2d_same(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self>;

    /// `LayerNorm(a + b)·gamma + beta` over the last dimension: `a`, `b` `[..., s]`.
    fn residual_layer_norm(
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        eps: f64,
    ) -> FloatTensor<Self>;

    /// `SiLU((GroupNorm(x)·gamma + beta)·(1 + scale) + shift)` with `film` `[n·B, 2·C]`
    /// (scale | shift per row; zeros for a plain `SiLU(GroupNorm(x))`): `x` `[n·B, C, H, W]`
    /// frame-major, statistics per frame or pooled over each clip's frames (`shape`).
    fn group_norm_silu(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        film: FloatTensor<Self>,
        shape: group_norm::GroupNormShape,
        eps: f64,
    ) -> FloatTensor<Self>;
}

/// Inference-only fused operations: burn's CPU backend without autodiff (the crate-root
/// wrappers check the device; an autodiff device never reaches them).
#[backend_extension(Flex)]
pub trait InferenceOps: Backend {
    /// The video Unet3D's temporal attention block on frame-major `x` `[n·B, C, H, W]`:
    /// `x + to_out(attention over frames(to_qkv(LayerNorm(x))))`, with rotary tables `cos`,
    /// `sin_signed` `[n, dim_head]` when `rotary` (ignored otherwise). `norm` = LayerNorm γ, β `[C]`;
    /// `qkv` `[C, 3·inner]`; `out` `[inner, C]`; `out_bias` `[C]`.
    #[allow(clippy::too_many_arguments)]
    fn temporal_attention(
        x: FloatTensor<Self>,
        norm_gamma: FloatTensor<Self>,
        norm_beta: FloatTensor<Self>,
        qkv: FloatTensor<Self>,
        out: FloatTensor<Self>,
        out_bias: FloatTensor<Self>,
        cos: FloatTensor<Self>,
        sin_signed: FloatTensor<Self>,
        rotary: bool,
        shape: temporal_attention::TemporalShape,
        norm_eps: f64,
    ) -> FloatTensor<Self>;

    /// The video Unet3D's spatial linear attention block on frame-major `x` `[n·B, C, H, W]`:
    /// `x + to_out(linear attention over pixels(to_qkv(LayerNorm(x))))`; weights as in
    /// [`InferenceOps::temporal_attention`].
    #[allow(clippy::too_many_arguments)]
    fn linear_attention(
        x: FloatTensor<Self>,
        norm_gamma: FloatTensor<Self>,
        norm_beta: FloatTensor<Self>,
        qkv: FloatTensor<Self>,
        out: FloatTensor<Self>,
        out_bias: FloatTensor<Self>,
        shape: linear_attention::LinearShape,
        norm_eps: f64,
    ) -> FloatTensor<Self>;
}

/// The block weights of contiguous f32 tensors.
fn block_weights<'a>([g, b, qkv, out, ob]: &'a [FlexTensor; 5], norm_eps: f64) -> BlockWeights<'a> {
    BlockWeights {
        norm_gamma: values(g),
        norm_beta: values(b),
        norm_eps: norm_eps as f32,
        qkv: values(qkv),
        out: values(out),
        out_bias: values(ob),
    }
}

impl InferenceOps for Flex {
    fn temporal_attention(
        x: FlexTensor,
        norm_gamma: FlexTensor,
        norm_beta: FlexTensor,
        qkv: FlexTensor,
        out: FlexTensor,
        out_bias: FlexTensor,
        cos: FlexTensor,
        sin_signed: FlexTensor,
        rotary: bool,
        shape: temporal_attention::TemporalShape,
        norm_eps: f64,
    ) -> FlexTensor {
        let [x, cos, sin] = [x, cos, sin_signed].map(contiguous);
        let block = [norm_gamma, norm_beta, qkv, out, out_bias].map(contiguous);
        let weights = block_weights(&block, norm_eps);
        let rotary = rotary.then(|| (values(&cos), values(&sin)));
        let y = temporal_attention::forward(values(&x), weights, rotary, shape);
        tensor(y, dims(&x))
    }

    fn linear_attention(
        x: FlexTensor,
        norm_gamma: FlexTensor,
        norm_beta: FlexTensor,
        qkv: FlexTensor,
        out: FlexTensor,
        out_bias: FlexTensor,
        shape: linear_attention::LinearShape,
        norm_eps: f64,
    ) -> FlexTensor {
        let x = contiguous(x);
        let block = [norm_gamma, norm_beta, qkv, out, out_bias].map(contiguous);
        let y = linear_attention::forward(values(&x), block_weights(&block, norm_eps), shape);
        tensor(y, dims(&x))
    }
}

/// A contiguous copy when the tensor is a strided view, else the tensor itself.
pub(crate) fn contiguous(t: FlexTensor) -> FlexTensor {
    if t.is_contiguous() {
        t
    } else {
        t.to_contiguous()
    }
}

/// The f32 elements of a contiguous tensor, in order.
///
/// # Panics
/// When the tensor is not f32 or not contiguous: the crate-root wrappers only send f32 tensors,
/// and every caller passes it through [`contiguous`] first.
pub(crate) fn values(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>()
        .expect("dforce-kernels: f32 contiguous tensor")
}

/// Dimensions of a tensor.
pub(crate) fn dims(t: &FlexTensor) -> Vec<usize> {
    let shape = t.layout().shape();
    (0..shape.num_dims()).map(|i| shape[i]).collect()
}

/// A new contiguous f32 tensor (no copy of `data`).
pub(crate) fn tensor(data: Vec<f32>, dims: Vec<usize>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(data, Shape::from(dims)))
}

/// `dims` with the last dimension replaced by `last`.
pub(crate) fn with_last(dims: &[usize], last: usize) -> Vec<usize> {
    let mut d = dims.to_vec();
    if let Some(l) = d.last_mut() {
        *l = last;
    }
    d
}

impl KernelOps for Flex {
    fn fused_linear(x: FlexTensor, weight: FlexTensor, bias: FlexTensor, relu: bool) -> FlexTensor {
        let (x, weight, bias) = (contiguous(x), contiguous(weight), contiguous(bias));
        let xd = dims(&x);
        let wd = dims(&weight);
        let (k, n) = (wd[0], wd[1]);
        let m = values(&x).len() / k.max(1);
        let out = linear::forward(
            values(&x),
            values(&weight),
            Some(values(&bias)),
            m,
            k,
            n,
            relu,
        );
        tensor(out, with_last(&xd, n))
    }

    fn packed_attention(qkv: FlexTensor, heads: usize, causal: bool) -> FlexTensor {
        let qkv = contiguous(qkv);
        let d = dims(&qkv);
        let shape = attention_shape(&d, heads, causal);
        let out = attention::forward(values(&qkv), shape);
        tensor(out.output, vec![d[0], d[1], shape.width])
    }

    fn conv2d_same(x: FlexTensor, weight: FlexTensor, bias: FlexTensor) -> FlexTensor {
        let (x, weight, bias) = (contiguous(x), contiguous(weight), contiguous(bias));
        let shape = conv_shape(&dims(&x), &dims(&weight));
        let out = conv::forward(values(&x), values(&weight), values(&bias), shape);
        tensor(out, conv_out_dims(&shape))
    }

    fn residual_layer_norm(
        a: FlexTensor,
        b: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        eps: f64,
    ) -> FlexTensor {
        let (a, b) = (contiguous(a), contiguous(b));
        let (gamma, beta) = (contiguous(gamma), contiguous(beta));
        let d = dims(&a);
        let s = d.last().copied().unwrap_or(1);
        let out = layer_norm::forward(
            values(&a),
            Some(values(&b)),
            values(&gamma),
            values(&beta),
            s,
            eps as f32,
        );
        tensor(out.output, d)
    }

    fn group_norm_silu(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        film: FlexTensor,
        shape: group_norm::GroupNormShape,
        eps: f64,
    ) -> FlexTensor {
        let (x, gamma, beta) = (contiguous(x), contiguous(gamma), contiguous(beta));
        let film = contiguous(film);
        let d = dims(&x);
        let out = group_norm::forward_silu(
            values(&x),
            values(&gamma),
            values(&beta),
            Some(values(&film)),
            shape,
            eps as f32,
        );
        tensor(out.output, d)
    }
}

/// The attention shape of a packed `[n, B, 3·s]` input.
pub(crate) fn attention_shape(
    d: &[usize],
    heads: usize,
    causal: bool,
) -> attention::AttentionShape {
    attention::AttentionShape {
        tokens: d[0],
        batch: d[1],
        width: d[2] / 3,
        heads,
        causal,
    }
}

/// The convolution shape of `x` `[N, C, H, W]` and `weight` `[O, C, k, k]`.
pub(crate) fn conv_shape(x: &[usize], weight: &[usize]) -> conv::ConvShape {
    conv::ConvShape {
        images: x[0],
        in_channels: x[1],
        out_channels: weight[0],
        height: x[2],
        width: x[3],
        kernel: weight[2],
    }
}

/// `[N, O, H, W]`.
pub(crate) fn conv_out_dims(sh: &conv::ConvShape) -> Vec<usize> {
    vec![sh.images, sh.out_channels, sh.height, sh.width]
}
