//! [`VideoDataset`]: the reference's `DmlabVideoDataset` / `MinecraftVideoDataset` (on
//! `BaseVideoDataset`), item for item, minus its side effects (no global RNG reseed, no
//! materialised index list unless asked for).

use std::path::{Path, PathBuf};

use crate::clip::{ClipSource, VideoClip};
use crate::clips::ClipIndex;
use crate::config::{ClipOrder, VideoDatasetConfig};
use crate::cpython_random::cpython_shuffled_range;
use crate::episode_cache::EpisodeCache;
use crate::error::VideoDataError;
use crate::kind::VideoKind;
use crate::metadata::{SkippedFile, load_or_build};
use crate::permutation::FeistelPermutation;
use crate::resize::Resizer;
use crate::source::SHORT_ACTIONS_FIX;
use crate::split::Split;

/// The index remap in effect.
#[derive(Debug, Clone)]
enum Remap {
    Identity,
    Lazy(FeistelPermutation),
    Table(Vec<u32>),
}

impl Remap {
    fn new(order: ClipOrder, split: Split, n: usize) -> Result<Self, VideoDataError> {
        let table = |seed: u64| {
            u32::try_from(n)
                .map(|n| Self::Table(cpython_shuffled_range(n, seed)))
                .map_err(|_| {
                    VideoDataError::Config(format!(
                        "{n} clips are too many for the materialised CPython shuffle; use \
                         ClipOrder::Permuted"
                    ))
                })
        };
        match (order, split) {
            (ClipOrder::Sequential, _) => Ok(Self::Identity),
            (ClipOrder::Permuted { seed }, _) => {
                Ok(Self::Lazy(FeistelPermutation::new(n as u64, seed)))
            }
            (ClipOrder::Reference, Split::Training) => {
                Ok(Self::Lazy(FeistelPermutation::new(n as u64, 0)))
            }
            (ClipOrder::CPythonShuffle { seed }, _) => table(seed),
            (ClipOrder::Reference, Split::Validation) => table(0),
        }
    }

    fn apply(&self, i: usize) -> usize {
        match self {
            Self::Identity => i,
            Self::Lazy(p) => p.apply(i as u64) as usize,
            Self::Table(t) => t[i] as usize,
        }
    }
}

/// One split of a TECO-layout video dataset. Every start offset of every video is an item; items
/// are read from disk on demand, so the dataset is cheap to open and `Sync` for parallel loaders.
#[derive(Debug, Clone)]
pub struct VideoDataset {
    kind: VideoKind,
    root: PathBuf,
    split: Split,
    config: VideoDatasetConfig,
    files: Vec<PathBuf>,
    lengths: Vec<usize>,
    skipped: Vec<SkippedFile>,
    index: ClipIndex,
    remap: Remap,
}

impl VideoDataset {
    /// Opens `split` of the dataset at `root` (holding `training/`, `validation/` and
    /// `metadata.json`, which is built from the files and written when missing).
    pub fn open(
        kind: VideoKind,
        root: impl AsRef<Path>,
        split: Split,
        config: VideoDatasetConfig,
    ) -> Result<Self, VideoDataError> {
        config.validate()?;
        let root = root.as_ref().to_path_buf();
        let (metadata, metadata_path) = load_or_build(kind, &root, config.bad_files)?;
        let files = metadata.files(&root, split, &metadata_path)?;
        if files.is_empty() {
            let other = Split::ALL
                .into_iter()
                .find(|&s| s != split)
                .unwrap_or(split);
            let others = metadata.lengths(other).len();
            if others > 0 {
                // The dataset is there but this split is not: TECO's download hint is beside
                // the point.
                return Err(VideoDataError::Incomplete {
                    root: root.clone(),
                    reason: format!(
                        "{split}/ holds no .npz files while {other}/ holds {others} ({} lists \
                         none for {split}): an interrupted generation or download leaves this, \
                         and so does generating with validation fraction {}. Delete {} and \
                         generate it again (dataset=video_maze3d renders it on first use; \
                         `dforce data video --out DIR`) or download it again",
                        metadata_path.display(),
                        if split == Split::Validation { "0" } else { "1" },
                        root.display(),
                    ),
                });
            }
            return Err(VideoDataError::NoData {
                kind: kind.name(),
                root: root.clone(),
                pattern: format!("{}/**/*.npz", split.dir_name()),
            });
        }
        let lengths = metadata.lengths(split).to_vec();
        let index = ClipIndex::new(&lengths, config.n_frames_raw(split));
        let remap = Remap::new(config.clip_order, split, index.len())?;
        Ok(Self {
            kind,
            root,
            split,
            config,
            files,
            lengths,
            skipped: metadata.skipped(split).to_vec(),
            index,
            remap,
        })
    }

