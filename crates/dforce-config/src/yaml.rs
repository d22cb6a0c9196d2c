//! YAML text to [`Value`], the way OmegaConf loads config files.
//!
//! We read yaml-rust2's event stream rather than its `Yaml` documents because its document
//! builder types plain scalars by YAML 1.2 rules; OmegaConf uses YAML 1.1 plus its own float
//! rule (see [`yaml_scalar`](crate::yaml_scalar)). Like OmegaConf's loader we reject
//! duplicate keys, support anchors, aliases and `<<` merge keys, and keep quoted scalars as
//! strings whatever they look like.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::error::ConfigError;
use crate::map::{KeyKind, Map, key_of};
use crate::value::{Measured, Value};
use crate::yaml_scalar::resolve_plain;

/// Parses one YAML document. An empty document gives an empty map, as Hydra treats an
/// empty config file. `source` names the text in error messages.
pub fn parse_yaml_str(text: &str, source: &str) -> Result<Value, ConfigError> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder {
        source,
        stack: Vec::new(),
        anchors: HashMap::new(),
        documents: Vec::new(),
        alias_nodes: 0,
        alias_bytes: 0,
    };
    loop {
        let (event, mark) = parser.next_token().map_err(|e| ConfigError::Yaml {
            file: source.to_string(),
            line: e.marker().line(),
            column: e.marker().col() + 1,
            reason: e.info().to_string(),
        })?;
        if event == Event::StreamEnd {
            break;
        }
        builder.on_event(event, mark)?;
    }
    let mut docs = builder.documents;
    match docs.len() {
        0 => Ok(Value::Map(Map::new())),
        1 => Ok(docs.pop().unwrap_or(Value::Null)),
        n => Err(ConfigError::Yaml {
            file: source.to_string(),
            line: 1,
            column: 1,
            reason: format!(
                "expected a single document, found {n}; remove the extra '---' separators"
            ),
        }),
    }
}

/// Deepest nesting accepted: far beyond any config, low enough for recursive processing.
const MAX_DEPTH: usize = 200;

/// Most nodes that aliases may copy into one document. Each alias copies its anchor's
/// tree, so a few lines can otherwise describe billions of nodes ("billion laughs").
const MAX_ALIAS_NODES: usize = 1_000_000;

/// Most bytes of keys and strings that aliases may copy into one document.
const MAX_ALIAS_BYTES: usize = 64 << 20;

/// A container under construction.
enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
    },
    Map {
        map: Map,
        anchor: usize,
        /// The key read and waiting for its value.
        key: Option<PendingKey>,
        /// Keys that came from `<<` merges; explicit keys may replace them once.
        merged: Vec<(String, KeyKind)>,
    },
}

enum PendingKey {
    Key(String, KeyKind, Marker),
    /// The YAML 1.1 merge key `<<`.
    Merge,
}

struct Builder<'a> {
    source: &'a str,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Measured>,
    documents: Vec<Value>,
    /// Nodes and bytes copied by aliases so far (bounded by `MAX_ALIAS_*`).
    alias_nodes: usize,
    alias_bytes: usize,
}

