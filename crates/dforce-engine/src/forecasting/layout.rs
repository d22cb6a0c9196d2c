//! The forecasting token layout: sizes, normalisation and training batches.
//!
//! A token is one time step of the multivariate series, `x (D,)` with D the number of series
//! (`frame_stack` 1, as every time-series config of the paper branch). Tokens are normalised
//! per series with the training range's mean and standard deviation (`_normalize_x`).

use burn::tensor::{Device, Tensor, TensorData};

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

    /// `(B, T, D)` raw observations → `(T, B, D)` normalised tokens.
    pub fn normalized_tokens(
        &self,
        observations: &[f32],
        batch: usize,
        device: &Device,
    ) -> Tensor<3> {
        let d = self.x_dim;
        let t_len = observations.len() / (batch * d).max(1);
        let mut out = vec![0f32; observations.len()];
        for b in 0..batch {
            for t in 0..t_len {
                for c in 0..d {
                    let v = observations[(b * t_len + t) * d + c];
                    out[(t * batch + b) * d + c] = (v - self.mean[c]) / self.std[c];
                }
            }
        }
        Tensor::from_data(TensorData::new(out, [t_len, batch, d]), device)
    }

    /// `(B, T, E)` covariates → one `(B, E)` condition per token, token 0's zeroed
    /// (`_preprocess_batch`).
    pub fn token_conditions(
        &self,
        covariates: &[f32],
        batch: usize,
        device: &Device,
    ) -> Vec<Tensor<2>> {
        let e = self.external_cond_dim;
        let t_len = covariates.len() / (batch * e).max(1);
        (0..t_len)
            .map(|t| {
                let mut v = vec![0f32; batch * e];
                if t > 0 {
                    for b in 0..batch {
                        let src = (b * t_len + t) * e;
                        v[b * e..(b + 1) * e].copy_from_slice(&covariates[src..src + e]);
                    }
                }
                Tensor::from_data(TensorData::new(v, [batch, e]), device)
            })
            .collect()
    }
}

/// Takes `data_mean`, `data_std` and `embed.weight` from a checkpoint when it has them (each
/// `(D,)`), into the layout's statistics and `embed`.
///
/// # Errors
/// A tensor of another length than the dataset's series count.
pub fn load_statistics(
    sd: &dforce_nn::StateDict,
    layout: &mut ForecastLayout,
    embed: &mut Vec<f32>,
) -> Result<(), crate::trainer::TrainError> {
    let d = layout.x_dim;
    for (name, target) in [
        ("data_mean", &mut layout.mean),
        ("data_std", &mut layout.std),
        ("embed.weight", embed),
    ] {
        if let Some(t) = sd.tensors.get(name) {
            if t.data.len() != d {
                return Err(crate::trainer::TrainError::Invalid(format!(
                    "{}: '{name}' has {} values but the dataset has {d} series",
                    sd.path.display(),
                    t.data.len()
                )));
            }
            target.clone_from(&t.data);
        }
    }
    Ok(())
}

/// Inserts `data_mean`, `data_std` (`(D,)`) and `embed.weight` (`(D, 1)`) into a state dict,
/// the counterpart of [`load_statistics`].
pub fn insert_statistics(
    t: &mut std::collections::BTreeMap<String, dforce_nn::HostTensor>,
    layout: &ForecastLayout,
    embed: &[f32],
) {
    let d = layout.x_dim;
    let host = |shape: Vec<usize>, data: &[f32]| dforce_nn::HostTensor {
        shape,
        data: data.to_vec(),
    };
    t.insert("data_mean".into(), host(vec![d], &layout.mean));
    t.insert("data_std".into(), host(vec![d], &layout.std));
    t.insert("embed.weight".into(), host(vec![d, 1], embed));
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
