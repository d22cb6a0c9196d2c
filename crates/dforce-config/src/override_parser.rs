//! Parser for Hydra 1.3 command-line overrides (`key=value`, `+key=value`, `++key=value`,
//! `~key`, `~key=value`, `group=option`, `group@pkg=option`).
//!
//! Values are typed by Hydra's override grammar, not by YAML, and the two differ: `3` is the
//! int 3, `1e-3` and `.5` are floats, `true`/`TRUE` are booleans but `yes` is the string
//! "yes", `010` is the string "010", `16-mixed` is a string. The lexer below reproduces the
//! tokens of Hydra's `OverrideLexer.g4` in value mode (longest match, earlier rule on ties)
//! so that every value gets the same type it gets in Hydra. Grammar functions are evaluated
//! as Hydra does (`int(3.7)` is 3, `sort([3,1])` is `[1, 3]`; see `override_functions`).
//! Sweeps (`a=1,2`, `choice(...)`, `range(...)`, `interval(...)`) are rejected: they belong
//! to `--multirun`, which this crate does not implement.

use crate::error::ConfigError;
use crate::map::Map;
use crate::override_functions::{self, Evaluated};
use crate::pyfmt;
use crate::value::Value;

/// What an override does with its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverrideKind {
    /// `key=value`: the key (or group) must exist.
    Change,
    /// `+key=value`: the key must not hold a value yet; `+group=option` appends a group.
    Add,
    /// `++key=value`: set or add.
    ForceAdd,
    /// `~key` or `~key=value`: delete (a key or a group selection).
    Delete,
}

/// One parsed command-line override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// What to do.
    pub kind: OverrideKind,
    /// Dotted key (`algorithm.lr`) or slash-separated group (`hydra/job_logging`).
    pub key: String,
    /// The package after `@`, if any (`group@package=option`).
    pub package: Option<String>,
    /// The value; `None` only for `~key` without `=`.
    pub value: Option<Value>,
    /// The value as typed (after `=`), for messages.
    pub value_text: String,
    /// The whole override as typed.
    pub input: String,
}

/// Parses one override such as `algorithm.guidance_scale=3` or `+name=mc`.
pub fn parse_override(input: &str) -> Result<Override, ConfigError> {
    let chars: Vec<char> = input.chars().collect();
    let err = |pos: usize, reason: String, hint: &str| syntax_error(input, pos, reason, hint);

    let (kind, key_start) = if input.starts_with("++") {
        (OverrideKind::ForceAdd, 2)
    } else if input.starts_with('+') {
        (OverrideKind::Add, 1)
    } else if input.starts_with('~') {
        (OverrideKind::Delete, 1)
    } else {
        (OverrideKind::Change, 0)
    };
    let eq = chars.iter().position(|c| *c == '=');
    let key_end = eq.unwrap_or(chars.len());
    let key_full: String = chars[key_start..key_end].iter().collect();
    if eq.is_none() && kind != OverrideKind::Delete {
        return Err(err(
            chars.len(),
            "missing '='".to_string(),
            "Write 'key=value' (or 'group=option' to select a config file; '~key' deletes a key).",
        ));
    }
    let (key, package) = match key_full.split_once('@') {
        Some((k, p)) => (k.to_string(), Some(p.to_string())),
        None => (key_full.clone(), None),
    };
    check_key(&key, key_start).map_err(|(pos, reason)| err(pos, reason, KEY_HINT))?;
    if let Some(p) = &package {
        let at = key_start + key.chars().count() + 1;
        if !p.is_empty() {
            check_dot_path(p, at).map_err(|(pos, reason)| err(pos, reason, KEY_HINT))?;
        }
    }

    let (value, value_text) = match eq {
        None => (None, String::new()),
        Some(eq) => {
            let text: String = chars[eq + 1..].iter().collect();
            let value = parse_value(input, &chars, eq + 1)?;
            (Some(value), text)
        }
    };
    Ok(Override {
        kind,
        key,
        package,
        value,
        value_text,
        input: input.to_string(),
    })
}

const KEY_HINT: &str = " Keys are dotted names such as 'algorithm.diffusion.timesteps' (list items by index: 'dataset.observation_mean.0'), groups are names such as 'algorithm'.";

fn syntax_error(input: &str, pos: usize, reason: String, hint: &str) -> ConfigError {
    let head: String = input.chars().take(pos).collect();
    let tail: String = input.chars().skip(pos).collect();
    ConfigError::OverrideSyntax {
        input: pyfmt::one_line(input),
        position: pos,
        marked: pyfmt::one_line(&format!("{head}>>>{tail}")),
        reason,
        hint: if hint.is_empty() || hint.starts_with(' ') {
            hint.to_string()
        } else {
            format!(" {hint}")
        },
    }
}

fn is_id_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Validates `key` (starting at `offset` in the input): `ID(/ID)+` for groups, otherwise a
/// dot path whose segments are identifiers (which may contain `$`) or unsigned integers.
/// Refuses a key or package of more than [`MAX_DEPTH`] segments: each segment is a level of
/// the config tree, and a tree thousands of levels deep overflows the stack of the recursive
/// merge, resolution and output (`+a.a.a.….b=1` with 18,000 segments aborted the process).
fn check_depth(key: &str, offset: usize) -> Result<(), (usize, String)> {
    let depth = key.split(['.', '/']).count();
    if depth > MAX_DEPTH {
        let head: String = key.chars().take(40).collect();
        return Err((
            offset,
            format!("key '{head}…' has {depth} levels; at most {MAX_DEPTH} are accepted"),
        ));
    }
    Ok(())
}

