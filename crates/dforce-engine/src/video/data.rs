//! The video algorithm's data: TECO-layout datasets (DMLab, Minecraft) and the native 3D maze,
//! rendered on first use; clips collated into [`VideoBatch`]es.

use dforce_video_data::{EpisodeCache, Split, VideoDataset, generate_maze3d};

use super::VideoBatch;
use super::settings::VideoDataSettings;
use crate::algorithm::{ResultExt, TaskError};

/// Opens `split` of `dataset.save_dir`; for the native world (`dataset.generator`), renders the
/// dataset first when it is missing.
///
/// # Errors
/// A missing or malformed dataset (named by its directory).
pub fn open_dataset(data: &VideoDataSettings, split: Split) -> Result<VideoDataset, TaskError> {
    let root = &data.save_dir;
    if let Some(g) = data.generator
        && !root.join("training").exists()
    {
        let res = data.clips.resolution;
        crate::say!(
            "dforce: dataset {} not found: rendering {} episodes × {} frames of the native 3D maze at {res}×{res}",
            root.display(),
            g.episodes,
            g.frames
        );
        let report = generate_maze3d(
            root,
            g.episodes,
            g.frames,
            res,
            g.seed,
            super::settings::GENERATOR_VALIDATION_FRACTION,
        )?;
        crate::say!(
            "dforce: wrote {} training and {} validation episodes in {:.1} s",
            report.training,
            report.validation,
            report.seconds
        );
    }
    VideoDataset::open(data.kind, root, split, data.clips.clone())
        .context_with(|| format!("dataset.save_dir={}", root.display()))
}

/// Clips `idx` of `ds` as one batch, their episodes read through `cache`; `conditioned` adds the
/// actions leading into each frame.
///
/// # Errors
/// A clip that cannot be read (the file is named).
pub fn collate(
    ds: &VideoDataset,
    idx: &[usize],
    conditioned: bool,
    cache: &mut EpisodeCache,
) -> Result<VideoBatch, dforce_core::CoreError> {
    let mut pixels = Vec::new();
    let mut cond = Vec::new();
    let mut frames = 0;
    for &i in idx {
        let clip = ds
            .item_cached(i, cache)
            .map_err(|e| dforce_core::CoreError::Invalid(dforce_core::error_chain(&e)))?;
        frames = clip.frames;
        pixels.extend_from_slice(&clip.video);
        if conditioned {
            cond.extend_from_slice(&clip.actions_in);
        }
    }
    Ok(VideoBatch {
        batch: idx.len(),
        frames,
        pixels,
        cond,
    })
}
