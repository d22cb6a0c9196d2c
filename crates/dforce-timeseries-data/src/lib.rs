//! Time-series forecasting data for Diffusion Forcing: the GluonTS datasets of the paper
//! (`exchange_rate_nips`, `solar_nips`, `electricity_nips`, `traffic_nips`, `taxi_30min`,
//! `wiki-rolling_nips`) read from GluonTS' on-disk layout, the preprocessing of the reference's
//! `paper` branch (`datasets/timeseries/gluonts_dataset.py` and
//! `DiffusionForcingPrediction.get_observations_from_gluonts_dataset`), CRPS-sum and GluonTS'
//! evaluator metrics, and baselines. No tensor library: flat `f32` slices with documented shapes.
//!
//! # Data flow
//!
//! ```text
//! dir/ (metadata.json, train/, test/)
//!   └─ gluonts_reader::GluonTsDataset::load ── SeriesEntry per JSON line (NaN = missing)
//!        ├─ spec::ForecastSpec::from_dataset   (or ForecastSpec::new from YAML values)
//!        ├─ grouping::group_train ── GroupedSeries (D, T_train), late series padded with own mean
//!        │    ├─ statistics::series_statistics ── SeriesStats (D,) mean / std
//!        │    ├─ sampler::TrainSplitSampler ── split points ─ windows::training_windows
//!        │    └─ sampler::choose_validation_starts ── windows::validation_windows
//!        └─ grouping::group_test ── one GroupedSeries per test date ─ windows::test_windows
//!   WindowBatch (GluonTS NTC batch: past/future target, observed, is_pad, time features)
//!        ├─ covariates::model_view ── observations (B,S,D), covariates (B,S,C), xs (S,B,D)
//!        ├─ baselines::{seasonal_naive, seasonal_climatology} ── samples (S,T,N,D)
//!        └─ WindowBatch::horizon_truth ── truth (T,N,D)
//!   metrics::{crps_quantile_sum, multivariate_evaluate}(samples, truth)
//! ```
//!
//! [`prepared::PreparedData`] bundles grouping, statistics and the three batch kinds.
//!
//! # Modules
//!
//! - [`gluonts_reader`]: `metadata.json` and the `train/` / `test/` JSON-lines files (plain or
//!   gzip), typed errors naming file and 1-based line.
//! - [`frequency`]: pandas frequencies (`T`/`min`, `H`/`h`, `D`, `B`, `W`), period arithmetic,
//!   GluonTS' `get_seasonality`, the branch's default lags and features per frequency.
//! - [`timestamp`]: `start` timestamps, in the forms pandas reads them (zones dropped as
//!   pandas' `Period` drops them).
//! - [`period_label`]: periods printed as pandas prints them (`2021-03-01 05:00`).
//! - [`python_json`]: JSON as Python's `json.loads` reads it (bare `NaN`, `Infinity`), with
//!   line / column and a hint on errors.
//! - [`python_numbers`]: target and `feat_static_cat` values converted as numpy converts them.
//! - [`time_features`]: the branch's Fourier date features (period = observed max + 1).
//! - [`spec`]: [`spec::ForecastSpec`] and the six paper presets.
//! - [`grouping`]: GluonTS' `MultivariateGrouper` for train and test.
//! - [`statistics`]: per-series mean / std; NaN-skipping by default,
//!   [`statistics::NanStatistics::ReferenceNanPropagation`] reproduces the branch.
//! - [`windows`]: training / validation / test windows (GluonTS' `InstanceSplitter`).
//! - [`covariates`]: the model view, and a per-step covariate builder for leak-free lags.
//! - [`sampler`]: seeded training split points and validation starts.
//! - [`metrics`]: the branch's CRPS-sum and GluonTS' `MultivariateEvaluator`.
//! - [`baselines`]: seasonal naive (GluonTS) and a seasonal climatology sampler.
//! - [`numeric`]: numpy's pairwise `f32` summation (the fixtures see its last bit).
//! - [`error`]: the error type, [`error::TsError`].
//!
//! # Where this differs from the branch, on purpose
//!
//! - Statistics skip missing values unless asked for the reference's NaN propagation.
//! - Validation starts and training split points come from an injected [`rand::Rng`] (the branch
//!   uses numpy's global RNG, unseeded for validation).
//! - A series whose values are all missing is refused when read (GluonTS would impute zeros).
//! - `history_length = max(prediction, context) + max lag` (the branch: `prediction + max lag`
//!   with context = prediction, so equal there) so a longer context still has room for its lags.
//! - Everything the branch leaves to a crash (too few samples for `kthvalue`, windows too short
//!   for the lags) is a typed error.
//!
//! Parity: `tests/parity_timeseries.rs` and `tests/parity_crps.rs` compare with the golden data
//! in `tests/fixtures/paper` (GluonTS 0.13.1, pandas 2.0.3, torch), enumerated from its manifest.

pub mod baselines;
pub mod covariates;
pub mod error;
pub mod frequency;
pub mod gluonts_reader;
pub mod grouping;
pub mod metrics;
pub mod numeric;
pub mod period_label;
pub mod prepared;
pub mod python_json;
pub mod python_numbers;
pub mod sampler;
pub mod spec;
pub mod statistics;
pub mod time_features;
pub mod timestamp;
pub mod windows;

pub use error::{EntryProblem, Result, TsError};
pub use prepared::PreparedData;
pub use spec::ForecastSpec;
