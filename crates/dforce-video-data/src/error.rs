//! Error type. Every variant that concerns a file names it, so one bad file among tens of thousands
//! is found from the message alone.

use std::path::PathBuf;

use dforce_io::NpzError;

/// Where the TECO datasets come from, quoted in [`VideoDataError::NoData`].
pub const TECO_SOURCE_HINT: &str = "the TECO datasets are downloaded with the scripts of the TECO \
GitHub repository (wilson1yan/teco: scripts/download/dmlab.sh and scripts/download/minecraft.sh, \
as the reference README says); rename their `train` folder to `training` and `test` to \
`validation`. For a native stand-in needing no download, use `dataset=video_maze3d` (generated on \
first use) or `dforce data video --world maze3d --out DIR`";

/// Errors opening or reading a video dataset, or generating one.
#[derive(Debug, thiserror::Error)]
pub enum VideoDataError {
    /// No `.npz` files where a dataset was expected.
    #[error("no {kind} video data under {root} (looked for {pattern}); {hint}", hint = TECO_SOURCE_HINT)]
    NoData {
        /// Dataset name (`dmlab`, `minecraft`).
        kind: &'static str,
        /// Dataset root.
        root: PathBuf,
        /// The glob that found nothing.
        pattern: String,
    },
    /// The split opened holds no `.npz` files while the other holds some: the dataset is only
    /// partly there (an interrupted generation or download), not missing, so where TECO data
    /// comes from is beside the point.
    #[error("{root}: the dataset looks incomplete: {reason}")]
    Incomplete {
        /// Dataset root.
        root: PathBuf,
        /// What is there and what is missing, and what to do.
        reason: String,
    },
    /// An `.npz` file is unreadable, truncated or has unexpected arrays.
    #[error(transparent)]
    Npz(#[from] NpzError),
    /// A video file is unreadable or malformed (a Minecraft `.mp4`), or an array is inconsistent.
    #[error("{path}: {reason}")]
    BadFile {
        /// File.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Minecraft frames need the `mp4` cargo feature.
    #[error(
        "{path}: decoding Minecraft .mp4 video needs dforce-video-data built with the `mp4` cargo \
         feature (`--features mp4`, which compiles the OpenH264 decoder and needs a C/C++ compiler)"
    )]
    Mp4Unsupported {
        /// The video that could not be read.
        path: PathBuf,
    },
    /// `metadata.json` is malformed or does not match the files on disk.
    #[error("{path}: {reason}")]
    Metadata {
        /// The metadata file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A filesystem operation failed (the cause is chained as `source()`).
    #[error("{path}")]
    Io {
        /// File or directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// An item index past the dataset's end.
    #[error("item {index} out of range for a dataset of {len} clips")]
    IndexOutOfRange {
        /// Requested index.
        index: usize,
        /// Dataset length.
        len: usize,
    },
}

impl VideoDataError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    /// A malformed-file error for `path`.
    pub(crate) fn bad_file(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Self::BadFile {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
