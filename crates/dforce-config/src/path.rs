//! Dotted key paths (`algorithm.diffusion.timesteps`, `dataset.observation_mean.0`,
//! `a.b[0]`) shared by overrides, getters and interpolations.
//!
//! A segment is kept as text and only interpreted when applied: against a map it is a key,
//! against a list a decimal index. That is how OmegaConf treats `a.0` too.

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

/// Joins segments back into the canonical dotted form.
pub fn join_key(segments: &[String]) -> String {
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
