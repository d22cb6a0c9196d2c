//! The element types this crate reads and writes (IEEE floats, integers, and h5py's bool, an
//! 8-bit enum `{FALSE: 0, TRUE: 1}`), mapped from `hdf5-reader`'s decoded datatype messages,
//! and back into `hdf5-writer`'s datatypes (the same `hdf5-core` types) for the writer.

use hdf5_reader::{ByteOrder, Datatype, EnumMember};

fn big_endian(order: ByteOrder) -> bool {
    matches!(order, ByteOrder::BigEndian)
}

/// An element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    /// IEEE float of 2, 4 or 8 bytes (numpy's float16, float32, float64).
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

    /// The element type of a datatype message as `hdf5-reader` decodes it: IEEE floats of 2, 4
    /// or 8 bytes (numpy's float16/32/64), integers of 1, 2, 4 or 8 bytes, and h5py's bool (an
    /// enum over a 1-byte integer with members `FALSE` = 0 and `TRUE` = 1). Other classes
    /// (strings, compounds, other enums, VAX floats) are refused with a message naming them.
    pub fn from_hdf5(dt: &Datatype) -> Result<Self, String> {
        match dt {
            Datatype::FloatingPoint { size, byte_order } => {
                let size = usize::from(*size);
                if ![2, 4, 8].contains(&size) {
                    return Err(format!("{size}-byte floats are not supported (2, 4 or 8)"));
                }
                Ok(Self::Float {
                    size,
                    big_endian: big_endian(*byte_order),
                })
            }
            Datatype::FixedPoint {
                size,
                signed,
                byte_order,
            } => {
                let size = usize::from(*size);
                if ![1, 2, 4, 8].contains(&size) {
                    return Err(format!(
                        "{size}-byte integers are not supported (1, 2, 4 or 8)"
                    ));
                }
                Ok(Self::Int {
                    size,
                    signed: *signed,
                    big_endian: big_endian(*byte_order),
                })
            }
            Datatype::Enum { base, members } => {
                let is_bool = matches!(**base, Datatype::FixedPoint { size: 1, .. })
                    && members.len() == 2
                    && members.iter().all(|m| {
                        (m.name == "FALSE" && m.value == [0])
                            || (m.name == "TRUE" && m.value == [1])
                    });
                if is_bool {
                    Ok(Self::Bool)
                } else {
                    let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
                    Err(format!(
                        "enum type with members {names:?} is not supported (only h5py's bool, \
                         members FALSE = 0 and TRUE = 1)"
                    ))
                }
            }
            other => Err(format!(
                "element type {other:?} is not supported (numeric: floats, integers, bools)"
            )),
        }
    }

    /// This type as `hdf5-writer`'s datatype: what h5py writes for the numpy dtype (a bool is
    /// an enum over a signed byte with members `FALSE` = 0 and `TRUE` = 1).
    pub fn to_hdf5(&self) -> Datatype {
        let order = |big_endian: bool| {
            if big_endian {
                ByteOrder::BigEndian
            } else {
                ByteOrder::LittleEndian
            }
        };
        match *self {
            Self::Float { size, big_endian } => Datatype::FloatingPoint {
                size: size as u8,
                byte_order: order(big_endian),
            },
            Self::Int {
                size,
                signed,
                big_endian,
            } => Datatype::FixedPoint {
                size: size as u8,
                signed,
                byte_order: order(big_endian),
            },
            Self::Bool => Datatype::Enum {
                base: Box::new(Datatype::FixedPoint {
                    size: 1,
                    signed: true,
                    byte_order: ByteOrder::LittleEndian,
                }),
                members: [("FALSE", 0u8), ("TRUE", 1)]
                    .into_iter()
                    .map(|(name, value)| EnumMember {
                        name: name.to_owned(),
                        value: vec![value],
                    })
                    .collect(),
            },
        }
    }
}
