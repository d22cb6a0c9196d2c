//! `start` timestamps, read as GluonTS reads them (`ProcessStartField`: `pd.Period(text, freq)`,
//! pandas' `parse_datetime_string_with_reso`) for the forms below, into a time-zone-free
//! [`PrimitiveDateTime`] (the wall-clock time as written; [`crate::frequency::Frequency::normalize`]
//! then maps it to its period).
//!
//! pandas' `Period` upper-cases the text, then tries its ISO 8601 reader
//! (`parse_iso_8601_datetime`, ported here as `pandas_iso`), and only where that fails
//! dateutil. Both steps are followed, each checked against pandas 2.0.3
//! (`tests/gluonts_reader_cases.rs`, oracle from `scripts/make_gluonts_reader_cases.py`).
//!
//! The ISO reader's forms, read exactly as pandas reads them:
//!
//! - a four-digit year, month and day separated by `-`, `.`, `/`, `\` or a blank (`2021-3-1`),
//!   or `20210301`; leading blanks skipped;
//! - then `T` (any case) or one blank and a time: `HH`, `H:MM`, `HH:MM`, `HHMM`, `HH:MM:SS`,
//!   `HHMMSS`, with up to 18 fraction digits after a `.` (none too: `05:00:00.`); the first
//!   nine are kept;
//! - after the seconds, blanks and a zone `Z` (any case) or `+HH[[:]MM]` (either sign, hours
//!   below 24, one digit allowed), then blanks. pandas' `Period` keeps the wall-clock time and
//!   drops the zone (`2021-03-01T05:00:00+05:00` is the period of 05:00), and so does this
//!   reader.
//!
//! Refused where pandas refuses them: a blank, a zone or an offset right after the hour or the
//! minutes (`2021-03-01 05:00 +05:00`, `2021-03-01T05:00Z`, `2021-03-01 05:00 `: pandas 2.0.3
//! raises `KeyError: 14`), year 0 and negative years, and 7 to 18 fraction digits outside
//! pandas' nanosecond `Timestamp` range (1677-09-21 to 2262-04-11).
//!
//! Where the ISO reader fails, dateutil's forms dforce reads (blanks around ignored):
//!
//! - the ISO dates above (`2021-03-01  00:00` with two blanks or a tab, `2021-03-01 `);
//! - US dates `03/01/2021`, `3/1/2021`, `03-01-2021`, `03.01.2021`: month first, as pandas'
//!   default `dayfirst=False`, and day first when the first number is above 12 (`13/01/2021`
//!   is 13 January), as pandas does;
//! - dates with a month name: `1 March 2021`, `01 Mar 2021`, `March 1, 2021`, `Mar 1 2021`
//!   (full English names, three-letter abbreviations and `Sept`, any case);
//! - after the date, blanks (or `T` after a `YYYY-MM-DD` date) and a time `H:MM`, `HH:MM:SS`,
//!   with fraction digits after `.` or `,` (any number; the first nine kept);
//! - after a `YYYY-MM-DD` date and a time, a zone `Z`, `UTC`, `GMT` (any case), `+HH:MM`,
//!   `+HHMM` or `+HH` (either sign, below 24 hours), dropped as above.
//!
//! Refused with the reason (the caller names the field and a form that works): anything else
//! pandas' dateutil fallback may guess at (two-digit years, `12pm`, ordinals such as `1st`,
//! weekday names, year-only or month-only dates, an hour alone), and what pandas refuses:
//! years beyond 9999, impossible dates and times.

use time::{Date, Month, PrimitiveDateTime, Time};

/// A form every GluonTS version reads, for error messages.
pub const START_EXAMPLE: &str = "\"2021-03-01 00:00:00\"";

