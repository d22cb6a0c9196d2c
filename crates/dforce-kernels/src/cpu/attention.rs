//! Multi-head scaled dot-product attention straight from a packed `q|k|v` projection, and its
//! backward, on row-major `f32` slices.
//!
//! Layout is the planning Transformer's (PyTorch `nn.MultiheadAttention` with `batch_first=False`):
//! `qkv` is `[n, B, 3·s]` with heads as contiguous channel slices of width `dh = s / heads`
//! inside each of q, k and v; the output is `[n, B, s]`. One rayon task per (batch, head) pair
//! runs its products as single-threaded GEMMs on strided views of the packed input (no gather,
//! no permute, no `[B, heads, n, n]` score tensor in the graph) and writes its own block of the
//! output. The softmax probabilities are kept for the backward pass (`[B·heads, n, n]`).

use rayon::prelude::*;

use super::gemm::{MatRef, SendPtr, product_into};

/// A contiguous `[rows, cols]` block as a matrix view.
fn block(data: &[f32], cols: usize) -> MatRef<'_> {
    MatRef::row_major(data, cols)
}

/// Shape of one attention call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttentionShape {
    /// Tokens `n`.
    pub tokens: usize,
    /// Batch `B`.
    pub batch: usize,
    /// Model width `s` (q, k and v each have `s` channels).
    pub width: usize,
    pub heads: usize,
    /// Hide keys after the query (key index > query index).
    pub causal: bool,
}

impl AttentionShape {
    fn head_dim(&self) -> usize {
        self.width / self.heads
    }

    /// Offset of token 0, batch `b`, part `p` (0 q, 1 k, 2 v), head `h` in the packed input.
    fn packed(&self, b: usize, p: usize, h: usize) -> usize {
        (b * 3 + p) * self.width + h * self.head_dim()
    }

    /// Distance between consecutive tokens in the packed input.
    fn packed_rs(&self) -> usize {
        self.batch * 3 * self.width
    }

    /// Offset of token 0, batch `b`, head `h` in the `[n, B, s]` output.
    fn unpacked(&self, b: usize, h: usize) -> usize {
        b * self.width + h * self.head_dim()
    }

    /// Distance between consecutive tokens in the output.
    fn unpacked_rs(&self) -> usize {
        self.batch * self.width
    }

    fn keys(&self, query: usize) -> usize {
        if self.causal { query + 1 } else { self.tokens }
    }

    /// Copies q, k and v of pair (b, h) into `local` as three contiguous `[n, dh]` blocks.
    fn gather(&self, qkv: &[f32], b: usize, h: usize, local: &mut [f32]) {
        let (n, dh) = (self.tokens, self.head_dim());
        for p in 0..3 {
            for t in 0..n {
                let at = t * self.packed_rs() + self.packed(b, p, h);
                local[(p * n + t) * dh..][..dh].copy_from_slice(&qkv[at..at + dh]);
            }
        }
    }

    fn check(&self, qkv_len: usize) {
        assert!(
            self.heads > 0
                && self.width.is_multiple_of(self.heads)
                && qkv_len == self.tokens * self.batch * 3 * self.width,
            "attention shape {self:?} does not match {qkv_len} packed values"
        );
    }
}

/// Forward output and the probabilities the backward pass needs.
pub struct AttentionOutput {
    /// `[n, B, s]`.
    pub output: Vec<f32>,
    /// Softmax probabilities, `[B·heads, n, n]` (zero where masked).
    pub probs: Vec<f32>,
}

/// Softmax of each row of `p` (`[n, n]`) after scaling, over the keys each query sees; masked
/// entries become 0.
fn softmax_rows(p: &mut [f32], sh: &AttentionShape, scale: f32) {
    let n = sh.tokens;
    for (i, row) in p.chunks_exact_mut(n).enumerate() {
        let keys = sh.keys(i);
        let max = row[..keys]
            .iter()
            .fold(f32::NEG_INFINITY, |m, &s| m.max(s * scale));
        let mut sum = 0.0f32;
        for s in &mut row[..keys] {
            *s = (*s * scale - max).exp();
            sum += *s;
        }
        let inv = 1.0 / sum;
        for s in &mut row[..keys] {
            *s *= inv;
        }
        row[keys..].fill(0.0);
    }
}

