//! Reading and writing numpy `.npy` arrays and `.npz` archives (the format of the MuJoCo rollout
//! fixtures and of the TECO video datasets).

pub mod archive;
pub mod npy;
pub mod writer;

pub use archive::NpzFile;
pub use npy::{
    NpyArray, NpyData, NpyHeader, decode_payload, encode_npy_header, fortran_to_c, parse_npy,
    parse_npy_header, read_npy_header,
};
pub use writer::{NpyElement, NpzCompression, NpzWriter};
