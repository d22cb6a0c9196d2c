//! The reference's networks in burn, loadable from its checkpoints by state_dict name.

pub mod checkpoint_guard;
pub mod embedding;
pub mod error;
pub mod inspect;
pub mod kv_cache;
pub mod params;
pub mod safetensors_io;
pub mod state_dict;
pub mod transformer;
pub mod transition_mlp;
pub mod unet3d;

pub use error::NnError;
pub use inspect::{CheckpointSummary, NetworkKind, mismatch_hint};
pub use kv_cache::{KvCache, KvMode};
pub use params::{
    ParamVisitor, StateDictCollector, visit_layer_norm, visit_linear, visit_linear_named,
};
pub use safetensors_io::write_safetensors_atomic;
pub use state_dict::{CheckpointFormat, HostTensor, StateDict, WeightLoader};
pub use transformer::{Transformer, TransformerConfig};
pub use transition_mlp::{TransitionMlp, TransitionMlpConfig};
pub use unet3d::{FrameNorm, TimeEmbType, Unet3d, Unet3dConfig};
