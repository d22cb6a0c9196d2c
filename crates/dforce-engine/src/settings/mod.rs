//! Typed settings read from a resolved job config.
//!
//! Hydra itself has no schema for the reference's configs, so `seed=1e` composes happily; here
//! each value is checked once, and an error names the key, what it holds, what it should hold
//! and, for a misspelled choice, the closest valid one.

use dforce_config::Value;
use dforce_core::{BetaSchedule, DiffusionConfig, Objective, SchedulingKind, TrapezoidMode};
use thiserror::Error;

mod batch_limit;
mod reader;

/// The most diffusion steps accepted (`algorithm.diffusion.timesteps`): 2^24, the largest count
/// whose levels are all exact in `f32`.
pub const MAX_TIMESTEPS: i64 = 1 << 24;

/// The largest `algorithm.uncertainty_scale` accepted (the reference's configs use 1 to 10; the
/// pyramid's lag grows with it, and its matrix is bounded anyway).
pub const MAX_UNCERTAINTY_SCALE: f64 = 1e6;

pub use batch_limit::BatchLimit;
pub use reader::ConfigReader;
use reader::choice_error;
pub(crate) use reader::describe;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum SettingsError {
    #[error("'{key}' is {got}; expected {expected}")]
    Type {
        key: String,
        got: String,
        expected: String,
    },
    #[error("'{key}' is {got}; {reason}")]
    Range {
        key: String,
        got: String,
        reason: String,
    },
    #[error("'{key}' is '{got}', which is not one of: {choices}{hint}")]
    Choice {
        key: String,
        got: String,
        choices: String,
        hint: String,
    },
    #[error("'{key}' is missing from the config; {hint}")]
    Missing { key: String, hint: String },
}

/// The tasks of an experiment, in the reference's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    Training,
    Validation,
    Test,
    /// The paper branch's first time-series task: write `dataset.data_mean`,
    /// `dataset.data_std` (`.npy`) and `dataset.metadata` (JSON).
    SaveMeanStdMetadata,
}

impl Task {
    pub const NAMES: [&'static str; 4] =
        ["training", "validation", "test", "save_mean_std_metadata"];

    pub fn name(&self) -> &'static str {
        Self::NAMES[*self as usize]
    }
}

/// `algorithm.diffusion` plus the algorithm keys that shape it.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffusionSettings {
    pub diffusion: DiffusionConfig,
    pub scheduling: SchedulingKind,
    /// `algorithm.reference_compat.trapezoid`: the reference's even-horizon trapezoid.
    pub trapezoid: TrapezoidMode,
    pub uncertainty_scale: f64,
    pub frame_stack: usize,
    pub frame_skip: usize,
}

/// `experiment.training` plus the optimiser keys of the algorithm.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingSettings {
    pub lr: f64,
    pub batch_size: usize,
    /// `None` for −1 / null (no limit).
    pub max_epochs: Option<u64>,
    pub max_steps: Option<u64>,
    pub max_time: Option<std::time::Duration>,
    pub accumulate_grad_batches: usize,
    /// 0 disables clipping.
    pub gradient_clip_val: f64,
    pub ckpt_every_n_train_steps: Option<u64>,
    pub ckpt_every_n_epochs: Option<u64>,
    pub ckpt_train_time_interval: Option<std::time::Duration>,
    pub num_workers: usize,
    pub shuffle: bool,
    pub weight_decay: f64,
    pub warmup_steps: u64,
    pub betas: (f64, f64),
    /// `val_check_interval`: every N steps, or a fraction of each epoch; `None`: never
    /// (by steps).
    pub val_every_n_step: Option<BatchLimit>,
    pub val_every_n_epoch: Option<u64>,
    pub debug: bool,
    /// `algorithm.reference_compat.warmup`: the reference's warm-up (see the trainer).
    pub reference_warmup: bool,
}

/// Everything a run needs to know before it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSettings {
    pub seed: u64,
    pub tasks: Vec<Task>,
    /// `experiment.training` and the optimiser keys, read once for every task (training reads
    /// them all; video's input checks and forecasting's batch size read them too).
    pub training: TrainingSettings,
}

