//! Multi-head attention of the U-Net: full softmax attention (optionally rotary and causal)
//! and linear attention, each inside a pre-norm residual `AttentionBlock`.

use burn::module::Module;
use burn::nn::{LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::activation::softmax;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Bool, Device, Tensor};

use super::rotary::RotaryTables;
use crate::kv_cache::KvCache;
use crate::params::ParamVisitor;
use crate::params::{visit_layer_norm, visit_linear_named};

/// `to_qkv` (no bias) → per-head attention → `to_out`. Heads are contiguous slices of the
/// inner width `heads · dim_head`, q | k | v in that order, as `chunk(3)` + `(h d)` give.
#[derive(Module, Debug)]
pub struct Attention {
    /// `[C, 3·inner]` in burn's layout (PyTorch `[3·inner, C]` transposed), no bias.
    pub to_qkv: Linear,
    /// `[inner, C]` with bias.
    pub to_out: Linear,
    heads: usize,
    dim_head: usize,
    /// Linear attention (`LinearAttention`) instead of softmax attention (`Attention`).
    linear: bool,
}

/// The attention blocks' LayerNorm ε.
const LAYER_NORM_EPS: f64 = 1e-5;

/// `x + Attention(LayerNorm(x))`, LayerNorm ε 1e-5 over channels.
#[derive(Module, Debug)]
pub struct AttentionBlock {
    pub norm: LayerNorm,
    pub attn: Attention,
}

/// Parameters of an `AttentionBlock` of width `c` and inner width `inner`.
pub fn attention_block_params(c: usize, inner: usize) -> usize {
    2 * c + c * 3 * inner + inner * c + c
}

impl AttentionBlock {
    pub fn new(c: usize, heads: usize, dim_head: usize, linear: bool, device: &Device) -> Self {
        let inner = heads * dim_head;
        Self {
            norm: LayerNormConfig::new(c)
                .with_epsilon(LAYER_NORM_EPS)
                .init(device),
            attn: Attention {
                to_qkv: LinearConfig::new(c, 3 * inner)
                    .with_bias(false)
                    .init(device),
                to_out: LinearConfig::new(inner, c).init(device),
                heads,
                dim_head,
                linear,
            },
        }
    }

    /// `x`: `(N, L, C)`, N independent sequences of length L → same. `rotary` rotates q and k
    /// over the L positions; `mask` `(L, P + L)` hides keys where true; `kv` supplies the keys
    /// and values of P earlier (cached) positions, or records this pass's. None of them applies
    /// to linear attention (the config never asks for it: the reference raises there).
    pub fn forward(
        &self,
        x: Tensor<3>,
        rotary: Option<&RotaryTables>,
        mask: Option<&Tensor<2, Bool>>,
        kv: Option<&KvCache>,
    ) -> Tensor<3> {
        let a = self
            .attn
            .forward(self.norm.forward(x.clone()), rotary, mask, kv);
        x + a
    }

    /// The block across the frames of every pixel of frame-major `x` `(n·B, C, H, W)`, in that
    /// layout, through the fused inference kernel
    /// ([`dforce_kernels::temporal_attention_block`]): the same result as
    /// [`AttentionBlock::forward`] on the `(B·H·W, n, C)` sequences with the window's rotary
    /// tables and, with `causal`, its causal mask. `None` when the kernel does not serve this
    /// device or block (linear attention, autodiff, GPU); the caller composes the block then.
    pub fn forward_frames_fused(
        &self,
        x: Tensor<4>,
        rotary: Option<&RotaryTables>,
        frames: usize,
        causal: bool,
    ) -> Option<Tensor<4>> {
        if self.attn.linear {
            return None;
        }
        dforce_kernels::temporal_attention_block(
            x,
            &self.norm,
            LAYER_NORM_EPS,
            &self.attn.to_qkv,
            &self.attn.to_out,
            rotary.map(RotaryTables::planes),
            frames,
            self.attn.heads,
            causal,
        )
    }

