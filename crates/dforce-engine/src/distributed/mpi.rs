//! [`GradientReducer`] over MPI (rsmpi), for runs launched by `mpiexec` / `srun`.
//!
//! MPI is initialised with `MPI_THREAD_FUNNELED`: only the training thread calls MPI (data
//! workers and burn's thread pool never do). MPI's default error handler is fatal, so a failed
//! collective ends the whole job rather than returning; a rank that dies makes the launcher
//! tear the job down.

use mpi::collective::SystemOperation;
use mpi::environment::Universe;
use mpi::topology::{Communicator, SimpleCommunicator};
use mpi::traits::{CommunicatorCollectives, Root};

use super::{GradientReducer, Topology, local_rank_from_env};
use crate::optim::GradientBuffer;
use crate::trainer::TrainError;

/// An initialised MPI job; MPI is finalised when it is dropped.
pub struct MpiJob {
    // Field order matters: the communicators are released before `MPI_Finalize`.
    world: SimpleCommunicator,
    topology: Topology,
    _universe: Universe,
}

impl MpiJob {
    /// Initialises MPI (once per process) and reads the topology: world size and rank from
    /// MPI; the local rank from the launcher's variables ([`local_rank_from_env`]), else from
    /// the node's shared-memory communicator, whose size is the processes per node.
    pub fn init() -> Result<Self, String> {
        let (universe, _threading) = mpi::initialize_with_threading(mpi::Threading::Funneled)
            .ok_or_else(|| {
                "MPI was already initialised in this process (dforce initialises it once)"
                    .to_string()
            })?;
        let world = universe.world();
        let node = world.split_shared(world.rank());
        let local_rank =
            local_rank_from_env(|k| std::env::var(k).ok()).unwrap_or(node.rank() as usize);
        let topology = Topology {
            world_size: world.size() as usize,
            rank: world.rank() as usize,
            local_rank,
            local_size: node.size() as usize,
        };
        Ok(Self {
            world,
            topology,
            _universe: universe,
        })
    }

    pub fn topology(&self) -> Topology {
        self.topology
    }

    /// The reducer over all ranks of the job.
    pub fn reducer(&self) -> MpiReducer<'_> {
        MpiReducer {
            world: &self.world,
            topology: self.topology,
            scratch: Vec::new(),
        }
    }

    /// Waits until every rank gets here.
    pub fn barrier(&self) {
        self.world.barrier();
    }

    /// Ends every process of the job with `code` (`MPI_Abort`).
    pub fn abort(&self, code: i32) -> ! {
        self.world.abort(code)
    }
}

/// All-reduce (sum) of the flattened gradients over `MPI_COMM_WORLD`.
pub struct MpiReducer<'a> {
    world: &'a SimpleCommunicator,
    topology: Topology,
    scratch: Vec<f32>,
}

impl GradientReducer for MpiReducer<'_> {
    fn world_size(&self) -> usize {
        self.topology.world_size
    }

    fn rank(&self) -> usize {
        self.topology.rank
    }

    fn all_reduce_sum(&mut self, grads: &mut GradientBuffer) -> Result<(), TrainError> {
        let local = grads.flatten();
        self.scratch.clear();
        self.scratch.resize(local.len(), 0.0);
        self.world
            .all_reduce_into(&local[..], &mut self.scratch[..], SystemOperation::sum());
        grads
            .assign_flat(&self.scratch)
            .map_err(TrainError::Invalid)
    }

    fn all_reduce_status(&mut self, values: &mut [f64]) -> Result<(), TrainError> {
        let local = values.to_vec();
        self.world
            .all_reduce_into(&local[..], values, SystemOperation::sum());
        Ok(())
    }

    fn broadcast_from_root(&mut self, values: &mut [f32]) -> Result<(), TrainError> {
        self.world.process_at_rank(0).broadcast_into(values);
        Ok(())
    }

    fn all_gather(&mut self, value: u64) -> Result<Vec<u64>, TrainError> {
        let mut all = vec![0u64; self.topology.world_size];
        self.world.all_gather_into(&value, &mut all[..]);
        Ok(all)
    }
}
