//! Diffusion Forcing's math, free of I/O: beta schedules and their buffers, objectives and
//! conversions, loss weights, scheduling matrices, and the per-token DDIM/DDPM samplers.
//!
//! Tensors are burn's (`Tensor<D>`, device chosen at run time). Networks plug in through
//! [`Denoiser`]; randomness through [`NoiseSource`].

pub mod diffusion;
pub mod error;
pub mod levels;
pub mod loss_weights;
pub mod noise;
pub mod objective;
pub mod prefix;
pub mod schedule;
pub mod scheduling_matrix;

pub use diffusion::{
    Denoiser, Diffusion, DiffusionConfig, GuidanceFn, ModelPrediction, StepLevels,
};
pub use error::{CoreError, DenoiseError, error_chain};
pub use levels::{LevelGrid, RealLevels};
pub use loss_weights::LossWeighting;
pub use noise::{NoiseSource, ReplayNoise, SeededNoise};
pub use objective::Objective;
pub use prefix::{FrozenPrefix, WithFrozenPrefix};
pub use schedule::{BUFFER_NAMES, BetaSchedule, DiffusionBuffers};
pub use scheduling_matrix::{SchedulingKind, SchedulingMatrix, TrapezoidMode};
