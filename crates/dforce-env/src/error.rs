//! Error types. Each names what it failed on (file, key, env id) so a bad input is diagnosable
//! from the message alone.

/// Errors building environments.
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    /// The maze string is malformed.
    #[error("invalid maze layout {spec:?}: {reason}")]
    Layout {
        /// The offending string.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No registration with this id; the message lists every registered id.
    #[error(
        "unknown maze2d env id {0:?}; the registered ids (D4RL's d4rl/pointmaze/__init__.py) \
         are {ids}",
        ids = crate::maze2d::SPECS.iter().map(|s| s.id).collect::<Vec<_>>().join(", ")
    )]
    UnknownEnv(String),
    /// A requested size is out of range.
    #[error("{what}={got} is out of range; it must be {range}")]
    Range {
        /// The setting (e.g. `steps`).
        what: &'static str,
        /// Its value.
        got: String,
        /// The accepted range.
        range: String,
    },
}
