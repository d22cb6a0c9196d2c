//! Every HDF5 file h5py writes reads as h5py reads it: one file per `libver` (earliest, v108,
//! v110, v112, v114, v200, latest) and `track_order`, each holding the same arrays in every
//! layout (contiguous, compact, chunked with fixed, one-unlimited and two-unlimited shapes, a
//! single chunk) under every standard filter (gzip, shuffle, lzf, fletcher32 and combinations),
//! in every element type numpy stores (float16/32/64, bool, integers, both byte orders), plus a
//! 40-member group (dense link storage in new-style groups). Files and expected values are
//! h5py's and numpy's, written by `scripts/make_hdf5_matrix.py`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use dforce_io::hdf5::{DType, H5File};
use serde_json::Value as Json;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/h5py_matrix")
}

fn expected() -> Json {
    let text = std::fs::read_to_string(dir().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json parses")
}

/// The type a numpy dtype string (`<f4`, `|b1`, `>i2`, …) reads as (converted to little-endian).
fn dtype_of(numpy: &str) -> DType {
    let size: usize = numpy[2..].parse().expect("dtype size");
    match &numpy[1..2] {
        "f" => DType::Float {
            size,
            big_endian: false,
        },
        "b" => DType::Bool,
        "i" | "u" => DType::Int {
            size,
            signed: &numpy[1..2] == "i",
            big_endian: false,
        },
        other => panic!("dtype kind {other}"),
    }
}

fn check(f: &H5File, key: &str, want: &Json) {
    let ds = f
        .dataset(key)
        .unwrap_or_else(|e| panic!("{}: {key}: {e}", f.path().display()));
    let shape: Vec<usize> = want["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(ds.shape, shape, "{key}");
    assert_eq!(ds.dtype, dtype_of(want["dtype"].as_str().unwrap()), "{key}");
    let values: Vec<f64> = want["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(ds.to_f64(), values, "{}: {key}", f.path().display());
}

#[test]
fn every_libver_layout_and_filter_h5py_writes_reads_as_h5py_reads_it() {
    let want = expected();
    let files = want["files"].as_array().unwrap();
    assert!(files.len() >= 12, "the matrix has every libver");
    let arrays = want["arrays"].as_object().unwrap();
    let mut read = 0;
    for file in files {
        let name = file["file"].as_str().unwrap();
        let f = H5File::open(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut paths = BTreeSet::new();
        for group in file["groups"].as_array().unwrap() {
            let group = group.as_str().unwrap();
            for (k, a) in arrays {
                let key = format!("{group}/{k}");
                check(&f, &key, a);
                paths.insert(key);
                read += 1;
            }
            if group.starts_with("gzip_shuffle-") {
                let key = format!("{group}/big");
                check(&f, &key, &want["big"]);
                paths.insert(key);
            }
        }
        for (k, v) in want["many"].as_object().unwrap() {
            let key = format!("many/{k}");
            let ds = f.dataset(&key).unwrap();
            let values: Vec<f64> = v
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            assert_eq!(ds.to_f64(), values, "{name}: {key}");
            paths.insert(key);
        }
        let listed: BTreeSet<String> = f.dataset_paths().unwrap().into_iter().collect();
        assert_eq!(
            listed, paths,
            "{name}: dataset_paths lists every dataset once"
        );
    }
    assert!(read > 2500, "{read} datasets read");
}

#[test]
fn missing_keys_and_groups_are_named_as_missing() {
    let f = H5File::open(dir().join("latest-track_order.hdf5")).unwrap();
    for key in ["nope", "many/nope", "nope/observations"] {
        assert!(
            matches!(f.dataset(key), Err(dforce_io::Hdf5Error::MissingKey { .. })),
            "{key}"
        );
    }
    // A group is not a dataset.
    let err = f.dataset("many").unwrap_err().to_string();
    assert!(err.contains("many"), "{err}");
}
