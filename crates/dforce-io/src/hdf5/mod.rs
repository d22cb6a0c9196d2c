//! HDF5 for D4RL's dataset files. Reading is `hdf5-reader`'s (pure Rust, no libhdf5, no
//! build-time C toolchain), which reads every file h5py writes; writing is its sibling
//! `hdf5-writer`'s, with plain contiguous datasets.

pub mod datatype;
pub mod file;
pub mod writer;

pub use datatype::DType;
pub use file::{H5Dataset, H5File};
pub use writer::H5Writer;
