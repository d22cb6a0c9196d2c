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
/// is positive and at least one training episode when it is below one.
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

/// Refuses a run the renderer cannot hold: every size is bounded before anything is allocated.
fn check(config: &Maze3dConfig, episodes: usize, fraction: f64) -> Result<(), VideoDataError> {
    let bad = |m: String| Err(VideoDataError::Config(m));
    let Some(max_frames) = max_generated_frames(config.resolution) else {
        return bad(format!(
            "resolution {} is out of range; it must be 1..={MAX_RESOLUTION}",
            config.resolution
        ));
    };
    if !(1..=MAX_GENERATED_EPISODES).contains(&episodes) {
        return bad(format!(
            "{episodes} episodes is out of range; it must be 1..={MAX_GENERATED_EPISODES}"
        ));
    }
    if !(1..=max_frames).contains(&config.frames) {
        return bad(format!(
            "{} frames per episode is out of range; at {r}×{r} it must be 1..={max_frames} \
             (an episode is held in memory, at most 4 GiB)",
            config.frames,
            r = config.resolution
        ));
    }
    if !(0.0..=1.0).contains(&fraction) {
        return bad(format!(
            "validation_fraction must be in [0, 1], got {fraction}"
        ));
    }
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
    Ok(())
}

/// [`generate_maze3d`] with every world option. Refuses a directory that already holds `.npz`
/// files in `training/` or `validation/` (stale episodes would corrupt the split).
pub fn generate_maze3d_with(
    out_dir: impl AsRef<Path>,
    episodes: usize,
    seed: u64,
    validation_fraction: f64,
    config: &Maze3dConfig,
) -> Result<GenerationReport, VideoDataError> {
    check(config, episodes, validation_fraction)?;
    let root = out_dir.as_ref().to_path_buf();
    for split in Split::ALL {
        let dir = root.join(split.dir_name());
        if !find_npz_files(&dir)?.is_empty() {
            return Err(VideoDataError::Config(format!(
                "{} already holds .npz files; generate into an empty directory",
                dir.display()
            )));
        }
        std::fs::create_dir_all(&dir).map_err(VideoDataError::io(&dir))?;
    }
    let n_val = validation_count(episodes, validation_fraction);
    let n_train = episodes - n_val;
    let digits = (episodes - 1).to_string().len().max(6);
    let threads = match config.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(episodes);

    let start = Instant::now();
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
                    let path = root
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
    if let Some(e) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let metadata = Metadata {
        training: vec![config.frames; n_train],
        validation: vec![config.frames; n_val],
        ..Metadata::default()
    };
    metadata.save(&root.join(METADATA_FILE))?;
    Ok(GenerationReport {
        root,
        training: n_train,
        validation: n_val,
        frames: episodes * config.frames,
        seconds: start.elapsed().as_secs_f64(),
    })
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
