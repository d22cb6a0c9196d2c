//! Name → tensor maps read from checkpoints, and the strict loader that maps them onto modules.
//!
//! Official checkpoints are PyTorch Lightning `.ckpt` files (a zip holding a pickle); ours are
//! safetensors. Both become a [`StateDict`] of host f32 tensors, keyed by the reference's
//! state_dict names, so one loader serves both.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};
use pytorch_reader::{PickleValue, PytorchReader};

use crate::checkpoint_guard::{
    check_decoded_size, check_tar_entries, check_unique_tensor_names, regular_file_len,
};
use crate::error::NnError;

/// A host-side f32 tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl HostTensor {
    pub fn numel(&self) -> usize {
        self.data.len()
    }
}

/// What a checkpoint file is, as far as its container tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointFormat {
    /// A PyTorch Lightning `.ckpt`: a `torch.save`d dict whose `state_dict` holds the weights,
    /// in any container `torch.load` reads (zip, legacy pickle stream, TAR).
    Lightning,
    /// A plain `torch.save(model.state_dict())` (`.pt`/`.pth`), in any container.
    TorchStateDict,
    /// A safetensors file (dforce's own format, or a converted official checkpoint).
    SafeTensors,
}

/// Tensors plus what the file says about the run that wrote it.
#[derive(Debug, Clone)]
pub struct StateDict {
    pub path: PathBuf,
    pub format: CheckpointFormat,
    pub tensors: BTreeMap<String, HostTensor>,
    pub global_step: Option<i64>,
    pub epoch: Option<i64>,
    /// Integer and boolean tensors (step counters, indices): kept by name, never loaded as weights.
    pub non_float: BTreeMap<String, (String, Vec<usize>)>,
    /// String metadata (safetensors `__metadata__`; for Lightning files, scalar top-level entries).
    pub metadata: BTreeMap<String, String>,
}

