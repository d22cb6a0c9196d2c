//! Algorithm names → implementations.
//!
//! The name is `algorithm._name`, which the reference's `main.py` sets to the `algorithm`
//! group's choice. A config file of ours that builds on another algorithm's config (e.g.
//! `df_video_small`, whose defaults list starts with `df_video`) says which implementation
//! runs it with `implements: df_video`; no key is sniffed.

use dforce_config::Value;

use super::{Algorithm, TaskContext, TaskError, tasks};
use crate::forecasting::{Backbone, ForecastOptions, Forecasting, TransformerForecasting};
use crate::planning::Planning;
use crate::settings::{RunSettings, Task};
use crate::video::Video;

/// The algorithms dforce implements, by their reference names.
pub const ALGORITHMS: &[&str] = &[Planning::NAME, Video::NAME, Forecasting::NAME];

/// The implementation that runs the composed config: `algorithm.implements` when the config
/// names one, else `algorithm._name`.
///
/// # Errors
/// Neither names a known algorithm; the message lists them.
pub fn implementation(cfg: &Value) -> Result<&'static str, TaskError> {
    let name = match cfg.get_opt_str("algorithm.implements")? {
        Some(name) => name,
        None => cfg.get_opt_str("algorithm._name")?.ok_or_else(|| {
            TaskError::Invalid(
                "no algorithm selected: pass algorithm=NAME (one of the files in configs/algorithm)"
                    .into(),
            )
        })?,
    };
    ALGORITHMS
        .iter()
        .find(|known| **known == name)
        .copied()
        .ok_or_else(|| {
            TaskError::Invalid(format!(
                "algorithm '{name}' has no implementation; the algorithms are {}. A config file that \
                 builds on one of them (its defaults list starts with it) says so with \
                 `implements: <name>`",
                ALGORITHMS.join(", ")
            ))
        })
}

/// Checks the config of the algorithm named `name` (see [`Algorithm::check_config`]).
///
/// # Errors
/// An unknown name, or the first invalid value.
pub fn check_config(name: &str, cfg: &Value) -> Result<(), TaskError> {
    let early = super::EarlyStopping::from_config(cfg)?;
    for note in super::lightning_settings::check(name, cfg)? {
        crate::say!("dforce: note: {note}");
    }
    match name {
        Planning::NAME => checked::<Planning>(cfg, &early),
        Video::NAME => checked::<Video>(cfg, &early),
        Forecasting::NAME => checked::<Forecasting>(cfg, &early),
        other => Err(TaskError::Invalid(format!(
            "algorithm '{other}' has no implementation; the algorithms are {}",
            ALGORITHMS.join(", ")
        ))),
    }
}

fn checked<A: Algorithm>(cfg: &Value, early: &super::EarlyStopping) -> Result<(), TaskError> {
    A::check_config(cfg)?;
    early.check_monitors(&A::monitorable_metrics(cfg))
}

/// Checks the input files of the algorithm named `name` (see [`Algorithm::check_inputs`]).
///
/// # Errors
/// An unknown name, or the first missing input.
pub fn check_inputs(name: &str, cfg: &Value, run: &RunSettings) -> Result<(), TaskError> {
    fn inputs<A: Algorithm>(cfg: &Value, run: &RunSettings) -> Result<(), TaskError> {
        A::check_inputs(&A::settings(cfg, run)?, &run.tasks)
    }
    match name {
        Planning::NAME => inputs::<Planning>(cfg, run),
        Video::NAME => inputs::<Video>(cfg, run),
        Forecasting::NAME => inputs::<Forecasting>(cfg, run),
        other => Err(TaskError::Invalid(format!(
            "algorithm '{other}' has no implementation; the algorithms are {}",
            ALGORITHMS.join(", ")
        ))),
    }
}

/// Runs `task` of the algorithm named `name` (one of [`ALGORITHMS`]).
///
/// # Errors
/// An unknown name, or whatever the task reports.
pub fn run_task(name: &str, ctx: &TaskContext, task: Task) -> Result<(), TaskError> {
    match name {
        Planning::NAME => tasks::run_task::<Planning>(ctx, task),
        Video::NAME => tasks::run_task::<Video>(ctx, task),
        // One name, two backbones: `algorithm.backbone` picks the model.
        Forecasting::NAME => match ForecastOptions::from_config(ctx.cfg)?.backbone {
            Backbone::Recurrent => tasks::run_task::<Forecasting>(ctx, task),
            Backbone::Transformer(_) => tasks::run_task::<TransformerForecasting>(ctx, task),
        },
        other => Err(TaskError::Invalid(format!(
            "algorithm '{other}' has no implementation; the algorithms are {}",
            ALGORITHMS.join(", ")
        ))),
    }
}
