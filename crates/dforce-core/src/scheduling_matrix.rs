//! Scheduling matrices: which sampling level every token of a chunk sits at, row by row.
//!
//! Row `m` holds each column's sampling level (0..=S) before iteration `m`; the sampler makes
//! `rows − 1` steps, from row `m` to row `m + 1`. Row 0 is all `S` (pure noise) and the last row
//! is all 0 (clean).

use crate::error::CoreError;

/// The reference's `scheduling_matrix` option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchedulingKind {
    /// One token at a time (a pyramid whose slope is S).
    Autoregressive,
    /// Each later token lags the previous by `uncertainty_scale` levels.
    Pyramid,
    /// Every token at the same level: classic full-sequence diffusion.
    FullSequence,
    /// Both ends of the chunk first, the middle last.
    Trapezoid,
}

impl SchedulingKind {
    pub fn from_name(name: &str) -> Result<Self, CoreError> {
        match name {
            "autoregressive" => Ok(Self::Autoregressive),
            "pyramid" => Ok(Self::Pyramid),
            "full_sequence" => Ok(Self::FullSequence),
            "trapezoid" => Ok(Self::Trapezoid),
            other => Err(CoreError::UnknownName {
                what: "scheduling_matrix",
                given: other.to_string(),
                expected: "autoregressive, pyramid, full_sequence, trapezoid",
            }),
        }
    }
}

/// How the trapezoid is built.
///
/// The reference never assigns column `H/2` of an even horizon (it stays 0, so that token is
/// treated as clean context and never denoised) and, with a fractional `uncertainty_scale`, can
/// stop before its peak column reaches 0. `Correct` schedules every column and always ends
/// clean; `Reference` reproduces the reference bit for bit (for parity tests and for anyone who
/// needs the reference's rollouts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrapezoidMode {
    #[default]
    Correct,
    Reference,
}

/// The most levels a scheduling matrix may hold (`rows × horizon`): 2^26, 512 MiB of `i64`.
pub const MAX_ENTRIES: usize = 1 << 26;

/// A `rows × horizon` matrix of sampling levels, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulingMatrix {
    pub rows: usize,
    pub horizon: usize,
    pub levels: Vec<i64>,
}

impl SchedulingMatrix {
    /// Row `m` as a slice of `horizon` sampling levels.
    pub fn row(&self, m: usize) -> &[i64] {
        &self.levels[m * self.horizon..(m + 1) * self.horizon]
    }

    /// Refuses a matrix of more than [`MAX_ENTRIES`] levels before anything is built: `S +
    /// lag + 1` rows of `horizon` levels, the lag being `uncertainty_scale` (`S` for
    /// autoregressive, 0 for full sequence) times the longest distance. Computed in f64, so
    /// absurd values are refused, not overflowed. Cheap: settings call it to fail early.
    ///
    /// # Errors
    /// [`CoreError::Invalid`] naming what to lower.
    pub fn check_size(
        kind: SchedulingKind,
        horizon: usize,
        sampling_timesteps: usize,
        uncertainty_scale: f64,
    ) -> Result<(), CoreError> {
        let u = match kind {
            SchedulingKind::Autoregressive => sampling_timesteps as f64,
            SchedulingKind::FullSequence => 0.0,
            _ => uncertainty_scale,
        };
        // The largest lag: H − 1 (pyramid), or ⌈H/2⌉ (the reference's trapezoid, larger at H = 1).
        let longest = horizon.saturating_sub(1).max(horizon.div_ceil(2));
        let rows = sampling_timesteps as f64 + (longest as f64 * u).trunc() + 1.0;
        if rows * horizon as f64 > MAX_ENTRIES as f64 {
            return Err(CoreError::Invalid(format!(
                "a scheduling matrix of {horizon} tokens with sampling_timesteps \
                 {sampling_timesteps} and uncertainty_scale {u} would hold {:.3e} levels (at \
                 most {MAX_ENTRIES}); lower uncertainty_scale, sampling_timesteps or the horizon",
                rows * horizon as f64
            )));
        }
        Ok(())
    }

    /// Builds the matrix for `horizon` tokens with `sampling_timesteps = S`.
    pub fn build(
        kind: SchedulingKind,
        horizon: usize,
        sampling_timesteps: usize,
        uncertainty_scale: f64,
        trapezoid: TrapezoidMode,
    ) -> Result<Self, CoreError> {
        if horizon == 0 {
            return Err(CoreError::Invalid(
                "a scheduling matrix needs a horizon of at least 1 token".into(),
            ));
        }
        if !(uncertainty_scale.is_finite() && uncertainty_scale >= 0.0) {
            return Err(CoreError::Invalid(format!(
                "uncertainty_scale must be a finite number >= 0, got {uncertainty_scale}"
            )));
        }
        Self::check_size(kind, horizon, sampling_timesteps, uncertainty_scale)?;
        let s = sampling_timesteps as i64;
        Ok(match kind {
            SchedulingKind::Pyramid => pyramid(horizon, s, uncertainty_scale),
            SchedulingKind::Autoregressive => pyramid(horizon, s, s as f64),
            SchedulingKind::FullSequence => pyramid(horizon, s, 0.0),
            SchedulingKind::Trapezoid => match trapezoid {
                TrapezoidMode::Correct => trapezoid_correct(horizon, s, uncertainty_scale),
                TrapezoidMode::Reference => trapezoid_reference(horizon, s, uncertainty_scale),
            },
        })
    }
}

