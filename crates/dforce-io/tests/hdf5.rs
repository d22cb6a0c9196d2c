//! The pure-Rust HDF5 reader/writer: reading the shared h5py-written (gzip chunked)
//! `maze2d-umaze-sparse-v1-head.hdf5`, writing many members, and rejecting truncated or
//! corrupted files with errors instead of panics.

use std::path::PathBuf;

use dforce_io::Hdf5Error;
use dforce_io::hdf5::{DType, H5File, H5Writer};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/maze2d/maze2d-umaze-sparse-v1-head.hdf5")
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("dforce-io-{}-{name}", std::process::id()))
}

// Expected values printed once with h5py 3.16 / numpy 2.4:
//   f = h5py.File("maze2d-umaze-sparse-v1-head.hdf5"); list(f), f[k].dtype, f[k].shape
// All datasets are chunked ((2500, 1) or (10000,)) with gzip level 4.
#[test]
fn reads_h5py_fixture_paths_shapes_and_dtypes() {
    let f = H5File::open(fixture()).expect("fixture opens");
    assert_eq!(
        f.dataset_paths().unwrap(),
        [
            "actions",
            "infos/goal",
            "infos/qpos",
            "infos/qvel",
            "observations",
            "rewards",
            "terminals",
            "timeouts"
        ]
    );
    let obs = f.dataset("observations").unwrap();
    assert_eq!(obs.shape, [20_000, 4]);
    assert_eq!(obs.dtype, DType::F32);
    assert_eq!(f.dataset("terminals").unwrap().dtype, DType::Bool);
    assert_eq!(f.dataset("rewards").unwrap().shape, [20_000]);
}

#[test]
fn writer_handles_many_members_and_f64() {
    let mut w = H5Writer::new();
    for i in 0..40 {
        w.add_f64(&format!("g/x{i:02}"), &[2], &[i as f64, -1.0])
            .unwrap();
    }
    let path = temp_path("many.hdf5");
    w.write(&path).unwrap();
    let f = H5File::open(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(f.dataset_paths().unwrap().len(), 40);
    assert_eq!(f.dataset("g/x37").unwrap().to_f64(), [37.0, -1.0]);
    assert!(matches!(
        f.dataset("g/nope"),
        Err(Hdf5Error::MissingKey { .. })
    ));
    assert!(w.add_f64("g/x00", &[1], &[0.0]).is_err(), "duplicate key");
    assert!(w.add_f32("bad", &[3], &[0.0]).is_err(), "shape mismatch");
    assert!(
        w.add_f32("g/x00/y", &[1], &[0.0]).is_err(),
        "dataset used as a group"
    );
    assert!(
        w.add_f32("g", &[1], &[0.0]).is_err(),
        "group used as a dataset"
    );
    assert!(
        w.add_f32("g//y", &[1], &[0.0]).is_err(),
        "empty path component"
    );
}

#[test]
fn writer_round_trips_every_type_it_writes() {
    let mut w = H5Writer::new();
    w.add_bool("a/b/flags", &[2, 2], &[true, false, false, true])
        .unwrap();
    w.add_f32("a/x", &[0], &[]).unwrap();
    let ints: Vec<u8> = [-3i16, 7].iter().flat_map(|v| v.to_le_bytes()).collect();
    let i16 = DType::Int {
        size: 2,
        signed: true,
        big_endian: false,
    };
    w.add_raw("ints", i16, &[2], ints).unwrap();
    let path = temp_path("types.hdf5");
    w.write(&path).unwrap();
    let f = H5File::open(&path).unwrap();
    std::fs::remove_file(&path).ok();
    let flags = f.dataset("a/b/flags").unwrap();
    assert_eq!(
        (flags.dtype, flags.shape.as_slice()),
        (DType::Bool, &[2, 2][..])
    );
    assert_eq!(flags.to_f32(), [1.0, 0.0, 0.0, 1.0]);
    assert_eq!(f.dataset("a/x").unwrap().shape, [0]);
    let ints = f.dataset("ints").unwrap();
    assert_eq!((ints.dtype, ints.to_f64()), (i16, vec![-3.0, 7.0]));

    // hdf5-writer encodes neither float16 nor big-endian elements into a little-endian file:
    // a typed error that says so, not a broken file.
    let half = DType::Float {
        size: 2,
        big_endian: false,
    };
    let be_f32 = DType::Float {
        size: 4,
        big_endian: true,
    };
    for (dtype, bytes) in [(half, vec![0, 0x3c]), (be_f32, vec![0x3f, 0x80, 0, 0])] {
        let mut w = H5Writer::new();
        w.add_raw("h", dtype, &[1], bytes).unwrap();
        let err = w.to_bytes().unwrap_err();
        assert!(matches!(err, Hdf5Error::Encode { .. }), "{dtype:?}: {err}");
    }
}

#[test]
fn truncated_and_garbage_files_are_errors_not_panics() {
    let bytes = std::fs::read(fixture()).unwrap();
    let name = PathBuf::from("bad.hdf5");
    // Cut at many lengths: every read path must fail cleanly.
    for cut in (0..bytes.len())
        .step_by(bytes.len() / 97)
        .chain([8, 95, 96, 500, 700])
    {
        let img = bytes[..cut].to_vec();
        if let Ok(f) = H5File::from_bytes(name.clone(), img) {
            for k in ["observations", "terminals", "infos/goal"] {
                let _ = f.dataset(k);
            }
        }
    }
    // Corrupt bytes in the metadata region and inside compressed chunks.
    for pos in (0..bytes.len()).step_by(509) {
        let mut img = bytes.clone();
        img[pos] ^= 0x5a;
        if let Ok(f) = H5File::from_bytes(name.clone(), img) {
            let _ = f.dataset_paths();
            for k in ["observations", "actions", "terminals", "infos/qvel"] {
                let _ = f.dataset(k);
            }
        }
    }
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert!(matches!(
        H5File::from_bytes(name.clone(), garbage),
        Err(Hdf5Error::Format { .. })
    ));
    let err = H5File::from_bytes(name, bytes[..5000].to_vec()).unwrap_err();
    assert!(err.to_string().contains("bad.hdf5"), "{err}");
    assert!(matches!(
        H5File::open("/nonexistent/x.hdf5"),
        Err(Hdf5Error::Io { .. })
    ));
}