impl DiffusionSettings {
    pub fn from_config(cfg: &Value) -> Result<Self, SettingsError> {
        let r = ConfigReader::new(cfg);
        let d = |k: &str| format!("algorithm.diffusion.{k}");
        // Invariant: `r.choice` returns one of the listed names, each accepted by from_name.
        let objective =
            Objective::from_name(&r.choice(&d("objective"), &["pred_noise", "pred_x0", "pred_v"])?)
                .expect("validated choice");
        let schedule_name = r.choice(&d("beta_schedule"), &["linear", "cosine", "sigmoid"])?;
        let beta_schedule = schedule_with_kwargs(&r, &schedule_name)?;
        // At most 2^24: every level is then exact in f32 (the reference's level grid is f32).
        let timesteps = r.int_in(&d("timesteps"), 1, MAX_TIMESTEPS)?;
        let sampling_timesteps = r.int_at_least(&d("sampling_timesteps"), 1)?;
        if sampling_timesteps > timesteps {
            return Err(SettingsError::Range {
                key: d("sampling_timesteps"),
                got: sampling_timesteps.to_string(),
                reason: format!("it must not exceed algorithm.diffusion.timesteps ({timesteps})"),
            });
        }
        let stabilization_level = r.int_at_least(&d("stabilization_level"), 1)?;
        if stabilization_level > timesteps {
            return Err(SettingsError::Range {
                key: d("stabilization_level"),
                got: stabilization_level.to_string(),
                reason: format!("it must not exceed algorithm.diffusion.timesteps ({timesteps})"),
            });
        }
        let frame_stack = r.int_at_least("algorithm.frame_stack", 1)? as usize;
        let frame_skip = r.int_at_least("algorithm.frame_skip", 1)? as usize;
        // One token spans frame_stack·frame_skip raw frames; a product past any video length
        // (or past usize) is a typo, refused with both keys.
        let stack_skip = frame_stack
            .checked_mul(frame_skip)
            .filter(|&n| n <= 1 << 20)
            .ok_or_else(|| SettingsError::Range {
                key: "algorithm.frame_stack × algorithm.frame_skip".into(),
                got: format!("{frame_stack} × {frame_skip}"),
                reason: "one token would span more than 2^20 frames; use small values (the \
                         reference's configs use 1–10 and 1–2)"
                    .into(),
            })?;
        // The reference's `_generate_noise_levels` implements `random_all` only (any other
        // value leaves its noise levels unbound and crashes); refused here instead.
        r.opt_choice("algorithm.noise_level", &["random_all"], "random_all")?;
        let decay = r.float_in(&d("cum_snr_decay"), 0.0, 1.0, false)?;
        let diffusion = DiffusionConfig {
            objective,
            beta_schedule,
            timesteps: timesteps as usize,
            sampling_timesteps: sampling_timesteps as usize,
            ddim_sampling_eta: r.float_in(&d("ddim_sampling_eta"), 0.0, 1.0, true)?,
            stabilization_level,
            clip_noise: r.float_in(&d("clip_noise"), 0.0, f64::INFINITY, false)?,
            snr_clip: r.float_in(&d("snr_clip"), 0.0, f64::INFINITY, false)?,
            // The reference raises the decay to frame_stack·frame_skip (in place); we derive it.
            fused_snr_decay: r
                .boolean(&d("use_fused_snr"))?
                .then(|| decay.powi(i32::try_from(stack_skip).unwrap_or(i32::MAX))),
        };
        // Invariant: `r.choice` returns one of the 4 listed names, each accepted by from_name.
        let scheduling = SchedulingKind::from_name(&r.choice(
            "algorithm.scheduling_matrix",
            &["autoregressive", "pyramid", "full_sequence", "trapezoid"],
        )?)
        .expect("validated choice");
        let uncertainty_scale = r.float_in(
            "algorithm.uncertainty_scale",
            0.0,
            MAX_UNCERTAINTY_SCALE,
            true,
        )?;
        let trapezoid = if r.boolean("algorithm.reference_compat.trapezoid")? {
            TrapezoidMode::Reference
        } else {
            TrapezoidMode::Correct
        };
        Ok(Self {
            diffusion,
            scheduling,
            trapezoid,
            uncertainty_scale,
            frame_stack,
            frame_skip,
        })
    }
}

