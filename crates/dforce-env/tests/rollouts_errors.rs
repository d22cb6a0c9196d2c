//! Loading recorded rollouts from a bad file: a typed `.npz` error naming the file, never a
//! panic. (The `.npz` reader itself is tested in `dforce-io/tests/npz_errors.rs`.)

use dforce_env::rollouts::load_rollouts;
use dforce_io::NpzError;

#[test]
fn missing_garbage_and_foreign_files_are_named_errors() {
    assert!(matches!(
        load_rollouts("/nonexistent/r.npz"),
        Err(NpzError::Io { .. })
    ));
    let dir = std::env::temp_dir().join(format!("dforce-env-rollouts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let garbage = dir.join("garbage.npz");
    std::fs::write(&garbage, [7u8; 3000]).unwrap();
    let e = load_rollouts(&garbage).unwrap_err();
    assert!(matches!(e, NpzError::Zip { .. }), "{e}");
    assert!(e.to_string().contains("garbage.npz"), "{e}");
    // A valid archive without the rollout layout: the missing array is named.
    let other = dir.join("other.npz");
    let mut w =
        dforce_io::npz::NpzWriter::create(&other, dforce_io::npz::NpzCompression::Stored).unwrap();
    w.add("x", &[2], &[1.0f32, 2.0]).unwrap();
    w.finish().unwrap();
    let e = load_rollouts(&other).unwrap_err();
    assert!(matches!(e, NpzError::MissingKey { .. }), "{e}");
    std::fs::remove_dir_all(dir).ok();
}