/// Parses a `start` timestamp (see the module documentation for the forms).
///
/// # Errors
/// The reason the text was refused.
pub fn parse_timestamp(text: &str) -> std::result::Result<PrimitiveDateTime, String> {
    // pandas' `Period(value, freq)` upper-cases the text first (`z`, `utc`, `t` read as
    // `Z`, `UTC`, `T`), then tries its ISO 8601 reader, and only where that fails dateutil.
    let upper = text.to_ascii_uppercase();
    if text.is_ascii() {
        match pandas_iso(upper.as_bytes()) {
            Iso::Parsed(p) => return iso_result(&p),
            Iso::Generic => {
                return Err(
                    "pandas 2.0.3 refuses it (KeyError: 14): its ISO reader stops \
                            after the hour or the minutes when a blank, \"Z\" or an offset \
                            follows them; write the seconds (\"2021-03-01 05:00:00+05:00\") \
                            or nothing after the minutes"
                        .into(),
                );
            }
            Iso::Fail => {}
        }
    }
    // dateutil's forms, any case (read from the text as written, for the messages).
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

/// The finest unit pandas' ISO reader saw (`NPY_DATETIMEUNIT`): it decides how pandas builds
/// the value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Unit {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    /// 1 to 6 fraction digits (a `datetime`).
    Micro,
    /// 7 to 18 fraction digits: pandas builds a nanosecond `Timestamp`, bounded to
    /// 1677-09-21 00:12:43.145224193 ..= 2262-04-11 23:47:16.854775807.
    Nano,
}

/// What pandas' ISO reader (`parse_iso_8601_datetime` in `np_datetime_strings.c`) made of it.
struct IsoParts {
    /// Negative for a leading `-`, 0 when the year had no four digits.
    year: i32,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    /// The first nine fraction digits (pandas drops the rest).
    nanos: u32,
    unit: Unit,
}

enum Iso {
    Parsed(IsoParts),
    /// Read, but the unit stayed `NPY_FR_GENERIC` (a blank, `Z` or an offset right after the
    /// hour or the minutes): pandas 2.0.3's `npy_unit_to_attrname[14]` raises `KeyError: 14`.
    Generic,
    /// Not the ISO reader's form: pandas falls back to dateutil.
    Fail,
}

