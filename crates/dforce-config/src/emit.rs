//! YAML output in the layout of `OmegaConf.to_yaml` (PyYAML, block style, keys in order).
//!
//! Composed configs are printed (`--cfg job`) and saved next to every run, and users diff
//! them against Hydra's. `OmegaConf.to_yaml` is `yaml.dump(..., default_flow_style=False,
//! allow_unicode=True, sort_keys=False)` with OmegaConf's string representer, which asks for
//! single quotes when a string reads as a bool or a Python number (`'1e-4'`, `'true'`, `'3'`).
//! This module is a port of the parts of PyYAML 6's `yaml/emitter.py` that such a dump
//! reaches: block mappings and sequences (lists not indented under their key), `{}`/`[]` for
//! empty containers, `? ` keys for keys that are empty, multi-line or 128 characters and
//! longer, the choice between plain, single- and double-quoted scalars (`analyze_scalar`,
//! `choose_scalar_style`), and the scalar writers with their folding of long lines at spaces
//! past column 80, their line-break doubling in quoted scalars and their escapes. The
//! emitter's state (column, indentation stack, `whitespace`, `indention`) is kept as PyYAML
//! keeps it, so continuation lines are indented as PyYAML indents them.
//!
//! Floats are written from Python's `repr` with `.0` forced into exponent forms (`8.0e-05`).
//! `tests/pyyaml_strings.rs` compares the output with PyYAML's for many generated strings.
//!
//! One deliberate difference: a document that is a single plain scalar ends without
//! PyYAML's `...` line (OmegaConf only dumps containers; other crates print scalars with
//! `to_yaml` in messages).

use crate::map::{KeyKind, Map, key_value};
use crate::pyfmt::float_repr;
use crate::value::Value;
use crate::yaml_scalar::plain_is_not_string;

/// PyYAML's `best_width`: plain and quoted scalars are folded at a space past this column.
const BEST_WIDTH: usize = 80;
/// PyYAML's `best_indent`.
const BEST_INDENT: usize = 2;

impl Value {
    /// This value as a YAML document, formatted like `OmegaConf.to_yaml`.
    pub fn to_yaml(&self) -> String {
        let mut e = Emitter::default();
        e.expect_node(self, Context::Root);
        // expect_document_end
        e.write_indent();
        e.out
    }
}

/// Where a node is written, as PyYAML's `expect_node` flags (`root_context`,
/// `sequence_context`, `mapping_context`, `simple_key_context`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Root,
    Sequence,
    Mapping,
    SimpleKey,
}

/// A scalar as PyYAML's emitter sees it: its text, whether plain text would resolve to its
/// tag (`implicit[0]`), and the style the representer asked for (only `'` here).
struct Scalar {
    text: String,
    /// The length of the tag PyYAML prepares (`!!str`, `!!int`, ...), which counts towards
    /// the 128-character limit of a simple key although it is not written.
    tag_len: usize,
    plain_implicit: bool,
    single_quote_requested: bool,
}

impl Scalar {
    fn of(v: &Value) -> Scalar {
        let plain = |text: String, tag: &str| Scalar {
            text,
            tag_len: tag.len(),
            plain_implicit: true,
            single_quote_requested: false,
        };
        match v {
            Value::Null => plain("null".into(), "!!null"),
            Value::Bool(b) => plain(if *b { "true" } else { "false" }.into(), "!!bool"),
            Value::Int(i) => plain(i.to_string(), "!!int"),
            Value::BigInt(n) => plain(n.to_string(), "!!int"),
            Value::Float(f) => plain(yaml_float(*f), "!!float"),
            // OmegaConf's `to_container` gives the string `???`, which PyYAML writes plain.
            Value::Missing => plain("???".into(), "!!str"),
            Value::String(s) => Scalar {
                text: s.clone(),
                tag_len: "!!str".len(),
                plain_implicit: !resolves_to_other_type(s),
                single_quote_requested: omegaconf_quotes(s),
            },
            Value::Map(_) => plain("{}".into(), "!!map"),
            Value::List(_) => plain("[]".into(), "!!seq"),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
}

/// The state of PyYAML's `Emitter` that block-style output uses.
struct Emitter {
    out: String,
    /// The column of the next character, in characters (Python's `len`).
    column: usize,
    whitespace: bool,
    indention: bool,
    indent: Option<usize>,
    indents: Vec<Option<usize>>,
}

impl Default for Emitter {
    fn default() -> Self {
        Emitter {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
            indent: None,
            indents: Vec::new(),
        }
    }
}

impl Emitter {
    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        self.indent = match self.indent {
            None if flow => Some(BEST_INDENT),
            None => Some(0),
            Some(i) if !indentless => Some(i + BEST_INDENT),
            Some(i) => Some(i),
        };
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().flatten();
    }

    fn expect_node(&mut self, v: &Value, ctx: Context) {
        match v {
            Value::Map(m) if !m.is_empty() => self.expect_block_mapping(m),
            Value::List(l) if !l.is_empty() => self.expect_block_sequence(l, ctx),
            Value::Map(_) => self.expect_empty_flow("{", "}"),
            Value::List(_) => self.expect_empty_flow("[", "]"),
            scalar => self.expect_scalar(&Scalar::of(scalar), ctx),
        }
    }

    /// `expect_flow_mapping`/`expect_flow_sequence` for an empty collection.
    fn expect_empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn expect_block_sequence(&mut self, items: &[Value], ctx: Context) {
        let indentless = ctx == Context::Mapping && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.expect_node(item, Context::Sequence);
        }
        self.pop_indent();
    }

