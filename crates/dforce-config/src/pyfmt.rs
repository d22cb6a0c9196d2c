//! Python text formatting of values.
//!
//! Two places expose Python's formatting to users: an interpolation embedded in a longer
//! string (`"lr=${experiment.training.lr}"`) is replaced by Python's `str()` of the target,
//! and YAML output prints floats from Python's `repr()`. Matching both keeps our strings and
//! `config.yaml` dumps identical to what Hydra would have produced.

use crate::value::Value;

/// Python's `repr(float)`: the shortest digits that round-trip, in fixed notation when the
/// decimal exponent is in [-4, 16), otherwise scientific with a signed two-digit exponent.
/// Examples: `0.0001`, `1e-05`, `8e-05`, `1.0`, `1e+16`, `inf`, `nan`.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    // Rust's `{:e}` yields the shortest round-trip digits as `d.ddde[-]x`.
    let sci = format!("{:e}", x);
    // Invariant: NaN/inf returned above; finite `{:e}` is always `<mantissa>e<integer>`.
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if negative { "-" } else { "" };
    if !(-4..16).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let mant = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{mant}e{esign}{:02}", exp.abs());
    }
    // Fixed notation: the decimal point goes after `exp + 1` digits.
    let point = exp + 1;
    let body = if point <= 0 {
        format!("0.{}{}", "0".repeat((-point) as usize), digits)
    } else if point as usize >= digits.len() {
        format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
    } else {
        let (int_part, frac) = digits.split_at(point as usize);
        format!("{int_part}.{frac}")
    };
    format!("{sign}{body}")
}

/// Python's `repr(str)`: single quotes unless the text contains `'` and no `"`.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `str()` of a value, as used for interpolations embedded in a string.
pub fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// Python's `repr()` of a value (strings quoted), as used inside containers.
pub fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Int(i) => i.to_string(),
        Value::BigInt(n) => n.to_string(),
        Value::Float(f) => float_repr(*f),
        Value::String(s) => str_repr(s),
        Value::Missing => "'???'".to_string(),
        Value::List(items) => {
            let inner: Vec<String> = items.iter().map(py_repr).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Map(m) => {
            let inner: Vec<String> = m
                .iter_typed()
                .map(|(k, kind, v)| match kind {
                    crate::map::KeyKind::Str => format!("{}: {}", str_repr(k), py_repr(v)),
                    _ => format!("{k}: {}", py_repr(v)),
                })
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// A short single-line rendering of a value for error messages: Python `repr`, with line
/// breaks escaped and long text shortened, so errors always stay on one line.
pub fn brief(v: &Value) -> String {
    one_line(&py_repr(v))
}

/// Escapes line breaks and shortens `s` to at most 60 characters.
pub fn one_line(s: &str) -> String {
    let escaped: String = s
        .chars()
        .flat_map(|c| match c {
            '\n' => vec!['\\', 'n'],
            '\r' => vec!['\\', 'r'],
            c => vec![c],
        })
        .collect();
    if escaped.chars().count() > 60 {
        let head: String = escaped.chars().take(57).collect();
        format!("{head}...")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::Map;

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (0.0001, "0.0001"),
            (1e-5, "1e-05"),
            (8e-5, "8e-05"),
            (1.5e-5, "1.5e-05"),
            (0.002, "0.002"),
            (1.0, "1.0"),
            (-3.0, "-3.0"),
            (0.5, "0.5"),
            (20.0, "20.0"),
            (123456.789, "123456.789"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345e20, "1.2345e+20"),
            (3.5092521, "3.5092521"),
            (4.1014933e-05, "4.1014933e-05"),
            (-1.0198415e-03, "-0.0010198415"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-0.0, "-0.0"),
        ];
        for (x, want) in cases {
            assert_eq!(float_repr(x), want, "{x:e}");
        }
    }

    #[test]
    fn containers_use_python_repr() {
        let mut m = Map::new();
        m.insert("x", Value::Int(1));
        m.insert(
            "y",
            Value::List(vec![Value::from("a'b"), Value::Null, Value::Bool(true)]),
        );
        assert_eq!(
            py_str(&Value::Map(m)),
            r#"{'x': 1, 'y': ["a'b", None, True]}"#
        );
        assert_eq!(py_str(&Value::from("plain")), "plain");
        assert_eq!(py_str(&Value::Float(8e-5)), "8e-05");
    }

    #[test]
    fn one_line_escapes_breaks_and_shortens() {
        assert_eq!(one_line("a\nb"), "a\\nb");
        assert_eq!(one_line(&"x".repeat(100)).chars().count(), 60);
    }
}
