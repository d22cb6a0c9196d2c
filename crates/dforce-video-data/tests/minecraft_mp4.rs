//! Minecraft layout with real H.264 `.mp4` files made by ffmpeg (libx264, High profile, CABAC,
//! B-frames), checked against PyAV's decode (what the reference's `EncodedVideo` returns).
#![cfg(feature = "mp4")]

mod common;

use common::{fixtures, scratch_copy};
use dforce_io::npz::{NpyData, NpzFile};
use dforce_video_data::mp4::{
    decode_frames, decode_frames_with_lead, frame_count, random_access_point,
};
use dforce_video_data::source::{Pixels, RawFrames};
use dforce_video_data::{
    ClipOrder, EpisodeCache, Split, VideoDataset, VideoDatasetConfig, VideoKind,
};

/// The pixels of decoded frames, which are always uint8.
fn bytes(frames: &RawFrames) -> &[u8] {
    match &frames.pixels {
        Pixels::U8(v) => v,
        Pixels::Scaled(_) => panic!("an .mp4 decodes to uint8 frames"),
    }
}

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
            let (g, e) = (got.frame(t).bytes().unwrap(), &expected[t * n..(t + 1) * n]);
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
        assert_eq!(bytes(&part), &bytes(&got)[3 * n..7 * n]);
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

/// PyAV's RGB decode of `keyframes/<name>.mp4` (40 frames, 32×32, a keyframe every 8 frames).
fn pyav_keyframes(name: &str) -> Vec<u8> {
    let mut f = NpzFile::open(fixtures().join("keyframes/pyav_rgb.npz")).unwrap();
    let a = f.array(name).unwrap();
    assert_eq!(a.shape, [40, 32, 32, 3]);
    let NpyData::UInt(v) = a.data else {
        panic!("{name} is not uint8")
    };
    v.into_iter().map(|x| x as u8).collect()
}

/// Frames `first..first + got.count` match PyAV's within swscale's rounding (as above).
fn assert_like_pyav(name: &str, got: &RawFrames, first: usize, expected: &[u8]) {
    let n = 32 * 32 * 3;
    for k in 0..got.count {
        let t = first + k;
        let e = &expected[t * n..(t + 1) * n];
        let max = got
            .frame(k)
            .bytes()
            .unwrap()
            .iter()
            .zip(e)
            .map(|(&a, &b)| (i32::from(a) - i32::from(b)).abs())
            .max()
            .unwrap();
        assert!(max <= 2, "{name} frame {t}: max |diff| {max}");
    }
}

#[test]
fn decoding_starts_at_the_idr_keyframe_before_the_range() {
    // closed_gop: IDR pictures at frames 0, 8, 16, 24, 32 (libx264 keyint=8 via PyAV).
    let closed = fixtures().join("keyframes/closed_gop.mp4");
    for (frame, point) in [(0, 0), (7, 0), (8, 8), (17, 16), (31, 24), (39, 32)] {
        assert_eq!(
            random_access_point(&closed, frame).unwrap(),
            point,
            "{frame}"
        );
    }
    // open_gop: its non-IDR I-frames are sync samples whose leading B-frames refer back; they are
    // passed over, so every start point is an IDR picture at or before the frame.
    let open = fixtures().join("keyframes/open_gop.mp4");
    for frame in 0..40 {
        assert!(random_access_point(&open, frame).unwrap() <= frame);
    }
    for name in ["closed_gop", "open_gop"] {
        let mp4 = fixtures().join(format!("keyframes/{name}.mp4"));
        let expected = pyav_keyframes(name);
        let whole = decode_frames(&mp4, 0..40).unwrap();
        assert_like_pyav(name, &whole, 0, &expected);
        for range in [17..19, 30..40, 8..9, 9..25, 0..3, 39..40] {
            let part = decode_frames(&mp4, range.clone()).unwrap();
            assert_eq!(part.count, range.len());
            // The same pictures as one decode from the start, byte for byte.
            assert_eq!(
                bytes(&part),
                &bytes(&whole)[range.start * 3072..range.end * 3072],
                "{name} {range:?}"
            );
            let (first, lead) = decode_frames_with_lead(&mp4, range.clone()).unwrap();
            assert_eq!(first, random_access_point(&mp4, range.start).unwrap());
            assert_eq!(lead.count, range.end - first);
            assert_like_pyav(name, &lead, first, &expected);
        }
    }
}

#[test]
fn cached_minecraft_clips_equal_uncached_ones() {
    let (_guard, root) = scratch_copy("minecraft");
    for split in [Split::Training, Split::Validation] {
        let cfg = VideoDatasetConfig {
            n_frames: 4,
            frame_skip: 2,
            resolution: 16,
            clip_order: ClipOrder::Sequential,
            ..VideoDatasetConfig::minecraft()
        };
        let ds = VideoDataset::open(VideoKind::Minecraft, &root, split, cfg).unwrap();
        let mut cache = EpisodeCache::new(1 << 20);
        for i in (0..ds.len()).rev().chain(0..ds.len()) {
            assert_eq!(ds.item_cached(i, &mut cache).unwrap(), ds.item(i).unwrap());
        }
        assert!(cache.stats().misses <= 2, "{:?}", cache.stats());
    }
}
