//! Hydra 1.3 defaults lists: which files are merged, in which order, under which package.
//!
//! Each config may start with a `defaults:` list. Entries are
//! - `- base_algo`: another config, path relative to this file's group (`/x` is absolute);
//! - `- algorithm: df_video`: a config group and its selected option, placed under the
//!   package `algorithm` (a group inside a group file nests: `algorithm.sub`);
//! - `- optional g: x` (skipped if the file does not exist), `- g: null` (nothing selected),
//!   `- g: ???` (the user must select one), `- g: [a, b]` (several options merged in order),
//!   `- g@pkg: x` (explicit package), `- override g: x` (change a selection made elsewhere);
//! - `- _self_`: where this file's own keys go. Hydra 1.1+ (and `version_base=None`, as the
//!   reference uses) appends `_self_` last when it is absent, so a file overrides what its
//!   defaults bring in; a file without a defaults list is merged as is.
//!
//! The tree is expanded depth first, children in reverse order (as Hydra does, so that an
//! `override` in a later entry's subtree applies to an earlier sibling), and flattened into
//! the merge order. Command-line `group=option` selections are registered before expansion
//! and take precedence over `override` entries; `~group` deselects; `+group=option` appends
//! to the primary config's list (after its `_self_`). `# @package` headers are honoured.
//! Not supported: interpolations in defaults lists (`- db: ${other}`) and the deprecated
//! `_group_`/`_name_` package keywords.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::ConfigError;
use crate::repo::Repo;
use crate::suggest::{DidYouMean, closest};
use crate::value::Value;

/// What a group entry selects.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupValue {
    /// One option (`???` when the user must choose).
    Name(String),
    /// Several options, merged in order.
    Options(Vec<String>),
    /// Nothing selected.
    Null,
}

impl GroupValue {
    fn text(&self) -> String {
        match self {
            GroupValue::Name(n) => n.clone(),
            GroupValue::Options(o) => format!("[{}]", o.join(",")),
            GroupValue::Null => "null".to_string(),
        }
    }
}

/// One entry of a `defaults:` list.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultEntry {
    /// `_self_`.
    SelfRef,
    /// `- path` or `- path@package`.
    Config {
        /// Relative (to the containing group) or absolute (`/...`) config path.
        path: String,
        /// Explicit package.
        package: Option<String>,
    },
    /// `- [optional] [override] group[@package]: value`.
    Group {
        /// Relative or absolute (`/...`) group.
        group: String,
        /// Explicit package.
        package: Option<String>,
        /// Selection.
        value: GroupValue,
        /// Skip silently if the file does not exist.
        optional: bool,
        /// Changes a selection made elsewhere instead of adding one.
        is_override: bool,
    },
}

/// Most segments a package (`a.b.c`) may have, as for command-line keys: each segment is
/// a level of the config tree, which the recursive merge, resolution and output walk.
const MAX_PACKAGE_DEPTH: usize = 100;

/// Refuses a package deeper than [`MAX_PACKAGE_DEPTH`]; `what` says where it comes from.
pub(crate) fn check_package_depth(
    package: &str,
    file: &str,
    what: &str,
) -> Result<(), ConfigError> {
    let depth = package.split('.').count();
    if depth > MAX_PACKAGE_DEPTH {
        let head: String = package.chars().take(40).collect();
        return Err(ConfigError::InvalidConfig {
            file: file.to_string(),
            reason: format!(
                "{what} '{head}…' has {depth} levels; at most {MAX_PACKAGE_DEPTH} are accepted"
            ),
        });
    }
    Ok(())
}

