//! `.npz` files that numpy (`np.load`, through Python's `zipfile`) accepts or refuses, written by
//! `scripts/make_npz_integrity_fixtures.py`, whose `expected.json` records what numpy does with
//! each: members whose data no longer match the CRC-32 the zip records (stored, deflate, bzip2,
//! LZMA, zip64 local headers, data descriptors) are refused as `zipfile` refuses them.

use std::path::PathBuf;

use dforce_io::NpzError;
use dforce_io::npz::{NpyData, NpzFile};
use serde_json::Value as Json;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npz_integrity")
}

fn expected() -> Json {
    let text = std::fs::read_to_string(dir().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The values numpy read for `name`'s `key`, as bytes of a uint8 array.
fn numpy_u8(expected: &Json, name: &str, key: &str) -> Vec<u8> {
    let e = &expected[name][key];
    assert_eq!(e["dtype"], "|u1", "{name} {key}: {e}");
    let values = match e["values_of"].as_str() {
        Some(top) => &expected[top],
        None => &e["values"],
    };
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| u8::try_from(v.as_u64().unwrap()).unwrap())
        .collect()
}

fn names(prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = expected()
        .as_object()
        .unwrap()
        .keys()
        .filter(|n| n.starts_with(prefix))
        .cloned()
        .collect();
    names.sort();
    names
}

#[test]
fn intact_members_of_every_method_read_as_numpy_reads_them() {
    let expected = expected();
    let ok = names("ok_");
    assert_eq!(
        ok,
        [
            "ok_bzip2.npz",
            "ok_deflate.npz",
            "ok_lzma.npz",
            "ok_stored.npz",
            "ok_stored_descriptor.npz"
        ]
    );
    for name in &ok {
        let want = numpy_u8(&expected, name, "video");
        let mut npz = NpzFile::open(dir().join(name)).unwrap();
        let arr = npz.array("video").unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(arr.shape, [40, 8, 8, 3], "{name}");
        let NpyData::UInt(values) = arr.data else {
            panic!("{name}: not uint8")
        };
        let values: Vec<u8> = values.into_iter().map(|v| v as u8).collect();
        assert_eq!(values, want, "{name}");
        let row = 8 * 8 * 3;
        for rows in [0..2, 17..18, 38..40, 0..40] {
            let (_, bytes) = npz
                .read_rows("video", rows.clone())
                .unwrap_or_else(|e| panic!("{name} {rows:?}: {e}"));
            assert_eq!(bytes, want[rows.start * row..rows.end * row], "{name}");
        }
    }
}

#[test]
fn members_whose_data_do_not_match_their_crc32_are_refused_as_numpy_refuses_them() {
    let expected = expected();
    let corrupt: Vec<String> = names("badcrc_")
        .into_iter()
        .chain(names("flipped_"))
        .collect();
    assert_eq!(corrupt.len(), 8, "{corrupt:?}");
    for name in &corrupt {
        // numpy refuses the member with zipfile's BadZipFile.
        let numpy = &expected[name.as_str()]["video"];
        assert_eq!(numpy["error"], "BadZipFile", "{name}");
        assert!(
            numpy["message"]
                .as_str()
                .unwrap()
                .contains("Bad CRC-32 for file 'video.npy'"),
            "{name}: {numpy}"
        );
        let path = dir().join(name);
        let mut npz = NpzFile::open(&path).unwrap();
        // The flipped byte is in row 5; rows far from it are refused too, since the CRC-32
        // covers the whole member.
        let results = [
            ("array", npz.array("video").map(|_| ())),
            ("rows 0..1", npz.read_rows("video", 0..1).map(|_| ())),
            ("rows 38..40", npz.read_rows("video", 38..40).map(|_| ())),
            ("all rows", npz.read_rows("video", 0..40).map(|_| ())),
        ];
        for (what, result) in results {
            let err = result.expect_err(&format!("{name} {what}: a corrupt member was read"));
            let NpzError::BadCrc {
                member,
                recorded,
                computed,
                ..
            } = &err
            else {
                panic!("{name} {what}: not a CRC error: {err:?}")
            };
            assert_eq!(member, "video.npy");
            assert_ne!(recorded, computed);
            let msg = err.to_string();
            assert!(
                msg.starts_with(&format!(
                    "bad CRC-32 for member \"video.npy\" of {}: the file is corrupt",
                    path.display()
                )),
                "{msg}"
            );
        }
        // The header alone does not cover the data; the intact member reads as numpy reads it.
        assert_eq!(npz.header("video").unwrap().shape, [40, 8, 8, 3], "{name}");
        let actions = npz.array("actions").unwrap();
        assert_eq!(actions.shape, [40]);
        assert!(expected[name.as_str()]["actions"]["values"].is_array());
    }
}

/// The values numpy read for `name`'s `key`, as integers.
fn numpy_ints(expected: &Json, name: &str, key: &str) -> Vec<u64> {
    expected[name][key]["values"]
        .as_array()
        .unwrap_or_else(|| panic!("{name} {key}: numpy read no values"))
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

fn ints(data: NpyData) -> Vec<u64> {
    match data {
        NpyData::Int(v) => v.into_iter().map(|x| x as u64).collect(),
        NpyData::UInt(v) => v,
        other => panic!("not integers: {other:?}"),
    }
}

#[test]
fn members_are_looked_up_as_numpy_looks_them_up() {
    let expected = expected();
    // A member stored without the `.npy` suffix: np.load(f)["video"] reads it.
    let name = "no_suffix.npz";
    let mut npz = NpzFile::open(dir().join(name)).unwrap();
    assert_eq!(
        npz.keys(),
        json_strings(&expected[name]["files"]),
        "NpzFile.files"
    );
    let arr = npz.array("video").unwrap();
    let values: Vec<u8> = ints(arr.data).into_iter().map(|v| v as u8).collect();
    assert_eq!(values, numpy_u8(&expected, name, "video"));
    assert_eq!(npz.header("video").unwrap().shape, [40, 8, 8, 3]);
    let (_, rows) = npz.read_rows("video", 39..40).unwrap();
    assert_eq!(rows, numpy_u8(&expected, name, "video")[39 * 192..]);
    // numpy has no member "video.npy" here.
    assert_eq!(expected[name]["video.npy"]["error"], "KeyError");
    let err = npz.array("video.npy").unwrap_err();
    assert!(matches!(err, NpzError::MissingKey { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("no member named \"video.npy\" or \"video.npy.npy\""),
        "{err}"
    );

    // Members `video` and `video.npy`: the exact name wins, and `key.npy` names the other.
    let name = "both_names.npz";
    let mut npz = NpzFile::open(dir().join(name)).unwrap();
    assert_eq!(npz.keys(), json_strings(&expected[name]["files"]));
    for key in ["video", "video.npy"] {
        let arr = npz.array(key).unwrap();
        assert_eq!(arr.shape, [2, 3]);
        assert_eq!(ints(arr.data), numpy_ints(&expected, name, key), "{key}");
    }
    // A key that numpy does not find either.
    assert_eq!(expected[name]["actions"]["error"], "KeyError");
    assert!(matches!(
        npz.array("actions"),
        Err(NpzError::MissingKey { .. })
    ));
}

fn json_strings(v: &Json) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn an_object_array_is_refused_as_pickled_objects_like_an_npy_file() {
    let expected = expected();
    let name = "object_video.npz";
    assert_eq!(expected[name]["video"]["error"], "ValueError");
    // What the `.npy` reader says for the same member.
    let npy = dforce_io::npz::parse_npy_header(
        &[
            b"\x93NUMPY\x01\x00".as_slice(),
            &(118u16).to_le_bytes(),
            format!(
                "{:<117}\n",
                "{'descr': '|O', 'fortran_order': False, 'shape': (2, 8, 8, 3), }"
            )
            .as_bytes(),
        ]
        .concat(),
    )
    .unwrap()
    .0
    .item_size()
    .unwrap_err();
    assert!(npy.contains("Python objects (pickled)"), "{npy}");
    let mut npz = NpzFile::open(dir().join(name)).unwrap();
    let results = [
        ("header", npz.header("video").map(|_| ())),
        ("rows", npz.read_rows("video", 0..1).map(|_| ())),
        ("array", npz.array("video").map(|_| ())),
    ];
    for (what, result) in results {
        match result {
            Err(NpzError::BadArray { key, reason, .. }) => {
                assert_eq!(key, "video");
                assert_eq!(reason, npy, "{what}");
                assert!(!reason.contains("overflows"), "{what}: {reason}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
}
