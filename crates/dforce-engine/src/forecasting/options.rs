//! The forecasting settings, read once from the composed config (`algorithm.*` of
//! `configs/algorithm/df_prediction.yaml`, `dataset.*` of `configs/dataset/ts_*.yaml`).
//!
//! Every key of those files is either honoured with the paper branch's meaning or, where
//! dforce does not implement a value, refused with a message naming the key and what works.
//! With `backbone=transformer` the recurrent network's own keys (`z_shape`,
//! `diffusion.network_size`, `num_gru_layers`, `num_mlp_layers`, `chunk_size`, `use_snr`,
//! `use_cum_snr`, `cum_snr_decay`) do not apply: the Transformer's are
//! `algorithm.transformer.*`, and it is trained with v1.5's min-SNR weights.

use std::path::PathBuf;

use dforce_config::Value;
use dforce_core::{BetaSchedule, Objective, SchedulingKind};
use dforce_nn::TransitionMlpConfig;
use dforce_timeseries_data::ForecastSpec;
use dforce_timeseries_data::statistics::NanStatistics;

use super::transition::TransitionDiffusionConfig;
use crate::algorithm::{Stage, TaskError};
use crate::settings::ConfigReader;

/// The network that models the tokens (`algorithm.backbone`).
#[derive(Debug, Clone, PartialEq)]
pub enum Backbone {
    /// The paper branch's recurrent `TransitionMlp` with GRU cells (`algorithm.diffusion.*`).
    Recurrent,
    /// The v1.5 causal Transformer over the whole window (`algorithm.transformer.*`).
    Transformer(TransformerOptions),
}

/// `algorithm.transformer.*`: the v1.5 planning Transformer as a time-series backbone.
#[derive(Debug, Clone, PartialEq)]
pub struct TransformerOptions {
    pub network_size: usize,
    pub num_layers: usize,
    pub attn_heads: usize,
    pub dim_feedforward: usize,
    /// How the horizon is denoised (the v1.5 scheduling matrices).
    pub scheduling: SchedulingKind,
    /// Clean context is fed at this level − 1 (v1.5's `stabilization_level`).
    pub stabilization_level: i64,
}

impl TransformerOptions {
    /// The causal Transformer over tokens of `x_dim` series (no covariates).
    pub fn network(&self, x_dim: usize) -> dforce_nn::TransformerConfig {
        dforce_nn::TransformerConfig {
            x_dim,
            external_cond_dim: 0,
            size: self.network_size,
            num_layers: self.num_layers,
            nhead: self.attn_heads,
            dim_feedforward: self.dim_feedforward,
            causal: true,
        }
    }
}

/// Everything the forecasting algorithm reads from the config.
#[derive(Debug, Clone)]
pub struct ForecastOptions {
    /// The dataset directory in GluonTS's layout (`dataset.save_dir`).
    pub save_dir: PathBuf,
    /// GluonTS's repository name of the dataset (`dataset.gluonts_name`), if it has one.
    pub gluonts_name: Option<String>,
    /// Frequency, windows, lags and time features (`dataset.*`).
    pub spec: ForecastSpec,
    /// `algorithm.z_shape[0]`.
    pub z_dim: usize,
    /// `algorithm.external_cond_dim`: 0, or the covariate width.
    pub external_cond_dim: usize,
    /// `algorithm.chunk_size` (`None` for −1: all remaining tokens).
    pub chunk_size: Option<usize>,
    /// `algorithm.uncertainty_scale`.
    pub uncertainty_scale: f64,
    /// `algorithm.calc_crps_sum`: sample paths per forecast window.
    pub samples: usize,
    /// `algorithm.covariates_leak_free`: forecast-window lags read the sampled path.
    pub leak_free: bool,
    /// `algorithm.reference_compat.crps_replicas`: each window's samples are drawn on
    /// `samples` identical replicas (the branch's `samples²` rows per window).
    pub crps_replicas: bool,
    /// How a missing value in the training range enters the statistics.
    pub nan_statistics: NanStatistics,
    pub network: TransitionMlpConfig,
    pub diffusion: TransitionDiffusionConfig,
    /// Windows forecast together (`experiment.validation.batch_size`).
    pub eval_batch_size: usize,
    /// `experiment.validation.limit_batch` and `experiment.test.limit_batch` (Lightning's
    /// `limit_{val,test}_batches`; see [`ForecastOptions::limit_batch`]).
    pub limit_batch: [crate::settings::BatchLimit; 2],
    /// Training batches per epoch (`experiment.training.batches_per_epoch`, GluonTS's 100).
    pub batches_per_epoch: usize,
    pub backbone: Backbone,
    /// `dataset.data_mean` / `dataset.data_std` / `dataset.metadata`: where the branch's
    /// statistics and derived metadata are read from (when present) and written to.
    pub statistics: StatisticsFiles,
    /// `dataset.freq` as written (pandas' string, for the derived metadata).
    pub freq: String,
}

