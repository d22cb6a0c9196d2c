//! The video normalisation statistics `algorithm.data_mean` / `algorithm.data_std`: a number,
//! a (nested) list, or a `.npy` file, broadcast against a frame `(C, H, W)` from the right as
//! the reference's `_normalize_x` reshapes them (`base_pytorch_algo.register_data_mean_std`,
//! `df_base._normalize_x`): a scalar applies to every pixel, shape `(C, 1, 1)` is per channel.

use std::path::Path;

use burn::tensor::{Tensor, TensorData};
use dforce_config::Value;

use crate::settings::{ConfigReader, SettingsError};

/// One statistic: its values (C order) and shape (`[]` for a number).
#[derive(Debug, Clone, PartialEq)]
pub struct FrameStat {
    /// Dimensions, at most 3, each 1 or the frame's size on that axis (aligned right).
    pub shape: Vec<usize>,
    /// The values, `shape`'s product of them.
    pub values: Vec<f32>,
}

impl From<f32> for FrameStat {
    fn from(v: f32) -> Self {
        Self {
            shape: Vec::new(),
            values: vec![v],
        }
    }
}

impl FrameStat {
    /// The single value of a statistic that is one number for every pixel (any shape of one
    /// element), else `None`.
    pub fn scalar(&self) -> Option<f32> {
        (self.values.len() == 1).then(|| self.values[0])
    }

    /// The statistic broadcast to a frame `(1, 1, C, H, W)` on `x`'s device, to combine with
    /// `(T, B, C, H, W)` tensors. `check` has accepted the shape for this frame size.
    fn frame_tensor(&self, frame: [usize; 3], like: &Tensor<5>) -> Tensor<5> {
        let [c, h, w] = frame;
        // Right-aligned dims of the statistic, 1 where it has none.
        let mut dims = [1usize; 3];
        let offset = 3 - self.shape.len();
        dims[offset..].copy_from_slice(&self.shape);
        let mut full = Vec::with_capacity(c * h * w);
        for ci in 0..c {
            for hi in 0..h {
                for wi in 0..w {
                    let at = |i: usize, d: usize| if d == 1 { 0 } else { i };
                    let idx =
                        (at(ci, dims[0]) * dims[1] + at(hi, dims[1])) * dims[2] + at(wi, dims[2]);
                    full.push(self.values[idx]);
                }
            }
        }
        Tensor::from_data(TensorData::new(full, [1, 1, c, h, w]), &like.device())
    }

    /// Whether this statistic broadcasts against frames `(C, H, W)`.
    ///
    /// # Errors
    /// A message naming the shape and the frame.
    pub fn check(&self, frame: [usize; 3]) -> Result<(), String> {
        let fits = self.shape.len() <= 3
            && self
                .shape
                .iter()
                .rev()
                .zip(frame.iter().rev())
                .all(|(&s, &f)| s == 1 || s == f);
        if fits {
            Ok(())
        } else {
            Err(format!(
                "shape {:?} does not broadcast against frames of shape {frame:?} (C, H, W): \
                 use a number, or per channel a shape ({}, 1, 1)",
                self.shape, frame[0]
            ))
        }
    }
}

/// `(x − mean) / std` for frames `x` of shape `(·, ·, C, H, W)`.
pub fn normalize(x: Tensor<5>, mean: &FrameStat, std: &FrameStat) -> Tensor<5> {
    match (mean.scalar(), std.scalar()) {
        (Some(m), Some(s)) => (x - m) / s,
        _ => {
            let [_, _, c, h, w] = x.dims();
            let m = mean.frame_tensor([c, h, w], &x);
            let s = std.frame_tensor([c, h, w], &x);
            (x - m) / s
        }
    }
}

/// `x · std + mean` for frames `x` of shape `(·, ·, C, H, W)`.
pub fn unnormalize(x: Tensor<5>, mean: &FrameStat, std: &FrameStat) -> Tensor<5> {
    match (mean.scalar(), std.scalar()) {
        (Some(m), Some(s)) => x * s + m,
        _ => {
            let [_, _, c, h, w] = x.dims();
            let m = mean.frame_tensor([c, h, w], &x);
            let s = std.frame_tensor([c, h, w], &x);
            x * s + m
        }
    }
}

/// Reads `key` (`algorithm.data_mean` or `algorithm.data_std`): a number, a nested list of
/// numbers, or a path to a `.npy` file (numpy's `np.save`, any numeric dtype and order). Values
/// must be finite, and a std positive.
///
/// # Errors
/// [`SettingsError`] naming the key: a file that cannot be read, a `.pt` file (save it with
/// `np.save` instead), ragged lists, more than 3 dimensions, or a non-finite or non-positive
/// value.
pub fn read(r: &ConfigReader, key: &str) -> Result<FrameStat, SettingsError> {
    let bad = |got: String, reason: String| SettingsError::Range {
        key: key.into(),
        got,
        reason,
    };
    let stat = match r.value(key)? {
        Value::Int(_) | Value::Float(_) => FrameStat::from(r.float(key)? as f32),
        Value::List(_) => {
            let mut shape = Vec::new();
            let mut values = Vec::new();
            flatten(r.value(key)?, 0, &mut shape, &mut values)
                .map_err(|reason| bad("a list".into(), reason))?;
            FrameStat { shape, values }
        }
        Value::String(path) => {
            read_file(Path::new(path)).map_err(|reason| bad(path.clone(), reason))?
        }
        other => {
            return Err(SettingsError::Type {
                key: key.into(),
                got: other.type_name().into(),
                expected: "a number, a list of numbers or a .npy path, e.g. 0.5".into(),
            });
        }
    };
    // The reference reshapes to `[1] * (x.ndim − mean.ndim) + mean.shape` against frames
    // `(T, B, C, H, W)`: leading unit dimensions broadcast like absent ones, so they are dropped;
    // a leading dimension above 1 would tie the statistic to a batch or time index.
    let mut stat = stat;
    if stat.shape.len() > 5
        || stat.shape[..stat.shape.len().saturating_sub(3)]
            .iter()
            .any(|&n| n != 1)
    {
        return Err(bad(
            format!("shape {:?}", stat.shape),
            "a per-frame statistic has at most 3 dimensions (C, H, W), after leading ones of \
             size 1 (it is broadcast against the (T, B, C, H, W) frames)"
                .into(),
        ));
    }
    while stat.shape.len() > 3 {
        stat.shape.remove(0);
    }
    let is_std = key.ends_with("std");
    if let Some(v) = stat
        .values
        .iter()
        .find(|v| !v.is_finite() || (is_std && **v <= 0.0))
    {
        return Err(bad(
            v.to_string(),
            "video normalisation must be finite (std > 0), e.g. 0.5".into(),
        ));
    }
    Ok(stat)
}

