//! Video training and validation through the `dforce` binary on datasets written by other
//! tools: the TECO-DMLab layout by numpy's `savez_compressed`, the Minecraft layout with mp4
//! files made by ffmpeg (`--features mp4`). A tiny action-conditioned Unet3D trains two steps,
//! then validation rolls out past the training length and writes its videos.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A scratch copy of fixture dataset `name` (the loader writes `metadata.json` beside it).
fn dataset(name: &str) -> (tempfile::TempDir, PathBuf) {
    dforce_fixtures::video_dataset_copy(name).unwrap()
}

fn tiny(dataset: &str, root: &Path, resolution: usize, actions: usize) -> Vec<String> {
    let mut args = dforce_fixtures::tiny_video_overrides(dataset, root, resolution, actions);
    args.extend(
        [
            "dataset.validation_multiplier=2",
            "experiment.training.max_steps=2",
            "experiment.training.batch_size=2",
            "experiment.validation.val_every_n_step=null",
            "experiment.validation.batch_size=1",
        ]
        .map(String::from),
    );
    args
}

fn dforce(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dforce"))
        .arg("--config-path")
        .arg(repo().join("configs"))
        .args(args)
        .output()
        .unwrap()
}

/// Trains two steps, then validates the checkpoint; returns the validation run directory.
fn train_then_validate(dir: &Path, base: &[String]) -> PathBuf {
    let train = dir.join("train");
    let mut args = base.to_vec();
    args.push(format!("hydra.run.dir={}", train.display()));
    let out = dforce(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "training failed:\n{err}");
    assert!(err.contains("trained steps 0..2"), "{err}");

    let val = dir.join("val");
    let mut args = base.to_vec();
    args.extend([
        "experiment.tasks=[validation]".to_string(),
        format!("load={}", train.display()),
        format!("hydra.run.dir={}", val.display()),
    ]);
    let out = dforce(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "validation failed:\n{err}");
    // 2 context frames + 6 generated = 8 frames: twice the 4-frame training window.
    assert!(err.contains("1 clips, 6 frames generated"), "{err}");
    let metrics = std::fs::read_to_string(val.join("metrics.jsonl")).unwrap();
    assert!(metrics.contains("validation/psnr"), "{metrics}");
    assert!(val.join("media/validation_video_0.gif").is_file());
    assert!(val.join("media/validation_psnr_per_frame.png").is_file());
    assert!(val.join("media/validation_stability.png").is_file());
    val
}

#[test]
fn dmlab_layout_written_by_numpy_trains_and_validates() {
    let (dir, root) = dataset("dmlab");
    let base = tiny("video_dmlab", &root, 16, 3);
    let val = train_then_validate(dir.path(), &base);
    let gif = std::fs::read(val.join("media/validation_video_0.gif")).unwrap();
    assert_eq!(&gif[..6], b"GIF89a");

    // The weights alone (no optimizer moments, as shipped in checkpoints/) sample the same.
    let ckpt = std::fs::read_dir(dir.path().join("train/checkpoints"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let weights = dir.path().join("weights.safetensors");
    let out = Command::new(env!("CARGO_BIN_EXE_dforce"))
        .args(["ckpt", "convert", "--weights-only"])
        .arg(&ckpt)
        .arg(&weights)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::metadata(&weights).unwrap().len() * 2 < std::fs::metadata(&ckpt).unwrap().len()
    );
    let again = dir.path().join("val_weights");
    let mut args = base.clone();
    args.extend([
        "experiment.tasks=[validation]".to_string(),
        format!("load={}", weights.display()),
        format!("hydra.run.dir={}", again.display()),
    ]);
    let out = dforce(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let psnr = |run: &Path| {
        let m = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
        m.split("\"validation/psnr\":")
            .nth(1)
            .unwrap()
            .split([',', '}'])
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(psnr(&val), psnr(&again));
}

#[test]
fn a_truncated_npz_in_the_training_split_is_named() {
    let (dir, root) = dataset("dmlab");
    let victim = root.join("training/a/ep_b.npz");
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &bytes[..bytes.len() / 2]).unwrap();
    let mut args = tiny("video_dmlab", &root, 16, 3);
    args.push(format!("hydra.run.dir={}", dir.path().join("t").display()));
    let out = dforce(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("ep_b.npz"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_condition_that_does_not_match_the_actions_is_refused() {
    let (dir, root) = dataset("dmlab");
    let mut args = tiny("video_dmlab", &root, 16, 5);
    args.push(format!("hydra.run.dir={}", dir.path().join("t").display()));
    let out = dforce(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("algorithm.external_cond_dim=5") && err.contains("set it to 3"),
        "{err}"
    );
}

#[cfg(feature = "mp4")]
#[test]
fn minecraft_layout_with_real_mp4_files_trains_validates_and_writes_mp4() {
    let (dir, root) = dataset("minecraft");
    let val = train_then_validate(dir.path(), &tiny("video_minecraft", &root, 32, 4));
    let mp4 = val.join("media/validation_video_0.mp4");
    // The MP4 holds the same 8 side-by-side frames as the GIF.
    assert_eq!(dforce_video_data::mp4::frame_count(&mp4).unwrap(), 8);
}
