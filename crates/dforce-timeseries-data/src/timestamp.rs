//! `start` timestamps, read as GluonTS reads them (`ProcessStartField`: `pd.Period(text, freq)`,
//! pandas' `parse_datetime_string_with_reso`) for the forms below, into a time-zone-free
//! [`PrimitiveDateTime`] (the wall-clock time as written; [`crate::frequency::Frequency::normalize`]
//! then maps it to its period).
//!
//! Accepted, each checked against pandas 2.0.3 (`tests/gluonts_reader_cases.rs`, oracle from
//! `scripts/make_gluonts_reader_cases.py`):
//!
//! - ISO dates `2021-03-01`, `2021-3-1`, `2021/03/01`, `2021.03.01` and `20210301`;
//! - US dates `03/01/2021`, `3/1/2021`, `03-01-2021`, `03.01.2021`: month first, as pandas'
//!   default `dayfirst=False`, and day first when the first number is above 12 (`13/01/2021`
//!   is 13 January), as pandas does;
//! - dates with a month name: `1 March 2021`, `01 Mar 2021`, `March 1, 2021`, `Mar 1 2021`
//!   (full English names, three-letter abbreviations and `Sept`, any case);
//! - after the date, blanks (or `T` after a `YYYY-MM-DD` date) and a time `H:MM`, `HH:MM:SS` or
//!   `HH:MM:SS.fffffffff`; after an ISO date with `-` also an hour alone (`2021-03-01 00`);
//! - after a `YYYY-MM-DD` date and a time, a zone `Z`, `UTC`, `GMT`, `+HH:MM`, `+HHMM` or `+HH`
//!   (either sign, below 24 hours). pandas' `Period` keeps the wall-clock time and drops the
//!   zone (`2021-03-01T05:00:00+05:00` is the period of 05:00), and so does this reader.
//!
//! Refused with the reason (the caller names the field and a form that works): anything else
//! pandas' dateutil fallback may guess at (two-digit years, `12pm`, ordinals such as `1st`,
//! weekday names, year-only or month-only dates), and what pandas refuses: year 0 ("year 0 is
//! out of range"), years beyond 9999, impossible dates and times.

use time::{Date, Month, PrimitiveDateTime, Time};

/// A form every GluonTS version reads, for error messages.
pub const START_EXAMPLE: &str = "\"2021-03-01 00:00:00\"";

/// Parses a `start` timestamp (see the module documentation for the forms).
///
/// # Errors
/// The reason the text was refused.
pub fn parse_timestamp(text: &str) -> std::result::Result<PrimitiveDateTime, String> {
    let t = text.trim_matches(|c: char| c.is_ascii_whitespace());
    if t.is_empty() {
        return Err("it is empty".into());
    }
    let mut c = Cursor {
        s: t.as_bytes(),
        i: 0,
    };
    let (date, kind) = parse_date(&mut c)?;
    let time = parse_rest(&mut c, kind)?;
    Ok(PrimitiveDateTime::new(date, time))
}

/// Which date form was read (it decides what may follow).
#[derive(Clone, Copy, PartialEq, Eq)]
enum DateKind {
    /// `YYYY-MM-DD`.
    IsoDash,
    /// `YYYY/MM/DD`, `YYYY.MM.DD`, `YYYYMMDD`.
    IsoOther,
    /// US numeric or with a month name.
    Other,
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }
    /// Up to `max` ASCII digits (at least one), as a number and its digit count.
    fn digits(&mut self, max: usize) -> Option<(u32, usize)> {
        let start = self.i;
        let mut v = 0u32;
        while self.i - start < max {
            match self.peek() {
                Some(b) if b.is_ascii_digit() => {
                    v = v * 10 + u32::from(b - b'0');
                    self.i += 1;
                }
                _ => break,
            }
        }
        let n = self.i - start;
        (n > 0).then_some((v, n))
    }
    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    /// Skips blanks; whether there were any.
    fn blanks(&mut self) -> bool {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.i += 1;
        }
        self.i > start
    }
    fn word(&mut self) -> &str {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i]).unwrap_or("")
    }
    fn next_is_digit(&self) -> bool {
        self.peek().is_some_and(|b| b.is_ascii_digit())
    }
}

