//! Time-series data for Diffusion Forcing (placeholder doc; see below).

pub mod error;
pub mod frequency;
pub mod gluonts_reader;
pub mod time_features;
