//! Reading HDF5 files with the `hdf5-reader` crate (pure Rust): every superblock version,
//! old-style (symbol table) and new-style (link message, compact or dense) groups, every chunk
//! index (B-tree v1/v2, single chunk, implicit, fixed and extensible array), compact, contiguous
//! and chunked layouts, and the filters h5py writes: deflate (gzip), shuffle, fletcher32 and
//! h5py's own LZF (id 32000, registered here with `lzf-rust`). That is every file h5py writes
//! with any `libver` and `track_order` (checked by `tests/hdf5_h5py_matrix.rs` against h5py).
//! External links and virtual datasets (data kept in other files) are not read; a lookup that
//! meets one says so and how to store the data in the file (`tests/hdf5_links.rs`).
//! The whole file is read into memory; D4RL maze2d files are at most a few hundred MB.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use hdf5_reader::error::Error as ReaderError;
use hdf5_reader::{ExternalLinkResolver, FilterRegistry, Hdf5File, OpenOptions};

use super::datatype::DType;
use crate::error::Hdf5Error;

/// h5py's LZF filter id (registered with The HDF Group; h5py's `lzf_filter.h`).
const FILTER_LZF: u16 = 32000;

/// LZF's largest expansion: a 3-byte back reference copies at most 264 bytes (liblzf's format).
const LZF_MAX_EXPANSION: usize = 88;

/// Deflate's largest expansion (zlib's "technical details": 1032:1): no dataset holds more bytes
/// than this times the file's length (LZF expands less), unless it is made of never-written
/// chunks, which no D4RL writer produces. A forged shape must not cost gigabytes of memory.
const MAX_EXPANSION: usize = 1032;

/// Groups deeper than this are refused (a corrupt file's cycles; D4RL files are 2 deep).
const MAX_GROUP_DEPTH: usize = 32;

/// A dataset read into memory, elements in C order and native (little-endian) byte order.
#[derive(Debug, Clone, PartialEq)]
pub struct H5Dataset {
    /// Dimensions.
    pub shape: Vec<usize>,
    /// Element type.
    pub dtype: DType,
    /// `product(shape) · dtype.size()` bytes, little-endian.
    pub data: Vec<u8>,
}

impl H5Dataset {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the dataset has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Elements converted to `f64` (floats and integers; bools as 0/1).
    pub fn to_f64(&self) -> Vec<f64> {
        let d = &self.data;
        match self.dtype {
            DType::Float { size: 2, .. } => d
                .chunks_exact(2)
                .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f64())
                .collect(),
            DType::Float { size: 4, .. } => d
                .chunks_exact(4)
                .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                .collect(),
            DType::Float { .. } => d
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
            DType::Int { size, signed, .. } => d
                .chunks_exact(size)
                .map(|c| {
                    let mut b = [0u8; 8];
                    b[..size].copy_from_slice(c);
                    let raw = u64::from_le_bytes(b);
                    if signed {
                        let shift = 64 - 8 * size as u32;
                        (((raw << shift) as i64) >> shift) as f64
                    } else {
                        raw as f64
                    }
                })
                .collect(),
            DType::Bool => d.iter().map(|&b| f64::from(u8::from(b != 0))).collect(),
        }
    }

    /// Elements converted to `f32`.
    pub fn to_f32(&self) -> Vec<f32> {
        match self.dtype {
            DType::Float { size: 4, .. } => self
                .data
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            _ => self.to_f64().into_iter().map(|x| x as f32).collect(),
        }
    }

    /// Elements as booleans (non-zero is true).
    pub fn to_bool(&self) -> Vec<bool> {
        match self.dtype {
            DType::Bool | DType::Int { size: 1, .. } => self.data.iter().map(|&b| b != 0).collect(),
            _ => self.to_f64().into_iter().map(|x| x != 0.0).collect(),
        }
    }
}

/// HDF5's layout class of a virtual dataset (h5py's `create_virtual_dataset`), which
/// `hdf5-reader` does not read.
const LAYOUT_VIRTUAL: u8 = 3;

/// An "external link resolver" that follows nothing: it notes the files that external links
/// met by a lookup point into, so a dataset reached only through one is reported as such rather
/// than as absent. (Following them would open other files next to this one, with their own size
/// bounds; D4RL files hold their data, and h5py's `f.copy` makes any file do so.)
#[derive(Debug, Default)]
struct ExternalLinkLog(Mutex<Vec<String>>);

impl ExternalLinkLog {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl ExternalLinkResolver for ExternalLinkLog {
    fn resolve_external_link(
        &self,
        filename: &str,
    ) -> hdf5_reader::error::Result<Option<Hdf5File>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(filename.to_owned());
        Ok(None)
    }
}

