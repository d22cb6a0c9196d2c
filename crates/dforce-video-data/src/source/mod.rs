//! Reading one video file of a TECO dataset: its length (for `metadata.json`), a range of its
//! frames, and its actions. DMLab keeps frames in the `.npz`; Minecraft in a sibling `.mp4`.

mod actions;
mod dmlab;
mod minecraft;

use std::ops::Range;
use std::path::Path;

pub(crate) use actions::SHORT_ACTIONS_FIX;
pub use actions::read_actions;

use crate::error::VideoDataError;
use crate::kind::VideoKind;

/// The pixel values of [`RawFrames`].
#[derive(Debug, Clone, PartialEq)]
pub enum Pixels {
    /// uint8 values as stored: every `.mp4`, and a DMLab `video` saved as uint8 (TECO's files).
    U8(Vec<u8>),
    /// A DMLab `video` of another numeric dtype, already divided by 255 as the reference's
    /// `torch.from_numpy(video / 255.0).float()` divides it: in float16 arithmetic for float16, in
    /// float32 for float32 and in float64 for every other dtype (numpy's `video / 255.0`), then
    /// rounded to `f32`. Values are not clamped, as there.
    Scaled(Vec<f32>),
}

impl Pixels {
    /// Bytes per value held.
    pub fn item_size(&self) -> usize {
        match self {
            Self::U8(_) => 1,
            Self::Scaled(_) => size_of::<f32>(),
        }
    }

    /// Number of values held.
    pub fn len(&self) -> usize {
        match self {
            Self::U8(v) => v.len(),
            Self::Scaled(v) => v.len(),
        }
    }

    /// Whether no values are held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        match self {
            Self::U8(v) => v.shrink_to_fit(),
            Self::Scaled(v) => v.shrink_to_fit(),
        }
    }
}

/// One `(height, width, 3)` frame of [`RawFrames`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Frame<'a> {
    /// uint8 values as stored.
    U8(&'a [u8]),
    /// Values already divided by 255 (see [`Pixels::Scaled`]).
    Scaled(&'a [f32]),
}

impl<'a> Frame<'a> {
    /// The stored bytes of a uint8 frame; `None` for a frame of another dtype.
    pub fn bytes(self) -> Option<&'a [u8]> {
        match self {
            Self::U8(b) => Some(b),
            Self::Scaled(_) => None,
        }
    }

    /// Channel `c` (0..3) of the frame as the reference's `video / 255.0` gives it, into `out`
    /// (`height · width` values, row-major).
    pub fn scaled_channel(self, c: usize, out: &mut [f32]) {
        match self {
            Self::U8(rgb) => {
                for (s, px) in out.iter_mut().zip(rgb.chunks_exact(3)) {
                    *s = f32::from(px[c]) / 255.0;
                }
            }
            Self::Scaled(rgb) => {
                for (s, px) in out.iter_mut().zip(rgb.chunks_exact(3)) {
                    *s = px[c];
                }
            }
        }
    }
}

/// Consecutive RGB frames, `(count, height, width, 3)` in C order.
#[derive(Debug, Clone, PartialEq)]
pub struct RawFrames {
    /// Pixel values.
    pub pixels: Pixels,
    /// Number of frames.
    pub count: usize,
    /// Frame height.
    pub height: usize,
    /// Frame width.
    pub width: usize,
}

impl RawFrames {
    /// Frame `t` as `(height, width, 3)` values.
    pub fn frame(&self, t: usize) -> Frame<'_> {
        let n = self.height * self.width * 3;
        match &self.pixels {
            Pixels::U8(v) => Frame::U8(&v[t * n..(t + 1) * n]),
            Pixels::Scaled(v) => Frame::Scaled(&v[t * n..(t + 1) * n]),
        }
    }

    /// Bytes the pixel values take.
    pub fn byte_len(&self) -> usize {
        self.pixels.len() * self.pixels.item_size()
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

/// Frames `range` of the video whose `.npz` is `path`. A video that ends sooner (a DMLab
/// `video`, a Minecraft `.mp4`) gives the frames it holds (numpy's `video[start:end]`;
/// [`RawFrames::count`] says how many, 0 when `range.start` is at or past its end), which the
/// dataset pads as the reference does.
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

/// Frames `range` together with the other frames that reading them decodes anyway, for a cache
/// to keep: a DMLab `video` member is inflated whole (from row 0, and to its end to check its
/// CRC-32), so all of its frames are returned; a Minecraft `.mp4` is decoded from the last IDR
/// keyframe at or before `range.start` to `range.end`. Returns the first frame held and the
/// frames from it (for DMLab, `0..` the file's length). Either may end before `range.end` when
/// the video is shorter than `metadata.json` says, as [`read_frames`] does; for a Minecraft
/// `.mp4` whose end is at or before `range.start`, the frames are those from its last IDR
/// keyframe to its end.
pub fn read_frames_with_lead(
    kind: VideoKind,
    path: &Path,
    range: Range<usize>,
) -> Result<(usize, RawFrames), VideoDataError> {
    match kind {
        VideoKind::Dmlab => dmlab::read_frames(path, 0..usize::MAX).map(|f| (0, f)),
        VideoKind::Minecraft => minecraft::read_frames_with_lead(path, range),
    }
}
