//! The reference's maze2d training set: every window of `episode_len + 1` consecutive steps of
//! the D4RL stream (no episode segmentation, no split; the last step of a window is marked
//! terminal).

use std::sync::Arc;

use super::layout::{PlanningBatch, PlanningLayout, RawWindows};
use crate::algorithm::{TaskError, TrainingData};
use crate::data_loader::BatchBuilder;

/// The D4RL arrays the planner trains on.
#[derive(Debug, Clone, Default)]
pub struct OfflineSteps {
    pub observations: Vec<[f32; 4]>,
    pub actions: Vec<[f32; 2]>,
    pub rewards: Vec<f32>,
}

/// Windows of `window` steps over [`OfflineSteps`].
#[derive(Debug, Clone)]
pub struct Maze2dWindows {
    pub steps: OfflineSteps,
    pub window: usize,
}

impl Maze2dWindows {
    /// The trainer's view of the windows: their count and a builder of [`PlanningBatch`]es in
    /// `layout`.
    ///
    /// # Errors
    /// Fewer steps than one window (`episode_len + 1`).
    pub fn training_data(
        self: Arc<Self>,
        layout: &PlanningLayout,
    ) -> Result<TrainingData<PlanningBatch>, TaskError> {
        if self.is_empty() {
            let n = self.steps.observations.len();
            // episode_len must stay a positive multiple of frame_stack (settings check it).
            let fs = layout.frame_stack.max(1);
            let longest = n.saturating_sub(1) / fs * fs;
            let fix = if longest > 0 {
                format!(
                    "set dataset.episode_len to at most {longest} (a multiple of frame_stack={fs}) or use a file with more steps"
                )
            } else {
                format!(
                    "even the shortest episode_len ({fs}, one frame_stack) needs {} steps: use a file with more steps",
                    fs + 1
                )
            };
            return Err(TaskError::Invalid(format!(
                "dataset.episode_len={}: the D4RL dataset holds {n} steps, fewer than one \
                 training window of {} (episode_len + 1); {fix}",
                self.window - 1,
                self.window,
            )));
        }
        let layout = layout.clone();
        Ok(TrainingData {
            items: self.len(),
            build: BatchBuilder::stateless(move |idx: &[usize]| self.batch(&layout, idx)),
        })
    }
}

