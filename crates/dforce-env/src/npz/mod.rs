//! Reading numpy `.npy` arrays and `.npz` archives (the format of the MuJoCo rollout fixtures).

pub mod archive;
pub mod npy;

pub use archive::NpzFile;
pub use npy::{NpyArray, NpyData, parse_npy};
