//! Clip indexing: every start offset of every video is one dataset item, as in the reference's
//! `BaseVideoDataset` (`clips_per_video = max(len − n_frames_raw + 1, 1)`, cumulative sums, and
//! `video = argmax(cum > j)`).

/// Maps a flat clip number to `(video, start frame)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipIndex {
    /// `cum[v]` = clips in videos `0..=v`.
    cum: Vec<usize>,
}

/// Clips of one video: every start offset that fits `n_frames_raw` frames, and at least one (a
/// video shorter than a clip yields one zero-padded clip).
pub fn clips_per_video(len: usize, n_frames_raw: usize) -> usize {
    (len + 1).saturating_sub(n_frames_raw).max(1)
}

impl ClipIndex {
    /// Indexes videos of the given lengths for clips of `n_frames_raw` raw frames.
    pub fn new(lengths: &[usize], n_frames_raw: usize) -> Self {
        let cum = lengths
            .iter()
            .scan(0usize, |acc, &len| {
                *acc += clips_per_video(len, n_frames_raw);
                Some(*acc)
            })
            .collect();
        Self { cum }
    }

    /// Total number of clips.
    pub fn len(&self) -> usize {
        self.cum.last().copied().unwrap_or(0)
    }

    /// Whether there are no clips (no videos).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The video and start frame of clip `j` (`j < len()`), by binary search over the cumulative
    /// counts.
    pub fn locate(&self, j: usize) -> Option<(usize, usize)> {
        if j >= self.len() {
            return None;
        }
        let video = self.cum.partition_point(|&c| c <= j);
        let before = if video == 0 { 0 } else { self.cum[video - 1] };
        Some((video, j - before))
    }
}
