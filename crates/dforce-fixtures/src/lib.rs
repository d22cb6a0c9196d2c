//! The parity oracle: golden tensors produced by the PyTorch reference.
//!
//! Tests find the fixture directory through `DFORCE_REFERENCE_FIXTURES`, else the copy
//! committed at `tests/fixtures/reference`. A missing or empty directory is an error, never a
//! silent skip: a parity suite that checks nothing must fail.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors};
use serde_json::Value;
use thiserror::Error;

/// The environment variable that points the suite at another fixture directory.
pub const FIXTURES_ENV: &str = "DFORCE_REFERENCE_FIXTURES";

/// The environment variable that points the paper-branch suite (time series, GluonTS, CRPS) at
/// another directory of the layout of `tests/fixtures/paper`.
pub const PAPER_FIXTURES_ENV: &str = "DFORCE_PAPER_FIXTURES";

#[derive(Debug, Error)]
pub enum FixtureError {
    #[error(
        "fixture directory {0} does not exist (set {FIXTURES_ENV} for tests/fixtures/reference or {PAPER_FIXTURES_ENV} for tests/fixtures/paper, or restore them)"
    )]
    MissingDir(PathBuf),
    #[error("fixture directory {0} holds no manifest.json: it is empty or not a fixture set")]
    NoManifest(PathBuf),
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid JSON")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{path} is not a valid safetensors file: {message}")]
    SafeTensors { path: PathBuf, message: String },
    #[error("{file}: no tensor named '{key}'")]
    MissingTensor { file: String, key: String },
    #[error("{file}: tensor '{key}' has dtype {dtype:?}, expected {expected}")]
    Dtype {
        file: String,
        key: String,
        dtype: Dtype,
        expected: &'static str,
    },
}

/// A tensor read from a fixture: its shape and values.
#[derive(Debug, Clone, PartialEq)]
pub struct Array<T> {
    pub shape: Vec<usize>,
    pub data: Vec<T>,
}

/// The fixture directory in use (see the module docs).
pub fn reference_dir() -> Result<PathBuf, FixtureError> {
    let dir = match std::env::var_os(FIXTURES_ENV) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/reference"),
    };
    if !dir.is_dir() {
        return Err(FixtureError::MissingDir(dir));
    }
    if !dir.join("manifest.json").is_file() {
        return Err(FixtureError::NoManifest(dir));
    }
    Ok(dir)
}

/// The paper-branch fixture directory in use: `DFORCE_PAPER_FIXTURES`, else the copy committed at
/// `tests/fixtures/paper` (golden data from the reference's `paper` branch and GluonTS 0.13.1).
///
/// # Errors
/// [`FixtureError::MissingDir`] / [`FixtureError::NoManifest`] when the directory is absent or
/// holds no `manifest.json`: a parity suite that checks nothing must fail.
pub fn paper_dir() -> Result<PathBuf, FixtureError> {
    let dir = match std::env::var_os(PAPER_FIXTURES_ENV) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/paper"),
    };
    if !dir.is_dir() {
        return Err(FixtureError::MissingDir(dir));
    }
    if !dir.join("manifest.json").is_file() {
        return Err(FixtureError::NoManifest(dir));
    }
    Ok(dir)
}

/// Reads and parses a JSON file of the fixture directory.
pub fn read_json(dir: &Path, name: &str) -> Result<Value, FixtureError> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).map_err(|source| FixtureError::Io {
        path: path.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| FixtureError::Json { path, source })
}

/// All tensors of one safetensors fixture file, kept as raw bytes until asked for.
pub struct TensorFile {
    name: String,
    tensors: BTreeMap<String, (Dtype, Vec<usize>, Vec<u8>)>,
}

impl TensorFile {
    pub fn open(dir: &Path, name: &str) -> Result<Self, FixtureError> {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).map_err(|source| FixtureError::Io {
            path: path.clone(),
            source,
        })?;
        let st = SafeTensors::deserialize(&bytes).map_err(|e| FixtureError::SafeTensors {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let tensors = st
            .tensors()
            .into_iter()
            .map(|(k, v)| (k, (v.dtype(), v.shape().to_vec(), v.data().to_vec())))
            .collect();
        Ok(Self {
            name: name.to_string(),
            tensors,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.tensors.keys().map(String::as_str)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.tensors.contains_key(key)
    }

    fn raw(&self, key: &str) -> Result<&(Dtype, Vec<usize>, Vec<u8>), FixtureError> {
        self.tensors
            .get(key)
            .ok_or_else(|| FixtureError::MissingTensor {
                file: self.name.clone(),
                key: key.to_string(),
            })
    }

    pub fn f32(&self, key: &str) -> Result<Array<f32>, FixtureError> {
        let (dtype, shape, bytes) = self.raw(key)?;
        if *dtype != Dtype::F32 {
            return Err(FixtureError::Dtype {
                file: self.name.clone(),
                key: key.into(),
                dtype: *dtype,
                expected: "F32",
            });
        }
        let data = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Ok(Array {
            shape: shape.clone(),
            data,
        })
    }

    pub fn i64(&self, key: &str) -> Result<Array<i64>, FixtureError> {
        let (dtype, shape, bytes) = self.raw(key)?;
        if *dtype != Dtype::I64 {
            return Err(FixtureError::Dtype {
                file: self.name.clone(),
                key: key.into(),
                dtype: *dtype,
                expected: "I64",
            });
        }
        let data = bytes
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().expect("8-byte chunk")))
            .collect();
        Ok(Array {
            shape: shape.clone(),
            data,
        })
    }
}

/// `|a − e| ≤ atol + rtol·|e|`, elementwise, as numpy's `allclose`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    pub rtol: f64,
    pub atol: f64,
}

