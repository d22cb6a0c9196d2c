//! Reading chunked datasets: walking the version-1 chunk B-tree, undoing the filter pipeline
//! (deflate, shuffle, fletcher32) and scattering each chunk into the dense C-order array.

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
    let mut buf = Vec::with_capacity(chunk_bytes);
    let mut stack = vec![(btree, 0usize)];
    while let Some((addr, depth)) = stack.pop() {
        if depth > 64 {
            return Err("chunk B-tree too deep (cycle?)".into());
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
                let mut out = Vec::with_capacity(expected);
                ZlibDecoder::new(&buf[..])
                    .take(expected as u64 + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("deflate: {e}"))?;
                *buf = out;
            }
            2 => {
                let size = f.params.first().map_or(elem, |&s| s as usize).max(1);
                let n = buf.len() / size;
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
