//! Atomic file writes: the content goes to a temporary file in the destination's directory,
//! named `.{name}.tmp-{pid}-{counter}`, is flushed and synced to disk (`sync_all`), and is then
//! renamed onto the destination; on unix the directory is synced too, so the rename itself
//! survives a crash. Readers see either the old file or the complete new one, never half of
//! one. On any error, or when an [`AtomicFile`] is dropped without [`AtomicFile::commit`], the
//! temporary file is removed and the destination is left as it was.
//!
//! The temporary name starts with a dot (hidden, and not matched by globs such as `*.npz`) and
//! holds the process id and a per-process counter, so concurrent writers of the same file (in
//! one process or several) never share a temporary file; the last rename wins. A process killed
//! mid-write can leave a temporary file behind: [`is_temp_name`] recognises those names, for
//! clean-up.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The marker between the destination's name and the process id in a temporary name.
pub const TEMP_MARKER: &str = ".tmp-";

/// Distinguishes the temporary files of one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Whether `file_name` (a bare name, no directory) is a temporary name of this module
/// (`.{name}.tmp-{pid}-{counter}`), e.g. one left by a process killed while writing.
pub fn is_temp_name(file_name: &str) -> bool {
    file_name.starts_with('.') && file_name.contains(TEMP_MARKER)
}

/// The next temporary sibling of `path`: `.{name}.tmp-{pid}-{counter}` in `path`'s directory.
///
/// # Errors
///
/// [`io::ErrorKind::InvalidInput`] when `path` has no file name (`/`, `..`, empty).
pub fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} does not name a file", path.display()),
        )
    })?;
    let mut tmp = std::ffi::OsString::from(".");
    tmp.push(name);
    tmp.push(format!(
        "{TEMP_MARKER}{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    Ok(path.with_file_name(tmp))
}

/// A file being written atomically: writes go to a temporary sibling of the destination,
/// [`AtomicFile::commit`] syncs it and renames it into place. Dropping it uncommitted removes
/// the temporary file. Implements [`Write`] and [`Seek`] (unbuffered: wrap it in a
/// [`BufWriter`] for many small writes).
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: File,
    committed: bool,
}

impl AtomicFile {
    /// Creates the temporary file for `path` (its directory must exist; nothing is created).
    ///
    /// # Errors
    ///
    /// `path` has no file name, or the temporary file cannot be created (missing directory,
    /// permissions).
    pub fn create(path: impl AsRef<Path>) -> io::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let tmp = temp_path(&path)?;
        let file = File::create(&tmp)?;
        Ok(Self {
            path,
            tmp,
            file,
            committed: false,
        })
    }

    /// The destination.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary file being written.
    pub fn temp_path(&self) -> &Path {
        &self.tmp
    }

    /// Syncs the temporary file to disk, renames it onto the destination (replacing an
    /// existing file) and, on unix, syncs the directory (best effort: some file systems refuse
    /// to sync a directory, and the data itself is already on disk).
    ///
    /// # Errors
    ///
    /// Syncing or renaming failed; the temporary file is then removed and the destination is
    /// unchanged.
    pub fn commit(mut self) -> io::Result<()> {
        self.file.sync_all()?;
        std::fs::rename(&self.tmp, &self.path)?;
        self.committed = true;
        #[cfg(unix)]
        {
            let dir = self
                .path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Seek for AtomicFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.file.seek(pos)
    }
}

impl Drop for AtomicFile {
    /// An uncommitted (abandoned or failed) write removes its temporary file.
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `path` atomically with `write`, which gets a buffered writer on the temporary file;
/// returns what `write` returns. The directory must exist.
///
/// # Errors
///
/// The temporary file cannot be created, `write` fails (its error is returned as is), or
/// flushing, syncing or renaming fails. In every error case the temporary file is removed and
/// `path` is unchanged.
pub fn write_atomic<T>(
    path: impl AsRef<Path>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<T>,
) -> io::Result<T> {
    let mut w = BufWriter::new(AtomicFile::create(path)?);
    let value = write(&mut w)?;
    w.into_inner()
        .map_err(io::IntoInnerError::into_error)?
        .commit()?;
    Ok(value)
}

/// Writes `bytes` to `path` atomically (see [`write_atomic`]). The directory must exist.
///
/// # Errors
///
/// As [`write_atomic`]; `path` is then unchanged and no temporary file remains.
pub fn write_bytes_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh empty directory under the system temp dir.
    fn scratch(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "dforce-io-atomic-{}-{tag}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn file_appears_whole_and_no_temp_file_remains() {
        let dir = scratch("whole");
        let path = dir.join("out.bin");
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let n = write_atomic(&path, |w| {
            for chunk in data.chunks(1000) {
                w.write_all(chunk)?;
            }
            Ok(data.len())
        })
        .unwrap();
        assert_eq!(n, data.len());
        assert_eq!(std::fs::read(&path).unwrap(), data);
        assert_eq!(names(&dir), ["out.bin"]);
        write_bytes_atomic(dir.join("b.txt"), b"hello").unwrap();
        assert_eq!(std::fs::read(dir.join("b.txt")).unwrap(), b"hello");
        assert_eq!(names(&dir), ["b.txt", "out.bin"]);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn existing_file_is_replaced() {
        let dir = scratch("replace");
        let path = dir.join("f.json");
        std::fs::write(&path, b"old content, longer than the new").unwrap();
        write_bytes_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(names(&dir), ["f.json"]);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn failing_writer_leaves_the_old_file_and_no_temp_file() {
        let dir = scratch("fail");
        let path = dir.join("keep.txt");
        std::fs::write(&path, b"old").unwrap();
        let err = write_atomic(&path, |w| {
            w.write_all(b"partial")?;
            w.flush()?;
            Err::<(), _>(io::Error::other("writer gave up"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "writer gave up");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(names(&dir), ["keep.txt"]);
        // The same for a new file: nothing appears at all.
        let new = dir.join("new.txt");
        assert!(write_atomic(&new, |_| Err::<(), _>(io::Error::other("no"))).is_err());
        assert_eq!(names(&dir), ["keep.txt"]);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn abandoned_atomic_file_is_removed_and_seek_works() {
        let dir = scratch("drop");
        let path = dir.join("x.bin");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"abcdef").unwrap();
        assert!(f.temp_path().exists());
        drop(f);
        assert!(names(&dir).is_empty());
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"abcdef").unwrap();
        f.seek(SeekFrom::Start(1)).unwrap();
        f.write_all(b"X").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"aXcdef");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn temp_names_are_hidden_distinct_and_recognised() {
        let a = temp_path(Path::new("dir/ckpt.safetensors")).unwrap();
        let b = temp_path(Path::new("dir/ckpt.safetensors")).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.parent(), Some(Path::new("dir")));
        let name = a.file_name().unwrap().to_str().unwrap();
        let prefix = format!(".ckpt.safetensors.tmp-{}-", std::process::id());
        assert!(name.starts_with(&prefix), "{name}");
        assert!(name[prefix.len()..].parse::<u64>().is_ok(), "{name}");
        assert!(is_temp_name(name));
        assert!(!is_temp_name("ckpt.safetensors"));
        assert!(!is_temp_name("ckpt.tmp-1-2"), "not hidden");
        let err = AtomicFile::create("/").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(
            AtomicFile::create(Path::new("/nonexistent-dforce-dir/x")).is_err(),
            "missing directory"
        );
    }
}
