//! The element types this crate reads and writes (IEEE floats, integers, and h5py's bool, an
//! 8-bit enum `{FALSE: 0, TRUE: 1}`), mapped from `hdf5-reader`'s decoded datatype messages,
//! and back into `hdf5-writer`'s datatypes (the same `hdf5-core` types) for the writer.

use hdf5_reader::{ByteOrder, Datatype, EnumMember};
use hdf5_reader::{ReferenceType, StringEncoding, StringSize, VarLenKind};

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
            other if complex_bits(other).is_some() => Err(format!(
                "element type {} (h5py's complex numbers) is not supported; dforce reads real \
                 numbers (floats, integers, bools): store the real and imaginary parts as two \
                 float datasets",
                describe(other)
            )),
            other => Err(format!(
                "element type {} is not supported; dforce reads numbers (floats, integers, \
                 bools)",
                describe(other)
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

/// Bits of the complex number a datatype holds, when it is how h5py stores numpy's complex
/// dtypes: a compound of two fields named `r` and `i`, floats of one size, `i` right after `r`.
fn complex_bits(dt: &Datatype) -> Option<usize> {
    let Datatype::Compound { fields, .. } = dt else {
        return None;
    };
    match fields.as_slice() {
        [r, i] if r.name == "r" && i.name == "i" && r.datatype == i.datatype => match r.datatype {
            Datatype::FloatingPoint { size, .. } => Some(16 * usize::from(size)),
            _ => None,
        },
        _ => None,
    }
}

/// A datatype in words, with numpy's names for the numeric ones (`float64`, `int32`, `uint8`,
/// `complex128`; ` big-endian` added when stored so), for messages: e.g. "a compound type of 2
/// fields (a: float64, b: int32)", "a variable-length UTF-8 string".
pub fn describe(dt: &Datatype) -> String {
    let endian = |order: &ByteOrder| match order {
        ByteOrder::BigEndian => " big-endian",
        ByteOrder::LittleEndian => "",
    };
    let encoding = |e: &StringEncoding| match e {
        StringEncoding::Ascii => "ASCII",
        StringEncoding::Utf8 => "UTF-8",
    };
    match dt {
        Datatype::FixedPoint {
            size,
            signed,
            byte_order,
        } => format!(
            "{}int{}{}",
            if *signed { "" } else { "u" },
            8 * usize::from(*size),
            endian(byte_order)
        ),
        Datatype::FloatingPoint { size, byte_order } => {
            format!("float{}{}", 8 * usize::from(*size), endian(byte_order))
        }
        Datatype::String {
            size, encoding: e, ..
        } => match size {
            StringSize::Fixed(n) => format!("a fixed-length {} string of {n} bytes", encoding(e)),
            StringSize::Variable => format!("a variable-length {} string", encoding(e)),
        },
        Datatype::Compound { fields, .. } => match complex_bits(dt) {
            Some(bits) => {
                let order = match &fields[0].datatype {
                    Datatype::FloatingPoint { byte_order, .. } => endian(byte_order),
                    _ => "",
                };
                format!("complex{bits}{order}")
            }
            None => {
                let list: Vec<String> = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name, describe(&f.datatype)))
                    .collect();
                format!(
                    "a compound type of {} field{} ({})",
                    fields.len(),
                    if fields.len() == 1 { "" } else { "s" },
                    list.join(", ")
                )
            }
        },
        Datatype::Array { base, dims } => {
            let dims: Vec<String> = dims.iter().map(u64::to_string).collect();
            format!(
                "an array of shape ({}) of {}",
                dims.join(", "),
                describe(base)
            )
        }
        Datatype::Enum { base, members } => {
            let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
            format!(
                "an enum over {} with members {}",
                describe(base),
                names.join(", ")
            )
        }
        Datatype::VarLen {
            base,
            kind,
            encoding: e,
            ..
        } => match kind {
            VarLenKind::String => format!("a variable-length {} string", encoding(e)),
            VarLenKind::Sequence | VarLenKind::Unknown(_) => {
                format!("a variable-length sequence of {}", describe(base))
            }
        },
        Datatype::Opaque { size, tag } if tag.is_empty() => {
            format!("an opaque type of {size} bytes")
        }
        Datatype::Opaque { size, tag } => format!("an opaque type of {size} bytes ({tag:?})"),
        Datatype::Reference { ref_type, .. } => match ref_type {
            ReferenceType::Object => "an object reference".into(),
            ReferenceType::DatasetRegion => "a dataset region reference".into(),
        },
        Datatype::Bitfield { size, .. } => format!("a bitfield of {size} bytes"),
    }
}