/// The files of the branch's `save_mean_std_metadata` task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatisticsFiles {
    /// `dataset.data_mean`: `(D,)` float32 `.npy`.
    pub data_mean: PathBuf,
    /// `dataset.data_std`: `(D,)` float32 `.npy`.
    pub data_std: PathBuf,
    /// `dataset.metadata`: the derived metadata JSON.
    pub metadata: PathBuf,
}

fn invalid(key: &str, got: impl std::fmt::Display, what: &str) -> TaskError {
    TaskError::Invalid(format!("{key}={got}: {what}"))
}

/// A size or count of at least `min` ([`ConfigReader::size_at_least`]).
fn int(cfg: &Value, key: &str, min: usize) -> Result<usize, TaskError> {
    Ok(ConfigReader::new(cfg).size_at_least(key, min)?)
}

/// A network size in `[min, MAX_SIZE]` ([`ConfigReader::size_in`]).
fn width(cfg: &Value, key: &str, min: usize) -> Result<usize, TaskError> {
    Ok(ConfigReader::new(cfg).size_in(key, min, crate::networks::MAX_SIZE)?)
}

/// A finite number ([`ConfigReader::finite`]).
fn float(cfg: &Value, key: &str) -> Result<f64, TaskError> {
    Ok(ConfigReader::new(cfg).finite(key)?)
}

fn int_list(cfg: &Value, key: &str) -> Result<Vec<i64>, TaskError> {
    match cfg.get(key)? {
        Value::List(items) => items
            .iter()
            .map(|v| match v {
                Value::Int(i) => Ok(*i),
                other => Err(invalid(
                    key,
                    other.to_yaml().trim_end(),
                    "expected integers",
                )),
            })
            .collect(),
        other => Err(invalid(
            key,
            other.to_yaml().trim_end(),
            "expected a list of integers, e.g. [1,24,168]",
        )),
    }
}

fn str_list(cfg: &Value, key: &str) -> Result<Vec<String>, TaskError> {
    match cfg.get(key)? {
        Value::List(items) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(invalid(key, other.to_yaml().trim_end(), "expected names")),
            })
            .collect(),
        other => Err(invalid(
            key,
            other.to_yaml().trim_end(),
            "expected a list of names, e.g. [hour,dayofweek]",
        )),
    }
}

