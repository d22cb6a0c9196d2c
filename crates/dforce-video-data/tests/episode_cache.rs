//! The per-worker episode cache: clips read through it equal the uncached reads (which the
//! fixture tests check against numpy's arrays), whatever the order and the budget, and a held
//! episode is not read again.

mod common;

use common::scratch_copy;
use dforce_video_data::{
    ClipOrder, EpisodeCache, Split, VideoDataset, VideoDatasetConfig, VideoKind,
};

fn dataset(root: &std::path::Path, split: Split) -> VideoDataset {
    let cfg = VideoDatasetConfig {
        n_frames: 4,
        frame_skip: 2,
        resolution: 8,
        clip_order: ClipOrder::Sequential,
        ..VideoDatasetConfig::dmlab()
    };
    VideoDataset::open(VideoKind::Dmlab, root, split, cfg).unwrap()
}

/// Items 0.. in a scrambled but fixed order (a stride coprime with the length).
fn scrambled(n: usize) -> Vec<usize> {
    let stride = (2..n).find(|s| gcd(*s, n) == 1 && *s > n / 3).unwrap_or(1);
    (0..n).map(|i| (i * stride + 5) % n).collect()
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[test]
fn cached_clips_equal_uncached_ones_for_every_order_and_budget() {
    let (_guard, root) = scratch_copy("dmlab");
    for split in [Split::Training, Split::Validation] {
        let ds = dataset(&root, split);
        let episode_bytes = 40 * 16 * 16 * 3;
        for budget in [0, 1000, episode_bytes, 64 << 20] {
            for order in [(0..ds.len()).collect::<Vec<_>>(), scrambled(ds.len())] {
                let mut cache = EpisodeCache::new(budget);
                for &i in &order {
                    let cached = ds.item_cached(i, &mut cache).unwrap();
                    assert_eq!(
                        cached,
                        ds.item(i).unwrap(),
                        "{split:?} item {i}, budget {budget}"
                    );
                    assert!(
                        cache.held_bytes() <= budget.max(episode_bytes + 40 * 8),
                        "held {} of budget {budget}",
                        cache.held_bytes()
                    );
                }
                let s = cache.stats();
                assert_eq!(s.hits + s.misses, order.len() as u64);
            }
        }
    }
}

#[test]
fn a_held_episode_is_not_read_again() {
    let (_guard, root) = scratch_copy("dmlab");
    let ds = dataset(&root, Split::Training);
    let episodes = ds.files().len() as u64;
    // In order, clip by clip: a DMLab member is inflated whole (its CRC-32 is checked), so the
    // first clip of an episode keeps all of it and the episode is read once, not once per clip.
    // (An `.mp4`, decoded only up to the clip, grows its held span twofold on each miss.)
    let mut cache = EpisodeCache::new(64 << 20);
    for i in 0..ds.len() {
        ds.item_cached(i, &mut cache).unwrap();
    }
    let s = cache.stats();
    let frames: usize = ds.lengths().iter().sum();
    assert_eq!(s.misses, episodes, "{s:?}");
    assert_eq!(s.frames_read, frames as u64, "{s:?}");
    assert_eq!(s.hits, ds.len() as u64 - s.misses, "{s:?}");
    // A second pass reads nothing.
    for i in scrambled(ds.len()) {
        ds.item_cached(i, &mut cache).unwrap();
    }
    assert_eq!(cache.stats().misses, s.misses, "{:?}", cache.stats());
    // Without a budget every clip of another episode than the last one is read.
    let mut none = EpisodeCache::disabled();
    for i in scrambled(ds.len()) {
        ds.item_cached(i, &mut none).unwrap();
    }
    let s = none.stats();
    assert!(s.misses > ds.len() as u64 / 2, "{s:?}");
    // It holds the last clip's raw frames (7 of them: 4 kept, every 2nd) and actions, no more.
    assert_eq!(none.held_bytes(), 7 * 16 * 16 * 3 + 40 * 8);
}

#[test]
fn a_cached_clip_fails_like_an_uncached_one_when_the_file_is_gone() {
    let (_guard, root) = scratch_copy("dmlab");
    let ds = dataset(&root, Split::Validation);
    let mut cache = EpisodeCache::new(1 << 20);
    std::fs::remove_file(&ds.files()[0]).unwrap();
    let cached = ds.item_cached(0, &mut cache).unwrap_err().to_string();
    let uncached = ds.item(0).unwrap_err().to_string();
    assert_eq!(cached, uncached);
    assert!(cached.contains("ep_c.npz"), "{cached}");
}
