//! GluonTS' `MultivariateGrouper` (gluonts/dataset/multivariate_grouper.py, 0.13), which turns a
//! file of univariate series into multivariate ones:
//!
//! - training ([`group_train`]): every series is aligned to the dataset's earliest start and
//!   latest end; the new positions (left and right) are filled with that series' own NaN-skipping
//!   mean (`train_fill_rule = np.mean` on a pandas Series). One `(D, T)` series results.
//! - test ([`group_test`]): every series is left-padded with 0.0 to the earliest start of the whole
//!   split and keeps its own end; the list is cut into `num_test_dates` consecutive groups
//!   (`np.split`, so the file must be date-major), one `(D, T_date)` series per date.
//!
//! Both keep the LAST `max_target_dim` series of each group (wikipedia: the last 2000 of 9535).
//! Missing values inside a series stay NaN. A 2-D entry contributes each of its rows as a
//! series (GluonTS' grouper expects 1-D entries).

use time::PrimitiveDateTime;

use crate::error::{Result, TsError};
use crate::frequency::Frequency;
use crate::gluonts_reader::SeriesEntry;
use crate::numeric::numpy_pairwise_sum_f32;

/// A multivariate series: `values` is `(dim, len)` row-major, NaN where missing.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupedSeries {
    /// Start of the first period.
    pub start: PrimitiveDateTime,
    /// Series D.
    pub dim: usize,
    /// Periods T.
    pub len: usize,
    /// `(D, T)` row-major.
    pub values: Vec<f32>,
}

impl GroupedSeries {
    /// Row `d` (series d), `len` values.
    pub fn row(&self, d: usize) -> &[f32] {
        &self.values[d * self.len..(d + 1) * self.len]
    }

    /// The periods `[from, from + len)` of every series as a new series starting `from` periods
    /// later (the branch's validation blocks).
    ///
    /// # Errors
    /// [`TsError::OutOfRange`] when the block leaves the series.
    pub fn block(&self, freq: &Frequency, from: usize, len: usize) -> Result<GroupedSeries> {
        if from.checked_add(len).is_none_or(|end| end > self.len) {
            return Err(TsError::OutOfRange(format!(
                "block [{from}, {from}+{len}) outside a series of {} steps",
                self.len
            )));
        }
        let mut values = Vec::with_capacity(self.dim * len);
        for d in 0..self.dim {
            values.extend_from_slice(&self.row(d)[from..from + len]);
        }
        let steps = i64::try_from(from).map_err(|e| TsError::OutOfRange(e.to_string()))?;
        Ok(GroupedSeries {
            start: freq.add(self.start, steps)?,
            dim: self.dim,
            len,
            values,
        })
    }
}

/// One univariate row of an entry, with where it came from.
struct Row<'a> {
    entry: &'a SeriesEntry,
    values: &'a [f32],
}

fn rows(entries: &[SeriesEntry]) -> Vec<Row<'_>> {
    entries
        .iter()
        .flat_map(|e| {
            (0..e.dim).map(move |r| Row {
                entry: e,
                values: &e.target[r * e.len..(r + 1) * e.len],
            })
        })
        .collect()
}

/// Offset of `row`'s start from `first`, in periods (at most [`crate::spec::MAX_LENGTH`]).
fn offset(
    split: &'static str,
    freq: &Frequency,
    first: PrimitiveDateTime,
    row: &Row<'_>,
) -> Result<usize> {
    let steps = freq.steps_between(first, row.entry.start);
    if let Some(s) = steps.filter(|&s| s > crate::spec::MAX_LENGTH as i64) {
        return Err(TsError::Grouping {
            split,
            reason: format!(
                "{}:{}: start {} is {s} periods after the earliest start {first}, more than {} \
                 (a mis-dated series would be padded that far)",
                row.entry.path.display(),
                row.entry.line,
                row.entry.start,
                crate::spec::MAX_LENGTH
            ),
        });
    }
    steps
        .and_then(|s| usize::try_from(s).ok())
        .ok_or_else(|| TsError::Grouping {
            split,
            reason: format!(
                "{}:{}: start {} is not on the {}-grid of the earliest start {first}",
                row.entry.path.display(),
                row.entry.line,
                row.entry.start,
                freq.unit_name()
            ),
        })
}

/// NaN-skipping mean as pandas 2.0 computes `Series.mean()` of `f32` values without bottleneck
/// (`nanops.nanmean`): NaN replaced by 0, numpy's pairwise `f32` sum, divided in `f32` by the
/// `f32` count of observed values. Reproducing the summation order matters: the padding is
/// compared to the fixture to within one `f32` ulp.
fn nan_mean(values: &[f32]) -> f32 {
    let zeroed: Vec<f32> = values
        .iter()
        .map(|&x| if x.is_nan() { 0.0 } else { x })
        .collect();
    let count = values.iter().filter(|x| !x.is_nan()).count();
    if count == 0 {
        return f32::NAN;
    }
    numpy_pairwise_sum_f32(&zeroed) / count as f32
}

