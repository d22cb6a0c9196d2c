//! Generic file formats and file writing, shared by the dforce crates (none of it is specific
//! to an environment or a model).
//!
//! - [`hdf5`]: HDF5 reading through the pure-Rust `hdf5-reader` crate (every file h5py writes:
//!   any `libver`, `track_order`, gzip/shuffle/lzf/fletcher32) and a small writer of D4RL's
//!   layout (no libhdf5 needed).
//! - [`npz`]: numpy `.npy`/`.npz` reading and writing (rollout fixtures, TECO video datasets).
//! - [`atomic`]: writing a file under a temporary sibling name, synced and renamed into place,
//!   so readers see the old file or the complete new one, never half of one.

pub mod atomic;
pub mod error;
pub mod hdf5;
pub mod npz;

pub use error::{Hdf5Error, NpzError};
