//! The whole preprocessing of one dataset in one value ([`PreparedData`]): grouped train and test
//! series and the normalisation statistics, checked against a [`ForecastSpec`], with the three
//! kinds of batches the engine asks for.

use rand::Rng;

use crate::error::{Result, TsError};
use crate::gluonts_reader::GluonTsDataset;
use crate::grouping::{GroupedSeries, group_test, group_train};
use crate::sampler::{TrainSplitSampler, choose_validation_starts};
use crate::spec::ForecastSpec;
use crate::statistics::{NanStatistics, SeriesStats, series_statistics};
use crate::windows::{WindowBatch, test_windows, training_windows, validation_windows};

/// A dataset grouped and normalised for a [`ForecastSpec`].
#[derive(Debug, Clone)]
pub struct PreparedData {
    /// The setup the data was prepared for.
    pub spec: ForecastSpec,
    /// The grouped training series `(D, T_train)`.
    pub train: GroupedSeries,
    /// One grouped series per rolling test date.
    pub test_dates: Vec<GroupedSeries>,
    /// Per-series statistics over `train`.
    pub stats: SeriesStats,
}

impl PreparedData {
    /// Groups `ds` (train: last `target_dim` series, mean-padded; test: `num_test_dates` dates,
    /// 0-padded) and computes the statistics with the given NaN policy.
    ///
    /// # Errors
    /// [`TsError::Spec`] when the dataset's frequency differs from the spec's, when it holds
    /// fewer than `target_dim` series per split or date, or when the training series is too short
    /// for one training window; grouping errors ([`TsError::Grouping`]).
    pub fn new(ds: &GluonTsDataset, spec: ForecastSpec, nan: NanStatistics) -> Result<Self> {
        if ds.freq != spec.freq {
            return Err(TsError::Spec(format!(
                "the dataset's frequency {:?} differs from the spec's {:?}",
                ds.metadata.freq, spec.freq
            )));
        }
        let train = group_train(&ds.train, &ds.freq, spec.target_dim)?;
        let test_dates = group_test(&ds.test, &ds.freq, spec.num_test_dates, spec.target_dim)?;
        if let Some(g) = std::iter::once(&train)
            .chain(&test_dates)
            .find(|g| g.dim != spec.target_dim)
        {
            return Err(TsError::Spec(format!(
                "target_dim {} but the dataset has {} series",
                spec.target_dim, g.dim
            )));
        }
        let prepared = Self {
            stats: series_statistics(&train, nan),
            spec,
            train,
            test_dates,
        };
        if prepared
            .split_sampler()
            .bounds(prepared.train.len)
            .is_none()
        {
            return Err(TsError::Spec(format!(
                "the training series has {} steps, fewer than history {} + prediction {}",
                prepared.train.len, prepared.spec.history_length, prepared.spec.prediction_length
            )));
        }
        Ok(prepared)
    }

    /// The training split-point sampler (`min_past = history`, `min_future = prediction`).
    pub fn split_sampler(&self) -> TrainSplitSampler {
        TrainSplitSampler {
            min_past: self.spec.history_length,
            min_future: self.spec.prediction_length,
        }
    }

    /// `batch_size` training windows at uniform split points, with those points.
    ///
    /// # Errors
    /// As [`training_windows`].
    pub fn training_batch<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        batch_size: usize,
    ) -> Result<(Vec<usize>, WindowBatch)> {
        let sampler = self.split_sampler();
        let idx = (0..batch_size)
            .map(|_| sampler.sample(rng, self.train.len))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                TsError::OutOfRange("the training series is too short for a window".into())
            })?;
        let batch = training_windows(&self.train, &self.spec, &idx)?;
        Ok((idx, batch))
    }

    /// `num_test_dates` validation blocks at seeded start points, with those points.
    ///
    /// # Errors
    /// As [`choose_validation_starts`] and [`validation_windows`].
    pub fn validation_batch<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
    ) -> Result<(Vec<usize>, WindowBatch)> {
        let starts = choose_validation_starts(
            rng,
            self.train.len,
            self.spec.window_length(),
            self.spec.num_test_dates,
        )?;
        let batch = validation_windows(&self.train, &self.spec, &starts)?;
        Ok((starts, batch))
    }

    /// The test windows, one per test date.
    ///
    /// # Errors
    /// As [`test_windows`].
    pub fn test_batch(&self) -> Result<WindowBatch> {
        test_windows(&self.test_dates, &self.spec)
    }
}
