//! The experiment tasks, the same for every [`Algorithm`]: `training` (with periodic
//! validation), `validation` and `test` (the reference's `exp_base.py` task methods).

use std::path::{Path, PathBuf};

use dforce_nn::StateDict;

use super::{Algorithm, EarlyStopping, Stage, TaskContext, TaskError, TrainingData};
use crate::checkpoint;
use crate::settings::Task;
use crate::trainer::{TrainError, TrainJob, TrainableModel, Verdict, train};

/// Runs `task` of algorithm `A`. Evaluation is not sharded: in a data-parallel job, rank 0
/// evaluates alone and the other ranks return at once.
///
/// # Errors
/// Whatever the task's stages report.
pub fn run_task<A: Algorithm>(ctx: &TaskContext, task: Task) -> Result<(), TaskError> {
    if task != Task::Training && !ctx.parallel.is_root() {
        return Ok(());
    }
    // Every key of the algorithm, read once for the task.
    let settings = A::settings(ctx.cfg, ctx.settings)?;
    match task {
        Task::Training => training::<A>(ctx, &settings),
        // The reference's test task crashes (spec §8 item 13); ours evaluates like validation.
        Task::Validation => evaluation::<A>(ctx, &settings, Stage::Validation),
        Task::Test => evaluation::<A>(ctx, &settings, Stage::Test),
        Task::SaveMeanStdMetadata => A::save_mean_std_metadata(ctx, &settings),
    }
}

/// The training task: build (or `load=`) the model, train it with periodic validation on a
/// plain-device snapshot, resume exactly from `resume=`.
fn training<A: Algorithm>(ctx: &TaskContext, algo: &A::Settings) -> Result<(), TaskError> {
    // Declared first: the training job borrows it for as long as the validator.
    let mut reducer = ctx.parallel.reducer();
    let cfg = ctx.cfg;
    let settings = &ctx.settings.training;
    ctx.device.seed(ctx.settings.seed);
    let device = ctx.device.clone().autodiff();
    let mut model = A::build_model(ctx, algo, &device)?;
    if let Some(path) = &ctx.load {
        let sd = StateDict::load(path)?;
        load_weights(
            &mut model,
            &sd,
            &device,
            path,
            "loading the starting weights (load=)",
        )?;
        crate::say!("dforce: loaded weights from {}", path.display());
        note_statistics::<A>(algo, &sd);
    }
    if let Some(path) = &ctx.resume {
        crate::say!("dforce: resuming from {}", path.display());
    }
    let TrainingData { items, build } = A::training_data(ctx, algo, &model)?;
    let mut early = EarlyStopping::from_config(cfg)?;
    if ctx.parallel.is_root() {
        early.start(ctx.run_dir, ctx.resume.is_some());
    }
    let mut validate = |m: &mut A::Model, step: u64| -> Result<Verdict, TrainError> {
        let failed = |e: TaskError| {
            TrainError::Invalid(format!("validation: {}", dforce_core::error_chain(&e)))
        };
        let eval =
            A::evaluate(ctx, algo, &A::snapshot(m), step, Stage::Validation).map_err(failed)?;
        crate::say!("dforce: step {step}: {}", eval.summary);
        if !early.is_active() {
            return Ok(Verdict::Continue);
        }
        let stop = early
            .observe(&eval.metrics, ctx.run_dir, step, || m.state_tensors())
            .map_err(failed)?;
        Ok(if stop {
            Verdict::Stop
        } else {
            Verdict::Continue
        })
    };
    let summary = train(
        TrainJob {
            run_dir: ctx.run_dir,
            seed: ctx.settings.seed,
            settings,
            reference_warmup: settings.reference_warmup,
            config_yaml: cfg.to_yaml(),
            resume: ctx.resume.clone(),
            device,
            quiet: ctx.quiet_progress(),
            // (re-borrowed as a shorter-lived trait object)
            reducer: reducer
                .as_deref_mut()
                .map(|r| r as &mut dyn crate::distributed::GradientReducer),
        },
        &mut model,
        items,
        build,
        Some(&mut validate),
    )?;
    crate::say!("dforce: {}", summary.one_line());
    if ctx.parallel.is_root() {
        let title = format!(
            "{} training, run {}",
            A::NAME,
            ctx.run_dir
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        );
        let path = crate::curves::write_training_curves(ctx.run_dir, &title, A::HEADLINE_METRICS)?;
        crate::say!("dforce: training curves in {}", path.display());
    }
    Ok(())
}

/// Says which of the checkpoint's normalisation statistics replaced different ones of the
/// config (see [`crate::checkpoint_statistics`]).
fn note_statistics<A: Algorithm>(algo: &A::Settings, sd: &StateDict) {
    let Some([mean, std]) = A::config_statistics(algo) else {
        return;
    };
    let config = [
        (mean.0, mean.1.as_slice(), mean.2),
        (std.0, std.1.as_slice(), std.2),
    ];
    for note in crate::checkpoint_statistics::differences(sd, config) {
        crate::say!("dforce: note: {note}");
    }
}