fn read_err(path: &Path, e: impl std::fmt::Display) -> NnError {
    NnError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// How to get a checkpoint saved on a big-endian machine into one dforce reads: re-saved by
/// torch on a little-endian machine.
const BIG_ENDIAN_FIX: &str = "dforce reads little-endian checkpoints only; torch.save writes \
the byte order of the machine it runs on, so re-save it on a little-endian one (x86-64, ARM64): \
python -c \"import torch; torch.save(torch.load('in.ckpt', map_location='cpu', \
weights_only=False), 'out.ckpt')\" (weights_only=False unpickles whatever the file holds: only \
for a file you trust), then load out.ckpt";

/// A `pytorch-reader` error opening `path`. Its refusal of a big-endian file (the `byteorder`
/// record of torch's zip format, or the legacy stream's `sys_info`) says no more than that, so
/// it is replaced by what to do about it. (Reading such files would mean rewriting the archive
/// before the reader opens it: the reader refuses them before reading any storage.)
fn torch_open_err(path: &Path, e: pytorch_reader::PytorchError) -> NnError {
    match &e {
        pytorch_reader::PytorchError::InvalidFormat(m)
            if m.starts_with("Big-endian PyTorch files are not supported") =>
        {
            let zip = std::fs::File::open(path)
                .and_then(|mut f| {
                    let mut head = [0u8; 2];
                    std::io::Read::read_exact(&mut f, &mut head).map(|()| head == *b"PK")
                })
                .unwrap_or(false);
            let how = if zip {
                "its byteorder record says big; torch.load (PyTorch >= 2.1) reads such a zip \
                 checkpoint on any machine"
            } else {
                "its sys_info says little_endian=False"
            };
            read_err(
                path,
                format!("it was saved on a big-endian machine ({how}), and {BIG_ENDIAN_FIX}"),
            )
        }
        _ => read_err(path, e),
    }
}

/// Bits per element of a safetensors dtype name (the format's spec: `F4` and `F6_*` are
/// packed sub-byte types).
fn safetensors_dtype_bits(dtype: &str) -> Option<u128> {
    Some(match dtype {
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" => 64,
        _ => return None,
    })
}

/// Which tensor of a safetensors file the library refused, and why, for its generic "invalid
/// shape, data type, or offset for tensor". Parses the header JSON itself and applies the
/// format's rules (the `safetensors` crate's `validate`): taken in `data_offsets` order, each
/// tensor starts where the previous ended, spans `numel × dtype size` bytes, and the last ends
/// at the end of the data section. `None` when the header cannot be parsed here or nothing is
/// found (the library's own message is used then).
fn safetensors_problem(bytes: &[u8]) -> Option<String> {
    let n = usize::try_from(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?)).ok()?;
    let header = bytes.get(8..8usize.checked_add(n)?)?;
    let data_len = bytes.len() - 8 - n;
    let serde_json::Value::Object(map) = serde_json::from_slice(header).ok()? else {
        return None;
    };
    let mut entries = Vec::new();
    for (name, info) in &map {
        if name == "__metadata__" {
            continue;
        }
        let dtype = info.get("dtype")?.as_str()?;
        let shape: Vec<u64> = info
            .get("shape")?
            .as_array()?
            .iter()
            .map(serde_json::Value::as_u64)
            .collect::<Option<_>>()?;
        let offsets: Vec<u64> = info
            .get("data_offsets")?
            .as_array()?
            .iter()
            .map(serde_json::Value::as_u64)
            .collect::<Option<_>>()?;
        let [start, end] = offsets[..] else {
            return Some(format!(
                "tensor {name:?}: data_offsets {offsets:?} must be two numbers [start, end]"
            ));
        };
        entries.push((name.as_str(), dtype, shape, start, end));
    }
    entries.sort_by_key(|e| (e.3, e.4));
    let mut at = 0u64;
    for (name, dtype, shape, start, end) in &entries {
        let what = format!("tensor {name:?} ({dtype}, shape {shape:?})");
        if end < start {
            return Some(format!(
                "{what}: data_offsets [{start}, {end}] end before they start"
            ));
        }
        if *start != at {
            return Some(format!(
                "{what}: data_offsets [{start}, {end}] start at byte {start}, but the tensors \
                 before it end at byte {at} (tensors must follow each other without gaps or \
                 overlaps)"
            ));
        }
        let bits = safetensors_dtype_bits(dtype)?;
        let numel = shape
            .iter()
            .try_fold(1u128, |p, &d| p.checked_mul(u128::from(d)));
        let need = numel
            .and_then(|n| n.checked_mul(bits))
            .map(|b| b.div_ceil(8));
        let span = u128::from(end - start);
        if need != Some(span) {
            let need = need.map_or("more than 2^128".into(), |b| b.to_string());
            return Some(format!(
                "{what} needs {need} bytes, but its data_offsets [{start}, {end}] span {span} \
                 (the file's data section holds {data_len} bytes)"
            ));
        }
        at = *end;
    }
    if at != data_len as u64 {
        return Some(format!(
            "the tensors' data_offsets end at byte {at}, but the data section after the header \
             holds {data_len} bytes"
        ));
    }
    None
}

impl StateDict {
    /// Reads a checkpoint, its format chosen by the file's first bytes (not its extension):
    /// safetensors, or anything `torch.load` reads (`torch.save`'s zip archive of PyTorch ≥ 1.6,
    /// the legacy pickle stream of 0.1.10–1.5, the TAR archive before that), holding either a
    /// Lightning checkpoint or a plain state dict.
    ///
    /// # Errors
    /// [`NnError::Empty`], [`NnError::UnknownFormat`] (neither safetensors nor PyTorch),
    /// [`NnError::Read`] (a corrupt file), [`NnError::Dtype`] (a float tensor of another type).
    pub fn load(path: &Path) -> Result<Self, NnError> {
        let file_len = regular_file_len(path)?;
        let mut head = [0u8; 8];
        let n = {
            use std::io::Read;
            let mut f = std::fs::File::open(path).map_err(|e| read_err(path, e))?;
            f.read(&mut head).map_err(|e| read_err(path, e))?
        };
        if n == 0 {
            return Err(NnError::Empty {
                path: path.to_path_buf(),
            });
        }
        if n == 8 && &head[..2] != b"PK" && u64::from_le_bytes(head) < 100_000_000 {
            return Self::from_safetensors(path);
        }
        if &head[..2] != b"PK" {
            check_tar_entries(path, file_len)?;
        }
        match Self::from_lightning(path) {
            Err(NnError::Read { .. }) if !is_torch_container(path) => Err(NnError::UnknownFormat {
                path: path.to_path_buf(),
                head: head[..n]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            }),
            other => other,
        }
    }

