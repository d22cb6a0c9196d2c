//! Early stopping and the best checkpoint (Lightning's `EarlyStopping` and
//! `ModelCheckpoint(monitor=…, save_top_k=1)` callbacks, as the paper branch's
//! `exp_prediction.yaml` configures them).
//!
//! Read from `experiment.training.early_stopping.{monitor, patience, mode}` and
//! `experiment.training.checkpointing.{monitor, mode}`; both are optional (the v1.5 experiments
//! have neither). The best weights go to `checkpoints/best/step=S.safetensors`, which
//! a `test` task after `training` then evaluates.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dforce_config::Value;
use dforce_nn::HostTensor;

use super::TaskError;

/// Which way a monitored metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Min,
    Max,
}

/// The early-stopping and best-checkpoint state of one training task.
#[derive(Debug, Clone)]
pub struct EarlyStopping {
    /// Metric that decides stopping (`early_stopping.monitor`), with its patience (validations
    /// without improvement) and mode.
    stop: Option<(String, u64, Mode)>,
    /// Metric that picks the best checkpoint (`checkpointing.monitor`) and its mode.
    best: Option<(String, Mode)>,
    best_value: Option<f64>,
    stop_best: Option<f64>,
    bad_validations: u64,
}

fn mode(cfg: &Value, key: &str) -> Result<Mode, TaskError> {
    match cfg.get_opt_str(key)?.unwrap_or("min") {
        "min" => Ok(Mode::Min),
        "max" => Ok(Mode::Max),
        other => Err(TaskError::Invalid(format!(
            "{key}={other}: expected min or max"
        ))),
    }
}

fn improves(mode: Mode, value: f64, best: Option<f64>) -> bool {
    match (best, mode) {
        (None, _) => value.is_finite(),
        (Some(b), Mode::Min) => value < b,
        (Some(b), Mode::Max) => value > b,
    }
}

/// The folder of the best checkpoint in a run directory.
pub fn best_dir(run_dir: &Path) -> PathBuf {
    run_dir.join("checkpoints").join("best")
}

impl EarlyStopping {
    /// Reads the callbacks' settings; absent keys switch them off.
    ///
    /// # Errors
    /// A mode other than min/max, or a patience that is not a positive integer.
    pub fn from_config(cfg: &Value) -> Result<Self, TaskError> {
        let es = "experiment.training.early_stopping";
        let stop = match cfg.get_opt_str(&format!("{es}.monitor"))? {
            Some(m) => {
                let key = format!("{es}.patience");
                let patience = match cfg.get(&key) {
                    Ok(Value::Int(p)) if *p >= 1 => *p as u64,
                    Ok(Value::Null) | Err(_) => 3,
                    Ok(other) => {
                        return Err(TaskError::Invalid(format!(
                            "{key}={}: expected a positive integer (validations without improvement)",
                            other.to_yaml().trim_end()
                        )));
                    }
                };
                Some((m.to_string(), patience, mode(cfg, &format!("{es}.mode"))?))
            }
            None => None,
        };
        let ck = "experiment.training.checkpointing";
        let best = match cfg.get_opt_str(&format!("{ck}.monitor")) {
            Ok(Some(m)) => {
                let key = format!("{ck}.save_top_k");
                match cfg.get(&key) {
                    Ok(Value::Int(1)) | Err(_) => {}
                    Ok(other) => {
                        return Err(TaskError::Invalid(format!(
                            "{key}={}: dforce keeps the single best checkpoint (save_top_k 1, the \
                             paper branch's setting) beside the newest one; set it to 1",
                            other.to_yaml().trim_end()
                        )));
                    }
                }
                Some((m.to_string(), mode(cfg, &format!("{ck}.mode"))?))
            }
            _ => None,
        };
        Ok(Self {
            stop,
            best,
            best_value: None,
            stop_best: None,
            bad_validations: 0,
        })
    }

    /// The metrics the callbacks monitor (to check against what the algorithm reports).
    pub fn monitored(&self) -> Vec<&str> {
        self.stop
            .iter()
            .map(|(k, _, _)| k.as_str())
            .chain(self.best.iter().map(|(k, _)| k.as_str()))
            .collect()
    }

