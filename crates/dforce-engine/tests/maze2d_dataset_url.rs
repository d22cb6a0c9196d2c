//! `dataset.dataset_url` is honoured as the reference honours it: the file it names is read from
//! `dataset.save_dir` (here an h5py-written `libver="latest"` file under a user's own name);
//! a missing file under a name that is not D4RL's is an error, not a silent native generation.

use std::path::PathBuf;

use dforce_engine::planning::load_or_generate;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/maze2d")
        .join(name)
}

#[test]
fn the_file_dataset_url_names_is_read_from_save_dir() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("d4rl-libver-latest.hdf5"),
        dir.path().join("my-maze.hdf5"),
    )
    .unwrap();
    let mut said = Vec::new();
    let steps = load_or_generate(
        dir.path(),
        "maze2d-umaze-v1",
        "https://example.org/data/my-maze.hdf5?download=1",
        0,
        &mut |m| said.push(m.to_owned()),
    )
    .expect("the named file is read");
    // h5py: f["observations"].shape == (120, 4); f["observations"][0] (float32), f["rewards"].sum()
    assert_eq!(steps.observations.len(), 120);
    let text = std::fs::read_to_string(fixture("d4rl-libver-latest.json")).unwrap();
    let first: Vec<f32> = text
        .split("\"observations\": [")
        .nth(1)
        .unwrap()
        .split(',')
        .take(4)
        .map(|v| v.trim().parse::<f64>().unwrap() as f32)
        .collect();
    assert_eq!(steps.observations[0].to_vec(), first);
    assert!(said.is_empty(), "nothing generated: {said:?}");
    assert_eq!(steps.actions.len(), 120);
    assert_eq!(steps.rewards.len(), 120);
}

#[test]
fn a_missing_file_that_is_not_d4rls_is_an_error_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let err = load_or_generate(
        dir.path(),
        "maze2d-umaze-v1",
        "/data/elsewhere/my-maze.hdf5",
        0,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.contains("dataset.dataset_url"), "{err}");
    assert!(err.contains("my-maze.hdf5"), "{err}");
    assert!(err.contains("maze2d-umaze-sparse-v1.hdf5"), "{err}");
    assert!(!dir.path().join("my-maze.hdf5").exists());
    let err = load_or_generate(
        dir.path(),
        "maze2d-umaze-v1",
        "http://host/",
        0,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.contains("does not end in a file name"), "{err}");
}
