//! Data-parallel training: the seam between the trainer and a collective backend.
//!
//! Each process (rank) computes gradients on its own micro-batches; before the optimiser step
//! the trainer hands the accumulated gradients to a [`GradientReducer`], which combines them
//! over all ranks into the mean gradient of the global batch (Lightning DDP's all-reduce
//! average, after accumulation and before clipping).
//! A single process uses [`SingleProcess`]; the `mpi` feature adds [`mpi::MpiReducer`]
//! (rsmpi over the system MPI library). A GPU cluster would add an NCCL implementation of the
//! same trait.
//!
//! Besides the gradients, the trainer uses the reducer for three small collectives: the
//! per-step status (stop flags and the loss sum, so every rank decides to stop at the same
//! step), rank 0's weights broadcast and compared with every rank's at the first step (fresh,
//! `load=` or `resume=`), and a digest of every rank's final weights, checked to be identical.

use burn::module::Param;
use burn::tensor::Tensor;
use dforce_nn::ParamVisitor;

use crate::optim::GradientBuffer;
use crate::trainer::TrainError;

pub mod job;
#[cfg(feature = "mpi")]
pub mod mpi;

/// Combines values across the processes of a data-parallel run. Every method is a collective:
/// all ranks call it, in the same order, or the job hangs (the trainer guarantees the order).
pub trait GradientReducer {
    /// Processes taking part.
    fn world_size(&self) -> usize;
    /// This process's index in `0..world_size`.
    fn rank(&self) -> usize;
    /// Replaces every gradient with its sum over all processes (one all-reduce of one
    /// contiguous f32 buffer holding the gradients in parameter-name order). The trainer scales
    /// every micro-batch loss by `1 / (accumulation × world size)`, so the sum is the mean
    /// gradient of the global batch: DDP's average, computed as one process accumulating
    /// `accumulation × world size` micro-batches would (for two ranks, bit for bit).
    fn all_reduce_sum(&mut self, grads: &mut GradientBuffer) -> Result<(), TrainError>;
    /// Replaces `values` with their element-wise sum over all processes (the per-step status).
    fn all_reduce_status(&mut self, values: &mut [f64]) -> Result<(), TrainError>;
    /// Overwrites `values` (same length on every rank) with rank 0's.
    fn broadcast_from_root(&mut self, values: &mut [f32]) -> Result<(), TrainError>;
    /// Every rank's `value`, in rank order.
    fn all_gather(&mut self, value: u64) -> Result<Vec<u64>, TrainError>;
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

    fn all_reduce_sum(&mut self, _grads: &mut GradientBuffer) -> Result<(), TrainError> {
        Ok(())
    }

    fn all_reduce_status(&mut self, _values: &mut [f64]) -> Result<(), TrainError> {
        Ok(())
    }

    fn broadcast_from_root(&mut self, _values: &mut [f32]) -> Result<(), TrainError> {
        Ok(())
    }

    fn all_gather(&mut self, value: u64) -> Result<Vec<u64>, TrainError> {
        Ok(vec![value])
    }
}

/// Where a process stands in a data-parallel job, as the launcher (mpiexec, srun) set it up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Topology {
    /// Processes in the job.
    pub world_size: usize,
    /// This process's index in `0..world_size`.
    pub rank: usize,
    /// Index among the processes on this node (picks the GPU on multi-GPU nodes).
    pub local_rank: usize,
    /// Processes on this node (Lightning's devices per node).
    pub local_size: usize,
}

impl Topology {
    /// A run in one process.
    pub const SINGLE: Topology = Topology {
        world_size: 1,
        rank: 0,
        local_rank: 0,
        local_size: 1,
    };

    /// Checks `experiment.num_nodes` against the job the launcher started: the world must be
    /// `num_nodes × processes per node` (Lightning's `num_nodes × devices`). The error says
    /// what was found and what would be right.
    pub fn check_nodes(&self, num_nodes: i64) -> Result<(), String> {
        if num_nodes < 1 {
            return Err(format!(
                "experiment.num_nodes={num_nodes}: must be at least 1"
            ));
        }
        let expected = num_nodes as u128 * self.local_size as u128;
        if expected != self.world_size as u128 {
            return Err(format!(
                "experiment.num_nodes={num_nodes} with {} process(es) on this node expects a world of {expected} \
                 processes, but the launcher started {}; set experiment.num_nodes={} or launch \
                 num_nodes × processes-per-node ranks (e.g. `mpiexec -n {expected}` or srun --nodes={num_nodes} \
                 --ntasks-per-node={})",
                self.local_size,
                self.world_size,
                (self.world_size / self.local_size.max(1)).max(1),
                self.local_size,
            ));
        }
        Ok(())
    }
}

