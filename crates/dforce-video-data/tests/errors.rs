//! Bad inputs give typed errors that name the file, never panics: truncated or corrupt `.npz`
//! files (while building metadata and while reading items), skip-and-log, stale metadata, bad
//! actions, no data at all, and Minecraft without the `mp4` feature.

mod common;

use common::scratch_copy;
use dforce_video_data::{
    BadFilePolicy, ClipOrder, Split, VideoDataError, VideoDataset, VideoDatasetConfig, VideoKind,
};

fn config() -> VideoDatasetConfig {
    VideoDatasetConfig {
        n_frames: 4,
        frame_skip: 2,
        resolution: 16,
        clip_order: ClipOrder::Sequential,
        ..VideoDatasetConfig::dmlab()
    }
}

fn truncate(path: &std::path::Path, keep: f64) {
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(path, &bytes[..(bytes.len() as f64 * keep) as usize]).unwrap();
}

#[test]
fn truncated_npz_is_reported_by_name_when_building_metadata() {
    let (_guard, root) = scratch_copy("dmlab");
    let bad = root.join("training/a/ep_b.npz");
    truncate(&bad, 0.6);
    let err = VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, config()).unwrap_err();
    assert!(err.to_string().contains("ep_b.npz"), "{err}");
    assert!(!root.join("metadata.json").exists());

    // Skip-and-log: the bad file is left out and recorded, and later opens agree.
    let skip = VideoDatasetConfig {
        bad_files: BadFilePolicy::Skip,
        ..config()
    };
    let ds = VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, skip).unwrap();
    assert_eq!(ds.files().len(), 1);
    assert_eq!(ds.skipped().len(), 1);
    assert_eq!(ds.skipped()[0].file, "a/ep_b.npz");
    assert_eq!(ds.len(), 33);
    let meta = std::fs::read_to_string(root.join("metadata.json")).unwrap();
    assert!(
        meta.contains("\"skipped\"") && meta.contains("a/ep_b.npz"),
        "{meta}"
    );
    let again = VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, config()).unwrap();
    assert_eq!(again.files(), ds.files());
}

#[test]
fn damage_after_indexing_is_reported_by_name_when_reading_items() {
    let (_guard, root) = scratch_copy("dmlab");
    let ds = VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, config()).unwrap();
    let victim = &ds.files()[0];
    let bytes = std::fs::read(victim).unwrap();
    for keep in [0.0, 0.3, 0.9, 0.99] {
        std::fs::write(victim, &bytes[..(bytes.len() as f64 * keep) as usize]).unwrap();
        let err = ds.item(0).unwrap_err();
        assert!(err.to_string().contains("ep_a.npz"), "keep {keep}: {err}");
    }
    // Flipped bytes anywhere: an error or (if the flip hits slack) a clip, never a panic.
    for pos in (0..bytes.len()).step_by(97) {
        let mut b = bytes.clone();
        b[pos] ^= 0x5a;
        std::fs::write(victim, &b).unwrap();
        if let Err(e) = ds.item(3) {
            assert!(e.to_string().contains("ep_a.npz"), "flip at {pos}: {e}");
        }
    }
}

#[test]
fn stale_metadata_and_bad_actions_are_errors() {
    let (_guard, root) = scratch_copy("dmlab");
    VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, config()).unwrap();
    std::fs::remove_file(root.join("training/a/ep_b.npz")).unwrap();
    let err = VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, config()).unwrap_err();
    assert!(
        matches!(err, VideoDataError::Metadata { .. }) && err.to_string().contains("stale"),
        "{err}"
    );

    // DMLab has 3 actions: a 3 in the file is an error naming it (np.eye(3)[3] would raise; a
    // negative id would silently wrap in the reference).
    let (_guard, root) = scratch_copy("dmlab");
    let path = root.join("validation/ep_c.npz");
    let mut w =
        dforce_io::npz::NpzWriter::create(&path, dforce_io::npz::NpzCompression::Stored).unwrap();
    w.add("video", &[10, 4, 4, 3], &[0u8; 480]).unwrap();
    w.add("actions", &[10], &[0i64, 1, 2, 3, 0, 0, 0, 0, 0, 0])
        .unwrap();
    w.finish().unwrap();
    let ds = VideoDataset::open(VideoKind::Dmlab, &root, Split::Validation, config()).unwrap();
    let err = ds.item(0).unwrap_err();
    assert!(
        err.to_string().contains("ep_c.npz") && err.to_string().contains("action 3"),
        "{err}"
    );
}

/// Fewer actions than frames: the reference slices both with the clip's range, so clips would
/// carry fewer actions than frames. Refused by name when the dataset is opened.
#[test]
fn fewer_actions_than_frames_are_an_error() {
    let (_guard, root) = scratch_copy("dmlab");
    let path = root.join("validation/ep_c.npz");
    let mut w =
        dforce_io::npz::NpzWriter::create(&path, dforce_io::npz::NpzCompression::Stored).unwrap();
    w.add("video", &[10, 4, 4, 3], &[0u8; 480]).unwrap();
    w.add("actions", &[4], &[0i64; 4]).unwrap();
    w.finish().unwrap();
    let err = VideoDataset::open(VideoKind::Dmlab, &root, Split::Validation, config()).unwrap_err();
    assert!(
        err.to_string().contains("ep_c.npz")
            && err
                .to_string()
                .contains("`actions` has 4 entries for 10 frames"),
        "{err}"
    );
}