fn check_key(key: &str, offset: usize) -> Result<(), (usize, String)> {
    if key.is_empty() {
        return Err((offset, "empty key".to_string()));
    }
    check_depth(key, offset)?;
    if key.contains('/') {
        let mut pos = offset;
        for seg in key.split('/') {
            let mut cs = seg.chars();
            let ok = cs.next().is_some_and(is_id_start) && cs.all(is_id_char);
            if !ok {
                return Err((pos, format!("invalid config group name '{key}'")));
            }
            pos += seg.chars().count() + 1;
        }
        return Ok(());
    }
    check_dot_path(key, offset)
}

fn check_dot_path(key: &str, offset: usize) -> Result<(), (usize, String)> {
    check_depth(key, offset)?;
    // Hydra's key grammar takes a list index only as a segment of a dotted path
    // (`a.0`, `1.a`); a key that is a number alone (`+1=2`) is a syntax error there.
    if !key.contains('.') && key.starts_with(|c: char| c.is_ascii_digit()) {
        return Err((
            offset,
            format!("a key cannot be a number alone ('{key}'); keys start with a letter or '_'"),
        ));
    }
    let mut pos = offset;
    for seg in key.split('.') {
        let special_start = |c: char| is_id_start(c) || c == '$';
        let special_char = |c: char| is_id_char(c) || c == '$';
        let mut cs = seg.chars();
        let is_ident = cs.next().is_some_and(special_start) && cs.all(special_char);
        let is_index = seg == "0"
            || (seg.starts_with(|c: char| ('1'..='9').contains(&c))
                && seg.chars().all(|c| c.is_ascii_digit() || c == '_'));
        if !(is_ident || is_index) {
            let bad = seg.chars().position(|c| !special_char(c)).unwrap_or(0);
            let what = if seg.is_empty() {
                "empty key segment".to_string()
            } else {
                format!("invalid character in key '{key}'")
            };
            return Err((pos + bad, what));
        }
        pos += seg.chars().count() + 1;
    }
    Ok(())
}

/// Value-mode tokens of Hydra's override lexer.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    POpen,
    Comma,
    PClose,
    BracketOpen,
    BracketClose,
    BraceOpen,
    BraceClose,
    Colon,
    Equal,
    Float,
    Int,
    Bool,
    Null,
    UnquotedChar,
    Id,
    Esc,
    Ws,
    Quoted,
    Interpolation,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    /// Position of the first character in the whole override.
    pos: usize,
    text: String,
}

/// Lexer matchers: each returns the length of the longest match at `i` (0 = no match).
struct Lexer<'a> {
    c: &'a [char],
}

