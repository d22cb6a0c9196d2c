//! Applying `key=value`, `+key=value`, `++key=value` and `~key[=value]` to a composed config,
//! with Hydra's rules (the composed config is in OmegaConf "struct" mode):
//! - `key=value` needs the key to exist; a mapping value merges into an existing mapping
//!   (adding no new keys), anything else replaces the old value;
//! - `+key=value` adds a key; it refuses to replace a value that is already set (null and
//!   `???` count as unset), except that mapping and list values merge as with `++`;
//! - `++key=value` sets or adds, creating intermediate mappings (and replacing scalars that
//!   stand in the way);
//! - `~key` deletes; `~key=value` deletes only if the current value equals `value`.
//!
//! As in Hydra, `~key` reads the value with `OmegaConf.select` first: an interpolated value
//! is resolved (an unresolvable one fails) and a null or `???` value counts as absent.

use crate::error::ConfigError;
use crate::map::Map;
use crate::override_parser::{Override, OverrideKind};
use crate::path::join_key;
use crate::pyfmt;
use crate::suggest::{DidYouMean, suggest_key};
use crate::value::Value;

/// Applies one parsed (non-group) override to `cfg`.
pub fn apply_override(cfg: &mut Value, o: &Override) -> Result<(), ConfigError> {
    let segments: Vec<String> = o.key.split('.').map(str::to_string).collect();
    match o.kind {
        OverrideKind::Change => {
            let value = o.value.clone().unwrap_or(Value::Null);
            let suggestion = DidYouMean(suggest_key(cfg, &o.key));
            let typed_hint = crate::path::typed_key_hint(cfg, &segments);
            let slot = existing_slot(cfg, &segments, &o.key).map_err(|e| match e {
                SlotError::Absent => match typed_hint {
                    Some(reason) => ConfigError::UnsupportedOverride {
                        input: pyfmt::one_line(&o.input),
                        reason,
                    },
                    None => ConfigError::UnknownKey {
                        key: o.key.clone(),
                        suggestion,
                    },
                },
                SlotError::Scalar(e) => e,
            })?;
            set_merging(slot, value, false, &o.key)
        }
        OverrideKind::Add | OverrideKind::ForceAdd => {
            let value = o.value.clone().unwrap_or(Value::Null);
            if o.kind == OverrideKind::Add && !value.is_container() {
                let occupied = crate::path::lookup(cfg, &segments)
                    .is_ok_and(|v| !matches!(v, Value::Null | Value::Missing));
                if occupied {
                    return Err(ConfigError::KeyExists {
                        key: o.key.clone(),
                        value: pyfmt::one_line(&o.value_text),
                    });
                }
            }
            let slot = created_slot(cfg, &segments, &o.key)?;
            set_merging(slot, value, true, &o.key)
        }
        OverrideKind::Delete => delete(cfg, &segments, o),
    }
}

enum SlotError {
    Absent,
    Scalar(ConfigError),
}

/// The existing value at `segments`, for `key=value`.
fn existing_slot<'a>(
    cfg: &'a mut Value,
    segments: &[String],
    key: &str,
) -> Result<&'a mut Value, SlotError> {
    let mut node = cfg;
    for (depth, seg) in segments.iter().enumerate() {
        if !node.is_container() {
            return Err(SlotError::Scalar(not_a_container(
                key, segments, depth, node,
            )));
        }
        node = node.child_mut(seg).ok_or(SlotError::Absent)?;
    }
    Ok(node)
}

fn not_a_container(key: &str, segments: &[String], depth: usize, node: &Value) -> ConfigError {
    ConfigError::NotAContainer {
        key: key.to_string(),
        parent: segments[..depth].join("."),
        actual: format!(
            "{} {} {}",
            article(node.type_name()),
            node.type_name(),
            pyfmt::brief(node)
        ),
    }
}

fn article(type_name: &str) -> &'static str {
    match type_name.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// The value at `segments`, creating missing mappings on the way (for `+` and `++`). A new
/// leaf starts as null, so that the value replaces it rather than merging into it.
fn created_slot<'a>(
    cfg: &'a mut Value,
    segments: &[String],
    key: &str,
) -> Result<&'a mut Value, ConfigError> {
    let mut node = cfg;
    for (depth, seg) in segments.iter().enumerate() {
        let is_last = depth + 1 == segments.len();
        if !node.is_container() {
            // OmegaConf replaces a scalar standing in the way by a mapping.
            *node = Value::Map(Map::new());
        }
        if let Value::Map(m) = node
            && !m.contains_key(seg)
        {
            let fresh = if is_last {
                Value::Null
            } else {
                Value::Map(Map::new())
            };
            m.insert(seg.clone(), fresh);
        }
        let is_list = matches!(node, Value::List(_));
        node = match node.child_mut(seg) {
            Some(n) => n,
            None if is_list => {
                let list = segments[..depth].join(".");
                return Err(ConfigError::InvalidKey {
                    key: key.to_string(),
                    reason: format!(
                        "'{list}' is a list and has no index '{seg}'; replace the whole list with '{list}=[...]'"
                    ),
                });
            }
            None => unreachable!("maps were given the key above"),
        };
    }
    Ok(node)
}

