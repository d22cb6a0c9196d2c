//! Timestamps as GluonTS writes them in `start` fields (`"2014-01-01 00:00:00"`, also date-only
//! `"2014-01-01"`), read into a time-zone-free [`PrimitiveDateTime`].

use time::{Date, Month, PrimitiveDateTime, Time};

/// Parses a timestamp as GluonTS writes them: `YYYY-MM-DD`, optionally followed by a space or
/// `T` and `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`. No time zone.
///
/// # Errors
/// The reason the text was refused.
pub fn parse_timestamp(text: &str) -> std::result::Result<PrimitiveDateTime, String> {
    let t = text.trim();
    let (date_part, time_part) = match t.find([' ', 'T']) {
        Some(i) => (&t[..i], Some(t[i + 1..].trim())),
        None => (t, None),
    };
    let num = |s: &str, what: &str| -> std::result::Result<u32, String> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 4 {
            return Err(format!("{what} {s:?} is not a number"));
        }
        s.parse::<u32>().map_err(|e| format!("{what} {s:?}: {e}"))
    };
    let mut d = date_part.split('-');
    let (Some(y), Some(m), Some(day), None) = (d.next(), d.next(), d.next(), d.next()) else {
        return Err("expected YYYY-MM-DD[ HH:MM[:SS]]".into());
    };
    let year = i32::try_from(num(y, "year")?).map_err(|e| e.to_string())?;
    let month = u8::try_from(num(m, "month")?)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| format!("month {m:?} is not 1-12"))?;
    let day = u8::try_from(num(day, "day")?).map_err(|e| e.to_string())?;
    let date = Date::from_calendar_date(year, month, day).map_err(|e| e.to_string())?;
    let time = match time_part {
        None | Some("") => Time::MIDNIGHT,
        Some(tp) => {
            let mut p = tp.split(':');
            let h = num(p.next().unwrap_or(""), "hour")?;
            let mi = num(p.next().ok_or("expected HH:MM")?, "minute")?;
            let (s, frac) = match p.next() {
                None => (0, 0),
                Some(sec) => {
                    let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
                    if !frac.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(format!("seconds {sec:?} are not a number"));
                    }
                    let nanos = format!("{frac:0<9}")[..9].parse::<u32>().unwrap_or(0);
                    (num(whole, "second")?, nanos)
                }
            };
            if p.next().is_some() {
                return Err("expected HH:MM[:SS]".into());
            }
            let narrow = |x: u32| u8::try_from(x).map_err(|e| e.to_string());
            Time::from_hms_nano(narrow(h)?, narrow(mi)?, narrow(s)?, frac)
                .map_err(|e| e.to_string())?
        }
    };
    Ok(PrimitiveDateTime::new(date, time))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps() {
        assert_eq!(
            parse_timestamp("2014-01-01 00:00:00").unwrap(),
            datetime!(2014-01-01 00:00)
        );
        assert_eq!(
            parse_timestamp("2014-01-01").unwrap(),
            datetime!(2014-01-01 00:00)
        );
        assert_eq!(
            parse_timestamp("2014-01-01T13:30").unwrap(),
            datetime!(2014-01-01 13:30)
        );
        assert_eq!(
            parse_timestamp("2014-01-01 13:30:05.5").unwrap(),
            datetime!(2014-01-01 13:30:05.5)
        );
        for bad in [
            "",
            "2014",
            "2014-13-01",
            "2014-02-30",
            "2014-01-01 25:00",
            "yesterday",
            "2014-01-01 1:2:3:4",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
    }
}