/// The schedule with `diffusion.schedule_fn_kwargs` applied (only the keys its function takes).
fn schedule_with_kwargs(r: &ConfigReader, name: &str) -> Result<BetaSchedule, SettingsError> {
    let key = "algorithm.diffusion.schedule_fn_kwargs";
    // Invariant: the only caller passes `r.choice` of linear/cosine/sigmoid, all accepted here.
    let mut schedule = BetaSchedule::from_name(name).expect("validated choice");
    let Ok(Value::Map(kwargs)) = r.value(key) else {
        return Ok(schedule);
    };
    for (k, _) in kwargs.iter() {
        let full = format!("{key}.{k}");
        let allowed: &[&str] = match schedule {
            BetaSchedule::Linear => &[],
            BetaSchedule::Cosine { .. } => &["s"],
            BetaSchedule::Sigmoid { .. } => &["start", "end", "tau", "clamp_min"],
        };
        if !allowed.contains(&k) {
            return Err(choice_error(&full, k, allowed));
        }
        let v = r.float(&full)?;
        match (&mut schedule, k) {
            (BetaSchedule::Cosine { s }, "s") => *s = v,
            (BetaSchedule::Sigmoid { start, .. }, "start") => *start = v,
            (BetaSchedule::Sigmoid { end, .. }, "end") => *end = v,
            (BetaSchedule::Sigmoid { tau, .. }, "tau") => *tau = v,
            // `clamp_min` is accepted but unused, as in the reference.
            _ => {}
        }
    }
    Ok(schedule)
}

impl ConfigReader<'_> {
    /// A positive integer, or `None` for null / −1 / 0 ("no limit", as Lightning reads them).
    /// A cadence (every N steps or epochs): null, 0 or negative disables it.
    fn opt_cadence(&self, key: &str) -> Result<Option<u64>, SettingsError> {
        self.refuse_negative_cadence(key)?;
        Ok(self.opt_limit(key)?.filter(|&n| n > 0))
    }

    /// Lightning's ModelCheckpoint and Trainer refuse negative cadences.
    fn refuse_negative_cadence(&self, key: &str) -> Result<(), SettingsError> {
        if let Value::Int(i) = self.value(key)?
            && *i < 0
        {
            return Err(SettingsError::Range {
                key: key.into(),
                got: i.to_string(),
                reason: "it must be null, 0 (never) or a positive count; Lightning refuses \
                         negative values"
                    .into(),
            });
        }
        Ok(())
    }

    /// Lightning's `val_check_interval`: null (validate by epoch only), `0` (never), a count of
    /// steps, or a float fraction of an epoch (`_determine_batch_limits`).
    fn val_check_interval(&self, key: &str) -> Result<Option<BatchLimit>, SettingsError> {
        if self.opt_value(key).is_none() {
            return Ok(None);
        }
        self.refuse_negative_cadence(key)?;
        Ok(match BatchLimit::read(self, key)? {
            BatchLimit::Count(0) => None,
            limit => Some(limit),
        })
    }

    /// A training limit (`max_steps`, `max_epochs`).
    fn opt_limit(&self, key: &str) -> Result<Option<u64>, SettingsError> {
        match self.value(key)? {
            // Lightning: −1 or null means no limit; 0 trains nothing; below −1 it refuses.
            Value::Null => Ok(None),
            Value::Int(-1) => Ok(None),
            Value::Int(i) if *i < 0 => Err(SettingsError::Range {
                key: key.into(),
                got: i.to_string(),
                reason: "it must be -1 or null (no limit) or at least 0; Lightning refuses \
                         other negative values"
                    .into(),
            }),
            Value::Int(i) => Ok(Some(*i as u64)),
            other => Err(SettingsError::Type {
                key: key.into(),
                got: describe(other),
                expected: "an integer (−1 or null for no limit)".into(),
            }),
        }
    }

    /// Lightning's time spans: null, `"DD:HH:MM:SS"`, or `{days, hours, minutes, seconds}`.
    fn opt_duration(&self, key: &str) -> Result<Option<std::time::Duration>, SettingsError> {
        let bad = |got: String| SettingsError::Type {
            key: key.into(),
            got,
            expected: "null, \"DD:HH:MM:SS\" or {days: D, hours: H, minutes: M, seconds: S}".into(),
        };
        match self.value(key)? {
            Value::Null => Ok(None),
            Value::String(s) => {
                let parts: Vec<u64> = s
                    .split(':')
                    .map(|p| p.trim().parse())
                    .collect::<Result<_, _>>()
                    .map_err(|_| bad(format!("'{s}'")))?;
                let [d, h, m, sec] = parts.as_slice() else {
                    return Err(bad(format!("'{s}'")));
                };
                let secs = d
                    .checked_mul(24)
                    .and_then(|x| x.checked_add(*h))
                    .and_then(|x| x.checked_mul(60))
                    .and_then(|x| x.checked_add(*m))
                    .and_then(|x| x.checked_mul(60))
                    .and_then(|x| x.checked_add(*sec))
                    .ok_or_else(|| bad(format!("'{s}' (too long)")))?;
                Ok(Some(std::time::Duration::from_secs(secs)))
            }
            Value::Map(m) => {
                let mut secs = 0.0;
                for (k, _) in m.iter() {
                    let unit = match k {
                        "days" => 86400.0,
                        "hours" => 3600.0,
                        "minutes" => 60.0,
                        "seconds" => 1.0,
                        other => {
                            return Err(choice_error(
                                &format!("{key}.{other}"),
                                other,
                                &["days", "hours", "minutes", "seconds"],
                            ));
                        }
                    };
                    secs += unit * self.float(&format!("{key}.{k}"))?;
                }
                std::time::Duration::try_from_secs_f64(secs)
                    .map(Some)
                    .map_err(|_| SettingsError::Range {
                        key: key.into(),
                        got: format!("{secs} s"),
                        reason: "it must be a finite duration of at least 0 seconds".into(),
                    })
            }
            other => Err(bad(describe(other))),
        }
    }
}

