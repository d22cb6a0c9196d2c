//! Reading one video file of a TECO dataset: its length (for `metadata.json`), a range of its
//! frames, and its actions. DMLab keeps frames in the `.npz`; Minecraft in a sibling `.mp4`.

mod actions;
mod dmlab;
mod minecraft;

use std::ops::Range;
use std::path::Path;

pub use actions::read_actions;

use crate::error::VideoDataError;
use crate::kind::VideoKind;

/// Consecutive RGB frames, `(count, height, width, 3)` uint8, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFrames {
    /// Pixel bytes.
    pub data: Vec<u8>,
    /// Number of frames.
    pub count: usize,
    /// Frame height.
    pub height: usize,
    /// Frame width.
    pub width: usize,
}

impl RawFrames {
    /// Frame `t` as `(height, width, 3)` bytes.
    pub fn frame(&self, t: usize) -> &[u8] {
        let n = self.height * self.width * 3;
        &self.data[t * n..(t + 1) * n]
    }
}

/// Number of frames of the video whose `.npz` is `path`, after checking that its arrays have the
/// expected types and shapes (what building `metadata.json` records).
pub fn probe_length(kind: VideoKind, path: &Path) -> Result<usize, VideoDataError> {
    match kind {
        VideoKind::Dmlab => dmlab::probe_length(path),
        VideoKind::Minecraft => minecraft::probe_length(path),
    }
}

/// Frames `range` of the video whose `.npz` is `path` (`range.end` ≤ its length, else an error
/// naming the file).
pub fn read_frames(
    kind: VideoKind,
    path: &Path,
    range: Range<usize>,
) -> Result<RawFrames, VideoDataError> {
    match kind {
        VideoKind::Dmlab => dmlab::read_frames(path, range),
        VideoKind::Minecraft => minecraft::read_frames(path, range),
    }
}

/// Frames `range` together with the earlier frames that reading them passes anyway, for a cache
/// to keep: DMLab's `video` member is decompressed from row 0, a Minecraft `.mp4` is decoded from
/// the last IDR keyframe at or before `range.start`. Returns the first frame held and the frames
/// `first..range.end`.
pub fn read_frames_with_lead(
    kind: VideoKind,
    path: &Path,
    range: Range<usize>,
) -> Result<(usize, RawFrames), VideoDataError> {
    match kind {
        VideoKind::Dmlab => dmlab::read_frames(path, 0..range.end).map(|f| (0, f)),
        VideoKind::Minecraft => minecraft::read_frames_with_lead(path, range),
    }
}
