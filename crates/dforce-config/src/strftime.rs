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

/// Formats a naive local date-time as glibc's `strftime` in the C locale does, with Python's
/// `%f`. `%z` and `%Z` are empty, as for Python's naive `datetime.now()`. The `-` flag
/// (`%-d`) drops padding; unknown conversions are copied unchanged, as glibc does.
pub(crate) fn strftime(t: &OffsetDateTime, pattern: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let no_pad = chars.peek() == Some(&'-');
        if no_pad {
            chars.next();
        }
        let Some(conv) = chars.next() else {
            out.push('%');
            if no_pad {
                out.push('-');
            }
            break;
        };
        let num = |v: i64, width: usize, pad: char| -> String {
            if no_pad {
                v.to_string()
            } else if pad == '0' {
                format!("{v:0width$}")
            } else {
                format!("{v:>width$}")
            }
        };
        let wday_mon0 = i64::from(t.weekday().number_days_from_monday());
        let wday_sun0 = i64::from(t.weekday().number_days_from_sunday());
        let yday0 = i64::from(t.ordinal()) - 1;
        let hour12 = match t.hour() % 12 {
            0 => 12,
            h => i64::from(h),
        };
        let day_name = DAYS[wday_mon0 as usize];
        let month_name = MONTHS[usize::from(u8::from(t.month())) - 1];
        let s = match conv {
            'a' => day_name[..3].to_string(),
            'A' => day_name.to_string(),
            'b' | 'h' => month_name[..3].to_string(),
            'B' => month_name.to_string(),
            'c' => format!(
                "{} {} {:>2} {:02}:{:02}:{:02} {}",
                &day_name[..3],
                &month_name[..3],
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
                t.year()
            ),
            'C' => num(i64::from(t.year()).div_euclid(100), 2, '0'),
            'd' => num(i64::from(t.day()), 2, '0'),
            'D' => format!(
                "{:02}/{:02}/{:02}",
                u8::from(t.month()),
                t.day(),
                t.year().rem_euclid(100)
            ),
            'e' => num(i64::from(t.day()), 2, ' '),
            'f' => format!("{:06}", t.microsecond()),
            'F' => format!("{}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
            'g' => num(i64::from(t.to_iso_week_date().0).rem_euclid(100), 2, '0'),
            'G' => t.to_iso_week_date().0.to_string(),
            'H' => num(i64::from(t.hour()), 2, '0'),
            'I' => num(hour12, 2, '0'),
            'j' => num(yday0 + 1, 3, '0'),
            'k' => num(i64::from(t.hour()), 2, ' '),
            'l' => num(hour12, 2, ' '),
            'm' => num(i64::from(u8::from(t.month())), 2, '0'),
            'M' => num(i64::from(t.minute()), 2, '0'),
            'n' => "\n".to_string(),
            'p' => if t.hour() < 12 { "AM" } else { "PM" }.to_string(),
            'P' => if t.hour() < 12 { "am" } else { "pm" }.to_string(),
            'r' => format!(
                "{hour12:02}:{:02}:{:02} {}",
                t.minute(),
                t.second(),
                if t.hour() < 12 { "AM" } else { "PM" }
            ),
            'R' => format!("{:02}:{:02}", t.hour(), t.minute()),
            's' => (t.unix_timestamp()).to_string(),
            'S' => num(i64::from(t.second()), 2, '0'),
            't' => "\t".to_string(),
            'T' | 'X' => format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second()),
            'u' => (wday_mon0 + 1).to_string(),
            'U' => num((yday0 + 7 - wday_sun0) / 7, 2, '0'),
            'V' => num(i64::from(t.iso_week()), 2, '0'),
            'w' => wday_sun0.to_string(),
            'W' => num((yday0 + 7 - wday_mon0) / 7, 2, '0'),
            'x' => format!(
                "{:02}/{:02}/{:02}",
                u8::from(t.month()),
                t.day(),
                t.year().rem_euclid(100)
            ),
            'y' => num(i64::from(t.year()).rem_euclid(100), 2, '0'),
            'Y' => t.year().to_string(),
            'z' | 'Z' => String::new(),
            '%' => "%".to_string(),
            other => {
                if no_pad {
                    format!("%-{other}")
                } else {
                    format!("%{other}")
                }
            }
        };
        out.push_str(&s);
    }
    Ok(out)
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
    fn cached_per_pattern() {
        let a = now_cached("%H:%M:%S.%f").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(now_cached("%H:%M:%S.%f").unwrap(), a);
    }
}
