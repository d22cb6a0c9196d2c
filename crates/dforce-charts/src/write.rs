//! Atomic file output: a temporary file in the destination's folder, flushed, then renamed.

use std::path::Path;

use crate::ChartError;

/// Writes `bytes` to `path` so that a reader sees either the old file or the complete new one.
///
/// Through `dforce_io::atomic` (the project's one atomic write): the bytes go to a temporary
/// sibling file, are synced to disk, and the file is renamed over `path`. On any failure the
/// temporary file is removed.
///
/// # Errors
/// [`ChartError::Io`] if `path` has no file name, its folder does not exist or is not writable,
/// or the rename fails.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ChartError> {
    let io_err = |source| ChartError::Io {
        path: path.to_path_buf(),
        source,
    };
    if path.file_name().is_none() {
        return Err(io_err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path names no file (expected e.g. `out/chart.png`)",
        )));
    }
    dforce_io::atomic::write_bytes_atomic(path, bytes).map_err(io_err)?;
    Ok(())
}
