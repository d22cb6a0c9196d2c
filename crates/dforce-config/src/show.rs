//! What Hydra's `--cfg job|hydra|all [--resolve] [--package P]` prints (`Hydra.show_cfg` in
//! `hydra/_internal/hydra.py` of Hydra 1.3.2), checked against a real `@hydra.main` app.
//!
//! - Without a package, the config is printed as YAML; with `--resolve`, after
//!   `OmegaConf.resolve`, which turns an interpolation that leads to a `???` value into `???`
//!   instead of failing (`a: ${b}` with `b: ???` prints `a: ???`).
//! - With a package, Hydra prints `OmegaConf.select(cfg, package)`: "package 'P' not found in
//!   config" when that is None or `???`; a config node (a `DictConfig`/`ListConfig`: a map or
//!   list of the config, also one reached through `${key}`, `oc.select`, `oc.create`,
//!   `oc.dict.keys`/`values`) after a `# @package P` line as YAML (resolved with `--resolve`);
//!   anything else with Python's `print`. `oc.decode` returns a plain Python list or dict,
//!   which is printed that way (`[1, 2]`), and so is an enum (`RunMode.RUN`).
//!
//! `--cfg hydra` leaves out Hydra's help texts (`hydra.help`, `hydra.hydra_help`), as Hydra's
//! `get_sanitized_hydra_cfg` does; `--cfg all` keeps them.
//!
//! Two deliberate differences, where Hydra fails on a config that runs fine:
//! - with `--resolve`, a list or dict returned by `oc.decode` is printed resolved, where
//!   `OmegaConf.resolve` raises `UnsupportedValueType` (a run reads it without trouble);
//! - `--cfg hydra` resolves Hydra's settings against the whole config, as a run does, where
//!   Hydra's printout has dropped the job's keys (`hydra.run.dir=out/${name}` fails there with
//!   "Interpolation key 'name' not found" although the run makes `out/<name>`).

use crate::compose::Composed;
use crate::error::ConfigError;
use crate::interpolation::{
    Located, Piece, Resolver, has_interpolation, parse_pieces, resolver_call, split_args,
    target_path,
};
use crate::map::Map;
use crate::path::{lookup, split_key};
use crate::pyfmt::py_str;
use crate::value::Value;

/// Which part of the config Hydra's `--cfg` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CfgPart {
    /// The job's config (`--cfg job`), without the `hydra` node.
    Job,
    /// Hydra's own config under its `hydra:` key (`--cfg hydra`).
    Hydra,
    /// Both: the `hydra` node first, then the job's keys (`--cfg all`).
    All,
}

/// What `OmegaConf.select` gives for a package, as `show_cfg` prints it.
enum Selected {
    /// None, `???` or no such key.
    NotFound,
    /// A config node: printed as YAML after `# @package`.
    Node(Value),
    /// Anything else, as Python's `print` writes it.
    Printed(String),
}

impl Composed {
    /// The text Hydra 1.3's `--cfg PART [--resolve] [--package PACKAGE]` prints (see the
    /// module docs). `_global_` or an empty package means the whole part.
    ///
    /// # Errors
    /// [`ConfigError::PackageNotFound`] when the package is absent from the part, None or
    /// `???`; resolution errors as a run would report them.
    pub fn show_cfg(
        &self,
        part: CfgPart,
        resolve: bool,
        package: Option<&str>,
    ) -> Result<String, ConfigError> {
        // `--cfg hydra` selects from the sanitized Hydra config (no help texts), as Hydra does.
        let root = if part == CfgPart::Hydra {
            let mut root = self.full_root();
            if let Value::Map(m) = &mut root {
                m.insert("hydra", sanitized(&self.hydra));
            }
            root
        } else {
            self.full_root()
        };
        let mut resolver = Resolver::new(&root, true);
        // `_global_` is the whole part; an empty package selects the root, printed as a
        // package named '' (Hydra prints `# @package ` then the whole part).
        let package = package.filter(|p| *p != "_global_");
        let header = match package {
            Some("") => "# @package \n",
            _ => "",
        };
        let package = package.filter(|p| !p.is_empty());
        let Some(package) = package else {
            let mut out = Map::new();
            let mut add = |key: &str, node: &Value| -> Result<(), ConfigError> {
                let path = [key.to_string()];
                let v = if resolve {
                    resolver.resolve_printed(node, &path)?
                } else {
                    node.clone()
                };
                out.insert(key, v);
                Ok(())
            };
            if part != CfgPart::Job
                && let Some(hydra) = root.child("hydra")
            {
                add("hydra", hydra)?;
            }
            if part != CfgPart::Hydra
                && let Value::Map(job) = &self.job
            {
                for (k, v) in job.iter() {
                    add(k, v)?;
                }
            }
            return Ok(format!("{header}{}", Value::Map(out).to_yaml()));
        };
        let not_found = || ConfigError::PackageNotFound {
            package: package.to_string(),
        };
        // A key with one leading dot is relative to the root, which is where select starts.
        let key = package.strip_prefix('.').unwrap_or(package);
        let path = split_key(key).ok_or_else(not_found)?;
        let in_hydra = path.first().is_some_and(|s| s == "hydra");
        let visible = match part {
            CfgPart::Job => !in_hydra,
            CfgPart::Hydra => in_hydra,
            CfgPart::All => true,
        };
        if !visible {
            return Err(not_found());
        }
        match resolver.select(&path, resolve)? {
            Selected::NotFound => Err(not_found()),
            Selected::Node(v) => Ok(format!("# @package {package}\n{}", v.to_yaml())),
            Selected::Printed(text) => Ok(format!("{text}\n")),
        }
    }
}

