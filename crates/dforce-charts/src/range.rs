//! Axis ranges from data: the finite extent of the values, padded so lines do not sit on the frame.

use std::ops::Range;

use crate::ChartError;

/// Smallest and largest finite value of `values` (`None` if there is none). With `positive_only`
/// (for a log axis) values `<= 0` are ignored too.
pub(crate) fn extent(
    values: impl IntoIterator<Item = f64>,
    positive_only: bool,
) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite() && (!positive_only || *v > 0.0))
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Joins two optional extents.
pub(crate) fn union(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> Option<(f64, f64)> {
    match (a, b) {
        (Some((a0, a1)), Some((b0, b1))) => Some((a0.min(b0), a1.max(b1))),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Half-width used around a single value: 10 % of its magnitude, or 1 for zero.
fn half_width(v: f64) -> f64 {
    if v == 0.0 { 1.0 } else { v.abs() * 0.1 }
}

/// Rejects a range whose width is not a finite positive number of `f64` (e.g. values near ±1e308
/// on both sides), which plotters cannot map to pixels.
fn checked(what: &'static str, lo: f64, hi: f64) -> Result<Range<f64>, ChartError> {
    let width = hi - lo;
    if lo.is_finite() && hi.is_finite() && width.is_finite() && width > 0.0 {
        Ok(lo..hi)
    } else {
        Err(ChartError::InvalidSetting {
            what,
            reason: format!(
                "the data span {lo}..{hi}, which is not a finite, non-empty f64 range; \
                 drop or rescale the extreme values"
            ),
        })
    }
}

/// The x range: the data extent as is (no padding), `0..1` without data, and a small interval
/// around a single value.
pub(crate) fn x_axis(ext: Option<(f64, f64)>) -> Result<Range<f64>, ChartError> {
    match ext {
        None => Ok(0.0..1.0),
        Some((lo, hi)) if lo == hi => checked("x range", lo - half_width(lo), hi + half_width(hi)),
        Some((lo, hi)) => checked("x range", lo, hi),
    }
}

/// A linear y range: the data extent padded by 5 % on each side, `0..1` without data.
pub(crate) fn y_linear(ext: Option<(f64, f64)>) -> Result<Range<f64>, ChartError> {
    match ext {
        None => Ok(0.0..1.0),
        Some((lo, hi)) if lo == hi => checked("y range", lo - half_width(lo), hi + half_width(hi)),
        Some((lo, hi)) => {
            let pad = (hi - lo) * 0.05;
            checked("y range", lo - pad, hi + pad)
        }
    }
}

/// A log-scale y range for positive data: padded by 5 % of the decades spanned (half a decade
/// around a single value), `0.1..10` without positive data.
pub(crate) fn y_log(ext: Option<(f64, f64)>) -> Result<Range<f64>, ChartError> {
    match ext {
        None => Ok(0.1..10.0),
        Some((lo, hi)) => {
            let (l, h) = (lo.log10(), hi.log10());
            let pad = if h > l { (h - l) * 0.05 } else { 0.5 };
            checked("y range", 10f64.powf(l - pad), 10f64.powf(h + pad))
        }
    }
}

/// Validates a y range the caller fixed: finite, `lo < hi`, and `lo > 0` on a log axis.
pub(crate) fn y_fixed(range: (f64, f64), log: bool) -> Result<Range<f64>, ChartError> {
    let (lo, hi) = range;
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(ChartError::InvalidSetting {
            what: "y range",
            reason: format!("got {lo}..{hi}; it must be two finite numbers with min < max"),
        });
    }
    if log && lo <= 0.0 {
        return Err(ChartError::InvalidSetting {
            what: "y range",
            reason: format!("got {lo}..{hi} on a log-scaled axis; its minimum must be > 0"),
        });
    }
    checked("y range", lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extent_skips_non_finite_and_non_positive() {
        let v = [f64::NAN, 3.0, -1.0, f64::INFINITY, 0.5, f64::NEG_INFINITY];
        assert_eq!(extent(v, false), Some((-1.0, 3.0)));
        assert_eq!(extent(v, true), Some((0.5, 3.0)));
        assert_eq!(extent([f64::NAN], false), None);
        assert_eq!(extent(Vec::new(), false), None);
    }

    #[test]
    fn ranges_are_padded_and_never_empty() {
        assert_eq!(x_axis(None).unwrap(), 0.0..1.0);
        assert_eq!(x_axis(Some((2.0, 4.0))).unwrap(), 2.0..4.0);
        let single = x_axis(Some((0.0, 0.0))).unwrap();
        assert!(single.start < 0.0 && single.end > 0.0);
        let y = y_linear(Some((0.0, 10.0))).unwrap();
        assert!((y.start + 0.5).abs() < 1e-12 && (y.end - 10.5).abs() < 1e-12);
        let y = y_log(Some((0.01, 100.0))).unwrap();
        assert!(y.start < 0.01 && y.start > 0.001 && y.end > 100.0 && y.end < 1000.0);
        let y = y_log(Some((2.0, 2.0))).unwrap();
        assert!(y.start < 2.0 && y.end > 2.0);
    }

    #[test]
    fn unrepresentable_span_is_an_error_not_a_panic() {
        assert!(y_linear(Some((-1e308, 1e308))).is_err());
        assert!(x_axis(Some((-f64::MAX, f64::MAX))).is_err());
    }

    #[test]
    fn fixed_range_is_validated() {
        assert_eq!(y_fixed((0.0, 1.0), false).unwrap(), 0.0..1.0);
        assert!(y_fixed((1.0, 1.0), false).is_err());
        assert!(y_fixed((f64::NAN, 1.0), false).is_err());
        assert!(y_fixed((0.0, 1.0), true).is_err());
        assert!(y_fixed((1e-3, 1.0), true).is_ok());
    }
}
