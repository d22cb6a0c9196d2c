//! JSON text as Python's `json.loads` reads it, which is what GluonTS's loader uses by default
//! (`gluonts.json` takes orjson or ujson only when one of those optional packages is installed;
//! a plain `pip install gluonts` has neither, recorded as `gluonts_json_variant` in
//! `tests/fixtures/gluonts/reader_cases/starts.json`).
//!
//! Python's reader extends JSON with the bare constants `NaN`, `Infinity` and `-Infinity`
//! (which `json.dumps` writes for non-finite floats) and reads numbers beyond the range of a
//! double (`1e400`) as ±infinity. Here those tokens are read into [`serde_json::Value`] as the
//! strings `"NaN"`, `"Infinity"` and `"-Infinity"`, which every numeric field of a GluonTS entry
//! converts to the same float that Python's constant gives (see
//! [`crate::python_numbers::python_float`]).
//!
//! A syntax error is a [`JsonSyntax`]: the 1-based line and column (in characters, as Python
//! counts them) of the original text, the parser's complaint and a hint.

use serde_json::Value;
use serde_json::error::Category;

/// Why a text is not JSON, positioned in the original text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line} column {column}: {detail}; {hint}")]
pub struct JsonSyntax {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The parser's complaint (`expected value`, `trailing comma`, ...).
    pub detail: String,
    /// What usually causes it and what to write instead.
    pub hint: &'static str,
}

/// Parses `text` as Python's `json.loads` does (see the module documentation).
///
/// # Errors
/// [`JsonSyntax`] when Python would refuse the text too (or, rarely, a form Python reads but
/// serde_json does not, such as a lone UTF-16 surrogate escape).
pub fn parse(text: &str) -> Result<Value, JsonSyntax> {
    let first = match serde_json::from_str(text) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let (rewritten, edits) = rewrite_python_constants(text);
    if edits.is_empty() {
        return Err(syntax(text, text, &[], &first));
    }
    serde_json::from_str(&rewritten).map_err(|e| syntax(text, &rewritten, &edits, &e))
}

/// A replacement made in the text: at original byte `at`, `old` bytes became `new` bytes.
#[derive(Debug, Clone, Copy)]
struct Edit {
    at: usize,
    old: usize,
    new: usize,
}

/// Replaces, outside strings, `NaN`, `Infinity`, `-Infinity` and numbers that overflow a double
/// by JSON strings.
fn rewrite_python_constants(text: &str) -> (String, Vec<Edit>) {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut edits = Vec::new();
    let mut copied = 0;
    let mut i = 0;
    let mut in_string = false;
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        let replacement: Option<(usize, &str)> = if c == b'"' {
            in_string = true;
            None
        } else if b[i..].starts_with(b"NaN") {
            Some((3, "\"NaN\""))
        } else if b[i..].starts_with(b"Infinity") {
            Some((8, "\"Infinity\""))
        } else if b[i..].starts_with(b"-Infinity") {
            Some((9, "\"-Infinity\""))
        } else if c == b'-' || c.is_ascii_digit() {
            let len = number_len(&b[i..]);
            let token = &text[i..i + len];
            let overflow = token.contains(['.', 'e', 'E'])
                && token.parse::<f64>().is_ok_and(|f| f.is_infinite());
            if overflow {
                Some((
                    len,
                    if c == b'-' {
                        "\"-Infinity\""
                    } else {
                        "\"Infinity\""
                    },
                ))
            } else {
                i += len.max(1);
                continue;
            }
        } else {
            None
        };
        match replacement {
            Some((old, new)) => {
                out.push_str(&text[copied..i]);
                out.push_str(new);
                edits.push(Edit {
                    at: i,
                    old,
                    new: new.len(),
                });
                i += old;
                copied = i;
            }
            None => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    (out, edits)
}

/// Length of the number-like token at the start of `b` (sign, digits, point, exponent).
fn number_len(b: &[u8]) -> usize {
    let mut n = usize::from(b.first() == Some(&b'-'));
    while n < b.len() {
        let c = b[n];
        let sign_after_exp = (c == b'+' || c == b'-') && matches!(b[n - 1], b'e' | b'E');
        if c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E') || sign_after_exp {
            n += 1;
        } else {
            break;
        }
    }
    n
}

