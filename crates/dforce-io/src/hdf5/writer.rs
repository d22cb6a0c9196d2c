//! Writing HDF5 files that h5py and libhdf5 read: superblock version 0, version-1 object
//! headers, symbol-table groups (B-tree + `SNOD` + local heap, the structures libhdf5 itself
//! writes with default settings) and contiguous datasets.
//!
//! Datasets are written uncompressed; D4RL's readers (h5py, this crate) do not care.

use std::collections::BTreeMap;
use std::path::Path;

/// The "undefined address" of HDF5 (all bits set).
const UNDEF: u64 = u64::MAX;
use super::datatype::DType;
use crate::atomic::write_bytes_atomic;
use crate::error::Hdf5Error;

/// Group B-tree half-capacity ("group internal node K", libhdf5's default 16).
const GROUP_INTERNAL_K: usize = 16;
/// Symbol table node half-capacity ("group leaf node K", default 4): 8 entries per `SNOD`.
const GROUP_LEAF_K: usize = 4;

#[derive(Debug, Clone)]
enum Node {
    Dataset {
        dtype: DType,
        shape: Vec<usize>,
        data: Vec<u8>,
    },
    Group(BTreeMap<String, Node>),
}

/// An in-memory tree of groups and datasets, serialised by [`H5Writer::to_bytes`].
#[derive(Debug, Clone, Default)]
pub struct H5Writer {
    root: BTreeMap<String, Node>,
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

