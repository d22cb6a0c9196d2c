//! DMLab episodes whose `video` is not a C-order uint8 array, which the reference reads all the
//! same (`np.load`, then `torch.from_numpy(video / 255.0).float()`): uint8 in Fortran order
//! (`np.savez` of a transposed array), float32, big-endian float64, float16, big-endian int16
//! and uint16, values outside 0..255 included. The `.npz` files and the expected values (what
//! that expression gives, computed by numpy) come from `scripts/make_io_format_fixtures.py`.
//! With `resolution` equal to the frame size the resize is the identity, so the clip's values
//! are compared exactly.

use std::path::PathBuf;

use dforce_video_data::source::{Frame, read_frames};
use dforce_video_data::{
    ClipOrder, EpisodeCache, Split, VideoDataset, VideoDatasetConfig, VideoKind,
};
use serde_json::Value as Json;

const CASES: [&str; 6] = [
    "u1_fortran.npz",
    "f4.npz",
    "f8_be.npz",
    "f2.npz",
    "i2_be.npz",
    "u2.npz",
];
const T: usize = 5;
const SIDE: usize = 4;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/video_dtypes")
}

/// numpy's `(video / 255.0).astype(float32)` of fixture `name`, `(T, H, W, 3)` in C order.
fn expected(name: &str) -> Vec<f32> {
    let text = std::fs::read_to_string(dir().join("expected.json")).unwrap();
    let json: Json = serde_json::from_str(&text).unwrap();
    let want = &json[name];
    assert_eq!(want["shape"], serde_json::json!([T, SIDE, SIDE, 3]));
    want["scaled"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect()
}

/// Frames per clip: three clips (starts 0, 1, 2) per 5-frame episode.
const N: usize = 3;

/// A dataset holding only fixture `name` as its one training episode.
fn dataset_of(name: &str) -> (tempfile::TempDir, VideoDataset) {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("training")).unwrap();
    std::fs::copy(dir().join(name), root.path().join("training/ep.npz")).unwrap();
    let config = VideoDatasetConfig {
        n_frames: N,
        frame_skip: 1,
        resolution: SIDE,
        context_length: 1,
        clip_order: ClipOrder::Sequential,
        ..VideoDatasetConfig::dmlab()
    };
    let ds = VideoDataset::open(VideoKind::Dmlab, root.path(), Split::Training, config)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    (root, ds)
}

/// Compares a `(N, 3, H, W)` clip starting at raw frame `start` with numpy's `(T, H, W, 3)`.
fn assert_clip_matches(name: &str, start: usize, video: &[f32], want: &[f32]) {
    for k in 0..N {
        let t = start + k;
        for c in 0..3 {
            for y in 0..SIDE {
                for x in 0..SIDE {
                    let got = video[((k * 3 + c) * SIDE + y) * SIDE + x];
                    let w = want[((t * SIDE + y) * SIDE + x) * 3 + c];
                    assert!(
                        got.to_bits() == w.to_bits(),
                        "{name} t {t} c {c} y {y} x {x}: {got} vs numpy {w}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_video_dtype_and_order_reads_as_the_reference_scales_it() {
    for name in CASES {
        let want = expected(name);
        let (_root, ds) = dataset_of(name);
        assert_eq!(ds.lengths(), [T], "{name}");
        assert_eq!(ds.len(), T - N + 1, "{name}");
        // Every clip, read alone and through the episode cache (frames held between clips):
        // the rows of a Fortran-order member are cut out after reordering.
        let mut cache = EpisodeCache::new(1 << 20);
        for i in 0..ds.len() {
            let clip = ds.item(i).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(clip.shape(), [N, 3, SIDE, SIDE], "{name}");
            assert!(clip.nonterminal.iter().all(|&m| m == 1.0), "{name}");
            assert_clip_matches(name, clip.source.start, &clip.video, &want);
            let cached = ds.item_cached(i, &mut cache).unwrap();
            assert_eq!(cached.video, clip.video, "{name} clip {i}");
        }
        assert!(cache.stats().hits > 0, "{name}");
    }
}

#[test]
fn uint8_frames_stay_bytes_and_other_dtypes_are_scaled_once() {
    let path = |name: &str| dir().join(name);
    let frames = read_frames(VideoKind::Dmlab, &path("u1_fortran.npz"), 1..3).unwrap();
    let Frame::U8(bytes) = frames.frame(0) else {
        panic!("a uint8 video is kept as bytes");
    };
    // The C-order value numpy reads at [1, 0, 0, :]: (5·t + 7·y + 3·x + 60·c) % 256.
    assert_eq!(&bytes[..3], &[5, 65, 125]);
    let frames = read_frames(VideoKind::Dmlab, &path("f4.npz"), 1..3).unwrap();
    let Frame::Scaled(values) = frames.frame(0) else {
        panic!("a float32 video is scaled");
    };
    let want = expected("f4.npz");
    let n = SIDE * SIDE * 3;
    assert_eq!(values, &want[n..2 * n]);
}

#[test]
fn non_numeric_video_is_refused_naming_the_dtype() {
    // A unicode `video` (np.savez of strings): the reference's `video / 255.0` fails too.
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("training")).unwrap();
    std::fs::copy(
        dir().join("str_video.npz"),
        root.path().join("training/ep.npz"),
    )
    .unwrap();
    let err = VideoDataset::open(
        VideoKind::Dmlab,
        root.path(),
        Split::Training,
        VideoDatasetConfig::dmlab(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("ep.npz") && err.contains("<U1") && err.contains("real numbers"),
        "{err}"
    );
}
