//! The video algorithm's data: TECO-layout datasets (DMLab, Minecraft) and the native 3D maze,
//! rendered on first use; clips collated into [`VideoBatch`]es.

use std::path::PathBuf;

use dforce_config::Value;
use dforce_video_data::{
    ClipOrder, EpisodeCache, Split, VideoDataset, VideoDatasetConfig, VideoKind, generate_maze3d,
};

use super::VideoBatch;
use crate::algorithm::{ResultExt, TaskContext, TaskError};
use crate::settings::ConfigReader;

/// The dataset family of `dataset.name`: Minecraft's layout, or DMLab's (which our native 3D
/// maze shares).
pub fn kind_of(cfg: &Value) -> Result<VideoKind, TaskError> {
    Ok(match cfg.get_str("dataset.name")? {
        "video_minecraft" => VideoKind::Minecraft,
        _ => VideoKind::Dmlab,
    })
}

/// `dataset.*` as the loader's settings (the reference's clip order).
pub fn dataset_config(cfg: &Value) -> Result<VideoDatasetConfig, TaskError> {
    let r = ConfigReader::new(cfg);
    let mut c = VideoDatasetConfig::dmlab();
    c.n_frames = r.positive("dataset.n_frames")?;
    c.frame_skip = r.positive("dataset.frame_skip")?;
    c.validation_multiplier = r.positive("dataset.validation_multiplier")?;
    c.resolution = r.positive("dataset.resolution")?;
    c.context_length = r.positive("dataset.context_length")?;
    c.clip_order = ClipOrder::Reference;
    Ok(c)
}

/// `dataset.episode_cache_mb` (dforce's own key): MiB of decoded episodes each data-loader worker
/// keeps ([`EpisodeCache`]); 0 reads exactly each clip's frames. 256 when the config lacks it.
///
/// # Errors
/// A negative value, or one above 1 TiB.
pub fn episode_cache(cfg: &Value) -> Result<EpisodeCache, TaskError> {
    const KEY: &str = "dataset.episode_cache_mb";
    const MAX_MB: i64 = 1 << 20;
    let r = ConfigReader::new(cfg);
    if r.opt_value(KEY).is_none() {
        return Ok(EpisodeCache::new(256 << 20));
    }
    let mb = r.int(KEY)?;
    if !(0..=MAX_MB).contains(&mb) {
        return Err(TaskError::Invalid(format!(
            "{KEY} must be between 0 (no cache) and {MAX_MB} MiB, got {mb}"
        )));
    }
    // In range: 0 ≤ mb ≤ 2^20, so mb · 2^20 ≤ 2^40 fits a u64 (and a 64-bit usize).
    let bytes = usize::try_from((mb as u64) << 20).map_err(|_| {
        TaskError::Invalid(format!("{KEY}={mb} does not fit this machine's memory"))
    })?;
    Ok(EpisodeCache::new(bytes))
}

/// Opens `split` of `dataset.save_dir`; for the native world (`dataset.generator`), renders the
/// dataset first when it is missing.
///
/// # Errors
/// A missing or malformed dataset (named by its directory).
pub fn open_dataset(ctx: &TaskContext, split: Split) -> Result<VideoDataset, TaskError> {
    let cfg = ctx.cfg;
    let root = PathBuf::from(cfg.get_str("dataset.save_dir")?);
    if cfg.contains("dataset.generator") && !root.join("training").exists() {
        let r = ConfigReader::new(cfg);
        let episodes = r.positive("dataset.generator.episodes")?;
        let frames = r.positive("dataset.generator.frames")?;
        let seed = r.size_at_least("dataset.generator.seed", 0)? as u64;
        let res = r.positive("dataset.resolution")?;
        crate::say!(
            "dforce: dataset {} not found: rendering {episodes} episodes × {frames} frames of the native 3D maze at {res}×{res}",
            root.display()
        );
        let report = generate_maze3d(&root, episodes, frames, res, seed, 0.1)?;
        crate::say!(
            "dforce: wrote {} training and {} validation episodes in {:.1} s",
            report.training,
            report.validation,
            report.seconds
        );
    }
    VideoDataset::open(kind_of(cfg)?, &root, split, dataset_config(cfg)?)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(yaml: &str) -> Value {
        dforce_config::parse_yaml_str(yaml, "test").expect("test YAML parses")
    }

    #[test]
    fn the_episode_cache_budget_is_read_in_mib_and_range_checked() {
        let budget = |yaml: &str| episode_cache(&cfg(yaml)).map(|c| c.budget());
        assert_eq!(budget("dataset: {name: x}").unwrap(), 256 << 20);
        assert_eq!(budget("dataset: {episode_cache_mb: 0}").unwrap(), 0);
        assert_eq!(budget("dataset: {episode_cache_mb: 3}").unwrap(), 3 << 20);
        for bad in ["-1", "1048577"] {
            let err = budget(&format!("dataset: {{episode_cache_mb: {bad}}}"))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("dataset.episode_cache_mb must be between 0"),
                "{err}"
            );
            assert!(err.contains(bad), "{err}");
        }
        let err = budget("dataset: {episode_cache_mb: lots}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("dataset.episode_cache_mb"), "{err}");
    }
}