impl TrainingSettings {
    pub fn from_config(cfg: &Value) -> Result<Self, SettingsError> {
        let r = ConfigReader::new(cfg);
        let t = |k: &str| format!("experiment.training.{k}");
        let betas = match r.value("algorithm.optimizer_beta")? {
            Value::List(l) if l.len() == 2 => (
                // torch's AdamW: `0.0 <= beta < 1.0` (β = 1 never forgets, and Adam's bias
                // correction divides by 1 − β^t = 0).
                r.float_below("algorithm.optimizer_beta.0", 0.0, 1.0)?,
                r.float_below("algorithm.optimizer_beta.1", 0.0, 1.0)?,
            ),
            other => {
                return Err(SettingsError::Type {
                    key: "algorithm.optimizer_beta".into(),
                    got: describe(other),
                    expected: "two numbers, e.g. [0.9,0.999]".into(),
                });
            }
        };
        // The optimiser's rate is `algorithm.lr` (the reference's `configure_optimizers`); the
        // v1.5 configs interpolate it from `experiment.training.lr`, the paper branch's
        // `df_prediction` sets its own.
        let lr_key = if r.value("algorithm.lr").is_ok() {
            "algorithm.lr".to_string()
        } else {
            t("lr")
        };
        Ok(Self {
            // torch's optimisers accept any `lr >= 0` (0 trains nothing, as torch does).
            lr: r.float_in(&lr_key, 0.0, f64::INFINITY, true)?,
            batch_size: r.positive(&t("batch_size"))?,
            max_epochs: r.opt_limit(&t("max_epochs"))?,
            max_steps: r.opt_limit(&t("max_steps"))?,
            max_time: r.opt_duration(&t("max_time"))?,
            accumulate_grad_batches: r.positive(&t("optim.accumulate_grad_batches"))?,
            gradient_clip_val: r.float_in(
                &t("optim.gradient_clip_val"),
                0.0,
                f64::INFINITY,
                true,
            )?,
            ckpt_every_n_train_steps: r.opt_cadence(&t("checkpointing.every_n_train_steps"))?,
            ckpt_every_n_epochs: r.opt_cadence(&t("checkpointing.every_n_epochs"))?,
            ckpt_train_time_interval: r.opt_duration(&t("checkpointing.train_time_interval"))?,
            num_workers: r.size_at_least(&t("data.num_workers"), 0)?,
            shuffle: r.boolean(&t("data.shuffle"))?,
            weight_decay: r.float_in("algorithm.weight_decay", 0.0, f64::INFINITY, true)?,
            warmup_steps: r.int_at_least("algorithm.warmup_steps", 0)? as u64,
            betas,
            val_every_n_step: r.val_check_interval("experiment.validation.val_every_n_step")?,
            val_every_n_epoch: r.opt_cadence("experiment.validation.val_every_n_epoch")?,
            debug: r.boolean("debug")?,
            reference_warmup: r.boolean("algorithm.reference_compat.warmup")?,
        })
    }
}

