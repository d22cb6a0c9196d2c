//! Decoded episodes kept between clips: one [`EpisodeCache`] per data-loader worker.
//!
//! The reference's `__getitem__` (`datasets/video/base_video_dataset.py`) loads and decodes a
//! clip's whole episode for every clip it returns. dforce's uncached read keeps only the clip's
//! frames (an `.npz` member is still inflated to its end, to check its CRC-32 as numpy's `zipfile`
//! does; an `.mp4` is decoded from the keyframe before the clip to the clip's end); the cache goes
//! further. The frames a read decodes anyway are kept: a DMLab `.npz` member is inflated whole
//! (from row 0, and to its end for its CRC-32), so its whole episode is kept; an `.mp4` is decoded
//! from its last IDR keyframe before the clip. Episodes leave least recently used first, within a
//! byte budget, so a later clip of a held episode costs no file access and no decoding. An
//! `.mp4` episode asked for again beyond what is held is read over both spans, grown to twice the
//! held one, so clips taken in order read each episode's frames about three times in all, not
//! once per clip; a DMLab episode is read once while it is held.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::VideoDataError;
use crate::kind::VideoKind;
use crate::source::{Frame, RawFrames, read_actions, read_frames, read_frames_with_lead};

/// How often the cache was used since it was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Clips served from held frames, without reading the file.
    pub hits: u64,
    /// Clips that read their file.
    pub misses: u64,
    /// Frames decoded (or, for stored `.npz` members, copied) by those reads.
    pub frames_read: u64,
}

/// One episode's frames `first..first + frames.count` and its actions.
#[derive(Debug)]
struct Episode {
    file: PathBuf,
    first: usize,
    frames: RawFrames,
    /// The read stopped at the file's end, before the frames asked for: the file holds no
    /// frames past `first + frames.count` (it is shorter than `metadata.json` says).
    to_end: bool,
    actions: Vec<usize>,
}

impl Episode {
    fn bytes(&self) -> usize {
        self.frames.byte_len() + self.actions.len() * size_of::<usize>()
    }

    fn covers(&self, range: &Range<usize>) -> bool {
        self.first <= range.start && (range.end <= self.end() || self.to_end)
    }

    fn end(&self) -> usize {
        self.first + self.frames.count
    }
}

/// The frames and actions of one clip, borrowed from the cache.
#[derive(Debug, Clone, Copy)]
pub struct ClipFrames<'a> {
    frames: &'a RawFrames,
    offset: usize,
    len: usize,
    actions: &'a [usize],
}

impl ClipFrames<'_> {
    /// Frames of the requested range the file holds: the range's length, or fewer when the
    /// file ends sooner than `metadata.json` says (the reference's `video[start:end]` is then
    /// shorter, and its clip zero-padded).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the file holds none of the requested frames.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Frame `k < self.len()` of the requested range as `(height, width, 3)` values.
    pub fn frame(&self, k: usize) -> Frame<'_> {
        self.frames.frame(self.offset + k)
    }

    /// Frame height in pixels.
    pub fn height(&self) -> usize {
        self.frames.height
    }

    /// Frame width in pixels.
    pub fn width(&self) -> usize {
        self.frames.width
    }

    /// The episode's action ids, entry `t` belonging to raw frame `t` (see
    /// [`read_actions`](crate::source::read_actions)).
    pub fn actions(&self) -> &[usize] {
        self.actions
    }
}

/// Decoded episodes of recently read clips, least recently used first out, within a budget in
/// bytes. Not shared: each loader worker owns one, so it needs no lock. A budget of 0 reads
/// exactly each clip's frames (what [`VideoDataset::item`] does) and holds only the last clip's.
///
/// The frames of the last read are held until the next read even when they exceed the budget
/// (they are the clip being returned); everything else fits the budget.
///
/// [`VideoDataset::item`]: crate::VideoDataset::item
#[derive(Debug, Default)]
pub struct EpisodeCache {
    budget: usize,
    held: usize,
    /// Least recently used first.
    episodes: Vec<Episode>,
    stats: CacheStats,
}

impl EpisodeCache {
    /// A cache holding at most `budget_bytes` of frames and actions.
    pub fn new(budget_bytes: usize) -> Self {
        Self {
            budget: budget_bytes,
            ..Self::default()
        }
    }

