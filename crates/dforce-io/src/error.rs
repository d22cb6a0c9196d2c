//! Error types of the file formats. Each names the file (and key) it failed on, so a bad input
//! is diagnosable from the message alone; an underlying error is chained as `source()`, never
//! repeated in the message.

use std::path::PathBuf;

/// Errors reading `.npy`/`.npz` files.
#[derive(Debug, thiserror::Error)]
pub enum NpzError {
    /// The file could not be read.
    #[error("{path}")]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not a readable zip archive.
    #[error("{path}: not a readable npz (zip) archive")]
    Zip {
        /// File.
        path: PathBuf,
        /// Cause.
        source: zip::result::ZipError,
    },
    /// A required array is absent: no member named `key` or `key.npy` (the names numpy's
    /// `NpzFile.__getitem__` looks up).
    #[error(
        "{path}: missing array {key:?}: the archive has no member named {key:?} or \"{key}.npy\""
    )]
    MissingKey {
        /// File.
        path: PathBuf,
        /// Array name (without `.npy`).
        key: String,
    },
    /// An array is present but malformed or of an unexpected type/shape.
    #[error("{path}: array {key:?}: {reason}")]
    BadArray {
        /// File.
        path: PathBuf,
        /// Array name.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A member's data does not match the CRC-32 the zip records for it (its central directory
    /// entry, which holds what the local header or data descriptor holds): the bytes changed
    /// after the file was written. Python's `zipfile`, and so `np.load`, refuses such a member
    /// with `BadZipFile: Bad CRC-32 for file '…'`.
    #[error(
        "bad CRC-32 for member {member:?} of {path}: the file is corrupt (its zip directory \
         records CRC-32 {recorded:08x}, the member's data hashes to {computed:08x}; np.load \
         refuses it too); restore the file from its source or write it again"
    )]
    BadCrc {
        /// File.
        path: PathBuf,
        /// Zip member name (e.g. `video.npy`).
        member: String,
        /// The CRC-32 the zip directory records.
        recorded: u32,
        /// The CRC-32 of the member's decompressed data.
        computed: u32,
    },
    /// An archive could not be written.
    #[error("{path}: cannot write npz: {reason}")]
    Write {
        /// File.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// The arrays are individually fine but inconsistent with each other.
    #[error("{path}: {reason}")]
    Inconsistent {
        /// File.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// Errors reading or writing HDF5 files.
#[derive(Debug, thiserror::Error)]
pub enum Hdf5Error {
    /// The file could not be read or written.
    #[error("{path}")]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The file structure is invalid or unsupported (superblock, headers, groups).
    #[error("{path}: invalid or unsupported HDF5: {reason}")]
    Format {
        /// File.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A dataset or group is absent.
    #[error("{path}: no dataset {key:?}")]
    MissingKey {
        /// File.
        path: PathBuf,
        /// Dataset path.
        key: String,
    },
    /// A dataset exists but cannot be read or has the wrong shape/type.
    #[error("{path}: dataset {key:?}: {reason}")]
    BadDataset {
        /// File.
        path: PathBuf,
        /// Dataset path.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// `hdf5-writer` could not encode the file.
    #[error("cannot encode the HDF5 file")]
    Encode {
        /// Cause.
        source: hdf5_writer::Error,
    },
    /// Writer input is inconsistent.
    #[error("cannot write dataset {key:?}: {reason}")]
    InvalidInput {
        /// Dataset path.
        key: String,
        /// What is wrong.
        reason: String,
    },
}
