//! Video data for Diffusion Forcing.
//!
//! - [`VideoDataset`]: the TECO DMLab and Minecraft datasets read as the reference reads them
//!   (`<root>/{training,validation}/**/*.npz` sorted by file name, `metadata.json` built and
//!   written when missing, `test` aliasing `validation`, every start offset of every video a clip,
//!   frames `/255` in `(T, C, H, W)`, antialiased resize, `[::frame_skip]`, one-hot actions, a
//!   nonterminal mask), with typed errors that name the offending file.
//! - [`generate_maze3d`]: a native, procedurally generated first-person 3D maze world rendered in
//!   pure Rust and written in the TECO-DMLab layout, to learn video from without the TECO data.
//! - `write_mp4` (feature `mp4`): RGB frames to an H.264 `.mp4` (OpenH264), readable by the
//!   Minecraft decoding path and by any player.
//!
//! Where this differs from the reference, on purpose:
//! - No global RNG reseed and no materialised list of every clip: [`ClipOrder::Reference`]
//!   reproduces the reference's *validation* clips exactly (a port of CPython's MT19937
//!   `random.seed` + `random.shuffle`, materialised only for the small validation split) and
//!   uses a lazy seeded bijection for training, which the training loader reshuffles anyway.
//! - Bad data is an error naming the file (out-of-range action ids included, which the
//!   reference's `np.eye(k)[a]` would wrap when negative); [`BadFilePolicy::Skip`] leaves such
//!   files out when building `metadata.json` and records them there.
//! - `metadata.json` holds each file's real length (the reference's writer records 300 for
//!   every file), and a metadata file that no longer matches the files on disk is an error.
//! - Resizing is Pillow/torch's antialiased bilinear filter in `f32` (the reference's
//!   `Resize(antialias=True)`), within one 8-bit level of Pillow on the fixtures.
//! - Minecraft frames (feature `mp4`) are decoded by OpenH264 rather than PyAV/FFmpeg: identical
//!   pictures (H.264 decoding is exact), RGB within 2 levels of swscale's conversion.
//!
//! Only frames a clip needs are decompressed (DMLab: rows up to the clip's end; Minecraft:
//! decoding starts at the last IDR keyframe before the clip and stops after its last frame); an
//! [`EpisodeCache`] per loader worker keeps decoded episodes so later clips of them read nothing. Those early stops skip the zip CRC check of the
//! remainder, so a corrupted byte inside a *stored* (uncompressed) `.npz` can go unnoticed;
//! `metadata.json` building checks each file's structure and array headers, not every byte.

pub mod clip;
pub mod clips;
pub mod config;
pub mod cpython_random;
pub mod dataset;
pub mod episode_cache;
pub mod error;
pub mod files;
pub mod kind;
pub mod maze3d;
pub mod metadata;
#[cfg(feature = "mp4")]
pub mod mp4;
#[cfg(feature = "mp4")]
pub mod mp4_writer;
pub mod permutation;
pub mod resize;
pub mod source;
pub mod split;

pub use clip::{CHANNELS, DATA_MEAN, DATA_STD, VideoClip};
pub use config::{BadFilePolicy, ClipOrder, VideoDatasetConfig};
pub use dataset::VideoDataset;
pub use episode_cache::{CacheStats, EpisodeCache};
pub use error::VideoDataError;
pub use kind::VideoKind;
pub use maze3d::{Maze3dConfig, generate_maze3d, generate_maze3d_with};
pub use metadata::Metadata;
#[cfg(feature = "mp4")]
pub use mp4_writer::write_mp4;
pub use split::Split;
