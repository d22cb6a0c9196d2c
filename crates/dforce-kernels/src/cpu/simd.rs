//! Element-wise loops written so the compiler vectorises them, compiled twice on x86-64: for
//! the build's baseline and with AVX2 + FMA, chosen at run time (`is_x86_feature_detected!`).
//! Both versions perform the same IEEE operations in the same order (no contraction into
//! fused multiply-adds), so they give bit-identical results.

/// Row length of the score tiles [`softmax_columns`] works on.
pub const SOFTMAX_TILE: usize = 64;

/// Values per partial sum (keeps f32 partial sums short before they meet the f64 total).
const BLOCK: usize = 512;
/// Independent accumulators, so the compiler can keep a vector of them.
const LANES: usize = 16;

/// Runs `$body` (an expression over the function's arguments) through the AVX2 + FMA copy
/// when the CPU has it, else through the baseline copy.
macro_rules! multiversion {
    ($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? $body:block) => {
        $(#[$doc])*
        pub fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn imp($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                fn avx2($($arg: $ty),*) $(-> $ret)? {
                    imp($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: the CPU supports the features `avx2` was compiled for.
                    return unsafe { avx2($($arg),*) };
                }
            }
            imp($($arg),*)
        }
    };
}

#[inline(always)]
fn block_sum(xs: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut acc = [0.0f32; LANES];
    let mut chunks = xs.chunks_exact(LANES);
    for c in &mut chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += f(v);
        }
    }
    let tail: f32 = chunks.remainder().iter().map(|&v| f(v)).sum();
    acc.iter().sum::<f32>() + tail
}

multiversion! {
    /// `Σ xs`, f32 partial sums over blocks of 512 values added in f64.
    fn sum(xs: &[f32]) -> f64 {
        xs.chunks(BLOCK).map(|b| block_sum(b, |v| v) as f64).sum()
    }
}

multiversion! {
    /// `Σ (x − mean)²`, blocked as [`sum`].
    fn centred_square_sum(xs: &[f32], mean: f32) -> f64 {
        xs.chunks(BLOCK)
            .map(|b| block_sum(b, |v| (v - mean) * (v - mean)) as f64)
            .sum()
    }
}

multiversion! {
    /// `out = SiLU((xs − mean)·a + b)`, element-wise.
    fn affine_silu(xs: &[f32], out: &mut [f32], mean: f32, a: f32, b: f32) {
        for (o, &v) in out.iter_mut().zip(xs) {
            let y = (v - mean) * a + b;
            *o = y / (1.0 + exp(-y));
        }
    }
}

multiversion! {
    /// `xs = SiLU(xs) = xs·σ(xs)`, in place.
    fn silu_in_place(xs: &mut [f32]) {
        for v in xs.iter_mut() {
            let y = *v;
            *v = y / (1.0 + exp(-y));
        }
    }
}

multiversion! {
    /// `acc += a·b`, element-wise.
    fn mul_add_into(acc: &mut [f32], a: &[f32], b: &[f32]) {
        for ((o, &x), &y) in acc.iter_mut().zip(a).zip(b) {
            *o += x * y;
        }
    }
}

multiversion! {
    /// `acc += xs`, element-wise.
    fn add_into(acc: &mut [f32], xs: &[f32]) {
        for (o, &x) in acc.iter_mut().zip(xs) {
            *o += x;
        }
    }
}

multiversion! {
    /// `xs += v`.
    fn add_scalar(xs: &mut [f32], v: f32) {
        for x in xs.iter_mut() {
            *x += v;
        }
    }
}

multiversion! {
    /// `xs *= v`.
    fn scale(xs: &mut [f32], v: f32) {
        for x in xs.iter_mut() {
            *x *= v;
        }
    }
}

multiversion! {
    /// `acc += (xs − mean)²`, element-wise.
    fn centred_square_into(acc: &mut [f32], xs: &[f32], mean: &[f32]) {
        for ((o, &x), &m) in acc.iter_mut().zip(xs).zip(mean) {
            *o += (x - m) * (x - m);
        }
    }
}

multiversion! {
    /// `sums ← 1/√(sums/count + eps)`: the reciprocal standard deviation from sums of squares.
    fn rstd_from_sum(sums: &mut [f32], count: f32, eps: f32) {
        for s in sums.iter_mut() {
            *s = 1.0 / (*s / count + eps).sqrt();
        }
    }
}

multiversion! {
    /// `out = (xs − mean)·rstd·gamma + beta`, element-wise (mean and rstd per element).
    fn normalize(out: &mut [f32], xs: &[f32], mean: &[f32], rstd: &[f32], gamma: f32, beta: f32) {
        for (((o, &x), &m), &r) in out.iter_mut().zip(xs).zip(mean).zip(rstd) {
            *o = (x - m) * r * gamma + beta;
        }
    }
}

