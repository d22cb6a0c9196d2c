//! Environments and offline data for Diffusion Forcing's maze2d experiments.
//!
//! - [`maze2d`]: D4RL's maze2d environments with a from-scratch port of the MuJoCo point-mass
//!   physics (free-space Euler update and soft wall contacts), checked against MuJoCo rollouts.
//! - [`data`]: D4RL's waypoint-controller data collection, dataset statistics and the D4RL
//!   HDF5 layout.
//! - [`hdf5`]: a small pure-Rust HDF5 reader/writer for that layout (no libhdf5 needed).
//! - [`npz`]: `.npy`/`.npz` reading for numpy fixtures.

pub mod data;
pub mod error;
pub mod hdf5;
pub mod maze2d;
pub mod npz;
pub mod rollouts;

pub use error::{EnvError, Hdf5Error, NpzError};
