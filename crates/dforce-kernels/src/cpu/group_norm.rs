//! GroupNorm, then an optional FiLM modulation, then SiLU, in one pass over the activations:
//! the opening of both halves of the video Unet3D's ResNet block (`SiLU(GN(x))` and
//! `SiLU(GN(h)·(1 + scale) + shift)`; `ResBlock` in the reference's `unet3d.py`), on
//! row-major `f32` slices, for inference.
//!
//! The activations are frame-major rows `[n·B, C, H, W]` (row `f·B + b` holds frame `f` of
//! clip `b`). Statistics are PyTorch's `nn.GroupNorm`'s (biased variance, `ε` inside the square
//! root), taken over each row's group of `C/G·H·W` values (per frame) or pooled over the
//! clip's `n` frames (the reference's GroupNorm over `(B, C, n, H, W)`). Sums are accumulated in
//! f64, so the statistics are at least as accurate as the composed f32 ops they replace.

use rayon::prelude::*;

use super::simd;

/// Shape of one group normalisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupNormShape {
    /// Frames `n` of each clip.
    pub frames: usize,
    /// Clips `B`.
    pub batch: usize,
    pub channels: usize,
    pub groups: usize,
    /// `H·W`.
    pub plane: usize,
    /// Statistics pooled over the clip's frames (the reference); else per frame.
    pub pooled: bool,
}

impl GroupNormShape {
    fn rows(&self) -> usize {
        self.frames * self.batch
    }
    /// Values in one group of one row, `C/G·H·W`.
    fn group_len(&self) -> usize {
        self.channels / self.groups * self.plane
    }
    fn row_len(&self) -> usize {
        self.channels * self.plane
    }
    /// Statistics units: `(b, g)` pooled, `(row, g)` per frame.
    fn units(&self) -> usize {
        if self.pooled {
            self.batch * self.groups
        } else {
            self.rows() * self.groups
        }
    }
    /// The unit whose statistics normalise group `g` of `row`.
    fn unit(&self, row: usize, g: usize) -> usize {
        let r = if self.pooled { row % self.batch } else { row };
        r * self.groups + g
    }
    /// The `(row, g)` slices that unit `u` reduces over.
    fn members(&self, u: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let (r, g) = (u / self.groups, u % self.groups);
        let rows: Vec<usize> = if self.pooled {
            (0..self.frames).map(|f| f * self.batch + r).collect()
        } else {
            vec![r]
        };
        rows.into_iter().map(move |row| (row, g))
    }

    fn check(&self, x: usize, gamma: usize, beta: usize, film: Option<usize>) {
        assert!(
            self.groups > 0
                && self.channels.is_multiple_of(self.groups)
                && x == self.rows() * self.row_len()
                && gamma == self.channels
                && beta == self.channels
                && film.is_none_or(|f| f == self.rows() * 2 * self.channels),
            "group norm shape {self:?} does not match {x} inputs, {gamma}/{beta} affine values \
             and {film:?} FiLM values"
        );
    }
}

/// Forward output and the statistics its backward needs.
pub struct GroupNormOutput {
    /// `[n·B, C, H, W]`.
    pub output: Vec<f32>,
    /// `(mean, 1/σ)` per statistics unit (`(b, g)` pooled, `(row, g)` per frame), flattened.
    pub stats: Vec<f32>,
}

/// `SiLU(GN(x)·γ + β)`, or with `film` (`[n·B, 2·C]`: scale then shift per row)
/// `SiLU((GN(x)·γ + β)·(1 + scale) + shift)`: `x` `[n·B, C, H, W]`, `gamma`, `beta` `[C]` →
/// `[n·B, C, H, W]`.
///
/// # Panics
/// When the slice lengths do not match `shape` (the crate-root wrapper passes tensor dims).
pub fn forward_silu(
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    film: Option<&[f32]>,
    shape: GroupNormShape,
    eps: f32,
) -> GroupNormOutput {
    shape.check(x.len(), gamma.len(), beta.len(), film.map(<[f32]>::len));
    let glen = shape.group_len();
    let count = glen * shape.members(0).count();
    // (mean, 1/σ) per unit: two passes over its values (mean, then centred squares).
    let stats: Vec<(f32, f32)> = (0..shape.units())
        .into_par_iter()
        .map(|u| {
            let group = |(row, g): (usize, usize)| &x[row * shape.row_len() + g * glen..][..glen];
            let sum: f64 = shape.members(u).map(|m| simd::sum(group(m))).sum();
            let mean = (sum / count as f64) as f32;
            let sq: f64 = shape
                .members(u)
                .map(|m| simd::centred_square_sum(group(m), mean))
                .sum();
            let var = (sq / count as f64) as f32;
            (mean, 1.0 / (var + eps).sqrt())
        })
        .collect();
    let coefficients = |row: usize, c: usize| {
        let (mean, rstd) = stats[shape.unit(row, c / (shape.channels / shape.groups))];
        let film = film.map(|f| {
            let base = row * 2 * shape.channels;
            (f[base + c] + 1.0, f[base + shape.channels + c])
        });
        (mean, rstd, film)
    };
    let mut output = vec![0.0f32; x.len()];
    output
        .par_chunks_mut(shape.plane)
        .zip(x.par_chunks(shape.plane))
        .enumerate()
        .for_each(|(plane, (o, xs))| {
            let (row, c) = (plane / shape.channels, plane % shape.channels);
            let (mean, rstd, film) = coefficients(row, c);
            // y = (x − μ)·(rstd·γ) + β, then ·(1 + scale) + shift: one multiply-add per value.
            let (mut a, mut b) = (rstd * gamma[c], beta[c]);
            if let Some((scale, shift)) = film {
                a *= scale;
                b = b * scale + shift;
            }
            simd::affine_silu(xs, o, mean, a, b);
        });
    GroupNormOutput {
        output,
        stats: stats.into_iter().flat_map(|(m, r)| [m, r]).collect(),
    }
}