/// An HDF5 file held in memory.
pub struct H5File {
    path: PathBuf,
    file: Hdf5File,
    /// The file's length in bytes (bounds what one read may allocate).
    len: usize,
    /// External links met since the last lookup.
    external_links: Arc<ExternalLinkLog>,
}

impl std::fmt::Debug for H5File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H5File")
            .field("path", &self.path)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// The filters `hdf5-reader` has built in (deflate, shuffle, fletcher32, …) plus h5py's LZF.
fn filters() -> FilterRegistry {
    let mut registry = FilterRegistry::new();
    registry.register(
        FILTER_LZF,
        Box::new(|filter, data, _element_size| {
            // h5py's lzf_filter.c stores the chunk's decoded size in client data slot 2.
            let decoded = filter.client_data.get(2).copied().unwrap_or(0) as usize;
            if decoded == 0 {
                return Err(ReaderError::FilterError(
                    "LZF without its decoded chunk size (client data slot 2)".into(),
                ));
            }
            // LZF expands at most 88-fold (a 3-byte back reference copies up to 264 bytes):
            // a larger decoded size is a forged header, refused before allocating it.
            if decoded
                > data
                    .len()
                    .saturating_mul(LZF_MAX_EXPANSION)
                    .saturating_add(8)
            {
                return Err(ReaderError::DecompressionError(format!(
                    "LZF chunk of {} bytes claims {decoded} decoded bytes (LZF expands at most \
                     {LZF_MAX_EXPANSION}-fold); the file is corrupt",
                    data.len()
                )));
            }
            lzf_rust::decompress_into_vec(data, decoded).map_err(|e| {
                ReaderError::DecompressionError(format!("LZF chunk does not decode: {e}"))
            })
        }),
    );
    registry
}

/// The error under `hdf5-reader`'s path contexts (this crate's errors name the file and key).
fn innermost(mut e: &ReaderError) -> &ReaderError {
    while let ReaderError::Context { source, .. } = e {
        e = source;
    }
    e
}

