//! Lightning `Trainer` / callback settings of the reference's `configs/experiment/*` that dforce
//! has no machinery for, and the reference's video `algorithm.metrics`: each value dforce runs
//! the same way is accepted (with a note where dforce's way differs in speed only), and every
//! other value is refused before the run starts, with what dforce does instead and what to set.
//! Nothing here is ignored silently (issue #12, kind 3).
//!
//! - `experiment.{training,validation,test}.precision`: dforce computes in float32 (its weights
//!   are float32, as the reference's `state_dict` is even under `16-mixed`). `32`/`32-true` is
//!   exactly that; Lightning's mixed precisions (`16-mixed`, `bf16-mixed`, the reference's
//!   default) are autocast speed settings and run as float32 with a note; pure half or double
//!   precision (`16-true`, `bf16-true`, `64`, …) is refused.
//! - `experiment.training.checkpointing.enable_version_counter`: dforce overwrites a checkpoint
//!   of the same name (Lightning's `False`, the reference's setting); `True` is refused.
//! - `experiment.{training,validation,test}.compile`: dforce has no `torch.compile`; its kernels
//!   are compiled ahead of time, so `True` runs the same model with a note.
//! - `experiment.{validation,test}.inference_mode`: dforce's evaluation tracks gradients only
//!   where guidance needs them, so both values give the same results (the reference needs
//!   `False` for guided planning); anything but a bool is refused.
//! - `experiment.{validation,test}.data.shuffle`: dforce evaluates a split in its order (the
//!   reference's `False`); `True` is refused.
//! - `experiment.training.checkpointing.*`: the keys dforce implements (`every_n_train_steps`,
//!   `every_n_epochs`, `train_time_interval`, `enable_version_counter`, `monitor`, `mode`,
//!   `save_top_k`, `verbose`); any other `ModelCheckpoint` argument (`filename`, `save_last`,
//!   `dirpath`, …) is refused, as is a `save_top_k` other than 1 without `monitor`.
//! - `algorithm.metrics` (df_video): the reference computes FVD / FID / LPIPS with pretrained
//!   I3D / Inception / AlexNet weights that dforce does not ship; they are noted as not computed
//!   (dforce logs PSNR and SSIM), and any other name is refused.

use dforce_config::Value;

use super::TaskError;

const PRECISION_KEYS: [&str; 3] = [
    "experiment.training.precision",
    "experiment.validation.precision",
    "experiment.test.precision",
];

/// Checks the settings above in `cfg` (a resolved job config) for the algorithm `algorithm`.
///
/// # Errors
/// [`TaskError::Invalid`] naming the key, the value, what dforce does and what to set instead.
///
/// Returns the notes to show the user (mixed precision run as float32, metrics not computed).
pub fn check(algorithm: &str, cfg: &Value) -> Result<Vec<String>, TaskError> {
    let mut notes = Vec::new();
    let mut mixed = Vec::new();
    for key in PRECISION_KEYS {
        let Ok(value) = cfg.get(key) else { continue };
        let text = match value {
            Value::Null => continue,
            Value::Int(i) => i.to_string(),
            Value::String(s) => s.clone(),
            other => {
                return Err(TaskError::Invalid(format!(
                    "{key}={other:?} is not a precision; set 32 (dforce computes in float32)"
                )));
            }
        };
        match text.as_str() {
            "32" | "32-true" => {}
            "16-mixed" | "bf16-mixed" | "16" | "bf16" => mixed.push(format!("{key}={text}")),
            _ => {
                return Err(TaskError::Invalid(format!(
                    "{key}={text} is not supported: dforce computes in float32 only; set {key}=32 \
                     (or leave Lightning's 16-mixed, which dforce runs as 32)"
                )));
            }
        }
    }
    if !mixed.is_empty() {
        notes.push(format!(
            "{} run as 32: dforce computes in float32 (Lightning's mixed precision only changes \
             speed; the weights stay float32, as the reference's checkpoints are)",
            mixed.join(", ")
        ));
    }
    let compiled = compile_settings(cfg)?;
    if !compiled.is_empty() {
        notes.push(format!(
            "{} run without torch.compile: dforce's kernels are compiled ahead of time (the \
             model and its results are the same)",
            compiled.join(", ")
        ));
    }
    check_evaluation_settings(cfg)?;
    check_checkpointing_keys(cfg)?;
    let counter = "experiment.training.checkpointing.enable_version_counter";
    if let Ok(value) = cfg.get(counter) {
        match value {
            Value::Bool(false) | Value::Null => {}
            other => {
                return Err(TaskError::Invalid(format!(
                    "{counter}={other:?} is not supported: dforce overwrites a checkpoint of the \
                     same name, as Lightning does with False (the reference's setting); set \
                     {counter}=false, and give each run its own directory (hydra.run.dir) to \
                     keep older checkpoints"
                )));
            }
        }
    }
    if algorithm == "df_video"
        && let Ok(Value::List(metrics)) = cfg.get("algorithm.metrics")
    {
        let mut skipped = Vec::new();
        for m in metrics {
            match m {
                Value::String(name) if ["fvd", "fid", "lpips"].contains(&name.as_str()) => {
                    skipped.push(name.clone());
                }
                other => {
                    return Err(TaskError::Invalid(format!(
                        "algorithm.metrics: {} is not one of the reference's metrics \
                         (fvd, fid, lpips)",
                        crate::settings::describe(other)
                    )));
                }
            }
        }
        if !skipped.is_empty() {
            notes.push(format!(
                "algorithm.metrics={skipped:?} are not computed: they need the reference's \
                 pretrained I3D / Inception / AlexNet weights, which dforce does not ship; \
                 validation logs psnr and ssim"
            ));
        }
    }
    Ok(notes)
}