impl Tolerance {
    /// The `tolerance` object of a manifest entry.
    pub fn from_manifest(entry: &Value) -> Option<Self> {
        let t = entry.get("tolerance")?;
        Some(Self {
            rtol: t.get("rtol")?.as_f64()?,
            atol: t.get("atol")?.as_f64()?,
        })
    }

    /// Compares `actual` with `expected`; the error names the worst element.
    pub fn check(&self, what: &str, actual: &[f32], expected: &[f32]) -> Result<(), String> {
        if actual.len() != expected.len() {
            return Err(format!(
                "{what}: {} values, expected {}",
                actual.len(),
                expected.len()
            ));
        }
        let mut worst: Option<(usize, f64)> = None;
        let mut failures = 0usize;
        for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
            let (a, e) = (a as f64, e as f64);
            let excess = (a - e).abs() - (self.atol + self.rtol * e.abs());
            // NaN anywhere is a failure, so test for "within" and negate.
            let within = excess <= 0.0;
            if !within {
                failures += 1;
                if worst.is_none_or(|(_, w)| excess > w || excess.is_nan()) {
                    worst = Some((i, excess));
                }
            }
        }
        match worst {
            None => Ok(()),
            Some((i, _)) => Err(format!(
                "{what}: {failures}/{} values outside rtol={} atol={}; worst at index {i}: got {}, expected {}",
                actual.len(),
                self.rtol,
                self.atol,
                actual[i],
                expected[i]
            )),
        }
    }
}

/// `tests/fixtures/video` at the repository root: the small TECO-layout datasets (`dmlab`,
/// `minecraft`) written by numpy and ffmpeg (`make_fixtures.py` beside them).
pub fn video_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/video")
}

/// Overrides of a tiny action-conditioned video model for end-to-end tests: `df_video` with a
/// 16-wide two-level Unet3D (attention at 8 pixels, per-frame GroupNorm), 3 DDIM steps, 4-frame
/// training clips, on `dataset` (e.g. `video_dmlab`) under `root` at `resolution` pixels with
/// `actions` one-hot actions per frame. Tests add their run lengths and batch sizes.
pub fn tiny_video_overrides(
    dataset: &str,
    root: &Path,
    resolution: usize,
    actions: usize,
) -> Vec<String> {
    [
        "experiment=exp_video",
        "algorithm=df_video",
        "algorithm.diffusion.architecture.network_size=16",
        "algorithm.diffusion.architecture.dim_mults=[1,2]",
        "algorithm.diffusion.architecture.attn_resolutions=[8]",
        "algorithm.diffusion.architecture.attn_heads=2",
        "algorithm.diffusion.architecture.attn_dim_head=8",
        "algorithm.diffusion.architecture.frame_norm=per_frame",
        "algorithm.diffusion.sampling_timesteps=3",
        "dataset.n_frames=4",
    ]
    .into_iter()
    .map(String::from)
    .chain([
        format!("dataset={dataset}"),
        format!("dataset.save_dir={}", root.display()),
        format!("dataset.resolution={resolution}"),
        format!("dataset.external_cond_dim={actions}"),
    ])
    .collect()
}

/// Copies the directory tree `from` into `to` (created), files and subdirectories.
///
/// # Errors
/// A file or directory that cannot be read or written.
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &dest)?;
        } else {
            std::fs::copy(entry.path(), dest)?;
        }
    }
    Ok(())
}

/// A scratch copy of video fixture dataset `name` (`dmlab` or `minecraft`), so a test may let
/// the loader write `metadata.json` or damage files: `(guard, dataset root)`; the copy lives
/// as long as the guard.
///
/// # Errors
/// The fixture cannot be copied.
pub fn video_dataset_copy(name: &str) -> std::io::Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir()?;
    let root = dir.path().join(name);
    copy_tree(&video_fixtures().join(name), &root)?;
    Ok((dir, root))
}
