//! Periods printed as pandas prints them: `str(pd.Period(start, freq))`, which is also how
//! GluonTS shows a series' `start`.

use time::{Duration, PrimitiveDateTime};

use crate::frequency::{FreqUnit, Frequency};

/// The period of `freq` that starts at `start`, displayed as pandas 2.0 displays it:
/// `2021-03-01 05:00` (hours and minutes, any multiple), `2021-03-01` (days, business days),
/// `2021-03-01/2021-03-07` (weeks, first and last day). The year is not zero-padded, as
/// pandas' `%Y` (C `strftime`) prints it: year 1 is `1-01-01 00:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodLabel {
    /// The frequency.
    pub freq: Frequency,
    /// The start of the period ([`Frequency::normalize`]d).
    pub start: PrimitiveDateTime,
}

impl Frequency {
    /// The period starting at `start`, printable as pandas prints it (see [`PeriodLabel`]).
    pub fn period_label(&self, start: PrimitiveDateTime) -> PeriodLabel {
        PeriodLabel { freq: *self, start }
    }
}

fn write_date(f: &mut std::fmt::Formatter<'_>, d: time::Date) -> std::fmt::Result {
    write!(f, "{}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl std::fmt::Display for PeriodLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.start;
        write_date(f, s.date())?;
        match self.freq.unit {
            FreqUnit::Minute | FreqUnit::Hour => {
                write!(f, " {:02}:{:02}", s.hour(), s.minute())
            }
            FreqUnit::Day | FreqUnit::BusinessDay => Ok(()),
            FreqUnit::Week => match s.date().checked_add(Duration::days(6)) {
                Some(end) => {
                    f.write_str("/")?;
                    write_date(f, end)
                }
                // The last week of 9999 ends in 10000, which pandas prints and `time` cannot
                // hold: `9999-12-27/10000-01-02`.
                None => write!(
                    f,
                    "/{}-01-{:02}",
                    s.year() + 1,
                    6 - (31 - i32::from(s.day()))
                ),
            },
        }
    }
}
