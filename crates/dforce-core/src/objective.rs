//! What the network predicts, and the conversions between x0, ε and v.
//!
//! The conversions act on per-token coefficients gathered from the f32 buffers, in the same
//! operation order as the reference so results agree to f32 round-off.

use crate::error::CoreError;

/// The reference's `diffusion.objective`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// The network predicts the noise ε.
    PredNoise,
    /// The network predicts the clean sample x0.
    PredX0,
    /// The network predicts v = √ab·ε − √(1−ab)·x0.
    PredV,
}

impl Objective {
    pub fn from_name(name: &str) -> Result<Self, CoreError> {
        match name {
            "pred_noise" => Ok(Self::PredNoise),
            "pred_x0" => Ok(Self::PredX0),
            "pred_v" => Ok(Self::PredV),
            other => Err(CoreError::UnknownName {
                what: "objective",
                given: other.to_string(),
                expected: "pred_noise, pred_x0, pred_v",
            }),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::PredNoise => "pred_noise",
            Self::PredX0 => "pred_x0",
            Self::PredV => "pred_v",
        }
    }
}
