//! Inputs that fuzzing (`scripts/fuzz.sh`) found to panic, hang or allocate gigabytes from a
//! header value, kept as `fuzz/corpus/<target>/regression-*`: each is now a typed error.

use std::path::PathBuf;

use dforce_io::hdf5::H5File;
use dforce_io::npz::{NpzFile, npy};

fn corpus(target: &str, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
        .join(name)
}

#[test]
fn npy_float_of_absurd_width_is_refused_by_name() {
    // `<f2305843009213693952`: the message computed the width in bits and overflowed.
    let bytes = std::fs::read(corpus("npy", "regression-float-width-overflow")).unwrap();
    let err = npy::parse_npy(&bytes).unwrap_err();
    assert!(err.contains("2305843009213693952-byte float"), "{err}");
}

#[test]
fn npz_member_with_a_forged_size_reads_what_is_there() {
    // The zip headers declare 2 GiB for a 100-byte member: the reader reserved 1 GiB.
    let path = corpus("npz", "regression-forged-member-size");
    let mut f = NpzFile::open(&path).unwrap();
    // What the zip crate makes of the forged size is its business; no huge reservation is ours.
    let _ = f.array("a");
}

#[test]
fn npz_rows_larger_than_the_file_are_a_truncation_error() {
    // Shape (3, 100000000) float64 with 64 bytes of payload: reading two rows allocated 1.6 GB.
    let path = corpus("npz", "regression-huge-rows");
    let mut f = NpzFile::open(&path).unwrap();
    let err = f.read_rows("video", 0..2).unwrap_err().to_string();
    // Refused from the header against the member's size, before any row is read.
    assert!(
        err.contains("member holds only") && err.contains("truncated"),
        "{err}"
    );
}

#[test]
fn npz_row_offset_overflow_is_an_error() {
    // A first dimension near usize::MAX: the byte offset of the last row overflowed.
    let path = corpus("npz", "regression-row-offset-overflow");
    let mut f = NpzFile::open(&path).unwrap();
    for key in f.keys() {
        if let Ok(h) = f.header(&key)
            && let Some(&rows) = h.shape.first()
        {
            let _ = f.read_rows(&key, rows.saturating_sub(1)..rows);
        }
    }
}

#[test]
fn hdf5_shape_larger_than_the_file_is_refused_before_allocating() {
    // `rewards` of a 6 kB file declares 2^33 float32 elements (32 GiB, allocated up front).
    let path = corpus("hdf5", "regression-forged-shape");
    let f = H5File::open(&path).unwrap();
    let err = f.dataset("rewards").unwrap_err().to_string();
    assert!(
        err.contains("more than this") && err.contains("byte file can hold"),
        "{err}"
    );
}

#[test]
fn hdf5_shuffle_with_a_forged_element_size_returns_promptly() {
    // Shuffle's element size set to 2^32-1: the unshuffle loop ran 4 billion empty iterations.
    let path = corpus("hdf5", "regression-shuffle-element-size");
    let f = H5File::open(&path).unwrap();
    let start = std::time::Instant::now();
    for key in f.dataset_paths().unwrap() {
        let _ = f.dataset(&key);
    }
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}
