//! Dataset options: the reference's `dataset/video_*.yaml` keys the loader uses, plus the two
//! choices this port adds (clip order, what to do with bad files).

use crate::error::VideoDataError;
use crate::split::Split;

/// The largest frame side accepted (`resolution`), in pixels.
pub const MAX_RESOLUTION: usize = 4096;

/// The largest clip buffer accepted (`frames × 3 × resolution²` float32), in bytes: 64 GiB.
pub const MAX_CLIP_BYTES: usize = 1 << 36;

/// How dataset indices map to clips.
///
/// The reference calls `random.seed(0)` (reseeding Python's *global* RNG, a side effect on all
/// later draws) and materialises a `random.shuffle`d list of every clip index (≈56 M entries for
/// Minecraft training). Only the validation order is observable there: its loader does not
/// shuffle and uses `limit_batch = 1`, so the validation clips are always the first few entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClipOrder {
    /// The reference's *observable* behaviour at low cost: the exact CPython
    /// `random.seed(0); random.shuffle` order for the validation split (so the same validation
    /// clips are drawn), and the lazy seed-0 permutation for training, whose order the training
    /// loader reshuffles anyway.
    #[default]
    Reference,
    /// A lazy seeded bijection (O(1) memory, O(1) per lookup) over all clip indices.
    Permuted {
        /// Permutation seed.
        seed: u64,
    },
    /// CPython's `random.seed(seed); random.shuffle(list(range(len)))`, reproduced with an MT19937
    /// port and materialised (4 or 8 bytes per clip).
    CPythonShuffle {
        /// The integer passed to `random.seed`.
        seed: u64,
    },
    /// No shuffle: index `i` is the `i`-th clip in file order.
    Sequential,
}

/// What to do with a file that cannot be indexed while building `metadata.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BadFilePolicy {
    /// Stop with an error naming the file.
    #[default]
    Fail,
    /// Log the file and reason to stderr, leave it out of the dataset, and record it under
    /// `skipped` in `metadata.json` so later opens leave it out too.
    Skip,
}

/// Options of a [`crate::VideoDataset`] (the reference's `dataset` config keys).
#[derive(Debug, Clone, PartialEq)]
pub struct VideoDatasetConfig {
    /// Frames per returned clip (after `frame_skip`).
    pub n_frames: usize,
    /// Keep every `frame_skip`-th raw frame.
    pub frame_skip: usize,
    /// Outside training, clips are `validation_multiplier` times longer.
    pub validation_multiplier: usize,
    /// Output frames are `resolution × resolution` (resized with antialiasing when different).
    pub resolution: usize,
    /// Frames given as context when sampling; carried for the algorithm, not used by the loader
    /// beyond checking it fits in a clip.
    pub context_length: usize,
    /// Index-to-clip mapping.
    pub clip_order: ClipOrder,
    /// Handling of unreadable files when `metadata.json` is built.
    pub bad_files: BadFilePolicy,
}

impl VideoDatasetConfig {
    /// `dataset/video_dmlab.yaml`: 16 frames, frame_skip 2, 64×64, context 2.
    pub fn dmlab() -> Self {
        Self {
            n_frames: 16,
            frame_skip: 2,
            validation_multiplier: 1,
            resolution: 64,
            context_length: 2,
            clip_order: ClipOrder::Reference,
            bad_files: BadFilePolicy::Fail,
        }
    }

    /// `dataset/video_minecraft.yaml`: 10 frames, frame_skip 2, 128×128, context 2.
    pub fn minecraft() -> Self {
        Self {
            n_frames: 10,
            resolution: 128,
            ..Self::dmlab()
        }
    }

    /// Raw frames a clip spans before `frame_skip`:
    /// `n_frames · frame_skip`, times `validation_multiplier` outside training.
    pub fn n_frames_raw(&self, split: Split) -> usize {
        let raw = self.n_frames * self.frame_skip;
        match split {
            Split::Training => raw,
            Split::Validation => raw * self.validation_multiplier,
        }
    }

    /// Frames a returned clip holds: `ceil(n_frames_raw / frame_skip)`.
    pub fn frames_per_clip(&self, split: Split) -> usize {
        self.n_frames_raw(split).div_ceil(self.frame_skip)
    }

    /// Rejects values the reference would crash on or silently misuse, and sizes no machine can
    /// hold (a side above [`MAX_RESOLUTION`], a clip buffer above [`MAX_CLIP_BYTES`]).
    pub fn validate(&self) -> Result<(), VideoDataError> {
        let positive = [
            ("n_frames", self.n_frames),
            ("frame_skip", self.frame_skip),
            ("validation_multiplier", self.validation_multiplier),
            ("resolution", self.resolution),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(VideoDataError::Config(format!("{name} must be positive")));
            }
        }
        if self.context_length > self.n_frames {
            return Err(VideoDataError::Config(format!(
                "context_length {} exceeds n_frames {}",
                self.context_length, self.n_frames
            )));
        }
        self.n_frames
            .checked_mul(self.frame_skip)
            .and_then(|r| r.checked_mul(self.validation_multiplier))
            .ok_or_else(|| VideoDataError::Config("clip length overflows".into()))?;
        if self.resolution > MAX_RESOLUTION {
            return Err(VideoDataError::Config(format!(
                "resolution {} exceeds {MAX_RESOLUTION} pixels a side (the TECO datasets are 64 \
                 and 128)",
                self.resolution
            )));
        }
        // A clip's buffer, `frames × 3 × resolution²` floats, must fit MAX_CLIP_BYTES.
        let frames = self.n_frames.max(
            self.n_frames_raw(Split::Validation)
                .div_ceil(self.frame_skip),
        );
        frames
            .checked_mul(3 * self.resolution * self.resolution)
            .and_then(|n| n.checked_mul(size_of::<f32>()))
            .filter(|&bytes| bytes <= MAX_CLIP_BYTES)
            .ok_or_else(|| {
                VideoDataError::Config(format!(
                    "a clip of {frames} frames at {0}×{0} does not fit in memory (at most {1} GiB \
                     of float32 frames per clip)",
                    self.resolution,
                    MAX_CLIP_BYTES >> 30
                ))
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    #[test]
    fn frame_sides_and_clip_buffers_beyond_memory_are_refused() {
        let ok = VideoDatasetConfig {
            resolution: MAX_RESOLUTION,
            ..VideoDatasetConfig::dmlab()
        };
        assert!(ok.validate().is_ok());
        let huge = VideoDatasetConfig {
            resolution: 1 << 31,
            ..VideoDatasetConfig::dmlab()
        };
        let err = huge.validate().unwrap_err().to_string();
        assert!(err.contains("exceeds 4096 pixels a side"), "{err}");
        let long = VideoDatasetConfig {
            n_frames: 1 << 40,
            context_length: 1,
            ..VideoDatasetConfig::dmlab()
        };
        let err = long.validate().unwrap_err().to_string();
        assert!(err.contains("does not fit in memory"), "{err}");
    }
}