const UNRECOGNISED: &str = "not a date form dforce reads (ISO \"2021-03-01\", \"20210301\", \
                            \"2021/03/01\", US \"03/01/2021\", or \"1 March 2021\", optionally \
                            followed by a time \"HH:MM[:SS]\")";

fn parse_date(c: &mut Cursor) -> std::result::Result<(Date, DateKind), String> {
    if c.next_is_digit() {
        let (first, n) = c.digits(8).ok_or(UNRECOGNISED)?;
        return match (n, c.peek()) {
            (8, _) if c.at_end() || c.peek().is_some_and(|b| b.is_ascii_whitespace()) => Ok((
                make_date(first / 10_000, (first / 100) % 100, first % 100)?,
                DateKind::IsoOther,
            )),
            (4, Some(sep @ (b'-' | b'/' | b'.'))) => {
                c.i += 1;
                let (m, _) = c.digits(2).ok_or(UNRECOGNISED)?;
                if !c.eat(sep) {
                    return Err(UNRECOGNISED.into());
                }
                let (d, _) = c.digits(2).ok_or(UNRECOGNISED)?;
                let kind = if sep == b'-' {
                    DateKind::IsoDash
                } else {
                    DateKind::IsoOther
                };
                Ok((make_date(first, m, d)?, kind))
            }
            (1 | 2, Some(sep @ (b'-' | b'/' | b'.'))) => {
                c.i += 1;
                let (second, _) = c.digits(2).ok_or(UNRECOGNISED)?;
                if !c.eat(sep) {
                    return Err(UNRECOGNISED.into());
                }
                let year = four_digit_year(c)?;
                // pandas (dayfirst=False): month first, unless that month cannot be one.
                let (m, d) = if first > 12 && second <= 12 {
                    (second, first)
                } else {
                    (first, second)
                };
                Ok((make_date(year, m, d)?, DateKind::Other))
            }
            (1 | 2, Some(b' ' | b'\t')) => {
                c.blanks();
                let month = month_name(c.word())?;
                if !c.blanks() {
                    return Err(UNRECOGNISED.into());
                }
                let year = four_digit_year(c)?;
                Ok((make_date(year, month, first)?, DateKind::Other))
            }
            _ => Err(UNRECOGNISED.into()),
        };
    }
    let month = month_name(c.word())?;
    if !c.blanks() {
        return Err(UNRECOGNISED.into());
    }
    let (day, _) = c.digits(2).ok_or(UNRECOGNISED)?;
    c.eat(b',');
    if !c.blanks() {
        return Err(UNRECOGNISED.into());
    }
    let year = four_digit_year(c)?;
    Ok((make_date(year, month, day)?, DateKind::Other))
}

fn four_digit_year(c: &mut Cursor) -> std::result::Result<u32, String> {
    match c.digits(5) {
        Some((y, 4)) => Ok(y),
        _ => Err("the year must have four digits".into()),
    }
}

fn month_name(word: &str) -> std::result::Result<u32, String> {
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let w = word.to_ascii_lowercase();
    if w == "sept" {
        return Ok(9);
    }
    NAMES
        .iter()
        .position(|n| *n == w || (w.len() == 3 && n.starts_with(&w)))
        .map(|i| i as u32 + 1)
        .ok_or_else(|| {
            if word.is_empty() {
                UNRECOGNISED.to_string()
            } else {
                format!("{word:?} is not a month name; {UNRECOGNISED}")
            }
        })
}

fn make_date(year: u32, month: u32, day: u32) -> std::result::Result<Date, String> {
    if year == 0 {
        // pandas: `ValueError: year 0 is out of range`.
        return Err("year 0 is out of range (pandas refuses it too)".into());
    }
    let year = i32::try_from(year).map_err(|_| format!("year {year} is out of range"))?;
    let m = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| format!("month {month} is not 1-12"))?;
    let d = u8::try_from(day).map_err(|_| format!("day {day} is out of range"))?;
    Date::from_calendar_date(year, m, d)
        .map_err(|_| format!("day {day} is out of range for month {month} of {year}"))
}

