//! Training checkpoints: one safetensors file with the weights (under the reference's
//! Lightning state_dict names), normalisation, diffusion buffers, optimizer moments, and the
//! position of the run in its metadata. Written atomically; only the newest is kept.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dforce_nn::{HostTensor, NnError, StateDict, write_safetensors_atomic};

use crate::data_loader::DataPosition;

/// Where a checkpointed run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunPosition {
    /// Optimiser steps taken (Lightning's `global_step`).
    pub global_step: u64,
    /// Next batch to read.
    pub data: DataPosition,
}

/// The metadata format tag of dforce training checkpoints.
pub const FORMAT: &str = "dforce-checkpoint-v1";

/// `checkpoints/epoch=E-step=S.safetensors` of a run directory.
pub fn path_for(run_dir: &Path, pos: &RunPosition) -> PathBuf {
    run_dir.join("checkpoints").join(format!(
        "epoch={}-step={}.safetensors",
        pos.data.epoch, pos.global_step
    ))
}

/// Writes a checkpoint, then removes older ones of the run (the previous file stays valid
/// until the new one is complete, so a crash at any point leaves a loadable checkpoint).
pub fn save(
    run_dir: &Path,
    pos: &RunPosition,
    tensors: &BTreeMap<String, HostTensor>,
    mut metadata: BTreeMap<String, String>,
) -> Result<PathBuf, NnError> {
    let path = path_for(run_dir, pos);
    metadata.insert("format".into(), FORMAT.into());
    metadata.insert("global_step".into(), pos.global_step.to_string());
    metadata.insert("epoch".into(), pos.data.epoch.to_string());
    metadata.insert("data_epoch".into(), pos.data.epoch.to_string());
    metadata.insert("data_batch".into(), pos.data.batch.to_string());
    write_safetensors_atomic(&path, tensors, &metadata)?;
    // `path` is `<run_dir>/checkpoints/<name>` (built above), so it always has a parent.
    if let Ok(entries) = std::fs::read_dir(path.parent().expect("checkpoints dir")) {
        for e in entries.flatten() {
            let p = e.path();
            if p != path && p.extension().is_some_and(|x| x == "safetensors") {
                let _ = std::fs::remove_file(p);
            }
        }
    }
    Ok(path)
}

/// Removes temporary files left by a run that was killed while writing a checkpoint (the
/// names [`dforce_io::atomic`] gives them, which [`write_safetensors_atomic`] uses).
pub fn remove_stale_temp_files(run_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(run_dir.join("checkpoints")) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if dforce_io::atomic::is_temp_name(&name) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The newest complete checkpoint of a run directory (highest step).
pub fn latest(run_dir: &Path) -> Option<PathBuf> {
    let dir = run_dir.join("checkpoints");
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "safetensors"))
        .filter_map(|p| {
            let name = p.file_stem()?.to_str()?.to_string();
            let step: u64 = name.rsplit("step=").next()?.parse().ok()?;
            Some((step, p))
        })
        .max_by_key(|(s, _)| *s)
        .map(|(_, p)| p)
}

/// The run position recorded in a dforce checkpoint.
pub fn position_of(sd: &StateDict) -> Option<RunPosition> {
    let get = |k: &str| sd.metadata.get(k)?.parse::<u64>().ok();
    Some(RunPosition {
        global_step: get("global_step")?,
        data: DataPosition {
            epoch: get("data_epoch")?,
            batch: get("data_batch")?,
        },
    })
}
