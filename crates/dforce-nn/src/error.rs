//! Errors of network construction and checkpoint I/O. Every message names the file or key.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Clone, Error)]
pub enum NnError {
    #[error("cannot read checkpoint {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error(
        "{path} is empty: a checkpoint is a safetensors file or a torch.save file (zip, legacy or TAR)"
    )]
    Empty { path: PathBuf },
    #[error(
        "{path} is neither a safetensors file nor a torch.save file (a Lightning .ckpt or a state dict: zip, legacy pickle stream or TAR); first bytes: {head}"
    )]
    UnknownFormat { path: PathBuf, head: String },
    #[error("{path}: tensor '{key}' has unsupported dtype {dtype}; expected f32, f16, bf16 or f64")]
    Dtype {
        path: PathBuf,
        key: String,
        dtype: String,
    },
    #[error("{path} does not fit this model:{details}")]
    Mismatch { path: PathBuf, details: String },
    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },
    #[error("invalid network config: {0}")]
    Config(String),
    #[error("invalid network input: {0}")]
    Input(String),
}
