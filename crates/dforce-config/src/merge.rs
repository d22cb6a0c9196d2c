//! Deep merge of config files, with OmegaConf's `merge` semantics.
//!
//! Composition merges every file of the defaults list, in order, into one tree. Maps merge
//! key by key (so `df_video` can change `diffusion.architecture.network_size` without
//! repeating `diffusion`), lists and scalars are replaced whole, new keys are appended, and
//! a `???` in the later file does not erase an earlier value (it only declares the key).
//! Merging a map into a list or the reverse is an error in OmegaConf and here.

use crate::map::Map;
use crate::value::Value;

/// A map met a list (or the reverse) during a merge.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeConflict {
    /// Dotted key where it happened.
    pub key: String,
    /// Type of the value already there.
    pub existing: &'static str,
    /// Type of the incoming value.
    pub new: &'static str,
}

/// Merges `src` into `dest`.
pub fn merge_maps(dest: &mut Map, src: Map) -> Result<(), MergeConflict> {
    merge_at(dest, src, &mut Vec::new())
}

fn merge_at(dest: &mut Map, src: Map, path: &mut Vec<String>) -> Result<(), MergeConflict> {
    for (key, kind, incoming) in src.into_typed() {
        // Keys match as Python's do: the int key 1 and the string key '1' are two keys.
        let Some(slot) = dest.get_typed_mut(&key, kind) else {
            dest.insert_typed(key, kind, incoming);
            continue;
        };
        path.push(key);
        match (slot, incoming) {
            // `???` declares a key without overriding an existing value.
            (_, Value::Missing) => {}
            (Value::Map(d), Value::Map(s)) => merge_at(d, s, path)?,
            (existing @ Value::Map(_), new @ Value::List(_))
            | (existing @ Value::List(_), new @ Value::Map(_)) => {
                return Err(MergeConflict {
                    key: path.join("."),
                    existing: existing.type_name(),
                    new: new.type_name(),
                });
            }
            (slot, new) => *slot = new,
        }
        path.pop();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_yaml_str;

    fn map(yaml: &str) -> Map {
        match parse_yaml_str(yaml, "t").unwrap() {
            Value::Map(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn deep_merges_maps_replaces_lists_and_appends_new_keys() {
        let mut dest = map("a: 1\nd:\n  x: 1\n  arch: {size: 64, heads: 4}\nl: [1, 2, 3]\n");
        merge_maps(
            &mut dest,
            map("d:\n  arch: {size: 128}\n  y: 2\nl: [9]\nz: 0\na: 5\n"),
        )
        .unwrap();
        assert_eq!(
            dest,
            map("a: 5\nd:\n  x: 1\n  arch: {size: 128, heads: 4}\n  y: 2\nl: [9]\nz: 0\n")
        );
    }

    #[test]
    fn missing_does_not_override_but_declares() {
        let mut dest = map("k: 1\n");
        merge_maps(&mut dest, map("k: ???\nnew: ???\n")).unwrap();
        assert_eq!(dest, map("k: 1\nnew: ???\n"));
        let mut dest = map("k: ???\n");
        merge_maps(&mut dest, map("k: {a: 1}\n")).unwrap();
        assert_eq!(dest, map("k: {a: 1}\n"));
    }

    #[test]
    fn scalars_replace_containers_and_null_replaces_anything() {
        let mut dest = map("a: {x: 1}\nb: [1]\nc: {y: 1}\n");
        merge_maps(&mut dest, map("a: 3\nb: null\nc: null\n")).unwrap();
        assert_eq!(dest, map("a: 3\nb: null\nc: null\n"));
    }

    #[test]
    fn map_into_list_is_a_conflict() {
        let mut dest = map("a:\n  b: [1]\n");
        let err = merge_maps(&mut dest, map("a:\n  b: {x: 1}\n")).unwrap_err();
        assert_eq!(err.key, "a.b");
        assert_eq!((err.existing, err.new), ("list", "mapping"));
    }
}
