//! HDF5 for D4RL's dataset files. Reading is `hdf5-reader`'s (pure Rust, no libhdf5, no
//! build-time C toolchain), which reads every file h5py writes; writing is ours and produces
//! plain contiguous datasets in symbol-table groups, the layout libhdf5 itself writes by default.

pub mod datatype;
pub mod file;
pub mod writer;

pub use datatype::DType;
pub use file::{H5Dataset, H5File};
pub use writer::H5Writer;