impl Lexer<'_> {
    fn at(&self, i: usize) -> Option<char> {
        self.c.get(i).copied()
    }
    fn ws(&self, i: usize) -> usize {
        self.c[i..]
            .iter()
            .take_while(|c| **c == ' ' || **c == '\t')
            .count()
    }
    /// `WS? ch WS?` (leading / trailing optional per flags).
    fn punct(&self, i: usize, ch: char, lead: bool, trail: bool) -> usize {
        let mut j = i;
        if lead {
            j += self.ws(j);
        }
        if self.at(j) != Some(ch) {
            return 0;
        }
        j += 1;
        if trail {
            j += self.ws(j);
        }
        j - i
    }
    fn digit(&self, i: usize) -> bool {
        self.at(i).is_some_and(|c| c.is_ascii_digit())
    }
    /// `DIGIT ('_'? DIGIT)*` starting with a required digit; returns the length.
    fn digits_underscored(&self, i: usize) -> usize {
        if !self.digit(i) {
            return 0;
        }
        let mut j = i + 1;
        loop {
            if self.digit(j) {
                j += 1;
            } else if self.at(j) == Some('_') && self.digit(j + 1) {
                j += 2;
            } else {
                return j - i;
            }
        }
    }
    /// `'0' | [1-9] ('_'? DIGIT)*`
    fn int_unsigned(&self, i: usize) -> usize {
        match self.at(i) {
            Some('0') => 1,
            Some('1'..='9') => self.digits_underscored(i),
            _ => 0,
        }
    }
    /// `INT_UNSIGNED '.' | INT_UNSIGNED? '.' DIGIT ('_'? DIGIT)*`
    fn point_float(&self, i: usize) -> usize {
        let int = self.int_unsigned(i);
        if self.at(i + int) != Some('.') {
            return 0;
        }
        let frac = self.digits_underscored(i + int + 1);
        if int == 0 && frac == 0 {
            return 0;
        }
        int + 1 + frac
    }
    /// `(INT_UNSIGNED | POINT_FLOAT) [eE] [+-]? DIGIT ('_'? DIGIT)*`
    fn exponent_float(&self, i: usize) -> usize {
        let mantissa = self.point_float(i).max(self.int_unsigned(i));
        if mantissa == 0 || !matches!(self.at(i + mantissa), Some('e' | 'E')) {
            return 0;
        }
        let mut j = i + mantissa + 1;
        if matches!(self.at(j), Some('+' | '-')) {
            j += 1;
        }
        let exp = self.digits_underscored(j);
        if exp == 0 { 0 } else { j + exp - i }
    }
    fn sign(&self, i: usize) -> usize {
        usize::from(matches!(self.at(i), Some('+' | '-')))
    }
    fn word_ci(&self, i: usize, word: &str) -> usize {
        let n = word.chars().count();
        let ok = word
            .chars()
            .enumerate()
            .all(|(k, w)| self.at(i + k).is_some_and(|c| c.eq_ignore_ascii_case(&w)));
        if ok { n } else { 0 }
    }
    fn float(&self, i: usize) -> usize {
        let s = self.sign(i);
        let body = self
            .point_float(i + s)
            .max(self.exponent_float(i + s))
            .max(self.word_ci(i + s, "inf"))
            .max(self.word_ci(i + s, "nan"));
        if body == 0 { 0 } else { s + body }
    }
    fn int(&self, i: usize) -> usize {
        let s = self.sign(i);
        let body = self.int_unsigned(i + s);
        if body == 0 { 0 } else { s + body }
    }
    fn id(&self, i: usize) -> usize {
        if !self.at(i).is_some_and(is_id_start) {
            return 0;
        }
        1 + self.c[i + 1..]
            .iter()
            .take_while(|c| is_id_char(**c))
            .count()
    }
    fn esc(&self, i: usize) -> usize {
        let mut j = i;
        while self.at(j) == Some('\\')
            && self.at(j + 1).is_some_and(|c| "\\()[]{}:=, \t".contains(c))
        {
            j += 2;
        }
        j - i
    }
    fn quoted(&self, i: usize) -> usize {
        let q = match self.at(i) {
            Some(q @ ('\'' | '"')) => q,
            _ => return 0,
        };
        let mut backslashes = 0;
        let mut j = i + 1;
        while let Some(c) = self.at(j) {
            if c == q && backslashes % 2 == 0 {
                return j + 1 - i;
            }
            backslashes = if c == '\\' { backslashes + 1 } else { 0 };
            j += 1;
        }
        0
    }
    fn interpolation(&self, i: usize) -> usize {
        if self.at(i) != Some('$') || self.at(i + 1) != Some('{') {
            return 0;
        }
        let mut j = i + 2;
        while let Some(c) = self.at(j) {
            if c == '}' {
                return if j > i + 2 { j + 1 - i } else { 0 };
            }
            j += 1;
        }
        0
    }

    /// The longest token at `i`; on equal lengths the earlier rule of the grammar wins.
    fn next(&self, i: usize) -> Option<(Tok, usize)> {
        let unquoted_char = usize::from(self.at(i).is_some_and(|c| "/-\\+.$%*@?|".contains(c)));
        let candidates = [
            (Tok::POpen, self.punct(i, '(', true, true)),
            (Tok::Comma, self.punct(i, ',', true, true)),
            (Tok::PClose, self.punct(i, ')', true, false)),
            (Tok::BracketOpen, self.punct(i, '[', false, true)),
            (Tok::BracketClose, self.punct(i, ']', true, false)),
            (Tok::BraceOpen, self.punct(i, '{', false, true)),
            (Tok::BraceClose, self.punct(i, '}', true, false)),
            (Tok::Colon, self.punct(i, ':', true, true)),
            (Tok::Equal, self.punct(i, '=', true, true)),
            (Tok::Float, self.float(i)),
            (Tok::Int, self.int(i)),
            (
                Tok::Bool,
                self.word_ci(i, "true").max(self.word_ci(i, "false")),
            ),
            (Tok::Null, self.word_ci(i, "null")),
            (Tok::UnquotedChar, unquoted_char),
            (Tok::Id, self.id(i)),
            (Tok::Esc, self.esc(i)),
            (Tok::Ws, self.ws(i)),
            (Tok::Quoted, self.quoted(i)),
            (Tok::Interpolation, self.interpolation(i)),
        ];
        let mut best: Option<(Tok, usize)> = None;
        for (tok, len) in candidates {
            if len > 0 && best.as_ref().is_none_or(|(_, l)| len > *l) {
                best = Some((tok, len));
            }
        }
        best
    }
}

fn tokenize(input: &str, chars: &[char], start: usize) -> Result<Vec<Token>, ConfigError> {
    let lexer = Lexer { c: chars };
    let mut tokens = Vec::new();
    let mut i = start;
    while i < chars.len() {
        match lexer.next(i) {
            Some((tok, len)) => {
                tokens.push(Token {
                    tok,
                    pos: i,
                    text: chars[i..i + len].iter().collect(),
                });
                i += len;
            }
            None => {
                let c = chars[i];
                let (reason, hint) = match c {
                    '\'' | '"' => (
                        format!("unterminated quoted string starting with {c}"),
                        format!("Close it with a matching {c}."),
                    ),
                    '$' => (
                        "unterminated interpolation".to_string(),
                        "Close it with '}'.".to_string(),
                    ),
                    _ => (
                        format!("unexpected character '{c}'"),
                        "Quote the value ('...' or \"...\") to pass it as a string.".to_string(),
                    ),
                };
                return Err(syntax_error(input, i, reason, &hint));
            }
        }
    }
    Ok(tokens)
}

