//! The engine that runs Diffusion Forcing experiments.
//!
//! It starts from [`settings`]: the composed Hydra config is read once into typed structs, so
//! every later stage works with checked values and every mistake is reported by key. Each
//! algorithm is one folder implementing the [`algorithm::Algorithm`] seam ([`planning`],
//! [`video`]); [`algorithm::registry`] runs the one that `algorithm._name` names, and the
//! [`trainer`] trains any of them.

pub mod algorithm;
pub mod checkpoint;
pub mod checkpoint_statistics;
pub mod console;
pub mod curves;
pub mod data_dir;
pub mod data_loader;
pub mod distributed;
pub mod forecasting;
pub mod metrics;
pub mod networks;
pub mod optim;
pub mod planning;
pub mod plot;
pub mod settings;
pub mod tensorboard;
pub mod trainer;
pub mod video;

pub use settings::{DiffusionSettings, RunSettings, SettingsError, Task, TrainingSettings};