    /// Reads a `torch.save`d checkpoint (any container): a PyTorch Lightning dict (weights
    /// under `state_dict`, plus `global_step` / `epoch`), or, when there is no `state_dict`
    /// key, a plain state dict.
    ///
    /// # Errors
    /// [`NnError::Read`] when the file is not a readable PyTorch checkpoint, or fails one of
    /// [`crate::checkpoint_guard`]'s checks (float tensors far larger than the file, two
    /// tensors of one flattened name); [`NnError::Dtype`] for float tensors other than
    /// f32/f16/bf16/f64.
    pub fn from_lightning(path: &Path) -> Result<Self, NnError> {
        let file_len = regular_file_len(path)?;
        let (reader, format) = match PytorchReader::with_top_level_key(path, "state_dict") {
            Ok(reader) => (reader, CheckpointFormat::Lightning),
            Err(pytorch_reader::PytorchError::KeyNotFound(_)) => (
                PytorchReader::new(path).map_err(|e| torch_open_err(path, e))?,
                CheckpointFormat::TorchStateDict,
            ),
            Err(e) => return Err(torch_open_err(path, e)),
        };
        let is_float_tensor = |t: &pytorch_reader::Tensor| is_float(&format!("{:?}", t.dtype()));
        check_decoded_size(
            path,
            file_len,
            reader
                .tensors()
                .iter()
                .filter(|(_, t)| is_float_tensor(t))
                .map(|(name, t)| (name.as_str(), t.num_elements())),
        )?;
        // The pickled tree (tensors as placeholders): the flattened names' uniqueness, and the
        // run's scalars below.
        let top = PytorchReader::read_pickle_data(path, None).ok();
        let weights = match (&top, format) {
            (Some(PickleValue::Dict(top)), CheckpointFormat::Lightning) => top.get("state_dict"),
            (top, _) => top.as_ref(),
        };
        if let Some(weights) = weights {
            check_unique_tensor_names(path, weights)?;
        }
        let mut tensors = BTreeMap::new();
        let mut non_float = BTreeMap::new();
        for (name, t) in reader.tensors() {
            let dtype = format!("{:?}", t.dtype());
            if !is_float(&dtype) {
                non_float.insert(name.clone(), (dtype, t.shape().to_vec()));
                continue;
            }
            // `pytorch-reader` puts the tensor's name in front of its read errors; it is added
            // here only when missing, so the message names the tensor once.
            let bytes = t.read().map_err(|e| {
                let message = e.to_string();
                if message.starts_with(&format!("tensor '{name}': ")) {
                    read_err(path, message)
                } else {
                    read_err(path, format!("tensor '{name}': {message}"))
                }
            })?;
            let data = decode_floats(path, name, &dtype, &bytes)?;
            tensors.insert(
                name.clone(),
                HostTensor {
                    shape: t.shape().to_vec(),
                    data,
                },
            );
        }
        let mut sd = Self {
            path: path.to_path_buf(),
            format,
            tensors,
            non_float,
            global_step: None,
            epoch: None,
            metadata: BTreeMap::new(),
        };
        // The top level also holds optimizer states and loop bookkeeping; only scalars interest us.
        if let Some(PickleValue::Dict(top)) = top {
            for (k, v) in top {
                match (k.as_str(), &v) {
                    ("global_step", PickleValue::Int(i)) => sd.global_step = Some(*i),
                    ("epoch", PickleValue::Int(i)) => sd.epoch = Some(*i),
                    (_, PickleValue::String(s)) => {
                        sd.metadata.insert(k.clone(), s.clone());
                    }
                    _ => {}
                }
            }
        }
        Ok(sd)
    }