/// Deepest nesting of lists and dictionaries accepted in one override; far beyond any real
/// use, and low enough that the recursive parser and the value tree stay within the stack.
const MAX_DEPTH: usize = 100;

struct ValueParser<'a> {
    input: &'a str,
    tokens: Vec<Token>,
    i: usize,
    depth: usize,
    end: usize,
}

fn parse_value(input: &str, chars: &[char], start: usize) -> Result<Value, ConfigError> {
    let tokens = tokenize(input, chars, start)?;
    if tokens.is_empty() || (tokens.len() == 1 && tokens[0].tok == Tok::Ws) {
        // `key=` sets the empty string, as in Hydra.
        return Ok(Value::String(String::new()));
    }
    let mut p = ValueParser {
        input,
        tokens,
        i: 0,
        depth: 0,
        end: chars.len(),
    };
    let value = match p.element_or_sweep()? {
        Evaluated::Value(v) => v,
        Evaluated::Sweep => {
            return Err(ConfigError::UnsupportedOverride {
                input: pyfmt::one_line(input),
                reason: "this value is a sweep (choice, range, interval, or a function of several values), which needs --multirun; dforce runs one job per command line: run it once per value".to_string(),
            });
        }
    };
    match p.peek() {
        None => Ok(value),
        Some(t) if t.tok == Tok::Comma => Err(ConfigError::UnsupportedOverride {
            input: pyfmt::one_line(input),
            reason: "comma-separated values are a sweep, which needs --multirun (not supported); for a list write key=[a,b], for a string containing a comma quote it: key='a,b'".to_string(),
        }),
        Some(t) => {
            let t = t.clone();
            Err(p.unexpected(&t, "end of value"))
        }
    }
}