/// The validation and test tasks: evaluate the weights [`evaluation_weights`] picks.
fn evaluation<A: Algorithm>(
    ctx: &TaskContext,
    algo: &A::Settings,
    stage: Stage,
) -> Result<(), TaskError> {
    let weights = evaluation_weights(ctx)?;
    // Planning's guidance differentiates through the network by itself (the sampler makes its
    // input an autodiff leaf), so every model lives on the plain device here.
    ctx.device.seed(ctx.settings.seed);
    let mut model = A::build_model(ctx, algo, &ctx.device)?;
    let sd = StateDict::load(&weights)?;
    load_weights(
        &mut model,
        &sd,
        &ctx.device,
        &weights,
        "loading the weights",
    )?;
    note_statistics::<A>(algo, &sd);
    A::check_weights(ctx, algo, &sd, &model);
    let step = u64::try_from(sd.global_step.unwrap_or(0)).unwrap_or(0);
    crate::say!(
        "dforce: {} of {} (step {step})",
        stage.namespace(),
        weights.display()
    );
    let eval = A::evaluate(ctx, algo, &model, step, stage)?;
    crate::say!("dforce: {}", eval.summary);
    Ok(())
}

/// Loads `sd` strictly; a checkpoint that does not fit the network gets the cause once, then
/// what to do about it ([`dforce_nn::mismatch_hint`]).
fn load_weights<M: TrainableModel>(
    model: &mut M,
    sd: &StateDict,
    device: &burn::tensor::Device,
    path: &Path,
    what: &str,
) -> Result<(), TaskError> {
    model.load_weights(sd, device).map_err(|e| {
        let chain = dforce_core::error_chain(&e);
        TaskError::Invalid(match &e {
            // The mismatch names the file itself; say it once, then what to do.
            TrainError::Nn(dforce_nn::NnError::Mismatch { .. }) => {
                format!("{what}: {chain}{}", dforce_nn::mismatch_hint(sd, path))
            }
            _ => format!("{what} from {}: {chain}", path.display()),
        })
    })
}

/// `resume=` names a run directory (its newest checkpoint) or a checkpoint file.
///
/// # Errors
/// Neither a file nor a directory with a checkpoint.
pub fn resume_checkpoint(path: &Path) -> Result<PathBuf, TaskError> {
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    if path.is_dir() {
        return checkpoint::latest(path).ok_or_else(|| {
            TaskError::Invalid(format!(
                "resume={}: that run directory has no checkpoint in checkpoints/",
                path.display()
            ))
        });
    }
    Err(TaskError::Invalid(format!(
        "resume={}: no such run directory or checkpoint file",
        path.display()
    )))
}

/// `load=` names a checkpoint file, or a run directory for its best checkpoint (when a metric
/// was monitored) or else its newest one; training starts from it and evaluations read it.
///
/// # Errors
/// Neither a file nor a directory with a checkpoint, naming `load=` and what to pass.
pub fn load_checkpoint(path: &Path) -> Result<PathBuf, TaskError> {
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    if path.is_dir() {
        return super::early_stopping::best_checkpoint(path)
            .or_else(|| checkpoint::latest(path))
            .ok_or_else(|| {
                TaskError::Invalid(format!(
                    "load={}: that directory has no checkpoint in checkpoints/; give a \
                     checkpoint file or a run directory that holds one",
                    path.display()
                ))
            });
    }
    Err(TaskError::Invalid(format!(
        "load={}: no such checkpoint file or run directory",
        path.display()
    )))
}

/// Which weights an evaluation task reads: after a training task in the same run, the
/// checkpoint it just wrote (the reference would reload the original `load=`, spec §8.2 18);
/// otherwise `load=`, which is then required.
///
/// # Errors
/// No checkpoint where one is needed; the message says what to pass.
pub fn evaluation_weights(ctx: &TaskContext) -> Result<PathBuf, TaskError> {
    let tasks = &ctx.settings.tasks;
    let trained_before = tasks
        .iter()
        .position(|t| *t == Task::Training)
        .zip(
            tasks
                .iter()
                .position(|t| matches!(t, Task::Validation | Task::Test)),
        )
        .is_some_and(|(t, v)| t < v);
    if trained_before {
        // With a monitored metric (early stopping / ModelCheckpoint(monitor=…)), the best
        // checkpoint, as Lightning's `trainer.test(ckpt_path="best")` would.
        if let Some(best) = super::early_stopping::best_checkpoint(ctx.run_dir) {
            return Ok(best);
        }
        return checkpoint::latest(ctx.run_dir).ok_or_else(|| {
            TaskError::Invalid(format!(
                "validation after training: the training task left no checkpoint in {}/checkpoints",
                ctx.run_dir.display()
            ))
        });
    }
    match &ctx.load {
        Some(path) => load_checkpoint(path),
        None => Err(TaskError::Invalid(
            "the validation and test tasks evaluate trained weights: pass load=PATH with a dforce checkpoint \
             (.safetensors, or a run directory for its newest one) or an official Lightning .ckpt"
                .into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `load=` takes a run directory as `resume=` does (training refused it as "not a regular
    /// file"), and a path with no checkpoint is refused by name.
    #[test]
    fn load_takes_a_checkpoint_file_or_a_run_directory() {
        let run = tempfile::tempdir().unwrap();
        let err = load_checkpoint(run.path()).unwrap_err().to_string();
        assert!(err.contains("has no checkpoint"), "{err}");
        let ckpts = run.path().join("checkpoints");
        std::fs::create_dir_all(&ckpts).unwrap();
        for step in [5, 40, 12] {
            std::fs::write(ckpts.join(format!("epoch=0-step={step}.safetensors")), b"").unwrap();
        }
        let newest = ckpts.join("epoch=0-step=40.safetensors");
        assert_eq!(load_checkpoint(run.path()).unwrap(), newest);
        assert_eq!(load_checkpoint(&newest).unwrap(), newest);
        let err = load_checkpoint(&run.path().join("nope"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no such checkpoint file or run directory"),
            "{err}"
        );
    }
}
