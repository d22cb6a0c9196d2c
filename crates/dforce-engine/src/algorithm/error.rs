//! The error of an experiment task: whatever its stages report, each cause chained once.

use thiserror::Error;

/// An experiment task failed. Each variant displays its own level only; causes are reached
/// through [`std::error::Error::source`] (print with [`dforce_core::error_chain`] or `anyhow`'s
/// `{:#}`).
#[derive(Debug, Error)]
pub enum TaskError {
    #[error(transparent)]
    Settings(#[from] crate::SettingsError),
    #[error(transparent)]
    Config(#[from] dforce_config::ConfigError),
    #[error(transparent)]
    Core(#[from] dforce_core::CoreError),
    #[error(transparent)]
    Nn(#[from] dforce_nn::NnError),
    #[error(transparent)]
    Train(#[from] crate::trainer::TrainError),
    #[error(transparent)]
    PlanningEval(#[from] crate::planning::EvalError),
    #[error(transparent)]
    VideoData(#[from] dforce_video_data::VideoDataError),
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
    #[error("drawing a chart")]
    Chart(#[from] dforce_charts::ChartError),
    /// A file or directory could not be read or written; `what` names it.
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// A value that the task cannot use; the message says what would be right.
    #[error("{0}")]
    Invalid(String),
    /// `source` happened while doing `what` (e.g. "load=PATH").
    #[error("{what}")]
    Context {
        what: String,
        #[source]
        source: Box<TaskError>,
    },
}

impl TaskError {
    /// Wraps `self` as the cause of `what`.
    pub fn context(self, what: impl Into<String>) -> Self {
        TaskError::Context {
            what: what.into(),
            source: Box::new(self),
        }
    }
}

/// An `io::Error` mapper naming the file: `.map_err(io(format!("writing {}", p.display())))`.
pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> TaskError {
    let what = what.into();
    move |source| TaskError::Io { what, source }
}

/// Adds context to any error convertible into [`TaskError`].
pub trait ResultExt<T> {
    /// Wraps the error as the cause of `what()`.
    fn context_with(self, what: impl FnOnce() -> String) -> Result<T, TaskError>;
}

impl<T, E: Into<TaskError>> ResultExt<T> for Result<T, E> {
    fn context_with(self, what: impl FnOnce() -> String) -> Result<T, TaskError> {
        self.map_err(|e| e.into().context(what()))
    }
}
