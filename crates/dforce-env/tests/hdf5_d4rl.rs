//! The D4RL HDF5 layout: reading the shared `maze2d-umaze-sparse-v1-head.hdf5` (h5py-written,
//! gzip chunked) and h5py's `libver="latest"` files, skipping unreadable optional members with
//! a reason, round-tripping generated data through the writer, and naming missing or
//! misshapen datasets. (The HDF5 format itself is tested in `dforce-io/tests/hdf5.rs`.)

use std::path::PathBuf;

use dforce_env::data::{generate, read_d4rl, write_d4rl, write_d4rl_owned};
use dforce_io::Hdf5Error;
use dforce_io::hdf5::H5Writer;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/maze2d/maze2d-umaze-sparse-v1-head.hdf5")
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("dforce-env-{}-{name}", std::process::id()))
}

// Expected values printed once with h5py 3.16 / numpy 2.4:
//   f = h5py.File("maze2d-umaze-sparse-v1-head.hdf5"); f[k].dtype, f[k].shape, f[k][:2].tolist(),
//   np.nonzero(f["terminals"][()])[0][:5], f["rewards"][()].sum(), f["observations"][-1],
//   f["observations"][:, 0].astype(np.float64).sum() == 37696.10989463329
// All datasets are chunked ((2500, 1) or (10000,)) with gzip level 4.
#[test]
fn reads_d4rl_fixture_values() {
    let read = read_d4rl(fixture()).expect("D4RL layout reads");
    assert!(read.skipped.is_empty());
    let d = read.dataset;
    assert_eq!(d.len(), 20_000);
    assert_eq!(
        d.observations[0],
        [2.903_305_5_f32, 2.062_654, 0.036_159_504, 0.1304]
    );
    assert_eq!(
        d.observations[1],
        [2.905_883, 2.066_336_6, 0.257_752_78, 0.368_253_3]
    );
    assert_eq!(
        d.observations[19_999],
        [2.911_661_4, 0.939_670_44, -1.050_873_6, -0.218_344_93]
    );
    assert_eq!(d.actions[0], [0.930_785_24, 1.0]);
    assert_eq!(d.actions[1], [0.683_416_66, 1.0]);
    assert_eq!(d.goals[0], [2.953_957_3, 2.908_194_8]);
    assert_eq!(d.qpos[0], [2.903_305_5, 2.062_654]);
    assert_eq!(d.qvel[0], [0.036_159_504, 0.1304]);
    let reward_sum: f32 = d.rewards.iter().sum();
    assert_eq!(reward_sum, 1682.0);
    let term: Vec<usize> = (0..d.len()).filter(|&i| d.terminals[i]).collect();
    assert_eq!(term.len(), 277);
    assert_eq!(&term[..5], [30, 145, 274, 318, 400]);
    assert!(d.timeouts.iter().all(|&t| !t));
    let sx: f64 = d.observations.iter().map(|o| f64::from(o[0])).sum();
    assert!((sx - 37_696.109_894_633_29).abs() < 1e-6, "{sx}");
}

#[test]
fn generated_dataset_round_trips_through_the_writer() {
    let data = generate("maze2d-umaze-v1", 3_000, 7).unwrap();
    let path = temp_path("roundtrip.hdf5");
    write_d4rl(&data, &path).unwrap();
    let back = read_d4rl(&path).unwrap().dataset;
    std::fs::remove_file(&path).ok();
    assert_eq!(back, data);
    // The consuming writer writes the same bytes.
    let owned = temp_path("roundtrip-owned.hdf5");
    write_d4rl(&data, &path).unwrap();
    write_d4rl_owned(data, &owned).unwrap();
    let (a, b) = (
        std::fs::read(&path).unwrap(),
        std::fs::read(&owned).unwrap(),
    );
    std::fs::remove_file(&path).ok();
    std::fs::remove_file(&owned).ok();
    assert_eq!(a, b);
}