/// A port of pandas 2.0.3's ISO 8601 reader, on the upper-cased text (C's `isspace` blanks).
fn pandas_iso(s: &[u8]) -> Iso {
    let n = s.len();
    let dig = |j: usize| s.get(j).is_some_and(u8::is_ascii_digit);
    let val = |j: usize| s[j] - b'0';
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let mut p = IsoParts {
        year: 0,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        unit: Unit::Year,
    };
    let mut i = 0;
    while i < n && space(s[i]) {
        i += 1;
    }
    if i < n && s[i] == b'-' {
        i += 1;
    }
    if i == n {
        return Iso::Fail;
    }
    if n - i >= 4 && (i..i + 4).all(dig) {
        p.year = (i..i + 4).fold(0, |y, j| y * 10 + i32::from(val(j)));
        i += 4;
    }
    // pandas negates the year when the string's first byte is '-' (not after blanks).
    if s.first() == Some(&b'-') {
        p.year = -p.year;
    }
    if i == n {
        return Iso::Parsed(p);
    }
    let mut sep = None;
    if !dig(i) {
        if !matches!(s[i], b'-' | b'.' | b'/' | b'\\' | b' ') {
            return Iso::Fail;
        }
        sep = Some(s[i]);
        i += 1;
        if !dig(i) {
            return Iso::Fail;
        }
    }
    // Month and day: one digit, or two; two are needed without a separator.
    let field = |i: usize| -> Option<(u8, usize)> {
        match (dig(i), dig(i + 1)) {
            (true, true) => Some((val(i) * 10 + val(i + 1), i + 2)),
            (true, false) if sep.is_some() => Some((val(i), i + 1)),
            _ => None,
        }
    };
    let Some((month, next)) = field(i) else {
        return Iso::Fail;
    };
    (p.month, i) = (month, next);
    if !(1..=12).contains(&p.month) {
        return Iso::Fail;
    }
    if i == n {
        if sep.is_none() {
            return Iso::Fail;
        }
        p.unit = Unit::Month;
        return Iso::Parsed(p);
    }
    if let Some(sep) = sep {
        if s[i] != sep || n - i == 1 {
            return Iso::Fail;
        }
        i += 1;
    }
    let Some((day, next)) = field(i) else {
        return Iso::Fail;
    };
    (p.day, i) = (day, next);
    // p.month is in 1..=12 (checked above), so the conversion cannot fail.
    let month = time::Month::try_from(p.month).unwrap_or(time::Month::January);
    if p.day < 1 || p.day > time::util::days_in_month(month, p.year) {
        return Iso::Fail;
    }
    p.unit = Unit::Day;
    if i == n {
        return Iso::Parsed(p);
    }
    if (s[i] != b'T' && s[i] != b' ') || n - i == 1 {
        return Iso::Fail;
    }
    i += 1;
    // The hour: one or two digits.
    if !dig(i) {
        return Iso::Fail;
    }
    p.hour = val(i);
    i += 1;
    let two_digit_hour = dig(i);
    if two_digit_hour {
        p.hour = p.hour * 10 + val(i);
        i += 1;
        if p.hour >= 24 {
            return Iso::Fail;
        }
    }
    if i == n {
        if !two_digit_hour {
            return Iso::Fail;
        }
        p.unit = Unit::Hour;
        return Iso::Parsed(p);
    }
    let colons = s[i] == b':';
    if colons {
        i += 1;
        if !dig(i) {
            return Iso::Fail;
        }
    } else if !dig(i) {
        if !two_digit_hour {
            return Iso::Fail;
        }
        return iso_zone(s, i, p, None);
    }
    // The minutes: two digits, or one after ':'.
    p.minute = val(i);
    i += 1;
    if dig(i) {
        p.minute = p.minute * 10 + val(i);
        i += 1;
        if p.minute >= 60 {
            return Iso::Fail;
        }
    } else if !colons {
        return Iso::Fail;
    }
    if i == n {
        p.unit = Unit::Minute;
        return Iso::Parsed(p);
    }
    if colons && s[i] == b':' {
        i += 1;
        if !dig(i) {
            return Iso::Fail;
        }
    } else if colons || !dig(i) {
        return iso_zone(s, i, p, None);
    }
    // The seconds.
    p.second = val(i);
    i += 1;
    if dig(i) {
        p.second = p.second * 10 + val(i);
        i += 1;
        if p.second >= 60 {
            return Iso::Fail;
        }
    } else if !colons {
        return Iso::Fail;
    }
    if i < n && s[i] == b'.' {
        i += 1;
    } else {
        return iso_zone(s, i, p, Some(Unit::Second));
    }
    // Up to 18 fraction digits (pandas keeps nanoseconds: the first nine).
    let mut digits = 0;
    while digits < 18 && dig(i) {
        if digits < 9 {
            p.nanos = p.nanos * 10 + u32::from(val(i));
        }
        digits += 1;
        i += 1;
    }
    p.nanos *= 10u32.pow(9 - digits.min(9) as u32);
    let unit = if digits <= 6 { Unit::Micro } else { Unit::Nano };
    iso_zone(s, i, p, Some(unit))
}

/// The end of pandas' ISO reader: blanks, then `Z` or `+HH[[:]MM]` (hours below 24, minutes
/// below 60, either with one digit), then blanks. `unit` `None`: no unit was set.
fn iso_zone(s: &[u8], mut i: usize, mut p: IsoParts, unit: Option<Unit>) -> Iso {
    let n = s.len();
    let dig = |j: usize| s.get(j).is_some_and(u8::is_ascii_digit);
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let skip = |mut i: usize| {
        while i < n && space(s[i]) {
            i += 1;
        }
        i
    };
    i = skip(i);
    if i < n {
        match s[i] {
            b'Z' => i += 1,
            b'+' | b'-' => {
                i += 1;
                if dig(i) && dig(i + 1) {
                    if (s[i] - b'0') * 10 + (s[i + 1] - b'0') >= 24 {
                        return Iso::Fail;
                    }
                    i += 2;
                } else if dig(i) {
                    i += 1;
                } else {
                    return Iso::Fail;
                }
                if i < n {
                    if s[i] == b':' {
                        i += 1;
                    }
                    if dig(i) && dig(i + 1) {
                        if (s[i] - b'0') * 10 + (s[i + 1] - b'0') >= 60 {
                            return Iso::Fail;
                        }
                        i += 2;
                    } else if dig(i) {
                        i += 1;
                    } else {
                        return Iso::Fail;
                    }
                }
            }
            _ => return Iso::Fail,
        }
        i = skip(i);
        if i != n {
            return Iso::Fail;
        }
    }
    match unit {
        Some(u) => {
            p.unit = u;
            Iso::Parsed(p)
        }
        None => Iso::Generic,
    }
}

