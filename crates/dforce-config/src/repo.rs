//! The config directory: config groups are sub-directories, options are `<name>.yaml` files,
//! as in Hydra's file config source. Files are parsed once and cached, because the defaults
//! tree may visit a file several times (its header is read before its content is merged).
//!
//! Directories named by `hydra.searchpath` (`file://...`) are searched after the main one, as
//! Hydra's `ConfigRepository` searches its sources in order (`hydra/_internal/
//! config_repository.py`): a config comes from the first directory that has it, a group
//! exists if any directory has it, and a group's options are those of all directories.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::defaults::DefaultEntry;
use crate::error::ConfigError;
use crate::map::Map;
use crate::value::Value;
use crate::yaml::parse_yaml_str;

/// A parsed config file.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The file's keys, without the top-level `defaults` list.
    pub content: Map,
    /// The `defaults` list, if the file has one.
    pub defaults: Vec<DefaultEntry>,
    /// `# @package <pkg>` from the header comments.
    pub package_header: Option<String>,
}

/// A directory of configs, plus the directories of `hydra.searchpath` after it.
pub struct Repo {
    root: PathBuf,
    /// `hydra.searchpath` directories, in order (searched after `root`).
    extra: Vec<PathBuf>,
    cache: HashMap<String, Option<Rc<LoadedConfig>>>,
}

impl Repo {
    /// Opens `root`, which must be a directory.
    pub fn open(root: &Path) -> Result<Self, ConfigError> {
        if !root.is_dir() {
            return Err(ConfigError::Io {
                path: root.display().to_string(),
                reason: "not a directory; pass the config directory (e.g. 'configs')".to_string(),
            });
        }
        Ok(Repo {
            root: root.to_path_buf(),
            extra: Vec::new(),
            cache: HashMap::new(),
        })
    }

    /// The main config directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Adds a `hydra.searchpath` directory, searched after the ones before it. A directory
    /// that does not exist adds nothing, as in Hydra (its file source is simply never hit).
    pub fn add_search_dir(&mut self, dir: PathBuf) {
        self.extra.push(dir);
    }

    /// Every directory, in search order.
    fn roots(&self) -> impl Iterator<Item = &Path> {
        std::iter::once(self.root.as_path()).chain(self.extra.iter().map(PathBuf::as_path))
    }

    /// Resolves a relative config path (`algorithm/df_video`) to the file of the first
    /// directory that has it, refusing anything that could leave the config directories.
    fn file(&self, config_path: &str) -> Option<PathBuf> {
        let safe = !config_path.is_empty()
            && config_path
                .split('/')
                .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && !seg.contains('\\'));
        if !safe {
            return None;
        }
        let name = format!("{config_path}.yaml");
        self.roots()
            .map(|r| r.join(&name))
            .find(|f| f.is_file())
            .or_else(|| Some(self.root.join(&name)))
    }

    /// True if `group` (`algorithm`, `hydra/launcher`) is a directory of any config directory.
    pub fn group_exists(&self, group: &str) -> bool {
        let safe = !group.is_empty()
            && group
                .split('/')
                .all(|seg| !seg.is_empty() && seg != "." && seg != "..");
        safe && self.roots().any(|r| r.join(group).is_dir())
    }

    /// The options of a group: its `.yaml` file names without extension in all config
    /// directories, sorted, each once.
    pub fn group_options(&self, group: &str) -> Vec<String> {
        if !self.group_exists(group) {
            return Vec::new();
        }
        let mut out: Vec<String> = self
            .roots()
            .flat_map(|r| {
                std::fs::read_dir(r.join(group))
                    .into_iter()
                    .flatten()
                    .flatten()
            })
            .filter(|e| e.path().is_file())
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|n| n.strip_suffix(".yaml"))
                    .map(str::to_string)
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The top-level groups of all config directories, sorted, each once.
    pub fn groups(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .roots()
            .flat_map(|r| std::fs::read_dir(r).into_iter().flatten().flatten())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| !n.starts_with('.'))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Loads `config_path` (`algorithm/df_video`); `Ok(None)` if there is no such file.
    pub fn load(&mut self, config_path: &str) -> Result<Option<Rc<LoadedConfig>>, ConfigError> {
        if let Some(hit) = self.cache.get(config_path) {
            return Ok(hit.clone());
        }
        let loaded = match self.file(config_path) {
            Some(file) if file.is_file() => Some(Rc::new(read_config(&file, config_path)?)),
            _ => None,
        };
        self.cache.insert(config_path.to_string(), loaded.clone());
        Ok(loaded)
    }
}

fn read_config(file: &Path, config_path: &str) -> Result<LoadedConfig, ConfigError> {
    let text = std::fs::read_to_string(file).map_err(|e| ConfigError::Io {
        path: file.display().to_string(),
        reason: e.to_string(),
    })?;
    let source = file.display().to_string();
    let mut content = match parse_yaml_str(&text, &source)? {
        Value::Map(m) => m,
        Value::Null => Map::new(),
        other => {
            return Err(ConfigError::InvalidConfig {
                file: source,
                reason: format!(
                    "the top level must be a mapping of keys, not {}",
                    other.type_name()
                ),
            });
        }
    };
    let defaults = match content.remove("defaults") {
        None => Vec::new(),
        Some(list) => crate::defaults::parse_defaults(&list, config_path)?,
    };
    let package_header = package_header(&text);
    if let Some(p) = &package_header {
        crate::defaults::check_package_depth(p, &source, "the '# @package' header")?;
    }
    Ok(LoadedConfig {
        content,
        defaults,
        package_header,
    })
}

/// The `# @package <pkg>` directive among the comment lines at the top of a file.
fn package_header(text: &str) -> Option<String> {
    let mut package = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(comment) = line.strip_prefix('#') else {
            break;
        };
        let mut words = comment.split_whitespace();
        if words.next() == Some("@package")
            && let (Some(pkg), None) = (words.next(), words.next())
        {
            package = Some(pkg.to_string());
        }
    }
    package
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_header_is_read_from_leading_comments_only() {
        assert_eq!(
            package_header("# @package _global_\na: 1\n").as_deref(),
            Some("_global_")
        );
        assert_eq!(
            package_header("\n# hello\n#   @package  foo.bar \na: 1\n").as_deref(),
            Some("foo.bar")
        );
        assert_eq!(package_header("a: 1\n# @package x\n"), None);
    }
}