/// Python's `int(t * u)` for non-negative products: truncation.
fn lag(t: usize, u: f64) -> i64 {
    (t as f64 * u) as i64
}

/// Fills `rows × horizon` with `clip(S + lag(distance(col)) − m, 0, S)`.
fn from_distances(rows: usize, s: i64, lags: &[i64]) -> SchedulingMatrix {
    let horizon = lags.len();
    let mut levels = Vec::with_capacity(rows * horizon);
    for m in 0..rows as i64 {
        levels.extend(lags.iter().map(|&l| (s + l - m).clamp(0, s)));
    }
    SchedulingMatrix {
        rows,
        horizon,
        levels,
    }
}

fn pyramid(horizon: usize, s: i64, u: f64) -> SchedulingMatrix {
    let rows = s as usize + lag(horizon - 1, u) as usize + 1;
    let lags: Vec<i64> = (0..horizon).map(|t| lag(t, u)).collect();
    from_distances(rows, s, &lags)
}

/// Column `c` lags by its distance `min(c, H − c)` to the nearer end (column 0 is its own
/// mirror, as in the reference); enough rows that the last one is all zero.
fn trapezoid_correct(horizon: usize, s: i64, u: f64) -> SchedulingMatrix {
    let lags: Vec<i64> = (0..horizon).map(|c| lag(c.min(horizon - c), u)).collect();
    let rows = s as usize + *lags.iter().max().unwrap_or(&0) as usize + 1;
    from_distances(rows, s, &lags)
}

/// The reference's loop, including the unassigned middle column of an even horizon.
fn trapezoid_reference(horizon: usize, s: i64, u: f64) -> SchedulingMatrix {
    let half = horizon.div_ceil(2);
    let rows = s as usize + lag(half, u) as usize;
    let mut levels = vec![0i64; rows * horizon];
    for m in 0..rows {
        for t in 0..half {
            let v = s + lag(t, u) - m as i64;
            levels[m * horizon + t] = v;
            levels[m * horizon + (horizon - t) % horizon] = v;
        }
    }
    for v in &mut levels {
        *v = (*v).clamp(0, s);
    }
    SchedulingMatrix {
        rows,
        horizon,
        levels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(m: &SchedulingMatrix) -> Vec<Vec<i64>> {
        (0..m.rows).map(|r| m.row(r).to_vec()).collect()
    }

    #[test]
    fn pyramid_matches_the_spec_example() {
        let m = SchedulingMatrix::build(SchedulingKind::Pyramid, 3, 3, 1.0, TrapezoidMode::Correct)
            .unwrap();
        assert_eq!(
            rows(&m),
            vec![
                vec![3, 3, 3],
                vec![2, 3, 3],
                vec![1, 2, 3],
                vec![0, 1, 2],
                vec![0, 0, 1],
                vec![0, 0, 0]
            ]
        );
    }

    #[test]
    fn correct_trapezoid_denoises_the_middle_of_an_even_horizon() {
        let m =
            SchedulingMatrix::build(SchedulingKind::Trapezoid, 4, 3, 1.0, TrapezoidMode::Correct)
                .unwrap();
        // Column 2 is the farthest from both ends, so it starts last and ends last.
        assert_eq!(m.row(0), &[3, 3, 3, 3]);
        assert_eq!(m.row(3), &[0, 1, 2, 1]);
        assert_eq!(m.row(m.rows - 1), &[0, 0, 0, 0]);
        let r = SchedulingMatrix::build(
            SchedulingKind::Trapezoid,
            4,
            3,
            1.0,
            TrapezoidMode::Reference,
        )
        .unwrap();
        assert!(
            (0..r.rows).all(|i| r.row(i)[2] == 0),
            "the reference never schedules column 2"
        );
    }

    #[test]
    fn invalid_inputs_are_errors() {
        assert!(
            SchedulingMatrix::build(SchedulingKind::Pyramid, 0, 3, 1.0, TrapezoidMode::Correct)
                .is_err()
        );
        assert!(
            SchedulingMatrix::build(SchedulingKind::Pyramid, 2, 3, -1.0, TrapezoidMode::Correct)
                .is_err()
        );
        assert!(SchedulingKind::from_name("pyramidal").is_err());
    }

    /// A matrix beyond MAX_ENTRIES levels (a huge uncertainty_scale or horizon) is an error
    /// naming what to lower, never an overflow or a huge allocation.
    #[test]
    fn oversized_matrices_are_refused() {
        for (kind, horizon, s, u) in [
            (SchedulingKind::Pyramid, 100, 10, 1e30),
            (SchedulingKind::Trapezoid, 600, 100, 1e6),
            (SchedulingKind::Autoregressive, 100_000, 1000, 0.0),
            (SchedulingKind::FullSequence, MAX_ENTRIES, 10, 0.0),
            (SchedulingKind::Trapezoid, 1, 10, 1e30),
        ] {
            let err = SchedulingMatrix::build(kind, horizon, s, u, TrapezoidMode::Reference)
                .unwrap_err()
                .to_string();
            assert!(err.contains("lower uncertainty_scale"), "{kind:?}: {err}");
        }
        let m = SchedulingMatrix::build(
            SchedulingKind::Pyramid,
            600,
            100,
            1.0,
            TrapezoidMode::Correct,
        )
        .unwrap();
        assert_eq!(m.rows, 100 + 599 + 1);
    }
}