/// `experiment.<stage>.compile` set to true (a speed setting), as `key=True`.
fn compile_settings(cfg: &Value) -> Result<Vec<String>, TaskError> {
    let mut on = Vec::new();
    for stage in ["training", "validation", "test"] {
        let key = format!("experiment.{stage}.compile");
        match cfg.get(&key) {
            Err(_) | Ok(Value::Null) | Ok(Value::Bool(false)) => {}
            Ok(Value::Bool(true)) => on.push(format!("{key}=True")),
            Ok(other) => {
                return Err(TaskError::Invalid(format!(
                    "{key}={} is not a bool; set True or False",
                    other.to_yaml().trim_end()
                )));
            }
        }
    }
    Ok(on)
}

/// `experiment.{validation,test}.inference_mode` (a bool) and `.data.shuffle` (false).
fn check_evaluation_settings(cfg: &Value) -> Result<(), TaskError> {
    for stage in ["validation", "test"] {
        let key = format!("experiment.{stage}.inference_mode");
        match cfg.get(&key) {
            Err(_) | Ok(Value::Null) | Ok(Value::Bool(_)) => {}
            Ok(other) => {
                return Err(TaskError::Invalid(format!(
                    "{key}={} is not a bool; set True or False (dforce gives the same results \
                     with either)",
                    other.to_yaml().trim_end()
                )));
            }
        }
        let key = format!("experiment.{stage}.data.shuffle");
        match cfg.get(&key) {
            Err(_) | Ok(Value::Null) | Ok(Value::Bool(false)) => {}
            Ok(other) => {
                return Err(TaskError::Invalid(format!(
                    "{key}={} is not supported: dforce evaluates the {stage} split in its order \
                     (the reference's setting); set {key}=false",
                    other.to_yaml().trim_end()
                )));
            }
        }
    }
    Ok(())
}

/// The `ModelCheckpoint` arguments dforce implements.
const CHECKPOINTING_KEYS: [&str; 8] = [
    "every_n_train_steps",
    "every_n_epochs",
    "train_time_interval",
    "enable_version_counter",
    "monitor",
    "mode",
    "save_top_k",
    "verbose",
];

