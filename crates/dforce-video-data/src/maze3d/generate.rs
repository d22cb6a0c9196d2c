//! Writing a maze world dataset in the TECO-DMLab layout, episodes rendered in parallel.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use dforce_io::npz::NpzWriter;

use super::Maze3dConfig;
use super::episode::render_episode;
use crate::config::MAX_RESOLUTION;
use crate::error::VideoDataError;
use crate::files::find_npz_files;
use crate::metadata::{METADATA_FILE, Metadata};
use crate::split::Split;

/// What a generation run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationReport {
    /// Dataset root.
    pub root: PathBuf,
    /// Episodes written to `training/`.
    pub training: usize,
    /// Episodes written to `validation/`.
    pub validation: usize,
    /// Frames rendered in total.
    pub frames: usize,
    /// Wall-clock seconds, rendering and writing.
    pub seconds: f64,
}

impl GenerationReport {
    /// Rendered-and-written frames per second.
    pub fn frames_per_second(&self) -> f64 {
        self.frames as f64 / self.seconds.max(1e-9)
    }
}

/// Writes `episodes` maze episodes of `frames` frames at `resolution`² to `out_dir` with default
/// world options; the last `round(episodes · validation_fraction)` episodes go to `validation/`.
pub fn generate_maze3d(
    out_dir: impl AsRef<Path>,
    episodes: usize,
    frames: usize,
    resolution: usize,
    seed: u64,
    validation_fraction: f64,
) -> Result<GenerationReport, VideoDataError> {
    let config = Maze3dConfig {
        frames,
        resolution,
        ..Maze3dConfig::default()
    };
    generate_maze3d_with(out_dir, episodes, seed, validation_fraction, &config)
}

/// The seed of episode `index`: SplitMix64 of the dataset seed and the index, so episodes are
/// independent streams.
pub fn episode_seed(seed: u64, index: usize) -> u64 {
    let mut z = seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Number of validation episodes: `round(episodes · fraction)`, at least one when the fraction
/// is positive and at least one training episode when it is below one ([`check`] refuses fewer
/// than 2 episodes for a fraction strictly between 0 and 1, which cannot have both).
fn validation_count(episodes: usize, fraction: f64) -> usize {
    let n = (episodes as f64 * fraction).round() as usize;
    let lo = usize::from(fraction > 0.0);
    let hi = episodes - usize::from(fraction < 1.0 && episodes > 1);
    n.clamp(lo.min(hi), hi)
}

/// The most episodes one generation run renders.
pub const MAX_GENERATED_EPISODES: usize = 1 << 20;
/// The most bytes one rendered episode may take (frames × resolution² × 3), held in memory
/// while it is written.
pub const MAX_GENERATED_EPISODE_BYTES: usize = 4 << 30;
/// The most antialiasing rays per output pixel side ([`Maze3dConfig::supersample`]).
pub const MAX_SUPERSAMPLE: usize = 8;
/// The largest maze side in cells ([`Maze3dConfig::maze_cells`]).
pub const MAX_MAZE_CELLS: usize = 1024;

/// The most frames one rendered episode may have at `resolution` (at most
/// [`MAX_GENERATED_EPISODE_BYTES`] per episode), or `None` for a resolution outside
/// `1..=`[`MAX_RESOLUTION`].
pub fn max_generated_frames(resolution: usize) -> Option<usize> {
    (1..=MAX_RESOLUTION)
        .contains(&resolution)
        .then(|| (MAX_GENERATED_EPISODE_BYTES / (resolution * resolution * 3)).max(1))
}

/// Which size of a generation run [`check_sizes`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenerationSize {
    /// Episodes to render.
    Episodes,
    /// Frames per episode.
    Frames,
    /// Frame side in pixels.
    Resolution,
    /// Share of the episodes written to `validation/`.
    ValidationFraction,
}

