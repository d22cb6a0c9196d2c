//! Evaluation settings of the planner, read from `algorithm.*` and `experiment.<stage>.*`
//! (`validation` or `test`).

use dforce_config::Value;

use super::closed_loop::{MAX_PICTURES, PdUnits};
use crate::SettingsError;
use crate::algorithm::Stage;
use crate::settings::ConfigReader;

#[derive(Debug, Clone, PartialEq)]
pub struct EvalOptions {
    /// Which evaluation: its `experiment.<stage>.*` keys and metric namespace.
    pub stage: Stage,
    /// A registered maze2d id, e.g. `maze2d-medium-v1`.
    pub env_id: String,
    /// Episodes run together (B).
    pub episodes: usize,
    pub seed: u64,
    /// Steps executed between replans.
    pub open_loop_horizon: usize,
    pub guidance_scale: f64,
    /// Per-episode guidance (default) or the reference's batch mean.
    pub guidance_batch: crate::planning::GuidanceBatch,
    pub uncertainty_scale: f64,
    pub scheduling: dforce_core::SchedulingKind,
    pub trapezoid: dforce_core::TrapezoidMode,
    /// Steps per episode; `None` means the model's `episode_len` (the reference). Smaller
    /// values make quick checks; larger ones are refused (the model cannot plan further).
    pub max_steps: Option<usize>,
    pub pd_units: PdUnits,
    /// Draw the start/goal markers (`algorithm.plot_start_goal`).
    pub plot_start_goal: bool,
    /// Episodes that get pictures (at most [`MAX_PICTURES`]); 0 for none.
    pub pictures: usize,
    /// Write the MPC animation of episode 0.
    pub animate: bool,
}