/// Forward pass (see the module docs).
pub fn forward(qkv: &[f32], sh: AttentionShape) -> AttentionOutput {
    sh.check(qkv.len());
    let (n, dh, bh) = (sh.tokens, sh.head_dim(), sh.batch * sh.heads);
    let scale = 1.0 / (dh as f32).sqrt();
    let mut probs = vec![0.0f32; bh * n * n];
    let mut output = vec![0.0f32; n * sh.batch * sh.width];
    let out = SendPtr::new(&mut output);
    probs.par_chunks_mut(n * n).enumerate().for_each_init(
        || vec![0.0f32; 3 * n * dh],
        |local, (pair, p)| {
            let (b, h) = (pair / sh.heads, pair % sh.heads);
            sh.gather(qkv, b, h, local);
            let (q, rest) = local.split_at(n * dh);
            let (k, v) = rest.split_at(n * dh);
            // SAFETY: `p` is this task's own n × n block.
            unsafe {
                let kt = MatRef::transposed(k, dh);
                product_into(p.as_mut_ptr(), n, n, n, dh, block(q, dh), kt, false)
            };
            softmax_rows(p, &sh, scale);
            // SAFETY: pair (b, h) writes only its head's channels of batch b, for every token;
            // the offsets lie inside `output`, which outlives the parallel loop.
            unsafe {
                let o = out.at(sh.unpacked(b, h));
                product_into(
                    o,
                    sh.unpacked_rs(),
                    n,
                    dh,
                    n,
                    block(p, n),
                    block(v, dh),
                    false,
                );
            }
        },
    );
    AttentionOutput { output, probs }
}

/// Backward pass: `grad_out` `[n, B, s]`, the forward's `qkv` and `probs` → gradient of `qkv`,
/// `[n, B, 3·s]`.
pub fn backward(grad_out: &[f32], qkv: &[f32], probs: &[f32], sh: AttentionShape) -> Vec<f32> {
    sh.check(qkv.len());
    let (n, dh, bh) = (sh.tokens, sh.head_dim(), sh.batch * sh.heads);
    assert!(
        grad_out.len() == n * sh.batch * sh.width && probs.len() == bh * n * n,
        "attention backward: gradient or probabilities do not match {sh:?}"
    );
    let scale = 1.0 / (dh as f32).sqrt();
    let mut grad = vec![0.0f32; qkv.len()];
    let out = SendPtr::new(&mut grad);
    let rs = sh.packed_rs();
    probs.par_chunks(n * n).enumerate().for_each_init(
        // q|k|v, dO, dS
        || {
            (
                vec![0.0f32; 3 * n * dh],
                vec![0.0f32; n * dh],
                vec![0.0f32; n * n],
            )
        },
        |(local, d_out, ds), (pair, p)| {
            let (b, h) = (pair / sh.heads, pair % sh.heads);
            sh.gather(qkv, b, h, local);
            for t in 0..n {
                let at = t * sh.unpacked_rs() + sh.unpacked(b, h);
                d_out[t * dh..(t + 1) * dh].copy_from_slice(&grad_out[at..at + dh]);
            }
            let (q, rest) = local.split_at(n * dh);
            let (k, v) = rest.split_at(n * dh);
            // dP = dO·vᵀ, then dS = P ⊙ (dP − rowsum(P ⊙ dP)) · scale (zero where masked).
            // SAFETY: `ds` is this task's scratch buffer of n × n.
            unsafe {
                let vt = MatRef::transposed(v, dh);
                product_into(ds.as_mut_ptr(), n, n, n, dh, block(d_out, dh), vt, false)
            };
            for i in 0..n {
                let keys = sh.keys(i);
                let (pr, dr) = (&p[i * n..i * n + keys], &mut ds[i * n..(i + 1) * n]);
                let dot: f32 = pr.iter().zip(dr.iter()).map(|(a, b)| a * b).sum();
                for (d, &pv) in dr.iter_mut().zip(pr) {
                    *d = pv * (*d - dot) * scale;
                }
                dr[keys..].fill(0.0);
            }
            let (pt, dst) = (MatRef::transposed(p, n), MatRef::transposed(ds, n));
            // SAFETY: pair (b, h) writes only its head's q, k and v channels of batch b; the
            // offsets lie inside `grad`, which outlives the parallel loop.
            unsafe {
                // dV = Pᵀ·dO ; dQ = dS·k ; dK = dSᵀ·q.
                let gv = out.at(sh.packed(b, 2, h));
                product_into(gv, rs, n, dh, n, pt, block(d_out, dh), false);
                let gq = out.at(sh.packed(b, 0, h));
                product_into(gq, rs, n, dh, n, block(ds, n), block(k, dh), false);
                let gk = out.at(sh.packed(b, 1, h));
                product_into(gk, rs, n, dh, n, dst, block(q, dh), false);
            }
        },
    );
    grad
}