/// Parses the `defaults` value of the file `config_path`.
pub fn parse_defaults(list: &Value, config_path: &str) -> Result<Vec<DefaultEntry>, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidConfig {
        file: config_path.to_string(),
        reason,
    };
    let items = match list {
        Value::List(items) => items,
        other => {
            return Err(invalid(format!(
                "'defaults' must be a list (e.g. '- base_algo' or '- algorithm: df_video'), not {}",
                other.type_name()
            )));
        }
    };
    let split_package = |s: &str| -> (String, Option<String>) {
        match s.split_once('@') {
            Some((p, pkg)) => (
                p.to_string(),
                Some(if pkg == "_here_" {
                    String::new()
                } else {
                    pkg.to_string()
                }),
            ),
            None => (s.to_string(), None),
        }
    };
    let mut out = Vec::new();
    for item in items {
        match item {
            Value::String(s) if s == "_self_" => out.push(DefaultEntry::SelfRef),
            Value::String(s) => {
                let (path, package) = split_package(s.trim());
                if let Some(p) = &package {
                    check_package_depth(p, config_path, "the package of a defaults entry")?;
                }
                if path.is_empty() || path == "_self_" {
                    return Err(invalid(format!("invalid defaults entry '{s}'")));
                }
                out.push(DefaultEntry::Config { path, package });
            }
            Value::Map(m) if m.len() == 1 => {
                // Invariant: the match guard above ensures the map has exactly one entry.
                let (key, value) = m.iter().next().expect("one entry");
                let words: Vec<&str> = key.split_whitespace().collect();
                let Some((last, keywords)) = words.split_last() else {
                    return Err(invalid(
                        "empty config group name in the defaults list".to_string(),
                    ));
                };
                let mut optional = false;
                let mut is_override = false;
                for k in keywords {
                    match *k {
                        "optional" => optional = true,
                        "override" => is_override = true,
                        other => {
                            return Err(invalid(format!(
                                "unknown keyword '{other}' in defaults entry '{key}' (expected 'optional' or 'override')"
                            )));
                        }
                    }
                }
                let (group, package) = split_package(last);
                if let Some(p) = &package {
                    check_package_depth(p, config_path, "the package of a defaults entry")?;
                }
                let value = match value {
                    Value::String(s) => GroupValue::Name(s.clone()),
                    Value::Missing => GroupValue::Name("???".to_string()),
                    Value::Null => GroupValue::Null,
                    Value::List(opts) => GroupValue::Options(
                        opts.iter()
                            .map(|o| match o {
                                Value::String(s) => Ok(s.clone()),
                                other => Err(invalid(format!(
                                    "options of '{key}' must be names, found {}",
                                    other.type_name()
                                ))),
                            })
                            .collect::<Result<_, _>>()?,
                    ),
                    other => {
                        return Err(invalid(format!(
                            "'{key}' must select an option name, a list of names or null, not {} (quote it if it is a name)",
                            other.type_name()
                        )));
                    }
                };
                if let GroupValue::Name(n) = &value
                    && n.contains("${")
                {
                    return Err(invalid(format!(
                        "interpolations in defaults lists ('{key}: {n}') are not supported; select the option explicitly"
                    )));
                }
                out.push(DefaultEntry::Group {
                    group,
                    package,
                    value,
                    optional,
                    is_override,
                });
            }
            Value::Map(m) => {
                return Err(invalid(format!(
                    "each defaults entry must have exactly one key, found {} ({}); write one entry per line",
                    m.len(),
                    m.keys().collect::<Vec<_>>().join(", ")
                )));
            }
            other => {
                return Err(invalid(format!(
                    "unsupported defaults entry of type {} (use '- name' or '- group: option')",
                    other.type_name()
                )));
            }
        }
    }
    Ok(out)
}

/// Group selections from the command line.
#[derive(Debug, Clone, Default)]
pub struct GroupOverrides {
    /// `group=option` (key may carry `@package`).
    pub choices: Vec<(String, GroupValue)>,
    /// `~group` / `~group=option`.
    pub deletions: Vec<(String, Option<String>)>,
    /// `+group=option`.
    pub appends: Vec<(String, Option<String>, GroupValue)>,
}

/// A file to merge and where.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeItem {
    /// Config path without extension (`algorithm/df_video`).
    pub config_path: String,
    /// Dotted package (`algorithm`); empty for the root.
    pub package: String,
    /// Group override key for selected leaves, used to detect duplicates.
    override_key: Option<String>,
}

