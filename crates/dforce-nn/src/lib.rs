//! The reference's networks in burn, loadable from its checkpoints by state_dict name.

pub mod embedding;
pub mod error;
pub mod state_dict;
pub mod transformer;
pub mod unet3d;

pub use error::NnError;
pub use state_dict::{CheckpointFormat, HostTensor, StateDict, WeightLoader};
pub use transformer::{Transformer, TransformerConfig};
pub use unet3d::{FrameNorm, TimeEmbType, Unet3d, Unet3dConfig};