multiversion! {
    /// Rotates each pair `(a, b)` by an angle with cosine `cos` and sine `sin`:
    /// `(a·cos − b·sin, b·cos + a·sin)` (rotary position embedding).
    fn rotate_pair(a: &mut [f32], b: &mut [f32], cos: f32, sin: f32) {
        for (x, y) in a.iter_mut().zip(b.iter_mut()) {
            let (u, v) = (*x, *y);
            *x = u * cos + v * -sin;
            *y = v * cos + u * sin;
        }
    }
}

multiversion! {
    /// Softmax of `scale·scores` over the rows of `scores` `[rows, SOFTMAX_TILE]` (the first
    /// `width` columns used), for each column: `exp(s − max) / Σ exp(s − max)`.
    fn softmax_columns(scores: &mut [f32], width: usize, scale: f32) {
        const TILE: usize = SOFTMAX_TILE;
        let rows = scores.len() / TILE;
        let mut max = [f32::NEG_INFINITY; TILE];
        let mut sum = [0.0f32; TILE];
        for r in 0..rows {
            let row = &mut scores[r * TILE..][..width];
            for (m, s) in max.iter_mut().zip(row.iter_mut()) {
                *s *= scale;
                *m = m.max(*s);
            }
        }
        for r in 0..rows {
            let row = &mut scores[r * TILE..][..width];
            for ((s, &m), t) in row.iter_mut().zip(&max).zip(sum.iter_mut()) {
                *s = exp(*s - m);
                *t += *s;
            }
        }
        for r in 0..rows {
            let row = &mut scores[r * TILE..][..width];
            for (s, &t) in row.iter_mut().zip(&sum) {
                *s /= t;
            }
        }
    }
}

multiversion! {
    /// `acc = max(acc, xs)`, element-wise.
    fn max_into(acc: &mut [f32], xs: &[f32]) {
        for (m, &x) in acc.iter_mut().zip(xs) {
            *m = m.max(x);
        }
    }
}

multiversion! {
    /// `row = exp(row − max)` and `sum += row`, element-wise.
    fn exp_shifted_into(row: &mut [f32], max: &[f32], sum: &mut [f32]) {
        for ((x, &m), s) in row.iter_mut().zip(max).zip(sum.iter_mut()) {
            *x = exp(*x - m);
            *s += *x;
        }
    }
}

multiversion! {
    /// `row = row / sum · scale`, element-wise.
    fn divide_scale(row: &mut [f32], sum: &[f32], scale: f32) {
        for (x, &s) in row.iter_mut().zip(sum) {
            *x = *x / s * scale;
        }
    }
}

multiversion! {
    /// Softmax of a contiguous vector in place: `exp(x − max) / Σ exp(x − max)`.
    fn softmax_in_place(xs: &mut [f32]) {
        let max = xs.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
        let mut acc = [0.0f32; LANES];
        let mut chunks = xs.chunks_exact_mut(LANES);
        for c in &mut chunks {
            for (a, x) in acc.iter_mut().zip(c.iter_mut()) {
                *x = exp(*x - max);
                *a += *x;
            }
        }
        let mut total = 0.0f32;
        for x in chunks.into_remainder() {
            *x = exp(*x - max);
            total += *x;
        }
        let total = acc.iter().sum::<f32>() + total;
        for x in xs.iter_mut() {
            *x /= total;
        }
    }
}

/// Per-value coefficients of one `(row, channel)` plane in [`group_norm_silu_backward`].
#[derive(Clone, Copy, Debug)]
pub struct SiluBackward {
    pub mean: f32,
    pub rstd: f32,
    pub gamma: f32,
    pub beta: f32,
    /// `1 + scale` (1 without FiLM).
    pub scale: f32,
    /// 0 without FiLM.
    pub shift: f32,
}

/// One plane's sums in [`group_norm_silu_backward`].
#[derive(Clone, Copy, Debug, Default)]
pub struct PlaneSums {
    /// `Σ dz`: the shift's gradient.
    pub dz: f64,
    /// `Σ dz·u`: the scale's gradient.
    pub dz_u: f64,
    /// `Σ du`: β's gradient.
    pub du: f64,
    /// `Σ du·t`: γ's gradient.
    pub du_t: f64,
    /// `Σ dt`.
    pub dt: f64,
    /// `Σ dt·t`.
    pub dt_t: f64,
}

