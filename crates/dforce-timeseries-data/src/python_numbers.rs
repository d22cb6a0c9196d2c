//! JSON values converted to numbers as GluonTS's `ProcessTimeSeriesField` converts them:
//! `np.asarray(values, dtype=np.float32)` for targets and `np.asarray(values, dtype=np.int32)`
//! for `feat_static_cat` (numpy 1.26 calls Python's `float()` / `int()` on each element).

use serde_json::Value;

/// A string as numpy converts it to a float (`np.asarray(["57.92"], dtype=np.float32)` calls
/// Python's `float(str)`): surrounding whitespace ignored; an optional sign; decimal digits with
/// an optional point and exponent; `_` only between two digits (PEP 515: `1_000`); `inf`,
/// `infinity` and `nan` in any case. Numbers beyond f64 become ±inf, as in Python. Refused, as
/// in Python: hexadecimal, `nan(…)`, `1,5`, suffixes, the empty string. (Python also reads
/// non-ASCII decimal digits such as `١٢`; this reader does not.) The caller rounds the f64 to
/// f32, as numpy casts Python's float.
pub fn python_float(s: &str) -> Option<f64> {
    let plain = without_digit_underscores(s.trim())?;
    // Rust's `f64::from_str` reads exactly Python's remaining grammar (sign, digits, point,
    // exponent, inf/infinity/nan in any case).
    plain.parse::<f64>().ok()
}

/// `t` without PEP 515 underscores (each must sit between two ASCII digits); `None` when an
/// underscore is misplaced or `t` is not ASCII.
fn without_digit_underscores(t: &str) -> Option<String> {
    if !t.is_ascii() {
        return None;
    }
    let b = t.as_bytes();
    let mut plain = String::with_capacity(t.len());
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let digit = |j: Option<usize>| j.and_then(|j| b.get(j)).is_some_and(u8::is_ascii_digit);
            if !(digit(i.checked_sub(1)) && digit(Some(i + 1))) {
                return None;
            }
        } else {
            plain.push(char::from(c));
        }
    }
    Some(plain)
}

/// A target value as numpy's float32 conversion reads it: a number (rounded to f32), `null`
/// (NaN), `true` / `false` (1 / 0, as `float(True)`), or a string [`python_float`] reads
/// (which includes the `"NaN"`, `"Infinity"` and `"-Infinity"` that
/// [`crate::python_json`] makes of Python's bare constants). `None` for anything else.
pub fn target_f32(x: &Value) -> Option<f32> {
    match x {
        Value::Number(n) => n.as_f64().map(|f| f as f32),
        Value::Null => Some(f32::NAN),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => python_float(s).map(|f| f as f32),
        _ => None,
    }
}

/// A `feat_static_cat` value as `np.asarray([x], dtype=np.int32)` reads it: integers; floats
/// truncated toward zero (`1.5` → 1, `-1.5` → -1); `true` / `false`; strings as Python's
/// `int(str)` reads them (`" 2 "`, `"+1_0"`; not `"1.5"`). `None` for anything else, and for
/// values outside int32, which numpy 1.26 wraps around (with a DeprecationWarning for
/// integers, silently for floats) instead of refusing.
pub fn static_cat_i32(x: &Value) -> Option<i32> {
    match x {
        Value::Bool(b) => Some(i32::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i32::try_from(i).ok()
            } else {
                let f = n.as_f64()?.trunc();
                (f >= f64::from(i32::MIN) && f <= f64::from(i32::MAX)).then_some(f as i32)
            }
        }
        Value::String(s) => {
            let plain = without_digit_underscores(s.trim())?;
            let digits = plain.strip_prefix(['+', '-']).unwrap_or(&plain);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            plain.parse::<i32>().ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn static_cat_as_numpy_int32() {
        // np.asarray([x], dtype=np.int32) under numpy 1.26.4, for each x below:
        // 1.5 -> 1, -1.5 -> -1, 1.9999 -> 1, "1" -> 1, " 1 " -> 1, "+1" -> 1, "1_0" -> 10,
        // True -> 1, 2147483647 -> 2147483647, -2147483648 -> -2147483648;
        // "1.5", "a", "0x1", None, NaN -> ValueError / TypeError.
        for (x, want) in [
            (json!(1.5), 1),
            (json!(-1.5), -1),
            (json!(1.9999), 1),
            (json!("1"), 1),
            (json!(" 1 "), 1),
            (json!("+1"), 1),
            (json!("1_0"), 10),
            (json!(true), 1),
            (json!(2_147_483_647), i32::MAX),
            (json!(-2_147_483_648_i64), i32::MIN),
        ] {
            assert_eq!(static_cat_i32(&x), Some(want), "{x}");
        }
        // Refused by numpy, or wrapped around by it (2147483648 -> -2147483648, 1e10 ->
        // 1410065408): refused here.
        for x in [
            json!("1.5"),
            json!("a"),
            json!("0x1"),
            json!(null),
            json!("NaN"),
            json!(2_147_483_648_i64),
            json!(1e10),
            json!([1]),
        ] {
            assert_eq!(static_cat_i32(&x), None, "{x}");
        }
    }
}
