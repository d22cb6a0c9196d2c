//! A DMLab dataset whose `metadata.json` claims more frames than its files hold (the reference
//! claims 300 for every DMLab file without looking): clips past a file's end are cut at it and
//! zero-padded with nonterminal 0, as the reference's `np.load(f)["video"][start:start + n]` and
//! `np.pad` give them, whatever the episode cache holds. Files and expected clips are written by
//! `scripts/make_short_episode_fixtures.py`, which runs the reference's `__getitem__` code in
//! numpy.

use std::path::PathBuf;

use dforce_video_data::{
    ClipOrder, EpisodeCache, Split, VideoDataset, VideoDatasetConfig, VideoKind,
};
use serde_json::Value as Json;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/short_episodes")
}

fn floats(v: &Json) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

#[test]
fn clips_past_a_shorter_file_are_padded_as_the_reference_pads_them() {
    let dir = tempfile::tempdir().unwrap();
    dforce_fixtures::copy_tree(&fixture(), dir.path()).unwrap();
    let expected: Json =
        serde_json::from_str(&std::fs::read_to_string(fixture().join("expected.json")).unwrap())
            .unwrap();
    let episode_bytes = 16 * 4 * 4 * 3;
    for split in Split::ALL {
        let want = &expected[split.dir_name()];
        let config = VideoDatasetConfig {
            n_frames: want["n_frames"].as_u64().unwrap() as usize,
            frame_skip: want["frame_skip"].as_u64().unwrap() as usize,
            resolution: 4,
            clip_order: ClipOrder::Sequential,
            ..VideoDatasetConfig::dmlab()
        };
        let ds = VideoDataset::open(VideoKind::Dmlab, dir.path(), split, config).unwrap();
        let clips = want["clips"].as_array().unwrap();
        assert_eq!(ds.len(), clips.len(), "{split}");
        let forward: Vec<usize> = (0..ds.len()).collect();
        let backward: Vec<usize> = (0..ds.len()).rev().collect();
        for budget in [0, 100, episode_bytes, 1 << 20] {
            for order in [&forward, &backward] {
                let mut cache = EpisodeCache::new(budget);
                for &i in order {
                    let clip = ds
                        .item_cached(i, &mut cache)
                        .unwrap_or_else(|e| panic!("{split} clip {i}: {e}"));
                    let w = &clips[i];
                    let at = format!("{split} clip {i} budget {budget}");
                    assert_eq!(
                        (clip.source.video_index, clip.source.start),
                        (
                            w["video_index"].as_u64().unwrap() as usize,
                            w["start"].as_u64().unwrap() as usize
                        ),
                        "{at}"
                    );
                    assert_eq!(clip.nonterminal, floats(&w["nonterminal"]), "{at}");
                    assert_eq!(clip.video, floats(&w["video"]), "{at}");
                    assert_eq!(clip.actions, floats(&w["actions"]), "{at}");
                }
            }
        }
    }
}
