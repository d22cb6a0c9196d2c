//! `.npy`/`.npz` files written by numpy itself (scripts/make_npy_fixtures.py): every numeric
//! dtype in both byte orders, C and Fortran order, 0-d and empty arrays, header versions
//! 1.0/2.0/3.0, `np.savez` and `np.savez_compressed`. The expected values are what numpy
//! reads back (`expected.json`, written by the same script), in C order.

use std::path::PathBuf;

use dforce_io::npz::{NpyArray, NpyData, NpzFile, parse_npy};
use serde_json::Value as Json;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npy")
}

fn expected() -> Vec<Json> {
    let text = std::fs::read_to_string(dir().join("expected.json")).unwrap();
    let json: Json = serde_json::from_str(&text).unwrap();
    json["arrays"].as_array().unwrap().clone()
}

/// Compares one array with numpy's values; returns a description of the first difference.
fn compare(arr: &NpyArray, want: &Json) -> Result<(), String> {
    let shape: Vec<usize> = want["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    if arr.shape != shape {
        return Err(format!("shape {:?}, numpy {shape:?}", arr.shape));
    }
    // `ravel().tolist()`: a flat list, one element for a 0-d array.
    let values = want["values"].as_array().unwrap();
    let n = match &arr.data {
        NpyData::F64(v) => v.len(),
        NpyData::F32(v) => v.len(),
        NpyData::Int(v) => v.len(),
        NpyData::UInt(v) => v.len(),
        NpyData::Bool(v) => v.len(),
        NpyData::Str(v) => v.len(),
    };
    if n != values.len() {
        return Err(format!("{n} elements, numpy {}", values.len()));
    }
    for (i, w) in values.iter().enumerate() {
        let same = match &arr.data {
            NpyData::F64(v) => w.as_f64() == Some(v[i]),
            // float16 and float32 values are exact in f64, as numpy's tolist() gives them.
            NpyData::F32(v) => w.as_f64() == Some(f64::from(v[i])),
            NpyData::Int(v) => w.as_i64() == Some(v[i]),
            NpyData::UInt(v) => w.as_u64() == Some(v[i]),
            NpyData::Bool(v) => w.as_bool() == Some(v[i]),
            NpyData::Str(v) => w.as_str() == Some(v[i].as_str()),
        };
        if !same {
            return Err(format!("element {i}: ours {:?}, numpy {w}", arr.data));
        }
    }
    Ok(())
}

#[test]
fn every_array_numpy_writes_reads_as_numpy_reads_it() {
    let arrays = expected();
    assert!(arrays.len() >= 60, "{} arrays", arrays.len());
    let mut checked = 0;
    for want in &arrays {
        let file = want["file"].as_str().unwrap();
        let arr = match want["key"].as_str() {
            None => parse_npy(&std::fs::read(dir().join(file)).unwrap())
                .unwrap_or_else(|e| panic!("{file}: {e}")),
            Some(key) => NpzFile::open(dir().join(file))
                .unwrap()
                .array(key)
                .unwrap_or_else(|e| panic!("{file}/{key}: {e}")),
        };
        compare(&arr, want).unwrap_or_else(|e| panic!("{file} {:?}: {e}", want["key"]));
        checked += 1;
    }
    assert_eq!(checked, arrays.len());
}

#[test]
fn headers_report_numpy_dtype_and_order() {
    for want in expected() {
        let file = want["file"].as_str().unwrap();
        let header = match want["key"].as_str() {
            None => {
                let bytes = std::fs::read(dir().join(file)).unwrap();
                dforce_io::npz::parse_npy_header(&bytes).unwrap().0
            }
            Some(key) => NpzFile::open(dir().join(file))
                .unwrap()
                .header(key)
                .unwrap(),
        };
        assert_eq!(header.descr, want["dtype"].as_str().unwrap(), "{file}");
        assert_eq!(
            header.fortran_order,
            want["fortran_order"].as_bool().unwrap(),
            "{file}"
        );
    }
}

/// Rows of a Fortran-order member, read without parsing the whole array, are numpy's rows.
#[test]
fn rows_of_fortran_order_members() {
    for file in ["archive.npz", "archive_compressed.npz"] {
        let mut npz = NpzFile::open(dir().join(file)).unwrap();
        let (header, bytes) = npz.read_rows("actions", 1..3).unwrap();
        assert!(header.fortran_order);
        // numpy: np.arange(12, dtype='>f2').reshape(3, 4).T[1:3] in C order.
        let want = [1.0f32, 5.0, 9.0, 2.0, 6.0, 10.0];
        let got: Vec<f32> = bytes
            .chunks_exact(2)
            .map(|c| half::f16::from_bits(u16::from_be_bytes([c[0], c[1]])).to_f32())
            .collect();
        assert_eq!(got, want, "{file}");
    }
}

#[test]
fn dtypes_numpy_writes_but_dforce_does_not_read_are_named() {
    // Headers as numpy 2 writes them for complex128 and datetime64 arrays.
    for (descr, needle) in [
        ("<c16", "complex numbers"),
        ("<M8[ns]", "dates and times"),
        ("|O", "Python objects"),
        ("<f16", "long double"),
    ] {
        let bytes = dforce_io::npz::encode_npy_header(descr, &[1]);
        let mut full = bytes.clone();
        full.extend_from_slice(&[0u8; 16]);
        let e = parse_npy(&full).unwrap_err();
        assert!(e.contains(needle), "{descr}: {e}");
    }
}
