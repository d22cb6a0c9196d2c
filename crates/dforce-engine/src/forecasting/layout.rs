//! The forecasting token layout: sizes, normalisation and training batches.
//!
//! A token is one time step of the multivariate series, `x (D,)` with D the number of series
//! (`frame_stack` 1, as every time-series config of the paper branch). Tokens are normalised
//! per series with the training range's mean and standard deviation (`_normalize_x`).

/// Sizes and statistics of the forecasting model.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastLayout {
    /// D: series per token (`x_shape[0]`, the dataset's target dimension).
    pub x_dim: usize,
    /// Latent size (`z_shape[0]`).
    pub z_dim: usize,
    /// Width of the external condition fed to the network (0 = none, the branch's default).
    pub external_cond_dim: usize,
    /// Context tokens fed clean before forecasting (`context_frames`).
    pub context_tokens: usize,
    /// Forecast tokens (`prediction_length`).
    pub prediction_tokens: usize,
    /// `(D,)` per-series mean of the training range (`data_mean`).
    pub mean: Vec<f32>,
    /// `(D,)` per-series standard deviation (`data_std`, ≥ 1e−7).
    pub std: Vec<f32>,
}

impl ForecastLayout {
    /// Tokens per training window and per forecast: context + prediction.
    pub fn total_tokens(&self) -> usize {
        self.context_tokens + self.prediction_tokens
    }
}

/// One training batch, batch-major as the GluonTS loader yields it.
#[derive(Debug, Clone)]
pub struct ForecastBatch {
    /// B.
    pub batch: usize,
    /// `(B, T, D)` raw observations (missing values imputed 0, as GluonTS does).
    pub observations: Vec<f32>,
    /// `(B, T, E)` covariates when the model uses them.
    pub covariates: Option<Vec<f32>>,
}
