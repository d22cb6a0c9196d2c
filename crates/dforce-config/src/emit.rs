//! YAML output in the layout of `OmegaConf.to_yaml` (PyYAML, block style, keys in order).
//!
//! Composed configs are printed (`--cfg job`) and saved next to every run, and users diff
//! them against Hydra's. So we follow PyYAML's choices: two-space indentation, lists not
//! indented under their key, `{}`/`[]` for empty containers, floats from Python's `repr`
//! with `.0` forced into exponent forms (`8.0e-05`), and OmegaConf's rule of single-quoting
//! strings that would read back as another type (`'1e-4'`, `'true'`, `'3'`).
//!
//! Deliberate differences: multi-line strings are written as literal blocks (`|`) where
//! PyYAML would fold them into a single-quoted scalar, and long plain strings are not
//! wrapped at 80 columns. Both read back to the same values.

use crate::map::{KeyKind, Map, key_value};
use crate::pyfmt::float_repr;
use crate::value::Value;
use crate::yaml_scalar::plain_is_not_string;

impl Value {
    /// This value as a YAML document, formatted like `OmegaConf.to_yaml`.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        match self {
            Value::Map(m) if !m.is_empty() => emit_map(m, 0, &mut out),
            Value::List(l) if !l.is_empty() => emit_list(l, 0, &mut out),
            other => {
                emit_scalar(other, 0, &mut out);
                out.push('\n');
            }
        }
        out
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn emit_map(m: &Map, indent: usize, out: &mut String) {
    for (k, kind, v) in m.iter_typed() {
        pad(out, indent);
        // An int, float or bool key prints as that scalar (`1: 2`, `true: 2`, `1.5: x`).
        match kind {
            KeyKind::Str => out.push_str(&string_scalar(k)),
            _ => emit_scalar(&key_value(k, kind), indent, out),
        }
        out.push(':');
        match v {
            Value::Map(child) if !child.is_empty() => {
                out.push('\n');
                emit_map(child, indent + 2, out);
            }
            Value::List(items) if !items.is_empty() => {
                out.push('\n');
                emit_list(items, indent, out);
            }
            scalar => {
                out.push(' ');
                emit_scalar(scalar, indent + 2, out);
                out.push('\n');
            }
        }
    }
}

fn emit_list(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        pad(out, indent);
        out.push('-');
        match item {
            Value::Map(child) if !child.is_empty() => {
                let mut nested = String::new();
                emit_map(child, indent + 2, &mut nested);
                out.push(' ');
                out.push_str(&nested[indent + 2..]);
            }
            Value::List(child) if !child.is_empty() => {
                let mut nested = String::new();
                emit_list(child, indent + 2, &mut nested);
                out.push(' ');
                out.push_str(&nested[indent + 2..]);
            }
            scalar => {
                out.push(' ');
                emit_scalar(scalar, indent + 2, out);
                out.push('\n');
            }
        }
    }
}

/// Writes a scalar (or empty container) without the final line break. `indent` is the
/// indentation of block-scalar content.
fn emit_scalar(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::BigInt(n) => out.push_str(&n.to_string()),
        Value::Float(f) => out.push_str(&yaml_float(*f)),
        Value::Missing => out.push_str("???"),
        Value::Map(_) => out.push_str("{}"),
        Value::List(_) => out.push_str("[]"),
        Value::String(s) => {
            if s.contains('\n') && literal_allowed(s) {
                emit_literal(s, indent, out);
            } else {
                out.push_str(&string_scalar(s));
            }
        }
    }
}

/// PyYAML's float representation: `repr` lowercased, `.0` added to a bare exponent form.
fn yaml_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.to_string();
    }
    let r = float_repr(f).to_ascii_lowercase();
    if !r.contains('.') && r.contains('e') {
        r.replacen('e', ".0e", 1)
    } else {
        r
    }
}