impl ValueParser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.i)
    }

    fn unexpected(&self, t: &Token, expected: &str) -> ConfigError {
        let hint = match t.tok {
            Tok::Equal
            | Tok::Colon
            | Tok::Comma
            | Tok::BracketClose
            | Tok::BraceClose
            | Tok::PClose => {
                "Quote the value ('...' or \"...\") if these characters are part of a string, or escape them with '\\'."
            }
            _ => "Quote the value ('...' or \"...\") to pass it as a string.",
        };
        syntax_error(
            self.input,
            t.pos,
            format!("unexpected '{}', expected {expected}", t.text.trim()),
            hint,
        )
    }

    fn eof(&self, expected: &str, hint: &str) -> ConfigError {
        syntax_error(
            self.input,
            self.end,
            format!("unexpected end of value, expected {expected}"),
            hint,
        )
    }

    fn expect(&mut self, tok: Tok, expected: &str, hint: &str) -> Result<(), ConfigError> {
        match self.peek() {
            Some(t) if t.tok == tok => {
                self.i += 1;
                Ok(())
            }
            Some(t) => {
                let t = t.clone();
                Err(self.unexpected(&t, expected))
            }
            None => Err(self.eof(expected, hint)),
        }
    }

    /// An element inside a list, a dictionary or the whole value: sweeps are refused.
    fn element(&mut self) -> Result<Value, ConfigError> {
        let start = self.peek().map(|t| t.pos);
        match self.element_or_sweep()? {
            Evaluated::Value(v) => Ok(v),
            Evaluated::Sweep => {
                let start = start.unwrap_or(self.end);
                let end = self.peek().map_or(self.end, |t| t.pos);
                let chars: Vec<char> = self.input.chars().collect();
                let call: String = chars[start..end].iter().collect();
                Err(ConfigError::UnsupportedOverride {
                    input: pyfmt::one_line(self.input),
                    reason: format!(
                        "'{}' is a sweep, which needs --multirun (not supported by dforce: run one command line per value); for a list write key=[a,b]",
                        call.trim()
                    ),
                })
            }
        }
    }

    /// An element, or a grammar function call (which may be a sweep).
    fn element_or_sweep(&mut self) -> Result<Evaluated, ConfigError> {
        let Some(t) = self.peek().cloned() else {
            return Err(self.eof("a value", ""));
        };
        if matches!(t.tok, Tok::BracketOpen | Tok::BraceOpen) && self.depth >= MAX_DEPTH {
            return Err(syntax_error(
                self.input,
                t.pos,
                format!("lists and dictionaries nest deeper than {MAX_DEPTH} levels"),
                "",
            ));
        }
        let is_function = t.tok == Tok::Id
            && self
                .tokens
                .get(self.i + 1)
                .is_some_and(|n| n.tok == Tok::POpen);
        if is_function && self.depth >= MAX_DEPTH {
            return Err(syntax_error(
                self.input,
                t.pos,
                format!("functions nest deeper than {MAX_DEPTH} levels"),
                "",
            ));
        }
        let nested = |p: &mut Self, f: fn(&mut Self) -> Result<Evaluated, ConfigError>| {
            p.depth += 1;
            let v = f(p);
            p.depth -= 1;
            v
        };
        match t.tok {
            Tok::BracketOpen => nested(self, |p| p.list().map(Evaluated::Value)),
            Tok::BraceOpen => nested(self, |p| p.dict().map(Evaluated::Value)),
            _ if is_function => nested(self, Self::function),
            _ => self.primitive(false).map(Evaluated::Value),
        }
    }

    /// `name(arg, ..., key=arg, ...)`, evaluated as Hydra's grammar functions.
    fn function(&mut self) -> Result<Evaluated, ConfigError> {
        let start = self.tokens[self.i].pos;
        let name = self.tokens[self.i].text.clone();
        self.i += 2; // name (
        let mut args = Vec::new();
        let mut kwargs: Vec<(String, Evaluated)> = Vec::new();
        loop {
            match self.peek().cloned() {
                // Hydra's grammar has no trailing comma: `int(3,)` is a syntax error there.
                Some(t) if t.tok == Tok::PClose && (!args.is_empty() || !kwargs.is_empty()) => {
                    return Err(self.unexpected(&t, "an argument after ','"));
                }
                Some(t) if t.tok == Tok::PClose => {
                    self.i += 1;
                    break;
                }
                None => return Err(self.eof("')'", "Close the function call with ')'.")),
                _ => {}
            }
            let named = self.peek().is_some_and(|t| t.tok == Tok::Id)
                && self
                    .tokens
                    .get(self.i + 1)
                    .is_some_and(|t| t.tok == Tok::Equal);
            if named {
                let arg_name = self.tokens[self.i].text.clone();
                self.i += 2;
                let value = self.element_or_sweep()?;
                kwargs.push((arg_name, value));
            } else {
                if !kwargs.is_empty() {
                    let pos = self.peek().map_or(self.end, |t| t.pos);
                    return Err(syntax_error(
                        self.input,
                        pos,
                        "positional argument follows keyword argument".to_string(),
                        "",
                    ));
                }
                args.push(self.element_or_sweep()?);
            }
            match self.peek().cloned() {
                Some(t) if t.tok == Tok::Comma => self.i += 1,
                Some(t) if t.tok == Tok::PClose => {
                    self.i += 1;
                    break;
                }
                Some(t) => return Err(self.unexpected(&t, "',' or ')'")),
                None => return Err(self.eof("',' or ')'", "Close the function call with ')'.")),
            }
        }
        let end = self.peek().map_or(self.end, |t| t.pos);
        let chars: Vec<char> = self.input.chars().collect();
        let call: String = chars[start..end].iter().collect();
        override_functions::eval(&name, args, kwargs).map_err(|reason| {
            ConfigError::OverrideFunction {
                input: pyfmt::one_line(self.input),
                call: pyfmt::one_line(call.trim()),
                reason: pyfmt::one_line(&reason),
            }
        })
    }

    fn list(&mut self) -> Result<Value, ConfigError> {
        self.i += 1; // [
        let mut items = Vec::new();
        if self.peek().is_some_and(|t| t.tok == Tok::BracketClose) {
            self.i += 1;
            return Ok(Value::List(items));
        }
        loop {
            items.push(self.element()?);
            match self.peek().cloned() {
                Some(t) if t.tok == Tok::Comma => self.i += 1,
                Some(t) if t.tok == Tok::BracketClose => {
                    self.i += 1;
                    return Ok(Value::List(items));
                }
                Some(t) => return Err(self.unexpected(&t, "',' or ']'")),
                None => return Err(self.eof("',' or ']'", "Close the list with ']'.")),
            }
        }
    }

    fn dict(&mut self) -> Result<Value, ConfigError> {
        self.i += 1; // {
        let mut map = Map::new();
        if self.peek().is_some_and(|t| t.tok == Tok::BraceClose) {
            self.i += 1;
            return Ok(Value::Map(map));
        }
        loop {
            let key_pos = self.peek().map_or(self.end, |t| t.pos);
            let key = match self.primitive(true)? {
                // OmegaConf refuses a None key ("Incompatible key type 'NoneType'").
                Value::Null => {
                    return Err(syntax_error(
                        self.input,
                        key_pos,
                        "a dictionary key cannot be null".to_string(),
                        "Use a name, a number or a boolean as the key.",
                    ));
                }
                // `{1: 2}` has the int key 1, `{true: 2}` the bool key True, as in Hydra.
                other => crate::map::key_of(&other)
                    .unwrap_or_else(|| (pyfmt::py_str(&other), crate::map::KeyKind::Str)),
            };
            self.expect(
                Tok::Colon,
                "':'",
                "Write dictionaries as {key: value, other: value}.",
            )?;
            let value = self.element()?;
            // Each `nan` of the grammar is a new float object: a distinct key in Python.
            if key.1 == crate::map::KeyKind::Float && key.0 == "nan" {
                map.push_typed(key.0, key.1, value);
            } else {
                map.insert_typed(key.0, key.1, value);
            }
            match self.peek().cloned() {
                Some(t) if t.tok == Tok::Comma => self.i += 1,
                Some(t) if t.tok == Tok::BraceClose => {
                    self.i += 1;
                    return Ok(Value::Map(map));
                }
                Some(t) => return Err(self.unexpected(&t, "',' or '}'")),
                None => return Err(self.eof("',' or '}'", "Close the dictionary with '}'.")),
            }
        }
    }

    /// A primitive: one quoted string, or a run of simple tokens. A single token keeps its
    /// type (int, float, bool, null); several tokens form a string with outer whitespace
    /// trimmed and `\`-escapes removed. Dictionary keys may not contain `:` or `${}`.
    fn primitive(&mut self, dict_key: bool) -> Result<Value, ConfigError> {
        let start = self.i;
        if let Some(t) = self.peek()
            && t.tok == Tok::Quoted
            && !dict_key
        {
            let text = t.text.clone();
            self.i += 1;
            return Ok(missing_or_string(unescape_quoted(&text)));
        }
        while let Some(t) = self.peek() {
            let simple = match t.tok {
                Tok::Id
                | Tok::Null
                | Tok::Int
                | Tok::Float
                | Tok::Bool
                | Tok::UnquotedChar
                | Tok::Esc
                | Tok::Ws => true,
                Tok::Colon | Tok::Interpolation => !dict_key,
                _ => false,
            };
            if !simple {
                break;
            }
            self.i += 1;
        }
        let mut run: &[Token] = &self.tokens[start..self.i];
        if run.is_empty() {
            return match self.peek().cloned() {
                Some(t) => Err(self.unexpected(&t, if dict_key { "a key" } else { "a value" })),
                None => Err(self.eof("a value", "")),
            };
        }
        if run.first().is_some_and(|t| t.tok == Tok::Ws) {
            run = &run[1..];
        }
        if run.last().is_some_and(|t| t.tok == Tok::Ws) {
            run = &run[..run.len() - 1];
        }
        if run.is_empty() {
            let t = self.tokens[start].clone();
            return Err(syntax_error(
                self.input,
                t.pos,
                "value is only whitespace".to_string(),
                "Quote it to pass whitespace as a string.",
            ));
        }
        if let [t] = run {
            return Ok(match t.tok {
                Tok::Int => parse_int(&t.text).ok_or_else(|| {
                    syntax_error(
                        self.input,
                        t.pos,
                        format!(
                            "integer '{}' has more than {} digits (Python's int limit)",
                            t.text,
                            crate::bigint::MAX_DIGITS
                        ),
                        "Quote it to pass it as a string.",
                    )
                })?,
                Tok::Float => Value::Float(parse_float(&t.text)),
                Tok::Bool => Value::Bool(t.text.eq_ignore_ascii_case("true")),
                Tok::Null => Value::Null,
                Tok::Esc => Value::String(unescape(&t.text)),
                _ => Value::String(t.text.clone()),
            });
        }
        let text: String = run
            .iter()
            .map(|t| {
                if t.tok == Tok::Esc {
                    unescape(&t.text)
                } else {
                    t.text.clone()
                }
            })
            .collect();
        Ok(missing_or_string(text))
    }
}

