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
        if let Some(y) = self.block.forward_pixels_fused(x.clone()) {
            return y;
        }
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
        let [nb, c, h, w] = x.dims();
        let device = x.device();
        let rotary = if self.time_pos.is_none() {
            window.rotary.as_ref()
        } else {
            None
        };
        // Without a key/value cache the fused kernel runs the block in this layout.
        if window.kv.is_none()
            && window.offset == 0
            && dforce_kernels::fused_inference(&device, x.dtype())
        {
            let n = window.frames;
            let input = match self.frame_embedding(window) {
                // (1, n, C) → (n, 1, C, 1): one value per frame and channel.
                Some(emb) => (x.clone().reshape([n, nb / n, c, h * w]) + emb.reshape([n, 1, c, 1]))
                    .reshape([nb, c, h, w]),
                None => x.clone(),
            };
            let causal = window.causal_mask.is_some();
            if let Some(y) = self.block.forward_frames_fused(input, rotary, n, causal) {
                return y;
            }
        }
        let mut t = window.to_temporal(x); // (B·H·W, n, C)
        if let Some(emb) = self.frame_embedding(window) {
            // (1, n, C), broadcast over the B·H·W sequences.
            t = t + emb;
        }
        let y = self
            .block
            .forward(t, rotary, window.causal_mask.as_ref(), window.kv);
        window.from_temporal(y, h, w)
    }

    /// The sinusoidal blocks' `time_pos(Timesteps(C)(offset..offset + n))`, `(1, n, C)`; `None`
    /// for rotary blocks.
    fn frame_embedding(&self, window: &Window) -> Option<Tensor<3>> {
        let time_pos = self.time_pos.as_ref()?;
        let device = time_pos.linear_1.weight.device();
        let (start, end) = (window.offset, window.offset + window.frames);
        let positions: Tensor<2, Int> =
            Tensor::arange(start as i64..end as i64, &device).unsqueeze_dim(0);
        Some(time_pos.forward(timestep_features(positions, self.channels, &device)))
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

#[cfg(test)]
mod tests {
    use burn::tensor::{Distribution, Tensor};

    use super::*;
    use crate::transformer::causal_mask_after;
    use crate::unet3d::config::FrameNorm;

    /// The fused linear-attention kernel against the composed `(n·B, H·W, C)` block.
    #[test]
    fn fused_spatial_linear_attention_equals_the_composed_block() {
        let device = Device::flex();
        let (nb, c, h, w) = (6, 12, 5, 7);
        let block = SpatialAttention::new(c, 3, 4, true, &device);
        let x = Tensor::<4>::random([nb, c, h, w], Distribution::Normal(0.5, 2.0), &device);
        let fused = block.forward(x.clone());
        let y = block.block.forward(Window::to_spatial(x), None, None, None);
        let composed = Window::from_spatial(y, h, w);
        let diff: f32 = (fused - composed.clone()).abs().max().into_scalar();
        let scale: f32 = composed.abs().max().into_scalar();
        assert!(diff <= 2e-6 * scale.max(1.0), "max abs difference {diff}");
    }

    /// The fused kernel (taken on the plain CPU device) against the composed path it replaces:
    /// the `(B·H·W, n, C)` sequences through [`AttentionBlock::forward`], plus the sinusoidal
    /// frame embedding where the block has one.
    #[test]
    fn fused_temporal_attention_equals_the_composed_block() {
        let device = Device::flex();
        let (n, b, c, h, w, heads) = (5, 2, 12, 3, 4, 3);
        // An odd head width is valid without rotary positions.
        for (sinusoidal, causal, dim_head) in [
            (false, true, 4),
            (false, false, 4),
            (true, true, 4),
            (true, false, 3),
        ] {
            let block = TemporalAttention::new(c, heads, dim_head, sinusoidal, &device);
            let x = Tensor::<4>::random([n * b, c, h, w], Distribution::Normal(0.5, 2.0), &device);
            let window = Window {
                frames: n,
                batch: b,
                norm: FrameNorm::PerFrame,
                offset: 0,
                rotary: (!sinusoidal).then(|| RotaryEmbedding::new(dim_head).tables(n, &device)),
                causal_mask: causal.then(|| causal_mask_after(0, n, &device)),
                kv: None,
            };
            let fused = block.forward(x.clone(), &window);
            let mut t = window.to_temporal(x);
            if let Some(time_pos) = &block.time_pos {
                let positions: Tensor<2, Int> =
                    Tensor::arange(0..n as i64, &device).unsqueeze_dim(0);
                t = t + time_pos.forward(timestep_features(positions, c, &device));
            }
            let y =
                block
                    .block
                    .forward(t, window.rotary.as_ref(), window.causal_mask.as_ref(), None);
            let composed = window.from_temporal(y, h, w);
            let diff: f32 = (fused - composed.clone()).abs().max().into_scalar();
            let scale: f32 = composed.abs().max().into_scalar();
            assert!(
                diff <= 2e-6 * scale.max(1.0),
                "sinusoidal={sinusoidal} causal={causal} dim_head={dim_head}: max abs difference {diff}"
            );
        }
    }
}