    /// Reads a safetensors file; `step` / `epoch` come from its metadata when present.
    ///
    /// # Errors
    /// [`NnError::Read`] for a path that is not a regular file or not valid safetensors;
    /// [`NnError::Dtype`] for float tensors other than f32/f16/bf16/f64.
    pub fn from_safetensors(path: &Path) -> Result<Self, NnError> {
        regular_file_len(path)?;
        let bytes = std::fs::read(path).map_err(|e| read_err(path, e))?;
        let st = safetensors::SafeTensors::deserialize(&bytes)
            .map_err(|e| read_err(path, safetensors_problem(&bytes).unwrap_or(e.to_string())))?;
        let (_, meta) =
            safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| read_err(path, e))?;
        let metadata: BTreeMap<String, String> = meta
            .metadata()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        let mut tensors = BTreeMap::new();
        let mut non_float = BTreeMap::new();
        for (name, view) in st.tensors() {
            let dtype = format!("{:?}", view.dtype());
            if !is_float(&dtype) {
                non_float.insert(name, (dtype, view.shape().to_vec()));
                continue;
            }
            let data = decode_floats(path, &name, &dtype, view.data())?;
            tensors.insert(
                name,
                HostTensor {
                    shape: view.shape().to_vec(),
                    data,
                },
            );
        }
        Ok(Self {
            path: path.to_path_buf(),
            format: CheckpointFormat::SafeTensors,
            global_step: metadata.get("global_step").and_then(|s| s.parse().ok()),
            epoch: metadata.get("epoch").and_then(|s| s.parse().ok()),
            tensors,
            non_float,
            metadata,
        })
    }

    /// Total number of scalars over all tensors.
    pub fn numel(&self) -> usize {
        self.tensors.values().map(HostTensor::numel).sum()
    }
}

/// Whether `pytorch-reader` recognises `path`'s container (zip, TAR, legacy stream, pickle).
fn is_torch_container(path: &Path) -> bool {
    !matches!(
        PytorchReader::new(path),
        Err(pytorch_reader::PytorchError::InvalidFormat(m)) if m.starts_with("not a PyTorch checkpoint")
    )
}

fn is_float(dtype: &str) -> bool {
    matches!(
        dtype.to_ascii_uppercase().as_str(),
        "F32" | "F16" | "BF16" | "F64"
    )
}

/// f32 / f16 / bf16 / f64 little-endian bytes to f32 values.
fn decode_floats(path: &Path, key: &str, dtype: &str, bytes: &[u8]) -> Result<Vec<f32>, NnError> {
    let d = dtype.to_ascii_uppercase();
    Ok(match d.as_str() {
        "F32" => bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        "F16" => bytes
            .chunks_exact(2)
            .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
        "F64" => bytes
            .chunks_exact(8)
            // Invariant: chunks_exact(8) only yields 8-byte slices.
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32)
            .collect(),
        "BF16" => bytes
            .chunks_exact(2)
            .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
        _ => {
            return Err(NnError::Dtype {
                path: path.to_path_buf(),
                key: key.to_string(),
                dtype: dtype.to_string(),
            });
        }
    })
}

/// Hands tensors of a [`StateDict`] to modules by name and keeps score of what went wrong, so
/// one error lists every missing, unexpected and wrong-shaped tensor at once.
pub struct WeightLoader<'a> {
    sd: &'a StateDict,
    device: Device,
    used: BTreeSet<String>,
    missing: Vec<String>,
    wrong_shape: Vec<String>,
    wrong_dtype: Vec<String>,
    wrong_value: Vec<String>,
}

