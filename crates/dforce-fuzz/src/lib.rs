//! Fuzz targets for every reader of untrusted input in dforce, in one place for two drivers:
//!
//! - `fuzz/` (cargo-fuzz, nightly): each libFuzzer target is one line calling a function of
//!   [`targets`]; that is how the long local runs (≥ 10⁶ inputs per target) are made.
//! - the `dforce-fuzz` binary of this crate (stable Rust): replays the committed corpus
//!   (`fuzz/corpus/<target>/`) through the same functions and then mutates corpus inputs with
//!   edits drawn by proptest for a bounded time ([`runner`]); CI runs it for about a minute.
//!
//! A target fails on a panic, on a hang (no progress for [`runner::HANG_SECS`] seconds), or on
//! a single allocation larger than [`alloc::budget_for`] allows for the input's size (an
//! allocation sized from a file header that was never compared with the file). Errors returned
//! by the readers are the expected outcome for malformed input and are ignored.

pub mod alloc;
pub mod runner;
pub mod targets;

pub use targets::{TARGETS, Target, target};

use std::path::PathBuf;

/// The repository's `fuzz/` folder (committed corpus, dictionaries).
pub fn fuzz_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz"))
}

/// The committed corpus of `target`: `fuzz/corpus/<target>/`.
pub fn corpus_dir(target: &str) -> PathBuf {
    fuzz_dir().join("corpus").join(target)
}

/// The repository's `configs/` tree, which the composer target composes from.
pub fn configs_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../configs"))
}