/// The parts of the `hydra` node that `--cfg hydra` leaves out (Hydra's
/// `get_sanitized_hydra_cfg`: the help texts).
const SANITIZED: [&str; 2] = ["hydra_help", "help"];

/// The `hydra` node as `--cfg hydra` prints it: without [`SANITIZED`].
fn sanitized(hydra: &Value) -> Value {
    let mut hydra = hydra.clone();
    if let Value::Map(m) = &mut hydra {
        for key in SANITIZED {
            m.remove(key);
        }
    }
    hydra
}

impl<'a> Resolver<'a> {
    /// `OmegaConf.resolve` of the node `v` at `path`: every interpolation replaced by its
    /// value, a node reference to a container resolved in the container's own place, and an
    /// interpolation that leads to `???` left as `???`.
    pub(crate) fn resolve_printed(
        &mut self,
        v: &Value,
        path: &[String],
    ) -> Result<Value, ConfigError> {
        match v {
            Value::Map(m) => {
                let mut out = Map::new();
                for (k, kind, child) in m.iter_typed() {
                    let child_path =
                        crate::interpolation::extend(path, &crate::path::key_segment(k, kind));
                    out.push_typed(
                        k.to_string(),
                        kind,
                        self.resolve_printed(child, &child_path)?,
                    );
                }
                Ok(Value::Map(out))
            }
            Value::List(items) => items
                .iter()
                .enumerate()
                .map(|(i, child)| {
                    let child_path = crate::interpolation::extend(path, &i.to_string());
                    self.resolve_printed(child, &child_path)
                })
                .collect::<Result<_, _>>()
                .map(Value::List),
            Value::String(s) if has_interpolation(s) => {
                if let Some((target, node)) = self.container_reference(s, path) {
                    return self.resolve_printed(node, &target);
                }
                let leaf = if path.first().is_some_and(|s| s == "hydra") {
                    self.hydra_setting(path)
                } else {
                    self.node(path)
                };
                match leaf {
                    Err(ConfigError::InterpolationToMissing { .. }) => Ok(Value::Missing),
                    other => other,
                }
            }
            other => Ok(other.clone()),
        }
    }

    /// The container that the string `s` (at `path`) stands for when it is exactly one node
    /// reference (`${key}`, followed through further references): its path and raw value.
    fn container_reference(&self, s: &str, path: &[String]) -> Option<(Vec<String>, &'a Value)> {
        let pieces = parse_pieces(s).ok()?;
        let [Piece::Interp { body, .. }] = pieces.as_slice() else {
            return None;
        };
        if resolver_call(body).is_some()
            || has_interpolation(body)
            || crate::hydra_schema::is_scalar_field(path)
        {
            return None;
        }
        let first = target_path(body.trim(), path).ok()?;
        if self.hidden(&first, path) {
            return None;
        }
        self.follow_plain_references(first)
            .filter(|(_, node)| node.is_container())
    }

