//! OmegaConf interpolations: `${a.b}`, `${a.b.0}`, `${a.b[0]}`, relative `${.x}` / `${..x}`,
//! nested `${a.${b}}`, escapes `\${...}`, and the resolvers `oc.env` and `oc.select`.
//!
//! Semantics follow `OmegaConf.to_container(cfg, resolve=True)`, which is what Hydra users
//! see in `--cfg job --resolve`:
//! - a string that is exactly one interpolation takes the target's type (`${dataset.resolution}`
//!   gives the int 128, `${dataset.observation_shape}` a list);
//! - an interpolation embedded in text is replaced by Python's `str()` of the target (for a
//!   list or map target that is its raw items: interpolations inside stay unresolved);
//! - the target is itself resolved in its own place (relative keys count from the target);
//! - `???` values stay `???` (they only fail when read), but an interpolation *to* `???` fails;
//! - cycles are reported instead of recursing forever.

use std::collections::HashMap;

use crate::error::ConfigError;
use crate::path::{join_key, lookup, split_key};
use crate::pyfmt;
use crate::suggest::{DidYouMean, suggest_key};
use crate::value::{Measured, Value};
use crate::yaml_scalar::resolve_plain;

impl Value {
    /// A copy of this config with every interpolation replaced by its value. Call it on the
    /// root of a composed config: absolute interpolations are looked up from `self`.
    /// Errors name the key holding the interpolation and the interpolation itself.
    pub fn resolved(&self) -> Result<Value, ConfigError> {
        let mut resolver = Resolver::new(self, false);
        resolver.resolve(self, &[])
    }
}

/// Resolves a job config together with its Hydra config: `root` holds the job's keys and a
/// `hydra` node (Hydra's config, with the runtime values filled in). Returns the job's keys,
/// resolved, without `hydra`. As in Hydra, `${hydra:job.name}` reads the Hydra node while a
/// plain `${hydra.job.name}` in the job config does not exist.
pub(crate) fn resolve_job_with_hydra(root: &Value) -> Result<Value, ConfigError> {
    let mut resolver = Resolver::new(root, true);
    let mut out = crate::map::Map::new();
    if let Value::Map(m) = root {
        for (k, kind, child) in m.iter_typed() {
            if k != "hydra" || kind != crate::map::KeyKind::Str {
                let v = resolver.resolve(child, &[k.to_string()])?;
                out.push_typed(k.to_string(), kind, v);
            }
        }
    }
    Ok(Value::Map(out))
}

/// Resolves the node at the dotted `key` of `root` (job keys plus `hydra`), as Hydra resolves
/// `hydra.run.dir` against the whole config.
pub(crate) fn resolve_key_with_hydra(root: &Value, key: &str) -> Result<Value, ConfigError> {
    let path = split_key(key).ok_or_else(|| ConfigError::InvalidKey {
        key: key.to_string(),
        reason: "not a dotted key".to_string(),
    })?;
    match lookup(root, &path) {
        Ok(_) => Resolver::new(root, true).hydra_setting(&path),
        Err(_) => Err(ConfigError::NotFound {
            key: key.to_string(),
            suggestion: DidYouMean(suggest_key(root, key)),
        }),
    }
}

/// The value at `path` of `root` as Hydra's `~key` reads it: Hydra's
/// `ConfigLoaderImpl._apply_overrides_to_config` (hydra/_internal/config_loader_impl.py)
/// calls `OmegaConf.select(cfg, key, throw_on_missing=False)` before deleting, which resolves
/// an interpolated value (and raises if it cannot) but leaves a container's insides alone.
/// Only the job config is visible here: Hydra's config is not set while overrides apply.
pub(crate) fn select_for_delete(root: &Value, path: &[String]) -> Result<Value, ConfigError> {
    match lookup(root, path) {
        Ok(Value::String(s)) if has_interpolation(s) => Resolver::new(root, false).node(path),
        Ok(v) => Ok(v.clone()),
        Err(_) => Err(ConfigError::NotFound {
            key: join_key(path),
            suggestion: DidYouMean(suggest_key(root, &join_key(path))),
        }),
    }
}

/// True if `s` contains `${` and therefore needs resolving (for an interpolation or to
/// un-escape a `\${`).
pub fn has_interpolation(s: &str) -> bool {
    s.contains("${")
}

/// Part of a string value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Piece {
    Text(String),
    /// `raw` is `${...}` as written; `body` what is between the braces.
    Interp {
        raw: String,
        body: String,
    },
}

/// Splits a string into literal text and interpolations, applying OmegaConf's escapes: an
/// odd run of backslashes before `${` escapes it (`\${x}` is the text `${x}`), an even run
/// is halved and the interpolation stays live.
pub(crate) fn parse_pieces(s: &str) -> Result<Vec<Piece>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    let starts_interp = |i: usize| chars.get(i) == Some(&'$') && chars.get(i + 1) == Some(&'{');
    while i < chars.len() {
        if chars[i] == '\\' {
            let run = chars[i..].iter().take_while(|c| **c == '\\').count();
            if starts_interp(i + run) {
                text.extend(std::iter::repeat_n('\\', run / 2));
                i += run;
                if run % 2 == 1 {
                    text.push_str("${");
                    i += 2;
                }
                continue;
            }
            text.extend(std::iter::repeat_n('\\', run));
            i += run;
            continue;
        }
        if starts_interp(i) {
            let end = matching_brace(&chars, i + 2).ok_or_else(|| {
                format!("unterminated interpolation in '{s}': add the closing '}}'")
            })?;
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(Piece::Interp {
                raw: chars[i..=end].iter().collect(),
                body: chars[i + 2..end].iter().collect(),
            });
            i = end + 1;
            continue;
        }
        text.push(chars[i]);
        i += 1;
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// Index of the `}` closing an interpolation whose body starts at `start`, skipping nested
/// `${...}`, `{...}` and quoted resolver arguments.
/// The first character of an unquoted resolver argument that OmegaConf's grammar
/// (`OmegaConfGrammarLexer.g4`, `VALUE_MODE`: `ID`, numbers, `UNQUOTED_CHAR` `[/\-\\+.$%*@?|]`,
/// `:` and white space) refuses, outside nested `${...}`: `${now:%^a}` is a grammar error in
/// OmegaConf 2.3 (checked with it), `${now:'%^a'}` is fine.
fn unquoted_char_outside_grammar(arg: &str) -> Option<char> {
    let chars: Vec<char> = arg.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '$' && chars.get(i + 1) == Some(&'{') {
            i = matching_brace(&chars, i + 2)? + 1;
            continue;
        }
        if c == '\\' && chars.get(i + 1).is_some_and(|n| is_escapable(*n)) {
            i += 2;
            continue;
        }
        let allowed = c.is_ascii_alphanumeric() || " \t_/-\\+.$%*@?|:".contains(c);
        if !allowed {
            return Some(c);
        }
        i += 1;
    }
    None
}

fn matching_brace(chars: &[char], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut i = start;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            if c == '\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
        } else if c == '\\' && chars.get(i + 1).is_some_and(|n| is_escapable(*n)) {
            i += 1;
        } else {
            match c {
                '\'' | '"' => quote = Some(c),
                '{' => depth += 1,
                '}' if depth == 0 => return Some(i),
                '}' => depth -= 1,
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// Splits resolver arguments on top-level commas.
/// No text after the colon is no argument at all (`${now:}` calls `now()`), while an empty
/// argument among others is the empty string (`${oc.env:VAR,}` defaults to '').
pub(crate) fn split_args(s: &str) -> Vec<String> {
    if s.trim().is_empty() {
        return Vec::new();
    }
    let mut args = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if quote.is_none() && c == '\\' {
            // An escape (`\,`, `\]`, ...) is text, not a separator or a bracket.
            current.push(c);
            if let Some(n) = chars.next_if(|n| is_escapable(*n)) {
                current.push(n);
            }
            continue;
        }
        match quote {
            Some(q) => {
                if c == '\\' {
                    // `\'` inside '...' is an escaped quote, not the end (OmegaConf's `ESC`).
                    current.push(c);
                    if let Some(n) = chars.next() {
                        current.push(n);
                    }
                    continue;
                }
                if c == q {
                    quote = None;
                }
                current.push(c);
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    current.push(c);
                }
                '{' | '[' => {
                    depth += 1;
                    current.push(c);
                }
                '}' | ']' => {
                    depth = depth.saturating_sub(1);
                    current.push(c);
                }
                ',' if depth == 0 => args.push(std::mem::take(&mut current)),
                _ => current.push(c),
            },
        }
    }
    args.push(current);
    args.into_iter().map(|a| trim_arg(&a).to_string()).collect()
}