multiversion! {
    /// The element-wise half of GroupNorm + FiLM + SiLU's backward over one plane: writes
    /// `dt` and returns the plane's sums (see `group_norm::backward_silu`).
    fn group_norm_silu_backward(dy: &[f32], xs: &[f32], dt: &mut [f32], k: SiluBackward) -> PlaneSums {
        let mut sums = PlaneSums::default();
        for ((dy, xs), dt) in dy.chunks(BLOCK).zip(xs.chunks(BLOCK)).zip(dt.chunks_mut(BLOCK)) {
            let mut acc = [[0.0f32; LANES]; 6];
            let mut lane = |l: usize, g: f32, xv: f32, d: &mut f32| {
                let t = (xv - k.mean) * k.rstd;
                let u = t * k.gamma + k.beta;
                let z = u * k.scale + k.shift;
                let s = 1.0 / (1.0 + exp(-z));
                let dz = g * (s * (1.0 + z * (1.0 - s)));
                let du = dz * k.scale;
                *d = du * k.gamma;
                acc[0][l] += dz;
                acc[1][l] += dz * u;
                acc[2][l] += du;
                acc[3][l] += du * t;
                acc[4][l] += *d;
                acc[5][l] += *d * t;
            };
            let n = dy.len() / LANES * LANES;
            for ((g, xv), d) in dy[..n]
                .chunks_exact(LANES)
                .zip(xs[..n].chunks_exact(LANES))
                .zip(dt[..n].chunks_exact_mut(LANES))
            {
                for l in 0..LANES {
                    lane(l, g[l], xv[l], &mut d[l]);
                }
            }
            for ((&g, &xv), d) in dy[n..].iter().zip(&xs[n..]).zip(&mut dt[n..]) {
                lane(0, g, xv, d);
            }
            let total = |a: &[f32; LANES]| a.iter().sum::<f32>() as f64;
            sums.dz += total(&acc[0]);
            sums.dz_u += total(&acc[1]);
            sums.du += total(&acc[2]);
            sums.du_t += total(&acc[3]);
            sums.dt += total(&acc[4]);
            sums.dt_t += total(&acc[5]);
        }
        sums
    }
}

/// `eˣ` to within 2 ulp: `2ᵏ·e^r` with `k = round(x / ln 2)`, `r = x − k·ln 2` in two parts,
/// and e^r from Cephes' degree-7 minimax polynomial for `expf`. Below −87.3 it is 0 (where
/// `f32::exp` turns subnormal) and above 88.37 it is +∞ (`f32::exp` overflows at 88.72; 2ᵏ must
/// stay a normal number); NaN stays NaN. Branch-free
/// (selects) so that loops over it vectorise.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // 1.5·2²³: adding and subtracting it rounds to the nearest integer.
    const ROUND: f32 = 12_582_912.0;
    let xc = x.clamp(-87.3, 88.37);
    let k = (xc * LOG2E + ROUND) - ROUND;
    let r = xc - k * LN2_HI - k * LN2_LO;
    let r2 = r * r;
    let p = ((((1.987_569_2e-4 * r + 1.398_2e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 0.5;
    let er = p * r2 + r + 1.0;
    // 2ᵏ from its exponent bits; k ∈ [-126, 127] after the clamp: a normal number.
    let two_k = f32::from_bits(((k as i32 + 127) as u32) << 23);
    let y = er * two_k;
    let y = if x < -87.3 { 0.0 } else { y };
    if x > 88.37 { f32::INFINITY } else { y }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_within_two_ulp_of_std() {
        let mut worst = 0i64;
        let mut x = -87.0f32;
        while x < 88.0 {
            let (got, want) = (exp(x), x.exp());
            let ulps = (got.to_bits() as i64 - want.to_bits() as i64).abs();
            worst = worst.max(ulps);
            x += 0.0137;
        }
        assert!(worst <= 2, "worst {worst} ulp");
        assert!(exp(f32::NAN).is_nan());
        assert_eq!(exp(-1000.0), 0.0);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp(1000.0), f32::INFINITY);
    }

    /// Far out of exp's range SiLU is 0 (negative side) or the identity (positive side).
    #[test]
    fn silu_saturates() {
        let mut xs = vec![-1e37f32, -200.0, 200.0, 1e37];
        silu_in_place(&mut xs);
        assert_eq!(xs[..2], [0.0, 0.0]);
        assert_eq!(xs[2..], [200.0, 1e37]);
    }

    #[test]
    fn silu_matches_its_definition() {
        let xs: Vec<f32> = (-400..400).map(|i| i as f32 * 0.05).collect();
        let mut got = xs.clone();
        silu_in_place(&mut got);
        for (&x, &g) in xs.iter().zip(&got) {
            let want = x / (1.0 + (-x).exp());
            assert!(
                (g - want).abs() <= 2e-7 * want.abs().max(1e-3),
                "{x}: {g} vs {want}"
            );
        }
    }

    #[test]
    fn sums_accumulate_accurately() {
        let xs: Vec<f32> = (0..10_000).map(|i| (i % 7) as f32 + 1e4).collect();
        let exact: f64 = xs.iter().map(|&v| v as f64).sum();
        assert_eq!(sum(&xs), exact);
        let mean = (exact / xs.len() as f64) as f32;
        let sq: f64 = xs.iter().map(|&v| ((v - mean) as f64).powi(2)).sum();
        assert!((centred_square_sum(&xs, mean) - sq).abs() < 1e-6 * sq);
    }
}
