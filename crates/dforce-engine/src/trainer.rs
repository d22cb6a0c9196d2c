//! The training task: data → loss → gradients → AdamW, with checkpoints, exact resume and
//! logs (metrics.jsonl, TensorBoard, a progress bar).
//!
//! One optimiser step consumes `accumulate_grad_batches` batches. Every random draw of step `s`
//! (noise levels, diffusion noise, terminal masks) comes from streams derived from
//! `(seed, s, micro-batch)`, and the data order from `(seed, epoch)`, so a run resumed from a
//! checkpoint computes exactly the losses an uninterrupted run would.
//!
//! Data-parallel runs ([`GradientReducer`] with several ranks) shard every step: rank `r` of `W`
//! with accumulation `A` computes global micro-batches `r·A .. r·A + A − 1` of the step's `A·W`
//! (data and streams alike, see [`Shard`]), each micro-batch loss is scaled by `1/(A·W)` and the
//! gradients are summed over ranks (their mean over the global batch, as DDP averages), and one small
//! all-reduce of the step's status (stop flag, loss sum) makes every rank stop at the same step.
//! Rank 0 alone writes metrics, TensorBoard, the progress bar, validation media and checkpoints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::{Device, Tensor};
use dforce_core::{BUFFER_NAMES, Diffusion, SeededNoise};
use dforce_nn::{HostTensor, StateDict};
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

use crate::checkpoint::{self, RunPosition};
use crate::data_loader::{BatchBuilder, BatchPlan, DataPosition, Loader};
use crate::distributed::{FlattenParams, GradientReducer, Shard, SingleProcess, digest};
use crate::metrics::MetricsLog;
use crate::optim::{AdamW, AdamWConfig, GradientBuffer, Warmup};
use crate::settings::{BatchLimit, TrainingSettings};
use crate::tensorboard::EventWriter;

