//! Time-series data for Diffusion Forcing (placeholder doc; see below).

pub mod baselines;
pub mod covariates;
pub mod error;
pub mod frequency;
pub mod gluonts_reader;
pub mod grouping;
pub mod metrics;
pub mod numeric;
pub mod sampler;
pub mod spec;
pub mod statistics;
pub mod time_features;
pub mod windows;