/// Refuses `experiment.training.checkpointing.*` keys dforce does not implement.
fn check_checkpointing_keys(cfg: &Value) -> Result<(), TaskError> {
    let ck = "experiment.training.checkpointing";
    let Ok(Value::Map(map)) = cfg.get(ck) else {
        return Ok(());
    };
    for (key, value) in map.iter() {
        if !CHECKPOINTING_KEYS.contains(&key) {
            return Err(TaskError::Invalid(format!(
                "{ck}.{key} is not supported: dforce writes checkpoints/epoch=E-step=S.ckpt (and \
                 best.ckpt with monitor) and implements only {}; remove it (~{ck}.{key})",
                CHECKPOINTING_KEYS.join(", ")
            )));
        }
        if key == "verbose" && !matches!(value, Value::Bool(_) | Value::Null) {
            return Err(TaskError::Invalid(format!(
                "{ck}.verbose={} is not a bool",
                value.to_yaml().trim_end()
            )));
        }
    }
    let monitored = matches!(map.get("monitor"), Some(v) if !matches!(v, Value::Null));
    match map.get("save_top_k") {
        None | Some(Value::Null) | Some(Value::Int(1)) => Ok(()),
        Some(_) if monitored => Ok(()), // checked with the monitor (early_stopping.rs)
        Some(other) => Err(TaskError::Invalid(format!(
            "{ck}.save_top_k={} is not supported without {ck}.monitor: dforce keeps the newest \
             checkpoint (Lightning's 1); set it to 1 or remove it",
            other.to_yaml().trim_end()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(yaml: &str) -> Value {
        dforce_config::parse_yaml_str(yaml, "test").expect("test YAML parses")
    }

    #[test]
    fn float32_and_mixed_precision_run_other_precisions_are_refused() {
        let ok = cfg(
            "experiment:\n  training:\n    precision: 32\n  validation:\n    precision: 16-mixed\n",
        );
        let notes = check("df_planning", &ok).unwrap();
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].contains("experiment.validation.precision=16-mixed run as 32"),
            "{notes:?}"
        );
        for bad in ["64", "16-true", "bf16-true", "transformer-engine"] {
            let c = cfg(&format!("experiment:\n  test:\n    precision: {bad}\n"));
            let err = check("df_planning", &c).unwrap_err().to_string();
            assert!(
                err.contains(&format!("experiment.test.precision={bad} is not supported")),
                "{err}"
            );
            assert!(err.contains("set experiment.test.precision=32"), "{err}");
        }
    }

    #[test]
    fn version_counter_true_is_refused() {
        let c = cfg(
            "experiment:\n  training:\n    checkpointing:\n      enable_version_counter: true\n",
        );
        let err = check("df_planning", &c).unwrap_err().to_string();
        assert!(err.contains("enable_version_counter=false"), "{err}");
        let c = cfg(
            "experiment:\n  training:\n    checkpointing:\n      enable_version_counter: false\n",
        );
        assert!(check("df_planning", &c).unwrap().is_empty());
    }

    #[test]
    fn video_metrics_are_noted_or_refused() {
        let c = cfg("algorithm:\n  metrics: [fvd, lpips]\n");
        let notes = check("df_video", &c).unwrap();
        assert!(notes[0].contains("not computed"), "{notes:?}");
        let c = cfg("algorithm:\n  metrics: [fvd, psnr2]\n");
        let err = check("df_video", &c).unwrap_err().to_string();
        assert!(err.contains("psnr2"), "{err}");
        // Other algorithms' `metrics` keys are theirs.
        assert!(check("df_planning", &c).unwrap().is_empty());
    }

    #[test]
    fn compile_inference_mode_shuffle_and_checkpoint_arguments_are_run_or_refused() {
        let notes = check(
            "df_video",
            &cfg("experiment:\n  training:\n    compile: true\n  validation:\n    inference_mode: false\n"),
        )
        .unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.contains("experiment.training.compile=True run without torch.compile")),
            "{notes:?}"
        );
        let refused = |yaml: &str, want: &str| {
            let err = check("df_video", &cfg(yaml)).unwrap_err().to_string();
            assert!(err.contains(want), "{yaml}: {err}");
        };
        refused(
            "experiment:\n  validation:\n    data:\n      shuffle: true\n",
            "experiment.validation.data.shuffle=true is not supported",
        );
        refused(
            "experiment:\n  test:\n    inference_mode: sometimes\n",
            "experiment.test.inference_mode=sometimes is not a bool",
        );
        for key in ["save_last: true", "filename: foo", "bogus: 1"] {
            let name = key.split(':').next().unwrap();
            refused(
                &format!("experiment:\n  training:\n    checkpointing:\n      {key}\n"),
                &format!("experiment.training.checkpointing.{name} is not supported"),
            );
        }
        refused(
            "experiment:\n  training:\n    checkpointing:\n      save_top_k: 0\n",
            "save_top_k=0 is not supported without",
        );
        // The paper branch's checkpointing (exp_prediction.yaml) is what dforce implements.
        check(
            "df_prediction",
            &cfg("experiment:\n  training:\n    checkpointing:\n      every_n_train_steps: null\n      monitor: validation/crps_sum\n      save_top_k: 1\n      mode: min\n      verbose: false\n"),
        )
        .unwrap();
    }
}