/// Gradients of [`forward_silu`].
pub struct GroupNormGrads {
    /// `[n·B, C, H, W]`.
    pub x: Vec<f32>,
    /// `[C]`.
    pub gamma: Vec<f32>,
    /// `[C]`.
    pub beta: Vec<f32>,
    /// `[n·B, 2·C]` (scale | shift), when the forward had a FiLM input.
    pub film: Option<Vec<f32>>,
}

/// Backward of [`forward_silu`] from the output gradient `grad`, with the forward's `stats`.
///
/// Per value, with `t = (x − μ)·rstd`, `u = t·γ + β`, `z = u·(1 + scale) + shift` (or `u`):
/// `dz = dy·σ(z)·(1 + z·(1 − σ(z)))`, `du = dz·(1 + scale)`, `dt = du·γ`; then per statistics
/// unit `dx = rstd·(dt − mean(dt) − t·mean(dt·t))` (PyTorch's GroupNorm backward).
///
/// # Panics
/// When the slice lengths do not match `shape`.
pub fn backward_silu(
    grad: &[f32],
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    film: Option<&[f32]>,
    stats: &[f32],
    shape: GroupNormShape,
) -> GroupNormGrads {
    shape.check(x.len(), gamma.len(), beta.len(), film.map(<[f32]>::len));
    assert!(
        grad.len() == x.len() && stats.len() == 2 * shape.units(),
        "group norm backward: {} gradients, {} statistics for shape {shape:?}",
        grad.len(),
        stats.len()
    );
    let (c_all, per_group) = (shape.channels, shape.channels / shape.groups);
    let unit_of = |row: usize, c: usize| shape.unit(row, c / per_group);
    // Pass 1, per (row, channel) plane: dt into `gx`, and the plane's sums.
    let mut gx = vec![0.0f32; x.len()];
    let sums: Vec<simd::PlaneSums> = gx
        .par_chunks_mut(shape.plane)
        .zip(x.par_chunks(shape.plane))
        .zip(grad.par_chunks(shape.plane))
        .enumerate()
        .map(|(plane, ((dt, xs), dy))| {
            let (row, c) = (plane / c_all, plane % c_all);
            let u = unit_of(row, c);
            let (mean, rstd) = (stats[2 * u], stats[2 * u + 1]);
            let (scale, shift) = film.map_or((1.0, 0.0), |f| {
                let base = row * 2 * c_all;
                (f[base + c] + 1.0, f[base + c_all + c])
            });
            let coef = simd::SiluBackward {
                mean,
                rstd,
                gamma: gamma[c],
                beta: beta[c],
                scale,
                shift,
            };
            simd::group_norm_silu_backward(dy, xs, dt, coef)
        })
        .collect();
    let mut g_gamma = vec![0.0f64; c_all];
    let mut g_beta = vec![0.0f64; c_all];
    let mut unit_dt = vec![0.0f64; shape.units()];
    let mut unit_dtt = vec![0.0f64; shape.units()];
    let mut g_film = film.map(|_| vec![0.0f32; shape.rows() * 2 * c_all]);
    for (plane, s) in sums.iter().enumerate() {
        let (row, c) = (plane / c_all, plane % c_all);
        g_gamma[c] += s.du_t;
        g_beta[c] += s.du;
        let u = unit_of(row, c);
        unit_dt[u] += s.dt;
        unit_dtt[u] += s.dt_t;
        if let Some(gf) = g_film.as_mut() {
            gf[row * 2 * c_all + c] = s.dz_u as f32;
            gf[row * 2 * c_all + c_all + c] = s.dz as f32;
        }
    }
    let count = (shape.group_len() * shape.members(0).count()) as f64;
    // Pass 2: dx = rstd·(dt − mean(dt) − t·mean(dt·t)).
    gx.par_chunks_mut(shape.plane)
        .zip(x.par_chunks(shape.plane))
        .enumerate()
        .for_each(|(plane, (g, xs))| {
            let u = unit_of(plane / c_all, plane % c_all);
            let (mean, rstd) = (stats[2 * u], stats[2 * u + 1]);
            let m1 = (unit_dt[u] / count) as f32;
            let m2 = (unit_dtt[u] / count) as f32;
            for (g, &xv) in g.iter_mut().zip(xs) {
                let t = (xv - mean) * rstd;
                *g = rstd * (*g - m1 - t * m2);
            }
        });
    GroupNormGrads {
        x: gx,
        gamma: g_gamma.into_iter().map(|v| v as f32).collect(),
        beta: g_beta.into_iter().map(|v| v as f32).collect(),
        film: g_film,
    }
}
