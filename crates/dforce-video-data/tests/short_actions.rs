//! An `actions` array shorter than the video (issue #12): the reference slices `actions` with the
//! clip's window as it slices the frames, so it would give clips with fewer actions than frames;
//! dforce used to read the missing ones as all-zero rows. Such a file is refused by name, with
//! both lengths and what to do, when `metadata.json` is built and when a clip that needs the
//! missing actions is read. Frames past the video's end are padding and need none. Files are
//! written by `scripts/make_short_actions_fixtures.py` (numpy).

mod common;

use std::path::PathBuf;

use dforce_video_data::{
    BadFilePolicy, ClipOrder, EpisodeCache, Split, VideoDataset, VideoDatasetConfig, VideoKind,
};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/short_actions")
}

/// A scratch copy of the DMLab fixture (with its `metadata.json`).
fn dmlab_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("dmlab");
    dforce_fixtures::copy_tree(&fixture().join("dmlab"), &root).unwrap();
    (dir, root)
}

fn config(n_frames: usize, frame_skip: usize, resolution: usize) -> VideoDatasetConfig {
    VideoDatasetConfig {
        n_frames,
        frame_skip,
        resolution,
        clip_order: ClipOrder::Sequential,
        ..VideoDatasetConfig::dmlab()
    }
}

/// Each row of `actions` (`n` wide) is one-hot: no real frame was given an all-zero row.
fn assert_one_hot(actions: &[f32], n: usize, at: &str) {
    for (k, row) in actions.chunks(n).enumerate() {
        assert_eq!(
            row.iter().filter(|&&x| x == 1.0).count(),
            1,
            "{at} frame {k}: {row:?}"
        );
        assert_eq!(row.iter().sum::<f32>(), 1.0, "{at} frame {k}: {row:?}");
    }
}

/// The issue's repro: 40 frames and 5 actions, with a `metadata.json` that lists the files
/// without opening them. Every clip of the file needs more than 5 actions and is refused, with
/// or without the episode cache; the good file's clips are read.
#[test]
fn dmlab_clips_needing_missing_actions_are_refused_when_read() {
    let (_guard, root) = dmlab_copy();
    let ds = VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, config(4, 2, 8)).unwrap();
    // 40 − 8 + 1 clips of the short file, 12 − 8 + 1 of the good one.
    assert_eq!(ds.len(), 33 + 5);
    for budget in [0, 1 << 20] {
        let mut cache = EpisodeCache::new(budget);
        for i in 0..33 {
            let err = ds.item_cached(i, &mut cache).unwrap_err().to_string();
            let last = i + 6;
            for part in [
                "ep_000000.npz",
                &format!(
                    "`actions` has 5 entries but the clip of raw frames {i}..{} needs {}: its \
                     frames {i}..={last} are real and each needs an action (frames past the \
                     video's end are padding and need none); TECO's files hold one action per \
                     frame: write the file again with all of its actions, or move it out of the \
                     split and delete metadata.json so that it is rebuilt without it",
                    i + 8,
                    last + 1
                ),
            ] {
                assert!(err.contains(part), "budget {budget} clip {i}: {err}");
            }
        }
        for i in 33..38 {
            let clip = ds.item_cached(i, &mut cache).unwrap();
            assert_one_hot(&clip.actions, 3, &format!("clip {i}"));
        }
    }
}

/// Clips of the short file that stay within its 5 actions are read, with its actions; the first
/// clip whose real frames reach frame 5 is refused.
#[test]
fn dmlab_clips_within_the_actions_held_are_read() {
    let (_guard, root) = dmlab_copy();
    // Windows of 4 raw frames, every 2nd kept: the clip from frame s keeps s and s + 2 and needs
    // actions through s + 2 (the one between them leads into s + 2).
    let ds = VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, config(2, 2, 8)).unwrap();
    for start in 0..=2 {
        let clip = ds.item(start).unwrap();
        assert_eq!(clip.source.start, start);
        assert_eq!(clip.nonterminal, [1.0, 1.0]);
        assert_one_hot(&clip.actions, 3, &format!("clip {start}"));
        // The file's actions are t % 3.
        for k in 0..2 {
            let t = start + 2 * k;
            assert_eq!(clip.actions[k * 3 + t % 3], 1.0, "clip {start} frame {t}");
        }
    }
    let err = ds.item(3).unwrap_err().to_string();
    assert!(
        err.contains("ep_000000.npz")
            && err.contains("`actions` has 5 entries but the clip of raw frames 3..7 needs 6"),
        "{err}"
    );
}

