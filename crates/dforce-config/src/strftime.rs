//! Hydra's `now` resolver: `${now:%Y-%m-%d}` is `datetime.now().strftime(pattern)`.
//!
//! Python's `datetime.now()` is the local time without a time zone, formatted by the C
//! library's `strftime` (glibc on Linux) plus Python's own `%f` (microseconds). Hydra
//! registers the resolver with `use_cache=True`, so a pattern gives the same text for the
//! whole process: `hydra.run.dir=outputs/${now:%H-%M-%S}` names one directory even if it is
//! resolved twice a second apart. We keep the same per-pattern cache.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use time::OffsetDateTime;

/// `datetime.now().strftime(pattern)`, cached per pattern for the life of the process.
/// Errors only for a pattern that cannot be formatted (none today: unknown conversions are
/// copied as glibc does); the `Result` keeps the resolver's signature honest.
pub(crate) fn now_cached(pattern: &str) -> Result<String, String> {
    static CACHE: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut cache = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(v) = cache.get(pattern) {
        return Ok(v.clone());
    }
    // Local time as Python sees it; if the offset cannot be determined safely (the `time`
    // crate refuses in some multi-threaded processes), UTC.
    let now = OffsetDateTime::now_local().unwrap_or_else(|_| OffsetDateTime::now_utc());
    let text = strftime(&now, pattern)?;
    cache.insert(pattern.to_string(), text.clone());
    Ok(text)
}

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `datetime.strftime(pattern)` for a naive local date-time, as CPython 3.11 on Linux does it
/// (`Modules/_datetimemodule.c` `wrap_strftime`, then `Modules/timemodule.c` `time_strftime`,
/// which calls glibc's `wcsftime`): Python first replaces `%f` (microseconds), `%z` and `%Z`
/// (empty for a naive time) when they follow a `%` directly; glibc (2.36, C locale) formats
/// the rest, with its GNU extensions: the flags `_` (pad with spaces), `-` (no padding), `0`
/// (pad with zeros), `^` (upper case), `#` (swap case), a field width (`%5Y` is `02024`),
/// and the `E`/`O` modifiers (the C locale has no era and no alternative digits, so they
/// change nothing, or make the conversion invalid where glibc refuses them). An invalid
/// conversion is copied as written (`%q`, `%Ed`, `%5f`), padded to its width. As in Python,
/// a result that does not fit the buffer Python grows it to (at least `256 ×` the pattern's
/// length) is the empty string.
pub(crate) fn strftime(t: &OffsetDateTime, pattern: &str) -> Result<String, String> {
    let pattern = python_replacements(t, pattern);
    let limit = python_buffer_limit(pattern.chars().count());
    Ok(glibc_strftime(t, &pattern, limit).unwrap_or_default())
}