impl RunSettings {
    pub fn from_config(cfg: &Value) -> Result<Self, SettingsError> {
        let r = ConfigReader::new(cfg);
        let seed = r.int_at_least("seed", 0)? as u64;
        let tasks = match r.value("experiment.tasks")? {
            Value::List(items) => items
                .iter()
                .map(|t| match t {
                    Value::String(s) => match Task::NAMES.iter().position(|n| n == s) {
                        Some(0) => Ok(Task::Training),
                        Some(1) => Ok(Task::Validation),
                        Some(2) => Ok(Task::Test),
                        Some(_) => Ok(Task::SaveMeanStdMetadata),
                        None => Err(choice_error("experiment.tasks", s, &Task::NAMES)),
                    },
                    other => Err(SettingsError::Type {
                        key: "experiment.tasks".into(),
                        got: describe(other),
                        expected: "task names, e.g. [training,validation]".into(),
                    }),
                })
                .collect::<Result<Vec<_>, _>>()?,
            other => {
                return Err(SettingsError::Type {
                    key: "experiment.tasks".into(),
                    got: describe(other),
                    expected: "a list of task names, e.g. [training,validation]".into(),
                });
            }
        };
        r.int_at_least("experiment.validation.batch_size", 1)?;
        Ok(Self {
            seed,
            tasks,
            training: TrainingSettings::from_config(cfg)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dforce_config::compose;
    use std::path::Path;

    fn settings(overrides: &[&str]) -> Result<RunSettings, SettingsError> {
        RunSettings::from_config(&job(overrides))
    }

    pub(super) fn job(overrides: &[&str]) -> Value {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
        let args: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
        compose(&dir, &args).unwrap().job.resolved().unwrap()
    }

    /// Values Lightning and torch accept: `val_check_interval` as a fraction of an epoch, a
    /// whole float as a count, and a learning rate of 0.
    #[test]
    fn lightning_fractions_and_a_zero_rate_are_accepted() {
        let t = |o: &str| TrainingSettings::from_config(&job(&["+name=x", o])).unwrap();
        let key = "experiment.validation.val_every_n_step";
        assert_eq!(
            t(&format!("{key}=0.5")).val_every_n_step,
            Some(BatchLimit::Fraction(0.5))
        );
        assert_eq!(
            t(&format!("{key}=3.0")).val_every_n_step,
            Some(BatchLimit::Count(3))
        );
        assert_eq!(t(&format!("{key}=0")).val_every_n_step, None);
        assert_eq!(t(&format!("{key}=null")).val_every_n_step, None);
        assert_eq!(t("experiment.training.lr=0").lr, 0.0);
        let err = TrainingSettings::from_config(&job(&["+name=x", &format!("{key}=1.5")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains(key) && err.contains("[0.0, 1.0]"), "{err}");
    }

    #[test]
    fn durations_out_of_range_are_refused_by_key() {
        let ok = TrainingSettings::from_config(&job(&[
            "+name=x",
            "experiment.training.max_time={days:1,hours:2}",
        ]))
        .unwrap();
        assert_eq!(ok.max_time, Some(std::time::Duration::from_secs(93_600)));
        for bad in [
            "experiment.training.max_time={days:-1}",
            "experiment.training.max_time={seconds:1e300}",
            "experiment.training.max_time=999999999999999999:00:00:00",
            "experiment.training.checkpointing.train_time_interval={hours:-2}",
        ] {
            let err = TrainingSettings::from_config(&job(&["+name=x", bad]))
                .unwrap_err()
                .to_string();
            let key = bad.split('=').next().unwrap();
            assert!(err.contains(key), "{bad}: {err}");
        }
        let err = DiffusionSettings::from_config(&job(&[
            "+name=x",
            "algorithm.frame_stack=4294967296",
            "algorithm.frame_skip=4294967296",
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("algorithm.frame_stack × algorithm.frame_skip"),
            "{err}"
        );
    }

    #[test]
    fn defaults_are_valid_and_the_fused_decay_is_derived() {
        let s = settings(&["+name=x"]).unwrap();
        assert_eq!(s.seed, 0);
        assert_eq!(s.tasks, vec![Task::Training]);
        // Video: 0.96^(frame_stack 1 · frame_skip 2).
        let v = DiffusionSettings::from_config(&job(&["+name=x"])).unwrap();
        let d = v.diffusion.fused_snr_decay.unwrap();
        assert!((d - 0.9216).abs() < 1e-12);
        let p = DiffusionSettings::from_config(&job(&[
            "experiment=exp_planning",
            "algorithm=df_planning",
            "dataset=maze2d_medium",
            "+name=x",
        ]))
        .unwrap();
        assert_eq!(p.diffusion.fused_snr_decay, None);
        assert_eq!(p.scheduling, SchedulingKind::Pyramid);
    }

    #[test]
    fn limits_follow_lightning_zero_trains_nothing_and_minus_one_is_unbounded() {
        let t = |o: &[&str]| {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
            let args: Vec<String> = o.iter().map(|s| s.to_string()).collect();
            let cfg = compose(&dir, &args).unwrap().job.resolved().unwrap();
            TrainingSettings::from_config(&cfg).unwrap()
        };
        let zero = t(&[
            "experiment.training.max_steps=0",
            "experiment.training.max_epochs=0",
        ]);
        assert_eq!((zero.max_steps, zero.max_epochs), (Some(0), Some(0)));
        let unbounded = t(&[
            "experiment.training.max_steps=-1",
            "experiment.training.max_epochs=null",
        ]);
        assert_eq!((unbounded.max_steps, unbounded.max_epochs), (None, None));
        // Cadences of 0 switch the cadence off.
        let off = t(&["experiment.training.checkpointing.every_n_train_steps=0"]);
        assert_eq!(off.ckpt_every_n_train_steps, None);
    }

    #[test]
    fn sizes_out_of_range_are_refused_by_key_never_clamped() {
        let planning = |extra: &str| {
            job(&[
                "experiment=exp_planning",
                "algorithm=df_planning",
                "dataset=maze2d_medium",
                "+name=x",
                extra,
            ])
        };
        let err =
            crate::planning::PlanningLayout::from_config(&planning("algorithm.frame_stack=-2"))
                .unwrap_err()
                .to_string();
        assert!(
            err.contains("algorithm.frame_stack") && err.contains("-2"),
            "{err}"
        );
        let cfg = planning("algorithm.external_cond_dim=-1");
        let layout = crate::planning::PlanningLayout::from_config(&cfg).unwrap();
        let err = crate::networks::planning_transformer(&cfg, &layout)
            .unwrap_err()
            .to_string();
        assert!(err.contains("algorithm.external_cond_dim"), "{err}");
    }

    #[test]
    fn ill_typed_values_name_key_and_fix() {
        let cases = [
            (
                &["seed=1e"][..],
                "'seed' is the string '1e'; expected an integer",
            ),
            (&["experiment.tasks=[trainng]"], "Did you mean 'training'?"),
            (
                &["algorithm.diffusion.objective=pred_eps"],
                "pred_noise, pred_x0, pred_v",
            ),
            (
                &["algorithm.scheduling_matrix=pyramidal"],
                "Did you mean 'pyramid'?",
            ),
            (
                &["algorithm.diffusion.beta_schedule=cosin"],
                "Did you mean 'cosine'?",
            ),
            (
                &["experiment.training.batch_size=abc"],
                "expected an integer",
            ),
            (
                &["algorithm.diffusion.sampling_timesteps=2000"],
                "must not exceed",
            ),
            (
                &["algorithm.diffusion.ddim_sampling_eta=2"],
                "must lie in [0, 1]",
            ),
            (&["experiment.training.lr=-1"], "must lie in [0"),
            (
                &["experiment.training.batch_size=100000000000000000000000"],
                "is 100000000000000000000000; it is outside the 64-bit range",
            ),
            // Containers are shown on one line.
            (&["experiment.training.batch_size=[1,2]"], "is list ([1,2])"),
            (
                &["algorithm.optimizer_beta=[1.0,0.999]"],
                "'algorithm.optimizer_beta.0' is 1; it must lie in [0, 1)",
            ),
            (
                &["algorithm.optimizer_beta=[0.9,1.0]"],
                "'algorithm.optimizer_beta.1' is 1; it must lie in [0, 1)",
            ),
            (&["experiment.training.max_steps=-2"], "Lightning refuses"),
            (&["experiment.training.max_epochs=-2"], "Lightning refuses"),
            (
                &["experiment.training.checkpointing.every_n_train_steps=-1"],
                "Lightning refuses negative",
            ),
            (
                &["experiment.validation.val_every_n_step=-5"],
                "Lightning refuses negative",
            ),
        ];
        for (overrides, expected) in cases {
            let mut args = vec!["+name=x"];
            args.extend_from_slice(overrides);
            let msg = settings(&args)
                .and_then(|_| DiffusionSettings::from_config(&job(&args)).map(drop))
                .unwrap_err()
                .to_string();
            assert!(msg.contains(expected), "{overrides:?}: {msg}");
            assert!(!msg.contains('\n'), "one line: {msg}");
        }
    }
}

#[cfg(test)]
mod algorithm_key_tests {
    use super::tests::job;
    use crate::planning::PlanningLayout;

    /// Keys that used to fall back to a default on a value of the wrong type (`causal`,
    /// `use_reward`, `padding_mode`, `frame_norm`) are refused by key, like every other.
    #[test]
    fn algorithm_keys_of_the_wrong_type_are_refused_not_defaulted() {
        let planning = [
            "experiment=exp_planning",
            "algorithm=df_planning",
            "dataset=maze2d_medium",
        ];
        let cases: &[(&str, &str)] = &[
            (
                "algorithm.causal=maybe",
                "'algorithm.causal' is the string 'maybe'; expected true or false",
            ),
            (
                "algorithm.use_reward=1",
                "'algorithm.use_reward' is int (1); expected true or false",
            ),
            ("algorithm.padding_mode=sme", "Did you mean 'same'?"),
            (
                "algorithm.observation_mean=[1,x]",
                "'algorithm.observation_mean.1' is the string 'x'",
            ),
            (
                "algorithm.frame_stack=0",
                "'algorithm.frame_stack' is 0; it must be a positive integer",
            ),
            (
                "dataset.observation_std=[1,0,1,1]",
                "'algorithm.observation_std.1' is 0; a standard deviation must be > 0",
            ),
            (
                "dataset.action_std=[1,-1]",
                "'algorithm.action_std.1' is -1",
            ),
        ];
        for (o, expected) in cases {
            let mut args = planning.to_vec();
            args.push(o);
            let err = PlanningLayout::from_config(&job(&args))
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{o}: {err}");
        }
        let ok = PlanningLayout::from_config(&job(&planning)).unwrap();
        assert!(!ok.causal);

        // Sizes without an upper bound used to reach allocations and overflowing products.
        for (o, expected) in [
            (
                "algorithm.diffusion.timesteps=100000000",
                "it must lie in [1, 16777216]",
            ),
            (
                "algorithm.uncertainty_scale=1e30",
                "it must lie in [0, 1000000]",
            ),
        ] {
            let mut args = planning.to_vec();
            args.push(o);
            let err = super::DiffusionSettings::from_config(&job(&args))
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{o}: {err}");
        }
        let mut args = planning.to_vec();
        args.push("algorithm.diffusion.architecture.network_size=4294967296");
        let cfg = job(&args);
        let layout = PlanningLayout::from_config(&cfg).unwrap();
        let err = crate::networks::planning_transformer(&cfg, &layout)
            .unwrap_err()
            .to_string();
        assert!(err.contains("it must be at most 65536"), "{err}");

        let video = [
            "experiment=exp_video",
            "algorithm=df_video",
            "dataset=video_maze3d",
        ];
        for (o, expected) in [
            (
                "algorithm.diffusion.architecture.frame_norm=per_frme",
                "Did you mean 'per_frame'?",
            ),
            (
                "algorithm.causal=1",
                "'algorithm.causal' is int (1); expected true or false",
            ),
            (
                "algorithm.diffusion.architecture.dim_mults=[1,0]",
                "'algorithm.diffusion.architecture.dim_mults.1' is 0",
            ),
        ] {
            let mut args = video.to_vec();
            args.push(o);
            let err = crate::networks::video_unet(&job(&args))
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{o}: {err}");
        }
    }

    /// A tester's second round: values the reference would mis-handle or silently change,
    /// sizes that reached huge allocations, and a valid edge case that was refused.
    #[test]
    fn second_round_keys_are_honoured_or_refused_by_key() {
        use crate::algorithm::{Algorithm, Stage};
        use crate::planning::Planning;
        use crate::video::{Video, check_generated_video};
        let video = [
            "+name=x",
            "experiment=exp_video",
            "algorithm=df_video",
            "dataset=video_maze3d",
        ];
        let video_settings = |extra: &[&str]| {
            let mut args = video.to_vec();
            args.extend_from_slice(extra);
            let cfg = job(&args);
            let run = super::RunSettings::from_config(&cfg).unwrap();
            Video::settings(&cfg, &run).map_err(|e| e.to_string())
        };
        // limit_batch as Lightning's limit_val_batches: 0 runs none, a fraction a share,
        // null all of them.
        use crate::settings::BatchLimit;
        for (value, limit) in [
            ("0", BatchLimit::Count(0)),
            ("0.5", BatchLimit::Fraction(0.5)),
            ("null", BatchLimit::ALL),
        ] {
            let s =
                video_settings(&[&format!("experiment.validation.limit_batch={value}")]).unwrap();
            assert_eq!(s.stage(Stage::Validation).limit_batch, limit, "{value}");
        }
        for (extra, expected) in [
            (
                &["algorithm.frame_stack=2", "dataset.context_length=1"][..],
                "must be a multiple of algorithm.frame_stack (2)",
            ),
            (
                &["algorithm.chunk_size=20", "dataset.validation_multiplier=2"][..],
                "more than the model's window",
            ),
            (
                &[
                    "algorithm.diffusion.sampling_timesteps=1000",
                    "algorithm.scheduling_matrix=pyramid",
                    "algorithm.chunk_size=4",
                ][..],
                "samples with DDPM",
            ),
        ] {
            let err = video_settings(extra).unwrap_err();
            assert!(err.contains(expected), "{extra:?}: {err}");
        }
        // DDPM with a schedule that moves every token each step is fine.
        video_settings(&[
            "algorithm.diffusion.sampling_timesteps=1000",
            "algorithm.scheduling_matrix=full_sequence",
            "algorithm.chunk_size=4",
        ])
        .unwrap();
        // Zero context frames: every frame generated from noise (the reference slices xs[:0]).
        let s = video_settings(&["dataset.context_length=0"]).unwrap();
        assert_eq!(s.layout.context_frames, 0);
        // All frames given as context leave nothing to evaluate.
        let err =
            video_settings(&["dataset.context_length=16", "dataset.n_frames=16"]).unwrap_err();
        assert!(err.contains("leaves nothing to generate"), "{err}");
        for (o, expected) in [
            (
                "algorithm.noise_level=random_uniform",
                "algorithm.noise_level",
            ),
            (
                "algorithm.diffusion.architecture.time_emb_type=rotery",
                "Did you mean 'rotary'?",
            ),
            (
                "algorithm.diffusion.architecture.network_size=65536",
                "65536 ×",
            ),
            (
                "algorithm.diffusion.architecture.dim_mults=[1,2,4,8]",
                "parameters",
            ),
            (
                "dataset.generator.frames=100000000000",
                "dataset.generator.frames",
            ),
            ("algorithm.data_mean=[0.5,0.5,0.5]", "does not broadcast"),
            (
                "algorithm.data_mean=[[[[0.4]],[[0.5]],[[0.6]]],[[[0.4]],[[0.5]],[[0.6]]]]",
                "after leading ones of size 1",
            ),
        ] {
            let extra: Vec<&str> = if o.contains("dim_mults") {
                vec![o, "algorithm.diffusion.architecture.network_size=8192"]
            } else {
                vec![o]
            };
            let err = video_settings(&extra).unwrap_err();
            assert!(err.contains(expected), "{o}: {err}");
        }
        // Per channel, as the reference broadcasts a (C, 1, 1) buffer.
        let s = video_settings(&["algorithm.data_mean=[[[0.4]],[[0.5]],[[0.6]]]"]).unwrap();
        assert_eq!(s.layout.mean.shape, [3, 1, 1]);
        // (1, 3, 1, 1) and (1, 1, 3, 1, 1) broadcast as (3, 1, 1) in the reference's reshape.
        for mean in [
            "[[[[0.4]],[[0.5]],[[0.6]]]]",
            "[[[[[0.4]],[[0.5]],[[0.6]]]]]",
        ] {
            let s = video_settings(&[&format!("algorithm.data_mean={mean}")]).unwrap();
            assert_eq!(s.layout.mean.shape, [3, 1, 1], "{mean}");
        }
        assert!(
            check_generated_video(1, 1, 100_000, 0.1, ["e", "f", "--resolution", "v"]).is_err()
        );

        // The planner's test task: experiment.test.* and the `test` namespace; limit_batch
        // batches of batch_size episodes.
        let planning = [
            "+name=x",
            "experiment=exp_planning",
            "algorithm=df_planning",
            "dataset=maze2d_medium",
            "experiment.tasks=[test]",
            "experiment.test.batch_size=3",
        ];
        let plan = |extra: &[&str]| {
            let mut args = planning.to_vec();
            args.extend_from_slice(extra);
            let cfg = job(&args);
            let run = super::RunSettings::from_config(&cfg).unwrap();
            Planning::settings(&cfg, &run).map_err(|e| e.to_string())
        };
        let err = plan(&[
            "algorithm.external_cond_dim=3",
            "experiment.test.limit_batch=1",
        ])
        .unwrap_err();
        assert!(
            err.contains("algorithm.external_cond_dim=3 is not supported"),
            "{err}"
        );
        let err = plan(&[]).unwrap_err();
        assert!(
            err.contains("experiment.test.limit_batch") && err.contains("null"),
            "{err}"
        );
        for (limit, needle) in [("0", "leave its task out"), ("0.5", "or a fraction")] {
            let err = plan(&[&format!("experiment.test.limit_batch={limit}")]).unwrap_err();
            assert!(err.contains(needle), "{limit}: {err}");
        }
        let s = plan(&["experiment.test.limit_batch=2.0"]).unwrap();
        let test = s.eval_for(Stage::Test).unwrap();
        assert_eq!((test.episodes, test.namespace().as_str()), (6, "test"));
        let validation = s.eval_for(Stage::Validation).unwrap();
        assert_eq!(validation.namespace(), "validation");
    }
}