/// The expanded defaults list.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Files in merge order.
    pub items: Vec<MergeItem>,
    /// The option chosen for each group (`None` for `null`), like `hydra.runtime.choices`.
    pub choices: BTreeMap<String, Option<String>>,
    /// The groups of `choices` in the order Hydra records them (its `known_choices`: the
    /// defaults tree walked last entry first), which is `hydra.runtime.choices`' order.
    pub order: Vec<String>,
}

/// Expands the defaults tree of the primary config `config_name`.
pub fn select(
    repo: &mut Repo,
    config_name: &str,
    overrides: &GroupOverrides,
) -> Result<Selection, ConfigError> {
    let mut ex = Expander {
        repo,
        choices: overrides
            .choices
            .iter()
            .map(|(k, v)| Choice {
                key: k.clone(),
                value: v.clone(),
                containing: None,
                used: false,
            })
            .collect(),
        deletions: overrides
            .deletions
            .iter()
            .map(|(k, o)| (k.clone(), o.clone(), false))
            .collect(),
        known: BTreeMap::new(),
        known_order: Vec::new(),
        known_from_command_line: BTreeSet::new(),
        stack: Vec::new(),
        expanded: 0,
    };
    let appends: Vec<Node> = overrides
        .appends
        .iter()
        .map(|(group, package, value)| Node {
            kind: Kind::Group {
                group: group.clone(),
                value: value.clone(),
            },
            package: package.clone(),
            optional: false,
            is_override: false,
            external_append: true,
            parent_base_dir: String::new(),
            parent_package: String::new(),
            package_header: None,
        })
        .collect();
    let mut root = Node {
        kind: Kind::Config {
            path: config_name.to_string(),
        },
        package: None,
        optional: false,
        is_override: false,
        external_append: false,
        parent_base_dir: String::new(),
        parent_package: String::new(),
        package_header: None,
    };
    if ex.repo.load(config_name)?.is_none() {
        return Err(ConfigError::Io {
            path: ex
                .repo
                .root()
                .join(format!("{config_name}.yaml"))
                .display()
                .to_string(),
            reason: format!(
                "the primary config '{config_name}.yaml' does not exist in the config directory"
            ),
        });
    }
    let items = ex.expand(&mut root, true, appends, None)?;
    ex.finish(&items)?;
    Ok(Selection {
        items,
        choices: ex.known,
        order: ex.known_order,
    })
}

#[derive(Debug, Clone)]
enum Kind {
    Config { path: String },
    Group { group: String, value: GroupValue },
    SelfRef,
}

/// A defaults entry placed in the tree (knows its parent's group and package).
#[derive(Debug, Clone)]
struct Node {
    kind: Kind,
    package: Option<String>,
    optional: bool,
    is_override: bool,
    external_append: bool,
    parent_base_dir: String,
    parent_package: String,
    package_header: Option<String>,
}

fn strip_abs(p: &str) -> (&str, bool) {
    match p.strip_prefix('/') {
        Some(rest) => (rest, true),
        None => (p, false),
    }
}

fn dirname(p: &str) -> &str {
    p.rfind('/').map_or("", |i| &p[..i])
}

fn join_dir(base: &str, rel: &str) -> String {
    match (base.is_empty(), rel.is_empty()) {
        (true, _) => rel.to_string(),
        (false, true) => base.to_string(),
        (false, false) => format!("{base}/{rel}"),
    }
}

impl Node {
    fn from_entry(entry: &DefaultEntry) -> Node {
        let (kind, package, optional, is_override) = match entry {
            DefaultEntry::SelfRef => (Kind::SelfRef, None, false, false),
            DefaultEntry::Config { path, package } => (
                Kind::Config { path: path.clone() },
                package.clone(),
                false,
                false,
            ),
            DefaultEntry::Group {
                group,
                package,
                value,
                optional,
                is_override,
            } => (
                Kind::Group {
                    group: group.clone(),
                    value: value.clone(),
                },
                package.clone(),
                *optional,
                *is_override,
            ),
        };
        Node {
            kind,
            package,
            optional,
            is_override,
            external_append: false,
            parent_base_dir: String::new(),
            parent_package: String::new(),
            package_header: None,
        }
    }