/// Stores `value` in `slot`: mappings merge into mappings (new keys only when
/// `allow_new_keys`), a mapping and a list never merge, anything else replaces.
fn set_merging(
    slot: &mut Value,
    value: Value,
    allow_new_keys: bool,
    key: &str,
) -> Result<(), ConfigError> {
    match (slot, value) {
        (Value::Map(dest), Value::Map(src)) => {
            for (k, kind, v) in src.into_typed() {
                let child_key = format!("{key}.{k}");
                match dest.get_typed_mut(&k, kind) {
                    Some(child) => set_merging(child, v, allow_new_keys, &child_key)?,
                    None if allow_new_keys => {
                        dest.insert_typed(k, kind, v);
                    }
                    None => {
                        let suggestion = closest_sibling(dest, &k, key);
                        return Err(ConfigError::UnknownKey {
                            key: child_key,
                            suggestion,
                        });
                    }
                }
            }
            Ok(())
        }
        (existing @ Value::Map(_), new @ Value::List(_))
        | (existing @ Value::List(_), new @ Value::Map(_)) => Err(ConfigError::MergeConflict {
            key: key.to_string(),
            existing: format!("{} {}", article(existing.type_name()), existing.type_name()),
            new: format!("{} {}", article(new.type_name()), new.type_name()),
            hint: format!(
                "To replace it, delete it first and add the new value: '~{key}' '+{key}=...'"
            ),
        }),
        (slot, value) => {
            *slot = value;
            Ok(())
        }
    }
}

fn closest_sibling(dest: &Map, k: &str, parent: &str) -> DidYouMean {
    DidYouMean(crate::suggest::closest(k, dest.keys()).map(|s| format!("{parent}.{s}")))
}

