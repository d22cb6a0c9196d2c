//! Atomic file output: a temporary file in the destination's folder, flushed, then renamed.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::ChartError;

/// Writes `bytes` to `path` so that a reader sees either the old file or the complete new one.
///
/// The bytes go to a temporary file (`.dforce-chart-*.tmp`) in the same folder, are synced to
/// disk, and the file is renamed over `path`. The file gets the usual permissions of a new file
/// (0o666 less the umask on Unix). On any failure the temporary file is removed.
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
    let dir: PathBuf = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".dforce-chart-").suffix(".tmp");
    // Temporary files are owner-only (0o600) by default; a chart is an ordinary output file, so
    // ask for 0o666 and let the umask narrow it, as `File::create` does.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(&dir).map_err(io_err)?;
    tmp.write_all(bytes).map_err(io_err)?;
    tmp.as_file().sync_all().map_err(io_err)?;
    tmp.persist(path).map_err(|e| io_err(e.error))?;
    Ok(())
}
