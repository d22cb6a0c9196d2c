//! The seam for data-parallel training.
//!
//! Each process computes gradients on its own batches; before the optimiser step the trainer
//! hands the summed gradients (by parameter name) to a [`GradientReducer`], which a multi-GPU
//! (NCCL) or multi-process (MPI) backend implements as an all-reduce mean. Today every run is a
//! single process ([`SingleProcess`]); `experiment.num_nodes` other than 1 is refused.

use crate::optim::GradientBuffer;
use crate::trainer::TrainError;

/// Combines gradients across the processes of a data-parallel run.
pub trait GradientReducer {
    /// Processes taking part.
    fn world_size(&self) -> usize;
    /// This process's index in `0..world_size`.
    fn rank(&self) -> usize;
    /// Replaces every gradient with its mean over all processes.
    fn all_reduce_mean(&mut self, grads: &mut GradientBuffer) -> Result<(), TrainError>;
}

/// One process: nothing to combine.
#[derive(Debug, Default, Clone, Copy)]
pub struct SingleProcess;

impl GradientReducer for SingleProcess {
    fn world_size(&self) -> usize {
        1
    }

    fn rank(&self) -> usize {
        0
    }

    fn all_reduce_mean(&mut self, _grads: &mut GradientBuffer) -> Result<(), TrainError> {
        Ok(())
    }
}
