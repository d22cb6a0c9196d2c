//! Times item reads from a dataset (e.g. one written by `maze3d_generate`).
//!
//! `cargo run --release -p dforce-video-data [--features mp4] --example video_items_bench -- ROOT
//! [dmlab|minecraft] [ITEMS] [CACHE_MB]` (CACHE_MB 0, the default: every item read alone, as
//! `VideoDataset::item`; otherwise through an `EpisodeCache` of that budget, as a loader worker
//! reads them).

use std::time::Instant;

use dforce_video_data::{EpisodeCache, Split, VideoDataset, VideoDatasetConfig, VideoKind};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = args
        .first()
        .cloned()
        .unwrap_or_else(|| "data/maze3d".into());
    let kind: VideoKind = args.get(1).map_or("dmlab", |s| s).parse()?;
    let items: usize = args.get(2).map_or(Ok(200), |s| s.parse())?;
    let cache_mb: usize = args.get(3).map_or(Ok(0), |s| s.parse())?;
    let mut cache = EpisodeCache::new(cache_mb << 20);
    let config = match kind {
        VideoKind::Dmlab => VideoDatasetConfig::dmlab(),
        VideoKind::Minecraft => VideoDatasetConfig::minecraft(),
    };
    let t0 = Instant::now();
    let ds = VideoDataset::open(kind, &root, Split::Training, config)?;
    println!(
        "opened {} clips in {:.3} s",
        ds.len(),
        t0.elapsed().as_secs_f64()
    );
    let t1 = Instant::now();
    let step = (ds.len() / items).max(1);
    let mut checksum = 0f64;
    for i in (0..ds.len()).step_by(step).take(items) {
        checksum += f64::from(ds.item_cached(i, &mut cache)?.video[0]);
    }
    let per = t1.elapsed().as_secs_f64() / items as f64;
    println!(
        "{:.2} ms per item ({items} items, cache {cache_mb} MiB: {:?}, checksum {checksum:.3})",
        per * 1e3,
        cache.stats()
    );
    Ok(())
}
