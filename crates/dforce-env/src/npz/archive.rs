//! `.npz` access: a zip archive (stored or deflated) of `.npy` members, one per array key.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use zip::ZipArchive;

use super::npy::{NpyArray, parse_npy};
use crate::error::NpzError;

/// An open `.npz` file.
pub struct NpzFile {
    path: PathBuf,
    archive: ZipArchive<BufReader<File>>,
}

impl std::fmt::Debug for NpzFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpzFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl NpzFile {
    /// Opens `path` and reads its zip directory.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, NpzError> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|source| NpzError::Io {
            path: path.clone(),
            source,
        })?;
        let archive = ZipArchive::new(BufReader::new(file)).map_err(|source| NpzError::Zip {
            path: path.clone(),
            source,
        })?;
        Ok(Self { path, archive })
    }

    /// The file this was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Array keys (member names without the `.npy` suffix), in archive order.
    pub fn keys(&self) -> Vec<String> {
        self.archive
            .file_names()
            .filter_map(Result::ok)
            .filter_map(|n| n.strip_suffix(".npy").map(str::to_owned))
            .collect()
    }

    /// Reads and parses the array `key`.
    pub fn array(&mut self, key: &str) -> Result<NpyArray, NpzError> {
        let name = format!("{key}.npy");
        let mut member = match self.archive.by_name(&name) {
            Ok(m) => m,
            Err(zip::result::ZipError::FileNotFound) => {
                return Err(NpzError::MissingKey {
                    path: self.path.clone(),
                    key: key.to_owned(),
                });
            }
            Err(source) => {
                return Err(NpzError::Zip {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let mut bytes =
            Vec::with_capacity(usize::try_from(member.size()).unwrap_or(0).min(1 << 30));
        member
            .read_to_end(&mut bytes)
            .map_err(|e| NpzError::BadArray {
                path: self.path.clone(),
                key: key.to_owned(),
                reason: format!("cannot decompress member: {e}"),
            })?;
        parse_npy(&bytes).map_err(|reason| NpzError::BadArray {
            path: self.path.clone(),
            key: key.to_owned(),
            reason,
        })
    }

    /// Reads a 2-D numeric array with exactly `cols` columns as rows of `f64`.
    pub fn matrix_f64<const C: usize>(&mut self, key: &str) -> Result<Vec<[f64; C]>, NpzError> {
        let arr = self.array(key)?;
        let bad = |reason: String| NpzError::BadArray {
            path: self.path.clone(),
            key: key.to_owned(),
            reason,
        };
        if arr.shape.len() != 2 || arr.shape[1] != C {
            return Err(bad(format!(
                "expected shape (N, {C}), found {:?}",
                arr.shape
            )));
        }
        let flat = arr
            .to_f64()
            .ok_or_else(|| bad("expected a numeric array".into()))?;
        Ok(flat
            .chunks_exact(C)
            .map(|c| {
                let mut row = [0.0; C];
                row.copy_from_slice(c);
                row
            })
            .collect())
    }

    /// Reads a scalar unicode string array.
    pub fn scalar_str(&mut self, key: &str) -> Result<String, NpzError> {
        let arr = self.array(key)?;
        arr.as_scalar_str()
            .map(str::to_owned)
            .ok_or_else(|| NpzError::BadArray {
                path: self.path.clone(),
                key: key.to_owned(),
                reason: "expected a scalar unicode string".into(),
            })
    }
}
