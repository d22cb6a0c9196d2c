//! Minecraft layout with real H.264 `.mp4` files made by ffmpeg (libx264, High profile, CABAC,
//! B-frames), checked against PyAV's decode (what the reference's `EncodedVideo` returns).
#![cfg(feature = "mp4")]

mod common;

use common::{fixtures, scratch_copy};
use dforce_io::npz::{NpyData, NpzFile};
use dforce_video_data::mp4::{
    decode_frames, decode_frames_with_lead, frame_count, random_access_point,
};
use dforce_video_data::source::{Pixels, RawFrames, read_frames, read_frames_with_lead};
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

/// What the reference's `MinecraftVideoDataset.__getitem__` returns for the clip at `start` of a
/// video whose decode (PyAV: `EncodedVideo` in the reference) is `decoded`, `(len, 32, 32, 3)`
/// uint8, and whose `.npz` holds `file_actions`:
///
/// ```python
/// actions = np.load(action_path)["actions"][1:]
/// video = video[frame_idx : frame_idx + self.n_frames]
/// actions = actions[frame_idx : frame_idx + self.n_frames]
/// actions = np.eye(4)[actions]
/// pad_len = self.n_frames - len(video)
/// nonterminal = np.ones(self.n_frames)
/// if len(video) < self.n_frames:
///     video = np.pad(video, ((0, pad_len), (0, 0), (0, 0), (0, 0)))
///     actions = np.pad(actions, ((0, pad_len),))
///     nonterminal[-pad_len:] = 0
/// video = torch.from_numpy(video / 255.0).float().permute(0, 3, 1, 2)
/// return video[::frame_skip], actions[::frame_skip], nonterminal[::frame_skip]
/// ```
///
/// The reference's `np.pad(actions, ((0, pad_len),))` pads both axes of the `(t, 4)` one-hots;
/// its first 4 columns, returned here, are the one-hots padded along time with zero rows.
/// (`Resize` to the frames' own 32×32 leaves them as they are.) Returns `(video (T, 3, 32, 32),
/// actions (T, 4), nonterminal (T,))`.
fn reference_item(
    decoded: &[u8],
    file_actions: &[usize],
    start: usize,
    n_raw: usize,
    skip: usize,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let n = 32 * 32 * 3;
    let len = decoded.len() / n;
    let actions = &file_actions[1..];
    assert_eq!(
        actions.len(),
        len,
        "the fixtures hold one action per frame after the first"
    );
    let (mut video, mut onehot, mut nonterminal) = (Vec::new(), Vec::new(), Vec::new());
    for t in (start..start + n_raw).step_by(skip) {
        let real = t < len;
        nonterminal.push(if real { 1.0 } else { 0.0 });
        for c in 0..3 {
            for p in 0..32 * 32 {
                video.push(if real {
                    f32::from(decoded[t * n + p * 3 + c]) / 255.0
                } else {
                    0.0
                });
            }
        }
        // `actions[frame_idx : frame_idx + n]` is cut where the video is (the same length), then
        // padded by `pad_len` zero rows.
        let mut row = [0.0f32; 4];
        if real {
            row[actions[t]] = 1.0;
        }
        onehot.extend(row);
    }
    (video, onehot, nonterminal)
}

/// The `actions` array of a fixture `.npz`.
fn file_actions(npz: &std::path::Path) -> Vec<usize> {
    let a = NpzFile::open(npz).unwrap().array("actions").unwrap();
    match a.data {
        NpyData::Int(v) => v.into_iter().map(|x| x as usize).collect(),
        NpyData::UInt(v) => v.into_iter().map(|x| x as usize).collect(),
        other => panic!("actions are {other:?}"),
    }
}

