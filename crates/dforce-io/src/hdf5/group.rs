//! Old-style ("symbol table") groups: a version-1 B-tree of `SNOD` nodes whose entries name
//! their children through the group's local heap. This is what h5py writes by default.

use std::collections::HashSet;

use super::bytes::{Cursor, UNDEF, to_usize};

/// Reads the NUL-terminated name at `offset` of the local heap at `heap_addr`.
fn heap_name(file: &[u8], heap_addr: u64, offset: u64) -> Result<String, String> {
    let mut c = Cursor::at(file, heap_addr, "local heap")?;
    c.expect(b"HEAP")?;
    c.skip(4)?; // version, reserved
    let data_size = c.u64()?;
    c.skip(8)?; // free list head
    let data_addr = c.u64()?;
    if offset >= data_size {
        return Err(format!(
            "local heap: name offset {offset} outside the {data_size}-byte heap"
        ));
    }
    let mut n = Cursor::at(
        file,
        data_addr
            .checked_add(offset)
            .ok_or("local heap: overflow")?,
        "heap name",
    )?;
    let mut name = Vec::new();
    loop {
        let b = n.u8()?;
        if b == 0 {
            break;
        }
        name.push(b);
        if name.len() > 65_536 {
            return Err("local heap: unterminated name".into());
        }
    }
    String::from_utf8(name).map_err(|_| "local heap: name is not UTF-8".into())
}

/// The `(name, object header address)` entries of the group with this B-tree and heap.
pub fn entries(file: &[u8], btree: u64, heap: u64) -> Result<Vec<(String, u64)>, String> {
    let mut out = Vec::new();
    let mut stack = vec![(btree, 0usize)];
    // Each node of a B-tree is reached once; one reached again is a corrupt (or forged) tree,
    // whose shared subtrees would otherwise be walked an exponential number of times.
    let mut seen = HashSet::new();
    while let Some((addr, depth)) = stack.pop() {
        if depth > 64 || out.len() > 1_000_000 {
            return Err("group B-tree: too deep or too large (cycle?)".into());
        }
        if !seen.insert(addr) {
            return Err(format!(
                "group B-tree: node at {addr:#x} is reached twice (corrupt tree)"
            ));
        }
        let mut c = Cursor::at(file, addr, "group B-tree node")?;
        c.expect(b"TREE")?;
        let node_type = c.u8()?;
        if node_type != 0 {
            return Err(format!("group B-tree: node type {node_type}, expected 0"));
        }
        let level = c.u8()?;
        let used = usize::from(c.u16()?);
        c.skip(16)?; // siblings
        let mut children = Vec::with_capacity(used);
        for _ in 0..used {
            c.skip(8)?; // key (heap offset)
            children.push(c.u64()?);
        }
        for &child in children.iter().rev() {
            if child == UNDEF {
                return Err("group B-tree: undefined child address".into());
            }
            if level > 0 {
                stack.push((child, depth + 1));
            } else {
                read_snod(file, child, heap, &mut out)?;
            }
        }
    }
    Ok(out)
}

fn read_snod(
    file: &[u8],
    addr: u64,
    heap: u64,
    out: &mut Vec<(String, u64)>,
) -> Result<(), String> {
    let mut c = Cursor::at(file, addr, "symbol table node")?;
    c.expect(b"SNOD")?;
    c.skip(2)?; // version, reserved
    let n = usize::from(c.u16()?);
    for _ in 0..n {
        let name_off = c.u64()?;
        let header = c.u64()?;
        c.skip(24)?; // cache type, reserved, scratch pad
        to_usize(header, "object header address")?;
        out.push((heap_name(file, heap, name_off)?, header));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version-1 group B-tree node: `children` after one 8-byte key each.
    fn node(level: u8, children: &[u64]) -> Vec<u8> {
        let mut b = b"TREE".to_vec();
        b.push(0); // group node
        b.push(level);
        b.extend_from_slice(&(children.len() as u16).to_le_bytes());
        b.extend_from_slice(&[0xff; 16]); // siblings
        for &child in children {
            b.extend_from_slice(&0u64.to_le_bytes()); // key
            b.extend_from_slice(&child.to_le_bytes());
        }
        b
    }

    #[test]
    fn a_node_reached_twice_is_a_corrupt_tree() {
        // Shared subtrees, nested, made the walk exponential; a B-tree reaches each node once.
        let mut file = node(1, &[128, 128]);
        file.resize(128, 0);
        file.extend(node(0, &[]));
        let err = entries(&file, 0, 0).unwrap_err();
        assert!(err.contains("reached twice"), "{err}");
        let mut once = node(1, &[128]);
        once.resize(128, 0);
        once.extend(node(0, &[]));
        assert_eq!(entries(&once, 0, 0).unwrap(), vec![]);
    }
}
