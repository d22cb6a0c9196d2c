//! The normalisation statistics that a checkpoint carries. The reference registers
//! `data_mean` and `data_std` as persistent buffers (`register_data_mean_std` in
//! `algorithms/common/base_pytorch_algo.py`), so loading a checkpoint (`load=`, `resume=`, or an
//! evaluation's weights) restores the statistics the network was trained with, whatever the
//! config says; a config that differs only matters for a fresh model. dforce does the same,
//! and says when the two differ.

use dforce_nn::StateDict;

use crate::trainer::TrainError;

/// Replaces `values` (of the given `shape`, which stays) with the checkpoint's tensor `name`,
/// when the checkpoint has one. Leading unit dimensions are ignored on both sides
/// (`(1, 3, 1, 1)` and `(3, 1, 1)` are one shape), as the statistics broadcast from the right.
///
/// # Errors
/// The checkpoint's tensor has another shape: torch's strict `load_state_dict` refuses that
/// too ("size mismatch"); the message names the tensor, both shapes and `what` the
/// statistic is per (e.g. "the planner's frame (observation, action)"). A value that the
/// config's own check would refuse (a non-finite value; a standard deviation ≤ 0, for a
/// `name` ending in `std`) is an error naming it, instead of a non-finite loss later.
pub fn adopt(
    sd: &StateDict,
    name: &str,
    shape: &[usize],
    values: &mut Vec<f32>,
    what: &str,
) -> Result<(), TrainError> {
    let Some(t) = sd.tensors.get(name) else {
        return Ok(());
    };
    let squeeze = |s: &[usize]| -> Vec<usize> {
        let lead = s.iter().take_while(|d| **d == 1).count();
        s[lead..].to_vec()
    };
    if squeeze(&t.shape) != squeeze(shape) || t.data.len() != values.len() {
        return Err(TrainError::Invalid(format!(
            "{}: '{name}' has shape {:?} but {what} needs {:?}: the checkpoint was trained on another data layout (torch's load_state_dict refuses this size mismatch too); use a checkpoint of this dataset, or train from scratch without load=",
            sd.path.display(),
            t.shape,
            shape
        )));
    }
    // The config's statistics are range-checked when read; the checkpoint's get the same check.
    let is_std = name.ends_with("std");
    if let Some((i, v)) = t
        .data
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite() || (is_std && **v <= 0.0))
    {
        return Err(TrainError::Invalid(format!(
            "{}: '{name}' holds {v} at index {i}, but {}: the checkpoint is damaged or was not written for this data; use another checkpoint, or train from scratch without load=",
            sd.path.display(),
            if is_std {
                "a standard deviation must be finite and > 0"
            } else {
                "a mean must be finite"
            }
        )));
    }
    values.clone_from(&t.data);
    Ok(())
}

/// A note for each of `data_mean` / `data_std` whose checkpoint values differ from the
/// config's (`config`: the two in that order, with the config keys that set them), or an
/// empty list. At most 16 values of each are shown.
pub fn differences(sd: &StateDict, config: [(&str, &[f32], &str); 2]) -> Vec<String> {
    let shown = |v: &[f32]| {
        let head = format!("{:?}", &v[..v.len().min(16)]);
        if v.len() > 16 {
            format!("{} … ({} values)", head.trim_end_matches(']'), v.len())
        } else {
            head
        }
    };
    config
        .iter()
        .filter_map(|(name, ours, keys)| {
            let t = sd.tensors.get(*name)?;
            let differs = t.data.len() != ours.len()
                || t.data
                    .iter()
                    .zip(ours.iter())
                    .any(|(a, b)| (a - b).abs() > 1e-4 * (1.0 + b.abs()));
            differs.then(|| {
                format!(
                    "the checkpoint's {name} {} is used, not the {} from {keys}: a checkpoint keeps the statistics it was trained with, as in the reference; is dataset= the data it was trained on?",
                    shown(&t.data),
                    shown(ours)
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dforce_nn::HostTensor;

    fn sd(mean: HostTensor) -> StateDict {
        StateDict {
            path: "model.ckpt".into(),
            format: dforce_nn::CheckpointFormat::SafeTensors,
            tensors: [("data_mean".to_string(), mean)].into(),
            global_step: None,
            epoch: None,
            non_float: Default::default(),
            metadata: Default::default(),
        }
    }

    #[test]
    fn a_checkpoint_statistic_replaces_the_config_one_when_shapes_match() {
        let sd = sd(HostTensor {
            shape: vec![1, 3, 1, 1],
            data: vec![0.1, 0.2, 0.3],
        });
        let mut values = vec![0.5; 3];
        adopt(&sd, "data_mean", &[3, 1, 1], &mut values, "a frame").unwrap();
        assert_eq!(values, [0.1, 0.2, 0.3]);
        // Absent: left alone.
        adopt(&sd, "data_std", &[3, 1, 1], &mut values, "a frame").unwrap();
        assert_eq!(values, [0.1, 0.2, 0.3]);
        let mut bad = sd.clone();
        bad.tensors.insert(
            "data_std".into(),
            HostTensor {
                shape: vec![3],
                data: vec![1.0, -1.0, 1.0],
            },
        );
        let err = adopt(&bad, "data_std", &[3], &mut values, "a frame").unwrap_err();
        assert!(
            err.to_string().contains("'data_std' holds -1 at index 1"),
            "{err}"
        );
        bad.tensors.get_mut("data_mean").unwrap().data[2] = f32::NAN;
        let err = adopt(&bad, "data_mean", &[3, 1, 1], &mut values, "a frame").unwrap_err();
        assert!(err.to_string().contains("a mean must be finite"), "{err}");
        let mut values = vec![0.0; 2];
        let err = adopt(&sd, "data_mean", &[2], &mut values, "a frame").unwrap_err();
        assert!(
            err.to_string()
                .contains("'data_mean' has shape [1, 3, 1, 1] but a frame needs [2]"),
            "{err}"
        );
    }

    #[test]
    fn differences_name_both_values_and_the_keys() {
        let sd = sd(HostTensor {
            shape: vec![2],
            data: vec![3.5, 3.5],
        });
        let notes = differences(
            &sd,
            [
                ("data_mean", &[0.0, 0.0], "dataset.observation_mean"),
                ("data_std", &[1.0, 1.0], "dataset.observation_std"),
            ],
        );
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].contains(
                "data_mean [3.5, 3.5] is used, not the [0.0, 0.0] from dataset.observation_mean"
            ),
            "{}",
            notes[0]
        );
        assert!(
            differences(
                &sd,
                [("data_mean", &[3.5, 3.5], "k"), ("data_std", &[1.0], "k")]
            )
            .is_empty()
        );
    }
}
