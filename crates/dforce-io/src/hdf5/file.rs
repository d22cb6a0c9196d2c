//! Reading HDF5 files as h5py writes them by default (superblock 0/1, version-1 object headers,
//! symbol-table groups, compact/contiguous/chunked datasets with deflate/shuffle/fletcher32).
//! The whole file is read into memory; D4RL maze2d files are at most a few hundred MB.

use std::path::{Path, PathBuf};

use super::bytes::{Cursor, UNDEF, to_usize};
use super::chunks::read_chunked;
use super::datatype::DType;
use super::group::entries;
use super::layout::{Storage, parse_dataspace, parse_filters, parse_layout};
use super::object_header::{Message, find, msg, read_messages};
use crate::error::Hdf5Error;

const SIGNATURE: &[u8] = b"\x89HDF\r\n\x1a\n";

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

/// An HDF5 file held in memory.
#[derive(Debug, Clone)]
pub struct H5File {
    path: PathBuf,
    bytes: Vec<u8>,
    root: u64,
}

impl H5File {
    /// Reads and validates the superblock of `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Hdf5Error> {
        let path = path.as_ref().to_path_buf();
        let bytes = std::fs::read(&path).map_err(|source| Hdf5Error::Io {
            path: path.clone(),
            source,
        })?;
        Self::from_bytes(path, bytes)
    }

    /// Parses an in-memory image; `path` is only used in messages.
    pub fn from_bytes(path: PathBuf, bytes: Vec<u8>) -> Result<Self, Hdf5Error> {
        let root = superblock_root(&bytes).map_err(|reason| Hdf5Error::Format {
            path: path.clone(),
            reason,
        })?;
        Ok(Self { path, bytes, root })
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

    /// Object header address of `key` (`a/b/c`), following groups from the root.
    fn locate(&self, key: &str) -> Result<u64, Hdf5Error> {
        let mut addr = self.root;
        for part in key.split('/').filter(|p| !p.is_empty()) {
            let children = self
                .children(addr)
                .map_err(|reason| Hdf5Error::BadDataset {
                    path: self.path.clone(),
                    key: key.to_owned(),
                    reason,
                })?;
            addr = children
                .into_iter()
                .find(|(n, _)| n == part)
                .map(|(_, a)| a)
                .ok_or_else(|| Hdf5Error::MissingKey {
                    path: self.path.clone(),
                    key: key.to_owned(),
                })?;
        }
        Ok(addr)
    }

    /// Children of the group at `addr`, or an error if it is not a group.
    fn children(&self, addr: u64) -> Result<Vec<(String, u64)>, String> {
        let msgs = read_messages(&self.bytes, addr)?;
        if let Some(st) = find(&msgs, msg::SYMBOL_TABLE) {
            let mut c = Cursor::at(&self.bytes, st.offset as u64, "symbol table message")?;
            let btree = c.u64()?;
            let heap = c.u64()?;
            return entries(&self.bytes, btree, heap);
        }
        if find(&msgs, msg::LINK).is_some() {
            return Err("new-style (link message) groups are not supported".into());
        }
        Err("not a group".into())
    }

    /// Paths of every dataset in the file, depth first, e.g. `["actions", "infos/goal", …]`.
    /// Like h5py's `visititems` (HDF5's `H5Ovisit`), an object reachable through several links
    /// (hard links, or a corrupt file's cycles) is listed once, under the first path found.
    pub fn dataset_paths(&self) -> Result<Vec<String>, Hdf5Error> {
        let mut out = Vec::new();
        let mut stack = vec![(String::new(), self.root, 0usize)];
        let mut seen = std::collections::HashSet::new();
        while let Some((prefix, addr, depth)) = stack.pop() {
            if depth > 32 {
                return Err(self.format_err("groups nested too deeply (cycle?)".into()));
            }
            if !seen.insert(addr) {
                continue;
            }
            let msgs = read_messages(&self.bytes, addr).map_err(|r| self.format_err(r))?;
            if find(&msgs, msg::LAYOUT).is_some() {
                out.push(prefix);
                continue;
            }
            let kids = self
                .children(addr)
                .map_err(|r| self.format_err(format!("{prefix}: {r}")))?;
            for (name, a) in kids.into_iter().rev() {
                let p = if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}/{name}")
                };
                stack.push((p, a, depth + 1));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Reads the dataset `key` fully.
    pub fn dataset(&self, key: &str) -> Result<H5Dataset, Hdf5Error> {
        let addr = self.locate(key)?;
        let bad = |reason: String| Hdf5Error::BadDataset {
            path: self.path.clone(),
            key: key.to_owned(),
            reason,
        };
        let msgs = read_messages(&self.bytes, addr).map_err(bad)?;
        read_dataset(&self.bytes, &msgs).map_err(bad)
    }
}

/// Validates the superblock (versions 0 and 1) and returns the root object header address.
fn superblock_root(b: &[u8]) -> Result<u64, String> {
    // The signature may sit at 0, 512, 1024, … (after a user block).
    let mut base = 0usize;
    while b.get(base..base + 8) != Some(SIGNATURE) {
        base = if base == 0 { 512 } else { base * 2 };
        if base >= b.len() {
            return Err("not an HDF5 file (no signature)".into());
        }
    }
    let mut c = Cursor::at(b, base as u64 + 8, "superblock")?;
    let version = c.u8()?;
    if version > 1 {
        return Err(format!(
            "superblock version {version} (libver='latest') is not supported"
        ));
    }
    c.skip(4)?; // free-space, root group, reserved, shared header versions
    let (so, sl) = (c.u8()?, c.u8()?);
    if so != 8 || sl != 8 {
        return Err(format!(
            "offset/length sizes {so}/{sl} are not supported (expected 8/8)"
        ));
    }
    c.skip(1)?;
    c.skip(4)?; // group K values
    c.skip(4)?; // consistency flags
    if version == 1 {
        c.skip(4)?; // indexed storage K + reserved
    }
    let base_addr = c.u64()?;
    if base_addr != 0 {
        return Err("non-zero base address is not supported".into());
    }
    c.skip(8)?; // free space
    let eof = c.u64()?;
    c.skip(8)?; // driver info
    c.skip(8)?; // root entry: link name offset
    let root = c.u64()?;
    if root == UNDEF {
        return Err("undefined root group".into());
    }
    if to_usize(eof, "end of file address")? > b.len() {
        return Err(format!(
            "truncated file: {} bytes, superblock says {eof}",
            b.len()
        ));
    }
    Ok(root)
}

/// Deflate's largest expansion (zlib's "technical details": 1032:1): no dataset holds more bytes
/// than this times the file's length.
const MAX_DEFLATE_RATIO: u128 = 1032;

fn read_dataset(file: &[u8], msgs: &[Message<'_>]) -> Result<H5Dataset, String> {
    let need = |kind: u16, name: &str| find(msgs, kind).ok_or_else(|| format!("no {name} message"));
    let space = need(msg::DATASPACE, "dataspace")?;
    let shape = parse_dataspace(&mut Cursor::at(file, space.offset as u64, "dataspace")?)?;
    let dt = need(msg::DATATYPE, "datatype")?;
    let dtype = DType::parse(&mut Cursor::at(file, dt.offset as u64, "datatype")?)?;
    let lay = need(msg::LAYOUT, "data layout")?;
    let storage = parse_layout(&mut Cursor::at(file, lay.offset as u64, "data layout")?)?;
    let filters = match find(msgs, msg::FILTERS) {
        Some(m) => parse_filters(&mut Cursor::at(file, m.offset as u64, "filter pipeline")?)?,
        None => Vec::new(),
    };
    let elem = dtype.size();
    let total = shape
        .iter()
        .try_fold(elem, |a, &d| a.checked_mul(d))
        .ok_or_else(|| format!("shape {shape:?} of {elem}-byte elements overflows"))?;
    // Every byte of a dataset comes from the file (deflate expands at most 1032-fold) or is a
    // fill value of chunks never written. Refuse sizes the file cannot hold before allocating
    // them: the shape is a header value, and a forged one must not cost gigabytes of memory.
    let most = (file.len() as u128) * MAX_DEFLATE_RATIO;
    if total as u128 > most {
        return Err(format!(
            "shape {shape:?} of {elem}-byte elements is {total} bytes, more than this {}-byte file can hold \
             (even deflated, at most {most} bytes); the header is corrupt",
            file.len()
        ));
    }
    let mut data = vec![0u8; total];
    match storage {
        Storage::Compact(bytes) => {
            if bytes.len() < total {
                return Err("compact data shorter than the dataset".into());
            }
            data.copy_from_slice(&bytes[..total]);
        }
        Storage::Contiguous { addr, .. } if addr == UNDEF => {}
        Storage::Contiguous { addr, size } => {
            if (size as u128) < total as u128 {
                return Err("contiguous block shorter than the dataset".into());
            }
            data.copy_from_slice(Cursor::at(file, addr, "contiguous data")?.bytes(total)?);
        }
        Storage::Chunked { btree, chunk } => {
            if btree != UNDEF {
                read_chunked(file, btree, &shape, &chunk, elem, &filters, &mut data)?;
            }
        }
    }
    let big = matches!(
        dtype,
        DType::Float {
            big_endian: true,
            ..
        } | DType::Int {
            big_endian: true,
            ..
        }
    );
    if big {
        data.chunks_exact_mut(elem).for_each(<[u8]>::reverse);
    }
    Ok(H5Dataset { shape, dtype, data })
}
