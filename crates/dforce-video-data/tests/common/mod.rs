//! Shared test helpers: the committed fixtures, copied to a scratch directory so tests may write
//! `metadata.json` or damage files.
#![allow(dead_code)]

use std::path::PathBuf;

/// `tests/fixtures/video` at the repository root.
pub fn fixtures() -> PathBuf {
    dforce_fixtures::video_fixtures()
}

/// A scratch copy of fixture dataset `name` (`dmlab` or `minecraft`); the directory lives as long
/// as the returned guard.
pub fn scratch_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    dforce_fixtures::video_dataset_copy(name).unwrap()
}

/// The pixel pattern `make_fixtures.py` wrote: video `v`, frame `t`, row `y`, column `x`,
/// channel `c`.
pub fn pattern(v: usize, t: usize, y: usize, x: usize, c: usize) -> u8 {
    ((17 * v + 5 * t + 3 * x + 7 * y + 60 * c) % 256) as u8
}
