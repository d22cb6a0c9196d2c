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
