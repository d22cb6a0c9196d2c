//! Generic file formats and file writing, shared by the dforce crates (none of it is specific
//! to an environment or a model).
//!
//! - [`hdf5`]: a small pure-Rust HDF5 reader/writer (no libhdf5 needed), enough for D4RL's
//!   dataset files.
//! - [`npz`]: numpy `.npy`/`.npz` reading and writing (rollout fixtures, TECO video datasets).
//! - [`atomic`]: writing a file under a temporary sibling name, synced and renamed into place,
//!   so readers see the old file or the complete new one, never half of one.

pub mod atomic;
pub mod error;
pub mod hdf5;
pub mod npz;

pub use error::{Hdf5Error, NpzError};