impl Maze2dWindows {
    /// Number of windows (`N − window + 1`), zero if the stream is shorter than one window.
    pub fn len(&self) -> usize {
        (self.steps.observations.len() + 1).saturating_sub(self.window)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The planning batch of the windows starting at `starts`.
    pub fn batch(
        &self,
        layout: &PlanningLayout,
        starts: &[usize],
    ) -> Result<PlanningBatch, dforce_core::CoreError> {
        let (b, n) = (starts.len(), self.window);
        let mut obs = Vec::with_capacity(b * n * 4);
        let mut act = Vec::with_capacity(b * n * 2);
        let mut rew = Vec::with_capacity(b * n);
        let mut nonterminal = Vec::with_capacity(b * n);
        for &s in starts {
            for t in s..s + n {
                obs.extend_from_slice(&self.steps.observations[t]);
                act.extend_from_slice(&self.steps.actions[t]);
                rew.push(self.steps.rewards[t]);
                nonterminal.push(t + 1 < s + n);
            }
        }
        layout.preprocess(&RawWindows {
            batch: b,
            len: n,
            observations: &obs,
            actions: &act,
            rewards: &rew,
            nonterminals: &nonterminal,
        })
    }
}

/// D4RL's dataset sizes for the maze2d-*-v1 files (steps).
pub fn d4rl_size(env_id: &str) -> usize {
    if env_id.contains("umaze") {
        1_000_000
    } else if env_id.contains("medium") {
        2_000_000
    } else {
        4_000_000
    }
}

/// The file name `dataset.dataset_url` names: its last path segment, without a query or
/// fragment (`http://…/maze2d-medium-sparse-v1.hdf5?x=1` → `maze2d-medium-sparse-v1.hdf5`), as
/// the reference's `datasets/offline_rl/maze2d.py` saves its download under `save_dir`.
///
/// # Errors
/// A message naming the key when the URL ends without a file name.
pub fn dataset_file_name(dataset_url: &str) -> Result<String, String> {
    let path = dataset_url.split(['?', '#']).next().unwrap_or_default();
    match path.rsplit('/').next() {
        Some(name) if !name.is_empty() && name != "." && name != ".." => Ok(name.to_owned()),
        _ => Err(format!(
            "dataset.dataset_url={dataset_url:?} does not end in a file name; give the URL or \
             path of a D4RL HDF5 file, e.g. .../maze2d-medium-sparse-v1.hdf5"
        )),
    }
}

/// The file `load_or_generate` reads, `save_dir/<file name of dataset_url>`, and whether it is
/// missing and D4RL's own for `env_id` (so dforce generates it). Touches nothing.
///
/// # Errors
/// A message for a URL without a file name, or for a missing file that is not D4RL's own (dforce
/// downloads nothing), saying what to do.
pub fn dataset_source(
    save_dir: &std::path::Path,
    env_id: &str,
    dataset_url: &str,
) -> Result<(std::path::PathBuf, bool), String> {
    crate::data_dir::check_save_dir(save_dir)?;
    let name = dataset_file_name(dataset_url)?;
    let path = save_dir.join(&name);
    let generated_name = dforce_env::maze2d::d4rl_file_name(env_id).map_err(|e| e.to_string())?;
    if path.exists() {
        return Ok((path, false));
    }
    if name != generated_name {
        return Err(format!(
            "dataset.dataset_url names {name}, which is not in dataset.save_dir ({}): dforce \
             downloads nothing. Put the file at {}, or leave dataset.dataset_url at D4RL's URL \
             (ending in {generated_name}) to have dforce generate the data natively",
            save_dir.display(),
            path.display()
        ));
    }
    Ok((path, true))
}

/// Reads `save_dir/<file>`, where `<file>` is the file name of `dataset_url` (the reference's
/// rule). When that file is missing and it is D4RL's own file for `env_id` (the configs'
/// default URLs), dforce generates it natively (D4RL's waypoint-controller collection at
/// D4RL's size, seeded) and writes it there first; any other missing file is an error (dforce
/// downloads nothing). `announce` is told what happens, for the user.
///
/// # Errors
/// A message for a URL without a file name, a missing non-D4RL file, or a file that cannot be
/// generated, written or read.
pub fn load_or_generate(
    save_dir: &std::path::Path,
    env_id: &str,
    dataset_url: &str,
    seed: u64,
    announce: &mut dyn FnMut(&str),
) -> Result<OfflineSteps, String> {
    let (path, generate) = dataset_source(save_dir, env_id, dataset_url)?;
    if generate {
        let steps = d4rl_size(env_id);
        announce(&format!(
            "dataset {} not found: generating {steps} steps of {env_id} natively (seed {seed})",
            path.display()
        ));
        let data = dforce_env::data::generate(env_id, steps, seed)
            .map_err(|e| format!("generating {env_id}: {}", dforce_core::error_chain(&e)))?;
        std::fs::create_dir_all(save_dir)
            .map_err(|e| format!("creating {}: {e}", save_dir.display()))?;
        // Written atomically (dforce_io::atomic): an interrupted run never leaves half a file.
        // The error names the file.
        dforce_env::data::write_d4rl(&data, &path)
            .map_err(|e| format!("writing the D4RL dataset: {}", dforce_core::error_chain(&e)))?;
        announce(&format!("wrote {}", path.display()));
    }
    // The error names the file.
    let read = dforce_env::data::read_d4rl(&path)
        .map_err(|e| format!("reading the D4RL dataset: {}", dforce_core::error_chain(&e)))?;
    for skipped in &read.skipped {
        announce(&format!(
            "warning: optional member skipped (read as absent): {}",
            dforce_core::error_chain(skipped)
        ));
    }
    let data = read.dataset;
    Ok(OfflineSteps {
        observations: data.observations,
        actions: data.actions,
        rewards: data.rewards,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planning::PadMode;

    fn windows(steps: usize, episode_len: usize) -> Arc<Maze2dWindows> {
        Arc::new(Maze2dWindows {
            steps: OfflineSteps {
                observations: vec![[0.0; 4]; steps],
                actions: vec![[0.0; 2]; steps],
                rewards: vec![0.0; steps],
            },
            window: episode_len + 1,
        })
    }

    fn layout(frame_stack: usize) -> PlanningLayout {
        PlanningLayout {
            obs_dim: 4,
            act_dim: 2,
            use_reward: false,
            frame_stack,
            n_tokens: 100 / frame_stack,
            episode_len: 100,
            mean: vec![0.0; 6],
            std: vec![1.0; 6],
            pad: PadMode::Same,
            causal: false,
        }
    }

    #[test]
    fn too_short_a_file_gets_an_episode_len_that_the_settings_accept() {
        // 100 steps, frame_stack 10: 99 would be refused (not a multiple of 10); 90 is not.
        let err = windows(100, 100).training_data(&layout(10)).err().unwrap();
        assert!(
            err.to_string()
                .contains("set dataset.episode_len to at most 90 (a multiple of frame_stack=10)"),
            "{err}"
        );
        // Too few steps for any window: no impossible "at most 0".
        let err = windows(5, 100).training_data(&layout(10)).err().unwrap();
        assert!(err.to_string().contains("needs 11 steps"), "{err}");
        assert!(windows(101, 100).training_data(&layout(10)).is_ok());
    }
}