#[test]
fn wrong_video_array_is_an_error() {
    let (_guard, root) = scratch_copy("dmlab");
    let path = root.join("validation/ep_c.npz");
    let mut w =
        dforce_io::npz::NpzWriter::create(&path, dforce_io::npz::NpzCompression::Stored).unwrap();
    // Two channels: not RGB. (A float `video` is read, as the reference reads it: see
    // tests/video_dtypes.rs.)
    w.add("video", &[10, 4, 4, 2], &[0f32; 320]).unwrap();
    w.add("actions", &[10], &[0i64; 10]).unwrap();
    w.finish().unwrap();
    let err = VideoDataset::open(VideoKind::Dmlab, &root, Split::Validation, config()).unwrap_err();
    assert!(
        err.to_string().contains("ep_c.npz") && err.to_string().contains("(T, H, W, 3)"),
        "{err}"
    );
}

/// Frames of zero width or height are refused by name (they used to reach the resizer, which
/// panicked on a zero-sized row).
#[test]
fn empty_frames_are_an_error() {
    for shape in [[10, 4, 0, 3], [10, 0, 4, 3]] {
        let (_guard, root) = scratch_copy("dmlab");
        let path = root.join("validation/ep_c.npz");
        let mut w =
            dforce_io::npz::NpzWriter::create(&path, dforce_io::npz::NpzCompression::Stored)
                .unwrap();
        w.add("video", &shape, &[0u8; 0]).unwrap();
        w.add("actions", &[10], &[0i64; 10]).unwrap();
        w.finish().unwrap();
        let err = VideoDataset::open(VideoKind::Dmlab, &root, Split::Validation, config())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ep_c.npz") && err.contains("H, W > 0"),
            "{err}"
        );
    }
}

#[test]
fn no_data_says_where_teco_data_comes_from() {
    let dir = tempfile::tempdir().unwrap();
    let err =
        VideoDataset::open(VideoKind::Dmlab, dir.path(), Split::Training, config()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, VideoDataError::NoData { .. }));
    assert!(
        msg.contains("dmlab.sh") && msg.contains("minecraft.sh"),
        "{msg}"
    );
    assert!(msg.contains("TECO"), "{msg}");
}

#[cfg(not(feature = "mp4"))]
#[test]
fn minecraft_without_the_mp4_feature_says_so() {
    let (_guard, root) = scratch_copy("minecraft");
    let err = VideoDataset::open(
        VideoKind::Minecraft,
        &root,
        Split::Training,
        VideoDatasetConfig::minecraft(),
    )
    .unwrap_err();
    assert!(
        matches!(err, VideoDataError::Mp4Unsupported { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("--features mp4"), "{err}");
    assert!(err.to_string().contains("run_0.mp4"), "{err}");
}

/// Frame counts no video has (past a billion) are a metadata error, not an overflow when clips
/// are indexed.
#[test]
fn frame_counts_past_the_bound_are_metadata_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metadata.json");
    std::fs::write(
        &path,
        r#"{"training": [18446744073709551615, 3], "validation": []}"#,
    )
    .unwrap();
    let err = dforce_video_data::metadata::Metadata::load(&path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("frame counts"), "{err}");
}

/// Lengths written as floats (`[40.0, …]`, what a Python tool holding numpy floats writes) are
/// read as the reference reads them (`np.array(lengths).astype(np.int32)`); a fraction, a
/// negative or huge value, a non-number and NaN are refused saying which entry and why.
#[test]
fn integral_float_frame_counts_are_read_and_others_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metadata.json");
    let load = |text: &str| {
        std::fs::write(&path, text).unwrap();
        dforce_video_data::metadata::Metadata::load(&path)
    };
    let meta = load(r#"{"training": [40.0, 3, 0.0], "validation": [1e1]}"#).unwrap();
    assert_eq!(meta.training, [40, 3, 0]);
    assert_eq!(meta.validation, [10]);
    for (list, why) in [
        ("[40.5]", "must be a whole number"),
        ("[-3]", "cannot be negative"),
        ("[-3.0]", "cannot be negative"),
        ("[1e12]", "more than 1000000000 frames"),
        ("[1000000001]", "more than 1000000000 frames"),
        (r#"["40"]"#, "not a number"),
        ("[true]", "not a number"),
    ] {
        let err = load(&format!(
            r#"{{"training": [3, {}], "validation": []}}"#,
            &list[1..list.len() - 1]
        ))
        .unwrap_err();
        assert!(matches!(err, VideoDataError::Metadata { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("\"training\"[1] is ") && msg.contains(why) && msg.contains("40.0"),
            "{list}: {msg}"
        );
    }
    // Python's json.dump writes float('nan') as NaN, which is not JSON.
    let msg = load(r#"{"training": [NaN], "validation": []}"#)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("NaN or Infinity") && msg.contains("delete it"),
        "{msg}"
    );
}

#[test]
fn a_dataset_whose_metadata_lists_floats_reads_as_with_integers() {
    let (_guard, root) = scratch_copy("dmlab");
    let ints = VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, config()).unwrap();
    let meta_path = root.join("metadata.json");
    let text = std::fs::read_to_string(&meta_path).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    for split in ["training", "validation"] {
        let floats: Vec<f64> = value[split]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as f64)
            .collect();
        value[split] = serde_json::json!(floats);
    }
    let text = value.to_string();
    assert!(text.contains(".0"), "{text}");
    std::fs::write(&meta_path, text).unwrap();
    let floats = VideoDataset::open(VideoKind::Dmlab, &root, Split::Training, config()).unwrap();
    assert_eq!(floats.lengths(), ints.lengths());
    assert_eq!(floats.len(), ints.len());
    assert_eq!(floats.item(0).unwrap(), ints.item(0).unwrap());
}