    /// Checks, before anything runs, that every monitored metric is one the algorithm
    /// reports (`reported`), so a typo does not end training at its first validation.
    ///
    /// # Errors
    /// A monitored key the algorithm does not report; the message lists those it does.
    pub fn check_monitors(&self, reported: &[String]) -> Result<(), TaskError> {
        for key in self.monitored() {
            if !reported.iter().any(|r| r == key) {
                return Err(TaskError::Invalid(format!(
                    "experiment.training.early_stopping.monitor / checkpointing.monitor = {key}: \
                     this algorithm's validation does not report it; it reports {}",
                    if reported.is_empty() {
                        "no metric to monitor".to_string()
                    } else {
                        reported.join(", ")
                    }
                )));
            }
        }
        Ok(())
    }

    /// Prepares the run directory's best checkpoint for a training task: a fresh run
    /// removes a best checkpoint left by an earlier run in the same directory (it would be
    /// evaluated instead of this run's); a resumed run continues from it, taking its value as
    /// the best so far (patience restarts at the resume).
    pub fn start(&mut self, run_dir: &Path, resuming: bool) {
        let dir = best_dir(run_dir);
        if !resuming {
            let _ = std::fs::remove_dir_all(&dir);
            return;
        }
        let Some(path) = best_checkpoint(run_dir) else {
            return;
        };
        let Ok(sd) = dforce_nn::StateDict::load(&path) else {
            return;
        };
        let value = sd
            .metadata
            .get("monitor_value")
            .and_then(|v| v.parse::<f64>().ok());
        let key = sd.metadata.get("monitor").cloned();
        if let (Some(v), Some(k)) = (value, key) {
            if self.best.as_ref().is_some_and(|(m, _)| *m == k) {
                self.best_value = Some(v);
            }
            if self.stop.as_ref().is_some_and(|(m, _, _)| *m == k) {
                self.stop_best = Some(v);
            }
        }
    }

    /// Whether any callback is on.
    pub fn is_active(&self) -> bool {
        self.stop.is_some() || self.best.is_some()
    }

    fn lookup(metrics: &BTreeMap<String, f64>, key: &str) -> Result<f64, TaskError> {
        metrics.get(key).copied().ok_or_else(|| {
            let known: Vec<&str> = metrics.keys().map(String::as_str).collect();
            TaskError::Invalid(format!(
                "the monitored metric '{key}' is not reported by this algorithm's validation; \
                 it reports {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        })
    }

    /// Records one validation: writes the best checkpoint (from `tensors`, called only when
    /// the metric improved) and returns whether training should stop.
    ///
    /// # Errors
    /// The monitored metric is not among `metrics`, or the checkpoint cannot be written.
    pub fn observe(
        &mut self,
        metrics: &BTreeMap<String, f64>,
        run_dir: &Path,
        step: u64,
        tensors: impl FnOnce() -> BTreeMap<String, HostTensor>,
    ) -> Result<bool, TaskError> {
        if let Some((key, mode)) = self.best.clone() {
            let v = Self::lookup(metrics, &key)?;
            if improves(mode, v, self.best_value) {
                self.best_value = Some(v);
                let dir = best_dir(run_dir);
                let path = dir.join(format!("step={step}.safetensors"));
                let meta = BTreeMap::from([
                    ("format".to_string(), crate::checkpoint::FORMAT.to_string()),
                    ("global_step".to_string(), step.to_string()),
                    ("monitor".to_string(), key.clone()),
                    ("monitor_value".to_string(), v.to_string()),
                ]);
                dforce_nn::write_safetensors_atomic(&path, &tensors(), &meta)?;
                if let Ok(entries) = std::fs::read_dir(&dir) {
                    for e in entries.flatten() {
                        if e.path() != path {
                            let _ = std::fs::remove_file(e.path());
                        }
                    }
                }
                crate::say!("dforce: best {key} so far ({v:.6}): {}", path.display());
            }
        }
        let Some((key, patience, mode)) = self.stop.clone() else {
            return Ok(false);
        };
        let v = Self::lookup(metrics, &key)?;
        if improves(mode, v, self.stop_best) {
            self.stop_best = Some(v);
            self.bad_validations = 0;
        } else {
            self.bad_validations += 1;
        }
        let stop = self.bad_validations >= patience;
        if stop {
            crate::say!(
                "dforce: early stopping: {key} has not improved for {patience} validations (best {:.6})",
                self.stop_best.unwrap_or(f64::NAN)
            );
        }
        Ok(stop)
    }
}

/// The best checkpoint of a run, if early stopping / checkpointing monitored one.
pub fn best_checkpoint(run_dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(best_dir(run_dir))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "safetensors"))
}