/// The characters that OmegaConf's grammar escapes with a backslash in unquoted resolver
/// arguments (`OmegaConfGrammarLexer.g4`, `ESC`: `\\`, `\(`, `\)`, `\[`, `\]`, `\{`, `\}`,
/// `\:`, `\=`, `\,`, `\ ` and `\t`).
fn is_escapable(c: char) -> bool {
    "\\()[]{}:=, \t".contains(c)
}

/// Trims the white space that OmegaConf's lexer folds into the tokens around an argument
/// (`COMMA: WS? ',' WS?`, `ARGS`, `INTER_CLOSE`), keeping an escaped space or tab (`a\ `).
fn trim_arg(a: &str) -> &str {
    let a = a.trim_start();
    let mut end = a.len();
    while let Some(c) = a[..end].chars().next_back() {
        if c != ' ' && c != '\t' {
            break;
        }
        let before = &a[..end - c.len_utf8()];
        let run = before.chars().rev().take_while(|b| *b == '\\').count();
        if run % 2 == 1 {
            break;
        }
        end -= c.len_utf8();
    }
    &a[..end]
}

/// Un-escapes an unquoted resolver argument as OmegaConf's `GrammarVisitor._unescape` does
/// (`ESC` tokens keep every second character: `a\,b` is `a,b`, `\\` is `\`). A run of
/// backslashes before `${` is left for [`parse_pieces`], which applies `ESC_INTER`.
/// Returns `None` when the argument holds no escape.
fn unescape_arg(a: &str) -> Option<String> {
    let chars: Vec<char> = a.chars().collect();
    let mut out = String::with_capacity(a.len());
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' {
            let run = chars[i..].iter().take_while(|c| **c == '\\').count();
            let next = chars.get(i + run).copied();
            if next == Some('$') && chars.get(i + run + 1) == Some(&'{') {
                out.extend(&chars[i..i + run]);
                i += run;
                continue;
            }
            if let Some(n) = chars.get(i + 1).copied().filter(|n| is_escapable(*n)) {
                out.push(n);
                changed = true;
                i += 2;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    changed.then_some(out)
}

/// The text of a quoted resolver argument (between its quotes `quote`) as OmegaConf's grammar
/// reads it (`OmegaConfGrammarLexer.g4`, the quoted modes, and `GrammarVisitor._unescape`): an
/// odd run of backslashes before the quote character is an escaped quote and keeps half of
/// its backslashes (`'a\'b'` is `a'b`, `'a\\\'b'` is `a\'b`), a run that ends the text is
/// halved (`'a\\'` is `a\`), runs before `${` are left for [`parse_pieces`], and every other
/// backslash is kept (`'a\b'`, `'a\"b'`). Checked with OmegaConf 2.3.
fn unescape_quoted(inner: &str, quote: char) -> Result<String, String> {
    let chars: Vec<char> = inner.chars().collect();
    let mut out = String::with_capacity(inner.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '\\' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|c| **c == '\\').count();
        match chars.get(i + run) {
            Some(c) if *c == quote && run % 2 == 1 => {
                out.extend(std::iter::repeat_n('\\', run / 2));
                out.push(quote);
                i += run + 1;
            }
            None if run % 2 == 1 => {
                return Err(format!(
                    "the quoted argument ends in an escaped quote, so it is not closed; write \\\\ for a backslash before the closing {quote}"
                ));
            }
            None => {
                out.extend(std::iter::repeat_n('\\', run / 2));
                i += run;
            }
            _ => {
                out.extend(&chars[i..i + run]);
                i += run;
            }
        }
    }
    Ok(out)
}

