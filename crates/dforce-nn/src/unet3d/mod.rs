//! The video `Unet3D` of the reference (`models/unet3d.py`, `resnet.py`, `attention.py`,
//! `embeddings.py`), loadable from its checkpoints by state_dict name.
//!
//! Frames are processed as frame-major `(n·B, C, H, W)` rows (see [`window`]): spatial
//! convolutions and spatial attention act per frame, temporal attention per pixel, and the
//! only coupling across frames besides temporal attention is GroupNorm — pooled over the
//! window as in the reference ([`FrameNorm::AcrossFrames`]) or per frame for a truly causal
//! network ([`FrameNorm::PerFrame`]).

pub mod attention;
pub mod config;
pub mod norm;
pub mod resnet;
pub mod rotary;
pub mod spatial_temporal;
pub mod timestep;
pub mod unet;
pub mod window;

pub use config::{FrameNorm, TimeEmbType, Unet3dConfig};
pub use unet::Unet3d;