/// The error of parsing `parsed` (the original `original` after `edits`), positioned in the
/// original.
fn syntax(original: &str, parsed: &str, edits: &[Edit], e: &serde_json::Error) -> JsonSyntax {
    // serde_json counts lines from 1 and columns in bytes from 1 (0 before the first byte).
    let line_start: usize = parsed
        .split_inclusive('\n')
        .take(e.line().saturating_sub(1))
        .map(str::len)
        .sum();
    let in_parsed = (line_start + e.column().saturating_sub(1)).min(parsed.len());
    // Positions after an edit move back by its growth; inside one, to its start.
    // An edit may shorten the text (`1.0000000000e400` becomes `"Infinity"`): signed growth.
    let mut growth: isize = 0;
    let mut inside = None;
    for edit in edits {
        let start = edit.at.saturating_add_signed(growth);
        if in_parsed < start {
            break;
        }
        if in_parsed < start + edit.new {
            inside = Some(edit.at);
            break;
        }
        growth += edit.new as isize - edit.old as isize;
    }
    let at = inside.unwrap_or_else(|| in_parsed.saturating_add_signed(-growth));
    let mut at = at.min(original.len());
    while !original.is_char_boundary(at) {
        at -= 1;
    }
    // serde_json points inside a bad word (`nan` at its `a`); Python, and the hint, at its start.
    while at > 0 && original.as_bytes()[at - 1].is_ascii_alphabetic() {
        at -= 1;
    }
    let before = &original[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let full = e.to_string();
    let detail = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(d, _)| d)
        .to_string();
    JsonSyntax {
        line,
        column,
        detail,
        hint: hint(&original[at..], before, e.classify()),
    }
}

fn hint(rest: &str, before: &str, category: Category) -> &'static str {
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let trailing_comma =
        before.trim_end().ends_with(',') && rest.trim_start().starts_with(['}', ']']);
    if rest.starts_with('\u{feff}') {
        "remove the UTF-8 byte order mark (GluonTS's metadata reader refuses it too)"
    } else if category == Category::Eof {
        "the text ends inside a value: each entry must be one complete JSON object on one line"
    } else if rest.starts_with('\'') {
        "strings and keys need double quotes, as json.dumps writes them"
    } else if matches!(
        word.as_str(),
        "nan" | "inf" | "infinity" | "Inf" | "None" | "True" | "False"
    ) {
        "write a missing value as NaN, \"NaN\" or null, infinities as Infinity or -Infinity, \
         booleans as true or false (as json.dumps writes them, not Python's repr)"
    } else if trailing_comma {
        "remove the comma before the closing bracket"
    } else {
        "each line must be one JSON object, as json.dumps or GluonTS's JsonLinesWriter writes it"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_constants_and_positions() {
        // json.loads('{"a": [NaN, Infinity, -Infinity, 1e400, -1e400, 2.5]}')
        // -> {'a': [nan, inf, -inf, inf, -inf, 2.5]} (Python 3.11)
        let v = parse(r#"{"a": [NaN, Infinity, -Infinity, 1e400, -1e400, 2.5], "s": "NaN x"}"#)
            .unwrap();
        assert_eq!(
            v["a"],
            serde_json::json!(["NaN", "Infinity", "-Infinity", "Infinity", "-Infinity", 2.5])
        );
        assert_eq!(v["s"], "NaN x");
        // json.loads('{"a": [NaN, nan]}') -> Expecting value: line 1 column 13 (char 12)
        let e = parse(r#"{"a": [NaN, nan]}"#).unwrap_err();
        assert_eq!((e.line, e.column), (1, 13), "{e}");
        assert!(e.hint.contains("NaN"), "{e}");
        // json.loads("{'a': 1}") -> Expecting property name enclosed in double quotes:
        // line 1 column 2 (char 1)
        let e = parse("{'a': 1}").unwrap_err();
        assert_eq!((e.line, e.column), (1, 2), "{e}");
        assert!(e.hint.contains("double quotes"), "{e}");
        let e = parse(r#"{"a": [1, 2,]}"#).unwrap_err();
        assert!(e.hint.contains("comma"), "{e}");
        let e = parse(r#"{"é": "ü", "a": tru}"#).unwrap_err();
        assert_eq!(e.line, 1, "{e}");
        assert!(e.column >= 16 && e.column <= 19, "{e}");
        let e = parse(r#"{"a": [1, 2"#).unwrap_err();
        assert!(e.hint.contains("ends inside"), "{e}");
        // A rewrite shorter than the number it replaces (found by fuzzing: it panicked).
        // json.loads('{"target": [1.0000000000e400, x]}') -> Expecting value: line 1 column 31
        let e = parse(r#"{"target": [1.0000000000e400, x]}"#).unwrap_err();
        assert_eq!((e.line, e.column), (1, 31), "{e}");
    }
}
