//! The video Unet3D's temporal attention block, `x + to_out(attention(to_qkv(LayerNorm(x))))`
//! across the frames of every pixel (the reference's `TemporalAttentionBlock` with rotary
//! positions, `unet3d.py`), computed in the network's own `[n·B, C, H·W]` layout, for inference.
//!
//! The composed version permutes the activations to `(B·H·W, n, C)` and back, and splits,
//! rotates and merges heads through more copies. Here every step works on `[channels, pixels]`
//! planes of one frame: the LayerNorm reduces over channels for a vector of pixels at a time,
//! both projections are GEMMs of the weight with the frame's `[C, H·W]` plane, and the
//! attention of the `n` frames runs for a tile of pixels at once, vectorised over the pixels.

use rayon::prelude::*;

use super::plane_attention::{BlockWeights, Planes, add_projection, normed_qkv};
use super::simd;

/// Pixels per attention tile (scores `n × n × TILE` stay in cache).
const TILE: usize = simd::SOFTMAX_TILE;

/// Shape of one temporal attention block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TemporalShape {
    /// Frames `n` of each clip.
    pub frames: usize,
    /// Clips `B`.
    pub batch: usize,
    pub channels: usize,
    /// `H·W`.
    pub plane: usize,
    pub heads: usize,
    pub dim_head: usize,
    /// Frame `i` attends to frames `0..=i` only.
    pub causal: bool,
}

impl TemporalShape {
    fn rows(&self) -> usize {
        self.frames * self.batch
    }
    fn inner(&self) -> usize {
        self.heads * self.dim_head
    }
}

/// `x + attention block(x)` for `x` `[n·B, C, H·W]` (frame-major rows) → the same shape, with
/// `rotary` the window's tables `[n, dim_head]` each: `cos(p·f_j)` at channels `2j, 2j+1`, and
/// `(−sin, +sin)` there (the pair rotation's signs folded in).
///
/// # Panics
/// When a slice length does not match `shape` (the crate-root wrapper passes tensor dims).
pub fn forward(
    x: &[f32],
    w: BlockWeights<'_>,
    rotary: Option<(&[f32], &[f32])>,
    sh: TemporalShape,
) -> Vec<f32> {
    let (p, inner, dh) = (sh.plane, sh.inner(), sh.dim_head);
    let planes = Planes {
        rows: sh.rows(),
        channels: sh.channels,
        plane: p,
        inner,
    };
    assert!(
        w.fits(x.len(), planes)
            && rotary.is_none_or(|(cs, sn)| {
                dh % 2 == 0 && cs.len() == sh.frames * dh && sn.len() == cs.len()
            }),
        "temporal attention shape {sh:?} does not match its inputs"
    );
    let mut qkv = normed_qkv(x, w, planes);
    // Rotary positions on q and k.
    if let Some((cos, sin)) = rotary {
        qkv.par_chunks_mut(3 * inner * p)
            .enumerate()
            .for_each(|(row, planes)| {
                let f = row / sh.batch;
                let (cos, sin) = (&cos[f * dh..][..dh], &sin[f * dh..][..dh]);
                // q and k: the first 2·inner channels; pairs never straddle a head.
                for (m, pair) in planes[..2 * inner * p].chunks_exact_mut(2 * p).enumerate() {
                    let j = (2 * m) % dh;
                    let (a, b) = pair.split_at_mut(p);
                    simd::rotate_pair(a, b, cos[j], sin[j + 1]);
                }
            });
    }
    // Attention across frames, per (clip, head), tile by tile over the pixels. Output
    //    `[B, heads, n, dim_head, H·W]`, one contiguous block per task.
    let n = sh.frames;
    let scale = (dh as f32).powf(-0.5);
    let mut attended = vec![0.0f32; sh.batch * sh.heads * n * dh * p];
    attended
        .par_chunks_mut(n * dh * p)
        .enumerate()
        .for_each(|(task, out)| {
            let (b, h) = (task / sh.heads, task % sh.heads);
            let plane = |f: usize, part: usize, d: usize| {
                let row = f * sh.batch + b;
                (row * 3 * inner + part * inner + h * dh + d) * p
            };
            let mut scores = vec![0.0f32; n * n * TILE];
            for t0 in (0..p).step_by(TILE) {
                let t = TILE.min(p - t0);
                for i in 0..n {
                    let keys = if sh.causal { i + 1 } else { n };
                    for j in 0..keys {
                        let s = &mut scores[(i * n + j) * TILE..][..t];
                        s.fill(0.0);
                        for d in 0..dh {
                            let q = &qkv[plane(i, 0, d) + t0..][..t];
                            let k = &qkv[plane(j, 1, d) + t0..][..t];
                            simd::mul_add_into(s, q, k);
                        }
                    }
                    simd::softmax_columns(&mut scores[i * n * TILE..][..keys * TILE], t, scale);
                    for d in 0..dh {
                        let o = &mut out[(i * dh + d) * p + t0..][..t];
                        o.fill(0.0);
                        for j in 0..keys {
                            let v = &qkv[plane(j, 2, d) + t0..][..t];
                            simd::mul_add_into(o, &scores[(i * n + j) * TILE..][..t], v);
                        }
                    }
                }
            }
        });
    drop(qkv);
    add_projection(x, w, planes, sh.heads, |row, h| {
        let (f, b) = (row / sh.batch, row % sh.batch);
        &attended[((b * sh.heads + h) * n + f) * dh * p..][..dh * p]
    })
}
