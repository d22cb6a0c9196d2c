//! The engine that runs Diffusion Forcing experiments.
//!
//! It starts from [`settings`]: the composed Hydra config is read once into typed structs, so
//! every later stage works with checked values and every mistake is reported by key.

pub mod checkpoint;
pub mod data_loader;
pub mod distributed;
pub mod maze2d_data;
pub mod metrics;
pub mod networks;
pub mod optim;
pub mod planning;
pub mod planning_eval;
pub mod plot;
pub mod settings;
pub mod tensorboard;
pub mod trainer;
pub mod video;
pub mod video_media;

pub use settings::{DiffusionSettings, RunSettings, SettingsError, Task, TrainingSettings};
