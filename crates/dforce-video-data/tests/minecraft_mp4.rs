//! Minecraft layout with real H.264 `.mp4` files made by ffmpeg (libx264, High profile, CABAC,
//! B-frames), checked against PyAV's decode (what the reference's `EncodedVideo` returns).
#![cfg(feature = "mp4")]

mod common;

use common::{fixtures, scratch_copy};
use dforce_io::npz::{NpyData, NpzFile};
use dforce_video_data::mp4::{decode_frames, frame_count};
use dforce_video_data::{ClipOrder, Split, VideoDataset, VideoDatasetConfig, VideoKind};

fn pyav(stem: &str) -> (Vec<usize>, Vec<u8>) {
    let mut f = NpzFile::open(fixtures().join("minecraft_pyav_rgb.npz")).unwrap();
    let a = f.array(stem).unwrap();
    let NpyData::UInt(v) = a.data else {
        panic!("{stem} is not uint8")
    };
    (a.shape, v.into_iter().map(|x| x as u8).collect())
}

#[test]
fn decodes_like_pyav() {
    for (split, stem) in [("training", "run_0"), ("validation", "run_1")] {
        let mp4 = fixtures().join(format!("minecraft/{split}/{stem}.mp4"));
        let (shape, expected) = pyav(stem);
        assert_eq!(frame_count(&mp4).unwrap(), shape[0]);
        let got = decode_frames(&mp4, 0..shape[0]).unwrap();
        assert_eq!((got.count, got.height, got.width), (shape[0], 32, 32));
        // Same pictures in the same (presentation) order; RGB conversion within 2 levels of
        // swscale's.
        let n = 32 * 32 * 3;
        for t in 0..shape[0] {
            let (g, e) = (got.frame(t), &expected[t * n..(t + 1) * n]);
            let diffs = g
                .iter()
                .zip(e)
                .map(|(&a, &b)| (i32::from(a) - i32::from(b)).abs());
            let (max, sum) = diffs.fold((0, 0), |(m, s), d| (m.max(d), s + d));
            assert!(max <= 2, "{stem} frame {t}: max |diff| {max}");
            assert!(
                (sum as f64 / n as f64) < 1.0,
                "{stem} frame {t}: mean |diff|"
            );
        }
        // A range decodes to the same frames (decoding stops early).
        let part = decode_frames(&mp4, 3..7).unwrap();
        assert_eq!(part.data, got.data[3 * n..7 * n]);
    }
}

#[test]
fn minecraft_items_drop_the_first_action() {
    let (_guard, root) = scratch_copy("minecraft");
    let cfg = VideoDatasetConfig {
        n_frames: 4,
        frame_skip: 2,
        resolution: 32,
        clip_order: ClipOrder::Sequential,
        ..VideoDatasetConfig::minecraft()
    };
    let ds = VideoDataset::open(VideoKind::Minecraft, &root, Split::Training, cfg).unwrap();
    assert_eq!(ds.lengths(), [24]);
    assert_eq!(ds.len(), 24 - 8 + 1);
    let clip = ds.item(5).unwrap();
    assert_eq!(clip.shape(), [4, 3, 32, 32]);
    assert_eq!(clip.n_actions, 4);
    let (_, expected) = pyav("run_0");
    for k in 0..4 {
        let t = 5 + 2 * k;
        // The file holds actions (i·3 + 1) % 4 for i in 0..=24; frame t pairs with i = t + 1.
        let a = ((t + 1) * 3 + 1) % 4;
        assert_eq!(clip.actions[k * 4 + a], 1.0, "frame {t}");
        let want = f32::from(expected[t * 3072 + (10 * 32 + 20) * 3 + 1]) / 255.0;
        let got = clip.frame(k)[(32 + 10) * 32 + 20];
        assert!(
            (got - want).abs() <= 2.0 / 255.0,
            "frame {t}: {got} vs {want}"
        );
    }
    let meta = std::fs::read_to_string(root.join("metadata.json")).unwrap();
    assert_eq!(meta, r#"{"training":[24],"validation":[16]}"#);
}

#[test]
fn broken_or_missing_mp4_is_reported_by_name() {
    let (_guard, root) = scratch_copy("minecraft");
    let cfg = VideoDatasetConfig {
        clip_order: ClipOrder::Sequential,
        n_frames: 4,
        ..VideoDatasetConfig::minecraft()
    };
    let ds = VideoDataset::open(VideoKind::Minecraft, &root, Split::Training, cfg.clone()).unwrap();
    let mp4 = root.join("training/run_0.mp4");
    let bytes = std::fs::read(&mp4).unwrap();
    for keep in [0.0, 0.1, 0.5, 0.9] {
        std::fs::write(&mp4, &bytes[..(bytes.len() as f64 * keep) as usize]).unwrap();
        let err = ds.item(0).unwrap_err();
        assert!(err.to_string().contains("run_0.mp4"), "keep {keep}: {err}");
    }
    // Flipped bytes (container or bitstream): an error naming the file or a clip, never a panic.
    for pos in (0..bytes.len()).step_by(41) {
        let mut b = bytes.clone();
        b[pos] ^= 0xa5;
        std::fs::write(&mp4, &b).unwrap();
        if let Err(e) = ds.item(2) {
            assert!(e.to_string().contains("run_0.mp4"), "flip at {pos}: {e}");
        }
    }
    std::fs::remove_file(&mp4).unwrap();
    assert!(ds.item(0).unwrap_err().to_string().contains("run_0.mp4"));
    std::fs::remove_file(root.join("metadata.json")).unwrap();
    let err = VideoDataset::open(VideoKind::Minecraft, &root, Split::Training, cfg).unwrap_err();
    assert!(err.to_string().contains("run_0.mp4"), "{err}");
}