impl EvalOptions {
    /// The plan these settings ask for from `start` to `goal` (raw observations, `(B, obs_dim)`
    /// row-major) over `horizon` frames: scheduling, guidance and compatibility modes.
    pub fn plan_request<'a>(
        &self,
        start: &'a [f32],
        goal: &'a [f32],
        horizon: usize,
    ) -> super::PlanRequest<'a> {
        super::PlanRequest {
            start,
            goal,
            horizon,
            scheduling: self.scheduling,
            trapezoid: self.trapezoid,
            uncertainty_scale: self.uncertainty_scale,
            guidance_scale: self.guidance_scale,
            guidance_batch: self.guidance_batch,
        }
    }

    /// The options the reference's validation uses, from the resolved config: `algorithm.*`
    /// for the planner, `experiment.validation.batch_size` episodes, plus two dforce-only keys
    /// (absent from the reference's yaml, so set them with `+`):
    /// `experiment.validation.max_steps` (shorter episodes) and
    /// `algorithm.reference_compat.pd_controller` (see [`PdUnits::ReferenceDisplacement`]).
    pub fn from_config(cfg: &Value, seed: u64) -> Result<Self, SettingsError> {
        Self::with_diffusion(cfg, seed, &crate::DiffusionSettings::from_config(cfg)?)
    }

    /// As [`Self::from_config`], with the diffusion settings already read (scheduling,
    /// trapezoid mode, uncertainty scale come from them).
    pub fn with_diffusion(
        cfg: &Value,
        seed: u64,
        diffusion: &crate::DiffusionSettings,
    ) -> Result<Self, SettingsError> {
        Self::for_stage(cfg, seed, diffusion, Stage::Validation)
    }

    /// The options of evaluation `stage`: `experiment.<stage>.limit_batch` batches of
    /// `experiment.<stage>.batch_size` episodes (the reference's validation loop runs
    /// `limit_batch` batches, each `batch_size` closed-loop episodes; dforce plans them
    /// together, which gives the same mean), and `experiment.<stage>.max_steps`.
    ///
    /// # Errors
    /// The first missing, ill-typed or out-of-range key; a `limit_batch` that is null (every
    /// batch of the training data, one closed-loop evaluation each) or not a whole number.
    pub fn for_stage(
        cfg: &Value,
        seed: u64,
        diffusion: &crate::DiffusionSettings,
        stage: Stage,
    ) -> Result<Self, SettingsError> {
        let r = ConfigReader::new(cfg);
        let exp = |k: &str| format!("experiment.{}.{k}", stage.namespace());
        let positive = |key: &str| r.positive(key);
        let optional_bool = |key: &str, default: bool| r.opt_boolean(key, default);
        let env_id = r.string("algorithm.env_id")?.to_string();
        if dforce_env::maze2d::lookup(&env_id).is_err() {
            let ids: Vec<&str> = dforce_env::maze2d::SPECS.iter().map(|s| s.id).collect();
            let hint = dforce_config::closest(&env_id, ids.iter().copied())
                .map(|c| format!(". Did you mean '{c}'?"))
                .unwrap_or_default();
            return Err(SettingsError::Choice {
                key: "algorithm.env_id".into(),
                got: env_id,
                choices: ids.join(", "),
                hint,
            });
        }
        let max_steps = match r.opt_value(&exp("max_steps")) {
            None => None,
            Some(_) => Some(positive(&exp("max_steps"))?),
        };
        let guidance_scale = r.finite("algorithm.guidance_scale")?;
        let limit_key = exp("limit_batch");
        let batches = match crate::settings::BatchLimit::read(&r, &limit_key)? {
            crate::settings::BatchLimit::Count(n @ 1..=65_536) => n as usize,
            crate::settings::BatchLimit::Count(0) => {
                return Err(SettingsError::Range {
                    key: limit_key,
                    got: "0".into(),
                    reason: "the planner needs at least one batch of closed-loop episodes; to \
                             skip this evaluation, leave its task out of experiment.tasks (and \
                             set experiment.validation.val_every_n_epoch=null for training)"
                        .into(),
                });
            }
            crate::settings::BatchLimit::Count(n) => {
                return Err(SettingsError::Range {
                    key: limit_key,
                    got: n.to_string(),
                    reason: "at most 65536 batches".into(),
                });
            }
            crate::settings::BatchLimit::Fraction(f) => {
                let got = if cfg.get(&limit_key).is_ok_and(|v| !matches!(v, Value::Null)) {
                    f.to_string()
                } else {
                    "null".into()
                };
                return Err(SettingsError::Range {
                    key: limit_key,
                    got,
                    reason: "the planner runs one closed-loop evaluation per batch, and null or \
                             a fraction would run one for every batch (or that share) of the \
                             training data; give a count (the reference's exp_planning uses 1)"
                        .into(),
                });
            }
        };
        let batch_size = positive(&exp("batch_size"))?;
        let episodes = batch_size
            .checked_mul(batches)
            .filter(|&n| n <= 1 << 20)
            .ok_or_else(|| SettingsError::Range {
                key: format!("{} × {}", exp("batch_size"), exp("limit_batch")),
                got: format!("{batch_size} × {batches}"),
                reason: "at most 2^20 episodes".into(),
            })?;
        Ok(Self {
            stage,
            env_id,
            episodes,
            seed,
            open_loop_horizon: positive("algorithm.open_loop_horizon")?,
            guidance_scale,
            guidance_batch: if optional_bool(
                "algorithm.reference_compat.guidance_batch_mean",
                false,
            )? {
                crate::planning::GuidanceBatch::ReferenceBatchMean
            } else {
                crate::planning::GuidanceBatch::PerEpisode
            },
            uncertainty_scale: diffusion.uncertainty_scale,
            scheduling: diffusion.scheduling,
            trapezoid: diffusion.trapezoid,
            max_steps,
            pd_units: if optional_bool("algorithm.reference_compat.pd_controller", false)? {
                PdUnits::ReferenceDisplacement
            } else {
                PdUnits::Velocity
            },
            plot_start_goal: optional_bool("algorithm.plot_start_goal", true)?,
            pictures: episodes.min(MAX_PICTURES),
            animate: true,
        })
    }

    /// The reference's namespace: the stage's (`validation` or `test`), with
    /// `_no_guidance_random_walk` appended when guidance is off.
    pub fn namespace(&self) -> String {
        let stage = self.stage.namespace();
        if self.guidance_scale == 0.0 {
            format!("{stage}_no_guidance_random_walk")
        } else {
            stage.into()
        }
    }
}