impl Builder<'_> {
    fn error(&self, mark: Marker, reason: String) -> ConfigError {
        ConfigError::Yaml {
            file: self.source.to_string(),
            line: mark.line(),
            column: mark.col() + 1,
            reason,
        }
    }

    fn on_event(&mut self, event: Event, mark: Marker) -> Result<(), ConfigError> {
        match event {
            Event::StreamStart | Event::DocumentStart | Event::DocumentEnd | Event::Nothing => {
                Ok(())
            }
            Event::StreamEnd => Ok(()),
            Event::Alias(id) => {
                let Some(anchored) = self.anchors.get(&id) else {
                    return Err(self.error(mark, "alias refers to an unknown anchor".to_string()));
                };
                if self.stack.len() + anchored.depth > MAX_DEPTH {
                    return Err(self.error(
                        mark,
                        format!(
                            "this alias nests collections deeper than {MAX_DEPTH} levels; repeat less of the anchored value"
                        ),
                    ));
                }
                self.alias_nodes = self.alias_nodes.saturating_add(anchored.nodes);
                self.alias_bytes = self.alias_bytes.saturating_add(anchored.bytes);
                if self.alias_nodes > MAX_ALIAS_NODES || self.alias_bytes > MAX_ALIAS_BYTES {
                    return Err(self.error(
                        mark,
                        format!(
                            "aliases expand to more than {MAX_ALIAS_NODES} nodes or {} MiB of text; write the values out or use fewer aliases of large anchors",
                            MAX_ALIAS_BYTES >> 20
                        ),
                    ));
                }
                let value = anchored.value.clone();
                self.push_value(value, mark, false)
            }
            Event::Scalar(text, style, anchor, tag) => {
                // The merge key is recognised only as a plain scalar in key position.
                if style == TScalarStyle::Plain
                    && text == "<<"
                    && tag.is_none()
                    && let Some(Frame::Map {
                        key: key @ None, ..
                    }) = self.stack.last_mut()
                {
                    *key = Some(PendingKey::Merge);
                    return Ok(());
                }
                let value = self.scalar(text, style, tag.as_ref(), mark)?;
                if anchor > 0 {
                    self.anchors.insert(anchor, Measured::new(value.clone()));
                }
                self.push_value(value, mark, true)
            }
            Event::SequenceStart(..) | Event::MappingStart(..) if self.stack.len() >= MAX_DEPTH => {
                Err(self.error(
                    mark,
                    format!("collections nest deeper than {MAX_DEPTH} levels"),
                ))
            }
            Event::SequenceStart(anchor, tag) => {
                self.check_collection_tag(tag.as_ref(), "seq", mark)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    anchor,
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                self.check_collection_tag(tag.as_ref(), "map", mark)?;
                self.stack.push(Frame::Map {
                    map: Map::new(),
                    anchor,
                    key: None,
                    merged: Vec::new(),
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, anchor) = match self.stack.pop() {
                    Some(Frame::Seq { items, anchor }) => (Value::List(items), anchor),
                    Some(Frame::Map { map, anchor, .. }) => (Value::Map(map), anchor),
                    None => return Err(self.error(mark, "unbalanced collection end".to_string())),
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, Measured::new(value.clone()));
                }
                self.push_value(value, mark, false)
            }
        }
    }

    fn check_collection_tag(
        &self,
        tag: Option<&Tag>,
        want: &str,
        mark: Marker,
    ) -> Result<(), ConfigError> {
        match tag {
            None => Ok(()),
            Some(t) if core_tag(t) == Some(want) => Ok(()),
            Some(t) => Err(self.error(
                mark,
                format!(
                    "unsupported tag '{}{}' (only plain YAML is accepted)",
                    t.handle, t.suffix
                ),
            )),
        }
    }

    /// Types a scalar: plain scalars by the YAML 1.1 / OmegaConf rules, quoted and block
    /// scalars are strings, explicit core tags (`!!str`, `!!int`, ...) are honoured.
    fn scalar(
        &self,
        text: String,
        style: TScalarStyle,
        tag: Option<&Tag>,
        mark: Marker,
    ) -> Result<Value, ConfigError> {
        if let Some(t) = tag {
            let err = |what: &str| self.error(mark, format!("'{text}' is not a valid {what}"));
            return match core_tag(t) {
                Some("str") => Ok(Value::String(text)),
                Some("null") => Ok(Value::Null),
                Some("bool") => match resolve_plain(&text) {
                    Ok(v @ Value::Bool(_)) => Ok(v),
                    _ => Err(err("bool")),
                },
                Some("int") => match resolve_plain(&text) {
                    Ok(v @ (Value::Int(_) | Value::BigInt(_))) => Ok(v),
                    _ => Err(err("int")),
                },
                Some("float") => match resolve_plain(&text) {
                    Ok(v @ Value::Float(_)) => Ok(v),
                    Ok(Value::Int(i)) => Ok(Value::Float(i as f64)),
                    Ok(Value::BigInt(n)) => {
                        n.to_f64().map(Value::Float).ok_or_else(|| err("float"))
                    }
                    _ => Err(err("float")),
                },
                _ => Err(self.error(
                    mark,
                    format!(
                        "unsupported tag '{}{}' (only plain YAML is accepted)",
                        t.handle, t.suffix
                    ),
                )),
            };
        }
        match style {
            TScalarStyle::Plain => resolve_plain(&text).map_err(|reason| self.error(mark, reason)),
            // OmegaConf treats the string "???" as missing however it is written.
            _ if text == "???" => Ok(Value::Missing),
            _ => Ok(Value::String(text)),
        }
    }

    /// Hands a finished node to its parent (list item, map key or map value) or makes it a
    /// document root. `is_scalar` tells whether it may serve as a map key.
    fn push_value(
        &mut self,
        value: Value,
        mark: Marker,
        is_scalar: bool,
    ) -> Result<(), ConfigError> {
        let source = self.source;
        let err = |reason: String| ConfigError::Yaml {
            file: source.to_string(),
            line: mark.line(),
            column: mark.col() + 1,
            reason,
        };
        match self.stack.last_mut() {
            None => {
                self.documents.push(value);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(value);
                Ok(())
            }
            Some(Frame::Map {
                map, key, merged, ..
            }) => match key.take() {
                None => {
                    if !is_scalar {
                        return Err(err("mapping keys must be scalars".to_string()));
                    }
                    let (text, kind) = map_key(&value).ok_or_else(|| {
                        err("a mapping key cannot be null (OmegaConf: Incompatible key type 'NoneType'); quote it to use the text: 'null'".to_string())
                    })?;
                    *key = Some(PendingKey::Key(text, kind, mark));
                    Ok(())
                }
                Some(PendingKey::Key(k, kind, key_mark)) => {
                    if let Some(i) = merged.iter().position(|(m, mk)| *m == k && *mk == kind) {
                        // An explicit key overrides a merged one.
                        merged.remove(i);
                    } else if kind == KeyKind::Str && map.contains_key(&k) {
                        // OmegaConf's loader refuses repeated string keys; repeated int, float
                        // or bool keys are a Python dict's: the last value wins.
                        return Err(ConfigError::Yaml {
                            file: source.to_string(),
                            line: key_mark.line(),
                            column: key_mark.col() + 1,
                            reason: format!(
                                "duplicate key '{k}'; each key may appear once per mapping"
                            ),
                        });
                    }
                    map.insert_typed(k, kind, value);
                    Ok(())
                }
                Some(PendingKey::Merge) => {
                    let sources = match value {
                        Value::Map(m) => vec![m],
                        Value::List(items) => items
                            .into_iter()
                            .map(|v| match v {
                                Value::Map(m) => Ok(m),
                                _ => Err(err("'<<' merges mappings only".to_string())),
                            })
                            .collect::<Result<_, _>>()?,
                        _ => return Err(err("'<<' merges mappings only".to_string())),
                    };
                    // Explicit keys win over merged ones, and earlier merge sources over later.
                    for src in sources {
                        for (k, kind, v) in src.into_typed() {
                            if map.get_typed(&k, kind).is_none() {
                                merged.push((k.clone(), kind));
                                map.insert_typed(k, kind, v);
                            }
                        }
                    }
                    Ok(())
                }
            },
        }
    }
}

