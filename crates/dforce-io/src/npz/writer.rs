//! Writing `.npz` archives (a zip of `.npy` members) that numpy's `np.load` reads, as numpy's
//! `savez` (stored) or `savez_compressed` (deflate) would write them.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::npy::encode_npy_header;
use crate::atomic::AtomicFile;
use crate::error::NpzError;

/// An element type that `.npy` can hold, with its little-endian dtype string.
pub trait NpyElement: Copy {
    /// The numpy dtype string (`|u1`, `<i8`, …).
    const DESCR: &'static str;
    /// Appends `values` in little-endian byte order.
    fn extend_le(values: &[Self], out: &mut Vec<u8>);
}

macro_rules! npy_element {
    ($t:ty, $descr:literal) => {
        impl NpyElement for $t {
            const DESCR: &'static str = $descr;
            fn extend_le(values: &[Self], out: &mut Vec<u8>) {
                out.reserve(std::mem::size_of_val(values));
                for v in values {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
    };
}

npy_element!(u8, "|u1");
npy_element!(i8, "|i1");
npy_element!(u16, "<u2");
npy_element!(i16, "<i2");
npy_element!(u32, "<u4");
npy_element!(i32, "<i4");
npy_element!(u64, "<u8");
npy_element!(i64, "<i8");
npy_element!(f32, "<f4");
npy_element!(f64, "<f8");

/// How members are stored in the zip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NpzCompression {
    /// No compression (`np.savez`): fastest to write and to slice.
    Stored,
    /// Deflate at `level` 0–9 (`np.savez_compressed` uses zlib's default, 6).
    Deflate {
        /// zlib compression level.
        level: u32,
    },
}

/// Writes an `.npz` file. The archive is written to a hidden temporary sibling
/// ([`crate::atomic`]) and synced and renamed into place by [`NpzWriter::finish`], so an
/// interrupted writer never leaves a truncated file under a name that a `**/*.npz` glob would
/// pick up; a writer dropped unfinished removes its temporary file. Timestamps are fixed, so
/// equal inputs give identical bytes.
pub struct NpzWriter {
    path: PathBuf,
    zip: Option<ZipWriter<BufWriter<AtomicFile>>>,
    options: SimpleFileOptions,
}

impl std::fmt::Debug for NpzWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpzWriter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl NpzWriter {
    /// Starts writing `path` (parent directories must exist).
    pub fn create(path: impl AsRef<Path>, compression: NpzCompression) -> Result<Self, NpzError> {
        let path = path.as_ref().to_path_buf();
        let file = AtomicFile::create(&path).map_err(|source| NpzError::Io {
            path: path.clone(),
            source,
        })?;
        let options = SimpleFileOptions::default()
            .last_modified_time(DateTime::default())
            .large_file(true);
        let options = match compression {
            NpzCompression::Stored => options.compression_method(CompressionMethod::Stored),
            NpzCompression::Deflate { level } => options
                .compression_method(CompressionMethod::Deflated)
                .compression_level(Some(i64::from(level.min(9)))),
        };
        Ok(Self {
            path,
            zip: Some(ZipWriter::new(BufWriter::new(file))),
            options,
        })
    }

    fn write_error(&self, reason: impl std::fmt::Display) -> NpzError {
        NpzError::Write {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    /// Adds array `key` with `shape` (C order); `data.len()` must equal the shape's product.
    pub fn add<T: NpyElement>(
        &mut self,
        key: &str,
        shape: &[usize],
        data: &[T],
    ) -> Result<(), NpzError> {
        let count = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        if count != Some(data.len()) {
            return Err(self.write_error(format!(
                "array {key:?}: shape {shape:?} does not match {} elements",
                data.len()
            )));
        }
        let mut bytes = encode_npy_header(T::DESCR, shape);
        T::extend_le(data, &mut bytes);
        let options = self.options;
        // Invariant: create() sets `zip`; only finish(self), which consumes the writer, takes it.
        let zip = self.zip.as_mut().expect("zip is present until finish");
        let result = zip
            .start_file(format!("{key}.npy"), options)
            .map_err(|e| e.to_string())
            .and_then(|()| zip.write_all(&bytes).map_err(|e| e.to_string()));
        result.map_err(|e| self.write_error(format!("array {key:?}: {e}")))
    }

    /// Completes the archive, syncs it to disk and moves it to its final name.
    pub fn finish(mut self) -> Result<PathBuf, NpzError> {
        // Invariant: create() sets `zip` and nothing else takes it before this consuming call.
        let zip = self.zip.take().expect("zip is present until finish");
        let writer = zip.finish().map_err(|e| self.write_error(e))?;
        let file = writer
            .into_inner()
            .map_err(|e| self.write_error(e.into_error()))?;
        file.commit().map_err(|source| NpzError::Io {
            path: self.path.clone(),
            source,
        })?;
        Ok(self.path.clone())
    }
}
