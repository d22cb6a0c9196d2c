//! Rotary position embedding over frames (`rotary-embedding-torch` 0.9.1 conventions).
//!
//! Frequencies `f_j = 1 / 10000^(2j/d_h)`; position `p` (0..n−1 within the window) rotates
//! each channel pair `(x_{2j}, x_{2j+1})` by the angle `p·f_j` — the interleaved-pairs layout,
//! not split halves — over all `d_h` channels of every head, for queries and keys only.

use burn::tensor::{Device, Tensor, TensorData};

use crate::params::ParamVisitor;

/// The reference's single `RotaryEmbedding(dim = attn_dim_head)`, shared by every temporal
/// attention. Its only state is the frozen frequency vector, so it is computed, not learned.
#[derive(Debug, Clone, PartialEq)]
pub struct RotaryEmbedding {
    freqs: Vec<f32>,
}

/// Relative tolerance for a checkpoint's stored frequencies: torch's f32 `pow` may round
/// differently from ours by an ulp or two; anything beyond that is a different model.
const FREQS_RTOL: f32 = 1e-6;

/// Per-window angle tables, `(1, 1, n, d_h)` each so they broadcast over `(N, heads, n, d_h)`.
#[derive(Debug, Clone)]
pub struct RotaryTables {
    /// `cos(p·f_j)` at channels 2j and 2j+1.
    cos: Tensor<4>,
    /// `−sin(p·f_j)` at channel 2j and `+sin(p·f_j)` at 2j+1: the sign of the pair rotation
    /// folded in, so applying it needs a pair swap but no negation.
    sin_signed: Tensor<4>,
}

impl RotaryEmbedding {
    /// `dim_head` must be even (validated by the config).
    pub fn new(dim_head: usize) -> Self {
        // torch: 1 / (10000 ** (arange(0, d, 2).float() / d)), all in f32.
        let freqs = (0..dim_head / 2)
            .map(|j| 1.0 / 10000f32.powf((2 * j) as f32 / dim_head as f32))
            .collect();
        Self { freqs }
    }

    /// `f_j`, `d_h / 2` values.
    pub fn freqs(&self) -> &[f32] {
        &self.freqs
    }

    /// Tables for positions `0..frames`; angles `p·f_j` in f32, as the reference's einsum.
    pub fn tables(&self, frames: usize, device: &Device) -> RotaryTables {
        self.tables_from(0, frames, device)
    }

    /// Tables for positions `offset..offset + frames` (the frames after a cached prefix).
    pub fn tables_from(&self, offset: usize, frames: usize, device: &Device) -> RotaryTables {
        let dh = 2 * self.freqs.len();
        let mut cos = Vec::with_capacity(frames * dh);
        let mut sin = Vec::with_capacity(frames * dh);
        for p in offset..offset + frames {
            for &f in &self.freqs {
                let angle = p as f32 * f;
                let (s, c) = angle.sin_cos();
                cos.extend([c, c]);
                sin.extend([-s, s]);
            }
        }
        let table = |v: Vec<f32>| Tensor::from_data(TensorData::new(v, [1, 1, frames, dh]), device);
        RotaryTables {
            cos: table(cos),
            sin_signed: table(sin),
        }
    }

    /// Checks a checkpoint's copy `name` of the frequencies against ours and marks it used:
    /// PyTorch saves the shared module once per temporal attention that holds it.
    pub fn check_copy(&self, v: &mut impl ParamVisitor, name: &str) {
        v.constant(name, &[self.freqs.len()], &self.freqs, FREQS_RTOL);
    }
}

impl RotaryTables {
    /// The `cos` and signed `sin` tables as `[n, d_h]` matrices.
    pub fn planes(&self) -> (Tensor<2>, Tensor<2>) {
        let [_, _, n, dh] = self.cos.dims();
        (
            self.cos.clone().reshape([n, dh]),
            self.sin_signed.clone().reshape([n, dh]),
        )
    }

    /// `x`: `(N, heads, n, d_h)` → same: `x·cos θ + rot(x)·sin θ` with
    /// `rot(x)_{2j, 2j+1} = (−x_{2j+1}, x_{2j})`.
    pub fn apply(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, h, n, dh] = x.dims();
        let swapped = x
            .clone()
            .reshape([b, h, n, dh / 2, 2])
            .flip([4])
            .reshape([b, h, n, dh]);
        x * self.cos.clone() + swapped * self.sin_signed.clone()
    }
}
