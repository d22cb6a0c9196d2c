//! Per-series normalisation statistics over the grouped training range: the branch's
//! `data_mean.npy` / `data_std.npy` (`gluonts_dataset.py`: `torch.mean(target, dim=1)`,
//! `torch.clamp(torch.std(target, dim=1), min=1e-7)`, unbiased std, `f32`).
//!
//! The grouped target includes the mean-padding of late series ([`crate::grouping`]), so the
//! padding is part of the statistics, as in the branch. Sums are accumulated in `f64`.

use crate::grouping::GroupedSeries;

/// Smallest standard deviation (the branch's clamp).
pub const MIN_STD: f32 = 1e-7;

/// How missing values in the training range enter the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NanStatistics {
    /// Correct (default): mean and unbiased std over the observed values of each series only.
    /// A series with a single observed value gets std [`MIN_STD`].
    #[default]
    SkipMissing,
    /// Reference compatibility: `torch.mean` / `torch.std` over every value, so one NaN in a
    /// series' training range makes that series' mean and std NaN (and with them its normalised
    /// inputs and the training loss), as the branch does (`nan_case.*` in the fixtures).
    ReferenceNanPropagation,
}

/// Per-series mean and std, `(D,)` each, in the target's units.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesStats {
    /// Mean of each series.
    pub mean: Vec<f32>,
    /// Unbiased standard deviation of each series, clamped to ≥ [`MIN_STD`] (NaN stays NaN).
    pub std: Vec<f32>,
}

impl SeriesStats {
    /// `(x − mean[d]) / std[d]`, computed in `f32` as the branch's `_normalize_x`.
    pub fn normalize(&self, d: usize, x: f32) -> f32 {
        (x - self.mean[d]) / self.std[d]
    }

    /// `x · std[d] + mean[d]` (the branch's `_unnormalize_x`).
    pub fn unnormalize(&self, d: usize, x: f32) -> f32 {
        x * self.std[d] + self.mean[d]
    }
}

/// Mean and std of every series of `grouped` over its whole length.
pub fn series_statistics(grouped: &GroupedSeries, nan: NanStatistics) -> SeriesStats {
    let mut mean = Vec::with_capacity(grouped.dim);
    let mut std = Vec::with_capacity(grouped.dim);
    for d in 0..grouped.dim {
        let row = grouped.row(d);
        let skip = nan == NanStatistics::SkipMissing;
        let vals = || {
            row.iter()
                .filter(move |x| !(skip && x.is_nan()))
                .map(|&x| f64::from(x))
        };
        let n = vals().count();
        let m = vals().sum::<f64>() / n as f64;
        let var = if n > 1 {
            vals().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64
        } else if skip {
            0.0
        } else {
            f64::NAN
        };
        mean.push(m as f32);
        let s = var.sqrt() as f32;
        std.push(if s.is_nan() { s } else { s.max(MIN_STD) });
    }
    SeriesStats { mean, std }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn series(values: Vec<f32>, dim: usize) -> GroupedSeries {
        GroupedSeries {
            start: datetime!(2021-01-01 00:00),
            dim,
            len: values.len() / dim,
            values,
        }
    }

    #[test]
    fn unbiased_and_clamped() {
        let s = series_statistics(
            &series(vec![1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0, 5.0], 2),
            NanStatistics::SkipMissing,
        );
        assert_eq!(s.mean, vec![2.5, 5.0]);
        assert!((s.std[0] - (5.0f32 / 3.0).sqrt()).abs() < 1e-6);
        assert_eq!(s.std[1], MIN_STD);
    }

    #[test]
    fn nan_policies() {
        let g = series(vec![1.0, f32::NAN, 3.0], 1);
        let ok = series_statistics(&g, NanStatistics::SkipMissing);
        assert_eq!(ok.mean, vec![2.0]);
        assert!((ok.std[0] - 2f32.sqrt()).abs() < 1e-6);
        let r = series_statistics(&g, NanStatistics::ReferenceNanPropagation);
        assert!(r.mean[0].is_nan() && r.std[0].is_nan());
        let single = series_statistics(&series(vec![4.0, f32::NAN], 1), NanStatistics::SkipMissing);
        assert_eq!((single.mean[0], single.std[0]), (4.0, MIN_STD));
    }
}
