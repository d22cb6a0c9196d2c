//! The data-parallel job this process belongs to: one process, or one rank of an MPI job
//! (built with the `mpi` feature and launched by `mpiexec` / `srun`).
//!
//! Rank 0 alone writes run files and prints progress ([`crate::say!`]); other ranks are quiet
//! except for errors. An error on any rank ends the whole job (`MPI_Abort`) with a message
//! naming the rank, so no rank is left waiting in a collective.

use super::{GradientReducer, Topology};

/// This process's place in the job, and the collectives the tasks need.
pub struct Parallel {
    topology: Topology,
    #[cfg(feature = "mpi")]
    job: Option<super::mpi::MpiJob>,
}

impl Parallel {
    /// A single process (the build without MPI, and commands other than a run).
    pub fn single() -> Self {
        Self {
            topology: Topology::SINGLE,
            #[cfg(feature = "mpi")]
            job: None,
        }
    }

    /// Joins the MPI job when built with `mpi` (a process started without a launcher is a
    /// job of one); otherwise a single process.
    ///
    /// # Errors
    /// MPI could not be initialised (the message says why).
    pub fn init() -> Result<Self, String> {
        #[cfg(feature = "mpi")]
        {
            let job = super::mpi::MpiJob::init().map_err(|e| format!("starting MPI: {e}"))?;
            let topology = job.topology();
            crate::console::set_quiet(topology.rank != 0);
            Ok(Self {
                topology,
                job: Some(job),
            })
        }
        #[cfg(not(feature = "mpi"))]
        Ok(Self::single())
    }

    /// World size, rank and local rank of this process.
    pub fn topology(&self) -> Topology {
        self.topology
    }

    /// Whether this is rank 0 (the one that writes run files and evaluates).
    pub fn is_root(&self) -> bool {
        self.topology.rank == 0
    }

    /// Checks `experiment.num_nodes` against the launched job.
    ///
    /// # Errors
    /// Several nodes without MPI, or a world that is not `num_nodes × processes per node`.
    pub fn check_nodes(&self, num_nodes: i64) -> Result<(), String> {
        #[cfg(not(feature = "mpi"))]
        if num_nodes != 1 {
            return Err(format!(
                "experiment.num_nodes={num_nodes}: this dforce was built without MPI and trains in one process; \
                 rebuild with `cargo build --release --features mpi` (needs an MPI library, e.g. Debian's \
                 libmpich-dev) and launch with mpiexec/srun, or use experiment.num_nodes=1"
            ));
        }
        self.topology.check_nodes(num_nodes)
    }

    /// The gradient reducer over all ranks; `None` for a single process.
    pub fn reducer(&self) -> Option<Box<dyn GradientReducer + '_>> {
        #[cfg(feature = "mpi")]
        if self.topology.world_size > 1
            && let Some(job) = &self.job
        {
            return Some(Box::new(job.reducer()));
        }
        None
    }

    /// Waits until every rank gets here (nothing to wait for in one process).
    pub fn barrier(&self) {
        #[cfg(feature = "mpi")]
        if let Some(job) = &self.job {
            job.barrier();
        }
    }

    /// Runs `f` on rank 0 first, then on the other ranks (e.g. generating a dataset that the
    /// others then read).
    ///
    /// # Errors
    /// Whatever `f` returns on this rank.
    pub fn root_first<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        if self.is_root() {
            let out = f();
            // A failure on rank 0 ends the job through `fail`, so the others never wait here.
            if out.is_ok() {
                self.barrier();
            }
            out
        } else {
            self.barrier();
            f()
        }
    }

    /// Reports `e` (with `{:#}`, so an `anyhow` chain prints whole) and returns the failure
    /// exit code; in a job of several ranks, ends all of them (`MPI_Abort`), naming the rank
    /// that failed.
    pub fn fail(&self, e: &dyn std::fmt::Display) -> std::process::ExitCode {
        let t = self.topology;
        if t.world_size > 1 {
            // One write, so that the launcher forwards the whole line even when another rank's
            // abort ends this process right after.
            let line = format!("error: rank {} of {}: {e:#}\n", t.rank, t.world_size);
            let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), line.as_bytes());
            #[cfg(feature = "mpi")]
            if let Some(job) = &self.job {
                // Give the launcher a moment to forward the line (and those of other ranks
                // failing at the same time) before the abort tears the job down.
                std::thread::sleep(std::time::Duration::from_millis(500));
                job.abort(1);
            }
        } else {
            eprintln!("error: {e:#}");
        }
        std::process::ExitCode::FAILURE
    }
}
