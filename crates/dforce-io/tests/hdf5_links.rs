//! HDF5 objects h5py writes that dforce does not read, refused with what they are and what to
//! do: an external link (`f[name] = h5py.ExternalLink(file, path)`, which h5py follows) and a
//! virtual dataset (`f.create_virtual_dataset`). Files written by
//! `scripts/make_io_format_fixtures.py`, which checks that h5py reads both.

use std::path::PathBuf;

use dforce_io::Hdf5Error;
use dforce_io::hdf5::H5File;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formats")
        .join(name)
}

#[test]
fn external_link_is_named_as_one_not_as_missing() {
    let f = H5File::open(fixture("extlink.hdf5")).unwrap();
    // The file's own datasets read as usual.
    assert_eq!(f.dataset("actions").unwrap().shape, [6, 2]);
    let err = f.dataset("observations").unwrap_err();
    assert!(matches!(err, Hdf5Error::BadDataset { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("external link")
            && msg.contains("extlink_target.hdf5")
            && msg.contains("does not follow")
            && msg.contains("f.copy"),
        "{msg}"
    );
    // A name that is simply absent is still reported as absent.
    assert!(matches!(
        f.dataset("rewards"),
        Err(Hdf5Error::MissingKey { .. })
    ));
    // The listing holds the file's own datasets.
    assert_eq!(f.dataset_paths().unwrap(), ["actions"]);
}

#[test]
fn virtual_dataset_is_named_as_one() {
    let f = H5File::open(fixture("virtual.hdf5")).unwrap();
    assert_eq!(f.dataset("actions").unwrap().shape, [6, 2]);
    let err = f.dataset("observations").unwrap_err();
    assert!(matches!(err, Hdf5Error::BadDataset { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("virtual dataset")
            && msg.contains("does not read")
            && msg.contains("create_dataset"),
        "{msg}"
    );
    assert!(!msg.contains("layout class 3"), "{msg}");
    // Listing the file cannot open the virtual dataset either, and says why.
    let listing = f.dataset_paths().unwrap_err().to_string();
    assert!(
        listing.contains("'observations'") && listing.contains("virtual dataset"),
        "{listing}"
    );
}

/// The target of the link and the source of the virtual dataset are plain files, read as h5py
/// reads them (what the messages above tell the user to copy).
#[test]
fn link_target_and_virtual_source_hold_the_data() {
    let text = std::fs::read_to_string(fixture("expected.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let want: Vec<f64> = json["hdf5"]["observations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let target = H5File::open(fixture("extlink_target.hdf5")).unwrap();
    assert_eq!(target.dataset("observations").unwrap().to_f64(), want);
    let source = H5File::open(fixture("virtual_source.hdf5")).unwrap();
    assert_eq!(source.dataset("data").unwrap().to_f64(), want);
}