/// The time (and zone) after the date; midnight when there is none.
fn parse_rest(c: &mut Cursor, kind: DateKind) -> std::result::Result<Time, String> {
    let blank = c.blanks();
    if c.at_end() {
        return Ok(Time::MIDNIGHT);
    }
    let t_separator = !blank && kind == DateKind::IsoDash && c.eat(b'T');
    if !(blank || t_separator) {
        return Err(UNRECOGNISED.into());
    }
    let bad_time = "the time must be HH:MM, HH:MM:SS or HH:MM:SS.fff";
    let (h, _) = c.digits(2).ok_or(bad_time)?;
    let (mut mi, mut s, mut nanos) = (0, 0, 0);
    let mut full = false;
    if c.eat(b':') {
        full = true;
        mi = exactly_two(c).ok_or(bad_time)?;
        if c.eat(b':') {
            s = exactly_two(c).ok_or(bad_time)?;
            if c.eat(b'.') {
                let (f, n) = c.digits(9).ok_or(bad_time)?;
                if c.next_is_digit() {
                    return Err("more than 9 digits of fractional seconds".into());
                }
                nanos = f * 10u32.pow(9 - n as u32);
            }
        }
    } else if kind != DateKind::IsoDash {
        return Err(bad_time.into());
    }
    if h > 23 {
        return Err(format!("hour {h} is not 0-23"));
    }
    if mi > 59 || s > 59 {
        return Err(format!(
            "minute or second of {h}:{mi:02}:{s:02} is not 0-59"
        ));
    }
    let time = Time::from_hms_nano(h as u8, mi as u8, s as u8, nanos).map_err(|e| e.to_string())?;
    c.blanks();
    if c.at_end() {
        return Ok(time);
    }
    if kind != DateKind::IsoDash || !full {
        return Err(UNRECOGNISED.into());
    }
    parse_zone(c)?;
    Ok(time)
}

fn exactly_two(c: &mut Cursor) -> Option<u32> {
    match c.digits(2) {
        Some((v, 2)) => Some(v),
        _ => None,
    }
}

/// A zone after the time: read, checked, and dropped (pandas' `Period` keeps the wall-clock
/// time).
fn parse_zone(c: &mut Cursor) -> std::result::Result<(), String> {
    let bad = "the zone must be Z, UTC, GMT, +HH:MM, +HHMM or +HH";
    match c.peek() {
        Some(b'+' | b'-') => {
            c.i += 1;
            let h = exactly_two(c).ok_or(bad)?;
            let colon = c.eat(b':');
            let m = if colon || c.next_is_digit() {
                exactly_two(c).ok_or(bad)?
            } else {
                0
            };
            if h > 23 || m > 59 {
                return Err(format!("zone offset {h:02}:{m:02} is not below 24 hours"));
            }
        }
        Some(b'Z') => c.i += 1,
        _ => {
            if !matches!(c.word(), "UTC" | "GMT") {
                return Err(bad.into());
            }
        }
    }
    if c.at_end() { Ok(()) } else { Err(bad.into()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps() {
        for (text, want) in [
            ("2014-01-01 00:00:00", datetime!(2014-01-01 00:00)),
            ("2014-01-01", datetime!(2014-01-01 00:00)),
            ("2014-01-01T13:30", datetime!(2014-01-01 13:30)),
            ("2014-01-01 13:30:05.5", datetime!(2014-01-01 13:30:05.5)),
            ("2014-01-01T05:00:00+05:00", datetime!(2014-01-01 05:00)),
            ("03/01/2021 07:00", datetime!(2021-03-01 07:00)),
            ("March 1, 2021", datetime!(2021-03-01 00:00)),
        ] {
            assert_eq!(parse_timestamp(text), Ok(want), "{text}");
        }
        for bad in [
            "",
            "2014",
            "2014-13-01",
            "2014-02-30",
            "2014-01-01 25:00",
            "yesterday",
            "2014-01-01 1:2:3:4",
            "0000-01-01",
            "13/13/2021",
            "2021-03-01Z",
            "2021-03-01 00:00 +24:00",
            "1 Marc 2021",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
    }
}