/// Without `metadata.json`, building it refuses the file by name with both lengths; with
/// `BadFilePolicy::Skip` the file is left out and the reason recorded.
#[test]
fn dmlab_short_actions_are_refused_when_metadata_is_built() {
    let (_guard, root) = dmlab_copy();
    std::fs::remove_file(root.join("metadata.json")).unwrap();
    let err = VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, config(4, 2, 8))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ep_000000.npz")
            && err.contains(
                "`actions` has 5 entries for 40 frames; TECO's files hold one action per frame: \
                 write the file again with all of its actions"
            ),
        "{err}"
    );
    assert!(!root.join("metadata.json").exists());

    let skip = VideoDatasetConfig {
        bad_files: BadFilePolicy::Skip,
        ..config(4, 2, 8)
    };
    let ds = VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, skip).unwrap();
    assert_eq!(ds.files().len(), 1);
    assert_eq!(ds.lengths(), [12]);
    assert_eq!(ds.skipped()[0].file, "ep_000000.npz");
    assert!(
        ds.skipped()[0]
            .reason
            .contains("`actions` has 5 entries for 40 frames"),
        "{:?}",
        ds.skipped()
    );
}

/// A file that loses actions after `metadata.json` was built (files can change) is refused when
/// its clips are read.
#[test]
fn dmlab_actions_shortened_after_indexing_are_refused_when_read() {
    let (guard, root) = dmlab_copy();
    std::fs::remove_file(root.join("metadata.json")).unwrap();
    // The short file (40 frames, 5 actions) is kept aside while the metadata is built.
    let short = guard.path().join("short.npz");
    std::fs::rename(root.join("training/ep_000000.npz"), &short).unwrap();
    let ds =
        VideoDataset::open(VideoKind::Dmlab, &root, Split::Validation, config(4, 2, 8)).unwrap();
    assert_eq!(ds.lengths(), [10]);
    assert_one_hot(&ds.item(0).unwrap().actions, 3, "before");
    // Then it replaces the good validation file (10 frames, 10 actions).
    std::fs::copy(&short, root.join("validation/ep_000000.npz")).unwrap();
    let err = ds.item(2).unwrap_err().to_string();
    assert!(
        err.contains("validation/ep_000000.npz")
            && err.contains("`actions` has 5 entries but the clip of raw frames 2..10 needs 9"),
        "{err}"
    );
}

#[cfg(feature = "mp4")]
mod minecraft {
    use super::*;
    use common::scratch_copy;

    fn config(n_frames: usize, frame_skip: usize) -> VideoDatasetConfig {
        VideoDatasetConfig {
            n_frames,
            frame_skip,
            resolution: 32,
            clip_order: ClipOrder::Sequential,
            ..VideoDatasetConfig::minecraft()
        }
    }

    /// The Minecraft fixture with `training/run_0.npz` (beside a 24-frame `.mp4`) replaced by
    /// `fixture` from `short_actions/minecraft/`.
    fn with_actions(fixture_name: &str) -> (tempfile::TempDir, PathBuf) {
        let (guard, root) = scratch_copy("minecraft");
        std::fs::copy(
            fixture().join("minecraft").join(fixture_name),
            root.join("training/run_0.npz"),
        )
        .unwrap();
        (guard, root)
    }

    /// 6 actions beside 24 frames: refused when building `metadata.json`, and, with a
    /// `metadata.json` already there, when a clip is read.
    #[test]
    fn minecraft_short_actions_are_refused_at_probe_and_read_time() {
        let (_guard, root) = with_actions("run_0_6_actions.npz");
        let err = VideoDataset::open(VideoKind::Minecraft, &root, Split::Training, config(4, 2))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("run_0.npz") && err.contains("`actions` has 6 entries for 24 frames"),
            "{err}"
        );

