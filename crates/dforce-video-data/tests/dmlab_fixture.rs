//! Reading a DMLab-layout dataset written by numpy's `savez_compressed` (not by this project):
//! file discovery and order, `metadata.json` building, items, actions, padding and splits.

mod common;

use common::{pattern, scratch_copy};
use dforce_video_data::{ClipOrder, Split, VideoDataset, VideoDatasetConfig, VideoKind};

fn config(n_frames: usize, frame_skip: usize, resolution: usize) -> VideoDatasetConfig {
    VideoDatasetConfig {
        n_frames,
        frame_skip,
        validation_multiplier: 1,
        resolution,
        context_length: 1,
        clip_order: ClipOrder::Sequential,
        ..VideoDatasetConfig::dmlab()
    }
}

/// Loaders share one dataset across worker threads.
#[test]
fn dataset_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<VideoDataset>();
}

#[test]
fn builds_metadata_in_file_name_order_and_writes_it() {
    let (_guard, root) = scratch_copy("dmlab");
    assert!(!root.join("metadata.json").exists());
    let ds =
        VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, config(4, 2, 16)).unwrap();
    // ep_a (in folder b) sorts before ep_b (in folder a): by file name, not path.
    let names: Vec<String> = ds
        .files()
        .iter()
        .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert_eq!(names, ["training/b/ep_a.npz", "training/a/ep_b.npz"]);
    assert_eq!(ds.lengths(), [40, 40]);
    // 2 videos × (40 − 8 + 1) clips.
    assert_eq!(ds.len(), 66);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("metadata.json")).unwrap())
            .unwrap();
    assert_eq!(
        meta,
        serde_json::json!({"training": [40, 40], "validation": [24]})
    );
}

#[test]
fn items_hold_the_right_frames_actions_and_mask() {
    let (_guard, root) = scratch_copy("dmlab");
    let ds =
        VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, config(4, 2, 16)).unwrap();
    // Sequential order: item 33 is the first clip of the second file (ep_b, pattern v = 1).
    let clip = ds.item(33 + 5).unwrap();
    assert_eq!(clip.shape(), [4, 3, 16, 16]);
    assert_eq!((clip.source.video_index, clip.source.start), (1, 5));
    for k in 0..4 {
        let t = 5 + 2 * k;
        let f = clip.frame(k);
        for (c, y, x) in [(0, 0, 0), (1, 3, 7), (2, 15, 15)] {
            let want = f32::from(pattern(1, t, y, x, c)) / 255.0;
            assert_eq!(f[(c * 16 + y) * 16 + x], want, "frame {k} c{c} y{y} x{x}");
        }
        // ep_b's actions are (t · 2) % 3.
        let a = (t * 2) % 3;
        let row = &clip.actions[k * 3..k * 3 + 3];
        assert_eq!(row.iter().sum::<f32>(), 1.0);
        assert_eq!(row[a], 1.0);
    }
    assert_eq!(clip.nonterminal, [1.0; 4]);
    assert_eq!(clip.normalized_video()[0], 2.0 * clip.video[0] - 1.0);
    assert!(ds.item(ds.len()).is_err());
}

#[test]
fn validation_multiplier_test_alias_and_padding() {
    let (_guard, root) = scratch_copy("dmlab");
    let cfg = VideoDatasetConfig {
        validation_multiplier: 2,
        ..config(4, 2, 16)
    };
    let test: Split = "test".parse().unwrap();
    assert_eq!(test, Split::Validation);
    let val = VideoDataset::open(VideoKind::Dmlab, &root, test, cfg.clone()).unwrap();
    // n_frames_raw = 4·2·2 = 16; the 24-frame video has 9 clips of 8 frames.
    assert_eq!(val.len(), 9);
    assert_eq!(val.item(0).unwrap().frames, 8);
    let train = VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, cfg).unwrap();
    assert_eq!(train.len(), 66);

    // A clip longer than the video: one clip, real frames then zero padding with mask 0.
    let long = config(20, 2, 16);
    let val = VideoDataset::open(VideoKind::Dmlab, &root, Split::Validation, long).unwrap();
    assert_eq!(val.len(), 1);
    let clip = val.item(0).unwrap();
    assert_eq!(clip.frames, 20);
    let real = 24usize.div_ceil(2);
    assert_eq!(clip.nonterminal[..real], vec![1.0; real][..]);
    assert_eq!(clip.nonterminal[real..], vec![0.0; 20 - real][..]);
    assert!(clip.frame(real).iter().all(|&x| x == 0.0));
    assert!(clip.actions[real * 3..].iter().all(|&x| x == 0.0));
    assert_eq!(
        clip.frame(real - 1)[0],
        f32::from(pattern(2, 22, 0, 0, 0)) / 255.0
    );
}

#[test]
fn any_resolution_is_resized_to_the_configured_one() {
    let (_guard, root) = scratch_copy("dmlab");
    let ds =
        VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, config(2, 1, 64)).unwrap();
    let clip = ds.item(0).unwrap();
    assert_eq!(clip.shape(), [2, 3, 64, 64]);
    assert!(clip.video.iter().all(|&x| (0.0..=1.0).contains(&x)));
    let small =
        VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, config(2, 1, 8)).unwrap();
    assert_eq!(small.item(0).unwrap().shape(), [2, 3, 8, 8]);
}

#[test]
fn reference_order_uses_cpython_shuffle_on_validation() {
    let (_guard, root) = scratch_copy("dmlab");
    let cfg = VideoDatasetConfig {
        clip_order: ClipOrder::Reference,
        ..config(4, 2, 16)
    };
    let val = VideoDataset::open(VideoKind::Dmlab, &root, Split::Validation, cfg.clone()).unwrap();
    // CPython: random.seed(0); l = list(range(17)); random.shuffle(l) -> [2, 14, 3, 16, ...]
    let order: Vec<usize> = (0..4).map(|i| val.locate(i).unwrap().0).collect();
    assert_eq!(order, [2, 14, 3, 16]);
    // Training uses the lazy seed-0 permutation: a bijection over all 66 clips.
    let train = VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, cfg).unwrap();
    let mut seen: Vec<usize> = (0..train.len())
        .map(|i| train.locate(i).unwrap().0)
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..66).collect::<Vec<_>>());
}
