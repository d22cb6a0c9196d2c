//! `.npz` archives whose members Python's `zipfile` compressed with bzip2 (zip method 12) and
//! LZMA (method 14), which `np.load` reads (it opens `.npz` files with `zipfile`); written by
//! `scripts/make_io_format_fixtures.py`, whose `expected.json` holds what numpy reads back. A
//! member compressed with a method neither reads is refused by name and method.

use std::path::PathBuf;

use dforce_io::NpzError;
use dforce_io::npz::NpzFile;
use serde_json::Value as Json;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats")
}

fn expected() -> Json {
    let text = std::fs::read_to_string(dir().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn floats(values: &Json) -> Vec<f64> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn shape(values: &Json) -> Vec<usize> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect()
}

#[test]
fn bzip2_and_lzma_members_read_as_numpy_reads_them() {
    let expected = expected();
    for name in ["npz_bzip2.npz", "npz_lzma.npz"] {
        let mut npz = NpzFile::open(dir().join(name)).unwrap();
        let mut keys = npz.keys();
        keys.sort();
        assert_eq!(keys, ["a", "b"], "{name}");
        for key in ["a", "b"] {
            let want = &expected["npz"][name][key];
            let arr = npz
                .array(key)
                .unwrap_or_else(|e| panic!("{name} {key}: {e}"));
            assert_eq!(arr.shape, shape(&want["shape"]), "{name} {key}");
            assert_eq!(
                arr.to_f64().unwrap(),
                floats(&want["values"]),
                "{name} {key}"
            );
            // Row reads decompress the same stream.
            let (header, rows) = npz.read_rows(key, 1..2).unwrap();
            assert_eq!(header.shape, arr.shape, "{name} {key}");
            assert_eq!(rows.len(), arr.shape[1] * header.item_size().unwrap());
        }
    }
}

/// Rewrites the compression method (zip method number) of every member of a zip image, in its
/// local headers and central directory entries.
fn set_method(bytes: &mut [u8], method: u16) {
    let mut i = 0;
    while i + 4 <= bytes.len() {
        let at = match &bytes[i..i + 4] {
            b"PK\x03\x04" => Some(i + 8),
            b"PK\x01\x02" => Some(i + 10),
            _ => None,
        };
        if let Some(at) = at {
            bytes[at..at + 2].copy_from_slice(&method.to_le_bytes());
        }
        i += 1;
    }
}

#[test]
fn members_of_other_methods_are_refused_naming_the_method() {
    let mut bytes = std::fs::read(dir().join("npz_bzip2.npz")).unwrap();
    set_method(&mut bytes, 93);
    let path = std::env::temp_dir().join(format!("dforce-io-zstd-{}.npz", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let mut npz = NpzFile::open(&path).unwrap();
    let header = npz.header("a").unwrap_err();
    let array = npz.array("a").unwrap_err();
    let rows = npz.read_rows("b", 0..1).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    for err in [header, array, rows] {
        assert!(matches!(err, NpzError::BadArray { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("Zstd (zip method 93)")
                && msg.contains("stored, deflate, bzip2 and LZMA")
                && msg.contains("np.savez_compressed"),
            "{msg}"
        );
    }
}
