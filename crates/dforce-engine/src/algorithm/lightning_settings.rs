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
                        "algorithm.metrics: {other:?} is not one of the reference's metrics \
                         (fvd, fid, lpips)"
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
}
