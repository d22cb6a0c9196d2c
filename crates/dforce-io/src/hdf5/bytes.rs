//! Bounds-checked little-endian reads from a file image: every read past the end becomes an
//! error naming what was being read, so truncated or garbage files can never panic the parser.

/// The "undefined address" of HDF5 (all bits set).
pub const UNDEF: u64 = u64::MAX;

/// A read position in a byte image.
#[derive(Debug, Clone, Copy)]
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Cursor<'a> {
    /// A cursor at `pos`; `what` names the structure for error messages.
    pub fn at(buf: &'a [u8], pos: u64, what: &'static str) -> Result<Self, String> {
        let pos =
            usize::try_from(pos).map_err(|_| format!("{what}: address {pos:#x} out of range"))?;
        if pos > buf.len() {
            return Err(format!(
                "{what}: address {pos:#x} is past the end of the file ({} bytes)",
                buf.len()
            ));
        }
        Ok(Self { buf, pos, what })
    }

    /// Current absolute offset.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Takes the next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| {
                format!(
                    "{}: truncated at offset {:#x} (need {n} more bytes)",
                    self.what, self.pos
                )
            })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<(), String> {
        self.bytes(n).map(|_| ())
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, String> {
        Ok(self.bytes(1)?[0])
    }

    /// Little-endian u16.
    pub fn u16(&mut self) -> Result<u16, String> {
        let b = self.bytes(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// Little-endian u32.
    pub fn u32(&mut self) -> Result<u32, String> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Little-endian u64.
    pub fn u64(&mut self) -> Result<u64, String> {
        let b = self.bytes(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// Expects a signature.
    pub fn expect(&mut self, sig: &[u8]) -> Result<(), String> {
        let got = self.bytes(sig.len())?;
        if got != sig {
            return Err(format!(
                "{}: expected signature {:?} at {:#x}",
                self.what,
                String::from_utf8_lossy(sig),
                self.pos - sig.len()
            ));
        }
        Ok(())
    }
}

/// Converts a stored 64-bit length or address to `usize`.
pub fn to_usize(v: u64, what: &str) -> Result<usize, String> {
    usize::try_from(v).map_err(|_| format!("{what}: value {v} does not fit in memory"))
}
