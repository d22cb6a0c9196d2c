//! Pandas frequency strings as GluonTS uses them: parsing, period arithmetic, GluonTS'
//! `get_seasonality`, and the branch's default lags and Fourier features per frequency.
//!
//! A time step is represented by the timestamp of the start of its pandas `Period` (a
//! [`PrimitiveDateTime`], no time zone): for `H` the hour, for `D`/`B` midnight, for `W` (`W-SUN`)
//! the Monday of the week. [`Frequency::normalize`] maps any timestamp to the period holding it.

use time::{Date, Duration, PrimitiveDateTime, Time, Weekday};

use crate::error::{Result, TsError};
use crate::time_features::TimeFeature;

/// The base unit of a frequency (pandas offset name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FreqUnit {
    /// Minutes (`T`, `min`).
    Minute,
    /// Hours (`H`, `h`).
    Hour,
    /// Calendar days (`D`).
    Day,
    /// Business days Monday–Friday (`B`).
    BusinessDay,
    /// Weeks ending on Sunday (`W`, `W-SUN`).
    Week,
}

/// A pandas frequency: a multiple of a [`FreqUnit`], e.g. `30min` = 30 × minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Frequency {
    /// Base unit.
    pub unit: FreqUnit,
    /// Multiple (≥ 1).
    pub multiple: u32,
}

/// The pandas alias, as a config or `metadata.json` writes it: the unit alone for a multiple of
/// 1 (`D`, `H`, `B`, `W`), else the multiple before it (`2D`, `30min`). Minutes print as `min`
/// (pandas' alias since 2.2; `T` before it, both parse).
impl std::fmt::Display for Frequency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = match self.unit {
            FreqUnit::Minute => "min",
            _ => self.unit_name(),
        };
        if self.multiple == 1 {
            write!(f, "{unit}")
        } else {
            write!(f, "{}{unit}", self.multiple)
        }
    }
}

impl Frequency {
    /// Parses a pandas frequency string: an optional positive multiple followed by `T`/`min`,
    /// `H`/`h`, `D`, `B` or `W`/`W-SUN` (pandas ≥ 2.2 aliases `h`/`min` included).
    ///
    /// # Errors
    /// [`TsError::Frequency`] for anything else (months, quarters, anchored weeks other than
    /// Sunday, a zero or overflowing multiple).
    pub fn parse(text: &str) -> Result<Self> {
        let err = || TsError::Frequency(text.to_string());
        let t = text.trim();
        let digits = t.chars().take_while(char::is_ascii_digit).count();
        let (num, name) = t.split_at(digits);
        let multiple: u32 = if num.is_empty() {
            1
        } else {
            num.parse().map_err(|_| err())?
        };
        if multiple == 0 {
            return Err(err());
        }
        let unit = match name {
            "T" | "min" => FreqUnit::Minute,
            "H" | "h" => FreqUnit::Hour,
            "D" => FreqUnit::Day,
            "B" => FreqUnit::BusinessDay,
            "W" | "W-SUN" => FreqUnit::Week,
            _ => return Err(err()),
        };
        if multiple > 1 && matches!(unit, FreqUnit::BusinessDay | FreqUnit::Week) {
            return Err(err());
        }
        Ok(Self { unit, multiple })
    }

