//! Errors of the diffusion core: invalid settings, never panics on user input.

use thiserror::Error;

#[derive(Debug, Error)]
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
    /// The network called by a sampler or the training loss could not denoise its input.
    #[error(transparent)]
    Denoise(#[from] DenoiseError),
}

/// A [`crate::Denoiser`] could not predict from its input. Displays its own level only; the
/// network's error is reached through [`std::error::Error::source`] (see [`error_chain`]).
#[derive(Debug, Error)]
pub enum DenoiseError {
    /// An input whose shape does not fit what the network was built for.
    #[error("{what} has shape {given:?}, the network expects {expected}")]
    Shape {
        /// Which input, a singular noun: `x`, `the noise-level tensor`, `the condition`, …
        what: &'static str,
        /// The shape the network accepts, in words (e.g. `(tokens, batch, 20)`).
        expected: String,
        given: Vec<usize>,
    },
    /// A network that takes a condition was called without one.
    #[error("the network is conditioned (external_cond_dim = {dim}) but no condition was given")]
    MissingCondition { dim: usize },
    /// A condition was given to a network that takes none.
    #[error(
        "a condition of shape {given:?} was given to a network without one (external_cond_dim = 0)"
    )]
    UnexpectedCondition { given: Vec<usize> },
    /// The network's own forward pass failed.
    #[error("the network could not denoise its input")]
    Network(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl DenoiseError {
    /// Wraps a network's own error as the cause.
    pub fn network(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Network(Box::new(e))
    }
}

/// An error and its causes on one line, `what: why: deeper why`, as anyhow's `{:#}` prints
/// them. For the places that turn a typed error into text (a message inside another error):
/// error types display only their own level, and their causes are reached through
/// [`std::error::Error::source`], so `to_string()` alone would drop them.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        // An error that repeats its cause's text (a foreign type may) is not printed twice.
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Error)]
    #[error("reading data.npz")]
    struct Outer {
        #[source]
        source: std::io::Error,
    }

    #[test]
    fn chain_prints_each_cause_once() {
        let e = Outer {
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        };
        assert_eq!(error_chain(&e), "reading data.npz: no such file");
    }
}
