//! Environments and offline data for Diffusion Forcing's maze2d experiments.
//!
//! - [`maze2d`]: D4RL's maze2d environments with a from-scratch port of the MuJoCo point-mass
//!   physics (free-space Euler update and soft wall contacts), checked against MuJoCo rollouts.
//! - [`data`]: D4RL's waypoint-controller data collection, dataset statistics and the D4RL
//!   HDF5 layout (read and written with [`dforce_io::hdf5`]).
//! - [`rollouts`]: recorded MuJoCo rollouts (an `.npz` read with [`dforce_io::npz`]).

pub mod data;
pub mod error;
pub mod maze2d;
pub mod rollouts;

pub use error::EnvError;