    fn expect_block_mapping(&mut self, m: &Map) {
        self.increase_indent(false, false);
        for (k, kind, v) in m.iter_typed() {
            self.write_indent();
            let key = match kind {
                KeyKind::Str => Scalar::of(&Value::String(k.to_string())),
                _ => Scalar::of(&key_value(k, kind)),
            };
            if check_simple_key(&key) {
                self.expect_scalar(&key, Context::SimpleKey);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.expect_scalar(&key, Context::Mapping);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.expect_node(v, Context::Mapping);
        }
        self.pop_indent();
    }

    fn expect_scalar(&mut self, s: &Scalar, ctx: Context) {
        self.increase_indent(true, false);
        let a = analyze_scalar(&s.text);
        let simple_key = ctx == Context::SimpleKey;
        let split = !simple_key;
        match choose_scalar_style(s, &a, simple_key) {
            Style::Plain => self.write_plain(&s.text, split),
            Style::Single => self.write_single_quoted(&s.text, split),
            Style::Double => self.write_double_quoted(&s.text, split),
        }
        self.pop_indent();
    }

    fn write(&mut self, data: &str) {
        self.column += data.chars().count();
        self.out.push_str(data);
    }

    fn write_chars(&mut self, data: &[char]) {
        self.column += data.len();
        self.out.extend(data);
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        whitespace: bool,
        indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.write(" ");
        }
        self.write(indicator);
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.write_line_break(None);
        }
        if self.column < indent {
            self.whitespace = true;
            let n = indent - self.column;
            self.out.extend(std::iter::repeat_n(' ', n));
            self.column = indent;
        }
    }

    fn write_line_break(&mut self, data: Option<char>) {
        self.out.push(data.unwrap_or('\n'));
        self.whitespace = true;
        self.indention = true;
        self.column = 0;
    }

    /// Writes the run of line breaks `text[start..end]` as PyYAML's quoted and plain writers
    /// do: a leading `\n` is doubled (a single break would fold into a space).
    fn write_breaks(&mut self, breaks: &[char]) {
        if breaks[0] == '\n' {
            self.write_line_break(None);
        }
        for &br in breaks {
            self.write_line_break(if br == '\n' { None } else { Some(br) });
        }
        self.write_indent();
    }

    fn write_plain(&mut self, text: &str, split: bool) {
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.write(" ");
        }
        self.whitespace = false;
        self.indention = false;
        let text: Vec<char> = text.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column > BEST_WIDTH && split {
                        self.write_indent();
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        self.write_chars(&text[start..end]);
                    }
                    start = end;
                }
            } else if breaks {
                if !ch.is_some_and(is_line_break) {
                    self.write_breaks(&text[start..end]);
                    self.whitespace = false;
                    self.indention = false;
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || is_line_break(c)) {
                self.write_chars(&text[start..end]);
                start = end;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_line_break(c);
            }
        }
    }

    fn write_single_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("'", true, false, false);
        let text: Vec<char> = text.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end
                        && self.column > BEST_WIDTH
                        && split
                        && start != 0
                        && end != text.len()
                    {
                        self.write_indent();
                    } else {
                        self.write_chars(&text[start..end]);
                    }
                    start = end;
                }
            } else if breaks {
                if !ch.is_some_and(is_line_break) {
                    self.write_breaks(&text[start..end]);
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || c == '\'' || is_line_break(c)) && start < end {
                self.write_chars(&text[start..end]);
                start = end;
            }
            if ch == Some('\'') {
                self.write("''");
                start = end + 1;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_line_break(c);
            }
        }
        self.write_indicator("'", false, false, false);
    }

    fn write_double_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("\"", true, false, false);
        let text: Vec<char> = text.chars().collect();
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if ch.is_none_or(needs_escape) {
                if start < end {
                    self.write_chars(&text[start..end]);
                    start = end;
                }
                if let Some(c) = ch {
                    self.write(&escape(c));
                    start = end + 1;
                }
            }
            if 0 < end
                && end + 1 < text.len()
                && (ch == Some(' ') || start >= end)
                // `column + (end - start) > best_width`; `start` is `end + 1` after an escape.
                && self.column + end > BEST_WIDTH + start
                && split
            {
                if start < end {
                    self.write_chars(&text[start..end]);
                    start = end;
                }
                self.write("\\");
                self.write_indent();
                self.whitespace = false;
                self.indention = false;
                if text[start] == ' ' {
                    self.write("\\");
                }
            }
        }
        self.write_indicator("\"", false, false, false);
    }
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Characters PyYAML's double-quoted writer escapes (with `allow_unicode=True`): everything
/// outside printable ASCII and the BMP's printable ranges, plus `"`, `\`, the Unicode line
/// breaks and the byte-order mark. Characters past U+FFFF are escaped too.
fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '"' | '\\' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}'
    ) || !matches!(c, ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
}

