//! `hydra.searchpath`: more config directories, searched after the main one.
//!
//! As Hydra 1.3's `ConfigLoaderImpl._process_config_searchpath`
//! (`hydra/_internal/config_loader_impl.py`) does before composing: the search path is the
//! value of the first command-line override `hydra.searchpath=...` (Hydra matches the key
//! element with its prefix, so `+hydra.searchpath=` and `++hydra.searchpath=` are not used
//! for lookup; nor is `hydra.searchpath=null`) or, without one, the
//! primary config's `hydra.searchpath` (a group config's is not read); it must be a list of
//! strings; each entry is a config source appended after the main config directory, in order.
//! A `file://DIR` entry (or a bare path) is a directory, relative to the current directory as
//! Hydra opens it; one that does not exist is never hit, as in Hydra. `pkg://` entries name
//! Python packages, which dforce does not have: they are refused, as are other schemes
//! (Hydra fails on schemes it has no source for).

use std::path::PathBuf;

use crate::error::ConfigError;
use crate::override_parser::{Override, OverrideKind};
use crate::pyfmt;
use crate::repo::Repo;
use crate::value::Value;

/// Adds the `hydra.searchpath` directories to `repo` (before anything is composed).
pub(crate) fn add_search_dirs(
    repo: &mut Repo,
    config_name: &str,
    overrides: &[Override],
) -> Result<Vec<ConfigSource>, ConfigError> {
    let from_command_line = overrides
        .iter()
        .find(|o| o.key == "hydra.searchpath" && o.kind == OverrideKind::Change)
        // `hydra.searchpath=null` is no override there (`override is not None`).
        .filter(|o| !matches!(o.value, None | Some(Value::Null)));
    let (value, refuse): (Value, Box<dyn Fn(String) -> ConfigError>) = match from_command_line {
        Some(o) => {
            let input = pyfmt::one_line(&o.input);
            (
                o.value.clone().unwrap_or(Value::Null),
                Box::new(move |reason| ConfigError::UnsupportedOverride {
                    input: input.clone(),
                    reason,
                }),
            )
        }
        None => {
            let primary = repo.load(config_name)?;
            let value = primary
                .as_ref()
                .and_then(|p| p.content.get("hydra"))
                .and_then(|h| h.child("searchpath"))
                .cloned()
                .unwrap_or(Value::Null);
            let file = config_name.to_string();
            (
                value,
                Box::new(move |reason| ConfigError::InvalidConfig {
                    file: file.clone(),
                    reason: format!("its hydra.searchpath: {reason}"),
                }),
            )
        }
    };
    let entries = match &value {
        Value::Null => return Ok(Vec::new()),
        Value::List(items) if items.iter().all(|i| matches!(i, Value::String(_))) => items,
        other => {
            return Err(refuse(format!(
                "hydra.searchpath must be a list of strings. Got: {} (e.g. hydra.searchpath=[file://more_configs])",
                pyfmt::py_str(other)
            )));
        }
    };
    // Hydra names where each entry came from: the command line, or the primary config
    // (always "main", whatever its name; checked with Hydra 1.3.2).
    let provider = if from_command_line.is_some() {
        "hydra.searchpath in command-line"
    } else {
        "hydra.searchpath in main"
    };
    let mut sources = Vec::new();
    for entry in entries {
        let Value::String(entry) = entry else {
            continue;
        };
        let dir = search_dir(entry).map_err(&refuse)?;
        sources.push(ConfigSource {
            path: dir.display().to_string(),
            provider,
        });
        repo.add_search_dir(dir);
    }
    Ok(sources)
}

/// One added config directory (`--config-dir` or `hydra.searchpath`) as
/// `hydra.runtime.config_sources` lists it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConfigSource {
    /// The directory as written, without `file://`.
    pub path: String,
    /// `command-line` (`--config-dir`), `hydra.searchpath in command-line` or
    /// `hydra.searchpath in main`.
    pub provider: &'static str,
}

/// The directory a search path entry names.
fn search_dir(entry: &str) -> Result<PathBuf, String> {
    if crate::interpolation::has_interpolation(entry) {
        return Err(format!(
            "'{entry}' contains an interpolation, which dforce does not resolve in hydra.searchpath; write the directory out"
        ));
    }
    let path = match entry.find("://") {
        None => entry,
        Some(i) => match &entry[..i] {
            "file" => &entry[i + 3..],
            "pkg" => {
                return Err(format!(
                    "'{entry}' names a Python package's configs, and dforce has no Python packages; copy them into a directory and use file://DIR"
                ));
            }
            scheme => {
                return Err(format!(
                    "'{entry}' has the scheme '{scheme}://', which names no config source; use file://DIR"
                ));
            }
        },
    };
    Ok(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_name_directories_like_hydra() {
        assert_eq!(search_dir("file://a/b").unwrap(), PathBuf::from("a/b"));
        assert_eq!(search_dir("file:///abs").unwrap(), PathBuf::from("/abs"));
        assert_eq!(search_dir("rel").unwrap(), PathBuf::from("rel"));
        assert!(
            search_dir("pkg://x.conf")
                .unwrap_err()
                .contains("Python package")
        );
        assert!(search_dir("s3://b").unwrap_err().contains("s3://"));
        assert!(
            search_dir("file://${x}")
                .unwrap_err()
                .contains("interpolation")
        );
    }
}