    /// The directory (group) this entry lives in, e.g. `algorithm`.
    fn group_path(&self) -> String {
        match &self.kind {
            Kind::Config { path } => {
                let (p, abs) = strip_abs(path);
                if abs {
                    dirname(p).to_string()
                } else {
                    join_dir(&self.parent_base_dir, dirname(p))
                }
            }
            Kind::Group { group, .. } => {
                let (g, abs) = strip_abs(group);
                if abs {
                    g.to_string()
                } else {
                    join_dir(&self.parent_base_dir, g)
                }
            }
            Kind::SelfRef => self.parent_base_dir.clone(),
        }
    }

    /// The selected file name, `None` for a null selection.
    fn name(&self) -> Option<String> {
        match &self.kind {
            Kind::Config { path } => Some(path.rsplit('/').next().unwrap_or(path).to_string()),
            Kind::Group {
                value: GroupValue::Name(n),
                ..
            } => Some(n.clone()),
            _ => None,
        }
    }

    fn config_path(&self) -> String {
        match &self.kind {
            Kind::Config { path } => {
                let (p, abs) = strip_abs(path);
                if abs {
                    p.to_string()
                } else {
                    join_dir(&self.parent_base_dir, p)
                }
            }
            _ => format!("{}/{}", self.group_path(), self.name().unwrap_or_default()),
        }
    }

    /// Explicit package, else the file's `@package` header (made absolute).
    fn package_or_header(&self) -> Option<String> {
        if self.package.is_some() {
            return self.package.clone();
        }
        self.package_header.as_ref().map(|h| {
            if h.is_empty() || h == "_global_" {
                "_global_".to_string()
            } else if h.starts_with("_global_.") {
                h.clone()
            } else {
                format!("_global_.{h}")
            }
        })
    }

    /// Where this entry's keys go, e.g. `algorithm` (Hydra's `get_final_package`).
    fn final_package(&self) -> String {
        self.final_package_from(self.package_or_header())
    }

    fn final_package_from(&self, explicit: Option<String>) -> String {
        let package = explicit.unwrap_or_else(|| {
            let rel = match &self.kind {
                Kind::Config { path } => dirname(strip_abs(path).0).to_string(),
                Kind::Group { group, .. } => strip_abs(group).0.to_string(),
                Kind::SelfRef => String::new(),
            };
            rel.replace('/', ".")
        });
        let joined = match (self.parent_package.is_empty(), package.is_empty()) {
            (true, _) => package,
            (false, true) => self.parent_package.clone(),
            (false, false) => format!("{}.{}", self.parent_package, package),
        };
        match joined.rfind("_global_") {
            None => joined,
            Some(i) => joined
                .get(i + "_global_".len() + 1..)
                .unwrap_or("")
                .to_string(),
        }
    }

    /// The key command-line selections use (Hydra's `get_override_key`): the group path,
    /// plus `@package` when the package (ignoring headers) is not the group's own.
    fn override_key(&self) -> Option<String> {
        match &self.kind {
            Kind::Group { .. } => {
                let group = self.group_path();
                let default_package = group.replace('/', ".");
                let package = self.final_package_from(self.package.clone());
                Some(if package == default_package {
                    group
                } else if package.is_empty() {
                    format!("{group}@_global_")
                } else {
                    format!("{group}@{package}")
                })
            }
            _ => None,
        }
    }
}

struct Choice {
    key: String,
    value: GroupValue,
    /// The file holding the `override` entry; `None` for the command line.
    containing: Option<String>,
    used: bool,
}

struct Expander<'r> {
    repo: &'r mut Repo,
    choices: Vec<Choice>,
    /// (override key, option or any, used)
    deletions: Vec<(String, Option<String>, bool)>,
    known: BTreeMap<String, Option<String>>,
    /// The keys of `known` in insertion order.
    known_order: Vec<String>,
    /// Groups whose known choice came from a `+group=option` on the command line.
    known_from_command_line: BTreeSet<String>,
    /// The config paths being expanded, outermost first (cycle detection, depth bound).
    stack: Vec<String>,
    /// Entries expanded so far (bound on the size of the tree).
    expanded: usize,
}