/// The local rank the launcher announces in the environment: `MPI_LOCALRANKID` (MPICH/Hydra),
/// `SLURM_LOCALID` (srun), `OMPI_COMM_WORLD_LOCAL_RANK` (Open MPI), in that order.
pub fn local_rank_from_env(get: impl Fn(&str) -> Option<String>) -> Option<usize> {
    [
        "MPI_LOCALRANKID",
        "SLURM_LOCALID",
        "OMPI_COMM_WORLD_LOCAL_RANK",
    ]
    .iter()
    .find_map(|k| get(k)?.trim().parse().ok())
}

/// Which micro-batches of each optimiser step a rank computes.
///
/// A step of a run with `world_size` ranks and `accumulate` micro-batches per rank consumes
/// `accumulate × world_size` consecutive batches of the seed-determined data order (the
/// global micro-batches); rank `r` takes global micro-batches `r·A .. r·A + A − 1` and draws
/// their noise from the streams those indices name. One process with accumulation `A·W` thus
/// sees exactly the same batches and random streams, and computes the same update up to the
/// order of floating-point sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub world_size: usize,
    pub rank: usize,
    /// Micro-batches per rank and step (`accumulate_grad_batches`).
    pub accumulate: usize,
}

impl Shard {
    /// Global micro-batches per optimiser step (`A·W`).
    pub fn per_step(&self) -> u64 {
        (self.accumulate * self.world_size) as u64
    }

    /// The global index (within its step) of this rank's micro-batch `micro`.
    pub fn global_micro(&self, micro: usize) -> u64 {
        (self.rank * self.accumulate + micro) as u64
    }

    /// Whether the batch at offset `k` from a step boundary belongs to this rank.
    pub fn takes(&self, k: u64) -> bool {
        let first = (self.rank * self.accumulate) as u64;
        (first..first + self.accumulate as u64).contains(&(k % self.per_step()))
    }
}

/// Every parameter's value, flattened in visit order into one buffer.
#[derive(Debug, Default)]
pub struct FlattenParams {
    pub values: Vec<f32>,
}

impl FlattenParams {
    fn push<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
        let data = p.val().into_data().convert::<f32>();
        self.values
            .extend_from_slice(data.as_slice::<f32>().unwrap_or_default());
    }
}

impl ParamVisitor for FlattenParams {
    fn param<const D: usize>(&mut self, param: &mut Param<Tensor<D>>, _name: &str) {
        self.push(param);
    }

    fn param_transposed(&mut self, param: &mut Param<Tensor<2>>, _name: &str) {
        self.push(param);
    }
}

/// FNV-1a over the bit patterns of `values`: equal digests mean (practically) bit-identical
/// weights.
pub fn digest(values: &[f32]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values {
        for b in v.to_bits().to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_every_step_in_rank_order() {
        let shards: Vec<Shard> = (0..3)
            .map(|rank| Shard {
                world_size: 3,
                rank,
                accumulate: 2,
            })
            .collect();
        for k in 0..24u64 {
            let owners: Vec<usize> = shards
                .iter()
                .filter(|s| s.takes(k))
                .map(|s| s.rank)
                .collect();
            assert_eq!(owners, vec![(k % 6 / 2) as usize], "batch {k}");
        }
        assert_eq!(shards[2].global_micro(1), 5);
        assert_eq!(shards[0].per_step(), 6);
    }

    #[test]
    fn node_count_must_match_the_launched_world() {
        let t = Topology {
            world_size: 4,
            rank: 1,
            local_rank: 1,
            local_size: 2,
        };
        assert!(t.check_nodes(2).is_ok());
        let e = t.check_nodes(1).unwrap_err();
        assert!(
            e.contains("expects a world of 2") && e.contains("experiment.num_nodes=2"),
            "{e}"
        );
        assert!(t.check_nodes(0).is_err());
        assert!(Topology::SINGLE.check_nodes(1).is_ok());
    }

    #[test]
    fn local_rank_follows_the_launcher_variables_in_order() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(local_rank_from_env(env(&[])), None);
        assert_eq!(local_rank_from_env(env(&[("SLURM_LOCALID", "3")])), Some(3));
        assert_eq!(
            local_rank_from_env(env(&[("SLURM_LOCALID", "3"), ("MPI_LOCALRANKID", "1")])),
            Some(1)
        );
        assert_eq!(
            local_rank_from_env(env(&[("OMPI_COMM_WORLD_LOCAL_RANK", "2")])),
            Some(2)
        );
    }
}
