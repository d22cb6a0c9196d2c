//! Version-1 object headers: the list of (type, body) messages of one object, following
//! continuation blocks. (Version-2 `OHDR` headers, written only with `libver="latest"`, are
//! reported as unsupported.)

use super::bytes::{Cursor, UNDEF, to_usize};

/// Message type numbers used here.
pub mod msg {
    /// Dataspace.
    pub const DATASPACE: u16 = 0x0001;
    /// Datatype.
    pub const DATATYPE: u16 = 0x0003;
    /// Fill value (new style).
    pub const FILL_VALUE: u16 = 0x0005;
    /// Data layout.
    pub const LAYOUT: u16 = 0x0008;
    /// Filter pipeline.
    pub const FILTERS: u16 = 0x000B;
    /// Continuation to another header block.
    pub const CONTINUATION: u16 = 0x0010;
    /// Symbol table (old-style group).
    pub const SYMBOL_TABLE: u16 = 0x0011;
    /// Link (new-style group).
    pub const LINK: u16 = 0x0006;
}

/// One header message: its type and body bytes.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// Message type.
    pub kind: u16,
    /// Body.
    pub body: &'a [u8],
    /// Absolute file offset of the body (so it can be re-read with a [`Cursor`]).
    pub offset: usize,
}

/// Reads the messages of the object header at `addr`.
pub fn read_messages(file: &[u8], addr: u64) -> Result<Vec<Message<'_>>, String> {
    let mut c = Cursor::at(file, addr, "object header")?;
    let version = c.u8()?;
    if version != 1 {
        if file.get(addr as usize..addr as usize + 4) == Some(b"OHDR") {
            return Err("version-2 object headers (libver='latest') are not supported".into());
        }
        return Err(format!(
            "object header at {addr:#x}: unknown version {version}"
        ));
    }
    c.skip(1)?;
    let total = usize::from(c.u16()?);
    c.skip(4)?; // reference count
    let size = c.u32()? as u64;
    c.skip(4)?; // alignment padding of the 12-byte prefix
    let mut blocks = vec![(c.pos() as u64, size)];
    let mut out = Vec::new();
    let mut b = 0;
    while b < blocks.len() && out.len() < total {
        if blocks.len() > 4096 {
            return Err("object header: too many continuation blocks".into());
        }
        let (start, len) = blocks[b];
        b += 1;
        let end = start
            .checked_add(len)
            .ok_or("object header: block overflows")?;
        let mut c = Cursor::at(file, start, "object header message")?;
        while (c.pos() as u64) + 8 <= end && out.len() < total {
            let kind = c.u16()?;
            let msize = usize::from(c.u16()?);
            c.skip(4)?; // flags, reserved
            let offset = c.pos();
            if offset as u64 + msize as u64 > end {
                return Err(format!(
                    "object header: message at {offset:#x} overruns its block"
                ));
            }
            let body = c.bytes(msize)?;
            if kind == msg::CONTINUATION {
                let mut cc = Cursor::at(file, offset as u64, "continuation message")?;
                let at = cc.u64()?;
                let l = cc.u64()?;
                if at == UNDEF {
                    return Err("object header: continuation to an undefined address".into());
                }
                to_usize(l, "continuation length")?;
                blocks.push((at, l));
            }
            out.push(Message { kind, body, offset });
        }
    }
    Ok(out)
}

/// The first message of a type.
pub fn find<'a>(msgs: &[Message<'a>], kind: u16) -> Option<Message<'a>> {
    msgs.iter().copied().find(|m| m.kind == kind)
}