#[derive(Debug, Error)]
pub enum TrainError {
    #[error(transparent)]
    Core(#[from] dforce_core::CoreError),
    #[error(transparent)]
    Nn(#[from] dforce_nn::NnError),
    #[error("{what}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("non-finite {what} at step {step}{detail}")]
    NonFinite {
        what: String,
        step: u64,
        detail: String,
    },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> TrainError {
    let what = what.into();
    move |source| TrainError::Io { what, source }
}

/// What the trainer needs from an algorithm: its loss on a batch and its parameters by name.
pub trait TrainableModel {
    /// A training batch, built on the data workers.
    type Batch: Send + 'static;
    /// The reference's algorithm name (recorded in checkpoints).
    const ALGORITHM: &'static str;
    /// Walks the network's parameters under their Lightning state_dict names.
    fn visit_params(&mut self, v: &mut impl dforce_nn::ParamVisitor);
    /// Everything of a Lightning-style state_dict except the optimiser.
    fn state_tensors(&mut self) -> BTreeMap<String, HostTensor>;
    /// Loads network weights (ours or an official `.ckpt`), strictly.
    fn load_weights(&mut self, sd: &StateDict, device: &Device) -> Result<(), TrainError>;
    /// The scalar training loss of `batch` (autodiff), with this step's random streams.
    fn training_loss(
        &self,
        batch: Self::Batch,
        rng: &mut ChaCha8Rng,
        noise: &mut SeededNoise,
        device: &Device,
    ) -> Result<Tensor<1>, TrainError>;
}

/// The 14 `diffusion_model.<buffer>` entries of a Lightning state_dict.
pub fn insert_buffers(t: &mut BTreeMap<String, HostTensor>, diffusion: &Diffusion) {
    for name in BUFFER_NAMES {
        // Invariant: `name` is from the constant BUFFER_NAMES, every one of which `by_name` knows.
        let b = diffusion.buffers.by_name(name).expect("known buffer");
        t.insert(
            format!("diffusion_model.{name}"),
            HostTensor {
                shape: vec![b.len()],
                data: b.to_vec(),
            },
        );
    }
}

/// What a finished training task reports.
#[derive(Debug, Clone)]
pub struct TrainSummary {
    pub steps: u64,
    pub first_step: u64,
    pub last_loss: Option<f64>,
    pub seconds: f64,
    pub checkpoint: Option<PathBuf>,
    /// Processes that trained together (1 for a single process).
    pub world_size: usize,
    /// In a data-parallel run: the digest of the final weights, checked identical on every rank.
    pub weight_digest: Option<u64>,
    /// Bytes of gradients each rank all-reduces per optimiser step (0 for a single process).
    pub bytes_reduced_per_step: u64,
}

impl TrainSummary {
    /// The one-line report printed at the end of a training task.
    pub fn one_line(&self) -> String {
        let steps = self.steps - self.first_step;
        let mut line = format!(
            "trained steps {}..{} ({steps} steps in {:.1} s, {:.3} steps/s); last loss {}; checkpoint {}",
            self.first_step,
            self.steps,
            self.seconds,
            steps as f64 / self.seconds.max(1e-9),
            self.last_loss.map_or("n/a".into(), |l| format!("{l:.6}")),
            self.checkpoint
                .as_ref()
                .map_or("none".into(), |p| p.display().to_string()),
        );
        if let Some(d) = self.weight_digest {
            line.push_str(&format!(
                "; {} ranks, {} bytes all-reduced per step, final weights identical on all ranks (digest {d:016x})",
                self.world_size, self.bytes_reduced_per_step
            ));
        }
        line
    }
}

/// Options of one training task.
pub struct TrainJob<'a> {
    pub run_dir: &'a Path,
    pub seed: u64,
    pub settings: &'a TrainingSettings,
    /// Reproduce the reference's warm-up (first step at full rate).
    pub reference_warmup: bool,
    /// The resolved config, stored in checkpoints.
    pub config_yaml: String,
    /// Continue from this checkpoint exactly (weights, optimiser, position).
    pub resume: Option<PathBuf>,
    pub device: Device,
    pub quiet: bool,
    /// Combines gradients across data-parallel processes; `None` is a single process. With
    /// several ranks, `settings.accumulate_grad_batches` and `batch_size` are per rank.
    pub reducer: Option<&'a mut dyn crate::distributed::GradientReducer>,
}

/// What periodic validation decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Keep training.
    Continue,
    /// Stop after this step (early stopping); every rank stops at the next step boundary.
    Stop,
}

/// Periodic validation during training: called with the model and the step just taken.
pub type Validator<'a, M> = &'a mut dyn FnMut(&mut M, u64) -> Result<Verdict, TrainError>;

/// Trains any [`TrainableModel`] on `items` dataset items, batched by `build` on worker threads.
pub fn train<M: TrainableModel>(
    mut job: TrainJob<'_>,
    model: &mut M,
    items: usize,
    build: BatchBuilder<Result<M::Batch, dforce_core::CoreError>>,
    mut validator: Option<Validator<'_, M>>,
) -> Result<TrainSummary, TrainError> {
    let s = job.settings;
    if items == 0 {
        return Err(TrainError::Invalid("the training set is empty".into()));
    }
    let mut single = SingleProcess;
    let reducer: &mut dyn GradientReducer = match job.reducer.take() {
        Some(r) => r,
        None => &mut single,
    };
    let world = reducer.world_size();
    let root = reducer.rank() == 0;
    let shard = Shard {
        world_size: world,
        rank: reducer.rank(),
        accumulate: s.accumulate_grad_batches,
    };
    let mut optim = AdamW::new(AdamWConfig {
        beta1: s.betas.0,
        beta2: s.betas.1,
        eps: 1e-8,
        weight_decay: s.weight_decay,
    });
    let mut pos = RunPosition {
        global_step: 0,
        data: DataPosition::default(),
    };
    if let Some(path) = &job.resume {
        let sd = StateDict::load(path)?;
        model.load_weights(&sd, &job.device)?;
        pos = checkpoint::position_of(&sd).ok_or_else(|| {
            TrainError::Invalid(format!(
                "{} holds no run position: resume needs a dforce training checkpoint",
                path.display()
            ))
        })?;
        check_resumable(&sd, pos.global_step, world)?;
        optim.load_state_tensors(&sd.tensors, pos.global_step, &job.device);
        let mut check = optim.moment_check();
        model.visit_params(&mut check);
        check
            .finish()
            .map_err(|e| TrainError::Invalid(format!("{}: {e}", path.display())))?;
    }
    // Every rank must start from rank 0's weights: all ranks build them from the same seed, or
    // read them from the same `load=` / `resume=` file. They are broadcast from rank 0 and
    // compared after the first forward pass, not before: burn initialises parameters lazily, on
    // first use, so reading them now would change the order in which they draw from the seeded
    // generator (and so the weights) against a single process.
    let mut weights_agreed = world == 1;
    if root {
        std::fs::create_dir_all(job.run_dir)
            .map_err(io(format!("creating {}", job.run_dir.display())))?;
        checkpoint::remove_stale_temp_files(job.run_dir);
    }
    let first_step = pos.global_step;
    let warmup = Warmup {
        base_lr: s.lr,
        warmup_steps: s.warmup_steps,
        reference_first_step: job.reference_warmup,
    };
    let plan = BatchPlan {
        items,
        batch_size: s.batch_size,
        shuffle: s.shuffle,
        seed: job.seed,
    };
    let mut loader = Loader::start(plan, pos.data, shard, s.num_workers.clamp(1, 4), 2, build);
    let per_epoch = plan.batches_per_epoch();
    let start_batch = pos.data.epoch * per_epoch + pos.data.batch;

    let (mut metrics, mut tb) = if root {
        let metrics = MetricsLog::open(
            &job.run_dir.join("metrics.jsonl"),
            job.resume.as_ref().map(|_| first_step),
        )
        .map_err(io("opening metrics.jsonl"))?;
        let tb =
            EventWriter::create(job.run_dir).map_err(io("creating the TensorBoard event file"))?;
        (Some(metrics), Some(tb))
    } else {
        (None, None)
    };
    let total = s.max_steps.unwrap_or(0);
    let bar = if job.quiet || !root {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} step {pos}/{len} [{elapsed_precise}<{eta_precise}] {per_sec} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_position(first_step);

    let started = Instant::now();
    let mut last_ckpt_time = Instant::now();
    let mut last_loss = None;
    let mut last_path = None;
    let mut buffer = GradientBuffer::default();
    let mut bytes_reduced_per_step = 0;
    let accum = s.accumulate_grad_batches;
    // Set on rank 0 by an early-stopping verdict; shared through the next step's status.
    let mut stop_requested = false;
    loop {
        // max_steps is the same on every rank; the other stop conditions are decided together
        // below, so that all ranks take the same steps.
        if s.max_steps.is_some_and(|m| pos.global_step >= m) {
            break;
        }
        let mut stop = stop_requested || s.max_time.is_some_and(|t| started.elapsed() >= t);
        let mut loss_sum = 0.0f64;
        for micro in 0..accum {
            if stop {
                break;
            }
            let (at, batch) = loader
                .next_batch()
                .map_err(|why| TrainError::Invalid(format!("reading the training data: {why}")))?;
            if s.max_epochs.is_some_and(|m| at.epoch >= m) {
                stop = true;
                break;
            }
            let batch = batch?;
            let stream = pos.global_step * shard.per_step() + shard.global_micro(micro);
            let mut rng = ChaCha8Rng::seed_from_u64(job.seed);
            rng.set_stream(2 * stream);
            let mut noise = SeededNoise::for_stream(job.seed, 2 * stream + 1);
            let loss = model.training_loss(batch, &mut rng, &mut noise, &job.device)?;
            let value = loss.clone().into_scalar::<f32>() as f64;
            if !value.is_finite() {
                return Err(TrainError::NonFinite {
                    what: "loss".into(),
                    step: pos.global_step,
                    detail: format!(" ({value})"),
                });
            }
            loss_sum += value;
            // Scaled by the global micro-batch count, so that the sum over ranks is the mean
            // gradient of the global batch, bit for bit what one process accumulating A·W sums.
            let grads = (loss / shard.per_step() as f64).backward();
            model.visit_params(&mut buffer.accumulate(&grads));
        }
        // The step's status over all ranks: any rank stopping stops all; the loss sum.
        let mut status = [if stop { 1.0 } else { 0.0 }, loss_sum];
        if world > 1 {
            reducer.all_reduce_status(&mut status)?;
        }
        if status[0] > 0.0 {
            break;
        }
        if !weights_agreed {
            check_root_weights(reducer, model)?;
            weights_agreed = true;
        }
        if world > 1 {
            bytes_reduced_per_step = 4 * buffer.flat_len() as u64;
        }
        reducer.all_reduce_sum(&mut buffer)?;
        if s.debug
            && let Some(bad) = buffer.first_non_finite()
        {
            return Err(TrainError::NonFinite {
                what: "gradient".into(),
                step: pos.global_step,
                detail: format!(" of parameter '{}'", bad.param),
            });
        }
        let grad_norm = if s.gradient_clip_val > 0.0 {
            Some(buffer.clip_total_norm(s.gradient_clip_val))
        } else {
            None
        };
        let lr = warmup.lr(optim.steps);
        model.visit_params(&mut optim.step(lr, &buffer));
        buffer.clear();
        pos.global_step += 1;
        // The position after this step's last global batch (a step boundary on every rank).
        let last = start_batch + (pos.global_step - first_step) * shard.per_step() - 1;
        pos.data = DataPosition {
            epoch: last / per_epoch,
            batch: last % per_epoch + 1,
        };
        let loss = status[1] / shard.per_step() as f64;
        last_loss = Some(loss);
        if !root {
            continue;
        }

        let mut values = BTreeMap::from([
            ("training/loss".to_string(), loss),
            ("training/lr".to_string(), lr),
        ]);
        if let Some(g) = grad_norm {
            values.insert("training/grad_norm".into(), g);
        }
        values.insert("training/epoch".into(), pos.data.epoch as f64);
        if let Some(metrics) = metrics.as_mut() {
            metrics
                .log(pos.global_step, &values)
                .map_err(io("writing metrics.jsonl"))?;
        }
        if let Some(tb) = tb.as_mut() {
            for (k, v) in &values {
                tb.scalar(k, pos.global_step, *v as f32)
                    .map_err(io("writing the TensorBoard event file"))?;
            }
        }
        bar.set_position(pos.global_step);
        bar.set_message(format!("loss {loss:.4}"));

        let epoch_done = pos.data.batch >= plan.batches_per_epoch();
        let validate_now = match s.val_every_n_step {
            Some(BatchLimit::Count(n)) => pos.global_step.is_multiple_of(n),
            // Lightning: every `max(1, int(batches_per_epoch · f))` batches of the epoch.
            Some(BatchLimit::Fraction(f)) => {
                let every = ((plan.batches_per_epoch() as f64 * f) as u64).max(1);
                pos.data.batch.is_multiple_of(every)
            }
            None => false,
        } || (epoch_done
            && s.val_every_n_epoch
                .is_some_and(|n| (pos.data.epoch + 1).is_multiple_of(n)));
        if validate_now
            && let Some(v) = validator.as_mut()
            && bar.suspend(|| v(model, pos.global_step))? == Verdict::Stop
        {
            stop_requested = true;
        }
        let due = s
            .ckpt_every_n_train_steps
            .is_some_and(|n| pos.global_step.is_multiple_of(n))
            || s.ckpt_train_time_interval
                .is_some_and(|t| last_ckpt_time.elapsed() >= t)
            || (s.ckpt_every_n_epochs.is_some()
                && pos.data.batch >= BatchPlan::batches_per_epoch(&plan)
                && {
                    let n = s.ckpt_every_n_epochs.unwrap_or(1);
                    (pos.data.epoch + 1).is_multiple_of(n)
                });
        if due {
            last_path = Some(save(&job, model, &optim, &pos, world)?);
            last_ckpt_time = Instant::now();
        }
    }
    // Like Lightning, finish with a checkpoint of the final state.
    if root
        && pos.global_step > first_step
        && last_path
            .as_ref()
            .is_none_or(|p| *p != checkpoint::path_for(job.run_dir, &pos))
    {
        last_path = Some(save(&job, model, &optim, &pos, world)?);
    }
    if let Some(tb) = tb.as_mut() {
        tb.flush()
            .map_err(io("writing the TensorBoard event file"))?;
    }
    bar.finish_and_clear();
    let weight_digest = if world > 1 {
        // Every rank must hold the very same weights after the same number of steps.
        let steps = reducer.all_gather(pos.global_step)?;
        let mut flat = FlattenParams::default();
        model.visit_params(&mut flat);
        let d = digest(&flat.values);
        let digests = reducer.all_gather(d)?;
        if steps.iter().any(|&x| x != pos.global_step) || digests.iter().any(|&x| x != d) {
            return Err(TrainError::Invalid(format!(
                "data-parallel ranks diverged: steps by rank {steps:?}, weight digests by rank {digests:016x?}"
            )));
        }
        Some(d)
    } else {
        None
    };
    Ok(TrainSummary {
        steps: pos.global_step,
        first_step,
        last_loss,
        seconds: started.elapsed().as_secs_f64(),
        checkpoint: last_path,
        world_size: world,
        weight_digest,
        bytes_reduced_per_step,
    })
}

/// Broadcasts rank 0's weights and fails, naming the rank, where this rank's differ.
fn check_root_weights<M: TrainableModel>(
    reducer: &mut dyn GradientReducer,
    model: &mut M,
) -> Result<(), TrainError> {
    let mut own = FlattenParams::default();
    model.visit_params(&mut own);
    let mut root_values = own.values.clone();
    reducer.broadcast_from_root(&mut root_values)?;
    if root_values != own.values {
        let differ = root_values
            .iter()
            .zip(&own.values)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        return Err(TrainError::Invalid(format!(
            "rank {}'s initial weights differ from rank 0's in {differ} of {} values; every rank \
             must build them from the same seed or read the same load=/resume= file",
            reducer.rank(),
            own.values.len()
        )));
    }
    Ok(())
}

/// A `resume=` checkpoint must hold the optimiser's moments (a weights-only file would restart
/// AdamW's moments at zero while keeping the step count, so bias correction would be off) and
/// come from a run with the same number of ranks (the global batch is `W·A` micro-batches, and
/// the data position and noise streams are counted in them).
fn check_resumable(sd: &StateDict, step: u64, world: usize) -> Result<(), TrainError> {
    let has_moments = sd
        .tensors
        .keys()
        .any(|k| k.starts_with("optimizer.") && k.ends_with(".exp_avg"));
    if step > 0 && !has_moments {
        return Err(TrainError::Invalid(format!(
            "{} holds weights and a step count ({step}) but no optimiser state: resume= would restart \
             AdamW's moments at zero with bias correction off; start a new run from its weights with load= instead",
            sd.path.display()
        )));
    }
    if let Some(saved) = sd.metadata.get("world_size")
        && saved.parse::<usize>().ok() != Some(world)
    {
        return Err(TrainError::Invalid(format!(
            "{} was written by a run over {saved} ranks and this run has {world}: an exact resume needs the \
             same number of ranks (e.g. mpiexec -n {saved}); or start a new run from its weights with load=",
            sd.path.display()
        )));
    }
    Ok(())
}

fn save<M: TrainableModel>(
    job: &TrainJob<'_>,
    model: &mut M,
    optim: &AdamW,
    pos: &RunPosition,
    world_size: usize,
) -> Result<PathBuf, TrainError> {
    let mut tensors = model.state_tensors();
    tensors.extend(optim.state_tensors());
    let metadata = BTreeMap::from([
        ("algorithm".to_string(), M::ALGORITHM.to_string()),
        ("seed".to_string(), job.seed.to_string()),
        ("optimizer".to_string(), "adamw".to_string()),
        (
            "rng".to_string(),
            "chacha8 streams derived from (seed, step, micro-batch)".to_string(),
        ),
        ("config".to_string(), job.config_yaml.clone()),
        ("world_size".to_string(), world_size.to_string()),
    ]);
    Ok(checkpoint::save(job.run_dir, pos, &tensors, metadata)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dforce_nn::CheckpointFormat;

    fn checkpoint(moments: bool, world: Option<&str>) -> StateDict {
        let t = |n: usize| HostTensor {
            shape: vec![n],
            data: vec![0.0; n],
        };
        let mut tensors = BTreeMap::from([("m.out.weight".to_string(), t(4))]);
        if moments {
            tensors.insert("optimizer.m.out.weight.exp_avg".into(), t(4));
            tensors.insert("optimizer.m.out.weight.exp_avg_sq".into(), t(4));
        }
        StateDict {
            path: PathBuf::from("ckpt.safetensors"),
            format: CheckpointFormat::SafeTensors,
            tensors,
            global_step: Some(10),
            epoch: Some(0),
            non_float: BTreeMap::new(),
            metadata: world
                .map(|w| BTreeMap::from([("world_size".to_string(), w.to_string())]))
                .unwrap_or_default(),
        }
    }

    #[test]
    fn resume_refuses_weights_only_files_and_another_world_size() {
        assert!(check_resumable(&checkpoint(true, Some("2")), 10, 2).is_ok());
        // Older checkpoints say nothing about ranks: single-process runs resume them.
        assert!(check_resumable(&checkpoint(true, None), 10, 1).is_ok());
        let err = check_resumable(&checkpoint(false, Some("1")), 10, 1).unwrap_err();
        assert!(err.to_string().contains("load="), "{err}");
        let err = check_resumable(&checkpoint(true, Some("2")), 10, 1).unwrap_err();
        assert!(err.to_string().contains("2 ranks"), "{err}");
    }
}