impl<'a> WeightLoader<'a> {
    pub fn new(sd: &'a StateDict, device: &Device) -> Self {
        Self {
            sd,
            device: device.clone(),
            used: BTreeSet::new(),
            missing: Vec::new(),
            wrong_shape: Vec::new(),
            wrong_dtype: Vec::new(),
            wrong_value: Vec::new(),
        }
    }

    /// The tensor `name` with `shape`, or `None` (recorded) when absent or of another shape.
    pub fn tensor<const D: usize>(&mut self, name: &str, shape: [usize; D]) -> Option<Tensor<D>> {
        let t = self.host(name, &shape)?;
        Some(Tensor::from_data(
            TensorData::new(t.data.clone(), shape),
            &self.device,
        ))
    }

    /// The host tensor `name` if it has `shape` (up to unit dims), else `None` (recorded).
    fn host(&mut self, name: &str, shape: &[usize]) -> Option<&'a HostTensor> {
        let Some(t) = self.sd.tensors.get(name) else {
            self.absent(name, shape);
            return None;
        };
        self.used.insert(name.to_string());
        // A reshape is fine when only unit dims differ (e.g. a (1,3,3) conv used as 3×3).
        if t.numel() != shape.iter().product::<usize>() || squeeze(&t.shape) != squeeze(shape) {
            self.wrong_shape.push(format!(
                "{name}: file has {:?}, model needs {shape:?}",
                t.shape
            ));
            return None;
        }
        Some(t)
    }

    /// Replaces `param` with the tensor `name` when it is present and fits.
    pub fn load<const D: usize>(&mut self, param: &mut Param<Tensor<D>>, name: &str) {
        let shape = param.val().dims();
        if let Some(t) = self.tensor(name, shape) {
            *param = Param::from_tensor(t);
        }
    }

    /// Like [`WeightLoader::load`] for a PyTorch `Linear` weight `[out, in]`, which burn stores
    /// transposed as `[in, out]`.
    pub fn load_transposed(&mut self, param: &mut Param<Tensor<2>>, name: &str) {
        let [i, o] = param.val().dims();
        if let Some(t) = self.host(name, &[o, i]) {
            // Transposed on the host so the weight is contiguous in burn's layout: a strided
            // view would make matmuls slower and round differently from a fresh module.
            let mut data = vec![0f32; i * o];
            for r in 0..o {
                for c in 0..i {
                    data[c * o + r] = t.data[r * i + c];
                }
            }
            *param = Param::from_tensor(Tensor::from_data(
                TensorData::new(data, [i, o]),
                &self.device,
            ));
        }
    }

    /// Checks a tensor the model recomputes instead of loading (e.g. rotary frequencies): it
    /// must exist with `shape` and hold `expected` within `rtol` (relative, elementwise).
    /// The key counts as used; a deviation is reported by [`WeightLoader::finish`], because a
    /// file whose constants differ from ours was made by a different model.
    pub fn expect_values(&mut self, name: &str, shape: &[usize], expected: &[f32], rtol: f32) {
        let Some(t) = self.sd.tensors.get(name) else {
            self.absent(name, shape);
            return;
        };
        self.used.insert(name.to_string());
        if t.shape != shape {
            self.wrong_shape.push(format!(
                "{name}: file has {:?}, model needs {shape:?}",
                t.shape
            ));
            return;
        }
        let worst = t
            .data
            .iter()
            .zip(expected)
            .enumerate()
            .map(|(i, (&a, &e))| (i, (a - e).abs() / e.abs().max(f32::MIN_POSITIVE)))
            .fold(
                (0, 0f32),
                |w, c| if c.1 > w.1 || c.1.is_nan() { c } else { w },
            );
        if worst.1 > rtol || worst.1.is_nan() {
            let i = worst.0;
            self.wrong_value.push(format!(
                "{name}[{i}]: file has {}, expected {} (rtol {rtol})",
                t.data[i], expected[i]
            ));
        }
    }

    /// Records that no float tensor `name` exists: an integer or bool tensor of that name is
    /// reported with its dtype (torch would cast it; a weight saved so is a mistake), anything
    /// else as missing.
    fn absent(&mut self, name: &str, shape: &[usize]) {
        match self.sd.non_float.get(name) {
            Some((dtype, file_shape)) => {
                self.used.insert(name.to_string());
                self.wrong_dtype.push(format!(
                    "{name}: file has {dtype} {file_shape:?}, model needs a float tensor {shape:?}"
                ));
            }
            None => self.missing.push(format!("{name} {shape:?}")),
        }
    }

    /// Marks keys the model intentionally does not read (e.g. recomputed diffusion buffers).
    pub fn skip(&mut self, name: &str) {
        self.used.insert(name.to_string());
    }

    /// Fails with one message listing every problem; `prefix` limits "unexpected" to keys of
    /// this model's namespace.
    pub fn finish(self, prefix: &str) -> Result<(), NnError> {
        let unexpected: Vec<&String> = self
            .sd
            .tensors
            .keys()
            .filter(|k| k.starts_with(prefix) && !self.used.contains(*k))
            .collect();
        if self.missing.is_empty()
            && self.wrong_shape.is_empty()
            && self.wrong_dtype.is_empty()
            && self.wrong_value.is_empty()
            && unexpected.is_empty()
        {
            return Ok(());
        }
        let mut details = String::new();
        let mut section = |title: &str, items: Vec<String>| {
            if !items.is_empty() {
                details.push_str(&format!(
                    "\n  {title} ({}): {}",
                    items.len(),
                    summarize(&items)
                ));
            }
        };
        section("missing", self.missing);
        section("wrong shape", self.wrong_shape);
        section("not float", self.wrong_dtype);
        section("wrong value", self.wrong_value);
        section("unexpected", unexpected.into_iter().cloned().collect());
        Err(NnError::Mismatch {
            path: self.sd.path.clone(),
            details,
        })
    }
}

