//! Batches built off the training thread, in an order fixed by the seed alone.
//!
//! Epoch `e` visits the items in a permutation drawn from `(seed, e)`; batch `b` of that epoch
//! is always the same items, whichever worker builds it, so a run can stop anywhere and resume
//! from `(epoch, batch)` with the very same data. Workers build batches round-robin and the
//! consumer takes them in order; each worker holds at most `prefetch` finished batches.
//!
//! In a data-parallel run each rank builds only its [`Shard`] of every step's batches (the
//! order is the same on every rank, so the shards partition it exactly).

use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};
use std::thread::JoinHandle;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::distributed::Shard;

/// Where in the data stream a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DataPosition {
    pub epoch: u64,
    /// Batches of this epoch already consumed.
    pub batch: u64,
}

/// How items are grouped into batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchPlan {
    pub items: usize,
    pub batch_size: usize,
    pub shuffle: bool,
    pub seed: u64,
}

impl BatchPlan {
    /// Batches per epoch (the last one may be short, like PyTorch's default `drop_last=False`).
    pub fn batches_per_epoch(&self) -> u64 {
        self.items.div_ceil(self.batch_size) as u64
    }

    /// The item order of `epoch`.
    pub fn order(&self, epoch: u64) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.items).collect();
        if self.shuffle {
            let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0x5eed_da7a);
            rng.set_stream(epoch);
            idx.shuffle(&mut rng);
        }
        idx
    }
}

/// One worker's batch function: builds the batch of the given item indices.
pub type WorkerBatches<B> = Box<dyn FnMut(&[usize]) -> B + Send>;

/// Builds batches of item indices. Each worker thread makes its own [`WorkerBatches`] once, so a
/// builder may keep per-worker state (the video loader's decoded-episode cache) without a lock.
pub struct BatchBuilder<B>(Arc<dyn Fn() -> WorkerBatches<B> + Send + Sync>);

impl<B> Clone for BatchBuilder<B> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<B: 'static> BatchBuilder<B> {
    /// A builder without per-worker state: every worker calls `build`.
    pub fn stateless(build: impl Fn(&[usize]) -> B + Send + Sync + 'static) -> Self {
        let build = Arc::new(build);
        Self(Arc::new(move || {
            let build = build.clone();
            Box::new(move |idx: &[usize]| build(idx))
        }))
    }

    /// A builder whose workers each own a state made by `init` and passed to `build`.
    pub fn per_worker<S: Send + 'static>(
        init: impl Fn() -> S + Send + Sync + 'static,
        build: impl Fn(&mut S, &[usize]) -> B + Send + Sync + 'static,
    ) -> Self {
        let build = Arc::new(build);
        Self(Arc::new(move || {
            let build = build.clone();
            let mut state = init();
            Box::new(move |idx: &[usize]| build(&mut state, idx))
        }))
    }

    /// A new worker's batch function.
    pub fn worker(&self) -> WorkerBatches<B> {
        (self.0)()
    }
}

/// A stream of batches from `start` on, built by `workers` threads. `start` must be a step
/// boundary of `shard` (the position of a checkpoint, or the beginning).
pub struct Loader<B> {
    receivers: Vec<Receiver<(DataPosition, B)>>,
    next: usize,
    /// `None` once joined.
    handles: Vec<Option<JoinHandle<()>>>,
}

impl<B: Send + 'static> Loader<B> {
    pub fn start(
        plan: BatchPlan,
        start: DataPosition,
        shard: Shard,
        workers: usize,
        prefetch: usize,
        build: BatchBuilder<B>,
    ) -> Self {
        let workers = workers.max(1);
        let mut receivers = Vec::with_capacity(workers);
        let mut handles: Vec<Option<JoinHandle<()>>> = Vec::with_capacity(workers);
        for w in 0..workers {
            let (tx, rx) = sync_channel(prefetch.max(1));
            let build = build.clone();
            handles.push(Some(std::thread::spawn(move || {
                let mut build = build.worker();
                let mut pos = start;
                let mut order = plan.order(pos.epoch);
                let per_epoch = plan.batches_per_epoch();
                let mut k = 0usize; // batches of this shard so far
                let mut j = 0u64; // batches of the global order so far
                loop {
                    if pos.batch >= per_epoch {
                        pos = DataPosition {
                            // Saturating: a checkpoint's epoch is read from its file.
                            epoch: pos.epoch.saturating_add(1),
                            batch: 0,
                        };
                        order = plan.order(pos.epoch);
                    }
                    if shard.takes(j) {
                        if k % workers == w {
                            let lo = pos.batch as usize * plan.batch_size;
                            let hi = (lo + plan.batch_size).min(plan.items);
                            let batch = build(&order[lo..hi]);
                            if tx.send((pos, batch)).is_err() {
                                return; // the consumer is gone
                            }
                        }
                        k += 1;
                    }
                    j += 1;
                    pos.batch += 1;
                }
            })));
            receivers.push(rx);
        }
        Self {
            receivers,
            next: 0,
            handles,
        }
    }

    /// The next batch and the position it was taken from. The stream never ends (epochs
    /// follow each other), so a closed channel means its worker died.
    ///
    /// # Errors
    /// The worker building this batch panicked; the message carries its panic message (a
    /// dataset's bug or bad input must stop training loudly, never look like the end of data).
    pub fn next_batch(&mut self) -> Result<(DataPosition, B), String> {
        let w = self.next;
        self.next = (self.next + 1) % self.receivers.len();
        match self.receivers[w].recv() {
            Ok(item) => Ok(item),
            Err(_) => {
                let why = match self.handles.get_mut(w).and_then(Option::take) {
                    Some(h) => match h.join() {
                        Err(payload) => payload
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| payload.downcast_ref::<String>().cloned())
                            .unwrap_or_else(|| "a panic without a message".into()),
                        Ok(()) => "it stopped".into(),
                    },
                    None => "it had already failed".into(),
                };
                Err(format!("data-loader worker {w} died: {why}"))
            }
        }
    }
}