    /// The pandas offset name of the unit as pandas 2.0 writes it (`T`, `H`, `D`, `B`, `W`),
    /// which is what GluonTS' `norm_freq_str` sees.
    pub fn unit_name(&self) -> &'static str {
        match self.unit {
            FreqUnit::Minute => "T",
            FreqUnit::Hour => "H",
            FreqUnit::Day => "D",
            FreqUnit::BusinessDay => "B",
            FreqUnit::Week => "W",
        }
    }

    /// GluonTS `get_seasonality` (gluonts/time_feature/seasonality.py, 0.13): base seasonality
    /// T 1440, H 24, D 1, W 1, B 5, divided by the multiple when it divides evenly, else 1.
    /// Example: `30min` → 48, `H` → 24, `B` → 5.
    pub fn seasonality(&self) -> usize {
        let base: u32 = match self.unit {
            FreqUnit::Minute => 1440,
            FreqUnit::Hour => 24,
            FreqUnit::Day | FreqUnit::Week => 1,
            FreqUnit::BusinessDay => 5,
        };
        if base.is_multiple_of(self.multiple) {
            (base / self.multiple) as usize
        } else {
            1
        }
    }

    /// The branch's lags for this frequency (`datasets/timeseries/covariates/lags.py`, from
    /// pytorch-ts): D `[1, 7, 14]`, B `[1, 2]`, H `[1, 24, 168]`, T/min `[1, 4, 12, 24, 48]`,
    /// otherwise `[1]` (weeks). The multiple is ignored, as there.
    pub fn default_lags(&self) -> Vec<usize> {
        match self.unit {
            FreqUnit::Day => vec![1, 7, 14],
            FreqUnit::BusinessDay => vec![1, 2],
            FreqUnit::Hour => vec![1, 24, 168],
            FreqUnit::Minute => vec![1, 4, 12, 24, 48],
            FreqUnit::Week => vec![1],
        }
    }

    /// The branch's Fourier date features for this frequency
    /// (`covariates/fourier_date_feature.py::fourier_time_features_from_frequency`): W
    /// `[daysinmonth, weekofyear]`, D `[dayofweek]`, B `[dayofweek, dayofyear]`,
    /// H `[hour, dayofweek]`, T/min `[minute, hour, dayofweek]`.
    pub fn default_time_features(&self) -> Vec<TimeFeature> {
        use TimeFeature::*;
        match self.unit {
            FreqUnit::Week => vec![DaysInMonth, WeekOfYear],
            FreqUnit::Day => vec![DayOfWeek],
            FreqUnit::BusinessDay => vec![DayOfWeek, DayOfYear],
            FreqUnit::Hour => vec![Hour, DayOfWeek],
            FreqUnit::Minute => vec![Minute, Hour, DayOfWeek],
        }
    }

    /// The start of the period holding `t`: seconds dropped (T), minutes dropped (H), midnight
    /// (D), Monday of the week (W), and for B a Saturday or Sunday moves on to the next Monday
    /// (pandas' `get_period_ordinal` gives both the ordinal of the following Monday). Multiples do not snap (pandas keeps
    /// `00:15` in a `30min` period).
    pub fn normalize(&self, t: PrimitiveDateTime) -> PrimitiveDateTime {
        let date = t.date();
        let midnight = |d: Date| PrimitiveDateTime::new(d, Time::MIDNIGHT);
        match self.unit {
            FreqUnit::Minute => PrimitiveDateTime::new(
                date,
                Time::from_hms(t.hour(), t.minute(), 0).unwrap_or(Time::MIDNIGHT),
            ),
            FreqUnit::Hour => PrimitiveDateTime::new(
                date,
                Time::from_hms(t.hour(), 0, 0).unwrap_or(Time::MIDNIGHT),
            ),
            FreqUnit::Day => midnight(date),
            FreqUnit::BusinessDay => {
                let ahead = match date.weekday() {
                    Weekday::Saturday => 2,
                    Weekday::Sunday => 1,
                    _ => 0,
                };
                midnight(date.saturating_add(Duration::days(ahead)))
            }
            FreqUnit::Week => {
                let back = i64::from(date.weekday().number_days_from_monday());
                midnight(date - Duration::days(back))
            }
        }
    }

    /// The period `steps` periods after (negative: before) the period starting at `start`
    /// (`start` must be normalised). Business days skip weekends.
    ///
    /// # Errors
    /// [`TsError::OutOfRange`] when the result leaves the `time` crate's date range.
    pub fn add(&self, start: PrimitiveDateTime, steps: i64) -> Result<PrimitiveDateTime> {
        let overflow = || TsError::OutOfRange(format!("{start} + {steps} periods overflows"));
        let m = i64::from(self.multiple);
        // In seconds with checked products: `time`'s `Duration::days` (and friends) panic on
        // overflow, and `steps · multiple` comes from the data (a series' length, its `freq`).
        let unit_secs: i64 = match self.unit {
            FreqUnit::Minute => 60,
            FreqUnit::Hour => 3600,
            FreqUnit::Day => 86_400,
            FreqUnit::Week => 7 * 86_400,
            FreqUnit::BusinessDay => 0,
        };
        let dur = match self.unit {
            FreqUnit::Minute | FreqUnit::Hour | FreqUnit::Day | FreqUnit::Week => {
                Duration::seconds(
                    steps
                        .checked_mul(m)
                        .and_then(|p| p.checked_mul(unit_secs))
                        .ok_or_else(overflow)?,
                )
            }
            FreqUnit::BusinessDay => {
                let ordinal = business_ordinal(start.date())
                    .checked_add(steps)
                    .ok_or_else(overflow)?;
                let d = business_date(ordinal).ok_or_else(overflow)?;
                return Ok(PrimitiveDateTime::new(d, Time::MIDNIGHT));
            }
        };
        start.checked_add(dur).ok_or_else(overflow)
    }

    /// The number of periods from `a` to `b` (both normalised), when `b` lies on `a`'s grid.
    pub fn steps_between(&self, a: PrimitiveDateTime, b: PrimitiveDateTime) -> Option<i64> {
        match self.unit {
            FreqUnit::BusinessDay => Some(business_ordinal(b.date()) - business_ordinal(a.date())),
            _ => {
                let unit_minutes: i64 = match self.unit {
                    FreqUnit::Minute => 1,
                    FreqUnit::Hour => 60,
                    FreqUnit::Day => 1440,
                    FreqUnit::Week => 7 * 1440,
                    // Business days take the arm above this one.
                    FreqUnit::BusinessDay => unreachable!(),
                } * i64::from(self.multiple);
                let diff = (b - a).whole_minutes();
                (diff % unit_minutes == 0
                    && (b - a).subsec_nanoseconds() == 0
                    && (b - a).whole_seconds() % 60 == 0)
                    .then_some(diff / unit_minutes)
            }
        }
    }
}