/// The suffix of a YAML core-schema tag (`!!str` or `tag:yaml.org,2002:str`), if it is one.
fn core_tag(tag: &Tag) -> Option<&str> {
    if tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:" {
        Some(tag.suffix.as_str())
    } else {
        None
    }
}

/// A map key and its type: OmegaConf keeps typed keys (`1:` is the int 1, `true:` the bool
/// True). `None` for null, which OmegaConf refuses as a key.
fn map_key(v: &Value) -> Option<(String, KeyKind)> {
    match v {
        Value::Missing => Some(("???".to_string(), KeyKind::Str)),
        other => key_of(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Value {
        parse_yaml_str(text, "test.yaml").unwrap()
    }

    #[test]
    fn typed_keys_repeat_like_a_python_dict_and_null_keys_are_refused() {
        // OmegaConf 2.3: `{1: a, 1: b}` is {1: 'b'} (its loader refuses only repeated string
        // keys); `{null: 1}` is "Incompatible key type 'NoneType'".
        assert_eq!(load("x: {1: a, 1: b}\n").to_yaml(), "x:\n  1: b\n");
        let e = parse_yaml_str("x: {null: 1}\n", "t")
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot be null"), "{e}");
        let e = parse_yaml_str("x: {'a': 1, a: 2}\n", "t")
            .unwrap_err()
            .to_string();
        assert!(e.contains("duplicate key 'a'"), "{e}");
    }

    #[test]
    fn types_scalars_like_omegaconf() {
        let v = load(
            "a: 1e-4\nb: True\nc: null\nd: ~\ne: ???\nf: '1e-4'\ng: \"${x}\"\nh:\ni: 6.\nj: [0.9, 0.999]\nk: {}\nl: yes\n",
        );
        let m = v.as_map().unwrap();
        assert_eq!(m.get("a"), Some(&Value::Float(1e-4)));
        assert_eq!(m.get("b"), Some(&Value::Bool(true)));
        assert_eq!(m.get("c"), Some(&Value::Null));
        assert_eq!(m.get("d"), Some(&Value::Null));
        assert_eq!(m.get("e"), Some(&Value::Missing));
        assert_eq!(m.get("f"), Some(&Value::from("1e-4")));
        assert_eq!(m.get("g"), Some(&Value::from("${x}")));
        assert_eq!(m.get("h"), Some(&Value::Null));
        assert_eq!(m.get("i"), Some(&Value::Float(6.0)));
        assert_eq!(
            m.get("j"),
            Some(&Value::List(vec![Value::Float(0.9), Value::Float(0.999)]))
        );
        assert_eq!(m.get("k"), Some(&Value::Map(Map::new())));
        assert_eq!(m.get("l"), Some(&Value::Bool(true)));
    }

    #[test]
    fn keeps_key_order_and_block_scalars() {
        let v = load("z: 1\na: |\n  line1\n  line2\nm: 2\n");
        let m = v.as_map().unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["z", "a", "m"]);
        assert_eq!(m.get("a"), Some(&Value::from("line1\nline2\n")));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let v = load("base: &b {x: 1, y: 2}\nchild:\n  <<: *b\n  y: 3\nref: *b\n");
        let child = v.child("child").unwrap().as_map().unwrap();
        assert_eq!(child.get("x"), Some(&Value::Int(1)));
        assert_eq!(child.get("y"), Some(&Value::Int(3)));
        assert_eq!(v.child("ref"), v.child("base"));
    }

    #[test]
    fn explicit_tags() {
        let v = load("a: !!str 123\nb: !!float 1\nc: !!int '7'\n");
        assert_eq!(v.child("a"), Some(&Value::from("123")));
        assert_eq!(v.child("b"), Some(&Value::Float(1.0)));
        assert_eq!(v.child("c"), Some(&Value::Int(7)));
    }

    #[test]
    fn reads_pyyaml_folded_single_quoted_strings() {
        // What OmegaConf.to_yaml writes for multi-line strings (e.g. Hydra's saved configs).
        let v =
            load("t: '#!/bin/bash\n\n\n  #SBATCH -J {name}\n\n  cd x\n\n  '\nu: 'a\n\n\n\n  b'\n");
        assert_eq!(
            v.child("t"),
            Some(&Value::from("#!/bin/bash\n\n#SBATCH -J {name}\ncd x\n"))
        );
        assert_eq!(v.child("u"), Some(&Value::from("a\n\n\nb")));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("a: {}{}\n", "[".repeat(5000), "]".repeat(5000));
        let e = parse_yaml_str(&deep, "deep.yaml").unwrap_err().to_string();
        assert!(e.contains("recursion limit") && !e.contains('\n'), "{e}");
        let block: String = (0..300)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let e = parse_yaml_str(&block, "deep.yaml").unwrap_err().to_string();
        assert!(e.contains("nest deeper than 200"), "{e}");
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n".to_string();
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let e = parse_yaml_str(&text, "lol.yaml").unwrap_err().to_string();
        assert!(
            e.contains("lol.yaml") && e.contains("aliases expand to more than"),
            "{e}"
        );
        // Large strings count too: 2 MiB copied 40 times.
        let big = "y".repeat(2 << 20);
        let text = format!("s: &s {big}\nl: [{}]\n", vec!["*s"; 40].join(", "));
        let e = parse_yaml_str(&text, "big.yaml").unwrap_err().to_string();
        assert!(e.contains("aliases expand to more than"), "{e}");
        // Ordinary use of aliases is untouched.
        let v = load("a: &a [1, 2]\nb: [*a, *a, *a]\n");
        assert_eq!(v.child("b").unwrap().as_list().unwrap().len(), 3);
    }

    #[test]
    fn aliases_cannot_exceed_the_depth_limit() {
        // An anchor 150 levels deep, aliased inside 100 levels: 250 > 200.
        let deep = format!("a: &a {}1{}\n", "[".repeat(150), "]".repeat(150));
        let text = format!("{deep}b: {}*a{}\n", "[".repeat(100), "]".repeat(100));
        let e = parse_yaml_str(&text, "deep.yaml").unwrap_err().to_string();
        assert!(e.contains("deeper than 200"), "{e}");
        // Nesting an alias inside its own kind (a chain of anchors) is bounded the same way.
        let mut chain = "x0: &x0 [[[[[[[[[[1]]]]]]]]]]\n".to_string();
        for i in 1..30 {
            chain.push_str(&format!("x{i}: &x{i} [[[[[[[[[[*x{}]]]]]]]]]]\n", i - 1));
        }
        let e = parse_yaml_str(&chain, "chain.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("deeper than 200"), "{e}");
        // Exactly at the limit is fine.
        let ok = format!("a: &a {}1{}\nb: [*a]\n", "[".repeat(198), "]".repeat(198));
        assert!(parse_yaml_str(&ok, "ok.yaml").is_ok());
    }

    #[test]
    fn empty_document_is_an_empty_map() {
        assert_eq!(load(""), Value::Map(Map::new()));
        assert_eq!(load("# only a comment\n"), Value::Map(Map::new()));
    }

    #[test]
    fn errors_are_one_line_with_position() {
        for bad in [
            "a: 1\na: 2\n",
            "a: [1, 2\n",
            "a: b: c\n",
            "- a\nb: 1\n",
            "a: !!python/tuple [1]\n",
            "{[1]: 2}\n",
            "a: 1\n---\nb: 2\n",
        ] {
            let e = parse_yaml_str(bad, "bad.yaml").unwrap_err();
            let msg = e.to_string();
            assert!(!msg.contains('\n'), "{msg}");
            assert!(msg.contains("bad.yaml"), "{msg}");
        }
        let e = parse_yaml_str("a: 1\nb: 2\na: 3\n", "dup.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 3") && e.contains("duplicate key 'a'"),
            "{e}"
        );
    }
}
