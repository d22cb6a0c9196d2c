//! The `.npz` writer round-trips through the reader, and the streaming accessors (`header`,
//! `read_rows`) agree with a full read.

use dforce_io::NpzError;
use dforce_io::npz::{NpyData, NpzCompression, NpzFile, NpzWriter, parse_npy_header};

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("dforce-io-npzw-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn round_trip_stored_and_deflated() {
    let dir = temp_dir("rt");
    let video: Vec<u8> = (0..5 * 4 * 3).map(|i| (i * 7 % 256) as u8).collect();
    let actions: Vec<i64> = vec![0, 2, -1, 1, 2];
    for (i, c) in [NpzCompression::Stored, NpzCompression::Deflate { level: 6 }]
        .into_iter()
        .enumerate()
    {
        let path = dir.join(format!("a{i}.npz"));
        let mut w = NpzWriter::create(&path, c).unwrap();
        w.add("video", &[5, 4, 3], &video).unwrap();
        w.add("actions", &[5], &actions).unwrap();
        assert!(matches!(
            w.add("bad", &[2, 2], &[1.0f32; 3]),
            Err(NpzError::Write { .. })
        ));
        assert_eq!(w.finish().unwrap(), path);
        let mut f = NpzFile::open(&path).unwrap();
        let a = f.array("video").unwrap();
        assert_eq!(a.shape, [5, 4, 3]);
        assert_eq!(
            a.data,
            NpyData::UInt(video.iter().map(|&v| u64::from(v)).collect())
        );
        assert_eq!(
            f.array("actions").unwrap().data,
            NpyData::Int(actions.clone())
        );
        let h = f.header("video").unwrap();
        assert_eq!(
            (h.descr.as_str(), h.shape.as_slice()),
            ("|u1", &[5, 4, 3][..])
        );
        let (_, rows) = f.read_rows("video", 1..3).unwrap();
        assert_eq!(rows, video[12..36]);
        let (_, none) = f.read_rows("video", 5..5).unwrap();
        assert!(none.is_empty());
        assert!(matches!(
            f.read_rows("video", 4..6),
            Err(NpzError::BadArray { .. })
        ));
    }
    // Identical inputs give identical bytes (fixed timestamps).
    let again = dir.join("again.npz");
    let mut w = NpzWriter::create(&again, NpzCompression::Stored).unwrap();
    w.add("video", &[5, 4, 3], &video).unwrap();
    w.add("actions", &[5], &actions).unwrap();
    w.finish().unwrap();
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(dir.join("a0.npz")).unwrap()
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn header_is_64_byte_aligned_and_unfinished_writers_leave_nothing() {
    let h = dforce_io::npz::encode_npy_header("<f4", &[300, 64, 64, 3]);
    assert_eq!(h.len() % 64, 0);
    let (parsed, end) = parse_npy_header(&h).unwrap();
    assert_eq!(end, h.len());
    assert_eq!(parsed.shape, [300, 64, 64, 3]);
    let dir = temp_dir("drop");
    let path = dir.join("x.npz");
    drop(NpzWriter::create(&path, NpzCompression::Stored).unwrap());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir_all(dir).ok();
}
