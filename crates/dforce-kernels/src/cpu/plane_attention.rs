//! What the Unet3D's attention blocks share when they run in the network's own frame-major
//! `[n·B, C, H·W]` layout (see [`super::temporal_attention`], [`super::linear_attention`]):
//! the pre-norm LayerNorm over channels, the `q | k | v` projection and the output
//! projection with its bias and the residual, all on `[channels, pixels]` planes of one frame.

use rayon::prelude::*;

use super::gemm::{MatRef, matmul};
use super::simd;

/// Pixels per LayerNorm tile.
const TILE: usize = 64;

/// The parameters of a pre-norm attention block `x + to_out(attn(to_qkv(LayerNorm(x))))`, in
/// burn's layouts.
#[derive(Clone, Copy, Debug)]
pub struct BlockWeights<'a> {
    /// LayerNorm over channels: `[C]` each, and its ε.
    pub norm_gamma: &'a [f32],
    pub norm_beta: &'a [f32],
    pub norm_eps: f32,
    /// `to_qkv`: `[C, 3·inner]` (burn's `Linear`), no bias.
    pub qkv: &'a [f32],
    /// `to_out`: `[inner, C]` and its bias `[C]`.
    pub out: &'a [f32],
    pub out_bias: &'a [f32],
}

/// Frames `rows = n·B`, channels `C`, pixels `P = H·W` and the inner width `heads·dim_head`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Planes {
    pub rows: usize,
    pub channels: usize,
    pub plane: usize,
    pub inner: usize,
}

impl BlockWeights<'_> {
    /// Whether the weights and `x` fit `sh`.
    pub(crate) fn fits(&self, x: usize, sh: Planes) -> bool {
        let (c, inner) = (sh.channels, sh.inner);
        x == sh.rows * c * sh.plane
            && self.norm_gamma.len() == c
            && self.norm_beta.len() == c
            && self.qkv.len() == c * 3 * inner
            && self.out.len() == inner * c
            && self.out_bias.len() == c
    }
}

/// `q | k | v` of every frame, `[rows, 3·inner, P]`: `to_qkv` (a `[3·inner, C] · [C, P]` GEMM
/// per frame) of the frame's LayerNorm over channels.
pub(crate) fn normed_qkv(x: &[f32], w: BlockWeights<'_>, sh: Planes) -> Vec<f32> {
    let (c, p, inner) = (sh.channels, sh.plane, sh.inner);
    let mut normed = vec![0.0f32; x.len()];
    normed
        .par_chunks_mut(c * p)
        .zip(x.par_chunks(c * p))
        .for_each(|(out, row)| layer_norm_channels(row, out, w, c, p));
    let mut qkv = vec![0.0f32; sh.rows * 3 * inner * p];
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
    qkv
}

/// `x + out_bias + to_out(attended)`, with `attended(row, head)` the `[dim_head, P]` output of
/// one head in one frame; one `[C, dim_head] · [dim_head, P]` GEMM per head.
pub(crate) fn add_projection<'a>(
    x: &[f32],
    w: BlockWeights<'_>,
    sh: Planes,
    heads: usize,
    attended: impl Fn(usize, usize) -> &'a [f32],
) -> Vec<f32> {
    let (c, p) = (sh.channels, sh.plane);
    let dh = sh.inner / heads;
    let mut y = x.to_vec();
    for (row, out) in y.chunks_mut(c * p).enumerate() {
        for (ch, plane) in out.chunks_exact_mut(p).enumerate() {
            simd::add_scalar(plane, w.out_bias[ch]);
        }
        for h in 0..heads {
            let lhs = MatRef {
                data: w.out,
                offset: h * dh * c,
                rs: 1,
                cs: c,
            };
            let o = attended(row, h);
            matmul(out, p, c, p, dh, lhs, MatRef::row_major(o, p), true);
        }
    }
    y
}

/// LayerNorm over the `c` channels of each of the `p` pixels of one frame `[c, p]`.
fn layer_norm_channels(row: &[f32], out: &mut [f32], w: BlockWeights<'_>, c: usize, p: usize) {
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
