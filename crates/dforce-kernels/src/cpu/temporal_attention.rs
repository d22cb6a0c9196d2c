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

use super::gemm::{MatRef, matmul};
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

/// The block's parameters, in burn's layouts.
#[derive(Clone, Copy, Debug)]
pub struct TemporalWeights<'a> {
    /// LayerNorm over channels: `[C]` each, and its ε.
    pub norm_gamma: &'a [f32],
    pub norm_beta: &'a [f32],
    pub norm_eps: f32,
    /// `to_qkv`: `[C, 3·inner]` (burn's `Linear`), no bias.
    pub qkv: &'a [f32],
    /// `to_out`: `[inner, C]` and its bias `[C]`.
    pub out: &'a [f32],
    pub out_bias: &'a [f32],
    /// Rotary tables of the window's frames, `[n, dim_head]` each: `cos(p·f_j)` at channels
    /// `2j, 2j+1`, and `(−sin, +sin)` there (the pair rotation's signs folded in).
    pub rotary: Option<(&'a [f32], &'a [f32])>,
}

/// `x + attention block(x)` for `x` `[n·B, C, H·W]` (frame-major rows) → the same shape.
///
/// # Panics
/// When a slice length does not match `shape` (the crate-root wrapper passes tensor dims).
pub fn forward(x: &[f32], w: TemporalWeights<'_>, sh: TemporalShape) -> Vec<f32> {
    let (c, p, inner, dh) = (sh.channels, sh.plane, sh.inner(), sh.dim_head);
    assert!(
        x.len() == sh.rows() * c * p
            && w.norm_gamma.len() == c
            && w.norm_beta.len() == c
            && w.qkv.len() == c * 3 * inner
            && w.out.len() == inner * c
            && w.out_bias.len() == c
            && dh % 2 == 0
            && w.rotary
                .is_none_or(|(cs, sn)| cs.len() == sh.frames * dh && sn.len() == cs.len()),
        "temporal attention shape {sh:?} does not match its inputs"
    );
    // 1. LayerNorm over channels, per (frame, pixel).
    let mut normed = vec![0.0f32; x.len()];
    normed
        .par_chunks_mut(c * p)
        .zip(x.par_chunks(c * p))
        .for_each(|(out, row)| layer_norm_channels(row, out, w, c, p));
    // 2. q | k | v of every frame: [3·inner, C] · [C, H·W].
    let mut qkv = vec![0.0f32; sh.rows() * 3 * inner * p];
    for (out, xn) in qkv.chunks_mut(3 * inner * p).zip(normed.chunks(c * p)) {
        let lhs = MatRef::transposed(w.qkv, 3 * inner);
        matmul(
            out,
            p,
            3 * inner,
            p,
            c,
            lhs,
            MatRef::row_major(xn, p),
            false,
        );
    }
    drop(normed);
    // 3. Rotary positions on q and k.
    if let Some((cos, sin)) = w.rotary {
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
    // 4. Attention across frames, per (clip, head), tile by tile over the pixels. Output
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
    // 5. y = x + bias + to_out(attended), one head's [C, dim_head] · [dim_head, H·W] at a time.
    let mut y = x.to_vec();
    for (row, out) in y.chunks_mut(c * p).enumerate() {
        for (ch, plane) in out.chunks_exact_mut(p).enumerate() {
            simd::add_scalar(plane, w.out_bias[ch]);
        }
        let (f, b) = (row / sh.batch, row % sh.batch);
        for h in 0..sh.heads {
            let o = &attended[(((b * sh.heads + h) * n + f) * dh) * p..][..dh * p];
            let lhs = MatRef {
                data: w.out,
                offset: h * dh * c,
                rs: 1,
                cs: c,
            };
            matmul(out, p, c, p, dh, lhs, MatRef::row_major(o, p), true);
        }
    }
    y
}

/// LayerNorm over the `c` channels of each of the `p` pixels of one frame `[c, p]`.
fn layer_norm_channels(row: &[f32], out: &mut [f32], w: TemporalWeights<'_>, c: usize, p: usize) {
    let mut mean = vec![0.0f32; TILE];
    let mut rstd = vec![0.0f32; TILE];
    for t0 in (0..p).step_by(TILE) {
        let t = TILE.min(p - t0);
        let (mean, rstd) = (&mut mean[..t], &mut rstd[..t]);
        mean.fill(0.0);
        for ch in 0..c {
            simd::add_into(mean, &row[ch * p + t0..][..t]);
        }
        simd::scale(mean, 1.0 / c as f32);
        rstd.fill(0.0);
        for ch in 0..c {
            simd::centred_square_into(rstd, &row[ch * p + t0..][..t], mean);
        }
        simd::rstd_from_sum(rstd, c as f32, w.norm_eps);
        for ch in 0..c {
            let o = &mut out[ch * p + t0..][..t];
            let xs = &row[ch * p + t0..][..t];
            simd::normalize(o, xs, mean, rstd, w.norm_gamma[ch], w.norm_beta[ch]);
        }
    }
}