/// `wrap_strftime`: `%f`, `%z` and `%Z` directly after a `%` are Python's own; everything
/// else (including `%%`) is left for the C library.
fn python_replacements(t: &OffsetDateTime, pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('f') => out.push_str(&format!("{:06}", t.microsecond())),
            Some('z' | 'Z') => {}
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// The largest buffer (in characters) `time_strftime` tries: it doubles from 1024 until the
/// result fits or the buffer reaches 256 × the format's length. A result needs one more
/// character than its length (glibc's terminating NUL).
fn python_buffer_limit(format_chars: usize) -> usize {
    let mut size = 1024usize;
    while size < format_chars.saturating_mul(256) {
        size = size.saturating_mul(2);
    }
    size
}

/// glibc's C-locale `%c`, `%x`, `%X`, `%r` (`D_T_FMT`, `D_FMT`, `T_FMT`, `T_FMT_AMPM`).
const C_LOCALE_DATE_TIME: &str = "%a %b %e %H:%M:%S %Y";
const C_LOCALE_DATE: &str = "%m/%d/%y";
const C_LOCALE_TIME: &str = "%H:%M:%S";
const C_LOCALE_TIME_AMPM: &str = "%I:%M:%S %p";

/// What one conversion produces before glibc pads it to the field width.
enum Field {
    /// Text (names, `%n`, `%%`, invalid conversions), padded on the left to the width.
    Text(String),
    /// A number with at least `digits` digits; `space` pads with spaces by default (`%e`).
    Number {
        digits: usize,
        value: i64,
        space: bool,
    },
    /// Seconds since the epoch: no minimum digits, padded to the width like text.
    Seconds(i64),
    /// Another format (`%c`, `%D`, `%F`, ...), formatted and padded to the width as a whole.
    Sub(&'static str),
    /// `%z` without a known offset (`tm_isdst < 0`): nothing at all, whatever the width.
    Nothing,
}

/// glibc's `__strftime_internal` over `pattern` (wide characters, C locale). `None` when the
/// result would reach `limit` characters (Python then returns `''`).
fn glibc_strftime(t: &OffsetDateTime, pattern: &str, limit: usize) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut len = 0usize;
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            len += 1;
            i += 1;
            if len >= limit {
                return None;
            }
            continue;
        }
        let start = i;
        i += 1;
        let (mut pad, mut upper, mut swap) = (None, false, false);
        while let Some(&c) = chars.get(i) {
            match c {
                '_' | '-' | '0' => pad = Some(c),
                '^' => upper = true,
                '#' => swap = true,
                _ => break,
            }
            i += 1;
        }
        let mut width = 0usize;
        while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
            // glibc saturates at INT_MAX; anything at or past the limit gives '' anyway.
            width = width
                .saturating_mul(10)
                .saturating_add(d as usize)
                .min(limit);
            i += 1;
        }
        let modifier = match chars.get(i) {
            Some(&m @ ('E' | 'O')) => {
                i += 1;
                Some(m)
            }
            _ => None,
        };
        // A `%` at the very end: glibc copies what it read (the `%`, flags and width).
        let conv = chars.get(i).copied();
        let end = if conv.is_some() { i + 1 } else { i };
        i = end;
        let mut lower = false;
        let field = match conv {
            Some(c) if !bad_modifier(c, modifier) => {
                if swap {
                    match c {
                        'a' | 'A' | 'b' | 'h' | 'B' => upper = true,
                        'p' | 'Z' => {
                            upper = false;
                            lower = true;
                        }
                        _ => {}
                    }
                }
                if c == 'P' {
                    lower = true;
                }
                conversion(t, c)
            }
            _ => None,
        };
        let field =
            field.unwrap_or_else(|| Field::Text(chars[start..end].iter().collect::<String>()));
        let text = match field {
            Field::Nothing => continue,
            Field::Text(s) => s,
            Field::Seconds(v) => v.to_string(),
            Field::Sub(fmt) => glibc_strftime(t, fmt, limit)?,
            Field::Number {
                digits,
                value,
                space,
            } => {
                let pad = match pad {
                    None if space => Some('_'),
                    other => other,
                };
                let digits = digits.max(width);
                let body = value.unsigned_abs().to_string();
                let sign = if value < 0 { "-" } else { "" };
                let shown = body.len() + sign.len();
                if digits >= limit {
                    return None;
                }
                let fill = digits.saturating_sub(shown);
                let number = match pad {
                    Some('-') => format!("{sign}{body}"),
                    Some('_') => format!("{}{sign}{body}", " ".repeat(fill)),
                    _ => format!("{sign}{}{body}", "0".repeat(fill)),
                };
                // glibc has padded the number to the width already, unless told not to pad
                // it (`%-5d` is then padded with spaces like text).
                if pad != Some('-') {
                    width = 0;
                }
                number
            }
        };
        let text = if lower {
            map_case(&text, char::to_lowercase)
        } else if upper {
            map_case(&text, char::to_uppercase)
        } else {
            text
        };
        let n = text.chars().count();
        let total = len.checked_add(n.max(width))?;
        if total >= limit {
            return None;
        }
        if width > n {
            let fill = if pad == Some('0') { '0' } else { ' ' };
            out.extend(std::iter::repeat_n(fill, width - n));
        }
        out.push_str(&text);
        len = total;
    }
    Some(out)
}

/// `towupper`/`towlower` per character (a character whose case mapping is several characters
/// keeps its form, as the wide-character functions do).
fn map_case<I: Iterator<Item = char>>(s: &str, f: impl Fn(char) -> I) -> String {
    s.chars()
        .map(|c| {
            let mut m = f(c);
            match (m.next(), m.next()) {
                (Some(one), None) => one,
                _ => c,
            }
        })
        .collect()
}

/// Whether glibc 2.36 refuses `modifier` with conversion `c` (then the conversion is copied
/// as written). Checked against Python's `time.strftime` for every conversion.
fn bad_modifier(c: char, modifier: Option<char>) -> bool {
    match modifier {
        None => false,
        Some('E') => matches!(
            c,
            'a' | 'A'
                | 'b'
                | 'h'
                | 'B'
                | 'D'
                | 'F'
                | 'd'
                | 'e'
                | 'G'
                | 'g'
                | 'H'
                | 'I'
                | 'j'
                | 'k'
                | 'l'
                | 'm'
                | 'M'
                | 'S'
                | 'U'
                | 'V'
                | 'W'
                | 'w'
        ),
        Some(_) => matches!(c, 'a' | 'A' | 'c' | 'D' | 'F' | 'x' | 'X' | 'Y'),
    }
}