/// A size [`check_sizes`] refused: which one, the value given, and what is accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeError {
    /// The size refused.
    pub size: GenerationSize,
    /// The value given.
    pub got: String,
    /// What would be accepted, e.g. `1..=1048576`.
    pub accepted: String,
}

/// The sizes of a run to render, checked before anything is allocated: `resolution` in
/// `1..=`[`MAX_RESOLUTION`], `episodes` in `1..=`[`MAX_GENERATED_EPISODES`] (at least 2 when
/// `0 < validation_fraction < 1`, one per split), `frames` in `1..=`[`max_generated_frames`],
/// `validation_fraction` in `[0, 1]`. Callers name the sizes their own way (CLI flags, config
/// keys).
///
/// # Errors
/// The first size out of range.
pub fn check_sizes(
    episodes: usize,
    frames: usize,
    resolution: usize,
    validation_fraction: f64,
) -> Result<(), SizeError> {
    let err = |size, got: String, accepted: String| {
        Err(SizeError {
            size,
            got,
            accepted,
        })
    };
    let Some(max_frames) = max_generated_frames(resolution) else {
        return err(
            GenerationSize::Resolution,
            resolution.to_string(),
            format!("1..={MAX_RESOLUTION}"),
        );
    };
    if !(1..=MAX_GENERATED_EPISODES).contains(&episodes) {
        return err(
            GenerationSize::Episodes,
            episodes.to_string(),
            format!("1..={MAX_GENERATED_EPISODES}"),
        );
    }
    if !(1..=max_frames).contains(&frames) {
        return err(
            GenerationSize::Frames,
            frames.to_string(),
            format!(
                "1..={max_frames} at {resolution}×{resolution} (an episode is held in memory, at \
                 most 4 GiB)"
            ),
        );
    }
    if !(0.0..=1.0).contains(&validation_fraction) {
        return err(
            GenerationSize::ValidationFraction,
            validation_fraction.to_string(),
            "in [0, 1]".into(),
        );
    }
    if validation_fraction > 0.0 && validation_fraction < 1.0 && episodes < 2 {
        return err(
            GenerationSize::Episodes,
            episodes.to_string(),
            format!(
                "at least 2 with a validation fraction of {validation_fraction}: need at least \
                 2 episodes, one for training and one for validation (a fraction of 0 or 1 \
                 renders a single split)"
            ),
        );
    }
    Ok(())
}

/// Refuses a run the renderer cannot hold: every size is bounded before anything is allocated.
fn check(config: &Maze3dConfig, episodes: usize, fraction: f64) -> Result<(), VideoDataError> {
    let bad = |m: String| Err(VideoDataError::Config(m));
    if !(2..=MAX_MAZE_CELLS).contains(&config.maze_cells)
        || !(1..=MAX_SUPERSAMPLE).contains(&config.supersample)
        || config.turn_steps_per_quarter == 0
    {
        return bad(format!(
            "maze_cells must be 2..={MAX_MAZE_CELLS}, supersample 1..={MAX_SUPERSAMPLE} and \
             turn_steps_per_quarter ≥ 1; got {}, {} and {}",
            config.maze_cells, config.supersample, config.turn_steps_per_quarter
        ));
    }
    if !(1.0..179.0).contains(&config.fov_degrees)
        || !config.move_speed.is_finite()
        || config.move_speed <= 0.0
    {
        return bad(format!(
            "fov_degrees must be in [1, 179) and move_speed positive and finite; got {} and {}",
            config.fov_degrees, config.move_speed
        ));
    }
    if let Err(e) = check_sizes(episodes, config.frames, config.resolution, fraction) {
        let name = match e.size {
            GenerationSize::Episodes => "episodes",
            GenerationSize::Frames => "frames per episode",
            GenerationSize::Resolution => "resolution",
            GenerationSize::ValidationFraction => "validation_fraction",
        };
        return bad(format!(
            "{name} {} is out of range; it must be {}",
            e.got, e.accepted
        ));
    }
    Ok(())
}