/// A single-line rendering of a string: plain when PyYAML would write it plain, otherwise
/// single-quoted, or double-quoted when it has characters single quotes cannot carry.
/// Keys and values follow the same rules. Text with line breaks only gets here when a
/// literal block cannot carry it (or as a key), and is then double-quoted.
fn string_scalar(s: &str) -> String {
    if omegaconf_quotes(s) {
        return single_quoted(s);
    }
    if plain_allowed(s) && !resolves_to_other_type(s) {
        return s.to_string();
    }
    if s.chars().any(|c| is_special(c) || is_break(c)) {
        return double_quoted(s);
    }
    single_quoted(s)
}

/// OmegaConf's dumper quotes strings that look like booleans or Python numbers.
fn omegaconf_quotes(s: &str) -> bool {
    const YAML_BOOLS: [&str; 22] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
    ];
    YAML_BOOLS.contains(&s) || python_int(s) || python_float(s)
}

/// Would PyYAML's dumper resolver read this plain text as a non-string? (YAML 1.1 types,
/// including timestamps and the `<<` merge key.)
fn resolves_to_other_type(s: &str) -> bool {
    plain_is_not_string(s) || s == "<<" || looks_like_timestamp(s)
}

fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    digits(0..4) && b.get(4) == Some(&b'-') && b.len() >= 8 && b[5].is_ascii_digit()
}

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Characters PyYAML will not write unescaped (with `allow_unicode=True`).
fn is_special(c: char) -> bool {
    let printable_ascii = c == '\n' || (' '..='~').contains(&c);
    let printable_unicode = matches!(c, '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
        && c != '\u{FEFF}';
    !(printable_ascii || printable_unicode)
}

/// PyYAML's `analyze_scalar` verdict for plain style in block context.
fn plain_allowed(s: &str) -> bool {
    if s.is_empty() || s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    let chars: Vec<char> = s.chars().collect();
    let ws = |c: Option<&char>| {
        c.is_none_or(|c| {
            matches!(
                c,
                ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}'
            )
        })
    };
    if chars[0] == ' ' || chars[chars.len() - 1] == ' ' {
        return false;
    }
    for (i, &c) in chars.iter().enumerate() {
        if is_special(c) || is_break(c) {
            return false;
        }
        let followed_by_ws = ws(chars.get(i + 1));
        if i == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(c) {
                return false;
            }
            if matches!(c, '?' | ':' | '-') && followed_by_ws {
                return false;
            }
        } else {
            if c == ':' && followed_by_ws {
                return false;
            }
            if c == '#' && ws(chars.get(i - 1)) {
                return false;
            }
        }
    }
    true
}

/// Python's `int(s)` would accept it.
fn python_int(s: &str) -> bool {
    let t = s.trim();
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    digits_with_underscores(t)
}

fn digits_with_underscores(t: &str) -> bool {
    !t.is_empty()
        && !t.starts_with('_')
        && !t.ends_with('_')
        && !t.contains("__")
        && t.chars().all(|c| c.is_ascii_digit() || c == '_')
}

/// Python's `float(s)` would accept it.
fn python_float(s: &str) -> bool {
    let t = s.trim();
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let lower = t.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return true;
    }
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (int.is_empty() || digits_with_underscores(int))
                && (frac.is_empty() || digits_with_underscores(frac))
                && !(int.is_empty() && frac.is_empty())
        }
        None => digits_with_underscores(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        digits_with_underscores(e)
    });
    mantissa_ok && exponent_ok
}

fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if is_special(c) || is_break(c) => {
                let n = c as u32;
                if n <= 0xFF {
                    out.push_str(&format!("\\x{n:02X}"));
                } else if n <= 0xFFFF {
                    out.push_str(&format!("\\u{n:04X}"));
                } else {
                    out.push_str(&format!("\\U{n:08X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A literal block keeps the text exactly when no line has trailing spaces, the text does
/// not start with a space or line break, and every character is printable.
fn literal_allowed(s: &str) -> bool {
    !s.starts_with([' ', '\n'])
        && !s.chars().any(|c| {
            (is_special(c) && c != '\t') || matches!(c, '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
        })
        && !s
            .split('\n')
            .any(|line| line.ends_with(' ') || line.ends_with('\t'))
}

fn emit_literal(s: &str, indent: usize, out: &mut String) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push_str(match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    let mut lines: Vec<&str> = body.split('\n').collect();
    // With keep-chomping, extra trailing line breaks are written as empty lines.
    lines.extend(std::iter::repeat_n("", trailing.saturating_sub(1)));
    for line in lines {
        out.push('\n');
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_yaml_str;

    fn roundtrip(v: &Value) {
        let text = v.to_yaml();
        let back = parse_yaml_str(&text, "emitted").unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(&back, v, "{text}");
    }

    #[test]
    fn layout_matches_pyyaml() {
        let v = parse_yaml_str(
            "experiment:\n  tasks: [training]\n  lr: 8e-5\n  e: {}\n  l: []\n  nested: [[1, 2], {a: 1, b: [x]}]\nname: x\n",
            "t",
        )
        .unwrap();
        assert_eq!(
            v.to_yaml(),
            "experiment:\n  tasks:\n  - training\n  lr: 8.0e-05\n  e: {}\n  l: []\n  nested:\n  - - 1\n    - 2\n  - a: 1\n    b:\n    - x\nname: x\n"
        );
    }

    #[test]
    fn scalars_like_omegaconf() {
        let cases: [(Value, &str); 20] = [
            (Value::Float(1e-4), "0.0001"),
            (Value::Float(1e-5), "1.0e-05"),
            (Value::Float(2e-3), "0.002"),
            (Value::Float(6.0), "6.0"),
            (Value::Float(1e16), "1.0e+16"),
            (Value::Float(f64::INFINITY), ".inf"),
            (Value::Float(f64::NAN), ".nan"),
            (Value::Int(-1), "-1"),
            (Value::Bool(true), "true"),
            (Value::Null, "null"),
            (Value::Missing, "???"),
            (Value::from("16-mixed"), "16-mixed"),
            (Value::from("1e-4"), "'1e-4'"),
            (Value::from("3"), "'3'"),
            (Value::from("yes"), "'yes'"),
            (Value::from("null"), "'null'"),
            (Value::from(""), "''"),
            (Value::from("${dataset.n_frames}"), "${dataset.n_frames}"),
            (Value::from("a: b"), "'a: b'"),
            (Value::from("it's"), "it's"),
        ];
        for (v, want) in cases {
            let mut out = String::new();
            emit_scalar(&v, 2, &mut out);
            assert_eq!(out, want, "{v:?}");
        }
    }

    #[test]
    fn strings_round_trip() {
        for s in [
            "",
            " lead",
            "trail ",
            "#x",
            "a #b",
            "a#b",
            "- x",
            "-x",
            "[1]",
            "{a}",
            "24:0:0",
            "~",
            "<<",
            "=",
            "2024-01-02",
            "tab\there",
            "quote'd \"x\"",
            "back\\slash",
            "multi\nline\n",
            "no newline\nend",
            "keep\n\n",
            " starts\nwith space",
            "trailing \nspace",
            "x: y\n",
            "ünïcode",
            "???x",
            ".5",
            "1_000",
            "@at",
            "%p",
            "*star",
            "!bang",
            "&amp",
            "`tick",
            "|pipe",
            ">gt",
            "?q",
            "? q",
            ":c",
            "true",
        ] {
            let mut m = Map::new();
            m.insert(s, Value::from(s));
            m.insert("list", Value::List(vec![Value::from(s)]));
            roundtrip(&Value::Map(m));
        }
    }

    #[test]
    fn literal_blocks_for_multiline_strings() {
        let mut m = Map::new();
        m.insert("t", Value::from("#!/bin/bash\n\ncd {x}\n"));
        assert_eq!(Value::Map(m).to_yaml(), "t: |\n  #!/bin/bash\n\n  cd {x}\n");
    }
}
