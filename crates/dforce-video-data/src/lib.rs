//! Video data for Diffusion Forcing.
//!
//! - [`VideoDataset`]: the TECO DMLab and Minecraft datasets read exactly as the reference reads
//!   them (layout, `metadata.json`, splits, clip indexing, resize, one-hot actions), with typed
//!   errors that name the offending file.
//! - [`generate_maze3d`]: a native procedurally generated first-person 3D maze world, rendered in
//!   pure Rust and written in the TECO-DMLab layout, so video models can be trained without the
//!   (offline-unavailable) TECO data.
//!
//! Minecraft's `.mp4` frames need the `mp4` cargo feature (OpenH264, compiled from C++ source);
//! everything else is pure Rust.

pub mod clip;
pub mod clips;
pub mod config;
pub mod cpython_random;
pub mod dataset;
pub mod error;
pub mod files;
pub mod kind;
pub mod maze3d;
pub mod metadata;
#[cfg(feature = "mp4")]
pub mod mp4;
pub mod permutation;
pub mod resize;
pub mod source;
pub mod split;

pub use clip::{DATA_MEAN, DATA_STD, VideoClip};
pub use config::{BadFilePolicy, ClipOrder, VideoDatasetConfig};
pub use dataset::VideoDataset;
pub use error::VideoDataError;
pub use kind::VideoKind;
pub use maze3d::generate_maze3d;
pub use metadata::Metadata;
pub use split::Split;