fn delete(cfg: &mut Value, segments: &[String], o: &Override) -> Result<(), ConfigError> {
    let missing = |cfg: &Value| match crate::path::typed_key_hint(cfg, segments) {
        Some(reason) => ConfigError::UnsupportedOverride {
            input: pyfmt::one_line(&o.input),
            reason,
        },
        None => ConfigError::DeleteMissing {
            key: o.key.clone(),
            suggestion: DidYouMean(suggest_key(cfg, &o.key)),
        },
    };
    if crate::path::lookup(cfg, segments).is_err() {
        return Err(missing(cfg));
    }
    // Hydra resolves an interpolated value before deleting (`OmegaConf.select`): `~b` fails
    // when `b: ${a}` cannot be resolved, and counts `b: ${x}` with a null `x` as absent.
    let current = &crate::interpolation::select_for_delete(cfg, segments)?;
    if matches!(current, Value::Null | Value::Missing) {
        // Hydra looks the key up with `OmegaConf.select`, which gives None for both, and
        // then refuses: "Could not delete from config. 'KEY' does not exist."
        return Err(ConfigError::InvalidKey {
            key: o.key.clone(),
            reason: format!(
                "cannot delete a key whose value is {} (Hydra takes it for a key that does not exist)",
                pyfmt::brief(current)
            ),
        });
    }
    if let Some(expected) = &o.value
        && expected != current
    {
        return Err(ConfigError::DeleteMismatch {
            key: o.key.clone(),
            actual: pyfmt::brief(current),
            expected: pyfmt::brief(expected),
        });
    }
    // Invariant: segments come from str::split, which always yields at least one item.
    let (last, parents) = segments
        .split_last()
        .expect("keys have at least one segment");
    let parent = match crate::path::lookup_mut(cfg, parents) {
        Some(p) => p,
        None => unreachable!("the child exists, so its parent does"),
    };
    match parent {
        Value::Map(m) => {
            m.remove(last);
        }
        Value::List(_) => {
            // Hydra deletes with `del node[key]`, which a list refuses for its string index
            // ("list indices must be integers or slices, not str").
            return Err(ConfigError::InvalidKey {
                key: o.key.clone(),
                reason: format!(
                    "'~' deletes keys of a mapping, not items of a list (Hydra refuses it too); set the whole list instead, e.g. '{}=[...]'",
                    join_key(parents)
                ),
            });
        }
        _ => unreachable!("only containers have children"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::override_parser::parse_override;
    use crate::yaml::parse_yaml_str;

    fn cfg() -> Value {
        parse_yaml_str(
            "a: 1\nn: null\nm: ???\nd:\n  x: 1\n  y: [1, 2]\nalgorithm:\n  guidance_scale: 2.0\n",
            "t",
        )
        .unwrap()
    }

    fn apply(c: &mut Value, o: &str) -> Result<(), ConfigError> {
        apply_override(c, &parse_override(o).unwrap())
    }

    fn yaml(s: &str) -> Value {
        parse_yaml_str(s, "t").unwrap()
    }

    #[test]
    fn change_needs_existing_key_and_merges_maps() {
        let mut c = cfg();
        apply(&mut c, "algorithm.guidance_scale=3").unwrap();
        assert_eq!(
            c.child("algorithm").unwrap().child("guidance_scale"),
            Some(&Value::Int(3))
        );
        apply(&mut c, "d={x: 5}").unwrap();
        assert_eq!(c.child("d"), Some(&yaml("x: 5\ny: [1, 2]\n")));
        apply(&mut c, "d.y.0=7").unwrap();
        apply(&mut c, "m=3").unwrap();
        apply(&mut c, "d.x=[1]").unwrap();
        assert_eq!(c.child("d"), Some(&yaml("x: [1]\ny: [7, 2]\n")));
        let e = apply(&mut c, "algorithm.guidence_scale=3")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "Could not override 'algorithm.guidence_scale': no such key. Did you mean 'algorithm.guidance_scale'? (use '+algorithm.guidence_scale=...' to add a new key)"
        );
        let e = apply(&mut c, "d={z: 3}").unwrap_err().to_string();
        assert!(e.contains("'d.z'"), "{e}");
        let e = apply(&mut c, "a.b=1").unwrap_err().to_string();
        assert!(e.contains("'a' is an int 1") && e.contains("++a.b="), "{e}");
        let e = apply(&mut c, "d=[1]").unwrap_err().to_string();
        assert!(
            e.contains("cannot merge a list into a mapping") && e.contains("'~d' '+d=...'"),
            "{e}"
        );
        assert!(apply(&mut c, "d.y.5=1").is_err());
    }

    #[test]
    fn add_and_force_add() {
        let mut c = cfg();
        apply(&mut c, "+name=x").unwrap();
        apply(&mut c, "+n=3").unwrap();
        apply(&mut c, "+m=4").unwrap();
        apply(&mut c, "+q.r.s=1").unwrap();
        apply(&mut c, "+d={q: 1}").unwrap();
        apply(&mut c, "++a=5").unwrap();
        apply(&mut c, "++d.x.y=1").unwrap();
        assert_eq!(
            c,
            yaml(
                "a: 5\nn: 3\nm: 4\nd:\n  x: {y: 1}\n  y: [1, 2]\n  q: 1\nalgorithm:\n  guidance_scale: 2.0\nname: x\nq: {r: {s: 1}}\n"
            )
        );
        let e = apply(&mut c, "+a=3").unwrap_err().to_string();
        assert_eq!(
            e,
            "Could not add '+a=3': 'a' already exists. Use 'a=3' to override it (or '++a=3' to add or override)"
        );
    }

    #[test]
    fn delete() {
        let mut c = cfg();
        apply(&mut c, "~a=1").unwrap();
        assert_eq!(
            c,
            yaml("n: null\nm: ???\nd:\n  x: 1\n  y: [1, 2]\nalgorithm:\n  guidance_scale: 2.0\n")
        );
        // Hydra 1.3.2 refuses these: `~experiment.tasks.0` fails with "TypeError: list indices
        // must be integers or slices, not str"; `~wandb.entity` (null) and a `???` key with
        // "Could not delete from config. 'wandb.entity' does not exist."
        for (input, needle) in [
            ("~d.y.0", "not items of a list"),
            ("~n", "whose value is None"),
            ("~m", "whose value is '???'"),
        ] {
            let e = apply(&mut c, input).unwrap_err().to_string();
            assert!(e.contains(needle), "{input}: {e}");
        }
        let e = apply(&mut c, "~d.x=2").unwrap_err().to_string();
        assert!(e.contains("its value is 1, not 2"), "{e}");
        let e = apply(&mut c, "~algorithm.guidance")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "Could not delete 'algorithm.guidance': no such key. Did you mean 'algorithm.guidance_scale'?"
        );
    }

    #[test]
    fn delete_resolves_interpolations_first() {
        // Hydra 1.3.2: `+a=1 +b=${a} ~a ~b` fails (Interpolation key 'a' not found),
        // `+b=${wandb.entity} ~b` with "Could not delete from config. 'b' does not exist.".
        let mut c = yaml("a: 1\nb: ${a}\nn: null\nc: ${n}\ne: ${a}\n");
        apply(&mut c, "~e=1").unwrap();
        apply(&mut c, "~a").unwrap();
        assert!(apply(&mut c, "~b").is_err());
        let e = apply(&mut c, "~c").unwrap_err().to_string();
        assert!(e.contains("whose value is None"), "{e}");
    }
}
