//! The element types this crate reads and writes (IEEE floats, integers, and h5py's bool, an
//! 8-bit enum `{FALSE: 0, TRUE: 1}`) and their datatype-message encodings (version 1).

use super::bytes::Cursor;

/// An element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    /// IEEE float of 4 or 8 bytes.
    Float {
        /// Bytes per element.
        size: usize,
        /// Stored big-endian.
        big_endian: bool,
    },
    /// Two's-complement or unsigned integer.
    Int {
        /// Bytes per element (1, 2, 4, 8).
        size: usize,
        /// Signed.
        signed: bool,
        /// Stored big-endian.
        big_endian: bool,
    },
    /// An enum over a 1-byte integer: how h5py stores numpy bools.
    Bool,
}

impl DType {
    /// `float32`, little-endian.
    pub const F32: Self = Self::Float {
        size: 4,
        big_endian: false,
    };
    /// `float64`, little-endian.
    pub const F64: Self = Self::Float {
        size: 8,
        big_endian: false,
    };

    /// Bytes per element.
    pub fn size(&self) -> usize {
        match *self {
            Self::Float { size, .. } | Self::Int { size, .. } => size,
            Self::Bool => 1,
        }
    }

    /// Parses a datatype message body.
    pub fn parse(c: &mut Cursor<'_>) -> Result<Self, String> {
        let class_version = c.u8()?;
        let class = class_version & 0x0f;
        let bits = c.bytes(3)?;
        let (b0, b1, b2) = (bits[0], bits[1], bits[2]);
        let size = c.u32()? as usize;
        match class {
            0 => {
                c.skip(4)?; // bit offset, precision
                if ![1, 2, 4, 8].contains(&size) {
                    return Err(format!("unsupported integer size {size}"));
                }
                Ok(Self::Int {
                    size,
                    signed: b0 & 0x08 != 0,
                    big_endian: b0 & 0x01 != 0,
                })
            }
            1 => {
                c.skip(12)?; // offset, precision, exponent/mantissa layout, bias
                if b0 & 0x40 != 0 {
                    return Err("VAX-endian floats are not supported".into());
                }
                if size != 4 && size != 8 {
                    return Err(format!("unsupported float size {size}"));
                }
                Ok(Self::Float {
                    size,
                    big_endian: b0 & 0x01 != 0,
                })
            }
            8 => {
                let members = usize::from(u16::from_le_bytes([b0, b1]));
                let _ = b2;
                let base = Self::parse(c)?;
                if !matches!(base, Self::Int { size: 1, .. }) || size != 1 {
                    return Err(format!(
                        "unsupported enum (base {base:?}, size {size}); only bool"
                    ));
                }
                // Names (NUL-terminated, padded to 8 bytes in versions 1 and 2), then values.
                let version = class_version >> 4;
                for _ in 0..members {
                    let start = c.pos();
                    while c.u8()? != 0 {}
                    if version < 3 {
                        let len = c.pos() - start;
                        c.skip((8 - len % 8) % 8)?;
                    }
                }
                c.skip(members)?;
                Ok(Self::Bool)
            }
            other => Err(format!("unsupported datatype class {other}")),
        }
    }

    /// Encodes this type as a version-1 datatype message body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            Self::Float { size, big_endian } => {
                let (sign, exp_loc, exp_size, mant_size, bias) = if size == 4 {
                    (31u8, 23u8, 8u8, 23u8, 127u32)
                } else {
                    (63, 52, 11, 52, 1023)
                };
                out.push(0x11);
                out.extend_from_slice(&[0x20 | u8::from(big_endian), sign, 0]);
                out.extend_from_slice(&(size as u32).to_le_bytes());
                out.extend_from_slice(&0u16.to_le_bytes());
                out.extend_from_slice(&((size * 8) as u16).to_le_bytes());
                out.extend_from_slice(&[exp_loc, exp_size, 0, mant_size]);
                out.extend_from_slice(&bias.to_le_bytes());
            }
            Self::Int {
                size,
                signed,
                big_endian,
            } => {
                out.push(0x10);
                out.extend_from_slice(&[u8::from(big_endian) | (u8::from(signed) << 3), 0, 0]);
                out.extend_from_slice(&(size as u32).to_le_bytes());
                out.extend_from_slice(&0u16.to_le_bytes());
                out.extend_from_slice(&((size * 8) as u16).to_le_bytes());
            }
            Self::Bool => {
                out.push(0x18);
                out.extend_from_slice(&[2, 0, 0]);
                out.extend_from_slice(&1u32.to_le_bytes());
                Self::Int {
                    size: 1,
                    signed: true,
                    big_endian: false,
                }
                .encode(out);
                out.extend_from_slice(b"FALSE\0\0\0TRUE\0\0\0\0");
                out.extend_from_slice(&[0, 1]);
            }
        }
    }
}