    /// Adds a dataset at `key` (`a/b` creates group `a`). `data` holds little-endian elements.
    pub fn add_raw(
        &mut self,
        key: &str,
        dtype: DType,
        shape: &[usize],
        data: Vec<u8>,
    ) -> Result<(), Hdf5Error> {
        let count: usize = shape.iter().product();
        if count.checked_mul(dtype.size()) != Some(data.len()) {
            return Err(invalid(
                key,
                format!("{} bytes do not fill shape {shape:?}", data.len()),
            ));
        }
        let parts: Vec<&str> = key.split('/').collect();
        if parts.iter().any(|p| p.is_empty() || p.contains('\0')) {
            return Err(invalid(key, "empty path component or NUL in name"));
        }
        let (leaf, groups) = parts
            .split_last()
            .ok_or_else(|| invalid(key, "empty key"))?;
        let mut level = &mut self.root;
        for g in groups {
            let node = level
                .entry((*g).to_owned())
                .or_insert_with(|| Node::Group(BTreeMap::new()));
            level = match node {
                Node::Group(m) => m,
                Node::Dataset { .. } => return Err(invalid(key, format!("{g} is a dataset"))),
            };
        }
        if level.contains_key(*leaf) {
            return Err(invalid(key, "already exists"));
        }
        level.insert(
            (*leaf).to_owned(),
            Node::Dataset {
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
    pub fn to_bytes(&self) -> Result<Vec<u8>, Hdf5Error> {
        let mut buf = vec![0u8; 96];
        let (root, btree, heap) = write_group(&mut buf, &self.root, "/")?;
        let eof = buf.len() as u64;
        let mut sb = Vec::with_capacity(96);
        sb.extend_from_slice(b"\x89HDF\r\n\x1a\n");
        sb.extend_from_slice(&[0, 0, 0, 0, 0, 8, 8, 0]);
        sb.extend_from_slice(&(GROUP_LEAF_K as u16).to_le_bytes());
        sb.extend_from_slice(&(GROUP_INTERNAL_K as u16).to_le_bytes());
        sb.extend_from_slice(&0u32.to_le_bytes());
        for v in [0, UNDEF, eof, UNDEF] {
            sb.extend_from_slice(&v.to_le_bytes());
        }
        symbol_entry(&mut sb, 0, root, Some((btree, heap)));
        buf[..96].copy_from_slice(&sb);
        Ok(buf)
    }

    /// Writes the file to `path` atomically ([`crate::atomic`]: a temporary sibling, synced and
    /// renamed into place), so an interrupted write never leaves half a file under `path`.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<(), Hdf5Error> {
        let path = path.as_ref();
        let bytes = self.to_bytes()?;
        write_bytes_atomic(path, &bytes).map_err(|source| Hdf5Error::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// A 40-byte symbol table entry; groups cache their B-tree and heap addresses.
fn symbol_entry(out: &mut Vec<u8>, name_off: u64, header: u64, group: Option<(u64, u64)>) {
    out.extend_from_slice(&name_off.to_le_bytes());
    out.extend_from_slice(&header.to_le_bytes());
    out.extend_from_slice(&u32::from(group.is_some()).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    let (b, h) = group.unwrap_or((0, 0));
    out.extend_from_slice(&b.to_le_bytes());
    out.extend_from_slice(&h.to_le_bytes());
}

fn pad8(v: &mut Vec<u8>) {
    v.resize(v.len().div_ceil(8) * 8, 0);
}

/// Appends a version-1 object header with `messages` and returns its address.
fn write_object_header(buf: &mut Vec<u8>, messages: &[(u16, Vec<u8>)]) -> u64 {
    let addr = buf.len() as u64;
    let mut body = Vec::new();
    for (kind, data) in messages {
        let mut d = data.clone();
        pad8(&mut d);
        body.extend_from_slice(&kind.to_le_bytes());
        body.extend_from_slice(&(d.len() as u16).to_le_bytes());
        body.extend_from_slice(&[0, 0, 0, 0]);
        body.extend_from_slice(&d);
    }
    buf.extend_from_slice(&[1, 0]);
    buf.extend_from_slice(&(messages.len() as u16).to_le_bytes());
    buf.extend_from_slice(&1u32.to_le_bytes());
    buf.extend_from_slice(&(body.len() as u32).to_le_bytes());
    buf.extend_from_slice(&[0, 0, 0, 0]);
    buf.extend_from_slice(&body);
    addr
}

fn write_dataset(buf: &mut Vec<u8>, dtype: DType, shape: &[usize], data: &[u8]) -> u64 {
    let data_addr = buf.len() as u64;
    buf.extend_from_slice(data);
    let mut space = vec![1, shape.len() as u8, 0, 0, 0, 0, 0, 0];
    for &d in shape {
        space.extend_from_slice(&(d as u64).to_le_bytes());
    }
    let mut dt = Vec::new();
    dtype.encode(&mut dt);
    // Fill value v2: allocation early, write-time "if set", no fill value defined.
    let fill = vec![2, 1, 2, 0];
    let mut layout = vec![3, 1];
    layout.extend_from_slice(&data_addr.to_le_bytes());
    layout.extend_from_slice(&(data.len() as u64).to_le_bytes());
    write_object_header(
        buf,
        &[
            (0x0001, space),
            (0x0003, dt),
            (0x0005, fill),
            (0x0008, layout),
        ],
    )
}

/// Writes a group's children, heap, symbol nodes, B-tree and header; returns
/// `(header, btree, heap)` addresses.
fn write_group(
    buf: &mut Vec<u8>,
    group: &BTreeMap<String, Node>,
    path: &str,
) -> Result<(u64, u64, u64), Hdf5Error> {
    let per_snod = 2 * GROUP_LEAF_K;
    if group.len() > per_snod * 2 * GROUP_INTERNAL_K {
        return Err(invalid(
            path,
            format!(
                "more than {} members in one group",
                per_snod * 2 * GROUP_INTERNAL_K
            ),
        ));
    }
    // Children first (post-order), so their addresses are known.
    let mut members = Vec::with_capacity(group.len());
    for (name, node) in group {
        let entry = match node {
            Node::Dataset { dtype, shape, data } => (write_dataset(buf, *dtype, shape, data), None),
            Node::Group(g) => {
                let (h, b, p) = write_group(buf, g, name)?;
                (h, Some((b, p)))
            }
        };
        members.push((name.as_str(), entry.0, entry.1));
    }
    // Local heap: the empty name at offset 0, then each name NUL-terminated, 8-byte aligned,
    // then one free block (libhdf5 marks the end of the free list with offset 1).
    let mut heap_data = vec![0u8; 8];
    let mut offsets = Vec::with_capacity(members.len());
    for (name, _, _) in &members {
        offsets.push(heap_data.len() as u64);
        heap_data.extend_from_slice(name.as_bytes());
        heap_data.push(0);
        pad8(&mut heap_data);
    }
    let free_off = heap_data.len() as u64;
    heap_data.extend_from_slice(&1u64.to_le_bytes());
    heap_data.extend_from_slice(&16u64.to_le_bytes());
    let heap_addr = buf.len() as u64;
    buf.extend_from_slice(b"HEAP\0\0\0\0");
    buf.extend_from_slice(&(heap_data.len() as u64).to_le_bytes());
    buf.extend_from_slice(&free_off.to_le_bytes());
    buf.extend_from_slice(&(heap_addr + 32).to_le_bytes());
    buf.extend_from_slice(&heap_data);
    // Symbol table nodes, each allocated at full capacity as libhdf5 expects.
    let mut snods = Vec::new();
    for (k, chunk) in members.chunks(per_snod).enumerate() {
        let addr = buf.len() as u64;
        buf.extend_from_slice(b"SNOD\x01\0");
        buf.extend_from_slice(&(chunk.len() as u16).to_le_bytes());
        for (i, (_, header, g)) in chunk.iter().enumerate() {
            symbol_entry(buf, offsets[k * per_snod + i], *header, *g);
        }
        buf.resize(addr as usize + 8 + per_snod * 40, 0);
        snods.push((addr, offsets[k * per_snod + chunk.len() - 1]));
    }
    // One leaf-level B-tree node over the symbol nodes: key 0 is the empty name, key i+1 the
    // last (largest) name of child i.
    let btree_addr = buf.len() as u64;
    buf.extend_from_slice(b"TREE\0\0");
    buf.extend_from_slice(&(snods.len() as u16).to_le_bytes());
    buf.extend_from_slice(&UNDEF.to_le_bytes());
    buf.extend_from_slice(&UNDEF.to_le_bytes());
    buf.extend_from_slice(&0u64.to_le_bytes());
    for (addr, last_name) in &snods {
        buf.extend_from_slice(&addr.to_le_bytes());
        buf.extend_from_slice(&last_name.to_le_bytes());
    }
    let node_size = 24 + 2 * GROUP_INTERNAL_K * 8 + (2 * GROUP_INTERNAL_K + 1) * 8;
    buf.resize(btree_addr as usize + node_size, 0);
    let mut st = Vec::with_capacity(16);
    st.extend_from_slice(&btree_addr.to_le_bytes());
    st.extend_from_slice(&heap_addr.to_le_bytes());
    let header = write_object_header(buf, &[(0x0011, st)]);
    Ok((header, btree_addr, heap_addr))
}