/// Business-day ordinal of a date: 5 per week, counted from the Monday of week 0 of the Julian
/// day count (only differences matter); Saturday and Sunday get the next Monday's, as pandas.
fn business_ordinal(d: Date) -> i64 {
    let jd = i64::from(d.to_julian_day());
    // Julian day 0 is a Monday.
    let week = jd.div_euclid(7);
    let dow = jd.rem_euclid(7).min(5);
    week * 5 + dow
}

fn business_date(ordinal: i64) -> Option<Date> {
    let week = ordinal.div_euclid(5);
    let dow = ordinal.rem_euclid(5);
    let jd = i32::try_from(week.checked_mul(7)?.checked_add(dow)?).ok()?;
    Date::from_julian_day(jd).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// A huge multiple (from a dataset's `freq`) overflows into an error, not a panic inside
    /// the `time` crate's duration constructors.
    #[test]
    fn far_periods_are_an_error_not_a_panic() {
        let start = datetime!(2020-01-01 0:00);
        for freq in ["4294967295D", "4294967295H", "4294967295min"] {
            let f = Frequency::parse(freq).unwrap();
            assert!(f.add(start, 1).is_err(), "{freq}");
            assert!(f.add(start, 30_000).is_err(), "{freq}");
        }
        let week = Frequency::parse("W").unwrap();
        assert!(week.add(start, i64::MAX / 2).is_err());
        assert_eq!(
            Frequency::parse("2D").unwrap().add(start, 3).unwrap(),
            datetime!(2020-01-07 0:00)
        );
    }

    #[test]
    fn parses_pandas_aliases() {
        let f = Frequency::parse("30min").unwrap();
        assert_eq!((f.unit, f.multiple), (FreqUnit::Minute, 30));
        assert_eq!(Frequency::parse("30T").unwrap(), f);
        assert_eq!(
            Frequency::parse("h").unwrap(),
            Frequency::parse("H").unwrap()
        );
        assert_eq!(Frequency::parse("1D").unwrap().unit, FreqUnit::Day);
        assert_eq!(Frequency::parse("W-SUN").unwrap().unit, FreqUnit::Week);
        for bad in ["", "M", "0H", "2B", "W-MON", "Q", "H2"] {
            let e = Frequency::parse(bad).unwrap_err();
            assert!(
                matches!(e, TsError::Frequency(ref s) if s == bad),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn seasonality_matches_gluonts() {
        let s = |f: &str| Frequency::parse(f).unwrap().seasonality();
        assert_eq!(s("H"), 24);
        assert_eq!(s("2H"), 12);
        assert_eq!(s("5H"), 1);
        assert_eq!(s("30min"), 48);
        assert_eq!(s("T"), 1440);
        assert_eq!(s("D"), 1);
        assert_eq!(s("B"), 5);
        assert_eq!(s("W"), 1);
    }

    #[test]
    fn business_days_skip_weekends() {
        let f = Frequency::parse("B").unwrap();
        let fri = datetime!(2021-03-05 00:00);
        assert_eq!(f.add(fri, 1).unwrap(), datetime!(2021-03-08 00:00));
        assert_eq!(f.add(fri, 6).unwrap(), datetime!(2021-03-15 00:00));
        assert_eq!(f.add(datetime!(2021-03-08 00:00), -1).unwrap(), fri);
        assert_eq!(
            f.normalize(datetime!(2021-03-07 13:00)),
            datetime!(2021-03-08 00:00)
        );
        assert_eq!(
            f.normalize(datetime!(2021-03-06 00:00)),
            datetime!(2021-03-08 00:00)
        );
        assert_eq!(f.steps_between(fri, datetime!(2021-03-15 00:00)), Some(6));
    }

    #[test]
    fn hours_minutes_weeks() {
        let h = Frequency::parse("H").unwrap();
        let t = datetime!(2021-03-01 23:00);
        assert_eq!(h.add(t, 2).unwrap(), datetime!(2021-03-02 01:00));
        assert_eq!(h.normalize(datetime!(2021-03-01 23:59:59)), t);
        assert_eq!(h.steps_between(t, datetime!(2021-03-02 05:00)), Some(6));
        assert_eq!(h.steps_between(t, datetime!(2021-03-02 05:30)), None);
        let m = Frequency::parse("30min").unwrap();
        assert_eq!(m.add(t, 3).unwrap(), datetime!(2021-03-02 00:30));
        assert_eq!(m.steps_between(t, datetime!(2021-03-02 00:15)), None);
        let w = Frequency::parse("W").unwrap();
        let mon = w.normalize(datetime!(2014-01-01 00:00));
        assert_eq!(mon, datetime!(2013-12-30 00:00));
        assert_eq!(w.add(mon, 1).unwrap(), datetime!(2014-01-06 00:00));
    }

    #[test]
    fn defaults_follow_the_branch() {
        let f = |s: &str| Frequency::parse(s).unwrap();
        assert_eq!(f("B").default_lags(), vec![1, 2]);
        assert_eq!(f("30min").default_lags(), vec![1, 4, 12, 24, 48]);
        assert_eq!(f("D").default_lags(), vec![1, 7, 14]);
        assert_eq!(
            f("H").default_time_features(),
            vec![TimeFeature::Hour, TimeFeature::DayOfWeek]
        );
        assert_eq!(f("30min").default_time_features().len(), 3);
    }
}
