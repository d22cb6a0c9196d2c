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
use crate::value::Value;
use crate::yaml_scalar::resolve_plain;

impl Value {
    /// A copy of this config with every interpolation replaced by its value. Call it on the
    /// root of a composed config: absolute interpolations are looked up from `self`.
    /// Errors name the key holding the interpolation and the interpolation itself.
    pub fn resolved(&self) -> Result<Value, ConfigError> {
        let mut resolver = Resolver {
            root: self,
            cache: HashMap::new(),
            stack: Vec::new(),
        };
        resolver.resolve(self, &[])
    }
}

/// True if `s` contains `${` and therefore needs resolving (for an interpolation or to
/// un-escape a `\${`).
pub fn has_interpolation(s: &str) -> bool {
    s.contains("${")
}

/// Part of a string value.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
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
fn parse_pieces(s: &str) -> Result<Vec<Piece>, String> {
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
fn split_args(s: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) => {
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
    args.into_iter().map(|a| a.trim().to_string()).collect()
}

/// `oc.env` / `my_resolver` followed by `:`.
fn resolver_call(body: &str) -> Option<(&str, &str)> {
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

/// Longest chain of interpolations pointing at interpolations: far beyond real configs,
/// and short enough for the recursive resolver to stay within the stack.
const MAX_CHAIN: usize = 200;

struct Resolver<'a> {
    root: &'a Value,
    /// Fully resolved nodes by dotted path, so shared targets are resolved once.
    cache: HashMap<String, Value>,
    /// Paths of string nodes being resolved, innermost last, for cycle detection.
    stack: Vec<String>,
}

impl Resolver<'_> {
    /// Resolves `v`, which lives at `path`.
    fn resolve(&mut self, v: &Value, path: &[String]) -> Result<Value, ConfigError> {
        match v {
            Value::String(s) if has_interpolation(s) => self.string(s, path),
            Value::Map(m) => {
                let mut out = crate::map::Map::new();
                for (k, child) in m.iter() {
                    let child_path = extend(path, k);
                    out.insert(k, self.resolve(child, &child_path)?);
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
    fn node(&mut self, path: &[String]) -> Result<Value, ConfigError> {
        let key = join_key(path);
        if let Some(v) = self.cache.get(&key) {
            return Ok(v.clone());
        }
        let root = self.root;
        let node = lookup(root, path).expect("caller checked that the node exists");
        let v = self.resolve(node, path)?;
        self.cache.insert(key, v.clone());
        Ok(v)
    }

    fn string(&mut self, s: &str, path: &[String]) -> Result<Value, ConfigError> {
        let key = join_key(path);
        if let Some(pos) = self.stack.iter().position(|k| *k == key) {
            let mut chain: Vec<String> = self.stack[pos..].to_vec();
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
        self.stack.push(key);
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
            && let Some(node) = self.follow_plain_references(first)
            && node.is_container()
        {
            return Ok(pyfmt::py_str(node));
        }
        Ok(pyfmt::py_str(&self.interpolation(raw, body, path)?))
    }

    /// Follows a chain of nodes that are each exactly one plain `${key}` to the last node,
    /// unresolved. `None` when a link is missing or the chain loops (the normal resolution
    /// then reports it).
    fn follow_plain_references(&self, mut target: Vec<String>) -> Option<&Value> {
        for _ in 0..64 {
            let node = lookup(self.root, &target).ok()?;
            let Value::String(s) = node else {
                return Some(node);
            };
            let Ok(pieces) = parse_pieces(s) else {
                return Some(node);
            };
            match pieces.as_slice() {
                [Piece::Interp { body, .. }]
                    if resolver_call(body).is_none() && !has_interpolation(body) =>
                {
                    target = target_path(body.trim(), &target).ok()?;
                }
                _ => return Some(node),
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
        let pieces = parse_pieces(text).map_err(|reason| ConfigError::InterpolationInvalid {
            key: join_key(path),
            interpolation: text.to_string(),
            reason,
        })?;
        self.pieces(&pieces, path)
    }

    fn lookup_target(
        &mut self,
        target: &[String],
        raw: &str,
        path: &[String],
    ) -> Result<Value, ConfigError> {
        let target_key = join_key(target);
        match lookup(self.root, target) {
            Err(_) => Err(ConfigError::InterpolationKeyMissing {
                key: join_key(path),
                interpolation: raw.to_string(),
                suggestion: DidYouMean(suggest_key(self.root, &target_key)),
                target: target_key,
            }),
            Ok(Value::Missing) => Err(ConfigError::InterpolationToMissing {
                key: join_key(path),
                interpolation: raw.to_string(),
                target: target_key,
            }),
            Ok(_) => self.node(target),
        }
    }

    /// Runs a resolver. Only OmegaConf's `oc.env` and `oc.select` are provided.
    fn call(
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
        match (name, args.as_slice()) {
            ("oc.env", [var, rest @ ..]) if rest.len() <= 1 => {
                let var = match self.argument(var, path)? {
                    Value::String(s) => s,
                    other => pyfmt::py_str(&other),
                };
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
                let key = match self.argument(key, path)? {
                    Value::String(s) => s,
                    other => pyfmt::py_str(&other),
                };
                let target = target_path(&key, path).map_err(invalid)?;
                match lookup(self.root, &target) {
                    Ok(Value::Missing) | Err(_) => match rest.first() {
                        Some(default) => self.argument(default, path),
                        None => Ok(Value::Null),
                    },
                    Ok(_) => self.lookup_target(&target, raw, path),
                }
            }
            ("oc.env" | "oc.select", _) => Err(invalid(format!(
                "'{name}' takes a key and an optional default, e.g. '${{{name}:KEY,DEFAULT}}'"
            ))),
            _ => Err(invalid(format!(
                "unknown resolver '{name}' (supported: oc.env, oc.select); to use a literal '${{', escape it as '\\${{'"
            ))),
        }
    }

    /// A resolver argument: quoted text, an interpolation, or a plain YAML-typed scalar.
    fn argument(&mut self, arg: &str, path: &[String]) -> Result<Value, ConfigError> {
        let unquoted = ['\'', '"']
            .iter()
            .find_map(|q| arg.strip_prefix(*q).and_then(|rest| rest.strip_suffix(*q)));
        if let Some(inner) = unquoted {
            return self.string_in_place(inner, path);
        }
        if has_interpolation(arg) {
            return self.string_in_place(arg, path);
        }
        Ok(resolve_plain(arg).unwrap_or_else(|_| Value::String(arg.to_string())))
    }
}

fn extend(path: &[String], seg: &str) -> Vec<String> {
    let mut p = path.to_vec();
    p.push(seg.to_string());
    p
}

/// The absolute path an interpolation key points to, for a node at `node_path`. Leading
/// dots make it relative: one dot is the node's own container, each further dot one level up.
fn target_path(key: &str, node_path: &[String]) -> Result<Vec<String>, String> {
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
        let e = resolve("a: ${now:%Y}\n").unwrap_err();
        assert!(e.to_string().contains("unknown resolver 'now'"), "{e}");
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