/// OmegaConf stores the string `???` as the missing-value marker.
fn missing_or_string(text: String) -> Value {
    if text == "???" {
        Value::Missing
    } else {
        Value::String(text)
    }
}

/// `\,` -> `,` etc.: every other character of an ESC token.
fn unescape(esc: &str) -> String {
    esc.chars().skip(1).step_by(2).collect()
}

/// Strips the quotes of a QUOTED_VALUE and un-escapes backslashes that precede a quote
/// character of the same kind (`"a\"b"` -> `a"b`, `'a\\'` -> `a\`).
fn unescape_quoted(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let q = chars[0];
    let body = &chars[1..chars.len() - 1];
    let mut out = String::new();
    let mut i = 0;
    while i < body.len() {
        if body[i] == '\\' {
            let run = body[i..].iter().take_while(|c| **c == '\\').count();
            let next = body.get(i + run);
            if next == Some(&q) {
                out.extend(std::iter::repeat_n('\\', run / 2));
                out.push(q);
                i += run + 1;
            } else if next.is_none() {
                out.extend(std::iter::repeat_n('\\', run / 2));
                i += run;
            } else {
                out.extend(std::iter::repeat_n('\\', run));
                i += run;
            }
            continue;
        }
        out.push(body[i]);
        i += 1;
    }
    out
}