/// How deep defaults lists may nest (`a` includes `b` includes `c` ...). The reference
/// configs nest 3 deep; Hydra itself recurses without bound until Python's recursion limit.
const MAX_DEFAULTS_DEPTH: usize = 64;

/// How many entries the whole defaults tree may expand to. Files may include the same
/// config several times, so a few files can describe an exponentially large tree.
const MAX_DEFAULTS_ENTRIES: usize = 10_000;

impl Expander<'_> {
    fn expand(
        &mut self,
        node: &mut Node,
        is_root: bool,
        appends: Vec<Node>,
        parent_path: Option<&str>,
    ) -> Result<Vec<MergeItem>, ConfigError> {
        // The package header decides where the file goes, so read it first.
        if let Some(name) = node.name()
            && name != "???"
            && let Some(loaded) = self.repo.load(&node.config_path())?
        {
            node.package_header = loaded.package_header.clone();
        }
        if self.take_deletion(node) {
            return Ok(Vec::new());
        }
        self.set_known_choice(node)?;
        let Some(name) = node.name() else {
            return Ok(Vec::new());
        };
        if name == "???" {
            let group = node.group_path();
            return Err(ConfigError::MissingGroupChoice {
                available: self.repo.group_options(&group).join(", "),
                group,
            });
        }
        let path = node.config_path();
        self.expanded += 1;
        if self.expanded > MAX_DEFAULTS_ENTRIES {
            return Err(ConfigError::InvalidConfig {
                file: parent_path.unwrap_or(&path).to_string(),
                reason: format!(
                    "the defaults tree expands to more than {MAX_DEFAULTS_ENTRIES} entries (while including '{path}'); a config is probably included repeatedly at several levels, include it once"
                ),
            });
        }
        if let Some(start) = self.stack.iter().position(|p| *p == path) {
            let chain: Vec<&str> = self.stack[start..]
                .iter()
                .map(String::as_str)
                .chain([path.as_str()])
                .collect();
            return Err(ConfigError::InvalidConfig {
                file: parent_path.unwrap_or(&path).to_string(),
                reason: format!(
                    "defaults cycle: {}; remove one of these entries from the defaults lists",
                    chain.join(" -> ")
                ),
            });
        }
        if self.stack.len() >= MAX_DEFAULTS_DEPTH {
            return Err(ConfigError::InvalidConfig {
                file: parent_path.unwrap_or(&path).to_string(),
                reason: format!(
                    "defaults lists nest more than {MAX_DEFAULTS_DEPTH} levels deep (at '{path}', included from '{}'); flatten the chain of included configs",
                    self.stack[0]
                ),
            });
        }
        self.stack.push(path.clone());
        let result = self.expand_file(node, is_root, appends, parent_path, path);
        self.stack.pop();
        result
    }

    /// The part of [`Expander::expand`] that runs with `path` on the expansion stack.
    fn expand_file(
        &mut self,
        node: &mut Node,
        is_root: bool,
        appends: Vec<Node>,
        parent_path: Option<&str>,
        path: String,
    ) -> Result<Vec<MergeItem>, ConfigError> {
        let Some(loaded) = self.repo.load(&path)? else {
            if node.optional {
                return Ok(Vec::new());
            }
            return Err(self.not_found(node, parent_path));
        };
        let mut defaults: Vec<Node> = loaded.defaults.iter().map(Node::from_entry).collect();
        if !defaults.is_empty() || (is_root && !appends.is_empty()) {
            validate_self(&mut defaults, &path)?;
        }
        if is_root {
            defaults.extend(appends);
        }
        let base_dir = node.group_path();
        let package = node.final_package();
        // Packages nest through the defaults tree (`a@x.y` includes `b@z` ...).
        check_package_depth(&package, &path, "the package this config is placed in")?;
        for d in defaults.iter_mut() {
            d.parent_base_dir = base_dir.clone();
            d.parent_package = package.clone();
        }
        self.register_file_overrides(&defaults, &path)?;
        // A list of only `override` entries gives the file no children (they change selections
        // made elsewhere), so, as with no list at all, the file's own keys are merged where the
        // file itself sits (Hydra's `_create_defaults_tree_impl`: a node without children is a
        // leaf). This is the usual `# @package _global_` experiment file.
        if defaults.iter().all(|d| d.is_override) {
            return Ok(vec![MergeItem {
                config_path: path,
                package,
                override_key: node.override_key(),
            }]);
        }
        let mut outputs: Vec<Vec<MergeItem>> = Vec::new();
        for d in defaults.iter_mut().rev() {
            if matches!(d.kind, Kind::SelfRef) {
                outputs.push(vec![MergeItem {
                    config_path: path.clone(),
                    package: package.clone(),
                    override_key: None,
                }]);
                continue;
            }
            if d.is_override {
                continue;
            }
            self.apply_choice(d);
            if let Kind::Group {
                group,
                value: GroupValue::Options(options),
            } = &d.kind
            {
                for option in options.iter().rev() {
                    let mut child = Node {
                        kind: Kind::Config {
                            path: format!("{group}/{option}"),
                        },
                        package: d.package.clone(),
                        optional: d.optional,
                        is_override: false,
                        external_append: false,
                        parent_base_dir: d.parent_base_dir.clone(),
                        parent_package: d.parent_package.clone(),
                        package_header: None,
                    };
                    outputs.push(self.expand(&mut child, false, Vec::new(), Some(&path))?);
                }
                continue;
            }
            outputs.push(self.expand(d, false, Vec::new(), Some(&path))?);
        }
        outputs.reverse();
        Ok(outputs.concat())
    }

    /// `override` entries must come last in a list; they register a selection unless the
    /// command line already made one.
    fn register_file_overrides(
        &mut self,
        defaults: &[Node],
        path: &str,
    ) -> Result<(), ConfigError> {
        let mut last_override: Option<&Node> = None;
        for d in defaults {
            if matches!(d.kind, Kind::SelfRef) {
                continue;
            }
            if let Some(o) = last_override
                && !(d.is_override || d.external_append)
            {
                return Err(ConfigError::InvalidConfig {
                    file: path.to_string(),
                    reason: format!(
                        "'override {}' must come after all other entries of the defaults list; move it below '{}'",
                        o.override_key().unwrap_or_default(),
                        d.override_key().or_else(|| d.name()).unwrap_or_default()
                    ),
                });
            }
            if d.is_override
                && let (Some(key), Kind::Group { value, .. }) = (d.override_key(), &d.kind)
            {
                last_override = Some(d);
                if !self.choices.iter().any(|c| c.key == key) {
                    self.choices.push(Choice {
                        key,
                        value: value.clone(),
                        containing: Some(path.to_string()),
                        used: false,
                    });
                }
            }
        }
        Ok(())
    }

    fn apply_choice(&mut self, d: &mut Node) {
        let Some(key) = d.override_key() else { return };
        if let Some(choice) = self.choices.iter_mut().find(|c| c.key == key)
            && let Kind::Group { value, .. } = &mut d.kind
        {
            *value = choice.value.clone();
            choice.used = true;
        }
    }

    fn take_deletion(&mut self, node: &Node) -> bool {
        let Some(key) = node.override_key() else {
            return false;
        };
        let name = node.name();
        for (k, option, used) in self.deletions.iter_mut() {
            if *k == key && (option.is_none() || *option == name) {
                *used = true;
                return true;
            }
        }
        false
    }

    fn set_known_choice(&mut self, node: &Node) -> Result<(), ConfigError> {
        let Some(key) = node.override_key() else {
            return Ok(());
        };
        let name = node.name();
        match self.known.get(&key) {
            Some(prev) if *prev != name => {
                let text = |n: &Option<String>| n.clone().unwrap_or_else(|| "null".to_string());
                // Children are expanded last-first, so of two conflicting entries the one
                // met first is the later one; name the command-line selection as the fix.
                let wanted = if node.external_append || !self.known_from_command_line.contains(&key)
                {
                    text(&name)
                } else {
                    text(prev)
                };
                let (first, second) = (text(&name), text(prev));
                let (first, second) = if node.external_append {
                    (second, first)
                } else {
                    (first, second)
                };
                Err(ConfigError::GroupConflict {
                    group: key,
                    first,
                    second,
                    wanted,
                })
            }
            Some(_) => Ok(()),
            None => {
                if node.external_append {
                    self.known_from_command_line.insert(key.clone());
                }
                self.known_order.push(key.clone());
                self.known.insert(key, name);
                Ok(())
            }
        }
    }

    fn not_found(&self, node: &Node, parent_path: Option<&str>) -> ConfigError {
        let group = node.group_path();
        let name = node.name().unwrap_or_default();
        let options = self.repo.group_options(&group);
        match (
            &node.kind,
            self.repo.group_exists(&group) || group.is_empty(),
        ) {
            (Kind::Group { .. }, true) => ConfigError::UnknownOption {
                suggestion: DidYouMean(closest(&name, options.iter().map(String::as_str))),
                available: options.join(", "),
                group,
                option: name,
            },
            (Kind::Group { .. }, false) => ConfigError::InvalidConfig {
                file: parent_path.unwrap_or("command line").to_string(),
                reason: format!(
                    "config group '{group}' does not exist (no directory '{group}' in {})",
                    self.repo.root().display()
                ),
            },
            _ => {
                let suggestion = DidYouMean(
                    closest(&name, options.iter().map(String::as_str))
                        .map(|o| join_dir(&group, &o)),
                );
                ConfigError::InvalidConfig {
                    file: parent_path.unwrap_or("command line").to_string(),
                    reason: format!(
                        "could not find config '{}'.{suggestion}",
                        node.config_path()
                    ),
                }
            }
        }
    }

    /// Every selection and deletion must have matched an entry; no group may be merged twice.
    fn finish(&self, items: &[MergeItem]) -> Result<(), ConfigError> {
        if let Some(c) = self.choices.iter().find(|c| !c.used) {
            return Err(match &c.containing {
                None => ConfigError::GroupNotInDefaults {
                    group: c.key.clone(),
                    option: c.value.text(),
                },
                Some(file) => ConfigError::InvalidConfig {
                    file: file.clone(),
                    reason: format!(
                        "'override {}: {}' matches no '{}' entry of the defaults tree; drop 'override' to add the group",
                        c.key,
                        c.value.text(),
                        c.key
                    ),
                },
            });
        }
        for (key, option, used) in &self.deletions {
            if !used {
                let described = match option {
                    Some(o) => format!("{key}={o}"),
                    None => key.clone(),
                };
                return Err(ConfigError::GroupDeleteUnused {
                    group: described,
                    suggestion: DidYouMean(closest(key, self.known.keys().map(String::as_str))),
                });
            }
        }
        let mut seen = BTreeSet::new();
        for key in items.iter().filter_map(|i| i.override_key.as_ref()) {
            if !seen.insert(key) {
                return Err(ConfigError::Composition {
                    reason: format!(
                        "config group '{key}' appears more than once in the final defaults list"
                    ),
                });
            }
        }
        Ok(())
    }
}

/// At most one `_self_`; Hydra appends it last when absent.
fn validate_self(defaults: &mut Vec<Node>, path: &str) -> Result<(), ConfigError> {
    let selfs = defaults
        .iter()
        .filter(|d| matches!(d.kind, Kind::SelfRef))
        .count();
    if selfs > 1 {
        return Err(ConfigError::InvalidConfig {
            file: path.to_string(),
            reason: "'_self_' appears more than once in the defaults list; keep one".to_string(),
        });
    }
    let has_non_override = defaults.iter().any(|d| !d.is_override);
    if (selfs == 0 && has_non_override) || defaults.is_empty() {
        defaults.push(Node::from_entry(&DefaultEntry::SelfRef));
    }
    Ok(())
}