/// [`generate_maze3d`] with every world option.
///
/// The dataset appears whole or not at all: episodes and then `metadata.json` are written into a
/// temporary sibling of `out_dir` (`.<name>.partial-<pid>`, in the same parent so the final
/// rename stays on one filesystem), which is renamed to `out_dir` only once complete. An error
/// (or a panic) removes the temporary directory; a killed process leaves it beside `out_dir`,
/// which stays absent, so the next run generates again (the leftover can be deleted).
/// Refuses an `out_dir` that already holds anything but empty `training/` and `validation/`
/// folders (stale episodes would corrupt the split).
pub fn generate_maze3d_with(
    out_dir: impl AsRef<Path>,
    episodes: usize,
    seed: u64,
    validation_fraction: f64,
    config: &Maze3dConfig,
) -> Result<GenerationReport, VideoDataError> {
    check(config, episodes, validation_fraction)?;
    let root = out_dir.as_ref().to_path_buf();
    check_target(&root)?;
    let partial = PartialDir::create(&root)?;
    let n_val = validation_count(episodes, validation_fraction);
    let n_train = episodes - n_val;
    let start = Instant::now();
    render_all(partial.path(), episodes, n_train, seed, config)?;
    let metadata = Metadata {
        training: vec![config.frames; n_train],
        validation: vec![config.frames; n_val],
        ..Metadata::default()
    };
    // Last: a directory with metadata.json is a complete dataset.
    metadata.save(&partial.path().join(METADATA_FILE))?;
    partial.commit(&root)?;
    Ok(GenerationReport {
        root,
        training: n_train,
        validation: n_val,
        frames: episodes * config.frames,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Refuses a target that holds anything but empty split folders.
fn check_target(root: &Path) -> Result<(), VideoDataError> {
    if !root.exists() {
        return Ok(());
    }
    if !root.is_dir() {
        return Err(VideoDataError::Config(format!(
            "{} exists and is not a directory; generate into a new or empty directory",
            root.display()
        )));
    }
    for split in Split::ALL {
        let dir = root.join(split.dir_name());
        if !find_npz_files(&dir)?.is_empty() {
            return Err(VideoDataError::Config(format!(
                "{} already holds .npz files; generate into an empty directory",
                dir.display()
            )));
        }
    }
    let entries = std::fs::read_dir(root).map_err(VideoDataError::io(root))?;
    for entry in entries {
        let entry = entry.map_err(VideoDataError::io(root))?;
        let path = entry.path();
        let empty_split = Split::ALL.iter().any(|s| entry.file_name() == s.dir_name())
            && path.is_dir()
            && std::fs::read_dir(&path)
                .map_err(VideoDataError::io(&path))?
                .next()
                .is_none();
        if !empty_split {
            return Err(VideoDataError::Config(format!(
                "{} is not empty (it holds {}); generate into a new or empty directory, or \
                 delete it first",
                root.display(),
                path.display()
            )));
        }
    }
    Ok(())
}

/// The temporary sibling a dataset is generated in, removed when dropped unless committed.
struct PartialDir {
    path: PathBuf,
    committed: bool,
}

impl PartialDir {
    /// Creates `.<name>.partial-<pid>` (with `training/` and `validation/`) beside `root`.
    fn create(root: &Path) -> Result<Self, VideoDataError> {
        let name = root.file_name().ok_or_else(|| {
            VideoDataError::Config(format!(
                "{} does not name a directory to generate into",
                root.display()
            ))
        })?;
        let parent = match root.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(VideoDataError::io(&parent))?;
        let path = parent.join(format!(
            ".{}.partial-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        if path.exists() {
            // Left by an earlier run of a process with this id: not in use.
            std::fs::remove_dir_all(&path).map_err(VideoDataError::io(&path))?;
        }
        let partial = Self {
            path: path.clone(),
            committed: false,
        };
        for split in Split::ALL {
            let dir = path.join(split.dir_name());
            std::fs::create_dir_all(&dir).map_err(VideoDataError::io(&dir))?;
        }
        Ok(partial)
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the finished directory to `root` (replacing an empty `root`, with its empty split
    /// folders), and syncs the parent so the rename is durable.
    fn commit(mut self, root: &Path) -> Result<(), VideoDataError> {
        if root.is_dir() {
            for split in Split::ALL {
                let dir = root.join(split.dir_name());
                if dir.is_dir() {
                    std::fs::remove_dir(&dir).map_err(VideoDataError::io(&dir))?;
                }
            }
            std::fs::remove_dir(root).map_err(VideoDataError::io(root))?;
        }
        std::fs::rename(&self.path, root).map_err(VideoDataError::io(root))?;
        self.committed = true;
        if let Some(parent) = root.parent().filter(|p| !p.as_os_str().is_empty())
            && let Ok(dir) = std::fs::File::open(parent)
        {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

impl Drop for PartialDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Renders and writes the episodes into `dir`'s split folders, in parallel; the first error.
fn render_all(
    dir: &Path,
    episodes: usize,
    n_train: usize,
    seed: u64,
    config: &Maze3dConfig,
) -> Result<(), VideoDataError> {
    let digits = (episodes - 1).to_string().len().max(6);
    let threads = match config.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(episodes);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first_error: Mutex<Option<VideoDataError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= episodes {
                        break;
                    }
                    let split = if i < n_train {
                        Split::Training
                    } else {
                        Split::Validation
                    };
                    let path = dir
                        .join(split.dir_name())
                        .join(format!("ep_{i:0digits$}.npz"));
                    if let Err(e) = write_episode(&path, config, episode_seed(seed, i)) {
                        failed.store(true, Ordering::Relaxed);
                        first_error
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_or_insert(e);
                    }
                }
            });
        }
    });
    match first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn write_episode(path: &Path, config: &Maze3dConfig, seed: u64) -> Result<(), VideoDataError> {
    let ep = render_episode(config, seed);
    let r = ep.resolution;
    let actions: Vec<i64> = ep.actions.iter().map(|&a| i64::from(a)).collect();
    let mut w = NpzWriter::create(path, config.compression)?;
    w.add("video", &[ep.frames, r, r, 3], &ep.video)?;
    w.add("actions", &[ep.frames], &actions)?;
    w.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Maze3dConfig {
        Maze3dConfig {
            frames: 4,
            resolution: 8,
            supersample: 1,
            threads: 2,
            ..Maze3dConfig::default()
        }
    }

    /// A run that fails while writing episodes (here: `training/` replaced by a file) leaves
    /// neither the dataset nor its temporary directory.
    #[test]
    fn a_failed_run_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("maze");
        let partial = PartialDir::create(&root).unwrap();
        let tmp = partial.path().to_path_buf();
        assert_eq!(
            tmp.file_name().unwrap().to_string_lossy(),
            format!(".maze.partial-{}", std::process::id())
        );
        assert!(tmp.join("training").is_dir() && tmp.join("validation").is_dir());
        std::fs::remove_dir(tmp.join("training")).unwrap();
        std::fs::write(tmp.join("training"), "not a folder").unwrap();
        assert!(render_all(&tmp, 4, 2, 0, &tiny()).is_err());
        drop(partial);
        assert!(!tmp.exists() && !root.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn validation_count_keeps_both_splits_when_it_can() {
        assert_eq!(validation_count(2, 0.1), 1);
        assert_eq!(validation_count(10, 0.1), 1);
        assert_eq!(validation_count(10, 0.99), 9);
        assert_eq!(validation_count(1, 0.0), 0);
        assert_eq!(validation_count(1, 1.0), 1);
        assert!(check(&tiny(), 1, 0.5).is_err());
        assert!(check(&tiny(), 1, 0.0).is_ok() && check(&tiny(), 1, 1.0).is_ok());
    }
}