fn squeeze(shape: &[usize]) -> Vec<usize> {
    shape.iter().copied().filter(|&d| d != 1).collect()
}

/// The first few items, then a count, so a wrong-model error stays readable.
fn summarize(items: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut s = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        s.push_str(&format!(", … and {} more", items.len() - SHOWN));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(values: Vec<f32>) -> StateDict {
        StateDict {
            path: PathBuf::from("mem"),
            format: CheckpointFormat::SafeTensors,
            tensors: BTreeMap::from([(
                "m.freqs".to_string(),
                HostTensor {
                    shape: vec![values.len()],
                    data: values,
                },
            )]),
            global_step: None,
            epoch: None,
            non_float: BTreeMap::new(),
            metadata: BTreeMap::new(),
        }
    }

    #[test]
    fn recomputed_constants_must_match_the_file() {
        let device = Device::flex();
        let sd = dict(vec![1.0, 0.1]);
        let mut w = WeightLoader::new(&sd, &device);
        w.expect_values("m.freqs", &[2], &[1.0, 0.1], 1e-6);
        w.finish("m.").unwrap();

        let mut w = WeightLoader::new(&sd, &device);
        w.expect_values("m.freqs", &[2], &[1.0, 0.2], 1e-6);
        let err = w.finish("m.").unwrap_err().to_string();
        assert!(
            err.contains("wrong value") && err.contains("m.freqs[1]"),
            "{err}"
        );

        let mut w = WeightLoader::new(&sd, &device);
        w.expect_values("m.freqs", &[3], &[1.0, 0.1, 0.01], 1e-6);
        w.expect_values("m.other", &[2], &[1.0, 0.1], 1e-6);
        let err = w.finish("m.").unwrap_err().to_string();
        assert!(
            err.contains("wrong shape") && err.contains("missing"),
            "{err}"
        );
    }
}
