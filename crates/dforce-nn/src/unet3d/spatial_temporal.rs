//! Attention across the pixels of each frame (spatial) and across the frames of each pixel
//! (temporal), with the reference's module nesting in their state_dict names.

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor};

use super::attention::AttentionBlock;
use super::rotary::RotaryEmbedding;
use super::timestep::{TimestepEmbedding, timestep_features};
use super::window::Window;
use crate::params::ParamVisitor;

/// `SpatialAttentionBlock`: an [`AttentionBlock`] over the `H·W` pixels of every frame, with
/// no positional encoding of any kind. Keys `{prefix}wrapper.module.{norm,attn}.*`.
#[derive(Module, Debug)]
pub struct SpatialAttention {
    pub block: AttentionBlock,
}

impl SpatialAttention {
    pub fn new(c: usize, heads: usize, dim_head: usize, linear: bool, device: &Device) -> Self {
        Self {
            block: AttentionBlock::new(c, heads, dim_head, linear, device),
        }
    }

    /// `x`: `(n·B, C, H, W)` → same.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [_, _, h, w] = x.dims();
        let y = self.block.forward(Window::to_spatial(x), None, None, None);
        Window::from_spatial(y, h, w)
    }

    pub fn visit_params(&mut self, v: &mut impl ParamVisitor, prefix: &str) {
        self.block
            .visit_params(v, &format!("{prefix}wrapper.module."));
    }
}

/// `TemporalAttentionBlock`: a full-attention [`AttentionBlock`] over the n frames of every
/// pixel, causal iff the network is. Frame positions enter either through the shared rotary
/// embedding (the window's tables) or, for the sinusoidal type, through `time_pos` — a
/// `TimestepEmbedding(C → 4C → C)` of `Timesteps(C)(0..n)` added before the block.
/// Keys `{prefix}wrapper.module.attn_block.*` and `{prefix}wrapper.module.time_pos_embedding.1.*`.
#[derive(Module, Debug)]
pub struct TemporalAttention {
    pub block: AttentionBlock,
    pub time_pos: Option<TimestepEmbedding>,
    channels: usize,
}

impl TemporalAttention {
    pub fn new(c: usize, heads: usize, dim_head: usize, sinusoidal: bool, device: &Device) -> Self {
        Self {
            block: AttentionBlock::new(c, heads, dim_head, false, device),
            time_pos: sinusoidal.then(|| TimestepEmbedding::new(c, 4 * c, c, device)),
            channels: c,
        }
    }

    /// `x`: `(n·B, C, H, W)` → same.
    pub fn forward(&self, x: Tensor<4>, window: &Window) -> Tensor<4> {
        let [_, _, h, w] = x.dims();
        let device = x.device();
        let mut t = window.to_temporal(x); // (B·H·W, n, C)
        if let Some(time_pos) = &self.time_pos {
            let (start, end) = (window.offset, window.offset + window.frames);
            let positions: Tensor<2, Int> =
                Tensor::arange(start as i64..end as i64, &device).unsqueeze_dim(0);
            // (1, n, C), broadcast over the B·H·W sequences.
            t = t + time_pos.forward(timestep_features(positions, self.channels, &device));
        }
        let rotary = if self.time_pos.is_none() {
            window.rotary.as_ref()
        } else {
            None
        };
        let y = self
            .block
            .forward(t, rotary, window.causal_mask.as_ref(), window.kv);
        window.from_temporal(y, h, w)
    }

    /// Loads the block (and its time embedding); with `rotary`, checks this block's saved copy
    /// of the shared frequencies.
    pub fn visit_params(
        &mut self,
        v: &mut impl ParamVisitor,
        prefix: &str,
        rotary: Option<&RotaryEmbedding>,
    ) {
        let inner = format!("{prefix}wrapper.module.");
        self.block.visit_params(v, &format!("{inner}attn_block."));
        if let Some(time_pos) = self.time_pos.as_mut() {
            time_pos.visit_params(v, &format!("{inner}time_pos_embedding.1."));
        }
        if let Some(r) = rotary {
            r.check_copy(v, &format!("{inner}attn_block.attn.rotary_emb.freqs"));
        }
    }
}