/// What pandas builds from its ISO reader's result: a year alone or a year and month are
/// refused here (deliberately: pandas reads `2021` as the period of all 2021); year 0 and
/// negative years as pandas refuses them; 7 or more fraction digits as pandas' nanosecond
/// `Timestamp` bounds them. The zone is dropped (pandas' `Period` keeps the wall-clock time).
fn iso_result(p: &IsoParts) -> std::result::Result<PrimitiveDateTime, String> {
    if matches!(p.unit, Unit::Year | Unit::Month) {
        return Err(UNRECOGNISED.into());
    }
    if p.year <= 0 {
        return Err(format!(
            "year {} is out of range (pandas refuses it too)",
            p.year
        ));
    }
    // p.year > 0 (checked above) and at most 9999 (four digits), so it fits a u32.
    let date = make_date(p.year.unsigned_abs(), u32::from(p.month), u32::from(p.day))?;
    let time =
        Time::from_hms_nano(p.hour, p.minute, p.second, p.nanos).map_err(|e| e.to_string())?;
    let t = PrimitiveDateTime::new(date, time);
    if p.unit == Unit::Nano {
        // Invariant: pandas' Timestamp.min / Timestamp.max, constant valid dates and times.
        let min = PrimitiveDateTime::new(
            Date::from_calendar_date(1677, Month::September, 21).expect("valid"),
            Time::from_hms_nano(0, 12, 43, 145_224_193).expect("valid"),
        );
        let max = PrimitiveDateTime::new(
            Date::from_calendar_date(2262, Month::April, 11).expect("valid"),
            Time::from_hms_nano(23, 47, 16, 854_775_807).expect("valid"),
        );
        if t < min || t > max {
            return Err(format!(
                "with 7 or more fraction digits pandas makes a nanosecond Timestamp, which \
                 cannot hold {t} (\"Out of bounds nanosecond timestamp\"); write at most 6 \
                 fraction digits"
            ));
        }
    }
    Ok(t)
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
    let t_separator = !blank && kind == DateKind::IsoDash && (c.eat(b'T') || c.eat(b't'));
    if !(blank || t_separator) {
        return Err(UNRECOGNISED.into());
    }
    let bad_time = "the time must be HH:MM, HH:MM:SS or HH:MM:SS.fff";
    let (h, _) = c.digits(2).ok_or(bad_time)?;
    // An hour alone is read by pandas' ISO reader only (`2021-03-01 07`, two digits, no blank
    // around it); dateutil refuses `2021-03-01 5`.
    if !c.eat(b':') {
        return Err(bad_time.into());
    }
    let mi = exactly_two(c).ok_or(bad_time)?;
    let (mut s, mut nanos) = (0, 0);
    if c.eat(b':') {
        s = exactly_two(c).ok_or(bad_time)?;
        // dateutil reads a comma as the decimal point too, and any number of digits (the
        // first nine kept here; the minute is what a period needs).
        if c.eat(b'.') || c.eat(b',') {
            let (f, n) = c.digits(9).ok_or(bad_time)?;
            while c.next_is_digit() {
                c.i += 1;
            }
            nanos = f * 10u32.pow(9 - n as u32);
        }
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
    if kind != DateKind::IsoDash {
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
        Some(b'Z' | b'z') => c.i += 1,
        _ => {
            let w = c.word();
            if !(w.eq_ignore_ascii_case("UTC") || w.eq_ignore_ascii_case("GMT")) {
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
