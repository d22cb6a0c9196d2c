//! Shared test helpers: the committed fixtures, copied to a scratch directory so tests may write
//! `metadata.json` or damage files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `tests/fixtures/video` at the repository root.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/video")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// A scratch copy of fixture dataset `name` (`dmlab` or `minecraft`); the directory lives as long
/// as the returned guard.
pub fn scratch_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(name);
    copy_tree(&fixtures().join(name), &root);
    (dir, root)
}

/// The pixel pattern `make_fixtures.py` wrote: video `v`, frame `t`, row `y`, column `x`,
/// channel `c`.
pub fn pattern(v: usize, t: usize, y: usize, x: usize, c: usize) -> u8 {
    ((17 * v + 5 * t + 3 * x + 7 * y + 60 * c) % 256) as u8
}
