//! `y = act(x · W + b)` and its backward on row-major `f32` slices.
//!
//! Weights use burn's `Linear` layout `[d_input, d_output]` (PyTorch's `weight` transposed).
//! The bias is written into the output before the product accumulates onto it, so the forward
//! touches the output once; the ReLU is applied in place.

use super::gemm::{MatRef, matmul};

/// Forward: `x` `[m, k]`, `weight` `[k, n]`, `bias` `[n]` → `[m, n]`.
pub fn forward(
    x: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
    m: usize,
    k: usize,
    n: usize,
    relu: bool,
) -> Vec<f32> {
    let mut out = match bias {
        Some(b) => {
            let mut out = Vec::with_capacity(m * n);
            for _ in 0..m {
                out.extend_from_slice(&b[..n]);
            }
            out
        }
        None => vec![0.0; m * n],
    };
    matmul(
        &mut out,
        n,
        m,
        n,
        k,
        MatRef::row_major(x, k),
        MatRef::row_major(weight, n),
        bias.is_some(),
    );
    if relu {
        for v in &mut out {
            *v = v.max(0.0);
        }
    }
    out
}

/// Gradients of [`forward`].
pub struct LinearGrads {
    /// `[m, k]`, when asked for.
    pub x: Option<Vec<f32>>,
    /// `[k, n]`, when asked for.
    pub weight: Option<Vec<f32>>,
    /// `[n]`, when asked for.
    pub bias: Option<Vec<f32>>,
}

/// Which gradients [`backward`] computes.
#[derive(Clone, Copy, Debug)]
pub struct Wanted {
    pub x: bool,
    pub weight: bool,
    pub bias: bool,
}

/// Backward of [`forward`]: `grad_out` `[m, n]`; `output` is the forward's output (needed only
/// with `relu`, where the gradient passes where the output is positive, as PyTorch's ReLU).
#[allow(clippy::too_many_arguments)]
pub fn backward(
    grad_out: &[f32],
    x: &[f32],
    weight: &[f32],
    output: Option<&[f32]>,
    m: usize,
    k: usize,
    n: usize,
    wanted: Wanted,
) -> LinearGrads {
    let masked;
    let g: &[f32] = match output {
        Some(y) => {
            masked = grad_out
                .iter()
                .zip(y)
                .map(|(&g, &y)| if y > 0.0 { g } else { 0.0 })
                .collect::<Vec<f32>>();
            &masked
        }
        None => grad_out,
    };
    let gx = wanted.x.then(|| {
        let mut gx = vec![0.0; m * k];
        matmul(
            &mut gx,
            k,
            m,
            k,
            n,
            MatRef::row_major(g, n),
            MatRef::transposed(weight, n),
            false,
        );
        gx
    });
    let gw = wanted.weight.then(|| {
        let mut gw = vec![0.0; k * n];
        matmul(
            &mut gw,
            n,
            k,
            n,
            m,
            MatRef::transposed(x, k),
            MatRef::row_major(g, n),
            false,
        );
        gw
    });
    let gb = wanted.bias.then(|| column_sums(g, m, n));
    LinearGrads {
        x: gx,
        weight: gw,
        bias: gb,
    }
}

/// Sum over the rows of a row-major `[m, n]` matrix, in row order (f32 accumulation, as a
/// sequential reduction would).
pub fn column_sums(g: &[f32], m: usize, n: usize) -> Vec<f32> {
    let mut sums = vec![0.0f32; n];
    for row in g.chunks_exact(n).take(m) {
        for (s, &v) in sums.iter_mut().zip(row) {
            *s += v;
        }
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_matches_the_definition() {
        let (m, k, n) = (3, 2, 4);
        let x = [1.0, -2.0, 0.5, 3.0, -1.0, -1.0];
        let w = [1.0, 0.0, -1.0, 2.0, 0.5, 1.0, 1.0, -3.0];
        let b = [0.1, 0.2, 0.3, 0.4];
        let y = forward(&x, &w, Some(&b), m, k, n, false);
        for i in 0..m {
            for j in 0..n {
                let want = b[j] + x[i * k] * w[j] + x[i * k + 1] * w[n + j];
                assert!((y[i * n + j] - want).abs() < 1e-6);
            }
        }
        let r = forward(&x, &w, Some(&b), m, k, n, true);
        assert!(r.iter().zip(&y).all(|(r, y)| *r == y.max(0.0)));
    }
}