/// Generation is bounded inside `generate_with`, so every caller (the CLI, the engine's
/// on-demand data) gets the bound that fits in memory.
#[test]
fn steps_beyond_the_memory_bound_are_refused_by_name() {
    use dforce_env::data::generate::MAX_STEPS;
    assert_eq!(MAX_STEPS, 10_000_000);
    let err = generate("maze2d-large-v1", MAX_STEPS + 1, 0).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("steps=10000001 is out of range; it must be 1..=10000000 "),
        "{msg}"
    );
    assert!(msg.contains("4000000"), "{msg}");
    assert!(generate("maze2d-large-v1", 0, 0).is_err());
}

#[test]
fn missing_or_misshapen_d4rl_keys_are_named() {
    let mut w = H5Writer::new();
    w.add_f32("observations", &[2, 4], &[0.0; 8]).unwrap();
    w.add_f32("actions", &[2, 3], &[0.0; 6]).unwrap();
    let path = temp_path("partial.hdf5");
    w.write(&path).unwrap();
    let err = read_d4rl(&path).unwrap_err();
    std::fs::remove_file(&path).ok();
    match err {
        Hdf5Error::BadDataset { key, .. } => assert_eq!(key, "actions"),
        other => panic!("unexpected {other}"),
    }
    let mut w = H5Writer::new();
    w.add_f32("observations", &[1, 4], &[0.0; 4]).unwrap();
    let path = temp_path("partial2.hdf5");
    w.write(&path).unwrap();
    let err = read_d4rl(&path).unwrap_err();
    std::fs::remove_file(&path).ok();
    assert!(
        matches!(&err, Hdf5Error::MissingKey { key, .. } if key == "actions"),
        "{err}"
    );
}

fn maze2d(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/maze2d")
        .join(name)
}