        std::fs::write(
            root.join("metadata.json"),
            r#"{"training":[24],"validation":[16]}"#,
        )
        .unwrap();
        let ds =
            VideoDataset::open(VideoKind::Minecraft, &root, Split::Training, config(4, 2)).unwrap();
        let err = ds.item(0).unwrap_err().to_string();
        assert!(
            err.contains("run_0.npz")
                && err.contains(
                    "`actions` has 6 entries but the clip of raw frames 0..8 needs 8: its frames \
                     0..=6 are real and each needs an action, frame t taking actions[t + 1] (the \
                     reference's minecraft loader reads actions[1:])"
                ),
            "{err}"
        );
    }

    /// One action per frame without the leading entry the loader drops (24 for 24 frames):
    /// accepted when building `metadata.json`; clips that keep frame 23, which has no action,
    /// are refused, and the others read.
    #[test]
    fn minecraft_frame_t_needs_entry_t_plus_one() {
        let (_guard, root) = with_actions("run_0_24_actions.npz");
        // Every 2nd of 8 raw frames: the last clip keeps frames 16..=22.
        let ds =
            VideoDataset::open(VideoKind::Minecraft, &root, Split::Training, config(4, 2)).unwrap();
        assert_eq!(ds.lengths(), [24]);
        for i in 0..ds.len() {
            let clip = ds.item(i).unwrap();
            assert_one_hot(&clip.actions, 4, &format!("clip {i}"));
            for k in 0..4 {
                let t = i + 2 * k;
                assert_eq!(
                    clip.actions[k * 4 + ((t + 1) * 3 + 1) % 4],
                    1.0,
                    "frame {t}"
                );
            }
        }
        // Every frame of 8: the last clip keeps frame 23.
        let ds =
            VideoDataset::open(VideoKind::Minecraft, &root, Split::Training, config(8, 1)).unwrap();
        assert_eq!(ds.len(), 17);
        for i in 0..16 {
            assert_one_hot(&ds.item(i).unwrap().actions, 4, &format!("clip {i}"));
        }
        let err = ds.item(16).unwrap_err().to_string();
        assert!(
            err.contains("run_0.npz")
                && err.contains(
                    "`actions` has 24 entries but the clip of raw frames 16..24 needs 25"
                ),
            "{err}"
        );
    }

    /// A `metadata.json` claiming more frames than the `.mp4` holds (34 for 24): frames past the
    /// `.mp4`'s end are padding and need no actions, so a clip is refused only when one of its
    /// real frames lacks its action.
    #[test]
    fn minecraft_padding_past_a_short_mp4_needs_no_actions() {
        let (_guard, root) = with_actions("run_0_24_actions.npz");
        std::fs::write(
            root.join("metadata.json"),
            r#"{"training":[34],"validation":[26]}"#,
        )
        .unwrap();
        let ds =
            VideoDataset::open(VideoKind::Minecraft, &root, Split::Training, config(4, 2)).unwrap();
        assert_eq!(ds.len(), 34 - 8 + 1);
        for budget in [0, 1 << 20] {
            let mut cache = EpisodeCache::new(budget);
            for i in 0..ds.len() {
                let at = format!("clip {i} budget {budget}");
                // Kept frames i, i + 2, …; those before 24 are real.
                let real = (0..4).filter(|k| i + 2 * k < 24).count();
                let keeps_23 = (0..4).any(|k| i + 2 * k == 23);
                match ds.item_cached(i, &mut cache) {
                    Ok(clip) => {
                        assert!(!keeps_23, "{at}");
                        let nonterminal: Vec<f32> =
                            (0..4).map(|k| f32::from(u8::from(k < real))).collect();
                        assert_eq!(clip.nonterminal, nonterminal, "{at}");
                        assert_one_hot(&clip.actions[..real * 4], 4, &at);
                        // Padding: all-zero actions.
                        assert!(clip.actions[real * 4..].iter().all(|&x| x == 0.0), "{at}");
                    }
                    Err(e) => {
                        assert!(keeps_23, "{at}: {e}");
                        assert!(
                            e.to_string().contains("`actions` has 24 entries")
                                && e.to_string().contains("needs 25"),
                            "{at}: {e}"
                        );
                    }
                }
            }
        }
    }
}