/// `oc.env` / `my_resolver` followed by `:`.
pub(crate) fn resolver_call(body: &str) -> Option<(&str, &str)> {
    let (name, args) = body.split_once(':')?;
    let valid = !name.is_empty()
        && name.split('.').all(|part| {
            let mut cs = part.chars();
            cs.next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    valid.then_some((name, args))
}

/// Where an interpolation's key leads.
pub(crate) enum Located {
    /// A node of the config at this path; `true` when it is `???`.
    InRoot(Vec<String>, bool),
    /// A value inside the result of resolving an interpolation (already resolved).
    Detached(Value),
}

/// Longest chain of interpolations pointing at interpolations: far beyond real configs,
/// and short enough for the recursive resolver to stay within the stack.
const MAX_CHAIN: usize = 200;

/// Deepest nesting of `${...}` inside an interpolation or resolver argument
/// (`${a.${b.${c}}}`): each level is a recursive call.
const MAX_NESTING: usize = 64;

/// Deepest a resolved value may nest. Resolution copies the target's subtree into the
/// node, so chains of nested lists that refer to one another grow deeper than any file.
const MAX_RESOLVED_DEPTH: usize = 1000;

/// Longest string an interpolation may build (`${a}${a}` doubles at every step).
const MAX_STRING_BYTES: usize = 16 << 20;

/// Most nodes, and bytes of keys and strings, that interpolations may copy in one
/// resolution (each `${key}` copies its target's resolved subtree).
const MAX_COPIED_NODES: usize = 1_000_000;
const MAX_COPIED_BYTES: usize = 64 << 20;

pub(crate) struct Resolver<'a> {
    pub(crate) root: &'a Value,
    /// True when `root` carries the Hydra node and `${hydra:...}` may read it.
    pub(crate) with_hydra: bool,
    /// Fully resolved nodes by dotted path, so shared targets are resolved once.
    cache: HashMap<String, Measured>,
    /// Paths of string nodes being resolved, innermost last, for cycle detection: the
    /// path's identity ([`crate::path::path_id`]) and its dotted form for messages.
    stack: Vec<(String, String)>,
    /// Containers being resolved (the depth at which the current value will sit).
    depth: usize,
    /// `${` nested inside the interpolation being resolved.
    nesting: usize,
    /// Nodes and bytes copied by interpolations so far.
    copied_nodes: usize,
    copied_bytes: usize,
}

impl<'a> Resolver<'a> {
    pub(crate) fn new(root: &'a Value, with_hydra: bool) -> Self {
        Resolver {
            root,
            with_hydra,
            cache: HashMap::new(),
            stack: Vec::new(),
            depth: 0,
            nesting: 0,
            copied_nodes: 0,
            copied_bytes: 0,
        }
    }

    /// An error for a limit hit while resolving the node at `path`: names the key whose
    /// interpolation is being resolved (innermost), else `path` itself.
    fn limit_error(&self, path: &[String], interpolation: String, reason: String) -> ConfigError {
        ConfigError::InterpolationInvalid {
            key: self
                .stack
                .last()
                .map(|(_, shown)| shown.clone())
                .unwrap_or_else(|| join_key(path)),
            interpolation,
            reason,
        }
    }

    /// Resolves `v`, which lives at `path`.
    fn resolve(&mut self, v: &Value, path: &[String]) -> Result<Value, ConfigError> {
        if !v.is_container() {
            return self.resolve_inner(v, path);
        }
        if self.depth >= MAX_RESOLVED_DEPTH {
            return Err(self.limit_error(
                path,
                format!("${{{}}}", join_key(path)),
                format!(
                    "the resolved value nests deeper than {MAX_RESOLVED_DEPTH} levels (interpolations copy nested lists or maps into one another); shorten the chain of interpolations"
                ),
            ));
        }
        self.depth += 1;
        let result = self.resolve_inner(v, path);
        self.depth -= 1;
        result
    }

    fn resolve_inner(&mut self, v: &Value, path: &[String]) -> Result<Value, ConfigError> {
        match v {
            Value::String(s) if has_interpolation(s) => self.string(s, path),
            Value::Map(m) => {
                // A non-string key's value lives at a marked path segment: users' dotted keys
                // cannot name it (`${a.1}` names the string key '1', as in OmegaConf), but
                // relative interpolations inside it find their siblings.
                let mut out = crate::map::Map::new();
                for (k, kind, child) in m.iter_typed() {
                    let child_path = extend(path, &crate::path::key_segment(k, kind));
                    out.push_typed(k.to_string(), kind, self.resolve(child, &child_path)?);
                }
                Ok(Value::Map(out))
            }
            Value::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, child) in items.iter().enumerate() {
                    let child_path = extend(path, &i.to_string());
                    out.push(self.resolve(child, &child_path)?);
                }
                Ok(Value::List(out))
            }
            other => Ok(other.clone()),
        }
    }

    /// The resolved value of the node at `path` (which must exist).
    pub(crate) fn node(&mut self, path: &[String]) -> Result<Value, ConfigError> {
        let key = crate::path::path_id(path);
        if !self.cache.contains_key(&key) {
            let root = self.root;
            // Invariant: every caller got Ok from lookup on this same immutable root first.
            let node = lookup(root, path).expect("caller checked that the node exists");
            let value = self.resolve(node, path)?;
            self.cache.insert(key.clone(), Measured::new(value));
        }
        // Invariant: inserted above if it was absent.
        let cached = self.cache.get(&key).expect("cached above");
        let (nodes, bytes, depth) = (cached.nodes, cached.bytes, cached.depth);
        let shown = join_key(path);
        let interpolation = || format!("${{{shown}}}");
        if self.depth + depth > MAX_RESOLVED_DEPTH {
            return Err(self.limit_error(
                path,
                interpolation(),
                format!(
                    "the resolved value nests deeper than {MAX_RESOLVED_DEPTH} levels (interpolations copy nested lists or maps into one another); shorten the chain of interpolations"
                ),
            ));
        }
        self.copied_nodes = self.copied_nodes.saturating_add(nodes);
        self.copied_bytes = self.copied_bytes.saturating_add(bytes);
        if self.copied_nodes > MAX_COPIED_NODES || self.copied_bytes > MAX_COPIED_BYTES {
            return Err(self.limit_error(
                path,
                interpolation(),
                format!(
                    "interpolations copy more than {MAX_COPIED_NODES} nodes or {} MiB of text in all (each '${{key}}' copies its target); refer to large nodes less often",
                    MAX_COPIED_BYTES >> 20
                ),
            ));
        }
        Ok(self.cache.get(&key).expect("cached above").value.clone())
    }

    /// The resolved value of the Hydra setting at `path` (which must exist) as Hydra stores
    /// it. Hydra's settings are typed (`HydraConf`): an interpolation's value is validated and
    /// converted for its field when read ([`crate::hydra_schema::convert_resolved`]), and
    /// OmegaConf's string nodes store `str()` of an enum given to them:
    /// `hydra.run.dir=${hydra.mode}` is `RunMode.RUN`.
    pub(crate) fn hydra_setting(&mut self, path: &[String]) -> Result<Value, ConfigError> {
        let root = self.root;
        match lookup(root, path) {
            Ok(Value::String(s)) if has_interpolation(s) => {
                let value = self.node(path)?;
                let value = match parse_pieces(s).ok().as_deref() {
                    Some([Piece::Interp { body, .. }]) => self
                        .referred_node(body, path)
                        .and_then(|target| crate::run_mode::enum_str(&target, &value))
                        .map_or(value, Value::String),
                    _ => value,
                };
                crate::hydra_schema::convert_resolved(path, value).map_err(|v| {
                    v.into_error(format!("the interpolation '{}'", pyfmt::one_line(s)))
                })
            }
            _ => self.node(path),
        }
    }

    fn string(&mut self, s: &str, path: &[String]) -> Result<Value, ConfigError> {
        let id = crate::path::path_id(path);
        let key = join_key(path);
        if let Some(pos) = self.stack.iter().position(|(i, _)| *i == id) {
            let mut chain: Vec<String> = self.stack[pos..]
                .iter()
                .map(|(_, shown)| shown.clone())
                .collect();
            chain.push(key.clone());
            return Err(ConfigError::InterpolationCycle {
                key,
                chain: format!(
                    "{} (break it by setting one of these keys to a value)",
                    chain.join(" -> ")
                ),
            });
        }
        if self.stack.len() >= MAX_CHAIN {
            return Err(ConfigError::InterpolationInvalid {
                key,
                interpolation: pyfmt::one_line(s),
                reason: format!(
                    "more than {MAX_CHAIN} interpolations refer to one another in a chain; shorten it"
                ),
            });
        }
        let pieces = parse_pieces(s).map_err(|reason| ConfigError::InterpolationInvalid {
            key: key.clone(),
            interpolation: pyfmt::one_line(s),
            reason,
        })?;
        self.stack.push((id, key));
        let result = self.pieces(&pieces, path);
        self.stack.pop();
        result
    }

    fn pieces(&mut self, pieces: &[Piece], path: &[String]) -> Result<Value, ConfigError> {
        if let [Piece::Interp { raw, body }] = pieces {
            return self.interpolation(raw, body, path);
        }
        let mut out = String::new();
        for p in pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Interp { raw, body } => out.push_str(&self.embedded(raw, body, path)?),
            }
            if out.len() > MAX_STRING_BYTES {
                return Err(ConfigError::InterpolationInvalid {
                    key: join_key(path),
                    interpolation: pyfmt::one_line(&truncated(&pieces_text(pieces))),
                    reason: format!(
                        "the resolved string is longer than {} MiB; interpolations that repeat other interpolated strings grow exponentially",
                        MAX_STRING_BYTES >> 20
                    ),
                });
            }
        }
        Ok(Value::String(out))
    }

    /// Evaluates one `${body}` appearing in the node at `path`.
    fn interpolation(
        &mut self,
        raw: &str,
        body: &str,
        path: &[String],
    ) -> Result<Value, ConfigError> {
        let invalid = |reason: String| ConfigError::InterpolationInvalid {
            key: join_key(path),
            interpolation: raw.to_string(),
            reason,
        };
        if let Some((name, args)) = resolver_call(body) {
            return self.call(name, args, raw, path);
        }
        // Nested interpolations inside a key (`${a.${b}}`) are resolved to text first.
        let key_text = match self.string_in_place(body, path)? {
            Value::String(s) => s,
            other => pyfmt::py_str(&other),
        };
        let target = target_path(key_text.trim(), path).map_err(invalid)?;
        self.lookup_target(&target, raw, path)
    }

    /// The text an interpolation contributes to a longer string. OmegaConf converts the
    /// target node with Python's `str()`; for a container that prints the node's raw items,
    /// so interpolations *inside* a list or map target stay unresolved in the text
    /// (`"s=${dataset.observation_shape}"` gives `s=[3, '${dataset.resolution}', ...]`).
    fn embedded(&mut self, raw: &str, body: &str, path: &[String]) -> Result<String, ConfigError> {
        if resolver_call(body).is_none()
            && !has_interpolation(body)
            && let Ok(first) = target_path(body.trim(), path)
            && let Some((_, node)) = self.follow_plain_references(first)
            && node.is_container()
        {
            return Ok(pyfmt::py_str(node));
        }
        let value = self.interpolation(raw, body, path)?;
        if let Some(target) = self.referred_node(body, path)
            && let Some(text) = crate::run_mode::enum_str(&target, &value)
        {
            return Ok(text);
        }
        Ok(pyfmt::py_str(&value))
    }

    /// The node that `${body}` (at `path`) finally stands for, following nodes that are each
    /// exactly one `${key}` or `${hydra:key}`: an interpolation of an enum-typed node keeps
    /// the enum, whose `str()` differs from its printed name ([`crate::run_mode`]). `None`
    /// when the chain passes through anything else, is missing or loops.
    pub(crate) fn referred_node(&self, body: &str, path: &[String]) -> Option<Vec<String>> {
        let mut body = body.to_string();
        let mut at = path.to_vec();
        for _ in 0..64 {
            if has_interpolation(&body) {
                return None;
            }
            let target = match resolver_call(&body) {
                Some(("hydra", key)) if self.with_hydra => {
                    target_path(&format!("hydra.{}", key.trim()), &[]).ok()?
                }
                Some(_) => return None,
                None => target_path(body.trim(), &at).ok()?,
            };
            let node = lookup(self.root, &target).ok()?;
            let next = match node {
                Value::String(s) => match parse_pieces(s).ok()?.as_slice() {
                    [Piece::Interp { body, .. }] => Some(body.clone()),
                    _ => None,
                },
                _ => None,
            };
            match next {
                Some(b) => {
                    body = b;
                    at = target;
                }
                None => return Some(target),
            }
        }
        None
    }

    /// Follows a chain of nodes that are each exactly one plain `${key}` to the last node:
    /// its path and its value, unresolved. `None` when a link is missing or the chain loops
    /// (the normal resolution then reports it).
    pub(crate) fn follow_plain_references(
        &self,
        mut target: Vec<String>,
    ) -> Option<(Vec<String>, &'a Value)> {
        for _ in 0..64 {
            let node = lookup(self.root, &target).ok()?;
            let Value::String(s) = node else {
                return Some((target, node));
            };
            let Ok(pieces) = parse_pieces(s) else {
                return Some((target, node));
            };
            match pieces.as_slice() {
                [Piece::Interp { body, .. }]
                    if resolver_call(body).is_none() && !has_interpolation(body) =>
                {
                    target = target_path(body.trim(), &target).ok()?;
                }
                _ => return Some((target, node)),
            }
        }
        None
    }

    /// Resolves text that may contain interpolations, as if it were a value at `path`,
    /// without entering it on the cycle stack (it is part of the current node).
    fn string_in_place(&mut self, text: &str, path: &[String]) -> Result<Value, ConfigError> {
        if !has_interpolation(text) {
            return Ok(Value::String(text.to_string()));
        }
        if self.nesting >= MAX_NESTING {
            return Err(ConfigError::InterpolationInvalid {
                key: join_key(path),
                interpolation: pyfmt::one_line(&truncated(text)),
                reason: format!(
                    "interpolations are nested more than {MAX_NESTING} levels deep ('${{a.${{b}}}}' is 2 levels); simplify it"
                ),
            });
        }
        let pieces = parse_pieces(text).map_err(|reason| ConfigError::InterpolationInvalid {
            key: join_key(path),
            interpolation: pyfmt::one_line(&truncated(text)),
            reason,
        })?;
        self.nesting += 1;
        let result = self.pieces(&pieces, path);
        self.nesting -= 1;
        result
    }

    /// Whether `target` is in the `hydra` node while `path` is in the job config: Hydra
    /// removes that node from the job config, so the job cannot see it (only `${hydra:…}`).
    pub(crate) fn hidden(&self, target: &[String], path: &[String]) -> bool {
        self.with_hydra
            && target.first().is_some_and(|s| s == "hydra")
            && path.first().is_none_or(|s| s != "hydra")
    }

    fn lookup_target(
        &mut self,
        target: &[String],
        raw: &str,
        path: &[String],
    ) -> Result<Value, ConfigError> {
        let target_key = join_key(target);
        let found = if self.hidden(target, path) {
            None
        } else {
            self.locate(target)?
        };
        match found {
            None => Err(match crate::path::typed_key_hint(self.root, target) {
                Some(reason) => ConfigError::InterpolationInvalid {
                    key: join_key(path),
                    interpolation: raw.to_string(),
                    reason,
                },
                None => ConfigError::InterpolationKeyMissing {
                    key: join_key(path),
                    interpolation: raw.to_string(),
                    suggestion: DidYouMean(suggest_key(self.root, &target_key)),
                    target: target_key,
                },
            }),
            Some(Located::InRoot(_, true)) | Some(Located::Detached(Value::Missing)) => {
                Err(ConfigError::InterpolationToMissing {
                    key: join_key(path),
                    interpolation: raw.to_string(),
                    target: target_key,
                })
            }
            Some(Located::InRoot(p, false)) => self.node(&p),
            Some(Located::Detached(v)) => Ok(v),
        }
    }

    /// Finds the node at `target` as OmegaConf does: when the path passes through a node
    /// whose value is an interpolation, that interpolation is resolved and the lookup goes
    /// on in the container it gives (`a: ${wandb}` makes `${a.mode}` read `wandb.mode`;
    /// `a: ${oc.create:[1,2]}` makes `${a.0}` read 1). `None` when a segment is missing.
    pub(crate) fn locate(&mut self, target: &[String]) -> Result<Option<Located>, ConfigError> {
        let root = self.root;
        let mut base: Vec<String> = Vec::new();
        for (i, seg) in target.iter().enumerate() {
            base.push(seg.clone());
            let last = i + 1 == target.len();
            let mut hops = 0;
            loop {
                let Ok(node) = lookup(root, &base) else {
                    return Ok(None);
                };
                if last || !node.is_interpolation() {
                    if last {
                        return Ok(Some(Located::InRoot(base, *node == Value::Missing)));
                    }
                    break;
                }
                hops += 1;
                // A node that is exactly `${key}` stands for the node at `key`: continue there
                // without resolving its siblings (as OmegaConf returns the node itself).
                let redirect = match node {
                    Value::String(s) => match parse_pieces(s).as_deref() {
                        Ok([Piece::Interp { body, .. }])
                            if resolver_call(body).is_none() && !has_interpolation(body) =>
                        {
                            target_path(body.trim(), &base).ok()
                        }
                        _ => None,
                    },
                    _ => None,
                };
                match redirect {
                    Some(next) if hops <= MAX_CHAIN => base = next,
                    _ => {
                        // Anything else (a resolver, text around it): resolve the node and
                        // go on in the value it gives.
                        let value = self.node(&base)?;
                        let mut node = &value;
                        for seg in &target[i + 1..] {
                            match node.child(seg) {
                                Some(child) => node = child,
                                None => return Ok(None),
                            }
                        }
                        return Ok(Some(Located::Detached(node.clone())));
                    }
                }
            }
        }
        Ok(Some(Located::InRoot(base, false)))
    }

    /// Runs a resolver: OmegaConf's `oc.env`, `oc.select`, `oc.decode`, `oc.create`,
    /// `oc.deprecated`, `oc.dict.keys`, `oc.dict.values`, and Hydra's `now` and `hydra`.
    pub(crate) fn call(
        &mut self,
        name: &str,
        args: &str,
        raw: &str,
        path: &[String],
    ) -> Result<Value, ConfigError> {
        let invalid = |reason: String| ConfigError::InterpolationInvalid {
            key: join_key(path),
            interpolation: raw.to_string(),
            reason,
        };
        let args = split_args(args);
        let text = |v: Value| match v {
            Value::String(s) => s,
            other => pyfmt::py_str(&other),
        };
        match (name, args.as_slice()) {
            ("oc.env", [var, rest @ ..]) if rest.len() <= 1 => {
                let var = text(self.argument(var, path)?);
                match std::env::var(&var) {
                    Ok(v) => Ok(Value::String(v)),
                    Err(_) => match rest.first() {
                        Some(default) => match self.argument(default, path)? {
                            Value::Null => Ok(Value::Null),
                            other => Ok(Value::String(pyfmt::py_str(&other))),
                        },
                        None => Err(invalid(format!(
                            "environment variable '{var}' is not set (set it, or give a default: '${{oc.env:{var},DEFAULT}}')"
                        ))),
                    },
                }
            }
            ("oc.select", [key, rest @ ..]) if rest.len() <= 1 => {
                let key = text(self.argument(key, path)?);
                let target = target_path(&key, path).map_err(invalid)?;
                let found = if self.hidden(&target, path) {
                    None
                } else {
                    self.locate(&target)?
                };
                match found {
                    None
                    | Some(Located::InRoot(_, true))
                    | Some(Located::Detached(Value::Missing)) => match rest.first() {
                        Some(default) => self.argument(default, path),
                        None => Ok(Value::Null),
                    },
                    Some(_) => self.lookup_target(&target, raw, path),
                }
            }
            ("oc.decode", [arg]) => match self.argument(arg, path)? {
                Value::Null => Ok(Value::Null),
                Value::String(s) => {
                    let decoded = decode_text(&s).map_err(invalid)?;
                    self.resolve_strings(decoded, path)
                }
                other => Err(invalid(format!(
                    "`oc.decode` can only take strings or None as input, but `{}` is of type {} (quote it: '${{oc.decode:\'...\'}}')",
                    pyfmt::py_str(&other),
                    other.type_name()
                ))),
            },
            ("oc.create", [arg]) => match self.argument(arg, path)? {
                Value::String(s) => {
                    let parsed = crate::yaml::parse_yaml_str(&s, "oc.create").map_err(|e| {
                        invalid(format!("`oc.create` could not read its YAML argument: {e}"))
                    })?;
                    self.resolve_strings(parsed, path)
                }
                // OmegaConf's create(None) in a resolver gives None (checked with Hydra 1.3.2).
                v @ (Value::Map(_) | Value::List(_) | Value::Null) => Ok(v),
                other => Err(invalid(format!(
                    "`oc.create` makes a config from a dictionary, a list or YAML text, not {} {}",
                    other.type_name(),
                    pyfmt::py_str(&other)
                ))),
            },
            ("oc.deprecated", [key, rest @ ..]) if rest.len() <= 1 => {
                let new_key = text(self.argument(key, path)?);
                let target = target_path(&new_key, path).map_err(&invalid)?;
                if self.hidden(&target, path) || self.locate(&target)?.is_none() {
                    return Err(invalid(format!(
                        "In oc.deprecated resolver at '{}': Key not found: '{new_key}'",
                        join_key(path)
                    )));
                }
                let message = match rest.first() {
                    Some(m) => text(self.argument(m, path)?)
                        .replace("$OLD_KEY", &join_key(path))
                        .replace("$NEW_KEY", &new_key),
                    None => format!(
                        "'{}' is deprecated. Change your code and config to use '{new_key}'",
                        join_key(path)
                    ),
                };
                // OmegaConf emits a UserWarning; it is not an error.
                eprintln!("warning: {}", pyfmt::one_line(&message));
                self.lookup_target(&target, raw, path)
            }
            ("oc.dict.keys" | "oc.dict.values", [key]) => {
                let key = match self.argument(key, path)? {
                    Value::String(s) => s,
                    other => {
                        return Err(invalid(format!(
                            "`{name}` requires a string as input, but obtained `{}` of type: {}",
                            pyfmt::py_str(&other),
                            other.type_name()
                        )));
                    }
                };
                let target = target_path(&key, path).map_err(&invalid)?;
                let found = if self.hidden(&target, path) {
                    None
                } else {
                    self.locate(&target)?
                };
                let node = match found {
                    None => return Err(invalid(format!("Key not found: '{key}'"))),
                    Some(Located::InRoot(p, _)) => {
                        let root = self.root;
                        // Invariant: locate found this path in the same immutable root.
                        let raw_node = lookup(root, &p).expect("located in the root");
                        if raw_node.is_interpolation() {
                            self.node(&p)?
                        } else {
                            raw_node.clone()
                        }
                    }
                    Some(Located::Detached(v)) => v,
                };
                let keys: Vec<(String, crate::map::KeyKind)> = match node {
                    Value::Map(m) => m
                        .iter_typed()
                        .map(|(k, kind, _)| (k.to_string(), kind))
                        .collect(),
                    other => {
                        return Err(invalid(format!(
                            "`{name}` cannot be applied to objects of type: {} (give the key of a mapping)",
                            other.type_name()
                        )));
                    }
                };
                if name == "oc.dict.keys" {
                    // The keys themselves: the int key 1 is the int 1.
                    return Ok(Value::List(
                        keys.iter()
                            .map(|(k, kind)| crate::map::key_value(k, *kind))
                            .collect(),
                    ));
                }
                // OmegaConf makes `${key.K}` for each key, which names the string key 'K': an
                // int key's value is not found, as in OmegaConf.
                keys.iter()
                    .map(|(k, _)| self.lookup_target(&extend(&target, k), raw, path))
                    .collect::<Result<_, _>>()
                    .map(Value::List)
            }
            ("now", [pattern]) => {
                // Hydra's `now` resolver is `datetime.now().strftime(pattern)`, which takes
                // only a str: `${now:5}` fails "strftime() argument 1 must be str, not int".
                let pattern = match self.argument(pattern, path)? {
                    Value::String(s) => s,
                    other => {
                        let py_type = match other {
                            Value::Null => "None",
                            Value::Bool(_) => "bool",
                            Value::Int(_) | Value::BigInt(_) => "int",
                            Value::Float(_) => "float",
                            Value::List(_) => "list",
                            Value::Map(_) => "dict",
                            Value::String(_) | Value::Missing => "str",
                        };
                        return Err(invalid(format!(
                            "TypeError: strftime() argument 1 must be str, not {py_type} (quote the pattern: ${{now:'...'}})"
                        )));
                    }
                };
                crate::strftime::now_cached(&pattern)
                    .map(Value::String)
                    .map_err(invalid)
            }
            ("hydra", [key]) => {
                if !self.with_hydra {
                    return Err(invalid(
                        "the Hydra config is not available here (HydraConfig was not set); it is available in a run and through Composed::resolve_job".to_string(),
                    ));
                }
                let key = text(self.argument(key, path)?);
                let target = target_path(&format!("hydra.{key}"), &[]).map_err(&invalid)?;
                // `OmegaConf.select` gives None for a key that does not exist.
                match lookup(self.root, &target) {
                    Err(_) | Ok(Value::Missing) => Ok(Value::Null),
                    Ok(_) => self.node(&target),
                }
            }
            (
                "oc.env" | "oc.select" | "oc.deprecated" | "oc.decode" | "oc.create"
                | "oc.dict.keys" | "oc.dict.values" | "now" | "hydra",
                _,
            ) => Err(invalid(format!(
                "wrong number of arguments for '{name}': {}",
                match name {
                    "oc.env" | "oc.select" | "oc.deprecated" => format!(
                        "it takes a key and an optional second argument, e.g. '${{{name}:KEY,DEFAULT}}'"
                    ),
                    "now" => "it takes one strftime pattern, e.g. '${now:%Y-%m-%d}'".to_string(),
                    _ => format!("it takes one argument, e.g. '${{{name}:ARG}}'"),
                }
            ))),
            _ => Err(invalid(format!(
                "unknown resolver '{name}' (supported: oc.env, oc.select, oc.decode, oc.create, oc.deprecated, oc.dict.keys, oc.dict.values, now, hydra); to use a literal '${{', escape it as '\\${{'"
            ))),
        }
    }

    /// Resolves the interpolations inside a value made by a resolver, as if it lived at `path`.
    fn resolve_strings(&mut self, v: Value, path: &[String]) -> Result<Value, ConfigError> {
        match v {
            Value::String(s) if has_interpolation(&s) => self.string_in_place(&s, path),
            Value::List(items) => items
                .into_iter()
                .map(|x| self.resolve_strings(x, path))
                .collect::<Result<_, _>>()
                .map(Value::List),
            Value::Map(m) => {
                let mut out = crate::map::Map::new();
                for (k, kind, x) in m.into_typed() {
                    out.push_typed(k, kind, self.resolve_strings(x, path)?);
                }
                Ok(Value::Map(out))
            }
            other => Ok(other),
        }
    }

    /// A resolver argument: quoted text, an interpolation, or a plain YAML-typed scalar.
    pub(crate) fn argument(&mut self, arg: &str, path: &[String]) -> Result<Value, ConfigError> {
        if arg.is_empty() {
            // OmegaConf's grammar reads an empty argument as the empty string, not null.
            return Ok(Value::String(String::new()));
        }
        let unquoted = ['\'', '"']
            .iter()
            .find_map(|q| arg.strip_prefix(*q).and_then(|rest| rest.strip_suffix(*q)));
        if let Some(inner) = unquoted {
            let quote = arg.chars().next().unwrap_or('\'');
            let inner = unescape_quoted(inner, quote).map_err(|reason| {
                ConfigError::InterpolationInvalid {
                    key: join_key(path),
                    interpolation: arg.to_string(),
                    reason,
                }
            })?;
            // A quoted argument is a string even when it is one interpolation ('${x}').
            return Ok(match self.string_in_place(&inner, path)? {
                Value::String(s) => Value::String(s),
                other => Value::String(pyfmt::py_str(&other)),
            });
        }
        if arg.starts_with('[') || arg.starts_with('{') {
            let v = decode_element(arg).map_err(|reason| ConfigError::InterpolationInvalid {
                key: join_key(path),
                interpolation: arg.to_string(),
                reason,
            })?;
            return self.resolve_strings(v, path);
        }
        if let Some(bad) = unquoted_char_outside_grammar(arg) {
            return Err(ConfigError::InterpolationInvalid {
                key: join_key(path),
                interpolation: arg.to_string(),
                reason: format!(
                    "'{bad}' cannot appear in an unquoted resolver argument (OmegaConf's grammar allows letters, digits, spaces and `_/-\\+.$%*@?|:` there); quote the argument, e.g. ${{now:'%^a'}}"
                ),
            });
        }
        if let Some(text) = unescape_arg(arg) {
            // A primitive with an escape is a concatenation, always a string in OmegaConf.
            return if has_interpolation(&text) {
                Ok(match self.string_in_place(&text, path)? {
                    Value::String(s) => Value::String(s),
                    other => Value::String(pyfmt::py_str(&other)),
                })
            } else {
                Ok(Value::String(text))
            };
        }
        if has_interpolation(arg) {
            return self.string_in_place(arg, path);
        }
        Ok(resolve_plain(arg).unwrap_or_else(|_| Value::String(arg.to_string())))
    }
}

