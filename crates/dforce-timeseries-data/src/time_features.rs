//! Fourier date features, as the branch's `FourierDateFeatures`
//! (`datasets/timeseries/covariates/fourier_date_feature.py`) computes them inside GluonTS'
//! `AddTimeFeatures` + `VstackFeatures`.
//!
//! For each feature `a` and each step of an index: `v = index.a`, period `P = max(v over THIS
//! index) + 1` (the observed maximum, not the calendar one: 30-minute data has minutes {0, 30} and
//! P = 31, business-day `dayofweek` has P = 5), rows `cos(2π v / P)` and `sin(2π v / P)`, computed
//! in `f64` (`v · 2 · π / P`, left to right, as numpy) and stored as `f32`.

use time::PrimitiveDateTime;

use crate::error::{Result, TsError};
use crate::frequency::{FreqUnit, Frequency};

/// A pandas `PeriodIndex` attribute used as a Fourier date feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeFeature {
    /// Month of the year, 1–12.
    Month,
    /// Day of the month, 1–31.
    Day,
    /// Hour, 0–23.
    Hour,
    /// Minute, 0–59.
    Minute,
    /// ISO week of the year, 1–53.
    WeekOfYear,
    /// Day of the week, Monday = 0 (pandas `weekday`).
    Weekday,
    /// Day of the week, Monday = 0 (pandas `dayofweek`).
    DayOfWeek,
    /// Day of the year, 1–366.
    DayOfYear,
    /// Number of days in the month, 28–31.
    DaysInMonth,
}

impl TimeFeature {
    /// Parses a pandas attribute name (`"hour"`, `"dayofweek"`, ...), the strings of the branch's
    /// feature table.
    ///
    /// # Errors
    /// [`TsError::TimeFeature`] for any other name.
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "month" => Self::Month,
            "day" => Self::Day,
            "hour" => Self::Hour,
            "minute" => Self::Minute,
            "weekofyear" => Self::WeekOfYear,
            "weekday" => Self::Weekday,
            "dayofweek" => Self::DayOfWeek,
            "dayofyear" => Self::DayOfYear,
            "daysinmonth" => Self::DaysInMonth,
            other => return Err(TsError::TimeFeature(other.to_string())),
        })
    }

    /// The pandas attribute name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Day => "day",
            Self::Hour => "hour",
            Self::Minute => "minute",
            Self::WeekOfYear => "weekofyear",
            Self::Weekday => "weekday",
            Self::DayOfWeek => "dayofweek",
            Self::DayOfYear => "dayofyear",
            Self::DaysInMonth => "daysinmonth",
        }
    }

    /// The attribute of the period starting at `t`. As pandas' `Period` attributes, periods
    /// longer than a day (weeks) use the LAST day of the period (the Sunday of a `W-SUN` week).
    pub fn value(&self, freq: &Frequency, t: PrimitiveDateTime) -> u32 {
        let date = if freq.unit == FreqUnit::Week {
            t.date().saturating_add(time::Duration::days(6))
        } else {
            t.date()
        };
        match self {
            Self::Month => u32::from(u8::from(date.month())),
            Self::Day => u32::from(date.day()),
            Self::Hour => u32::from(t.hour()),
            Self::Minute => u32::from(t.minute()),
            Self::WeekOfYear => u32::from(date.iso_week()),
            Self::Weekday | Self::DayOfWeek => u32::from(date.weekday().number_days_from_monday()),
            Self::DayOfYear => u32::from(date.ordinal()),
            Self::DaysInMonth => u32::from(date.month().length(date.year())),
        }
    }
}

/// Fourier features of `len` consecutive periods from `start`: `(len, 2·features.len())`
/// time-major `f32`, columns `[cos a0, sin a0, cos a1, sin a1, ...]` (GluonTS stacks each
/// feature's two rows in feature order, and the instance splitter transposes to NTC).
///
/// # Errors
/// [`TsError::OutOfRange`] when the index leaves the supported date range.
pub fn fourier_features(
    freq: &Frequency,
    features: &[TimeFeature],
    start: PrimitiveDateTime,
    len: usize,
) -> Result<Vec<f32>> {
    let n = features.len();
    let mut values = vec![0u32; len * n];
    let mut t = start;
    for step in 0..len {
        for (j, f) in features.iter().enumerate() {
            values[step * n + j] = f.value(freq, t);
        }
        if step + 1 < len {
            t = freq.add(t, 1)?;
        }
    }
    let mut out = vec![0f32; len * 2 * n];
    for j in 0..n {
        let period = (0..len).map(|s| values[s * n + j]).max().unwrap_or(0) as f64 + 1.0;
        for s in 0..len {
            let x = values[s * n + j] as f64 * 2.0 * std::f64::consts::PI / period;
            out[s * 2 * n + 2 * j] = x.cos() as f32;
            out[s * 2 * n + 2 * j + 1] = x.sin() as f32;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn observed_period_is_max_plus_one() {
        let f = Frequency::parse("30min").unwrap();
        let feats =
            fourier_features(&f, &[TimeFeature::Minute], datetime!(2021-01-01 00:00), 4).unwrap();
        // minutes 0, 30, 0, 30: period 31.
        let x = 30.0 * 2.0 * std::f64::consts::PI / 31.0;
        assert_eq!(feats[0], 1.0);
        assert_eq!(feats[2], x.cos() as f32);
        assert_eq!(feats[3], x.sin() as f32);
    }

    #[test]
    fn weekly_periods_use_their_sunday() {
        let w = Frequency::parse("W").unwrap();
        let t = w.normalize(datetime!(2014-01-01 00:00));
        assert_eq!(TimeFeature::DayOfWeek.value(&w, t), 6);
        assert_eq!(TimeFeature::DaysInMonth.value(&w, t), 31);
        assert_eq!(TimeFeature::WeekOfYear.value(&w, t), 1);
    }

    #[test]
    fn parse_round_trips() {
        for n in [
            "month",
            "day",
            "hour",
            "minute",
            "weekofyear",
            "weekday",
            "dayofweek",
            "dayofyear",
            "daysinmonth",
        ] {
            assert_eq!(TimeFeature::parse(n).unwrap().name(), n);
        }
        assert!(matches!(
            TimeFeature::parse("second"),
            Err(TsError::TimeFeature(_))
        ));
    }
}
