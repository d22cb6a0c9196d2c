//! The video Unet3D's spatial *linear* attention block (the reference's `LinearAttention` in a
//! pre-norm residual block, `unet3d.py`) over the pixels of every frame, computed in the
//! network's own `[n·B, C, H·W]` layout, for inference.
//!
//! Per frame and head, with `q`, `k`, `v` its `[d, H·W]` planes: `q` softmaxed over its `d`
//! channels (for each pixel) and scaled by `1/√d`, `k` softmaxed over the pixels (for each
//! channel), `context = k · vᵀ` `[d, d]`, `out = contextᵀ · q` `[d, H·W]`: two small GEMMs, and
//! no permute of the activations.

use rayon::prelude::*;

use super::gemm::{MatRef, matmul_serial};
use super::plane_attention::{BlockWeights, Planes, add_projection, normed_qkv};
use super::simd;

/// Shape of one spatial linear attention block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinearShape {
    /// Frames `n·B`.
    pub rows: usize,
    pub channels: usize,
    /// `H·W`.
    pub plane: usize,
    pub heads: usize,
    pub dim_head: usize,
}

/// `x + linear attention block(x)` for `x` `[n·B, C, H·W]` → the same shape.
///
/// # Panics
/// When a slice length does not match `shape` (the crate-root wrapper passes tensor dims).
pub fn forward(x: &[f32], w: BlockWeights<'_>, sh: LinearShape) -> Vec<f32> {
    let (p, dh) = (sh.plane, sh.dim_head);
    let inner = sh.heads * dh;
    let planes = Planes {
        rows: sh.rows,
        channels: sh.channels,
        plane: p,
        inner,
    };
    assert!(
        w.fits(x.len(), planes) && p > 0,
        "linear attention shape {sh:?} does not match its inputs"
    );
    let qkv = normed_qkv(x, w, planes);
    let scale = (dh as f32).powf(-0.5);
    // Output `[rows, heads, d, P]`: one contiguous block per (frame, head) task.
    let mut attended = vec![0.0f32; sh.rows * inner * p];
    attended
        .par_chunks_mut(dh * p)
        .enumerate()
        .for_each(|(task, out)| {
            let (row, h) = (task / sh.heads, task % sh.heads);
            let part = |i: usize| &qkv[(row * 3 * inner + i * inner + h * dh) * p..][..dh * p];
            let mut q = part(0).to_vec();
            softmax_over_channels(&mut q, dh, p, scale);
            let mut k = part(1).to_vec();
            for plane in k.chunks_exact_mut(p) {
                simd::softmax_in_place(plane);
            }
            // context[d, e] = Σ_p k[d, p]·v[e, p]
            let mut context = vec![0.0f32; dh * dh];
            let (lhs, rhs) = (MatRef::row_major(&k, p), MatRef::transposed(part(2), p));
            matmul_serial(&mut context, dh, dh, dh, p, lhs, rhs, false);
            // out[e, p] = Σ_d context[d, e]·q[d, p]
            let (lhs, rhs) = (MatRef::transposed(&context, dh), MatRef::row_major(&q, p));
            matmul_serial(out, p, dh, p, dh, lhs, rhs, false);
        });
    drop(qkv);
    add_projection(x, w, planes, sh.heads, |row, h| {
        &attended[(row * inner + h * dh) * p..][..dh * p]
    })
}

/// Softmax over the `d` rows of `planes` `[d, p]` for each column, times `scale`.
fn softmax_over_channels(planes: &mut [f32], d: usize, p: usize, scale: f32) {
    let mut max = vec![f32::NEG_INFINITY; p];
    for row in planes.chunks_exact(p) {
        simd::max_into(&mut max, row);
    }
    let mut sum = vec![0.0f32; p];
    for row in planes.chunks_exact_mut(p) {
        simd::exp_shifted_into(row, &max, &mut sum);
    }
    // Each value becomes `e / Σ · scale`, as softmax then scaling.
    for row in planes.chunks_exact_mut(p).take(d) {
        simd::divide_scale(row, &sum, scale);
    }
}
