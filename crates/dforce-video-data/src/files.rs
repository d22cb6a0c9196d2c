//! Finding a split's `.npz` files the way the reference does: the recursive glob `**/*.npz`,
//! sorted by file name only (not by full path). `metadata.json` lists lengths in that order.

use std::path::{Path, PathBuf};

use crate::error::VideoDataError;

/// All `*.npz` files under `dir` (recursively), sorted by file name. Equal names in different
/// folders (which the reference leaves in directory-listing order, i.e. filesystem-dependent) are
/// ordered by full path so the order is reproducible. A missing `dir` gives an empty list.
/// Symlinked directories are not followed (no cycles); symlinked files are.
pub fn find_npz_files(dir: &Path) -> Result<Vec<PathBuf>, VideoDataError> {
    let mut out = Vec::new();
    if dir.is_dir() {
        walk(dir, &mut out)?;
    }
    out.sort_by(|a, b| a.file_name().cmp(&b.file_name()).then_with(|| a.cmp(b)));
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), VideoDataError> {
    let entries = std::fs::read_dir(dir).map_err(VideoDataError::io(dir))?;
    for entry in entries {
        let entry = entry.map_err(VideoDataError::io(dir))?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(VideoDataError::io(&path))?;
        if file_type.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "npz") && path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}