/// `MultivariateGrouper(max_target_dim)` on the training split: one `(D, T)` series from the
/// earliest start to the latest end, late or early-ending series padded with their own
/// NaN-skipping mean, the last `max_target_dim` series kept.
///
/// # Errors
/// [`TsError::Grouping`] for an empty split or a start off the frequency grid.
pub fn group_train(
    entries: &[SeriesEntry],
    freq: &Frequency,
    max_target_dim: usize,
) -> Result<GroupedSeries> {
    let rows = rows(entries);
    let first = rows
        .iter()
        .map(|r| r.entry.start)
        .min()
        .ok_or_else(|| TsError::Grouping {
            split: "train",
            reason: "no series".into(),
        })?;
    let mut offsets = Vec::with_capacity(rows.len());
    let mut total = 0usize;
    for r in &rows {
        let o = offset("train", freq, first, r)?;
        total = total.max(o + r.values.len());
        offsets.push(o);
    }
    let keep = rows.len().saturating_sub(max_target_dim);
    let observed = rows.iter().skip(keep).map(|r| r.values.len()).sum();
    check_padding("train", rows.len() - keep, total, observed)?;
    let mut values = Vec::with_capacity((rows.len() - keep) * total);
    for (r, &o) in rows.iter().zip(&offsets).skip(keep) {
        let fill = nan_mean(r.values);
        values.extend(std::iter::repeat_n(fill, o));
        values.extend_from_slice(r.values);
        values.extend(std::iter::repeat_n(fill, total - o - r.values.len()));
    }
    Ok(GroupedSeries {
        start: first,
        dim: rows.len() - keep,
        len: total,
        values,
    })
}

/// Values a padded split may always hold, whatever was observed (4 MiB of `f32`).
const FREE_PADDED_VALUES: usize = 1 << 20;

/// Padded values allowed per observed value beyond [`FREE_PADDED_VALUES`].
const PADDING_FACTOR: usize = 64;

/// Refuses a grouping whose padding would dwarf the data: `dim` series padded to `len` periods
/// when only `observed` values exist, i.e. starts (or ends) far apart. GluonTS's
/// `MultivariateGrouper` pads them all the same, which for a few series a million periods apart
/// (the most an offset may be) is gigabytes of filler.
fn check_padding(split: &'static str, dim: usize, len: usize, observed: usize) -> Result<()> {
    let padded = dim.saturating_mul(len);
    if padded <= FREE_PADDED_VALUES.max(observed.saturating_mul(PADDING_FACTOR)) {
        return Ok(());
    }
    Err(TsError::Grouping {
        split,
        reason: format!(
            "padding its {dim} series to the {len} periods from the earliest start to the latest end would take {padded} values for {observed} observed ones (more than {PADDING_FACTOR} per observed value; GluonTS's MultivariateGrouper pads them the same way): the series start or end far apart; drop or trim the series far from the others"
        ),
    })
}

/// `MultivariateGrouper(num_test_dates, max_target_dim)` on the test split: every series
/// left-padded with 0.0 to the split's earliest start, then `num_test_dates` consecutive groups
/// (date-major file order), each a `(D, T_date)` series of its last `max_target_dim` series.
///
/// # Errors
/// [`TsError::Grouping`] when the number of series is not a multiple of `num_test_dates` (as
/// `np.split`), when the series of one date do not end together, or for a start off the grid.
pub fn group_test(
    entries: &[SeriesEntry],
    freq: &Frequency,
    num_test_dates: usize,
    max_target_dim: usize,
) -> Result<Vec<GroupedSeries>> {
    let rows = rows(entries);
    let bad = |reason: String| TsError::Grouping {
        split: "test",
        reason,
    };
    if num_test_dates == 0 || rows.is_empty() || !rows.len().is_multiple_of(num_test_dates) {
        return Err(bad(format!(
            "{} series cannot be split into {num_test_dates} test dates of equal size",
            rows.len()
        )));
    }
    let first = rows
        .iter()
        .map(|r| r.entry.start)
        .min()
        .unwrap_or(rows[0].entry.start);
    let per_date = rows.len() / num_test_dates;
    let mut out = Vec::with_capacity(num_test_dates);
    for group in rows.chunks(per_date) {
        let mut padded_len = None;
        let keep = group.len().saturating_sub(max_target_dim);
        let mut values = Vec::new();
        for r in group {
            let o = offset("test", freq, first, r)?;
            let len = o + r.values.len();
            if *padded_len.get_or_insert(len) != len {
                return Err(bad(format!(
                    "{}:{}: this series ends {} periods after the earliest start, the first \
                     series of its test date {}",
                    r.entry.path.display(),
                    r.entry.line,
                    len,
                    padded_len.unwrap_or(0)
                )));
            }
        }
        let len = padded_len.unwrap_or(0);
        let observed = group.iter().skip(keep).map(|r| r.values.len()).sum();
        check_padding("test", group.len() - keep, len, observed)?;
        values.reserve((group.len() - keep) * len);
        for r in group.iter().skip(keep) {
            let o = len - r.values.len();
            values.extend(std::iter::repeat_n(0f32, o));
            values.extend_from_slice(r.values);
        }
        out.push(GroupedSeries {
            start: first,
            dim: group.len() - keep,
            len,
            values,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_far_beyond_the_observed_values_is_refused() {
        // Six one-value series a million hours apart (found by fuzzing: 24 MB from 595 bytes).
        let err = check_padding("train", 6, 1_000_000, 6).unwrap_err();
        assert!(
            err.to_string()
                .contains("6000000 values for 6 observed ones"),
            "{err}"
        );
        // Aligned series, and small grids, are fine however sparse.
        assert!(check_padding("train", 370, 26_304, 370 * 26_304).is_ok());
        assert!(check_padding("test", 3, 1000, 3).is_ok());
    }
}