    /// `OmegaConf.select(cfg, path)` as `show_cfg` prints it (see [`Selected`]).
    fn select(&mut self, path: &[String], resolve: bool) -> Result<Selected, ConfigError> {
        let located = match self.locate(path)? {
            None | Some(Located::InRoot(_, true)) => return Ok(Selected::NotFound),
            Some(Located::Detached(v)) => return Ok(self.printed(v, path)),
            Some(Located::InRoot(p, false)) => p,
        };
        let root = self.root;
        // Invariant: locate found this path in the same immutable root.
        let raw = lookup(root, &located).expect("located in the root");
        if raw.is_container() {
            return self.node_as_printed(raw, &located, resolve);
        }
        if let Value::String(s) = raw
            && let Some((target, node)) = self.container_reference(s, &located)
        {
            return self.node_as_printed(node, &target, resolve);
        }
        let single = match raw {
            Value::String(s) => match parse_pieces(s).ok().as_deref() {
                Some([Piece::Interp { body, .. }]) => Some(body.clone()),
                _ => None,
            },
            _ => None,
        };
        if let Some(body) = &single
            && let Some((target, node)) = self.selected_container(body, &located)
        {
            return self.node_as_printed(node, &target, resolve);
        }
        let value = if located.first().is_some_and(|s| s == "hydra") {
            self.hydra_setting(&located)?
        } else {
            self.node(&located)?
        };
        let Some(body) = single else {
            return Ok(self.printed(value, &located));
        };
        if let Some(text) = self
            .referred_node(&body, &located)
            .and_then(|target| crate::run_mode::enum_str(&target, &value))
        {
            return Ok(Selected::Printed(text));
        }
        match resolver_call(&body) {
            // `oc.decode` returns Python's own list or dict, not a config node.
            Some(("oc.decode", _)) if value.is_container() => Ok(Selected::Printed(py_str(&value))),
            // `oc.dict.values` returns `${KEY.k}` nodes, printed unresolved.
            Some(("oc.dict.values", args)) if !resolve && value.is_container() => {
                self.dict_value_references(args, &body, &located)
            }
            _ => Ok(self.printed(value, &located)),
        }
    }

    /// The container of the config that `${hydra:KEY}`, `${oc.select:KEY[,DEFAULT]}` or
    /// `${oc.deprecated:KEY[,MESSAGE]}` (at `path`) returns, with its path: these resolvers
    /// return the node itself, which prints unresolved. `None` for other interpolations,
    /// a key given by an interpolation, or a target that is not a container of the config.
    fn selected_container(&self, body: &str, path: &[String]) -> Option<(Vec<String>, &'a Value)> {
        let (name, args) = resolver_call(body)?;
        let args = split_args(args);
        let key = args.first().filter(|k| !has_interpolation(k))?;
        let target = match (name, args.len()) {
            ("hydra", 1) if self.with_hydra => target_path(&format!("hydra.{key}"), &[]).ok()?,
            ("oc.select" | "oc.deprecated", 1 | 2) => {
                let target = target_path(key, path).ok()?;
                if self.hidden(&target, path) {
                    return None;
                }
                target
            }
            _ => return None,
        };
        let node = lookup(self.root, &target).ok()?;
        node.is_container().then_some((target, node))
    }

    /// A container node of the config as `show_cfg` prints it: raw, or `OmegaConf.resolve`d.
    fn node_as_printed(
        &mut self,
        node: &Value,
        path: &[String],
        resolve: bool,
    ) -> Result<Selected, ConfigError> {
        Ok(Selected::Node(if resolve {
            self.resolve_printed(node, path)?
        } else {
            node.clone()
        }))
    }

    /// A value that `select` gives, already resolved.
    fn printed(&self, value: Value, path: &[String]) -> Selected {
        match value {
            // OmegaConf reads the string '???' as a missing value too.
            Value::Null | Value::Missing => Selected::NotFound,
            Value::String(s) if s == "???" => Selected::NotFound,
            v if v.is_container() => Selected::Node(v),
            v => {
                Selected::Printed(crate::run_mode::enum_str(path, &v).unwrap_or_else(|| py_str(&v)))
            }
        }
    }

    /// What `oc.dict.values:KEY` holds before resolution: `${KEY.k}` for each key `k` of the
    /// mapping (OmegaConf's `dict_values`, which adds a dot to a relative key because the
    /// list it returns is one level deeper).
    fn dict_value_references(
        &mut self,
        args: &str,
        body: &str,
        path: &[String],
    ) -> Result<Selected, ConfigError> {
        let raw = format!("${{{body}}}");
        let keys = self.call("oc.dict.keys", args, &raw, path)?;
        let key = match split_args(args).as_slice() {
            [arg] => match self.argument(arg, path)? {
                Value::String(s) => s,
                other => py_str(&other),
            },
            _ => return Ok(Selected::Node(keys)),
        };
        let key = if key.starts_with('.') {
            format!(".{key}")
        } else {
            key
        };
        let Value::List(keys) = keys else {
            return Ok(Selected::Node(keys));
        };
        Ok(Selected::Node(Value::List(
            keys.iter()
                .map(|k| Value::String(format!("${{{key}.{}}}", py_str(k))))
                .collect(),
        )))
    }
}