/// numpy's values (`scripts/make_hdf5_matrix.py` wrote them beside the files).
fn numpy_values(key: &str) -> Vec<f32> {
    let text = std::fs::read_to_string(maze2d("d4rl-libver-latest.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect()
}

fn flat<const C: usize>(rows: &[[f32; C]]) -> Vec<f32> {
    rows.iter().flatten().copied().collect()
}

fn floats(bools: &[bool]) -> Vec<f32> {
    bools.iter().map(|&b| f32::from(u8::from(b))).collect()
}

/// The example: a D4RL file h5py writes with `libver="latest"` (superblock 3, version-2
/// object headers, extensible-array chunk index, gzip + shuffle, `track_order`) reads as h5py
/// reads it.
#[test]
fn h5py_libver_latest_d4rl_file_reads_as_h5py_reads_it() {
    let read = read_d4rl(maze2d("d4rl-libver-latest.hdf5")).expect("libver='latest' reads");
    assert!(read.skipped.is_empty(), "{:?}", read.skipped);
    let d = read.dataset;
    assert_eq!(flat(&d.observations), numpy_values("observations"));
    assert_eq!(flat(&d.actions), numpy_values("actions"));
    assert_eq!(d.rewards, numpy_values("rewards"));
    assert_eq!(floats(&d.terminals), numpy_values("terminals"));
    assert_eq!(floats(&d.timeouts), numpy_values("timeouts"));
    assert_eq!(flat(&d.goals), numpy_values("infos/goal"));
    assert_eq!(flat(&d.qpos), numpy_values("infos/qpos"));
    assert_eq!(flat(&d.qvel), numpy_values("infos/qvel"));
}

/// Optional members (`timeouts`, `infos/*`) that are present but unreadable (here: strings) are
/// skipped with their reason, for the caller to warn about; the required members still read.
#[test]
fn unreadable_optional_members_are_skipped_with_a_reason() {
    let read = read_d4rl(maze2d("d4rl-unreadable-optional.hdf5")).expect("required members read");
    assert_eq!(
        flat(&read.dataset.observations),
        numpy_values("observations")
    );
    assert!(read.dataset.timeouts.is_empty() && read.dataset.qvel.is_empty());
    assert_eq!(flat(&read.dataset.qpos), numpy_values("infos/qpos"));
    let keys: Vec<String> = read
        .skipped
        .iter()
        .map(|e| match e {
            Hdf5Error::BadDataset { key, reason, .. } => {
                assert!(reason.contains("not supported"), "{reason}");
                key.clone()
            }
            other => panic!("unexpected {other}"),
        })
        .collect();
    assert_eq!(keys, ["timeouts", "infos/qvel"]);
}

/// A NaN in a required table is named by key, row and column when the file is read, not found
/// later as a non-finite training loss.
#[test]
fn non_finite_values_are_named_where_they_are() {
    let data = generate("maze2d-umaze-v1", 10, 1).unwrap();
    let mut w = H5Writer::new();
    let mut obs: Vec<f32> = data.observations.iter().flatten().copied().collect();
    obs[4 * 7 + 2] = f32::NAN;
    w.add_f32("observations", &[10, 4], &obs).unwrap();
    w.add_f32("actions", &[10, 2], &[0.0; 20]).unwrap();
    w.add_f32("rewards", &[10], &[0.0; 10]).unwrap();
    w.add_bool("terminals", &[10], &[false; 10]).unwrap();
    let path = temp_path("nan.hdf5");
    w.write(&path).unwrap();
    let err = read_d4rl(&path).unwrap_err().to_string();
    std::fs::remove_file(&path).ok();
    assert!(
        err.contains("\"observations\"") && err.contains("row 7, column 2 is NaN"),
        "{err}"
    );
}

fn read_err(name: &str, members: &[(&str, &[usize])]) -> Hdf5Error {
    let mut w = H5Writer::new();
    for (key, shape) in members {
        let n: usize = shape.iter().product();
        w.add_f32(key, shape, &vec![0.0; n]).unwrap();
    }
    let path = temp_path(name);
    w.write(&path).unwrap();
    let err = read_d4rl(&path).unwrap_err();
    std::fs::remove_file(&path).ok();
    err
}

/// A one-column table may be `(N,)` (D4RL's own files) or `(N, 1)`: the message says both.
#[test]
fn one_column_shape_messages_offer_both_layouts() {
    let err = read_err(
        "rewards-2d.hdf5",
        &[
            ("observations", &[5, 4]),
            ("actions", &[5, 2]),
            ("rewards", &[5, 2]),
            ("terminals", &[5]),
        ],
    );
    let msg = err.to_string();
    assert!(
        msg.ends_with("dataset \"rewards\": shape [5, 2], expected (N,) or (N, 1)"),
        "{msg}"
    );
    // The optional members are compared with the file's N: (5,) or (5, 1).
    let mut w = H5Writer::new();
    w.add_f32("observations", &[5, 4], &[0.0; 20]).unwrap();
    w.add_f32("actions", &[5, 2], &[0.0; 10]).unwrap();
    w.add_f32("rewards", &[5], &[0.0; 5]).unwrap();
    w.add_f32("terminals", &[5], &[0.0; 5]).unwrap();
    w.add_f32("timeouts", &[4], &[0.0; 4]).unwrap();
    let path = temp_path("timeouts-short.hdf5");
    w.write(&path).unwrap();
    let read = read_d4rl(&path).unwrap();
    std::fs::remove_file(&path).ok();
    let msg = read.skipped[0].to_string();
    assert!(msg.ends_with("shape [4], expected (5,) or (5, 1)"), "{msg}");
}

/// The key whose row count disagrees with the others is the one named, with every key's rows
/// (here `observations` is short; it was `actions` that was blamed).
#[test]
fn the_key_with_the_odd_row_count_is_named() {
    let err = read_err(
        "obs-short.hdf5",
        &[
            ("observations", &[4, 4]),
            ("actions", &[5, 2]),
            ("rewards", &[5]),
            ("terminals", &[5]),
        ],
    );
    match &err {
        Hdf5Error::BadDataset { key, reason, .. } => {
            assert_eq!(key, "observations");
            assert_eq!(
                reason,
                "4 rows, but \"actions\", \"rewards\", \"terminals\" have 5; every D4RL array \
                 holds one row per step (rows per key: observations 4, actions 5, rewards 5, \
                 terminals 5)"
            );
        }
        other => panic!("unexpected {other}"),
    }
    let err = read_err(
        "rewards-short.hdf5",
        &[
            ("observations", &[5, 4]),
            ("actions", &[5, 2]),
            ("rewards", &[4]),
            ("terminals", &[5, 1]),
        ],
    );
    assert!(
        matches!(&err, Hdf5Error::BadDataset { key, .. } if key == "rewards"),
        "{err}"
    );
}
