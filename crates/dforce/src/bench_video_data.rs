//! `dforce bench video-data`: clips/s of the video training loader, reading each clip alone and
//! through the per-worker episode cache, in the training loader's shuffled order.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use dforce_engine::data_loader::BatchPlan;
use dforce_video_data::{
    ClipOrder, EpisodeCache, Split, VideoDataset, VideoDatasetConfig, VideoKind,
};

/// The clip settings of the timed loader (`dataset.n_frames`, `frame_skip`, `resolution`).
pub struct ClipShape {
    pub n_frames: usize,
    pub frame_skip: usize,
    pub resolution: usize,
}

/// Reads `clips` training clips of `root` twice, each clip alone and then through an
/// [`EpisodeCache`] of `cache_mb` MiB, and prints both rates and the cache's counters.
pub fn run(root: &Path, kind: &str, shape: ClipShape, clips: usize, cache_mb: usize) -> Result<()> {
    let (kind, config) = match kind {
        "dmlab" => (VideoKind::Dmlab, VideoDatasetConfig::dmlab()),
        "minecraft" => (VideoKind::Minecraft, VideoDatasetConfig::minecraft()),
        other => anyhow::bail!("--kind {other}: expected `dmlab` or `minecraft`"),
    };
    let config = VideoDatasetConfig {
        n_frames: shape.n_frames,
        frame_skip: shape.frame_skip,
        resolution: shape.resolution,
        clip_order: ClipOrder::Reference,
        ..config
    };
    let ds = VideoDataset::open(kind, root, Split::Training, config)
        .with_context(|| format!("opening {}", root.display()))?;
    let budget = cache_mb
        .checked_mul(1 << 20)
        .context("--cache-mb is too large")?;
    // The first `clips` items of the training loader's first epoch.
    let plan = BatchPlan {
        items: ds.len(),
        batch_size: 1,
        shuffle: true,
        seed: 0,
    };
    let order: Vec<usize> = plan.order(0).into_iter().take(clips).collect();
    let mut out = std::io::stdout();
    writeln!(
        out,
        "# dforce bench video-data: {} training clips of {} episodes in {}, {} read in the loader's order",
        ds.len(),
        ds.files().len(),
        root.display(),
        order.len()
    )?;
    let mut pass = |label: &str, mut cache: EpisodeCache| -> Result<()> {
        let t = Instant::now();
        for &i in &order {
            ds.item_cached(i, &mut cache)?;
        }
        let s = t.elapsed().as_secs_f64();
        let stats = cache.stats();
        writeln!(
            out,
            "{label:<28} {:>10.1} clips/s  ({s:.2} s; {} hits, {} reads, {} frames read, {:.0} MiB held)",
            order.len() as f64 / s,
            stats.hits,
            stats.misses,
            stats.frames_read,
            cache.held_bytes() as f64 / f64::from(1 << 20)
        )?;
        Ok(())
    };
    pass("each clip alone", EpisodeCache::disabled())?;
    pass(
        &format!("episode cache {cache_mb} MiB"),
        EpisodeCache::new(budget),
    )?;
    Ok(())
}
