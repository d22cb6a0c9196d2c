//! Errors of the diffusion core: invalid settings, never panics on user input.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum CoreError {
    /// A config name (schedule, objective, scheduling matrix, …) that we do not know.
    #[error("unknown {what} '{given}'; expected one of: {expected}")]
    UnknownName {
        what: &'static str,
        given: String,
        expected: &'static str,
    },
    /// A setting or an input that is out of its valid range, with the reason.
    #[error("{0}")]
    Invalid(String),
}
