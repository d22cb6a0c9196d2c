//! Offline maze2d data: D4RL's waypoint-controller collection, dataset statistics and the
//! D4RL HDF5 file layout.

pub mod controller;
pub mod d4rl_file;
pub mod dataset;
pub mod generate;
pub mod path;
pub mod stats;

pub use controller::{ControllerGains, WaypointController};
pub use d4rl_file::{D4rlRead, read_d4rl, write_d4rl, write_d4rl_owned};
pub use dataset::Dataset;
pub use generate::{GenerateConfig, generate, generate_with};
pub use stats::{DatasetStats, d4rl_reference_stats};
