//! "Did you mean ...?" suggestions for misspelled keys, groups and options.
//!
//! Command lines are typed by hand, and Hydra only says that a key does not exist. We name
//! the closest existing spelling: by edit distance over full dotted paths (catches typos
//! anywhere in the path) and, failing that, over last segments (catches a missing or wrong
//! prefix such as `guidance_scale=3` for `algorithm.guidance_scale=3`).

use crate::value::Value;

/// Edit distance over characters (optimal string alignment: insertions, deletions,
/// substitutions and transpositions of neighbours each cost 1, since swapped letters are
/// among the most common typos).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// Largest distance still considered a typo of `target`: a third of its length, at least 1.
fn threshold(target: &str) -> usize {
    (target.chars().count() / 3).max(1)
}

/// The candidate closest to `target` within the typo threshold (first one on ties).
pub fn closest<'a, I>(target: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = threshold(target);
    let mut best: Option<(usize, &str)> = None;
    for cand in candidates {
        if cand == target {
            continue;
        }
        let d = levenshtein(target, cand);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, cand));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// Every map key path in `root`, in document order (`a`, `a.b`, `a.b.c`, ...).
/// List elements are not enumerated: nobody misspells an index.
pub fn all_paths(root: &Value) -> Vec<String> {
    fn walk(v: &Value, prefix: &str, out: &mut Vec<String>) {
        if let Value::Map(m) = v {
            for (k, child) in m.iter() {
                let path = if prefix.is_empty() {
                    k.to_string()
                } else {
                    format!("{prefix}.{k}")
                };
                out.push(path.clone());
                walk(child, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, "", &mut out);
    out
}

/// The existing key path that `key` most likely meant, if any. Tried in order:
/// 1. a full path within a few edits (a typo anywhere: `algorithm.difusion.timesteps`);
/// 2. a sibling that extends or contains the last segment (`algorithm.guidance` ->
///    `algorithm.guidance_scale`);
/// 3. a path anywhere whose last segment is within a typo of it (a missing or wrong
///    prefix: `guidance_scale` -> `algorithm.guidance_scale`), shallowest first.
pub fn suggest_key(root: &Value, key: &str) -> Option<String> {
    let paths = all_paths(root);
    let full_limit = (key.chars().count() / 8).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for p in &paths {
        let d = levenshtein(key, p);
        if p != key && d <= full_limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, p));
        }
    }
    if let Some((_, p)) = best {
        return Some(p.to_string());
    }
    let (parent, last) = match key.rsplit_once('.') {
        Some((parent, last)) => (parent, last),
        None => ("", key),
    };
    if last.chars().count() >= 3 {
        let siblings = paths.iter().filter(|p| match p.rsplit_once('.') {
            Some((pp, _)) => pp == parent,
            None => parent.is_empty(),
        });
        let extended = siblings
            .filter(|p| {
                let plast = p.rsplit('.').next().unwrap_or(p);
                plast != last && (plast.contains(last) || last.contains(plast))
            })
            .min_by_key(|p| p.len());
        if let Some(p) = extended {
            return Some(p.clone());
        }
    }
    let limit = threshold(last);
    let mut best: Option<(usize, usize, &str)> = None;
    for p in &paths {
        if p == key {
            continue;
        }
        let plast = p.rsplit('.').next().unwrap_or(p);
        let d = levenshtein(last, plast);
        let depth = p.matches('.').count();
        if d <= limit && best.is_none_or(|(bd, bdepth, _)| (d, depth) < (bd, bdepth)) {
            best = Some((d, depth, p));
        }
    }
    best.map(|(_, _, p)| p.to_string())
}

/// Renders an optional suggestion as a sentence fragment for error messages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DidYouMean(pub Option<String>);

impl std::fmt::Display for DidYouMean {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(s) => write!(f, " Did you mean '{s}'?"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_yaml_str;

    #[test]
    fn levenshtein_basics() {
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("guidence", "guidance"), 1);
        assert_eq!(levenshtein("same", "same"), 0);
        assert_eq!(levenshtein("nmae", "name"), 1);
    }

    #[test]
    fn suggests_full_paths_and_last_segments() {
        let root = parse_yaml_str(
            "algorithm:\n  guidance_scale: 1\n  diffusion:\n    timesteps: 3\nlr: 1\n",
            "t",
        )
        .unwrap();
        assert_eq!(
            suggest_key(&root, "algorithm.guidence_scale").as_deref(),
            Some("algorithm.guidance_scale")
        );
        assert_eq!(
            suggest_key(&root, "guidance_scale").as_deref(),
            Some("algorithm.guidance_scale")
        );
        assert_eq!(
            suggest_key(&root, "algorithm.difusion.timesteps").as_deref(),
            Some("algorithm.diffusion.timesteps")
        );
        assert_eq!(
            suggest_key(&root, "algorithm.guidance").as_deref(),
            Some("algorithm.guidance_scale")
        );
        assert_eq!(
            suggest_key(&root, "algorithm.timesteps").as_deref(),
            Some("algorithm.diffusion.timesteps")
        );
        assert_eq!(suggest_key(&root, "completely_unrelated"), None);
        assert_eq!(suggest_key(&root, "algorithm.x_shape"), None);
    }
}
