//! Floating-point reductions in the exact order of the reference's libraries, where the fixtures
//! are sensitive to the last `f32` bit.

/// numpy's `add.reduce` of a contiguous `f32` array (`pairwise_sum` in numpy's
/// `loops_utils.h.src`): below 8 values a plain loop from 0; up to 128 values eight running
/// sums combined as `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))` then the remainder; above that the two
/// halves (split at a multiple of 8) recursively. All in `f32`.
pub fn numpy_pairwise_sum_f32(a: &[f32]) -> f32 {
    let n = a.len();
    if n < 8 {
        a.iter().fold(0f32, |s, &x| s + x)
    } else if n <= 128 {
        let mut r = [0f32; 8];
        r.copy_from_slice(&a[..8]);
        let full = n - n % 8;
        let mut i = 8;
        while i < full {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[full..] {
            res += x;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        numpy_pairwise_sum_f32(&a[..n2]) + numpy_pairwise_sum_f32(&a[n2..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_order() {
        // below 8 values: a plain loop
        assert_eq!(numpy_pairwise_sum_f32(&[1.0, 2.0, 3.0]), 6.0);
        // eight running sums keep the small values apart from 1e8; values numpy 1.26 returns
        let mut v = vec![1.0f32; 16];
        v[0] = 1e8;
        assert_eq!(v.iter().fold(0f32, |s, &x| s + x), 1e8);
        assert_eq!(numpy_pairwise_sum_f32(&v), 100_000_008.0);
        let long: Vec<f32> = (0..300).map(|i| (0.1 * f64::from(i)) as f32).collect();
        assert_eq!(numpy_pairwise_sum_f32(&long), 4485.0);
    }
}