#[test]
fn clips_past_a_shorter_mp4_are_padded_as_the_reference_pads_them() {
    // The ffmpeg-made videos hold 24 (training) and 16 (validation) frames; metadata.json claims
    // 34 and 26, as a metadata.json written by the reference (300 for every file, without
    // looking) can claim more than a file holds. Clips from frame 24 (16) on are all padding.
    let (_guard, root) = scratch_copy("minecraft");
    std::fs::write(
        root.join("metadata.json"),
        r#"{"training":[34],"validation":[26]}"#,
    )
    .unwrap();
    let frame_bytes = 32 * 32 * 3;
    // (n_frames, frame_skip): a window of 8 raw frames, one of 40 (longer than the claimed
    // lengths, so one clip per video), and one without frame skip.
    for (n_frames, frame_skip) in [(4, 2), (20, 2), (5, 1)] {
        for (split, stem, held, claimed) in [
            (Split::Training, "run_0", 24, 34),
            (Split::Validation, "run_1", 16, 26),
        ] {
            let cfg = VideoDatasetConfig {
                n_frames,
                frame_skip,
                resolution: 32,
                clip_order: ClipOrder::Sequential,
                ..VideoDatasetConfig::minecraft()
            };
            let ds = VideoDataset::open(VideoKind::Minecraft, &root, split, cfg).unwrap();
            let n_raw = n_frames * frame_skip;
            assert_eq!(ds.lengths(), [claimed]);
            assert_eq!(ds.len(), claimed.saturating_sub(n_raw) + 1);
            let (shape, decoded) = pyav(stem);
            assert_eq!(shape[0], held);
            let actions = file_actions(&root.join(format!("{}/{stem}.npz", split.dir_name())));
            let forward: Vec<usize> = (0..ds.len()).collect();
            let backward: Vec<usize> = (0..ds.len()).rev().collect();
            for budget in [0, 100, held * frame_bytes, 1 << 20] {
                for order in [&forward, &backward] {
                    let mut cache = EpisodeCache::new(budget);
                    for &i in order {
                        let at = format!(
                            "{split} n_frames {n_frames} skip {frame_skip} clip {i} budget \
                             {budget}"
                        );
                        let clip = ds
                            .item_cached(i, &mut cache)
                            .unwrap_or_else(|e| panic!("{at}: {e}"));
                        assert_eq!(clip.source.start, i, "{at}");
                        let (video, onehot, nonterminal) =
                            reference_item(&decoded, &actions, i, n_raw, frame_skip);
                        assert_eq!(clip.nonterminal, nonterminal, "{at}");
                        assert_eq!(clip.actions, onehot, "{at}");
                        assert_eq!(clip.video.len(), video.len(), "{at}");
                        let plane = 3 * 32 * 32;
                        for (k, &nt) in nonterminal.iter().enumerate() {
                            let (got, want) = (clip.frame(k), &video[k * plane..(k + 1) * plane]);
                            if nt == 0.0 {
                                // Padding: exact zeros, and nothing leads into it.
                                assert!(got.iter().all(|&x| x == 0.0), "{at} frame {k}");
                                assert!(
                                    clip.actions_in[k * 4..(k + 1) * 4]
                                        .iter()
                                        .all(|&x| x == 0.0),
                                    "{at} frame {k}"
                                );
                            } else {
                                // Real frames: OpenH264 + dforce's RGB within 2 levels of PyAV.
                                let max = got
                                    .iter()
                                    .zip(want)
                                    .map(|(a, b)| (a - b).abs())
                                    .fold(0.0f32, f32::max);
                                assert!(max <= 2.0 / 255.0 + 1e-6, "{at} frame {k}: {max}");
                            }
                        }
                        assert_eq!(clip, ds.item(i).unwrap(), "{at}: cached ≠ uncached");
                    }
                }
            }
        }
    }
    // A damaged file is still an error naming it, for clips of frames it holds and for clips
    // past its end alike.
    let cfg = VideoDatasetConfig {
        n_frames: 4,
        frame_skip: 2,
        resolution: 32,
        clip_order: ClipOrder::Sequential,
        ..VideoDatasetConfig::minecraft()
    };
    let ds = VideoDataset::open(VideoKind::Minecraft, &root, Split::Training, cfg).unwrap();
    let mp4 = root.join("training/run_0.mp4");
    let bytes = std::fs::read(&mp4).unwrap();
    std::fs::write(&mp4, &bytes[..bytes.len() / 2]).unwrap();
    for i in [0, 20, ds.len() - 1] {
        let err = ds.item(i).unwrap_err();
        assert!(err.to_string().contains("run_0.mp4"), "clip {i}: {err}");
    }
}

#[test]
fn an_mp4_that_ends_sooner_gives_the_frames_it_holds() {
    // closed_gop: 40 frames, IDR pictures at frames 0, 8, 16, 24, 32.
    let mp4 = fixtures().join("keyframes/closed_gop.mp4");
    let expected = pyav_keyframes("closed_gop");
    let whole = decode_frames(&mp4, 0..40).unwrap();
    assert_eq!(whole.count, 40);
    // numpy's video[start:end] of 40 frames.
    for (range, held) in [(36..50, 36..40), (0..41, 0..40), (39..1000, 39..40)] {
        let part = decode_frames(&mp4, range.clone()).unwrap();
        assert_eq!(part.count, held.len(), "{range:?}");
        assert_eq!(
            bytes(&part),
            &bytes(&whole)[held.start * 3072..held.end * 3072],
            "{range:?}"
        );
        let (first, lead) = decode_frames_with_lead(&mp4, range.clone()).unwrap();
        assert_eq!(first, random_access_point(&mp4, range.start).unwrap());
        assert_eq!(first + lead.count, 40, "{range:?}");
        assert_like_pyav("closed_gop", &lead, first, &expected);
    }
    // Nothing of the range is held: no frames; the cache's read keeps the last group of pictures.
    for range in [40..48, 45..50, 1000..1001] {
        let part = decode_frames(&mp4, range.clone()).unwrap();
        assert_eq!(part.count, 0, "{range:?}");
        assert!(part.pixels.is_empty(), "{range:?}");
        let (first, lead) = decode_frames_with_lead(&mp4, range.clone()).unwrap();
        assert_eq!((first, lead.count), (32, 8), "{range:?}");
        assert_like_pyav("closed_gop", &lead, first, &expected);
    }
    // Through the Minecraft reader (`<stem>.npz` → `<stem>.mp4`): run_0 holds 24 frames.
    let npz = fixtures().join("minecraft/training/run_0.npz");
    let (_, pyav_rgb) = pyav("run_0");
    let part = read_frames(VideoKind::Minecraft, &npz, 20..30).unwrap();
    assert_eq!(part.count, 4);
    for k in 0..4 {
        let (g, e) = (
            part.frame(k).bytes().unwrap(),
            &pyav_rgb[(20 + k) * 3072..(21 + k) * 3072],
        );
        let max = g.iter().zip(e).map(|(&a, &b)| a.abs_diff(b)).max().unwrap();
        assert!(max <= 2, "frame {}: max |diff| {max}", 20 + k);
    }
    assert_eq!(
        read_frames(VideoKind::Minecraft, &npz, 24..32)
            .unwrap()
            .count,
        0
    );
    let (first, lead) = read_frames_with_lead(VideoKind::Minecraft, &npz, 22..30).unwrap();
    assert!(first <= 22);
    assert_eq!(first + lead.count, 24);
}
