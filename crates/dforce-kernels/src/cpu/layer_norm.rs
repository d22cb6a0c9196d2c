//! Residual LayerNorm `y = LayerNorm(a + b)·γ + β` over the last dimension, and its backward,
//! on row-major `f32` slices. Statistics as PyTorch's `nn.LayerNorm`: biased variance, `ε`
//! inside the square root. The post-norm encoder layer calls it twice per layer
//! (`norm1(h + attention)`, `norm2(y + feed-forward)`).

use rayon::prelude::*;

/// Rows per rayon task.
const ROWS_PER_TASK: usize = 64;

/// Forward output and what the backward pass needs.
pub struct LayerNormOutput {
    /// `[m, s]`.
    pub output: Vec<f32>,
    /// The normalised input `(z − mean)·rstd`, `[m, s]`.
    pub normalized: Vec<f32>,
    /// `1 / √(var + ε)` per row, `[m]`.
    pub rstd: Vec<f32>,
}

/// Forward: `a`, `b` `[m, s]` (b may be absent: plain LayerNorm), `gamma`, `beta` `[s]`.
pub fn forward(
    a: &[f32],
    b: Option<&[f32]>,
    gamma: &[f32],
    beta: &[f32],
    s: usize,
    eps: f32,
) -> LayerNormOutput {
    let m = a.len() / s;
    let mut output = vec![0.0f32; m * s];
    let mut normalized = vec![0.0f32; m * s];
    let mut rstd = vec![0.0f32; m];
    output
        .par_chunks_mut(ROWS_PER_TASK * s)
        .zip(normalized.par_chunks_mut(ROWS_PER_TASK * s))
        .zip(rstd.par_chunks_mut(ROWS_PER_TASK))
        .enumerate()
        .for_each(|(task, ((out, xhat), rs))| {
            let r0 = task * ROWS_PER_TASK;
            for (r, ((o, x), rstd)) in out
                .chunks_exact_mut(s)
                .zip(xhat.chunks_exact_mut(s))
                .zip(rs.iter_mut())
                .enumerate()
            {
                let row = (r0 + r) * s;
                let ar = &a[row..row + s];
                match b {
                    Some(b) => {
                        for ((x, &av), &bv) in x.iter_mut().zip(ar).zip(&b[row..row + s]) {
                            *x = av + bv;
                        }
                    }
                    None => x.copy_from_slice(ar),
                }
                let mean = x.iter().sum::<f32>() / s as f32;
                let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / s as f32;
                *rstd = 1.0 / (var + eps).sqrt();
                for (((o, x), &g), &bt) in o.iter_mut().zip(x.iter_mut()).zip(gamma).zip(beta) {
                    *x = (*x - mean) * *rstd;
                    *o = *x * g + bt;
                }
            }
        });
    LayerNormOutput {
        output,
        normalized,
        rstd,
    }
}

/// Gradients of [`forward`].
pub struct LayerNormGrads {
    /// Gradient of `a + b` (so of each of `a` and `b`), `[m, s]`.
    pub input: Vec<f32>,
    /// `[s]`.
    pub gamma: Vec<f32>,
    /// `[s]`.
    pub beta: Vec<f32>,
}

/// Backward of [`forward`] from the saved `normalized` and `rstd`.
pub fn backward(
    grad_out: &[f32],
    normalized: &[f32],
    rstd: &[f32],
    gamma: &[f32],
    s: usize,
) -> LayerNormGrads {
    let m = grad_out.len() / s;
    let mut input = vec![0.0f32; m * s];
    let partials: Vec<(Vec<f32>, Vec<f32>)> = input
        .par_chunks_mut(ROWS_PER_TASK * s)
        .enumerate()
        .map(|(task, gin)| {
            let r0 = task * ROWS_PER_TASK;
            let mut g_gamma = vec![0.0f32; s];
            let mut g_beta = vec![0.0f32; s];
            for (r, gz) in gin.chunks_exact_mut(s).enumerate() {
                let row = (r0 + r) * s;
                let gy = &grad_out[row..row + s];
                let xh = &normalized[row..row + s];
                let mut mean_g = 0.0f32;
                let mut mean_gx = 0.0f32;
                for c in 0..s {
                    let gg = gy[c] * gamma[c];
                    mean_g += gg;
                    mean_gx += gg * xh[c];
                    g_gamma[c] += gy[c] * xh[c];
                    g_beta[c] += gy[c];
                }
                mean_g /= s as f32;
                mean_gx /= s as f32;
                let rs = rstd[r0 + r];
                for c in 0..s {
                    gz[c] = rs * (gy[c] * gamma[c] - mean_g - xh[c] * mean_gx);
                }
            }
            (g_gamma, g_beta)
        })
        .collect();
    let mut gamma_grad = vec![0.0f32; s];
    let mut beta_grad = vec![0.0f32; s];
    for (gg, gb) in partials {
        for c in 0..s {
            gamma_grad[c] += gg[c];
            beta_grad[c] += gb[c];
        }
    }
    LayerNormGrads {
        input,
        gamma: gamma_grad,
        beta: beta_grad,
    }
}
