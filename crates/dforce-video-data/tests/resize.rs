//! The antialiased resize against Pillow's `BILINEAR` (the filter torchvision's
//! `Resize(antialias=True)` reproduces), on a fixture Pillow wrote: down by 2, down by a
//! non-integer factor, and up. Pillow rounds to 8 bits, so agreement is to within one level.

mod common;

use dforce_io::npz::{NpyData, NpzFile};
use dforce_video_data::resize::Resizer;

fn bytes(f: &mut NpzFile, key: &str) -> (Vec<usize>, Vec<u8>) {
    let a = f.array(key).unwrap();
    let NpyData::UInt(v) = a.data else {
        panic!("{key} is not uint8")
    };
    (a.shape, v.into_iter().map(|x| x as u8).collect())
}

#[test]
fn matches_pillow_bilinear_within_one_level() {
    let mut f = NpzFile::open(common::fixtures().join("resize_pillow.npz")).unwrap();
    let (shape, src) = bytes(&mut f, "src");
    let (h, w) = (shape[0], shape[1]);
    for size in [8usize, 5, 24] {
        let (_, want) = bytes(&mut f, &format!("to{size}"));
        let resizer = Resizer::new(h, w, size, size);
        for c in 0..3 {
            let plane: Vec<f32> = src
                .iter()
                .skip(c)
                .step_by(3)
                .map(|&b| f32::from(b))
                .collect();
            let mut out = vec![0f32; size * size];
            resizer.resize_plane(&plane, &mut out);
            for (i, (&o, &p)) in out.iter().zip(want.iter().skip(c).step_by(3)).enumerate() {
                assert!(
                    (o - f32::from(p)).abs() <= 1.0,
                    "size {size} channel {c} pixel {i}: {o} vs Pillow {p}"
                );
            }
        }
    }
}

#[test]
fn identity_and_constant_images() {
    let r = Resizer::new(4, 4, 4, 4);
    assert!(r.is_identity());
    let src: Vec<f32> = (0..16).map(|i| i as f32).collect();
    let mut out = vec![0f32; 16];
    r.resize_plane(&src, &mut out);
    assert_eq!(out, src);
    // Weights are normalised: a constant image stays constant at any size.
    for (oh, ow) in [(3, 7), (9, 2), (16, 16)] {
        let r = Resizer::new(5, 6, oh, ow);
        let mut out = vec![0f32; oh * ow];
        r.resize_plane(&[0.25; 30], &mut out);
        assert!(out.iter().all(|&x| (x - 0.25).abs() < 1e-6));
    }
}