fn escape(c: char) -> String {
    let short = match c {
        '\0' => '0',
        '\u{7}' => 'a',
        '\u{8}' => 'b',
        '\t' => 't',
        '\n' => 'n',
        '\u{b}' => 'v',
        '\u{c}' => 'f',
        '\r' => 'r',
        '\u{1b}' => 'e',
        '"' => '"',
        '\\' => '\\',
        '\u{85}' => 'N',
        '\u{A0}' => '_',
        '\u{2028}' => 'L',
        '\u{2029}' => 'P',
        c => {
            let n = c as u32;
            return if n <= 0xFF {
                format!("\\x{n:02X}")
            } else if n <= 0xFFFF {
                format!("\\u{n:04X}")
            } else {
                format!("\\U{n:08X}")
            };
        }
    };
    format!("\\{short}")
}

/// PyYAML's `ScalarAnalysis`, the fields block output uses.
struct Analysis {
    empty: bool,
    multiline: bool,
    allow_block_plain: bool,
    allow_single_quoted: bool,
}

/// PyYAML's `analyze_scalar` (with `allow_unicode=True`).
fn analyze_scalar(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            empty: true,
            multiline: false,
            allow_block_plain: true,
            allow_single_quoted: true,
        };
    }
    let chars: Vec<char> = s.chars().collect();
    let is_ws = |c: char| matches!(c, '\0' | ' ' | '\t' | '\r') || is_line_break(c);
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let mut line_breaks = false;
    let mut special_characters = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let mut followed_by_whitespace = chars.len() == 1 || is_ws(chars[1]);
    let (mut previous_space, mut previous_break) = (false, false);
    let last = chars.len() - 1;
    for (index, &ch) in chars.iter().enumerate() {
        if index == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(ch) {
                block_indicators = true;
            }
            if matches!(ch, '?' | ':' | '-') && followed_by_whitespace {
                block_indicators = true;
            }
        } else {
            if ch == ':' && followed_by_whitespace {
                block_indicators = true;
            }
            if ch == '#' && preceded_by_whitespace {
                block_indicators = true;
            }
        }
        if is_line_break(ch) {
            line_breaks = true;
        }
        if !(ch == '\n' || (' '..='~').contains(&ch)) {
            let unicode = matches!(ch, '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFE}')
                && ch != '\u{FEFF}';
            if !unicode {
                special_characters = true;
            }
        }
        if ch == ' ' {
            leading_space |= index == 0;
            trailing_space |= index == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_line_break(ch) {
            leading_break |= index == 0;
            trailing_break |= index == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_ws(ch);
        followed_by_whitespace = index + 2 >= chars.len() || is_ws(chars[index + 2]);
    }
    let mut allow_block_plain = true;
    let mut allow_single_quoted = true;
    if leading_space || leading_break || trailing_space || trailing_break {
        allow_block_plain = false;
    }
    if break_space {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if space_break || special_characters {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if line_breaks || block_indicators {
        allow_block_plain = false;
    }
    Analysis {
        empty: false,
        multiline: line_breaks,
        allow_block_plain,
        allow_single_quoted,
    }
}

/// PyYAML's `choose_scalar_style` in block context.
fn choose_scalar_style(s: &Scalar, a: &Analysis, simple_key: bool) -> Style {
    if !s.single_quote_requested
        && s.plain_implicit
        && !(simple_key && (a.empty || a.multiline))
        && a.allow_block_plain
    {
        return Style::Plain;
    }
    if a.allow_single_quoted && !(simple_key && a.multiline) {
        return Style::Single;
    }
    Style::Double
}

/// PyYAML's `check_simple_key` for a scalar key: text and prepared tag together shorter
/// than 128 characters, not empty, no line breaks. Other keys are written after `? `.
fn check_simple_key(key: &Scalar) -> bool {
    let a = analyze_scalar(&key.text);
    key.text.chars().count() + key.tag_len < 128 && !a.empty && !a.multiline
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

/// OmegaConf's representer asks for single quotes when a string looks like a YAML 1.1
/// boolean or Python's `int()` or `float()` accepts it.
fn omegaconf_quotes(s: &str) -> bool {
    const YAML_BOOLS: [&str; 22] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
    ];
    YAML_BOOLS.contains(&s)
        || crate::override_functions::python_int(s).is_some()
        || crate::override_functions::python_float(s).is_some()
}

/// Would PyYAML's dumper resolver read this plain text as a non-string? (YAML 1.1 types,
/// including timestamps, the `<<` merge key and the `=` value key.) `???` is a string to
/// PyYAML (OmegaConf reads it as a missing value, and a string `???` is one).
fn resolves_to_other_type(s: &str) -> bool {
    (plain_is_not_string(s) && s != "???") || s == "<<" || s == "=" || is_timestamp(s)
}

/// PyYAML's timestamp resolver: `YYYY-MM-DD`, or `YYYY-M-D` followed by `T`, `t` or blanks,
/// a time `H:MM:SS` with an optional fraction and an optional zone (`Z`, `+H`, `-HH:MM`).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digit = |i: &mut usize| {
        let ok = b.get(*i).is_some_and(u8::is_ascii_digit);
        *i += usize::from(ok);
        ok
    };
    let byte = |i: &mut usize, c: u8| {
        let ok = b.get(*i) == Some(&c);
        *i += usize::from(ok);
        ok
    };
    let one_or_two = |i: &mut usize| {
        let ok = digit(i);
        if ok {
            digit(i);
        }
        ok
    };
    if !(digit(&mut i) && digit(&mut i) && digit(&mut i) && digit(&mut i) && byte(&mut i, b'-')) {
        return false;
    }
    if b.len() == 10
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
    {
        return true;
    }
    if !(one_or_two(&mut i) && byte(&mut i, b'-') && one_or_two(&mut i)) {
        return false;
    }
    if !(byte(&mut i, b'T') || byte(&mut i, b't')) {
        let before = i;
        while byte(&mut i, b' ') || byte(&mut i, b'\t') {}
        if i == before {
            return false;
        }
    }
    if !(one_or_two(&mut i)
        && byte(&mut i, b':')
        && digit(&mut i)
        && digit(&mut i)
        && byte(&mut i, b':')
        && digit(&mut i)
        && digit(&mut i))
    {
        return false;
    }
    if byte(&mut i, b'.') {
        while digit(&mut i) {}
    }
    // An optional zone, which blanks may precede.
    let before_zone = i;
    while byte(&mut i, b' ') || byte(&mut i, b'\t') {}
    let zone = byte(&mut i, b'Z')
        || ((byte(&mut i, b'+') || byte(&mut i, b'-'))
            && one_or_two(&mut i)
            && (!byte(&mut i, b':') || (digit(&mut i) && digit(&mut i))));
    if !zone {
        i = before_zone;
    }
    i == b.len()
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
            let mut m = Map::new();
            m.insert("k", v.clone());
            assert_eq!(Value::Map(m).to_yaml(), format!("k: {want}\n"), "{v:?}");
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
    fn multiline_strings_single_quoted_like_pyyaml() {
        // OmegaConf.to_yaml({'t': '#!/bin/bash\n\ncd {x}\n'}): a line break inside single
        // quotes is written twice (once folds into a space), and continuation lines are
        // indented.
        let mut m = Map::new();
        m.insert("t", Value::from("#!/bin/bash\n\ncd {x}\n"));
        assert_eq!(
            Value::Map(m).to_yaml(),
            "t: '#!/bin/bash\n\n\n  cd {x}\n\n  '\n"
        );
    }

    #[test]
    fn long_strings_fold_and_unicode_breaks_stay_raw_like_pyyaml() {
        // OmegaConf.to_yaml of these values, from omegaconf 2.3 / PyYAML 6.
        let mut m = Map::new();
        let long = format!("x {}", vec!["word"; 40].join(" "));
        m.insert("name", Value::from(long.as_str()));
        m.insert(
            "l",
            Value::List(vec![
                Value::from("a\u{2028}b"),
                Value::from("c\u{85}"),
                Value::from("tab\there"),
            ]),
        );
        let text = Value::Map(m.clone()).to_yaml();
        assert_eq!(
            text,
            "name: x word word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word word word word\n  word word word word word word word word word\nl:\n- 'a\u{2028}  b'\n- 'c\u{85}  '\n- \"tab\\there\"\n"
        );
        // The folded long string reads back whole. (The raw U+2028 and U+0085 read back as
        // PyYAML reads them only with a YAML 1.1 reader; ours keeps the indentation after
        // them, as YAML 1.2 says, so only the long string is compared.)
        let back = parse_yaml_str(&text, "t").unwrap();
        assert_eq!(back.get("name").unwrap(), &Value::from(long.as_str()));
    }
}
