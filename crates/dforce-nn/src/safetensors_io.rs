//! Writing state dicts as safetensors, atomically.
//!
//! The file is written next to its destination under a temporary name, flushed to disk and
//! renamed over the destination ([`dforce_io::atomic`]), so a crash mid-write never leaves a
//! half-written checkpoint: readers see either the old file or the new one.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use safetensors::tensor::{Dtype, TensorView};

use crate::error::NnError;
use crate::state_dict::HostTensor;

/// Writes `tensors` (f32) with string `metadata` to `path` atomically.
pub fn write_safetensors_atomic(
    path: &Path,
    tensors: &BTreeMap<String, HostTensor>,
    metadata: &BTreeMap<String, String>,
) -> Result<(), NnError> {
    let err = |e: &dyn std::fmt::Display| NnError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let bytes: Vec<(&String, Vec<u8>, &Vec<usize>)> = tensors
        .iter()
        .map(|(k, t)| {
            (
                k,
                t.data.iter().flat_map(|v| v.to_le_bytes()).collect(),
                &t.shape,
            )
        })
        .collect();
    let views = bytes
        .iter()
        .map(|(k, b, shape)| {
            Ok((
                (*k).clone(),
                TensorView::new(Dtype::F32, (*shape).clone(), b).map_err(|e| err(&e))?,
            ))
        })
        .collect::<Result<Vec<_>, NnError>>()?;
    let meta: HashMap<String, String> = metadata.clone().into_iter().collect();
    let serialized = safetensors::serialize(views, Some(meta)).map_err(|e| err(&e))?;

    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
    dforce_io::atomic::write_bytes_atomic(path, &serialized).map_err(|e| err(&e))
}
