//! The `.npz` reader on bad input: every failure is a typed error naming the file (and key),
//! never a panic.

use std::path::PathBuf;

use dforce_io::NpzError;
use dforce_io::npz::{NpyData, NpzFile, parse_npy};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/maze2d/maze2d_d4rl_frame_rollouts.npz")
}

fn temp(name: &str, bytes: &[u8]) -> PathBuf {
    let p = std::env::temp_dir().join(format!("dforce-io-{}-{name}", std::process::id()));
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Opens `path` and reads every array in it, as a consumer of the whole archive would.
fn read_all(path: &std::path::Path) -> Result<(), NpzError> {
    let mut f = NpzFile::open(path)?;
    for key in f.keys() {
        f.array(&key)?;
    }
    Ok(())
}

#[test]
fn reads_fixture_arrays() {
    let mut f = NpzFile::open(fixture()).unwrap();
    assert_eq!(f.keys().len(), 9);
    assert_eq!(
        f.scalar_str("umaze/maze").unwrap(),
        "#####\\#GOO#\\###O#\\#OOO#\\#####"
    );
    let obs = f.matrix_f64::<4>("umaze/obs").unwrap();
    assert_eq!(obs.len(), 1001);
    assert_eq!(obs[0], [1.0, 2.0, 0.0, 0.0]);
    assert!(matches!(
        f.array("umaze/nothing"),
        Err(NpzError::MissingKey { .. })
    ));
    assert!(matches!(
        f.matrix_f64::<3>("umaze/obs"),
        Err(NpzError::BadArray { .. })
    ));
}

#[test]
fn missing_garbage_and_truncated_files_are_errors() {
    assert!(matches!(
        read_all("/nonexistent/r.npz".as_ref()),
        Err(NpzError::Io { .. })
    ));
    let g = temp("garbage.npz", &[7u8; 3000]);
    let e = read_all(&g).unwrap_err();
    assert!(matches!(e, NpzError::Zip { .. }));
    assert!(e.to_string().contains("garbage.npz"));
    let bytes = std::fs::read(fixture()).unwrap();
    for cut in (0..bytes.len()).step_by(bytes.len() / 50) {
        let p = temp("cut.npz", &bytes[..cut]);
        let result = read_all(&p);
        std::fs::remove_file(&p).ok();
        assert!(result.is_err(), "cut at {cut} loaded");
    }
    for pos in (0..bytes.len()).step_by(997) {
        let mut b = bytes.clone();
        b[pos] ^= 0xff;
        let p = temp("flip.npz", &b);
        let _ = read_all(&p); // may succeed if the flip hits padding; must not panic
        std::fs::remove_file(&p).ok();
    }
    std::fs::remove_file(g).ok();
}

#[test]
fn npy_header_variants_and_errors() {
    let header = "{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }";
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&(header.len() as u16).to_le_bytes());
    b.extend_from_slice(header.as_bytes());
    b.extend_from_slice(&[0xff, 0xfe, 0x00, 0x01, 0x7f, 0xff]);
    let a = parse_npy(&b).unwrap();
    assert_eq!(a.shape, [3]);
    assert_eq!(a.data, NpyData::Int(vec![-2, 1, 32767]));
    assert!(
        parse_npy(&b[..b.len() - 1])
            .unwrap_err()
            .contains("truncated")
    );
    assert!(parse_npy(b"\x93NUMPY\x01\x00\xff\xff").is_err());
    assert!(parse_npy(b"hello world, not npy").is_err());
    let bad = b
        .iter()
        .map(|&c| if c == b'2' { b'9' } else { c })
        .collect::<Vec<_>>();
    assert!(parse_npy(&bad).is_err());
}
