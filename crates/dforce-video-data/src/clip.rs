//! One dataset item: a clip of frames with its one-hot actions and nonterminal mask, as the
//! reference's `__getitem__` returns `(video[::frame_skip], actions[::frame_skip],
//! nonterminal[::frame_skip])`.

use std::path::PathBuf;

/// The reference's `data_mean` for both TECO datasets: the model sees `(x − 0.5) / 0.5`.
pub const DATA_MEAN: f32 = 0.5;
/// Colour channels of every frame a [`VideoClip`] holds: TECO's DMLab and Minecraft videos and
/// the native maze are RGB (`uint8` `(T, H, W, 3)` in the files).
pub const CHANNELS: usize = 3;
/// The reference's `data_std` for both TECO datasets.
pub const DATA_STD: f32 = 0.5;

/// A clip, in row-major `f32` buffers.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoClip {
    /// Frames in `[0, 1]`, shape `(frames, channels, height, width)`.
    pub video: Vec<f32>,
    /// One-hot actions, shape `(frames, n_actions)`; all-zero rows for padding frames (past the
    /// video's end, nonterminal 0). A real frame always has its action: a file with too few is
    /// an error.
    pub actions: Vec<f32>,
    /// The actions that lead *into* each kept frame, for action-conditioned models (dforce;
    /// the reference never conditions video): row `k ≥ 1` holds the fraction of each action
    /// among the `frame_skip` raw steps from kept frame `k − 1` to kept frame `k` (one-hot when
    /// `frame_skip` is 1). Row 0, and rows past the video's end, are zero: nothing known led
    /// there. Shape `(frames, n_actions)`.
    pub actions_in: Vec<f32>,
    /// `1` for real frames, `0` for zero padding past the end of a short video, shape `(frames,)`.
    pub nonterminal: Vec<f32>,
    /// Number of frames.
    pub frames: usize,
    /// Colour channels ([`CHANNELS`]).
    pub channels: usize,
    /// Frame height.
    pub height: usize,
    /// Frame width.
    pub width: usize,
    /// Width of the one-hot action encoding.
    pub n_actions: usize,
    /// Where the clip came from.
    pub source: ClipSource,
}

/// Provenance of a clip, for debugging and for matching clips across implementations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipSource {
    /// The `.npz` file.
    pub file: PathBuf,
    /// Index of that file in the split's sorted file list.
    pub video_index: usize,
    /// First raw frame of the clip.
    pub start: usize,
    /// Flat clip number (after the index remap).
    pub clip: usize,
}

impl VideoClip {
    /// `(frames, channels, height, width)`.
    pub fn shape(&self) -> [usize; 4] {
        [self.frames, self.channels, self.height, self.width]
    }

    /// Frame `t` as `(channels, height, width)`.
    pub fn frame(&self, t: usize) -> &[f32] {
        let n = self.channels * self.height * self.width;
        &self.video[t * n..(t + 1) * n]
    }

    /// The video as the model sees it: `(x − DATA_MEAN) / DATA_STD`, i.e. `2x − 1` in `[−1, 1]`.
    pub fn normalized_video(&self) -> Vec<f32> {
        self.video
            .iter()
            .map(|&x| (x - DATA_MEAN) / DATA_STD)
            .collect()
    }
}
