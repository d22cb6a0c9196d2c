//! Tick label text for numbers: one number of decimals per axis (the fewest that tell every tick
//! apart), no trailing `.0` on whole numbers, scientific notation for very large or small values.

/// Formats all `ticks` of one axis alike: `0 0.5 1` becomes `"0.0" "0.5" "1.0"`, `0 1000 2000`
/// becomes `"0" "1000" "2000"`, and magnitudes ≥ 1e6 or < 1e-4 use e.g. `"2.5e-5"`.
pub(crate) fn axis_labels(ticks: &[f64]) -> TickFormat {
    let finite: Vec<f64> = ticks.iter().copied().filter(|t| t.is_finite()).collect();
    let max_abs = finite.iter().fold(0.0f64, |m, t| m.max(t.abs()));
    if max_abs >= 1e6 || (max_abs > 0.0 && max_abs < 1e-4) {
        return TickFormat::Scientific;
    }
    let decimals = (0..=8)
        .find(|&d| {
            let scale = 10f64.powi(d);
            finite
                .iter()
                .all(|t| ((t * scale).round() / scale - t).abs() <= 1e-9 * max_abs.max(1e-12))
        })
        .unwrap_or(8);
    TickFormat::Fixed(decimals as usize)
}

/// How one axis prints its tick values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TickFormat {
    /// Fixed-point with this many decimals.
    Fixed(usize),
    /// Shortest `{:e}` form with at most three significant digits.
    Scientific,
}

impl TickFormat {
    /// The label of `v`.
    pub(crate) fn format(self, v: f64) -> String {
        let s = match self {
            TickFormat::Fixed(d) => format!("{v:.d$}"),
            TickFormat::Scientific => {
                if v == 0.0 {
                    "0".to_string()
                } else {
                    // Round to three significant digits, then print the shortest form.
                    let rounded: f64 = format!("{v:.2e}").parse().unwrap_or(v);
                    format!("{rounded:e}")
                }
            }
        };
        // "-0.0" reads as a sign error.
        if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
            s[1..].to_string()
        } else {
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(ticks: &[f64]) -> Vec<String> {
        let f = axis_labels(ticks);
        ticks.iter().map(|&t| f.format(t)).collect()
    }

    #[test]
    fn one_decimal_count_per_axis() {
        assert_eq!(labels(&[0.0, 1000.0, 2000.0]), ["0", "1000", "2000"]);
        assert_eq!(labels(&[0.0, 0.5, 1.0]), ["0.0", "0.5", "1.0"]);
        assert_eq!(labels(&[0.1 + 0.2, 0.4]), ["0.3", "0.4"]);
        assert_eq!(labels(&[-0.25, 0.0, 0.25]), ["-0.25", "0.00", "0.25"]);
        assert_eq!(labels(&[-0.0]), ["0"]);
    }

    #[test]
    fn extreme_magnitudes_are_scientific() {
        assert_eq!(labels(&[0.0, 2e6, 4e6]), ["0", "2e6", "4e6"]);
        assert_eq!(labels(&[1e-5, 2.5e-5]), ["1e-5", "2.5e-5"]);
    }
}