/// An int token of any size (Hydra keeps Python's unbounded ints).
fn parse_int(text: &str) -> Option<Value> {
    let t = text.replace('_', "");
    let (negative, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    crate::bigint::from_decimal(negative, digits)
}

fn parse_float(text: &str) -> f64 {
    let t = text.replace('_', "").to_ascii_lowercase();
    let (sign, body) = match t.strip_prefix('-') {
        Some(b) => (-1.0, b),
        None => (1.0, t.strip_prefix('+').unwrap_or(&t)),
    };
    match body {
        "inf" => sign * f64::INFINITY,
        "nan" => f64::NAN,
        // The lexer only produces valid float text.
        _ => sign * body.parse::<f64>().unwrap_or(f64::NAN),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_deeper_than_the_limit_are_refused() {
        // `+a.a.….b=1` with 18,000 segments overflowed the stack composing it (a fuzz input).
        let deep = format!("+{}b=1", "a.".repeat(18_000));
        let err = parse_override(&deep).unwrap_err().to_string();
        assert!(err.contains("18001 levels; at most 100"), "{err}");
        let group = format!("{}b=x", "a/".repeat(200));
        assert!(parse_override(&group).is_err());
        let package = format!("db@{}b=mysql", "p.".repeat(200));
        assert!(parse_override(&package).is_err());
        // 100 levels are fine.
        let ok = format!("+{}b=1", "a.".repeat(99));
        assert!(parse_override(&ok).is_ok());
    }

    use super::*;

    fn value(input: &str) -> Value {
        parse_override(input).unwrap().value.unwrap()
    }

    fn list(items: Vec<Value>) -> Value {
        Value::List(items)
    }

    #[test]
    fn kinds_keys_and_packages() {
        let o = parse_override("algorithm.guidance_scale=3").unwrap();
        assert_eq!(
            (o.kind, o.key.as_str()),
            (OverrideKind::Change, "algorithm.guidance_scale")
        );
        assert_eq!(o.value, Some(Value::Int(3)));
        let o = parse_override("+name=mc").unwrap();
        assert_eq!((o.kind, o.key.as_str()), (OverrideKind::Add, "name"));
        let o = parse_override("++a.b=1").unwrap();
        assert_eq!(o.kind, OverrideKind::ForceAdd);
        let o = parse_override("~cluster").unwrap();
        assert_eq!((o.kind, o.value.clone()), (OverrideKind::Delete, None));
        let o = parse_override("~a=1").unwrap();
        assert_eq!(
            (o.kind, o.value.clone()),
            (OverrideKind::Delete, Some(Value::Int(1)))
        );
        let o = parse_override("db@backup=mysql").unwrap();
        assert_eq!(
            (o.key.as_str(), o.package.as_deref()),
            ("db", Some("backup"))
        );
        let o = parse_override("hydra/job_logging=disabled").unwrap();
        assert_eq!(o.key, "hydra/job_logging");
        let o = parse_override("dataset.observation_mean.0=1").unwrap();
        assert_eq!(o.key, "dataset.observation_mean.0");
    }

    #[test]
    fn scalar_types_follow_hydra() {
        assert_eq!(value("a=3"), Value::Int(3));
        assert_eq!(value("a=-3"), Value::Int(-3));
        assert_eq!(value("a=1_000"), Value::Int(1000));
        assert_eq!(value("a=1e-3"), Value::Float(1e-3));
        assert_eq!(value("a=.5"), Value::Float(0.5));
        assert_eq!(value("a=5."), Value::Float(5.0));
        assert_eq!(value("a=3.0"), Value::Float(3.0));
        assert_eq!(value("a=inf"), Value::Float(f64::INFINITY));
        assert_eq!(value("a=-Inf"), Value::Float(f64::NEG_INFINITY));
        assert!(matches!(value("a=nan"), Value::Float(x) if x.is_nan()));
        assert_eq!(value("a=False"), Value::Bool(false));
        assert_eq!(value("a=TRUE"), Value::Bool(true));
        assert_eq!(value("a=null"), Value::Null);
        assert_eq!(value("a=NuLL"), Value::Null);
        for s in [
            "yes",
            "010",
            "16-mixed",
            "1.2.3",
            "full_sequence",
            "true_x",
            "infinity",
            "data/maze2d",
            "a b",
        ] {
            assert_eq!(value(&format!("a={s}")), Value::from(s), "{s}");
        }
        assert_eq!(value("a="), Value::from(""));
        assert_eq!(value("a= 1 "), Value::Int(1));
        assert_eq!(value("a=   "), Value::from(""));
    }

    #[test]
    fn containers_quotes_escapes_interpolations() {
        assert_eq!(value("a=[]"), list(vec![]));
        assert_eq!(
            value("a=[3.5092521,3.4765592]"),
            list(vec![Value::Float(3.5092521), Value::Float(3.4765592)])
        );
        assert_eq!(
            value("a=[validation]"),
            list(vec![Value::from("validation")])
        );
        assert_eq!(
            value("a=[8, 16 ,32]"),
            list(vec![Value::Int(8), Value::Int(16), Value::Int(32)])
        );
        let mut inner = Map::new();
        inner.insert("b", Value::from("c"));
        assert_eq!(
            value("a=[1,{b: c}]"),
            list(vec![Value::Int(1), Value::Map(inner)])
        );
        let v = value("a={x: 1, y: [a, 'b c'], 2: null}");
        let m = v.as_map().unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["x", "y", "2"]);
        assert_eq!(m.get("x"), Some(&Value::Int(1)));
        assert_eq!(value("a='x y'"), Value::from("x y"));
        assert_eq!(value("a=\"1,2\""), Value::from("1,2"));
        assert_eq!(value("a='it\\'s'"), Value::from("it's"));
        assert_eq!(value("a='trailing\\\\'"), Value::from("trailing\\"));
        assert_eq!(value("a=\"3\""), Value::from("3"));
        assert_eq!(value("a=x\\,y"), Value::from("x,y"));
        assert_eq!(value("a=${b.c}"), Value::from("${b.c}"));
        assert_eq!(value("a=${b}_foo"), Value::from("${b}_foo"));
        assert_eq!(value("a='${b}'"), Value::from("${b}"));
    }

    #[test]
    fn inputs_hydra_refuses() {
        // Hydra 1.3.2 refuses each of these: `int(3,)` and `sort([1],)` (no trailing comma
        // in its grammar), `+1=2`, `1=2`, `~1` (a key that is a number alone), and
        // `{null: 2}` (OmegaConf: a dictionary key cannot be None). It accepts `+1.a=2`.
        for input in [
            "+a=int(3,)",
            "+a=int(3, )",
            "+a=sort([1],)",
            "+1=2",
            "1=2",
            "~1",
            "+a={null: 2}",
            "+a={NULL: 2}",
        ] {
            assert!(parse_override(input).is_err(), "{input}");
        }
        assert_eq!(parse_override("+1.a=2").unwrap().key, "1.a");
        assert_eq!(value("a=int(3)"), Value::Int(3));
        assert_eq!(
            value("a=sort([2,1],reverse=true)"),
            Value::List(vec![Value::Int(2), Value::Int(1)])
        );
    }

    #[test]
    fn syntax_errors_show_position_and_fix() {
        let cases = [
            ("a=[1,2", 6, "']'"),
            ("a={x 1}", 6, "':'"),
            ("a={'x': 1}", 3, "expected a key"),
            ("a=b=c", 3, "'='"),
            ("a='open", 2, "unterminated"),
            ("algorithm", 9, "missing '='"),
            ("a..b=1", 2, "empty key segment"),
            ("a b=1", 1, "invalid character"),
            ("=1", 0, "empty key"),
            ("a=[1,]", 5, "']'"),
        ];
        for (input, pos, needle) in cases {
            let e = parse_override(input).unwrap_err();
            let msg = e.to_string();
            assert!(!msg.contains('\n'), "{msg}");
            match &e {
                ConfigError::OverrideSyntax { position, .. } => {
                    assert_eq!(*position, pos, "{input}: {msg}")
                }
                other => panic!("{input}: unexpected {other:?}"),
            }
            assert!(msg.contains(needle), "{input}: {msg}");
        }
    }

    #[test]
    fn sweeps_and_functions_are_rejected_with_a_fix() {
        let e = parse_override("a=1,2").unwrap_err().to_string();
        assert!(e.contains("key=[a,b]"), "{e}");
        let e = parse_override("a=choice(1,2)").unwrap_err().to_string();
        assert!(e.contains("--multirun"), "{e}");
        let e = parse_override("a=[range(3)]").unwrap_err().to_string();
        assert!(e.contains("'range(3)' is a sweep"), "{e}");
        let e = parse_override("a=json_str({a: 1})")
            .unwrap_err()
            .to_string();
        assert!(e.contains("Unknown function 'json_str'"), "{e}");
    }

    #[test]
    fn grammar_functions_evaluate_as_in_hydra() {
        // Expected values: Hydra 1.3.2 (`compose(overrides=[...])`), see scripts/check_hydra_parity.sh.
        assert_eq!(value("a=int(3.7)"), Value::Int(3));
        assert_eq!(value("a=int(-3.7)"), Value::Int(-3));
        assert_eq!(value("a=int('3')"), Value::Int(3));
        assert_eq!(value("a=int(value=2.5)"), Value::Int(2));
        assert_eq!(value("a=float(3)"), Value::Float(3.0));
        assert_eq!(value("a=str(3.0)"), Value::from("3.0"));
        assert_eq!(value("a=str(1e20)"), Value::from("1e+20"));
        assert_eq!(value("a=str(true)"), Value::from("true"));
        assert_eq!(value("a=bool('TRUE')"), Value::Bool(true));
        assert_eq!(value("a=bool(null)"), Value::Bool(false));
        assert_eq!(
            value("a=sort([3,1,2],reverse=true)"),
            list(vec![Value::Int(3), Value::Int(2), Value::Int(1)])
        );
        assert_eq!(value("a=sort(3)"), Value::Int(3));
        assert_eq!(value("a=shuffle(5)"), list(vec![Value::Int(5)]));
        assert_eq!(
            value("a=[int(1.5), str(2)]"),
            list(vec![Value::Int(1), Value::from("2")])
        );
        for (input, needle) in [
            (
                "a=int('3.7')",
                "invalid literal for int() with base 10: '3.7'",
            ),
            ("a=int(nan)", "cannot convert float NaN to integer"),
            ("a=int(null)", "cannot cast null"),
            ("a=bool('yes')", "Cannot cast 'yes' to bool"),
            ("a=sort([a,1])", "'<' not supported between instances of"),
            ("a=int(1,b=2)", "unexpected keyword argument 'b'"),
        ] {
            let e = parse_override(input).unwrap_err().to_string();
            assert!(e.contains(needle), "{input}: {e}");
        }
        for sweep in [
            "a=int(1,2)",
            "a=sort(3,1)",
            "a=range(3)",
            "a=interval(0,1)",
            "a=choice(1)",
        ] {
            let e = parse_override(sweep).unwrap_err().to_string();
            assert!(e.contains("--multirun"), "{sweep}: {e}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("a={}{}", "[".repeat(100_000), "]".repeat(100_000));
        let e = parse_override(&deep).unwrap_err().to_string();
        assert!(
            e.contains("nest deeper than 100"),
            "{}",
            &e[..200.min(e.len())]
        );
        let ok = format!("a={}{}", "[".repeat(50), "]".repeat(50));
        assert!(parse_override(&ok).is_ok());
    }
}
