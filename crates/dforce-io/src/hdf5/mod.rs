//! A small pure-Rust HDF5 reader and writer, enough for D4RL's dataset files: no libhdf5, no
//! build-time C toolchain. Reading covers what h5py writes by default (including gzip-chunked
//! datasets); writing produces plain contiguous datasets in symbol-table groups.

pub mod bytes;
pub mod chunks;
pub mod datatype;
pub mod file;
pub mod group;
pub mod layout;
pub mod object_header;
pub mod writer;

pub use datatype::DType;
pub use file::{H5Dataset, H5File};
pub use writer::H5Writer;
