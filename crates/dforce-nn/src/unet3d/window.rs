//! The window one forward call works on, and the moves between its three layouts.
//!
//! Activations travel as `(n·B, C, H, W)` with frame-major rows (row `t·B + b`). That is the
//! memory of the time-major `(n, B, C, H, W)` input as it is, so entering and leaving the
//! network costs no permute; the reference's `(1, 3, 3)` Conv3d kernels touch one frame at a
//! time, so they run as plain 2-D convolutions on those rows; and the per-frame embedding
//! `(n, B, ·)` lines up with the rows through a reshape alone. Only the attentions need other
//! layouts, and each costs one permute in and one out.

use burn::tensor::{Bool, Tensor};

use super::config::FrameNorm;
use super::rotary::RotaryTables;
use crate::kv_cache::KvCache;

/// What every block needs to know about the current window besides its activations. Built
/// once per forward call, so per-window tables (rotary angles, the causal mask) are shared by
/// every temporal attention instead of being rebuilt in each.
#[derive(Debug, Clone)]
pub struct Window<'a> {
    /// Frames (tokens) n.
    pub frames: usize,
    /// Batch size B.
    pub batch: usize,
    /// Which values GroupNorm pools its statistics over.
    pub norm: FrameNorm,
    /// Position of the first frame: 0, or the cached prefix's length in an extend pass.
    pub offset: usize,
    /// cos / sin tables of the positions `offset..offset + n`, when the temporal embedding is
    /// rotary.
    pub rotary: Option<RotaryTables>,
    /// `(n, offset + n)`, true where a query frame must not see a key frame (later frames).
    pub causal_mask: Option<Tensor<2, Bool>>,
    /// The frozen prefix's keys/values of every temporal attention (context caching).
    pub kv: Option<&'a KvCache>,
}

impl Window<'_> {
    /// `(n·B, C, H, W)` → `(n·B, H·W, C)`: one sequence of pixels per frame.
    pub fn to_spatial(x: Tensor<4>) -> Tensor<3> {
        let [nb, c, h, w] = x.dims();
        x.reshape([nb, c, h * w]).swap_dims(1, 2)
    }

    /// Inverse of [`Window::to_spatial`] for frames of `h × w` pixels.
    pub fn from_spatial(x: Tensor<3>, h: usize, w: usize) -> Tensor<4> {
        let [nb, _, c] = x.dims();
        x.swap_dims(1, 2).reshape([nb, c, h, w])
    }

    /// `(n·B, C, H, W)` → `(B·H·W, n, C)`: one sequence of frames per pixel.
    pub fn to_temporal(&self, x: Tensor<4>) -> Tensor<3> {
        let [_, c, h, w] = x.dims();
        let (n, b) = (self.frames, self.batch);
        x.reshape([n, b, c, h * w])
            .permute([1, 3, 0, 2])
            .reshape([b * h * w, n, c])
    }

    /// Inverse of [`Window::to_temporal`] for frames of `h × w` pixels.
    pub fn from_temporal(&self, x: Tensor<3>, h: usize, w: usize) -> Tensor<4> {
        let [_, _, c] = x.dims();
        let (n, b) = (self.frames, self.batch);
        x.reshape([b, h * w, n, c])
            .permute([2, 0, 3, 1])
            .reshape([n * b, c, h, w])
    }
}