/// Nested lists of numbers → shape and C-order values; ragged or non-numeric lists are refused.
fn flatten(
    v: &Value,
    depth: usize,
    shape: &mut Vec<usize>,
    out: &mut Vec<f32>,
) -> Result<(), String> {
    match v {
        Value::List(items) => {
            if depth >= 5 {
                return Err("more than 5 nested lists (the frames are (T, B, C, H, W))".into());
            }
            match shape.get(depth) {
                None => shape.push(items.len()),
                Some(&n) if n == items.len() => {}
                Some(&n) => return Err(format!("ragged lists ({n} and {} items)", items.len())),
            }
            items
                .iter()
                .try_for_each(|i| flatten(i, depth + 1, shape, out))
        }
        Value::Int(i) if depth == shape.len() => {
            out.push(*i as f32);
            Ok(())
        }
        Value::Float(f) if depth == shape.len() => {
            out.push(*f as f32);
            Ok(())
        }
        other => Err(format!(
            "{} where a number or a list of the same depth was expected",
            other.type_name()
        )),
    }
}

/// A `.npy` file's values and shape.
fn read_file(path: &Path) -> Result<FrameStat, String> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("npy") => {}
        Some("pt") => {
            return Err("a .pt statistic is not read by dforce; save it with \
                        np.save('stat.npy', tensor.numpy()) and give the .npy path"
                .into());
        }
        _ => return Err("a path must name a .npy file (np.save)".into()),
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    let arr = dforce_io::npz::parse_npy(&bytes)?;
    let values = arr
        .to_f64()
        .ok_or_else(|| "its dtype is not numeric".to_string())?;
    Ok(FrameStat {
        shape: arr.shape.clone(),
        values: values.into_iter().map(|v| v as f32).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    fn cfg(yaml: &str) -> Value {
        dforce_config::parse_yaml_str(yaml, "test").expect("test YAML parses")
    }

    #[test]
    fn numbers_lists_and_npy_files_are_read_and_broadcast_per_channel() {
        let c = cfg(
            "algorithm:\n  data_mean: [[[0.25]], [[0.5]], [[0.75]]]\n  data_std: 0.5\n  bad: [[1, 2], [3]]\n  pt: stat.pt\n  zero: [0.5, 0]\n",
        );
        let r = ConfigReader::new(&c);
        let mean = read(&r, "algorithm.data_mean").unwrap();
        assert_eq!(
            (mean.shape.as_slice(), mean.values.as_slice()),
            (&[3, 1, 1][..], &[0.25, 0.5, 0.75][..])
        );
        // numpy wrote this file: np.save(..., np.asfortranarray(np.array([.25, .5, .75]).reshape(3, 1, 1)))
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/video/stats/mean_per_channel.npy"
        );
        let npy = cfg(&format!("algorithm:\n  data_mean: {path}\n"));
        assert_eq!(
            read(&ConfigReader::new(&npy), "algorithm.data_mean").unwrap(),
            mean
        );
        let std = read(&r, "algorithm.data_std").unwrap();
        assert_eq!(std.scalar(), Some(0.5));
        mean.check([3, 8, 8]).unwrap();
        assert!(mean.check([1, 8, 8]).unwrap_err().contains("(1, 1, 1)"));
        assert!(
            read(&r, "algorithm.bad")
                .unwrap_err()
                .to_string()
                .contains("ragged")
        );
        assert!(
            read(&r, "algorithm.pt")
                .unwrap_err()
                .to_string()
                .contains("np.save")
        );
        assert!(read(&r, "algorithm.zero").is_ok(), "a mean may be 0");
        let zero_std = cfg("algorithm:\n  data_std: [0.5, 0]\n");
        assert!(read(&ConfigReader::new(&zero_std), "algorithm.data_std").is_err());

        // (x − mean) / std per channel, and back.
        let device = Device::flex();
        let x: Tensor<5> = Tensor::from_data(
            TensorData::new(vec![1.0f32; 3 * 2], [1, 1, 3, 1, 2]),
            &device,
        );
        let y = normalize(x.clone(), &mean, &std);
        let got: Vec<f32> = y.clone().into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(got, [1.5, 1.5, 1.0, 1.0, 0.5, 0.5]);
        let back: Vec<f32> = unnormalize(y, &mean, &std)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(back, [1.0; 6]);
    }
}