    /// A linear-attention block across the pixels of each frame of `x` `(n·B, C, H, W)`, in
    /// that layout, through the fused inference kernel
    /// ([`dforce_kernels::linear_attention_block`]): the same result as
    /// [`AttentionBlock::forward`] on the `(n·B, H·W, C)` sequences. `None` for softmax
    /// attention or where the kernel does not serve the device; the caller composes then.
    pub fn forward_pixels_fused(&self, x: Tensor<4>) -> Option<Tensor<4>> {
        if !self.attn.linear {
            return None;
        }
        dforce_kernels::linear_attention_block(
            x,
            &self.norm,
            LAYER_NORM_EPS,
            &self.attn.to_qkv,
            &self.attn.to_out,
            self.attn.heads,
        )
    }

    /// Loads `{prefix}norm.*`, `{prefix}attn.to_qkv.weight`, `{prefix}attn.to_out.*`.
    pub fn visit_params(&mut self, v: &mut impl ParamVisitor, prefix: &str) {
        visit_layer_norm(v, &mut self.norm, &format!("{prefix}norm"));
        v.param_transposed(
            &mut self.attn.to_qkv.weight,
            &format!("{prefix}attn.to_qkv.weight"),
        );
        visit_linear_named(
            v,
            &mut self.attn.to_out,
            &format!("{prefix}attn.to_out.weight"),
            &format!("{prefix}attn.to_out.bias"),
        );
    }
}

impl Attention {
    fn forward(
        &self,
        x: Tensor<3>,
        rotary: Option<&RotaryTables>,
        mask: Option<&Tensor<2, Bool>>,
        kv: Option<&KvCache>,
    ) -> Tensor<3> {
        let [n_seq, len, _] = x.dims();
        let (h, d) = (self.heads, self.dim_head);
        // (N, L, 3·h·d) → (3, N, h, L, d): q, k, v with heads split off.
        let qkv = self
            .to_qkv
            .forward(x)
            .reshape([n_seq, len, 3, h, d])
            .permute([2, 0, 3, 1, 4]);
        let part = |i: usize| qkv.clone().slice_dim(0, i..i + 1).squeeze_dim::<4>(0);
        let (q, k, v) = (part(0), part(1), part(2));
        let scale = (d as f64).powf(-0.5);
        let out = if self.linear {
            linear_attention(q, k, v, scale)
        } else {
            let (q, k) = match rotary {
                Some(r) => (r.apply(q), r.apply(k)),
                None => (q, k),
            };
            let (k, v) = match kv {
                Some(cache) => cache.attend(k, v),
                None => (k, v),
            };
            softmax_attention(q, k, v, scale, mask)
        };
        self.to_out
            .forward(out.swap_dims(1, 2).reshape([n_seq, len, h * d]))
    }
}

/// `softmax(q·kᵀ·scale [masked]) · v`, as PyTorch SDPA with its default scale `1/√d`.
/// q: `(N, h, L, d)`, k, v: `(N, h, S, d)`, mask `(L, S)` (true hides) → `(N, h, L, d)`.
///
/// burn's attention op: on the CPU backend without autodiff a fused kernel (naive for short
/// sequences, flash-style beyond), elsewhere (autodiff included) burn's composition of
/// matmul, mask and softmax.
fn softmax_attention(
    q: Tensor<4>,
    k: Tensor<4>,
    v: Tensor<4>,
    scale: f64,
    mask: Option<&Tensor<2, Bool>>,
) -> Tensor<4> {
    let [n, h, l, _] = q.dims();
    let s = k.dims()[2];
    let mask = mask.map(|m| m.clone().unsqueeze::<4>().expand([n, h, l, s]));
    let options = AttentionModuleOptions {
        scale: Some(scale),
        softcap: None,
        is_causal: false,
    };
    attention(q, k, v, mask, None, options)
}

/// The reference's `LinearAttention`: q softmaxed over its d channels then scaled by `1/√d`,
/// k softmaxed over the L positions, `out = q · (kᵀ · v)`; no output normalisation.
/// q, k, v: `(N, h, L, d)` → `(N, h, L, d)`.
fn linear_attention(q: Tensor<4>, k: Tensor<4>, v: Tensor<4>, scale: f64) -> Tensor<4> {
    let q = softmax(q, 3) * scale;
    let k = softmax(k, 2);
    let context = k.swap_dims(2, 3).matmul(v); // (N, h, d, e)
    q.matmul(context)
}
