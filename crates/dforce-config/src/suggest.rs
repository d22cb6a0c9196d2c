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
    // Three rolling rows (i-2, i-1, i) of the (|a|+1) x (|b|+1) table: memory linear in |b|.
    let width = b.len() + 1;
    let mut before: Vec<usize> = vec![0; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur: Vec<usize> = vec![0; width];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            cur[j] = best;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Longest string (in characters) that did-you-mean compares: the edit distance costs
/// |a| x |b| steps, and no one misspells a key of more than this.
const MAX_SUGGEST_CHARS: usize = 256;

/// [`levenshtein`]`(a, b)` if it is at most `limit`, skipping the computation where the lengths
/// alone rule it out (the distance is at least their difference) or a string is too long to
/// be a typo of the other ([`MAX_SUGGEST_CHARS`]).
fn distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la.abs_diff(lb) > limit || la > MAX_SUGGEST_CHARS || lb > MAX_SUGGEST_CHARS {
        return None;
    }
    let d = levenshtein(a, b);
    (d <= limit).then_some(d)
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
        let Some(d) = distance_within(target, cand, limit) else {
            continue;
        };
        if best.is_none_or(|(bd, _)| d < bd) {
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
        let Some(d) = distance_within(key, p, full_limit) else {
            continue;
        };
        if p != key && best.is_none_or(|(bd, _)| d < bd) {
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
        let Some(d) = distance_within(last, plast, limit) else {
            continue;
        };
        let depth = p.matches('.').count();
        if best.is_none_or(|(bd, bdepth, _)| (d, depth) < (bd, bdepth)) {
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
        assert_eq!(levenshtein("abcdef", "badcfe"), 3);
        assert_eq!(levenshtein("ca", "abc"), 3);
    }

    #[test]
    fn long_keys_get_no_suggestion_and_cost_nothing() {
        // A 64 kB key against a 64 kB candidate: the full table was 32 GB (a fuzz input of the
        // composer); lengths beyond any typo are not compared.
        let long = "k".repeat(65_536);
        let other = format!("{long}x");
        let start = std::time::Instant::now();
        assert_eq!(closest(&long, [other.as_str(), "name"]), None);
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
        // Within the limit, the same answers as before.
        assert_eq!(
            closest("guidence", ["guidance", "lr"]),
            Some("guidance".into())
        );
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
