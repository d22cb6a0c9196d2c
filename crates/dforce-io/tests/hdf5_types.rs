//! HDF5 element types dforce does not read (compounds, h5py's complex numbers, strings, array
//! fields) are refused with the type in words, using numpy's dtype names, never Rust's `Debug`
//! text of the decoded datatype. The file and numpy's view of each type
//! (`expected.json`) are written by `scripts/make_hdf5_type_fixtures.py`.

use std::path::PathBuf;

use dforce_io::Hdf5Error;
use dforce_io::hdf5::H5File;
use serde_json::Value as Json;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hdf5_types")
}

fn message(f: &H5File, name: &str) -> String {
    match f.dataset(name) {
        Err(e @ Hdf5Error::BadDataset { .. }) => e.to_string(),
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn unsupported_element_types_are_described_in_words() {
    let expected: Json =
        serde_json::from_str(&std::fs::read_to_string(dir().join("expected.json")).unwrap())
            .unwrap();
    let f = H5File::open(dir().join("types.hdf5")).unwrap();
    assert_eq!(f.dataset("ok").unwrap().shape, [3]);

    let fields = |name: &str| -> Vec<(String, String)> {
        expected[name]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f[0].as_str().unwrap().to_owned(),
                    f[1].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let [(a, ta), (b, tb)] = &fields("compound")[..] else {
        panic!("two fields")
    };
    let want = format!("element type a compound type of 2 fields ({a}: {ta}, {b}: {tb}) is not");
    assert_eq!(
        want,
        "element type a compound type of 2 fields (a: float64, b: int32) is not"
    );
    let mut cases = vec![("compound", want)];
    for name in ["complex128", "complex64", "complex128_be"] {
        let e = &expected[name];
        let order = if e["byteorder"] == ">" {
            " big-endian"
        } else {
            ""
        };
        cases.push((
            name,
            format!(
                "element type {}{order} (h5py's complex numbers) is not supported",
                e["name"].as_str().unwrap()
            ),
        ));
    }
    cases.push((
        "fixed_ascii",
        format!(
            "element type a fixed-length ASCII string of {} bytes is not",
            expected["fixed_ascii"]["itemsize"]
        ),
    ));
    cases.push((
        "vlen_str",
        "element type a variable-length UTF-8 string is not".to_owned(),
    ));
    let [(m, tm)] = &fields("array_field")[..] else {
        panic!("one field")
    };
    let shape = &expected["array_field"]["field_shapes"][0];
    cases.push((
        "array_field",
        format!(
            "element type a compound type of 1 field ({m}: an array of shape ({}, {}) of {tm}) is \
             not",
            shape[0], shape[1]
        ),
    ));
    for (name, want) in cases {
        let msg = message(&f, name);
        assert!(msg.contains(&want), "{name}: {msg}\nwant: {want}");
        for debug in ["{", "Compound", "FloatingPoint", "byte_order", "VarLen"] {
            assert!(!msg.contains(debug), "{name}: Debug text in {msg}");
        }
    }
}