    /// A cache that keeps nothing.
    pub fn disabled() -> Self {
        Self::new(0)
    }

    /// The budget in bytes.
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// Bytes of frames and actions held now.
    pub fn held_bytes(&self) -> usize {
        self.held
    }

    /// Hits, misses and frames read so far.
    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// Raw frames `range` (`range.end` ≤ `len`, the episode's length in `metadata.json`) and the
    /// actions of the episode stored at `file`, from the cache or read and kept. A file holding
    /// fewer frames than `len` gives those it holds ([`ClipFrames::len`]).
    ///
    /// # Errors
    /// The file cannot be read or holds malformed arrays (named by path).
    pub fn clip(
        &mut self,
        kind: VideoKind,
        file: &Path,
        len: usize,
        range: Range<usize>,
    ) -> Result<ClipFrames<'_>, VideoDataError> {
        let held = match self.episodes.iter().position(|e| e.file == file) {
            Some(i) => {
                let e = self.episodes.remove(i);
                self.held -= e.bytes();
                Some(e)
            }
            None => None,
        };
        let episode = match held {
            Some(e) if e.covers(&range) => {
                self.stats.hits += 1;
                e
            }
            held => {
                self.stats.misses += 1;
                let (first, frames, asked_end) =
                    self.read(kind, file, len, &range, held.as_ref())?;
                self.stats.frames_read += frames.count as u64;
                let to_end = first + frames.count < asked_end;
                let actions = match held {
                    Some(e) => e.actions,
                    None => read_actions(kind, file)?,
                };
                Episode {
                    file: file.to_path_buf(),
                    first,
                    frames,
                    to_end,
                    actions,
                }
            }
        };
        let offset = range.start - episode.first;
        let held = episode.end().saturating_sub(range.start).min(range.len());
        let episode = self.keep(episode);
        Ok(ClipFrames {
            frames: &episode.frames,
            offset,
            len: held,
            actions: &episode.actions,
        })
    }

    /// Reads what a miss of `range` should keep: exactly `range` with no budget; for an episode
    /// held before (it is being reused), the span from the earlier of both starts to the later of
    /// `range.end` and twice the held span, when that fits the budget; otherwise `range`. Each
    /// read includes the frames it decodes anyway ([`read_frames_with_lead`]). The doubling bounds
    /// the frames read for an episode taken clip by clip in order by about three times its length.
    /// Returns the first frame read, the frames, and the end of the span asked for (the frames
    /// end sooner when the file does).
    fn read(
        &self,
        kind: VideoKind,
        file: &Path,
        len: usize,
        range: &Range<usize>,
        held: Option<&Episode>,
    ) -> Result<(usize, RawFrames, usize), VideoDataError> {
        if self.budget == 0 {
            return read_frames(kind, file, range.clone()).map(|f| (range.start, f, range.end));
        }
        if let Some(e) = held {
            let grown = e.first.saturating_add(e.frames.count.saturating_mul(2));
            let span = range.start.min(e.first)..range.end.max(grown).min(len);
            let frame_bytes = e.frames.height * e.frames.width * 3 * e.frames.pixels.item_size();
            if span.len().saturating_mul(frame_bytes) <= self.budget {
                // A file shorter than its recorded length gives what it holds of the span
                // (`to_end` then records that). A read of the grown span can still fail where
                // the clip's own would not (a damaged frame outside the clip); the clip itself
                // is then read as it would be without the cache, so the result does not depend
                // on it.
                if let Ok((first, frames)) = read_frames_with_lead(kind, file, span.clone()) {
                    return Ok((first, frames, span.end));
                }
            }
        }
        read_frames_with_lead(kind, file, range.clone()).map(|(first, f)| (first, f, range.end))
    }

    /// Makes room for `episode` by dropping the least recently used ones, and holds it.
    fn keep(&mut self, mut episode: Episode) -> &Episode {
        // The budget counts the bytes held: drop a decoder's spare capacity.
        episode.frames.pixels.shrink_to_fit();
        let bytes = episode.bytes();
        while !self.episodes.is_empty() && self.held + bytes > self.budget {
            let old = self.episodes.remove(0);
            self.held -= old.bytes();
        }
        self.held += bytes;
        self.episodes.push(episode);
        // Just pushed.
        &self.episodes[self.episodes.len() - 1]
    }
}
