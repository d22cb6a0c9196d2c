//! Writing HDF5 files that h5py and libhdf5 read, through `hdf5-writer` (pure Rust, the
//! sibling of the `hdf5-reader` this crate reads with; its output is validated against libhdf5
//! by its authors, and `scripts/check_maze2d_data.py` reads ours with h5py in CI).
//!
//! Datasets are contiguous and uncompressed, as D4RL's loaders read them; groups are implied by
//! `/` in a dataset's key.

use std::collections::BTreeMap;
use std::path::Path;

use hdf5_writer::{DatasetBuilder, Hdf5Builder, WriteOptions};

use super::datatype::DType;
use crate::atomic::write_bytes_atomic;
use crate::error::Hdf5Error;

/// An element buffer and its type and shape, kept until [`H5Writer::to_bytes`].
#[derive(Debug, Clone)]
struct Member {
    dtype: DType,
    shape: Vec<usize>,
    data: Vec<u8>,
}

/// A tree of groups and datasets built in memory, serialised by [`H5Writer::to_bytes`].
///
/// Keys are dataset paths such as `observations` or `infos/goal`; every group on a path is
/// created. A key that is taken, or that would put a dataset where a group is (or the other way
/// round), is refused when it is added.
#[derive(Debug, Clone, Default)]
pub struct H5Writer {
    members: BTreeMap<String, Member>,
}

fn invalid(key: &str, reason: impl Into<String>) -> Hdf5Error {
    Hdf5Error::InvalidInput {
        key: key.to_owned(),
        reason: reason.into(),
    }
}

impl H5Writer {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a dataset at `key` (`a/b` creates group `a`). `data` holds the elements in C order,
    /// each in `dtype`'s byte order; its length must be `shape`'s product times the element size.
    ///
    /// # Errors
    /// [`Hdf5Error::InvalidInput`] for a byte count that does not fill `shape`, an empty path
    /// component or a NUL in the key, a key already taken, or a dataset and a group at one path.
    pub fn add_raw(
        &mut self,
        key: &str,
        dtype: DType,
        shape: &[usize],
        data: Vec<u8>,
    ) -> Result<(), Hdf5Error> {
        let count = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        if count.and_then(|n| n.checked_mul(dtype.size())) != Some(data.len()) {
            return Err(invalid(
                key,
                format!("{} bytes do not fill shape {shape:?}", data.len()),
            ));
        }
        if key.split('/').any(|p| p.is_empty() || p.contains('\0')) {
            return Err(invalid(key, "empty path component or NUL in name"));
        }
        if self.members.contains_key(key) {
            return Err(invalid(key, "already exists"));
        }
        let below = |outer: &str, inner: &str| {
            inner.len() > outer.len()
                && inner.starts_with(outer)
                && inner.as_bytes()[outer.len()] == b'/'
        };
        if let Some(other) = self.members.keys().find(|k| below(k, key) || below(key, k)) {
            return Err(invalid(
                key,
                format!("{other:?} needs this path to be both a group and a dataset"),
            ));
        }
        self.members.insert(
            key.to_owned(),
            Member {
                dtype,
                shape: shape.to_vec(),
                data,
            },
        );
        Ok(())
    }

    /// Adds an `f32` dataset.
    pub fn add_f32(&mut self, key: &str, shape: &[usize], data: &[f32]) -> Result<(), Hdf5Error> {
        self.add_raw(
            key,
            DType::F32,
            shape,
            data.iter().flat_map(|x| x.to_le_bytes()).collect(),
        )
    }

    /// Adds an `f64` dataset.
    pub fn add_f64(&mut self, key: &str, shape: &[usize], data: &[f64]) -> Result<(), Hdf5Error> {
        self.add_raw(
            key,
            DType::F64,
            shape,
            data.iter().flat_map(|x| x.to_le_bytes()).collect(),
        )
    }

    /// Adds a bool dataset (h5py's enum encoding, read back as numpy `bool`).
    pub fn add_bool(&mut self, key: &str, shape: &[usize], data: &[bool]) -> Result<(), Hdf5Error> {
        self.add_raw(
            key,
            DType::Bool,
            shape,
            data.iter().map(|&b| u8::from(b)).collect(),
        )
    }

    /// Serialises the file.
    ///
    /// # Errors
    /// [`Hdf5Error::Encode`] when `hdf5-writer` refuses the tree: it writes little-endian files
    /// of 4- and 8-byte floats, integers and enums, so a `float16` or big-endian dataset fails.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Hdf5Error> {
        let mut file = Hdf5Builder::new();
        for (key, m) in &self.members {
            let shape: Vec<u64> = m.shape.iter().map(|&d| d as u64).collect();
            file = file.dataset(
                DatasetBuilder::new(key.as_str(), m.dtype.to_hdf5(), shape).raw_data(&m.data[..]),
            );
        }
        let encoded = file
            .into_plan()
            .and_then(|plan| plan.encode(WriteOptions::default()));
        encoded.map_err(|source| Hdf5Error::Encode { source })
    }

    /// Writes the file to `path` atomically ([`crate::atomic`]: a temporary sibling, synced and
    /// renamed into place), so an interrupted write never leaves half a file under `path`.
    ///
    /// # Errors
    /// As [`H5Writer::to_bytes`], and [`Hdf5Error::Io`] when the file cannot be written.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<(), Hdf5Error> {
        let path = path.as_ref();
        let bytes = self.to_bytes()?;
        write_bytes_atomic(path, &bytes).map_err(|source| Hdf5Error::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}