impl H5File {
    /// Reads `path` into memory and parses its superblock and root group.
    ///
    /// # Errors
    /// [`Hdf5Error::Io`] when the file cannot be read, [`Hdf5Error::Format`] when it is not
    /// HDF5 or its structure is corrupt.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Hdf5Error> {
        let path = path.as_ref().to_path_buf();
        let bytes = std::fs::read(&path).map_err(|source| Hdf5Error::Io {
            path: path.clone(),
            source,
        })?;
        Self::from_bytes(path, bytes)
    }

    /// Parses an in-memory image; `path` is only used in messages.
    ///
    /// # Errors
    /// [`Hdf5Error::Format`] when the image is not HDF5 or its superblock is corrupt.
    pub fn from_bytes(path: PathBuf, bytes: Vec<u8>) -> Result<Self, Hdf5Error> {
        let len = bytes.len();
        let most = len.saturating_mul(MAX_EXPANSION).max(1 << 20);
        let external_links = Arc::new(ExternalLinkLog::default());
        let options = OpenOptions::default()
            .with_external_link_resolver(external_links.clone())
            .with_filter_registry(filters())
            .with_max_read_bytes(most)
            .with_max_chunk_bytes(most.min(hdf5_reader::DEFAULT_MAX_CHUNK_BYTES));
        let format = |reason: String| Hdf5Error::Format {
            path: path.clone(),
            reason,
        };
        let file = Hdf5File::from_vec_with_options(bytes, options)
            .map_err(|e| format(innermost(&e).to_string()))?;
        // libhdf5 refuses a file shorter than its superblock's end-of-file address ("truncated
        // file"); so does this reader, at open rather than at the first read past the end.
        let eof = file.superblock().eof_address;
        if eof != u64::MAX && eof > len as u64 {
            return Err(format(format!(
                "truncated file: {len} bytes, the superblock says {eof}"
            )));
        }
        Ok(Self {
            path,
            file,
            len,
            external_links,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn format_err(&self, reason: String) -> Hdf5Error {
        Hdf5Error::Format {
            path: self.path.clone(),
            reason,
        }
    }

    /// Paths of every dataset in the file, sorted, e.g. `["actions", "infos/goal", …]`.
    /// Like h5py's `visititems` (HDF5's `H5Ovisit`), an object reachable through several links
    /// (hard links, or a corrupt file's cycles) is listed once, under the first path found.
    ///
    /// # Errors
    /// [`Hdf5Error::Format`] when a group cannot be read or groups nest deeper than 32.
    pub fn dataset_paths(&self) -> Result<Vec<String>, Hdf5Error> {
        let root = self
            .file
            .root_group()
            .map_err(|e| self.format_err(format!("root group: {e}")))?;
        let mut out = Vec::new();
        let mut seen = HashSet::from([root.address()]);
        let mut stack = vec![(String::new(), root, 0usize)];
        while let Some((prefix, group, depth)) = stack.pop() {
            if depth > MAX_GROUP_DEPTH {
                return Err(self.format_err("groups nested too deeply (cycle?)".into()));
            }
            let (groups, datasets) = group.members().map_err(|e| {
                let at = if prefix.is_empty() { "/" } else { &prefix };
                let hint = if matches!(
                    innermost(&e),
                    ReaderError::UnsupportedLayoutClass(LAYOUT_VIRTUAL)
                ) {
                    " (an HDF5 virtual dataset, which dforce does not read: store its data in \
                     this file)"
                } else {
                    ""
                };
                self.format_err(format!("group {at:?}: {e}{hint}"))
            })?;
            let join = |name: &str| {
                if prefix.is_empty() {
                    name.to_owned()
                } else {
                    format!("{prefix}/{name}")
                }
            };
            for ds in datasets {
                if seen.insert(ds.address()) {
                    out.push(join(ds.name()));
                }
            }
            for g in groups {
                if seen.insert(g.address()) {
                    stack.push((join(g.name()), g, depth + 1));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// Reads the dataset `key` (`a/b/c`, from the root) fully, converted to little-endian.
    ///
    /// # Errors
    /// [`Hdf5Error::MissingKey`] when no such dataset exists, [`Hdf5Error::BadDataset`] when it
    /// cannot be read: an element type other than numbers and bools, a filter other than
    /// deflate/shuffle/fletcher32/LZF/…, a corrupt chunk or checksum, or a size the file
    /// cannot hold.
    pub fn dataset(&self, key: &str) -> Result<H5Dataset, Hdf5Error> {
        let bad = |reason: String| Hdf5Error::BadDataset {
            path: self.path.clone(),
            key: key.to_owned(),
            reason,
        };
        let full = format!("/{}", key.trim_start_matches('/'));
        self.external_links.take();
        let found = self.file.dataset(&full);
        let external = self.external_links.take();
        let ds = match found {
            Ok(ds) => ds,
            Err(e) => {
                return Err(match innermost(&e) {
                    ReaderError::DatasetNotFound(_) | ReaderError::GroupNotFound(_)
                        if !external.is_empty() =>
                    {
                        bad(format!(
                            "it is reached through an HDF5 external link into {}, which \
                             dforce does not follow (h5py does); copy the data into this file \
                             (h5py: `del f[name]` then `f.copy(h5py.File(other)[path], f, name)`)",
                            external.join(", ")
                        ))
                    }
                    ReaderError::DatasetNotFound(_) | ReaderError::GroupNotFound(_) => {
                        Hdf5Error::MissingKey {
                            path: self.path.clone(),
                            key: key.to_owned(),
                        }
                    }
                    ReaderError::UnsupportedLayoutClass(LAYOUT_VIRTUAL) => bad(
                        "it is an HDF5 virtual dataset (a view of datasets in other files, h5py's \
                         create_virtual_dataset), which dforce does not read; store the data in \
                         this file (h5py: `data = f[name][()]; del f[name]; \
                         f.create_dataset(name, data=data)`)"
                            .into(),
                    ),
                    cause => bad(cause.to_string()),
                });
            }
        };
        let dtype = DType::from_hdf5(ds.dtype()).map_err(&bad)?;
        let shape = ds
            .shape()
            .iter()
            .map(|&d| usize::try_from(d).map_err(|_| bad(format!("dimension {d} out of range"))))
            .collect::<Result<Vec<_>, _>>()?;
        let elem = dtype.size();
        let total = shape
            .iter()
            .try_fold(elem, |a, &d| a.checked_mul(d))
            .ok_or_else(|| bad(format!("shape {shape:?} of {elem}-byte elements overflows")))?;
        let most = self.len.saturating_mul(MAX_EXPANSION);
        if total > most {
            return Err(bad(format!(
                "shape {shape:?} of {elem}-byte elements is {total} bytes, more than this {}-byte \
                 file can hold (even deflated, at most {most} bytes); the header is corrupt",
                self.len
            )));
        }
        let mut data = ds
            .read_raw_bytes()
            .map_err(|e| bad(innermost(&e).to_string()))?;
        if data.len() != total {
            return Err(bad(format!(
                "read {} bytes, the shape {shape:?} of {elem}-byte elements needs {total}",
                data.len()
            )));
        }
        if matches!(
            dtype,
            DType::Float {
                big_endian: true,
                ..
            } | DType::Int {
                big_endian: true,
                ..
            }
        ) {
            data.chunks_exact_mut(elem).for_each(<[u8]>::reverse);
        }
        let dtype = match dtype {
            DType::Float { size, .. } => DType::Float {
                size,
                big_endian: false,
            },
            DType::Int { size, signed, .. } => DType::Int {
                size,
                signed,
                big_endian: false,
            },
            DType::Bool => DType::Bool,
        };
        Ok(H5Dataset { shape, dtype, data })
    }
}
