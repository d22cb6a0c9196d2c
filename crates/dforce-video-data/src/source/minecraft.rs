//! Minecraft files: `actions` in `<stem>.npz`, frames in the sibling `<stem>.mp4` (decoded with
//! the `mp4` cargo feature).

use std::ops::Range;
use std::path::{Path, PathBuf};

use dforce_io::npz::NpzFile;

use super::RawFrames;
use super::actions::{check_probed_actions, probe_actions};
use crate::error::VideoDataError;

/// `<stem>.mp4` beside `<stem>.npz`.
fn video_path(npz: &Path) -> PathBuf {
    npz.with_extension("mp4")
}

pub(super) fn probe_length(path: &Path) -> Result<usize, VideoDataError> {
    let mut npz = NpzFile::open(path)?;
    let actions = probe_actions(&mut npz)?;
    let frames = frame_count(&video_path(path))?;
    check_probed_actions(path, actions, frames)?;
    Ok(frames)
}

#[cfg(feature = "mp4")]
fn frame_count(video: &Path) -> Result<usize, VideoDataError> {
    crate::mp4::frame_count(video)
}

#[cfg(not(feature = "mp4"))]
fn frame_count(video: &Path) -> Result<usize, VideoDataError> {
    Err(VideoDataError::Mp4Unsupported {
        path: video.to_path_buf(),
    })
}

#[cfg(feature = "mp4")]
pub(super) fn read_frames(path: &Path, range: Range<usize>) -> Result<RawFrames, VideoDataError> {
    crate::mp4::decode_frames(&video_path(path), range)
}

#[cfg(not(feature = "mp4"))]
pub(super) fn read_frames(path: &Path, _range: Range<usize>) -> Result<RawFrames, VideoDataError> {
    Err(VideoDataError::Mp4Unsupported {
        path: video_path(path),
    })
}

#[cfg(feature = "mp4")]
pub(super) fn read_frames_with_lead(
    path: &Path,
    range: Range<usize>,
) -> Result<(usize, RawFrames), VideoDataError> {
    crate::mp4::decode_frames_with_lead(&video_path(path), range)
}

#[cfg(not(feature = "mp4"))]
pub(super) fn read_frames_with_lead(
    path: &Path,
    _range: Range<usize>,
) -> Result<(usize, RawFrames), VideoDataError> {
    Err(VideoDataError::Mp4Unsupported {
        path: video_path(path),
    })
}
