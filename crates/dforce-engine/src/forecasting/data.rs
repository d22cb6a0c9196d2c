//! The forecasting data: a GluonTS-layout dataset directory, grouped into one multivariate
//! series, with the training range's statistics and the branch's training windows.

use std::sync::Arc;

use dforce_core::CoreError;
use dforce_timeseries_data::covariates::model_view;
use dforce_timeseries_data::gluonts_reader::GluonTsDataset;
use dforce_timeseries_data::{ForecastSpec, PreparedData};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::layout::ForecastBatch;
use super::options::{ForecastOptions, StatisticsFiles};
use crate::algorithm::{TaskError, TrainingData};
use crate::data_loader::BatchBuilder;

/// Opens `dataset.save_dir` and prepares it (grouping, statistics, test dates), after checking
/// that the config's dataset settings agree with the directory's `metadata.json`.
///
/// # Errors
/// A missing or malformed dataset (the reader's errors name file and line), or settings that
/// contradict its metadata.
pub fn open(options: &ForecastOptions) -> Result<PreparedData, TaskError> {
    let dir = &options.save_dir;
    if !dir.join("metadata.json").is_file() {
        let fetch = match &options.gluonts_name {
            Some(name) => format!(
                " With GluonTS installed, `python -c \"from pathlib import Path; from \
                 gluonts.dataset.repository import get_dataset; get_dataset('{name}', \
                 path=Path('{}'))\"` writes it there.",
                dir.parent().unwrap_or(dir).display()
            ),
            None => String::new(),
        };
        return Err(TaskError::Invalid(format!(
            "dataset.save_dir={}: no metadata.json there. Point it at a dataset in GluonTS's \
             layout (metadata.json, train/, test/): dforce downloads nothing.{fetch}",
            dir.display()
        )));
    }
    let ds = GluonTsDataset::load(dir)
        .map_err(|e| TaskError::Invalid(format!("reading the dataset {}: {e}", dir.display())))?;
    let derived = ForecastSpec::from_dataset(&ds)
        .map_err(|e| TaskError::Invalid(format!("the dataset {}: {e}", dir.display())))?;
    let spec = &options.spec;
    let mismatch = |key: &str, config: String, data: String| {
        TaskError::Invalid(format!(
            "dataset.{key}={config} but {} says {data}: set dataset.{key}={data} (or use the \
             dataset config written for this directory)",
            dir.join("metadata.json").display()
        ))
    };
    if derived.freq != spec.freq {
        return Err(mismatch(
            "freq",
            spec.freq.to_string(),
            ds.metadata.freq.clone(),
        ));
    }
    if derived.prediction_length != spec.prediction_length {
        return Err(mismatch(
            "prediction_length",
            spec.prediction_length.to_string(),
            derived.prediction_length.to_string(),
        ));
    }
    if derived.target_dim != spec.target_dim {
        return Err(mismatch(
            "target_dim",
            spec.target_dim.to_string(),
            derived.target_dim.to_string(),
        ));
    }
    if ds.num_test_dates() != spec.num_test_dates {
        return Err(mismatch(
            "num_test_dates",
            spec.num_test_dates.to_string(),
            ds.num_test_dates().to_string(),
        ));
    }
    PreparedData::new(&ds, spec.clone(), options.nan_statistics)
        .map_err(|e| TaskError::Invalid(format!("preparing {}: {e}", dir.display())))
}

/// The training windows: `batches_per_epoch × batch_size` items per epoch (GluonTS's
/// `TrainDataLoader(num_batches_per_epoch)`); each batch draws its split points uniformly over
/// the valid range (`ExpectedNumInstanceSampler`) from a generator seeded by the run's seed and
/// the batch's (shuffled) item indices, so a run is reproducible and a resumed run sees the
/// same windows.
pub fn training_data(
    data: Arc<PreparedData>,
    options: &ForecastOptions,
    batch_size: usize,
    seed: u64,
    embed: Vec<f32>,
    covariates: bool,
) -> TrainingData<ForecastBatch> {
    let items = options.batches_per_epoch * batch_size;
    TrainingData {
        items,
        build: BatchBuilder::stateless(move |indices: &[usize]| {
            // FNV-1a over the ordered indices: another batch (or epoch) gets another stream.
            let stream = indices.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &i| {
                (h ^ i as u64).wrapping_mul(0x0100_0000_01b3)
            });
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(stream);
            let (_, windows) = data
                .training_batch(&mut rng, indices.len())
                .map_err(|e| CoreError::Invalid(format!("training windows: {e}")))?;
            let view = model_view(&windows, &data.spec, &data.stats, &embed)
                .map_err(|e| CoreError::Invalid(format!("training windows: {e}")))?;
            Ok(ForecastBatch {
                batch: view.batch,
                observations: view.observations,
                covariates: covariates.then_some(view.covariates),
            })
        }),
    }
}

/// The `(D,)` float32 `.npy` bytes of `values` (numpy's `np.save` layout, version 1.0).
fn npy_f32(values: &[f32]) -> Vec<u8> {
    let mut bytes = dforce_io::npz::encode_npy_header("<f4", &[values.len()]);
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes
}