    /// Number of clips (every start offset of every video).
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether there are no clips.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Dataset kind.
    pub fn kind(&self) -> VideoKind {
        self.kind
    }

    /// Dataset root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The split read.
    pub fn split(&self) -> Split {
        self.split
    }

    /// Options in effect.
    pub fn config(&self) -> &VideoDatasetConfig {
        &self.config
    }

    /// The split's `.npz` files in index order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Frames per file, from `metadata.json`.
    pub fn lengths(&self) -> &[usize] {
        &self.lengths
    }

    /// Files left out when the metadata was built with `BadFilePolicy::Skip`.
    pub fn skipped(&self) -> &[SkippedFile] {
        &self.skipped
    }

    /// `(clip number, video index, start frame)` of item `i`, without reading anything.
    pub fn locate(&self, i: usize) -> Result<(usize, usize, usize), VideoDataError> {
        let out_of_range = || VideoDataError::IndexOutOfRange {
            index: i,
            len: self.len(),
        };
        if i >= self.len() {
            return Err(out_of_range());
        }
        let clip = self.remap.apply(i);
        let (video, start) = self.index.locate(clip).ok_or_else(out_of_range)?;
        Ok((clip, video, start))
    }

    /// The error for the clip of `file` from raw frame `start`, whose actions (`held` of them for its frames, after
    /// the kind's leading entries are dropped) end before frame `needed − 1`, the last real frame
    /// the clip keeps.
    fn short_actions(
        &self,
        file: &Path,
        held: usize,
        start: usize,
        needed: usize,
    ) -> VideoDataError {
        let offset = self.kind.action_offset();
        let entries = held + offset;
        let end = start + self.config.n_frames_raw(self.split);
        let dropped = if offset > 0 {
            format!(
                ", frame t taking actions[t + {offset}] (the reference's {} loader reads \
                 actions[{offset}:])",
                self.kind.name()
            )
        } else {
            String::new()
        };
        VideoDataError::bad_file(
            file,
            format!(
                "`actions` has {entries} entries but the clip of raw frames {start}..{end} needs {}: \
                 its frames {start}..={} are real and each needs an action{dropped} (frames \
                 past the video's end are padding and need none); {SHORT_ACTIONS_FIX}",
                needed + offset,
                needed - 1,
            ),
        )
    }

    /// Item `i`: frames `[start, start + n_frames_raw)` of its video, every `frame_skip`-th kept,
    /// as `f32 / 255` in `(T, C, H, W)` resized to `resolution`, with one-hot actions and the
    /// nonterminal mask (frames past the video's end are zeros with mask 0 and all-zero actions;
    /// the end is the file's when it holds fewer frames than `metadata.json` says, DMLab `.npz`
    /// and Minecraft `.mp4` alike, as the reference's `video[start:start + n]` is then shorter
    /// and padded). Keeps exactly the clip's frames; a loader reading many clips should use
    /// [`Self::item_cached`].
    ///
    /// # Errors
    /// Besides an unreadable or malformed file: an `actions` array too short for the clip's real
    /// frames (every one up to the last kept, Minecraft's frame `t` taking `actions[t + 1]`),
    /// named with both lengths, never read as zeros.
    pub fn item(&self, i: usize) -> Result<VideoClip, VideoDataError> {
        self.item_cached(i, &mut EpisodeCache::disabled())
    }

