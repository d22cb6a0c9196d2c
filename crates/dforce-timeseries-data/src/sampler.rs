//! Seeded choices the reference makes with numpy's global RNG, with an injectable
//! [`rand::Rng`] instead:
//!
//! - training split points: GluonTS' `ExpectedNumInstanceSampler(num_instances=1,
//!   min_past=history, min_future=prediction)` on the single grouped series. Each pass over the
//!   series keeps every valid `i ∈ [history, T − prediction]` with probability `1/W` (`W` valid
//!   points), so each kept point is uniform on that range; `TrainDataLoader`'s shuffle buffer
//!   then mixes passes. [`TrainSplitSampler::sample`] draws one uniform point (the distribution
//!   of each instance the loader yields); [`TrainSplitSampler::sample_pass`] reproduces one pass
//!   (a Binomial(W, 1/W) number of points, ascending) for callers that want the pass structure.
//! - validation start points: `np.random.choice(T − block, num_test_dates, replace=False)`
//!   (`gluonts_dataset.py::_process_validation_split`, unseeded there): distinct, uniform,
//!   in `[0, T − block)`; note the block ending at the last training step is never drawn.

use rand::Rng;

use crate::error::{Result, TsError};

/// Uniform training split points of one series (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrainSplitSampler {
    /// Steps required before the split point (`history_length`).
    pub min_past: usize,
    /// Steps required after it (`prediction_length`).
    pub min_future: usize,
}

impl TrainSplitSampler {
    /// The valid split points `[min_past, len − min_future]` of a series of `len` steps, or
    /// `None` when there is none.
    pub fn bounds(&self, len: usize) -> Option<(usize, usize)> {
        let hi = len.checked_sub(self.min_future)?;
        (self.min_past <= hi).then_some((self.min_past, hi))
    }

    /// One split point, uniform on [`bounds`](Self::bounds); `None` when the series is too short.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, len: usize) -> Option<usize> {
        let (a, b) = self.bounds(len)?;
        Some(rng.random_range(a..=b))
    }

    /// One pass of `ExpectedNumInstanceSampler` over a series of `len` steps: every valid point
    /// kept independently with probability `1 / W`, ascending.
    pub fn sample_pass<R: Rng + ?Sized>(&self, rng: &mut R, len: usize) -> Vec<usize> {
        let Some((a, b)) = self.bounds(len) else {
            return Vec::new();
        };
        let p = 1.0 / (b - a + 1) as f64;
        (a..=b).filter(|_| rng.random::<f64>() < p).collect()
    }
}

/// `count` distinct validation block starts, uniform in `[0, series_len − block_len)`, in draw
/// order (numpy `choice(..., replace=False)` semantics; a partial Fisher–Yates shuffle).
///
/// # Errors
/// [`TsError::OutOfRange`] when fewer than `count` start points exist.
pub fn choose_validation_starts<R: Rng + ?Sized>(
    rng: &mut R,
    series_len: usize,
    block_len: usize,
    count: usize,
) -> Result<Vec<usize>> {
    let n = series_len.saturating_sub(block_len);
    if count > n {
        return Err(TsError::OutOfRange(format!(
            "{count} validation blocks of {block_len} steps need {count} distinct start points; \
             a series of {series_len} steps has {n}"
        )));
    }
    let mut pool: Vec<usize> = (0..n).collect();
    for k in 0..count {
        let j = rng.random_range(k..n);
        pool.swap(k, j);
    }
    pool.truncate(count);
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn split_points_cover_the_valid_range_uniformly() {
        let s = TrainSplitSampler {
            min_past: 176,
            min_future: 8,
        };
        assert_eq!(s.bounds(400), Some((176, 392)));
        assert_eq!(s.bounds(183), None);
        assert_eq!(s.bounds(184), Some((176, 176)));
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        let mut counts = vec![0usize; 217];
        for _ in 0..217 * 200 {
            counts[s.sample(&mut rng, 400).unwrap() - 176] += 1;
        }
        assert!(
            counts.iter().all(|&c| (120..=290).contains(&c)),
            "{counts:?}"
        );
        let total: usize = (0..2000).map(|_| s.sample_pass(&mut rng, 400).len()).sum();
        assert!((1800..=2200).contains(&total), "{total}");
        assert!(s.sample(&mut rng, 10).is_none());
    }

    #[test]
    fn validation_starts_are_distinct_and_in_range() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for _ in 0..100 {
            let mut v = choose_validation_starts(&mut rng, 400, 184, 7).unwrap();
            assert!(v.iter().all(|&s| s < 216));
            v.sort_unstable();
            v.dedup();
            assert_eq!(v.len(), 7);
        }
        let all = choose_validation_starts(&mut rng, 10, 7, 3).unwrap();
        assert_eq!(all.len(), 3);
        assert!(choose_validation_starts(&mut rng, 10, 7, 4).is_err());
    }
}