/// The branch's `save_mean_std_metadata` task: writes `dataset.data_mean` and
/// `dataset.data_std` (float32 `.npy`, `(D,)`) and `dataset.metadata` (the derived metadata
/// JSON: prediction/context/history lengths, frequency, lags, time-feature count, target
/// dimension, test dates) at the configured paths, creating their folders.
///
/// # Errors
/// The dataset cannot be prepared, or a file cannot be written.
pub fn save_mean_std_metadata(
    files: &StatisticsFiles,
    freq: &str,
    data: &PreparedData,
) -> Result<(), TaskError> {
    let write = |key: &str, path: &std::path::Path, bytes: Vec<u8>| -> Result<(), TaskError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| TaskError::Io {
                what: format!("creating {} ({key})", parent.display()),
                source,
            })?;
        }
        dforce_io::atomic::write_bytes_atomic(path, &bytes).map_err(|source| TaskError::Io {
            what: format!("writing {} ({key})", path.display()),
            source,
        })?;
        crate::say!("dforce: wrote {} ({key})", path.display());
        Ok(())
    };
    write(
        "dataset.data_mean",
        &files.data_mean,
        npy_f32(&data.stats.mean),
    )?;
    write(
        "dataset.data_std",
        &files.data_std,
        npy_f32(&data.stats.std),
    )?;
    let mut json = serde_json::to_vec_pretty(&data.spec.branch_metadata(freq))
        .map_err(|e| TaskError::Invalid(format!("encoding the metadata: {e}")))?;
    json.push(b'\n');
    write("dataset.metadata", &files.metadata, json)
}

/// `(mean, std)`, each `(D,)`.
pub type MeanStd = (Vec<f32>, Vec<f32>);

/// `dataset.data_mean` / `dataset.data_std` when those files exist (what the branch's model
/// reads, e.g. written by its `save_mean_std_metadata` or by ours): `(D,)` float values that
/// replace the statistics computed from the training range. Absent files keep the computed ones.
///
/// # Errors
/// A file that is not a `(D,)` numeric `.npy`.
pub fn statistics_files(files: &StatisticsFiles, dim: usize) -> Result<Option<MeanStd>, TaskError> {
    let read = |key: &str, path: &std::path::Path| -> Result<Option<Vec<f32>>, TaskError> {
        if !path.is_file() {
            return Ok(None);
        }
        let bytes = std::fs::read(path).map_err(|source| TaskError::Io {
            what: format!("reading {} ({key})", path.display()),
            source,
        })?;
        let array = dforce_io::npz::parse_npy(&bytes)
            .map_err(|e| TaskError::Invalid(format!("{} ({key}): {e}", path.display())))?;
        let values = array.to_f64().ok_or_else(|| {
            TaskError::Invalid(format!("{} ({key}): not a numeric array", path.display()))
        })?;
        // (D,) or (1, …, 1, D): what broadcasts against the branch's (B, T, D) series as a
        // per-series statistic; (D, 1) would broadcast to (B, T, D, D).
        let per_series = array.shape.last() == Some(&dim)
            && array.shape[..array.shape.len() - 1].iter().all(|&n| n == 1);
        if values.len() == dim && !per_series {
            return Err(TaskError::Invalid(format!(
                "{} ({key}) has shape {:?}; a per-series statistic has shape ({dim},) (it is \
                 broadcast against the (batch, time, {dim}) series); save it flattened \
                 (np.save(path, a.reshape(-1)))",
                path.display(),
                array.shape
            )));
        }
        if values.len() != dim {
            return Err(TaskError::Invalid(format!(
                "{} ({key}) holds {} values but the dataset has {dim} series; delete it (it \
                 belongs to another dataset) or point {key} elsewhere",
                path.display(),
                values.len()
            )));
        }
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(TaskError::Invalid(format!(
                "{} ({key}) holds {bad}: statistics must be finite (a NaN in the training range \
                 with reference_compat.nan_statistics=True?); rerun the save_mean_std_metadata \
                 task to rewrite it",
                path.display()
            )));
        }
        if key == "dataset.data_std"
            && let Some((i, bad)) = values.iter().enumerate().find(|(_, v)| **v <= 0.0)
        {
            return Err(TaskError::Invalid(format!(
                "{} ({key}) holds {bad} for series {i}; a standard deviation must be positive \
                 (the series are divided by it; the branch's save_mean_std_metadata writes at \
                 least 1e-7): fix the file or rerun that task to rewrite it",
                path.display()
            )));
        }
        Ok(Some(values.into_iter().map(|v| v as f32).collect()))
    };
    Ok(read("dataset.data_mean", &files.data_mean)?
        .zip(read("dataset.data_std", &files.data_std)?)
        .map(|(mean, std)| {
            // As the branch clamps the standard deviation it computes.
            let std = std.into_iter().map(|s| s.max(1e-7)).collect();
            (mean, std)
        }))
}