/// One conversion of glibc's C locale; `None` for a conversion glibc does not know.
fn conversion(t: &OffsetDateTime, c: char) -> Option<Field> {
    let number = |digits: usize, value: i64| Field::Number {
        digits,
        value,
        space: false,
    };
    let spaced = |value: i64| Field::Number {
        digits: 2,
        value,
        space: true,
    };
    let wday_mon0 = i64::from(t.weekday().number_days_from_monday());
    let wday_sun0 = i64::from(t.weekday().number_days_from_sunday());
    let yday0 = i64::from(t.ordinal()) - 1;
    let hour12 = match t.hour() % 12 {
        0 => 12,
        h => i64::from(h),
    };
    let year = i64::from(t.year());
    let iso_year = i64::from(t.to_iso_week_date().0);
    let day_name = DAYS[wday_mon0 as usize];
    let month_name = MONTHS[usize::from(u8::from(t.month())) - 1];
    Some(match c {
        'a' => Field::Text(day_name[..3].to_string()),
        'A' => Field::Text(day_name.to_string()),
        'b' | 'h' => Field::Text(month_name[..3].to_string()),
        'B' => Field::Text(month_name.to_string()),
        'c' => Field::Sub(C_LOCALE_DATE_TIME),
        'C' => number(1, year.div_euclid(100)),
        'd' => number(2, i64::from(t.day())),
        'D' | 'x' => Field::Sub(C_LOCALE_DATE),
        'e' => spaced(i64::from(t.day())),
        'F' => Field::Sub("%Y-%m-%d"),
        'g' => number(2, iso_year.rem_euclid(100)),
        'G' => number(1, iso_year),
        'H' => number(2, i64::from(t.hour())),
        'I' => number(2, hour12),
        'j' => number(3, yday0 + 1),
        'k' => spaced(i64::from(t.hour())),
        'l' => spaced(hour12),
        'm' => number(2, i64::from(u8::from(t.month()))),
        'M' => number(2, i64::from(t.minute())),
        'n' => Field::Text("\n".to_string()),
        'p' | 'P' => Field::Text(if t.hour() < 12 { "AM" } else { "PM" }.to_string()),
        'r' => Field::Sub(C_LOCALE_TIME_AMPM),
        'R' => Field::Sub("%H:%M"),
        's' => Field::Seconds(t.unix_timestamp()),
        'S' => number(2, i64::from(t.second())),
        't' => Field::Text("\t".to_string()),
        'T' | 'X' => Field::Sub(C_LOCALE_TIME),
        'u' => number(1, wday_mon0 + 1),
        'U' => number(2, (yday0 + 7 - wday_sun0) / 7),
        'V' => number(2, i64::from(t.iso_week())),
        'w' => number(1, wday_sun0),
        'W' => number(2, (yday0 + 7 - wday_mon0) / 7),
        'y' => number(2, year.rem_euclid(100)),
        'Y' => number(1, year),
        // Python's naive time has no zone: `tm_zone` is NULL and `tm_isdst` is -1.
        'z' => Field::Nothing,
        'Z' => Field::Text(String::new()),
        '%' => Field::Text("%".to_string()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_like_python() {
        // Expected values: Python 3.11 on Linux,
        // datetime(2024, 3, 5, 7, 8, 9, 120000).strftime(pattern).
        let t = datetime!(2024-03-05 07:08:09.12 UTC);
        for (pattern, expected) in [
            ("%Y-%m-%d/%H-%M-%S", "2024-03-05/07-08-09"),
            ("%a %A %b %B %j %y", "Tue Tuesday Mar March 065 24"),
            ("%I %p %f %%", "07 AM 120000 %"),
            ("%c", "Tue Mar  5 07:08:09 2024"),
            ("%e|%-d|%-m|%U|%W|%w|%u|%V|%G", " 5|5|3|09|10|2|2|10|2024"),
            ("%z%Z|%F %T|%Q", "|2024-03-05 07:08:09|%Q"),
        ] {
            assert_eq!(strftime(&t, pattern).unwrap(), expected, "{pattern}");
        }
    }

    #[test]
    fn glibc_extensions_like_python() {
        let times = [
            datetime!(2024-03-05 07:08:09.12 UTC),
            datetime!(2023-12-31 19:05:03.000005 UTC),
        ];
        for (ti, pattern, expected) in crate::strftime_table::TABLE {
            assert_eq!(
                strftime(&times[*ti], pattern).unwrap(),
                *expected,
                "{pattern}"
            );
        }
        for (pattern, len) in crate::strftime_table::LENGTHS {
            assert_eq!(strftime(&times[0], pattern).unwrap().chars().count(), *len);
        }
    }

    #[test]
    fn cached_per_pattern() {
        let a = now_cached("%H:%M:%S.%f").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(now_cached("%H:%M:%S.%f").unwrap(), a);
    }
}