impl<B> Drop for Loader<B> {
    fn drop(&mut self) {
        // Closing the receivers makes every worker's next send fail, so they exit.
        self.receivers.clear();
        for h in self.handles.drain(..).flatten() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: Shard = Shard {
        world_size: 1,
        rank: 0,
        accumulate: 1,
    };

    #[test]
    fn shards_of_two_ranks_interleave_into_the_single_process_order() {
        let plan = BatchPlan {
            items: 11,
            batch_size: 2,
            shuffle: true,
            seed: 3,
        };
        let build: BatchBuilder<Vec<usize>> = BatchBuilder::stateless(|i: &[usize]| i.to_vec());
        let start = DataPosition { epoch: 1, batch: 2 };
        let single = Shard {
            world_size: 1,
            rank: 0,
            accumulate: 4,
        };
        let mut one = Loader::start(plan, start, single, 3, 2, build.clone());
        let reference: Vec<_> = (0..16).map(|_| one.next_batch().unwrap()).collect();
        let mut ranks: Vec<_> = (0..2)
            .map(|rank| {
                let shard = Shard {
                    world_size: 2,
                    rank,
                    accumulate: 2,
                };
                Loader::start(plan, start, shard, 2, 1, build.clone())
            })
            .collect();
        let mut merged = Vec::new();
        for _step in 0..4 {
            for r in ranks.iter_mut() {
                merged.push(r.next_batch().unwrap());
                merged.push(r.next_batch().unwrap());
            }
        }
        assert_eq!(merged, reference);
    }

    #[test]
    fn a_worker_panic_is_an_error_that_names_it_not_the_end_of_data() {
        let plan = BatchPlan {
            items: 8,
            batch_size: 2,
            shuffle: false,
            seed: 0,
        };
        let build: BatchBuilder<Vec<usize>> = BatchBuilder::stateless(|i: &[usize]| {
            assert!(!i.contains(&5), "item 5 is corrupt");
            i.to_vec()
        });
        let mut loader = Loader::start(plan, DataPosition::default(), ONE, 1, 1, build);
        assert_eq!(loader.next_batch().unwrap().1, vec![0, 1]);
        assert_eq!(loader.next_batch().unwrap().1, vec![2, 3]);
        let err = loader.next_batch().unwrap_err();
        assert!(err.contains("item 5 is corrupt"), "{err}");
    }

    #[test]
    fn resuming_mid_epoch_yields_the_same_batches() {
        let plan = BatchPlan {
            items: 10,
            batch_size: 3,
            shuffle: true,
            seed: 7,
        };
        let build: BatchBuilder<Vec<usize>> = BatchBuilder::stateless(|i: &[usize]| i.to_vec());
        let mut full = Loader::start(plan, DataPosition::default(), ONE, 2, 2, build.clone());
        let all: Vec<_> = (0..9).map(|_| full.next_batch().unwrap()).collect();
        let mut resumed = Loader::start(plan, all[5].0, ONE, 3, 1, build);
        let rest: Vec<_> = (0..4).map(|_| resumed.next_batch().unwrap()).collect();
        assert_eq!(rest, all[5..9].to_vec());
        assert_eq!(all[3].0, DataPosition { epoch: 0, batch: 3 });
        assert_eq!(all[4].0, DataPosition { epoch: 1, batch: 0 });
        assert_eq!(all[3].1.len(), 1, "the last batch of an epoch may be short");
        let mut epoch0: Vec<usize> = all[..4].iter().flat_map(|(_, b)| b.clone()).collect();
        epoch0.sort();
        assert_eq!(epoch0, (0..10).collect::<Vec<_>>());
    }
}
