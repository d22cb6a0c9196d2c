//! Dataset storage descriptions: dataspace (shape), layout (compact, contiguous or chunked) and
//! the filter pipeline, decoded from their header messages.

use super::bytes::{Cursor, to_usize};

/// Parses a dataspace message into the current dimensions.
pub fn parse_dataspace(c: &mut Cursor<'_>) -> Result<Vec<usize>, String> {
    let version = c.u8()?;
    let rank = usize::from(c.u8()?);
    let _flags = c.u8()?;
    match version {
        1 => c.skip(5)?,
        2 => {
            let kind = c.u8()?;
            if kind == 2 {
                return Err("null dataspace".into());
            }
        }
        v => return Err(format!("unsupported dataspace version {v}")),
    }
    (0..rank).map(|_| to_usize(c.u64()?, "dimension")).collect()
}

/// Where a dataset's elements are.
#[derive(Debug, Clone, PartialEq)]
pub enum Storage {
    /// Inside the header message.
    Compact(Vec<u8>),
    /// One block; an undefined address means never written (all fill value).
    Contiguous {
        /// File offset.
        addr: u64,
        /// Bytes.
        size: u64,
    },
    /// Chunks indexed by a version-1 B-tree.
    Chunked {
        /// Root of the chunk B-tree.
        btree: u64,
        /// Chunk dimensions (without the trailing element-size entry).
        chunk: Vec<usize>,
    },
}

/// Parses a version-3 data layout message.
pub fn parse_layout(c: &mut Cursor<'_>) -> Result<Storage, String> {
    let version = c.u8()?;
    if version != 3 {
        return Err(format!("unsupported data layout message version {version}"));
    }
    match c.u8()? {
        0 => {
            let n = usize::from(c.u16()?);
            Ok(Storage::Compact(c.bytes(n)?.to_vec()))
        }
        1 => Ok(Storage::Contiguous {
            addr: c.u64()?,
            size: c.u64()?,
        }),
        2 => {
            let dims = usize::from(c.u8()?);
            let btree = c.u64()?;
            if dims < 2 {
                return Err("chunked layout with no dimensions".into());
            }
            let mut chunk: Vec<usize> = (0..dims)
                .map(|_| c.u32().map(|v| v as usize))
                .collect::<Result<_, _>>()?;
            chunk.pop(); // element size
            if chunk.contains(&0) {
                return Err("chunk dimension of 0".into());
            }
            Ok(Storage::Chunked { btree, chunk })
        }
        k => Err(format!("unsupported layout class {k}")),
    }
}

/// One filter of the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Filter id (1 deflate, 2 shuffle, 3 fletcher32, …).
    pub id: u16,
    /// Client data values.
    pub params: Vec<u32>,
}

/// Parses a filter pipeline message (versions 1 and 2).
pub fn parse_filters(c: &mut Cursor<'_>) -> Result<Vec<Filter>, String> {
    let version = c.u8()?;
    let n = usize::from(c.u8()?);
    if version == 1 {
        c.skip(6)?;
    } else if version != 2 {
        return Err(format!("unsupported filter pipeline version {version}"));
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let id = c.u16()?;
        let name_len = if version == 1 || id >= 256 {
            usize::from(c.u16()?)
        } else {
            0
        };
        let _flags = c.u16()?;
        let nvals = usize::from(c.u16()?);
        if version == 1 {
            c.skip(name_len.div_ceil(8) * 8)?;
        } else {
            c.skip(name_len)?;
        }
        let params = (0..nvals).map(|_| c.u32()).collect::<Result<Vec<_>, _>>()?;
        if version == 1 && !nvals.is_multiple_of(2) {
            c.skip(4)?;
        }
        out.push(Filter { id, params });
    }
    Ok(out)
}