/// Parses text as one element of OmegaConf's grammar (what `oc.decode` does): an int, float,
/// bool, null, quoted or unquoted string, list or dictionary. Hydra's override grammar, which
/// we implement, types these elements the same way.
fn decode_element(text: &str) -> Result<Value, String> {
    // OmegaConf's element grammar has no function calls (Hydra's override casts such as
    // `int(3)`) and no parentheses outside quotes: `${oc.decode:'int(3)'}` is a
    // GrammarParseError there, so it is refused here rather than evaluated.
    let mut quote = None;
    let mut escaped = false;
    for c in text.chars() {
        match (quote, c) {
            _ if escaped => escaped = false,
            (_, '\\') => escaped = true,
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '(' | ')') => {
                return Err(format!(
                    "could not decode {}: OmegaConf's grammar has no '{c}' outside quotes (no \
                     function calls such as int(3) in oc.decode); quote the text",
                    pyfmt::str_repr(text)
                ));
            }
            _ => {}
        }
    }
    let o = crate::override_parser::parse_override(&format!("x={text}"))
        .map_err(|e| format!("could not decode {}: {e}", pyfmt::str_repr(text)))?;
    Ok(match o.value {
        Some(Value::Missing) => Value::String("???".to_string()),
        Some(v) => v,
        None => Value::String(String::new()),
    })
}

