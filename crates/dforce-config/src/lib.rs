//! Hydra 1.3 / OmegaConf configuration composition in Rust, without Python.
//!
//! The reference implementation is configured by Hydra: a `configs/` tree of YAML files
//! with defaults lists, selected and overridden from the command line
//! (`algorithm=df_planning algorithm.guidance_scale=3 +name=run`). Users copy those command
//! lines, and saved runs carry Hydra-style `config.yaml` files, so this crate reproduces
//! Hydra's behaviour rather than inventing a config format:
//!
//! ```no_run
//! use std::path::Path;
//! let composed = dforce_config::compose(
//!     Path::new("configs"),
//!     &["algorithm=df_planning".to_string(), "+name=test".to_string()],
//! )?;
//! let cfg = composed.job.resolved()?;
//! let lr = cfg.get_f64("algorithm.lr")?;
//! print!("{}", cfg.to_yaml());
//! # Ok::<(), dforce_config::ConfigError>(())
//! ```
//!
//! Module map: `value`/`map` (the tree; `map` keeps OmegaConf's int, float and bool keys),
//! `bigint` (Python ints wider than 64 bits), `yaml`/`yaml_scalar` (loading with OmegaConf's
//! YAML 1.1 typing), `override_parser` (Hydra's override grammar), `defaults` (defaults
//! lists), `merge`/`apply` (merging files and applying overrides), `interpolation`
//! (`${...}`), `strftime` (Hydra's `now` resolver, as glibc formats it), `emit` (YAML
//! output), `access` (typed getters), `suggest` (did-you-mean), `compose` (the pipeline),
//! `repo`/`searchpath` (config directories, `hydra.searchpath`), `hydra` (the separated
//! `hydra.*` settings), `hydra_schema` (their `HydraConf` types), `run_mode` (the
//! `hydra.mode` enum).

mod access;
mod apply;
mod bigint;
mod compose;
mod defaults;
mod emit;
mod error;
mod hydra;
mod hydra_schema;
mod interpolation;
mod map;
mod merge;
mod override_functions;
mod override_parser;
mod path;
mod py_digits;
mod pyfmt;
mod repo;
mod run_mode;
mod searchpath;
mod serialize;
mod show;
mod strftime;
#[cfg(test)]
mod strftime_table;
mod suggest;
mod value;
mod yaml;
mod yaml_scalar;

pub use bigint::BigInt;
pub use compose::{Composed, PRIMARY_CONFIG, compose, compose_named, compose_with};
pub use error::ConfigError;
pub use hydra::{DEFAULT_JOB_NAME, HydraRun};
pub use map::Map;
pub use override_parser::{Override, OverrideKind, parse_override};
pub use pyfmt::py_str;
pub use show::CfgPart;
pub use suggest::{DidYouMean, closest};
pub use value::Value;
pub use yaml::parse_yaml_str;