    /// Item `i` as [`Self::item`] gives it, with the episode's frames taken from (and kept in)
    /// `cache`, so clips of an episode read before cost no decoding. The result does not depend
    /// on the cache.
    pub fn item_cached(
        &self,
        i: usize,
        cache: &mut EpisodeCache,
    ) -> Result<VideoClip, VideoDataError> {
        let (clip, video, start) = self.locate(i)?;
        let file = &self.files[video];
        let len = self.lengths[video];
        let skip = self.config.frame_skip;
        let n_raw = self.config.n_frames_raw(self.split);
        let frames = self.config.frames_per_clip(self.split);
        let real_end = (start + n_raw).min(len);
        // Raw frames of the clip that exist: `start + k·skip < real_end`.
        let real = real_end.saturating_sub(start).div_ceil(skip);
        let raw_range = start..start + real.saturating_sub(1) * skip + usize::from(real > 0);
        let raw = cache.clip(self.kind, file, len, raw_range)?;
        // A file (DMLab `.npz` or Minecraft `.mp4`) holding fewer frames than `metadata.json`
        // says gives a shorter `video[start:start + n]` in the reference, zero-padded with
        // nonterminal 0 like a clip past the end of its video: keep the frames `k·skip < held`.
        let real = real.min(raw.len().div_ceil(skip));
        let actions = raw.actions();
        // Every real frame of the clip up to the last one kept needs its action (the ones
        // between kept frames make up `actions_in`); frames past the video's end are padding
        // and need none. The reference slices `actions` with the clip's window, as it slices the
        // frames, so a shorter array gives it fewer actions than frames: refused here, by name,
        // rather than read as zeros.
        let needed = if real > 0 {
            start + (real - 1) * skip + 1
        } else {
            0
        };
        if actions.len() < needed {
            return Err(self.short_actions(file, actions.len(), start, needed));
        }

        let res = self.config.resolution;
        let plane = res * res;
        let mut video_out = vec![0f32; frames * 3 * plane];
        if real > 0 {
            let resizer = Resizer::new(raw.height(), raw.width(), res, res);
            let mut src = vec![0f32; raw.height() * raw.width()];
            for k in 0..real {
                let frame = raw.frame(k * skip);
                for c in 0..3 {
                    frame.scaled_channel(c, &mut src);
                    let at = (k * 3 + c) * plane;
                    resizer.resize_plane(&src, &mut video_out[at..at + plane]);
                }
            }
        }
        let n_actions = self.kind.n_actions();
        let mut actions_out = vec![0f32; frames * n_actions];
        let mut actions_in = vec![0f32; frames * n_actions];
        let mut nonterminal = vec![0f32; frames];
        let share = 1.0 / skip as f32;
        // Padding frames (`k ≥ real`) keep all-zero rows, as the reference's `np.pad` gives them.
        for k in 0..real {
            let t = start + k * skip;
            // `t < needed ≤ actions.len()`.
            actions_out[k * n_actions + actions[t]] = 1.0;
            nonterminal[k] = 1.0;
            // `actions[t]` is taken after raw frame t and leads to t + 1.
            if k > 0 {
                for &a in &actions[t - skip..t] {
                    actions_in[k * n_actions + a] += share;
                }
            }
        }
        Ok(VideoClip {
            video: video_out,
            actions: actions_out,
            actions_in,
            nonterminal,
            frames,
            channels: crate::clip::CHANNELS,
            height: res,
            width: res,
            n_actions,
            source: ClipSource {
                file: file.clone(),
                video_index: video,
                start,
                clip,
            },
        })
    }
}
