//! Reading chunked datasets: walking the version-1 chunk B-tree, undoing the filter pipeline
//! (deflate, shuffle, fletcher32) and scattering each chunk into the dense C-order array.

use std::collections::HashSet;
use std::io::Read;

use flate2::read::ZlibDecoder;

use super::bytes::{Cursor, UNDEF, to_usize};
use super::layout::Filter;

/// Fills `out` (C order, `shape`, `elem` bytes per element) from the chunks under `btree`.
pub fn read_chunked(
    file: &[u8],
    btree: u64,
    shape: &[usize],
    chunk: &[usize],
    elem: usize,
    filters: &[Filter],
    out: &mut [u8],
) -> Result<(), String> {
    let rank = shape.len();
    if chunk.len() != rank {
        return Err(format!(
            "chunk rank {} differs from dataset rank {rank}",
            chunk.len()
        ));
    }
    let chunk_bytes = chunk
        .iter()
        .try_fold(elem, |a, &d| a.checked_mul(d))
        .ok_or("chunk size overflows")?;
    // Grown by the decoded chunks themselves, never sized from the header's chunk dimensions.
    let mut buf = Vec::new();
    let mut stack = vec![(btree, 0usize)];
    // A B-tree reaches each node once; a node reached again is a corrupt (or forged) tree, whose
    // shared subtrees would otherwise be walked an exponential number of times.
    let mut seen = HashSet::new();
    while let Some((addr, depth)) = stack.pop() {
        if depth > 64 {
            return Err("chunk B-tree too deep (cycle?)".into());
        }
        if !seen.insert(addr) {
            return Err(format!(
                "chunk B-tree: node at {addr:#x} is reached twice (corrupt tree)"
            ));
        }
        let mut c = Cursor::at(file, addr, "chunk B-tree node")?;
        c.expect(b"TREE")?;
        if c.u8()? != 1 {
            return Err("chunk B-tree: wrong node type".into());
        }
        let level = c.u8()?;
        let used = usize::from(c.u16()?);
        c.skip(16)?;
        for _ in 0..used {
            let size = c.u32()? as usize;
            let mask = c.u32()?;
            let mut offset = Vec::with_capacity(rank);
            for _ in 0..rank {
                offset.push(to_usize(c.u64()?, "chunk offset")?);
            }
            c.skip(8)?; // element-size dimension
            let child = c.u64()?;
            if child == UNDEF {
                return Err("chunk B-tree: undefined child".into());
            }
            if level > 0 {
                stack.push((child, depth + 1));
                continue;
            }
            let raw = Cursor::at(file, child, "chunk data")?.bytes(size)?;
            decode_chunk(raw, mask, filters, elem, chunk_bytes, &mut buf)?;
            scatter(&buf, &offset, chunk, shape, elem, out)?;
        }
    }
    Ok(())
}

/// Undoes the pipeline on one stored chunk into `buf` (exactly `expected` bytes).
fn decode_chunk(
    raw: &[u8],
    mask: u32,
    filters: &[Filter],
    elem: usize,
    expected: usize,
    buf: &mut Vec<u8>,
) -> Result<(), String> {
    buf.clear();
    buf.extend_from_slice(raw);
    for (i, f) in filters.iter().enumerate().rev() {
        if i < 32 && mask & (1 << i) != 0 {
            continue;
        }
        match f.id {
            1 => {
                // Deflate expands at most 1032-fold: reserve no more than the input can give.
                let mut out = Vec::with_capacity(expected.min(buf.len().saturating_mul(1032)));
                ZlibDecoder::new(&buf[..])
                    .take(expected as u64 + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("deflate: {e}"))?;
                *buf = out;
            }
            2 => {
                let size = f.params.first().map_or(elem, |&s| s as usize).max(1);
                let n = buf.len() / size;
                if n == 0 {
                    // Fewer bytes than one element: HDF5's shuffle leaves them as they are
                    // (and a forged element size must not cost a loop over its value).
                    continue;
                }
                let mut out = vec![0u8; buf.len()];
                for b in 0..size {
                    for k in 0..n {
                        out[k * size + b] = buf[b * n + k];
                    }
                }
                out[n * size..].copy_from_slice(&buf[n * size..]);
                *buf = out;
            }
            3 => {
                let keep = buf
                    .len()
                    .checked_sub(4)
                    .ok_or("fletcher32: chunk too short")?;
                buf.truncate(keep);
            }
            id => return Err(format!("unsupported filter id {id}")),
        }
    }
    if buf.len() != expected {
        return Err(format!(
            "chunk decodes to {} bytes, expected {expected}",
            buf.len()
        ));
    }
    Ok(())
}

