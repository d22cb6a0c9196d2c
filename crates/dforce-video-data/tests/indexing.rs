//! Clip indexing maths (`n_frames_raw`, `clips_per_video`, cumulative lookup), the lazy
//! permutation, and CPython `random` parity of the materialised shuffle (expected values printed
//! by CPython 3 itself: `random.seed(s); l = list(range(n)); random.shuffle(l)`).

use dforce_video_data::clips::{ClipIndex, clips_per_video};
use dforce_video_data::cpython_random::{CPythonRandom, cpython_shuffled_range};
use dforce_video_data::permutation::FeistelPermutation;
use dforce_video_data::{Split, VideoDatasetConfig};

#[test]
fn raw_clip_lengths_follow_the_reference() {
    let mc = VideoDatasetConfig::minecraft();
    assert_eq!(mc.n_frames_raw(Split::Training), 20);
    let dm = VideoDatasetConfig::dmlab();
    assert_eq!(dm.n_frames_raw(Split::Training), 32);
    let long = VideoDatasetConfig {
        validation_multiplier: 3,
        ..VideoDatasetConfig::dmlab()
    };
    assert_eq!(long.n_frames_raw(Split::Training), 32);
    assert_eq!(long.n_frames_raw(Split::Validation), 96);
    assert_eq!(long.frames_per_clip(Split::Validation), 48);
    assert_eq!(long.frames_per_clip(Split::Training), 16);
    // TECO DMLab: 300-frame videos give 269 clips each.
    assert_eq!(clips_per_video(300, 32), 269);
    assert_eq!(clips_per_video(32, 32), 1);
    assert_eq!(clips_per_video(10, 32), 1);
    assert_eq!(clips_per_video(0, 32), 1);
    let bad = VideoDatasetConfig {
        frame_skip: 0,
        ..VideoDatasetConfig::dmlab()
    };
    assert!(bad.validate().is_err());
}

#[test]
fn cumulative_lookup_matches_argmax() {
    let lengths = [40, 5, 33, 40];
    let idx = ClipIndex::new(&lengths, 8);
    let per: Vec<usize> = lengths.iter().map(|&l| clips_per_video(l, 8)).collect();
    assert_eq!(per, [33, 1, 26, 33]);
    assert_eq!(idx.len(), 93);
    let mut j = 0;
    for (v, &n) in per.iter().enumerate() {
        for start in 0..n {
            assert_eq!(idx.locate(j), Some((v, start)));
            j += 1;
        }
    }
    assert_eq!(idx.locate(93), None);
    assert!(ClipIndex::new(&[], 8).is_empty());
}

#[test]
fn lazy_permutation_is_a_seeded_bijection() {
    for n in [0u64, 1, 2, 3, 5, 64, 1000, 4097] {
        let p = FeistelPermutation::new(n, 7);
        let mut seen = vec![false; n as usize];
        for i in 0..n {
            let j = p.apply(i);
            assert!(j < n && !seen[j as usize], "n={n}: {i} -> {j}");
            seen[j as usize] = true;
        }
    }
    let a: Vec<u64> = (0..20)
        .map(|i| FeistelPermutation::new(1000, 1).apply(i))
        .collect();
    let b: Vec<u64> = (0..20)
        .map(|i| FeistelPermutation::new(1000, 2).apply(i))
        .collect();
    assert_ne!(a, b);
    assert_ne!(a, (0..20).collect::<Vec<_>>());
    // Huge ranges (Minecraft training has ≈56 M clips) cost nothing to set up.
    let big = FeistelPermutation::new(56_000_000, 0);
    assert!(big.apply(55_999_999) < 56_000_000);
}

#[test]
fn cpython_shuffle_parity() {
    let cases: [(u32, u64, [u32; 3], [u32; 3]); 5] = [
        (10, 0, [7, 8, 1], [0, 9, 6]),
        (1000, 0, [439, 621, 160], [776, 394, 864]),
        (807, 0, [548, 473, 416], [430, 776, 394]),
        (100_000, 0, [74921, 6849, 99252], [55125, 99346, 50494]),
        (50, 12345, [1, 24, 44], [0, 46, 26]),
    ];
    for (n, seed, head, tail) in cases {
        let v = cpython_shuffled_range(n, seed);
        assert_eq!(v[..3], head, "n={n} seed={seed}");
        assert_eq!(v[v.len() - 3..], tail, "n={n} seed={seed}");
    }
    assert_eq!(
        cpython_shuffled_range(1000, 0)[..8],
        [439, 621, 160, 549, 237, 389, 658, 507]
    );
    // Seeds wider than 32 bits use two key words.
    assert_eq!(
        cpython_shuffled_range(7, (1 << 40) + 3),
        [3, 6, 2, 5, 4, 0, 1]
    );
    let mut r = CPythonRandom::new(0);
    assert_eq!(
        [r.getrandbits(32), r.getrandbits(32), r.getrandbits(32)],
        [3626764237, 1654615998, 3255389356]
    );
    assert_eq!(r.getrandbits(40), 463385069186);
}