/// What `oc.decode` makes of a string. OmegaConf parses it as one element of its grammar,
/// where whitespace is a token of its own: text with leading or trailing spaces is a string
/// kept as written (`' 5 '` stays the string ' 5 ', not the int 5), while a quoted string,
/// list or dictionary may not be surrounded by spaces, and empty or blank text is no element.
fn decode_text(text: &str) -> Result<Value, String> {
    let trimmed = text.trim_matches([' ', '\t']);
    if trimmed.is_empty() {
        return Err(format!(
            "could not decode {}: there is no value to decode (give a value, e.g. '${{oc.decode:\'[1,2]\'}}')",
            pyfmt::str_repr(text)
        ));
    }
    if trimmed.len() == text.len() {
        return decode_element(text);
    }
    if trimmed.starts_with(['[', '{', '\'', '"']) {
        return Err(format!(
            "could not decode {}: a quoted string, list or dictionary cannot have spaces around it",
            pyfmt::str_repr(text)
        ));
    }
    Ok(Value::String(text.to_string()))
}

/// The text of parsed pieces, for error messages.
fn pieces_text(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => t.as_str(),
            Piece::Interp { raw, .. } => raw.as_str(),
        })
        .collect()
}

/// At most 200 characters of `s`, for error messages.
fn truncated(s: &str) -> String {
    match s.char_indices().nth(200) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

pub(crate) fn extend(path: &[String], seg: &str) -> Vec<String> {
    let mut p = path.to_vec();
    p.push(seg.to_string());
    p
}

/// The absolute path an interpolation key points to, for a node at `node_path`. Leading
/// dots make it relative: one dot is the node's own container, each further dot one level up.
pub(crate) fn target_path(key: &str, node_path: &[String]) -> Result<Vec<String>, String> {
    let dots = key.chars().take_while(|c| *c == '.').count();
    let rest = &key[dots..];
    let mut base: Vec<String> = if dots == 0 {
        Vec::new()
    } else {
        let parent = &node_path[..node_path.len().saturating_sub(1)];
        let up = dots - 1;
        if up > parent.len() {
            return Err(format!(
                "'{key}' goes {up} level(s) up from '{}', above the root",
                join_key(parent)
            ));
        }
        parent[..parent.len() - up].to_vec()
    };
    if rest.is_empty() {
        if dots == 0 {
            return Err("empty interpolation '${}': put a key between the braces".to_string());
        }
        return Ok(base);
    }
    let segs = split_key(rest)
        .ok_or_else(|| format!("'{key}' is not a valid key (use dotted keys such as 'a.b.0')"))?;
    base.extend(segs);
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_yaml_str;

    fn resolve(yaml: &str) -> Result<Value, ConfigError> {
        parse_yaml_str(yaml, "t").unwrap().resolved()
    }

    #[test]
    fn full_interpolation_keeps_type_embedded_gives_string() {
        let v = resolve(
            "a: 128\nshape: [3, '${a}', \"${a}\"]\nname: mc\npath: data/${name}/x.json\nlst: ${shape}\nf: 8e-5\nmsg: lr=${f} ${n} ${b}\nn: null\nb: true\n",
        )
        .unwrap();
        assert_eq!(
            v.child("shape"),
            Some(&Value::List(vec![
                Value::Int(3),
                Value::Int(128),
                Value::Int(128)
            ]))
        );
        assert_eq!(v.child("path"), Some(&Value::from("data/mc/x.json")));
        assert_eq!(v.child("lst"), v.child("shape"));
        assert_eq!(v.child("msg"), Some(&Value::from("lr=8e-05 None True")));
    }

    #[test]
    fn list_indices_relative_and_nested_keys() {
        let v = resolve(
            "d:\n  y: [10, 20]\n  i0: ${.y.0}\n  i1: ${d.y[1]}\n  up: ${..top}\ntop: 1\nsel: y\nnested: ${d.${sel}}\ncont: \"${d.y}\"\n",
        )
        .unwrap();
        let d = v.child("d").unwrap();
        assert_eq!(d.child("i0"), Some(&Value::Int(10)));
        assert_eq!(d.child("i1"), Some(&Value::Int(20)));
        assert_eq!(d.child("up"), Some(&Value::Int(1)));
        assert_eq!(
            v.child("nested"),
            Some(&Value::List(vec![Value::Int(10), Value::Int(20)]))
        );
    }

    #[test]
    fn embedded_container_targets_print_their_raw_items() {
        let v = resolve("r: 64\nshape: [3, '${r}']\nalias: ${shape}\ns: x=${shape}\nt: y=${alias}\nfull: ${shape}\n").unwrap();
        assert_eq!(v.child("s"), Some(&Value::from("x=[3, '${r}']")));
        assert_eq!(v.child("t"), Some(&Value::from("y=[3, '${r}']")));
        assert_eq!(
            v.child("full"),
            Some(&Value::List(vec![Value::Int(3), Value::Int(64)]))
        );
    }

    #[test]
    fn target_is_resolved_in_its_own_place() {
        let v = resolve("d:\n  x: ${.y}\n  y: 1\ncopy: ${d}\n").unwrap();
        assert_eq!(v.child("copy").unwrap().child("x"), Some(&Value::Int(1)));
    }

    #[test]
    fn escapes() {
        let v = resolve("a: 1\ne1: \\${a}\ne2: \"x\\\\${a}\"\ne3: 'p\\\\${a}'\n").unwrap();
        assert_eq!(v.child("e1"), Some(&Value::from("${a}")));
        assert_eq!(v.child("e2"), Some(&Value::from("x${a}")));
        assert_eq!(v.child("e3"), Some(&Value::from("p\\1")));
    }

    #[test]
    fn escapes_in_unquoted_resolver_arguments() {
        // OmegaConf 2.3 (checked): {'a': 'x\\3', 'b': '{y}', 'c': 'a:b=c', 'd': 'a\\b',
        // 'e': 'a,b', 'f': 'a ', 'g': '1 '}.
        let v = resolve(concat!(
            "s: 3\n",
            "a: ${oc.select:nope,x\\\\${s}}\n",
            "b: ${oc.select:nope,\\{y\\}}\n",
            "c: ${oc.env:DFORCE_TEST_UNSET,a\\:b\\=c}\n",
            "d: ${oc.select:nope,a\\\\b}\n",
            "e: ${oc.select:nope,a\\,b}\n",
            "f: ${oc.select:nope, a\\ }\n",
            "g: ${oc.select:nope,1\\ }\n",
        ))
        .unwrap();
        for (k, want) in [
            ("a", "x\\3"),
            ("b", "{y}"),
            ("c", "a:b=c"),
            ("d", "a\\b"),
            ("e", "a,b"),
            ("f", "a "),
            ("g", "1 "),
        ] {
            assert_eq!(v.child(k), Some(&Value::from(want)), "{k}");
        }
    }

    #[test]
    fn escapes_in_quoted_resolver_arguments() {
        // OmegaConf 2.3 (checked, `${oc.env:NOPE_X,ARG}` with y: 1):
        // 'a\'b' → a'b, "a\"b" → a"b, 'a\\' → a\, 'a\\\'b' → a\'b, 'a\b' → a\b,
        // 'a\\b' → a\\b, 'a\"b' → a\"b, 'x\\${y}' → x\1, 'a\\\\' → a\\, 'a\\ b\\' → a\\ b\.
        let cases = [
            (r"'a\'b'", r"a'b"),
            (r#""a\"b""#, r#"a"b"#),
            (r"'a\\'", r"a\"),
            (r"'a\\\'b'", r"a\'b"),
            (r"'a\b'", r"a\b"),
            (r"'a\\b'", r"a\\b"),
            (r#"'a\"b'"#, r#"a\"b"#),
            (r"'x\\${y}'", r"x\1"),
            (r"'a\\\\'", r"a\\"),
            (r"'a\\ b\\'", r"a\\ b\"),
            (r#""a,\"b,c""#, r#"a,"b,c"#),
        ];
        for (arg, want) in cases {
            let yaml = format!("y: 1\na: ${{oc.env:DFORCE_TEST_UNSET,{arg}}}\n");
            let v = resolve(&yaml).unwrap_or_else(|e| panic!("{arg}: {e}"));
            assert_eq!(v.child("a"), Some(&Value::from(want)), "{arg}");
        }
        // An odd run of backslashes before the closing quote leaves it open.
        assert!(resolve("a: ${oc.env:DFORCE_TEST_UNSET,'a\\'}\n").is_err());
    }

    #[test]
    fn missing_stays_missing_until_interpolated() {
        let v = resolve("m: ???\nx: 1\n").unwrap();
        assert_eq!(v.child("m"), Some(&Value::Missing));
        let e = resolve("m: ???\nx: ${m}\n").unwrap_err();
        assert!(
            matches!(e, ConfigError::InterpolationToMissing { ref target, .. } if target == "m"),
            "{e}"
        );
    }

    #[test]
    fn missing_key_names_key_interpolation_and_suggestion() {
        let e =
            resolve("dataset:\n  name: mc\n  metadata: data/${dataset.nmae}/m.json\n").unwrap_err();
        let msg = e.to_string();
        assert_eq!(
            msg,
            "Could not resolve '${dataset.nmae}' at 'dataset.metadata': key 'dataset.nmae' does not exist. Did you mean 'dataset.name'?"
        );
    }

    #[test]
    fn cycles_are_detected() {
        for yaml in [
            "a: ${b}\nb: ${a}\n",
            "a: ${a}\n",
            "d:\n  x: ${d}\n",
            "a: x${b}\nb: ${a}y\n",
        ] {
            let e = resolve(yaml).unwrap_err();
            assert!(
                matches!(e, ConfigError::InterpolationCycle { .. }),
                "{yaml}: {e}"
            );
            assert!(!e.to_string().contains('\n'));
        }
    }

    #[test]
    fn long_chains_are_refused_not_overflowed() {
        // Each key points at the next one, so resolving k0 walks the whole chain at once.
        let mut yaml: String = (0..5000)
            .map(|i| format!("k{i}: ${{k{}}}\n", i + 1))
            .collect();
        yaml.push_str("k5000: 1\n");
        let Err(e) = resolve(&yaml) else {
            panic!("a 5000-long chain should be refused")
        };
        assert!(
            e.to_string().contains("more than 200 interpolations"),
            "{e}"
        );
        let short: String = (1..50)
            .map(|i| format!("k{i}: ${{k{}}}\n", i - 1))
            .collect();
        let v = resolve(&format!("k0: 7\n{short}")).unwrap();
        assert_eq!(v.child("k49"), Some(&Value::Int(7)));
    }

    #[test]
    fn deeply_nested_interpolations_are_refused_not_overflowed() {
        // `${${...${a}...}}` 5000 deep used to recurse once per level until the stack ran out.
        let deep = format!("a: a\nb: '{}a{}'\n", "${".repeat(5000), "}".repeat(5000));
        let e = resolve(&deep).unwrap_err().to_string();
        assert!(
            e.contains("nested more than 64 levels") && e.contains("'b'"),
            "{e}"
        );
        assert!(
            e.len() < 1000,
            "the message should not repeat the whole value: {e}"
        );
        // The same inside a resolver argument.
        let deep = format!(
            "a: a\nb: '${{oc.select:{}a{}}}'\n",
            "${".repeat(5000),
            "}".repeat(5000)
        );
        let e = resolve(&deep).unwrap_err().to_string();
        assert!(e.contains("nested more than 64 levels"), "{e}");
        // Moderate nesting works: each `${a}` gives the key 'a' again.
        let ok = format!("a: a\nb: '{}a{}'\n", "${".repeat(10), "}".repeat(10));
        assert_eq!(resolve(&ok).unwrap().child("b"), Some(&Value::from("a")));
    }

    /// `x{i}: [[...'${x{i-1}}'...]]`: each link copies the previous subtree one level deeper.
    fn nested_chain(links: usize, levels: usize, forward: bool) -> String {
        let wrap = |inner: String| format!("{}{inner}{}", "[".repeat(levels), "]".repeat(levels));
        let mut yaml = String::new();
        for i in 0..links {
            let target = if forward { i + 1 } else { i.wrapping_sub(1) };
            let inner = if (forward && i + 1 == links) || (!forward && i == 0) {
                "1".to_string()
            } else {
                format!("'${{x{target}}}'")
            };
            yaml.push_str(&format!("x{i}: {}\n", wrap(inner)));
        }
        yaml
    }

    #[test]
    fn resolution_depth_is_bounded() {
        // 200 links of 190 levels would resolve to 38,000 levels (beyond the stack when the
        // value is cloned, dropped or printed); refused once past 1000, whichever order the
        // nodes are resolved in (cached targets first, or recursing into each target).
        for forward in [false, true] {
            let e = resolve(&nested_chain(200, 190, forward))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("nests deeper than 1000 levels") && e.contains("'x"),
                "{e}"
            );
        }
        // Well within the limit: 10 links of 20 levels resolve, and can be printed.
        let v = resolve(&nested_chain(10, 20, false)).unwrap();
        let mut node = v.child("x9").unwrap();
        let mut depth = 0;
        while let Some(inner) = node.as_list().and_then(|l| l.first()) {
            node = inner;
            depth += 1;
        }
        assert_eq!((depth, node), (200, &Value::Int(1)));
        assert!(v.to_yaml().contains("x9"));
    }

    #[test]
    fn exponential_strings_and_copies_are_refused() {
        let mut yaml = "a0: xxxxxxxx\n".to_string();
        for i in 1..40 {
            yaml.push_str(&format!("a{i}: ${{a{}}}${{a{}}}\n", i - 1, i - 1));
        }
        let e = resolve(&yaml).unwrap_err().to_string();
        assert!(
            (e.contains("longer than 16 MiB") || e.contains("64 MiB")) && e.contains("'a2"),
            "{e}"
        );
        // One string longer than 16 MiB.
        let big = "y".repeat(1 << 20);
        let e = resolve(&format!("s: {big}\nt: {}\n", "${s}".repeat(17)))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("longer than 16 MiB") && e.contains("at 't'"),
            "{e}"
        );
        let mut yaml = "l0: [x, x]\n".to_string();
        for i in 1..40 {
            yaml.push_str(&format!("l{i}: ['${{l{}}}', '${{l{}}}']\n", i - 1, i - 1));
        }
        let e = resolve(&yaml).unwrap_err().to_string();
        assert!(e.contains("copy more than 1000000 nodes"), "{e}");
        // A large string copied many times counts by its bytes.
        let big = "y".repeat(1 << 20);
        let refs = vec!["'${s}'"; 100].join(", ");
        let e = resolve(&format!("s: {big}\nl: [{refs}]\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("64 MiB"), "{e}");
        // Modest doubling is fine.
        let v = resolve("a0: xy\na1: ${a0}${a0}\na2: ${a1}${a1}\n").unwrap();
        assert_eq!(v.child("a2"), Some(&Value::from("xyxyxyxy")));
    }

    #[test]
    fn resolvers() {
        // SAFETY: tests in this module are the only users of this variable.
        unsafe { std::env::set_var("DFORCE_CONFIG_TEST_VAR", "/tmp/x") };
        let v = resolve(
            "a: ${oc.env:DFORCE_CONFIG_TEST_VAR}\nb: ${oc.env:DFORCE_CONFIG_UNSET_VAR,fallback}\nc: ${oc.env:DFORCE_CONFIG_UNSET_VAR,null}\nd: ${oc.select:nope,5}\ne: ${oc.select:a}\n",
        )
        .unwrap();
        assert_eq!(v.child("a"), Some(&Value::from("/tmp/x")));
        assert_eq!(v.child("b"), Some(&Value::from("fallback")));
        assert_eq!(v.child("c"), Some(&Value::Null));
        assert_eq!(v.child("d"), Some(&Value::Int(5)));
        assert_eq!(v.child("e"), Some(&Value::from("/tmp/x")));
        let e = resolve("a: ${oc.env:DFORCE_CONFIG_UNSET_VAR}\n").unwrap_err();
        assert!(e.to_string().contains("DFORCE_CONFIG_UNSET_VAR"), "{e}");
        let e = resolve("a: ${nope:%Y}\n").unwrap_err();
        assert!(e.to_string().contains("unknown resolver 'nope'"), "{e}");
    }

    #[test]
    fn resolvers_that_ship_with_omegaconf_and_hydra() {
        // Expected values: OmegaConf 2.3 / Hydra 1.3.2 (the parity script checks the same
        // lines against Hydra itself).
        let v = resolve(concat!(
            "seed: 0\n",
            "w: {entity: null, project: df, mode: online}\n",
            "a: ${oc.decode:'[1,2]'}\n",
            "b: ${oc.decode:'123'}\n",
            "c: ${oc.decode:null}\n",
            "d: ${oc.decode:'${seed}'}\n",
            "e: ${oc.create:[1,2]}\n",
            "f: \"${oc.create:{x: 1}}\"\n",
            "g: ${oc.deprecated:seed}\n",
            "h: ${oc.dict.keys:w}\n",
            "i: ${oc.dict.values:w}\n",
            "j: \"y${now:%%}\"\n",
        ))
        .unwrap();
        let ints = |v: &[i64]| Value::List(v.iter().map(|x| Value::Int(*x)).collect());
        assert_eq!(v.child("a"), Some(&ints(&[1, 2])));
        assert_eq!(v.child("b"), Some(&Value::Int(123)));
        assert_eq!(v.child("c"), Some(&Value::Null));
        assert_eq!(v.child("d"), Some(&Value::Int(0)));
        assert_eq!(v.child("e"), Some(&ints(&[1, 2])));
        assert_eq!(
            v.child("f").and_then(|f| f.child("x")),
            Some(&Value::Int(1))
        );
        assert_eq!(v.child("g"), Some(&Value::Int(0)));
        assert_eq!(
            v.child("h"),
            Some(&Value::List(vec![
                Value::from("entity"),
                Value::from("project"),
                Value::from("mode")
            ]))
        );
        assert_eq!(
            v.child("i"),
            Some(&Value::List(vec![
                Value::Null,
                Value::from("df"),
                Value::from("online")
            ]))
        );
        assert_eq!(v.child("j"), Some(&Value::from("y%")));
        for (yaml, needle) in [
            ("a: ${oc.decode:123}\n", "can only take strings or None"),
            ("a: ${oc.dict.keys:nope}\n", "Key not found: 'nope'"),
            (
                "s: 1\na: ${oc.dict.keys:s}\n",
                "cannot be applied to objects of type: int",
            ),
            ("a: ${oc.deprecated:nope}\n", "Key not found: 'nope'"),
            ("a: ${hydra:job.name}\n", "HydraConfig was not set"),
        ] {
            let e = resolve(yaml).unwrap_err().to_string();
            assert!(e.contains(needle), "{yaml}: {e}");
        }
    }

    #[test]
    fn paths_through_interpolated_containers() {
        // Expected values from Hydra 1.3.2 / OmegaConf 2.3 (`--cfg job --resolve` of
        // `'+a=${wandb}' '+b=${a.mode}'` gives b: online; `'+a=${oc.create:[1,2]}'
        // '+b=${a.0}'` b: 1; `'+a=${dataset.observation_shape}' '+b=${a.1}'` b: 128;
        // `'+a=${oc.dict.keys:wandb}' '+b=${a[0]}'` b: entity).
        let v = resolve(concat!(
            "wandb: {entity: null, project: df, mode: online}\n",
            "r: 128\n",
            "shape: [3, '${r}', '${r}']\n",
            "a: ${wandb}\n",
            "b: ${a.mode}\n",
            "c: ${oc.create:[1,2]}\n",
            "d: ${c.0}\n",
            "e: ${shape}\n",
            "f: ${e.1}\n",
            "g: ${oc.dict.keys:wandb}\n",
            "h: ${g[0]}\n",
            "i: ${a}\n",
            "j: ${i.project}\n",
            "k: ${oc.select:a.mode}\n",
            "l: ${oc.dict.keys:a}\n",
            "m: ${oc.select:a.nope,dflt}\n",
        ))
        .unwrap();
        assert_eq!(v.child("b"), Some(&Value::from("online")));
        assert_eq!(v.child("d"), Some(&Value::Int(1)));
        assert_eq!(v.child("f"), Some(&Value::Int(128)));
        assert_eq!(v.child("h"), Some(&Value::from("entity")));
        assert_eq!(v.child("j"), Some(&Value::from("df")));
        assert_eq!(v.child("k"), Some(&Value::from("online")));
        assert_eq!(
            v.child("l"),
            Some(&Value::List(vec![
                Value::from("entity"),
                Value::from("project"),
                Value::from("mode")
            ]))
        );
        assert_eq!(v.child("m"), Some(&Value::from("dflt")));
        // Only the node on the way is resolved: a sibling that points back is no cycle.
        let v = resolve("d:\n  x: ${a.y}\n  y: 1\na: ${d}\n").unwrap();
        assert_eq!(
            v.child("d").and_then(|d| d.child("x")),
            Some(&Value::Int(1))
        );
        let e = resolve("a: ${wandb}\nwandb: {mode: x}\nb: ${a.nope}\n").unwrap_err();
        assert!(
            matches!(e, ConfigError::InterpolationKeyMissing { ref target, .. } if target == "a.nope"),
            "{e}"
        );
        let e = resolve("a: ${a}\nb: ${a.x}\n").unwrap_err();
        assert!(matches!(e, ConfigError::InterpolationCycle { .. }), "{e}");
    }

    #[test]
    fn an_int_key_and_a_string_key_with_the_same_text_are_not_a_cycle() {
        // OmegaConf 2.3: the int key 1 holding `${a.1}` reads the string key '1' -> 3.
        let v = resolve("a: {1: '${a.1}', '1': '${b}'}\nb: 3\n").unwrap();
        let Some(Value::Map(a)) = v.as_map().and_then(|m| m.get("a")) else {
            unreachable!()
        };
        assert_eq!(
            a.get_typed("1", crate::map::KeyKind::Int),
            Some(&Value::Int(3))
        );
    }

    #[test]
    fn run_mode_is_an_enum_whose_str_names_its_class() {
        // Hydra 1.3.2 in a run: `+b=x${hydra:mode}` is `xRunMode.RUN`, `+a=${hydra:mode}` is
        // the enum (printed `RUN`), `+c=x${a}` follows `a` to the enum: `xRunMode.RUN`.
        let root = parse_yaml_str(
            "hydra: {mode: RUN, d: 'r${hydra.mode}'}\na: ${hydra:mode}\nb: x${hydra:mode}\nc: x${a}\n",
            "t",
        )
        .unwrap();
        let job = resolve_job_with_hydra(&root).unwrap();
        assert_eq!(job.get("a").unwrap(), &Value::from("RUN"));
        assert_eq!(job.get("b").unwrap(), &Value::from("xRunMode.RUN"));
        assert_eq!(job.get("c").unwrap(), &Value::from("xRunMode.RUN"));
        let d = resolve_key_with_hydra(&root, "hydra.d").unwrap();
        assert_eq!(d, Value::from("rRunMode.RUN"));
    }

    #[test]
    fn empty_resolver_arguments() {
        // Hydra 1.3.2: `${oc.env:NOPE_X,}` and `${oc.select:nope,}` give '' (not null);
        // `${now:}` fails ("missing 1 required positional argument: 'pattern'").
        let v = resolve("a: ${oc.env:DFORCE_CONFIG_UNSET_VAR,}\nb: ${oc.select:nope,}\n").unwrap();
        assert_eq!(v.child("a"), Some(&Value::from("")));
        assert_eq!(v.child("b"), Some(&Value::from("")));
        for yaml in ["a: ${now:}\n", "a: '${now: }'\n", "a: ${oc.decode:}\n"] {
            let e = resolve(yaml).unwrap_err().to_string();
            assert!(e.contains("wrong number of arguments"), "{yaml}: {e}");
        }
    }

    #[test]
    fn oc_decode_keeps_text_with_outer_spaces() {
        // OmegaConf 2.3: oc.decode(' 5 ') is the str ' 5 ', ' abc ' stays ' abc ',
        // ' ${seed} ' gives ' 0 '; '' , '  ', ' [1,2] ' and "'x' " are grammar errors.
        let v = resolve(concat!(
            "seed: 0\n",
            "a: ${oc.decode:' 5 '}\n",
            "b: ${oc.decode:' abc '}\n",
            "c: ${oc.decode:' ${seed} '}\n",
            "d: ${oc.decode:'5'}\n",
            "e: ${oc.decode:'1 2'}\n",
        ))
        .unwrap();
        assert_eq!(v.child("a"), Some(&Value::from(" 5 ")));
        assert_eq!(v.child("b"), Some(&Value::from(" abc ")));
        assert_eq!(v.child("c"), Some(&Value::from(" 0 ")));
        assert_eq!(v.child("d"), Some(&Value::Int(5)));
        assert_eq!(v.child("e"), Some(&Value::from("1 2")));
        for arg in ["''", "'  '", "' [1,2] '", "\"'x' \""] {
            let yaml = format!("a: ${{oc.decode:{arg}}}\n");
            let e = resolve(&yaml).unwrap_err();
            assert!(
                matches!(e, ConfigError::InterpolationInvalid { .. }),
                "{yaml}: {e}"
            );
        }
    }

    #[test]
    fn malformed_interpolations_error() {
        for yaml in ["a: ${b\n", "a: ${}\n", "a: ${...x}\n", "a: ${b..c}\n"] {
            let e = resolve(yaml).unwrap_err();
            assert!(
                matches!(e, ConfigError::InterpolationInvalid { .. }),
                "{yaml}: {e}"
            );
        }
    }
}