/// Copies the in-bounds part of a chunk at `offset` into the dense array.
fn scatter(
    chunk_data: &[u8],
    offset: &[usize],
    chunk: &[usize],
    shape: &[usize],
    elem: usize,
    out: &mut [u8],
) -> Result<(), String> {
    let rank = shape.len();
    if rank == 0 {
        let n = elem.min(out.len()).min(chunk_data.len());
        out[..n].copy_from_slice(&chunk_data[..n]);
        return Ok(());
    }
    for d in 0..rank {
        if offset[d] >= shape[d] || !offset[d].is_multiple_of(chunk[d]) {
            return Err(format!(
                "chunk offset {offset:?} outside dataset shape {shape:?}"
            ));
        }
    }
    let last = rank - 1;
    let run = chunk[last].min(shape[last] - offset[last]) * elem;
    // Odometer over the leading dims of the chunk.
    let mut idx = vec![0usize; last];
    loop {
        let inside = (0..last).all(|d| offset[d] + idx[d] < shape[d]);
        if inside {
            let mut src = 0usize;
            let mut dst = 0usize;
            for d in 0..last {
                src = src * chunk[d] + idx[d];
                dst = dst * shape[d] + offset[d] + idx[d];
            }
            src = src * chunk[last] * elem;
            dst = (dst * shape[last] + offset[last]) * elem;
            out[dst..dst + run].copy_from_slice(&chunk_data[src..src + run]);
        }
        let mut d = last;
        loop {
            if d == 0 {
                return Ok(());
            }
            d -= 1;
            idx[d] += 1;
            if idx[d] < chunk[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version-1 chunk B-tree node for a rank-1 dataset: `(size, child)` entries.
    fn node(level: u8, entries: &[(u32, u64)]) -> Vec<u8> {
        let mut b = b"TREE".to_vec();
        b.push(1); // chunk node
        b.push(level);
        b.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        b.extend_from_slice(&[0xff; 16]); // siblings
        for &(size, child) in entries {
            b.extend_from_slice(&size.to_le_bytes());
            b.extend_from_slice(&0u32.to_le_bytes()); // filter mask
            b.extend_from_slice(&0u64.to_le_bytes()); // offset
            b.extend_from_slice(&0u64.to_le_bytes()); // element-size dimension
            b.extend_from_slice(&child.to_le_bytes());
        }
        b
    }

    #[test]
    fn a_node_reached_twice_is_a_corrupt_tree() {
        // Root (level 1) at 0 with two entries naming the same leaf: a forged tree whose shared
        // subtrees, nested, made the walk exponential (a fuzz hang). A tree reaches nodes once.
        let leaf_at = 128u64;
        let mut file = node(1, &[(0, leaf_at), (0, leaf_at)]);
        file.resize(leaf_at as usize, 0);
        let data_at = leaf_at + node(0, &[(4, 0)]).len() as u64;
        file.extend(node(0, &[(4, data_at)]));
        file.extend_from_slice(&1f32.to_le_bytes());
        let mut out = vec![0u8; 4];
        let err = read_chunked(&file, 0, &[1], &[1], 4, &[], &mut out).unwrap_err();
        assert!(err.contains("reached twice"), "{err}");
        // The same leaf once is fine.
        let mut once = node(1, &[(0, leaf_at)]);
        once.resize(leaf_at as usize, 0);
        once.extend_from_slice(&file[leaf_at as usize..]);
        read_chunked(&once, 0, &[1], &[1], 4, &[], &mut out).unwrap();
        assert_eq!(out, 1f32.to_le_bytes());
    }

    #[test]
    fn shuffle_with_an_element_larger_than_the_chunk_leaves_it_as_is() {
        let shuffle = Filter {
            id: 2,
            params: vec![u32::MAX],
        };
        let mut buf = Vec::new();
        decode_chunk(&[1, 2, 3, 4], 0, &[shuffle], 4, 4, &mut buf).unwrap();
        assert_eq!(buf, [1, 2, 3, 4]);
    }
}
