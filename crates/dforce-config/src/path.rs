//! Dotted key paths (`algorithm.diffusion.timesteps`, `dataset.observation_mean.0`,
//! `a.b[0]`) shared by overrides, getters and interpolations.
//!
//! A segment is kept as text and only interpreted when applied: against a map it is a key,
//! against a list a decimal index. That is how OmegaConf treats `a.0` too.

use crate::map::KeyKind;
use crate::value::Value;

/// Splits `key` into segments. `a.b[0].c` and `a.b.0.c` give the same segments.
/// Returns `None` for empty segments (`a..b`, `a.`, `.a`) or unbalanced brackets.
pub fn split_key(key: &str) -> Option<Vec<String>> {
    if key.is_empty() {
        return None;
    }
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut chars = key.chars().peekable();
    // True right after `]`, where a `.` or `[` must follow and no empty segment is implied.
    let mut after_bracket = false;
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if current.is_empty() && !after_bracket {
                    return None;
                }
                if !current.is_empty() {
                    segments.push(std::mem::take(&mut current));
                }
                after_bracket = false;
                // A trailing dot leaves an empty last segment.
                chars.peek()?;
            }
            '[' => {
                if !current.is_empty() {
                    segments.push(std::mem::take(&mut current));
                } else if segments.is_empty() {
                    return None;
                }
                let mut index = String::new();
                loop {
                    match chars.next() {
                        Some(']') => break,
                        Some(ch) => index.push(ch),
                        None => return None,
                    }
                }
                if index.is_empty() {
                    return None;
                }
                segments.push(index);
                after_bracket = true;
            }
            ']' => return None,
            _ => {
                if after_bracket {
                    return None;
                }
                current.push(c);
            }
        }
    }
    if !current.is_empty() {
        segments.push(current);
    }
    Some(segments)
}

/// Joins segments back into the canonical dotted form (a segment naming a non-string key
/// shows as the key's text, as OmegaConf's `full_key` does).
pub fn join_key(segments: &[String]) -> String {
    let shown: Vec<&str> = segments
        .iter()
        .map(|s| typed_segment_key(s).map_or(s.as_str(), |(text, _)| text))
        .collect();
    shown.join(".")
}

/// Starts a path segment that names a non-string key. Dotted keys typed by users never name
/// one (OmegaConf looks up the string key), but the resolver walks into such keys' values and
/// must tell `a.<int 1>` from `a.'1'` (relative interpolations inside them work in OmegaConf,
/// which follows parent nodes rather than keys).
const TYPED_MARK: char = '\u{0}';

/// The internal path segment for the key `text` of type `kind`: the text itself for a string
/// key, a marked segment otherwise.
pub(crate) fn key_segment(text: &str, kind: KeyKind) -> String {
    let tag = match kind {
        KeyKind::Str => return text.to_string(),
        KeyKind::Int => 'i',
        KeyKind::Float => 'f',
        KeyKind::Bool => 'b',
    };
    format!("{TYPED_MARK}{tag}{text}")
}

/// The key text and type a marked segment names (see [`key_segment`]).
pub(crate) fn typed_segment_key(segment: &str) -> Option<(&str, KeyKind)> {
    let rest = segment.strip_prefix(TYPED_MARK)?;
    let mut chars = rest.chars();
    let kind = match chars.next()? {
        'i' => KeyKind::Int,
        'f' => KeyKind::Float,
        'b' => KeyKind::Bool,
        _ => return None,
    };
    Some((chars.as_str(), kind))
}

/// A path's identity for caches and cycle detection: unlike [`join_key`], the int key 1 and
/// the string key '1' give different identities.
pub(crate) fn path_id(segments: &[String]) -> String {
    segments.join(".")
}

/// Follows `segments` from `root`. On failure returns the number of segments that did
/// resolve, so callers can name the deepest existing prefix in their error.
pub fn lookup<'a>(root: &'a Value, segments: &[String]) -> Result<&'a Value, usize> {
    let mut node = root;
    for (depth, seg) in segments.iter().enumerate() {
        node = node.child(seg).ok_or(depth)?;
    }
    Ok(node)
}

/// Why `segments` cannot be found when a mapping on the way has a non-string key with the
/// missing segment's text: OmegaConf's dotted keys (`a.1=5`, `${a.1}`, `~a.1`) name only the
/// string key `'1'`, never the int key `1`, so Hydra reports such a key as missing too. The
/// message says so and what to write instead; `None` when the path exists or nothing typed
/// explains its absence.
pub fn typed_key_hint(root: &Value, segments: &[String]) -> Option<String> {
    let mut node = root;
    for (depth, seg) in segments.iter().enumerate() {
        if let Some(child) = node.child(seg) {
            node = child;
            continue;
        }
        let Value::Map(m) = node else {
            return None;
        };
        let (_, kind, _) = m
            .iter_typed()
            .find(|(k, kind, _)| *k == seg.as_str() && *kind != crate::map::KeyKind::Str)?;
        let kind = match kind {
            crate::map::KeyKind::Int => "int",
            crate::map::KeyKind::Float => "float",
            _ => "bool",
        };
        let parent = join_key(&segments[..depth]);
        return Some(format!(
            "'{parent}' has the {kind} key {seg}, which a dotted key cannot name: OmegaConf looks up the string key '{seg}' (Hydra reports it missing too); replace the mapping as a whole ('{parent}={{...}}') or give it a string key in the config ('{seg}': ...)"
        ));
    }
    None
}

/// Mutable variant of [`lookup`].
pub fn lookup_mut<'a>(root: &'a mut Value, segments: &[String]) -> Option<&'a mut Value> {
    let mut node = root;
    for seg in segments {
        node = node.child_mut(seg)?;
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn splits_dots_and_brackets() {
        assert_eq!(split_key("a.b.c"), Some(s(&["a", "b", "c"])));
        assert_eq!(split_key("a.b.0"), Some(s(&["a", "b", "0"])));
        assert_eq!(split_key("a.b[0]"), Some(s(&["a", "b", "0"])));
        assert_eq!(split_key("a[0][1].c"), Some(s(&["a", "0", "1", "c"])));
        assert_eq!(split_key("a"), Some(s(&["a"])));
    }

    #[test]
    fn rejects_empty_segments() {
        for bad in [
            "", ".", "a.", ".a", "a..b", "a[", "a[]", "[0]", "a]b", "a[0]b",
        ] {
            assert_eq!(split_key(bad), None, "{bad}");
        }
    }
}