/// Refuses a key whose value dforce does not implement.
fn only(cfg: &Value, key: &str, allowed: &Value, why: &str) -> Result<(), TaskError> {
    let v = cfg.get(key)?;
    let same = match (v, allowed) {
        (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => (*a as f64) == *b,
        (a, b) => a == b,
    };
    if same {
        Ok(())
    } else {
        Err(invalid(key, v.to_yaml().trim_end(), why))
    }
}

impl ForecastOptions {
    /// The batches of `stage`'s `available` ones that `experiment.<stage>.limit_batch` runs.
    /// dforce scores every window of a split together (its CRPS-sum is over all of them), so
    /// the limit must cover them all (null, 1.0, or a count at least `available`).
    ///
    /// # Errors
    /// A limit that selects some but not all of the batches, or none (0), naming the key.
    pub fn check_limit_batch(&self, stage: Stage, available: usize) -> Result<(), TaskError> {
        let key = format!("experiment.{}.limit_batch", stage.namespace());
        let limit = self.limit_batch[usize::from(stage == Stage::Test)];
        let n = limit.batches(&key, available)?;
        if n < available {
            return Err(TaskError::Invalid(format!(
                "{key} selects {n} of the {available} batches of {} windows; dforce scores every \
                 window of the {} split together (CRPS-sum is over all of them), so it must be \
                 null (all batches){}",
                self.eval_batch_size,
                stage.namespace(),
                if n == 0 {
                    "; to skip this evaluation, leave its task out of experiment.tasks"
                } else {
                    ""
                }
            )));
        }
        Ok(())
    }

    /// Reads and checks the forecasting settings.
    ///
    /// # Errors
    /// The first missing, ill-typed, out-of-range or unsupported value, named by key.
    pub fn from_config(cfg: &Value) -> Result<Self, TaskError> {
        let a = |k: &str| format!("algorithm.{k}");
        let d = |k: &str| format!("algorithm.diffusion.{k}");
        only(
            cfg,
            &a("frame_stack"),
            &Value::Int(1),
            "only 1 is supported (one time step per token, as every time-series config of the paper branch)",
        )?;
        only(
            cfg,
            &a("gt_first_frame"),
            &Value::Float(0.0),
            "only 0.0 is supported (tokens are trained at random levels)",
        )?;
        only(
            cfg,
            &a("gt_cond_prob"),
            &Value::Float(0.0),
            "only 0.0 is supported (teacher forcing is not implemented)",
        )?;
        only(
            cfg,
            &a("learnable_init_z"),
            &Value::Bool(false),
            "only False is supported: the initial latent is zeros, as df_prediction's",
        )?;
        only(
            cfg,
            &d("self_condition"),
            &Value::Bool(false),
            "only False is supported (the branch's MLP self-conditioning concatenates the wrong width)",
        )?;
        only(
            cfg,
            &d("return_all_timesteps"),
            &Value::Bool(false),
            "only False is supported",
        )?;
        match cfg.get(&d("schedule_fn_kwargs"))? {
            Value::Map(m) if m.iter().next().is_none() => {}
            Value::Null => {}
            other => {
                return Err(invalid(
                    &d("schedule_fn_kwargs"),
                    other.to_yaml().trim_end(),
                    "only {} is supported (the branch always passes none)",
                ));
            }
        }
        let backbone = match cfg.get_str(&a("backbone"))? {
            "recurrent" => Backbone::Recurrent,
            "transformer" => {
                let t = |k: &str| format!("algorithm.transformer.{k}");
                let scheduling = SchedulingKind::from_name(cfg.get_str(&t("scheduling_matrix"))?)?;
                Backbone::Transformer(TransformerOptions {
                    network_size: width(cfg, &t("network_size"), 4)?,
                    num_layers: width(cfg, &t("num_layers"), 1)?,
                    attn_heads: width(cfg, &t("attn_heads"), 1)?,
                    dim_feedforward: width(cfg, &t("dim_feedforward"), 1)?,
                    scheduling,
                    stabilization_level: int(cfg, &t("stabilization_level"), 1)? as i64,
                })
            }
            other => {
                return Err(invalid(
                    &a("backbone"),
                    other,
                    "expected recurrent (the paper's TransitionMlp with GRU cells) or transformer \
                     (v1.5's causal Transformer, settings in algorithm.transformer)",
                ));
            }
        };
        let ds = |k: &str| format!("dataset.{k}");
        let lags = int_list(cfg, &ds("lags_seq"))?;
        let features = str_list(cfg, &ds("time_features"))?;
        let feature_refs: Vec<&str> = features.iter().map(String::as_str).collect();
        let int_raw = |k: &str| -> Result<i64, TaskError> {
            match cfg.get(k)? {
                Value::Int(i) => Ok(*i),
                other => Err(invalid(
                    k,
                    other.to_yaml().trim_end(),
                    "expected an integer",
                )),
            }
        };
        let context = int_raw(&a("context_frames"))?;
        let spec = ForecastSpec::new(
            cfg.get_str(&ds("freq"))?,
            int_raw(&ds("prediction_length"))?,
            context,
            &lags,
            &feature_refs,
            int_raw(&ds("target_dim"))?,
            int_raw(&ds("num_test_dates"))?,
        )
        .map_err(|e| TaskError::Invalid(format!("the dataset settings (dataset.*): {e}")))?;
        let z_dim = match cfg.get(&a("z_shape"))? {
            Value::List(l) if l.len() == 1 => width(cfg, &a("z_shape.0"), 1)?,
            other => {
                return Err(invalid(
                    &a("z_shape"),
                    other.to_yaml().trim_end(),
                    "expected one latent size, e.g. [1024]",
                ));
            }
        };
        let external_cond_dim = width(cfg, &a("external_cond_dim"), 0)?;
        let use_covariates = cfg.get_bool(&a("use_covariates"))?;
        if external_cond_dim > 0 && (!use_covariates || external_cond_dim != spec.covariate_dim()) {
            return Err(invalid(
                &a("external_cond_dim"),
                external_cond_dim,
                &format!(
                    "the covariates of this dataset are {} wide (lags other than 1 × series, the \
                     series embedding, 2 × time features); set it to {} with algorithm.use_covariates=True, or to 0 \
                     to ignore them (the branch's default)",
                    spec.covariate_dim(),
                    spec.covariate_dim()
                ),
            ));
        }
        let chunk = match cfg.get(&a("chunk_size"))? {
            Value::Int(-1) => None,
            Value::Int(c) if *c >= 1 => Some(*c as usize),
            other => {
                return Err(invalid(
                    &a("chunk_size"),
                    other.to_yaml().trim_end(),
                    "expected a positive integer, or -1 for all forecast tokens at once",
                ));
            }
        };
        if external_cond_dim > 0 && matches!(backbone, Backbone::Transformer(_)) {
            return Err(invalid(
                &a("external_cond_dim"),
                external_cond_dim,
                "covariates are implemented for backbone=recurrent only (the Transformer denoises \
                 the whole horizon at once, so leak-free lags cannot be fed); set it to 0",
            ));
        }
        let leak_free = cfg.get_bool(&a("covariates_leak_free"))?;
        if leak_free && external_cond_dim > 0 && chunk != Some(1) {
            let shortest = spec.shifted_lags().into_iter().filter(|l| *l > 0).min();
            if let Some(l) = shortest
                && chunk.is_none_or(|c| c > l)
            {
                return Err(invalid(
                    &a("chunk_size"),
                    chunk.map_or(-1, |c| c as i64),
                    &format!(
                        "with covariates_leak_free a chunk may not span the shortest lag ({l} \
                         steps): its lags would read tokens not yet generated; use chunk_size ≤ {l}"
                    ),
                ));
            }
        }
        let uncertainty_scale = ConfigReader::new(cfg).float_in(
            &a("uncertainty_scale"),
            0.0,
            crate::settings::MAX_UNCERTAINTY_SCALE,
            true,
        )?;
        let samples = int(cfg, &a("calc_crps_sum"), 1)?;
        if samples > 100_000 {
            return Err(invalid(
                &a("calc_crps_sum"),
                samples,
                "must be at most 100000 sample paths per window (the branch uses 100)",
            ));
        }
        let schedule = BetaSchedule::from_name(cfg.get_str(&d("beta_schedule"))?)?;
        let objective = Objective::from_name(cfg.get_str(&d("objective"))?)?;
        // At most 2^24, as for the v1.5 algorithms (levels exact in f32).
        let timesteps =
            ConfigReader::new(cfg).int_in(&d("timesteps"), 1, crate::settings::MAX_TIMESTEPS)?
                as usize;
        let sampling_timesteps = int(cfg, &d("sampling_timesteps"), 1)?;
        if sampling_timesteps > timesteps {
            return Err(invalid(
                &d("sampling_timesteps"),
                sampling_timesteps,
                &format!("must not exceed algorithm.diffusion.timesteps ({timesteps})"),
            ));
        }
        let eta = float(cfg, &d("ddim_sampling_eta"))?;
        if !(0.0..=1.0).contains(&eta) {
            return Err(invalid(&d("ddim_sampling_eta"), eta, "must lie in [0, 1]"));
        }
        let decay = float(cfg, &d("cum_snr_decay"))?;
        if !(0.0..=1.0).contains(&decay) {
            return Err(invalid(&d("cum_snr_decay"), decay, "must lie in [0, 1]"));
        }
        let positive_float = |key: String, what: &str| -> Result<f64, TaskError> {
            let v = float(cfg, &key)?;
            if v > 0.0 {
                Ok(v)
            } else {
                Err(invalid(&key, v, what))
            }
        };
        let clip_noise = positive_float(
            d("clip_noise"),
            "must be > 0 (every Gaussian draw is clamped to ±clip_noise)",
        )?;
        let snr_clip = positive_float(
            d("snr_clip"),
            "must be > 0 (it scales every loss weight; 0 would make the loss 0)",
        )?;
        let diffusion = TransitionDiffusionConfig {
            schedule,
            objective,
            timesteps,
            sampling_timesteps,
            eta,
            clip_noise,
            use_snr: cfg.get_bool(&d("use_snr"))?,
            use_cum_snr: cfg.get_bool(&d("use_cum_snr"))?,
            snr_clip,
            cum_snr_decay: decay,
            p2_loss_weight_gamma: float(cfg, &d("p2_loss_weight_gamma"))?,
            p2_loss_weight_k: float(cfg, &d("p2_loss_weight_k"))?,
        };
        let network = TransitionMlpConfig {
            z_dim,
            x_dim: spec.target_dim,
            external_cond_dim,
            network_size: width(cfg, &d("network_size"), 1)?,
            num_gru_layers: width(cfg, &d("num_gru_layers"), 0)?,
            num_mlp_layers: width(cfg, &d("num_mlp_layers"), 0)?,
        };
        let nan_statistics = if cfg.get_bool(&a("reference_compat.nan_statistics"))? {
            NanStatistics::ReferenceNanPropagation
        } else {
            NanStatistics::SkipMissing
        };
        let batches_per_epoch = match cfg.get("experiment.training.batches_per_epoch") {
            Ok(_) => int(cfg, "experiment.training.batches_per_epoch", 1)?,
            Err(_) => 100,
        };
        let r = ConfigReader::new(cfg);
        let path = |key: &str| r.string(key).map(PathBuf::from);
        Ok(Self {
            statistics: StatisticsFiles {
                data_mean: path(&ds("data_mean"))?,
                data_std: path(&ds("data_std"))?,
                metadata: path(&ds("metadata"))?,
            },
            freq: r.string(&ds("freq"))?.to_owned(),
            save_dir: PathBuf::from(r.string(&ds("save_dir"))?),
            gluonts_name: match r.opt_value(&ds("gluonts_name")) {
                None => None,
                Some(_) => Some(r.string(&ds("gluonts_name"))?.to_owned()),
            },
            spec,
            z_dim,
            external_cond_dim,
            chunk_size: chunk,
            uncertainty_scale,
            samples,
            leak_free,
            crps_replicas: cfg.get_bool(&a("reference_compat.crps_replicas"))?,
            nan_statistics,
            network,
            diffusion,
            eval_batch_size: int(cfg, "experiment.validation.batch_size", 1)?,
            limit_batch: [
                crate::settings::BatchLimit::read(
                    &ConfigReader::new(cfg),
                    "experiment.validation.limit_batch",
                )?,
                crate::settings::BatchLimit::read(
                    &ConfigReader::new(cfg),
                    "experiment.test.limit_batch",
                )?,
            ],
            batches_per_epoch,
            backbone,
        })
    }
}
