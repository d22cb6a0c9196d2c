//! [`VideoSettings`]: every key `df_video` reads, read once (through
//! [`ConfigReader`](crate::settings::ConfigReader) and the typed readers it builds on) before a
//! task starts, and handed to the model, the data and the evaluation.

use std::path::PathBuf;

use dforce_config::Value;
use dforce_nn::Unet3dConfig;
use dforce_video_data::{ClipOrder, VideoDatasetConfig, VideoKind};

use super::layout::VideoLayout;
use crate::algorithm::{Stage, TaskError};
use crate::networks;
use crate::settings::{BatchLimit, ConfigReader, DiffusionSettings, RunSettings, Task};

/// How the native 3D maze is rendered when `dataset.save_dir` holds no data
/// (`dataset.generator.*`, dforce's own keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneratorSettings {
    /// Episodes rendered (10 % of them go to `validation/`).
    pub episodes: usize,
    /// Frames per episode.
    pub frames: usize,
    pub seed: u64,
}

/// The video data (`dataset.*`).
#[derive(Debug, Clone, PartialEq)]
pub struct VideoDataSettings {
    /// `dataset.name`.
    pub name: String,
    /// Minecraft's layout for `video_minecraft`, DMLab's otherwise (the native maze shares it).
    pub kind: VideoKind,
    /// `dataset.save_dir`: the dataset root.
    pub save_dir: PathBuf,
    /// Clip length, frame skip, resolution, context length, validation multiplier.
    pub clips: VideoDatasetConfig,
    /// `dataset.generator`: present for the native world.
    pub generator: Option<GeneratorSettings>,
    /// `dataset.episode_cache_mb` in bytes (256 MiB when absent; 0 reads each clip alone).
    pub episode_cache_bytes: usize,
}

/// One evaluation stage's `experiment.<stage>.*` keys.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageSettings {
    /// `batch_size`: clips rolled out together.
    pub batch_size: usize,
    /// `limit_batch`: Lightning's `limit_{val,test}_batches` (the reference's video
    /// experiments set 1; null runs every batch, 0 none).
    pub limit_batch: BatchLimit,
}

/// The video algorithm's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoSettings {
    /// `algorithm.diffusion.*` and the keys that shape the diffusion.
    pub diffusion: DiffusionSettings,
    /// The Unet3D (`algorithm.diffusion.architecture.*`).
    pub unet: Unet3dConfig,
    /// Frames ↔ tokens, normalisation, rollout (`algorithm.*`, `dataset.resolution`).
    pub layout: VideoLayout,
    /// The data (`dataset.*`).
    pub data: VideoDataSettings,
    /// `experiment.validation.*`.
    pub validation: StageSettings,
    /// `experiment.test.*` (the validation split's clips, as the reference's test task).
    pub test: StageSettings,
    /// `algorithm.sample_without_actions` (dforce's own, default false): evaluate an
    /// action-conditioned model without its actions.
    pub sample_without_actions: bool,
    /// Whether training validates periodically (`experiment.validation.val_every_n_step` or
    /// `val_every_n_epoch` set), so that it reads the validation split.
    pub validates_while_training: bool,
}

impl VideoSettings {
    /// Reads every key of `df_video` from `cfg`.
    ///
    /// # Errors
    /// The first missing, ill-typed or out-of-range value, named by key; an
    /// `algorithm.external_cond_dim` that is neither 0 nor the dataset's action count.
    pub fn from_config(cfg: &Value, run: &RunSettings) -> Result<Self, TaskError> {
        let r = ConfigReader::new(cfg);
        let diffusion = DiffusionSettings::from_config(cfg)?;
        // The network's and the layout's shape keys (frame size against the U-Net's levels,
        // x_shape against dataset.resolution, …).
        let unet = networks::video_unet(cfg)?;
        let layout = networks::video_layout(cfg, &diffusion, &unet)?;
        let data = data_settings(&r)?;
        let actions = data.kind.n_actions();
        if layout.cond_dim != 0 && layout.cond_dim != actions {
            return Err(TaskError::Invalid(format!(
                "algorithm.external_cond_dim={} but {} has {actions} one-hot actions per frame: \
                 set it to {actions} (action-conditioned) or 0",
                layout.cond_dim, data.name
            )));
        }
        // The sampler's scheduling matrix for the window, sized now rather than at the first
        // validation (an absurd uncertainty_scale would otherwise train first and fail then).
        dforce_core::SchedulingMatrix::check_size(
            diffusion.scheduling,
            layout.n_tokens,
            diffusion.diffusion.sampling_timesteps,
            diffusion.uncertainty_scale,
        )
        .map_err(|e| TaskError::Invalid(format!("algorithm.scheduling_matrix: {e}")))?;
        let training = &run.training;
        let validates_while_training =
            training.val_every_n_step.is_some() || training.val_every_n_epoch.is_some();
        // An evaluation generates the frames of its clip after the context; with none left it
        // would score nothing and report PSNR 0 as if it had run.
        let evaluates = validates_while_training
            || run
                .tasks
                .iter()
                .any(|t| matches!(t, Task::Validation | Task::Test));
        // In range: VideoDatasetConfig::validate checked this product.
        let clip_frames = data.clips.n_frames * data.clips.validation_multiplier;
        if evaluates && layout.context_frames >= clip_frames {
            return Err(TaskError::Invalid(format!(
                "algorithm.context_frames={} leaves nothing to generate in an evaluation clip of \
                 {clip_frames} frames (dataset.n_frames × dataset.validation_multiplier): use \
                 0 to {} (0 generates every frame from noise)",
                layout.context_frames,
                clip_frames - 1
            )));
        }
        if evaluates {
            check_rollout(&layout, &diffusion, clip_frames)?;
        }
        Ok(Self {
            validates_while_training,
            diffusion,
            unet,
            layout,
            data,
            validation: stage_settings(&r, Stage::Validation)?,
            test: stage_settings(&r, Stage::Test)?,
            sample_without_actions: r.opt_boolean("algorithm.sample_without_actions", false)?,
        })
    }

    /// The settings of evaluation stage `stage`.
    pub fn stage(&self, stage: Stage) -> StageSettings {
        match stage {
            Stage::Validation => self.validation,
            Stage::Test => self.test,
        }
    }
}

fn stage_settings(r: &ConfigReader, stage: Stage) -> Result<StageSettings, TaskError> {
    let namespace = stage.namespace();
    let limit_key = format!("experiment.{namespace}.limit_batch");
    Ok(StageSettings {
        batch_size: r.positive(&format!("experiment.{namespace}.batch_size"))?,
        limit_batch: BatchLimit::read(r, &limit_key)?,
    })
}

/// What the evaluation rollout ([`VideoLayout::rollout`]) would refuse at the first validation,
/// refused by key before training: context frames that are not whole tokens, a chunk wider than
/// the model's window, and DDPM sampling (`sampling_timesteps = timesteps`) under a schedule
/// that leaves some tokens in place (the reference asserts the same in `sample_step`).
fn check_rollout(
    layout: &VideoLayout,
    diffusion: &DiffusionSettings,
    clip_frames: usize,
) -> Result<(), TaskError> {
    let fs = layout.frame_stack;
    if !layout.context_frames.is_multiple_of(fs) {
        return Err(TaskError::Invalid(format!(
            "algorithm.context_frames={} must be a multiple of algorithm.frame_stack ({fs}): \
             the context is whole tokens of {fs} frames",
            layout.context_frames
        )));
    }
    let remaining = clip_frames.div_ceil(fs) - layout.context_frames / fs;
    let chunk = usize::try_from(layout.chunk_size).unwrap_or(0);
    let first = if chunk > 0 {
        remaining.min(chunk)
    } else {
        remaining
    };
    if first > layout.n_tokens {
        let key = if chunk > 0 {
            "algorithm.chunk_size"
        } else {
            "algorithm.chunk_size (≤ 0: the whole clip at once)"
        };
        return Err(TaskError::Invalid(format!(
            "{key} makes the evaluation generate {first} tokens at once, more than the model's \
             window of {} tokens (algorithm.n_frames / frame_stack); use a chunk_size of 1 to {}",
            layout.n_tokens, layout.n_tokens
        )));
    }
    let d = &diffusion.diffusion;
    if d.sampling_timesteps == d.timesteps {
        let last = match remaining % first {
            0 => first,
            r => r,
        };
        for horizon in [first, last] {
            let sched = dforce_core::SchedulingMatrix::build(
                layout.scheduling,
                horizon,
                d.sampling_timesteps,
                layout.uncertainty_scale,
                layout.trapezoid,
            )
            .map_err(|e| TaskError::Invalid(format!("algorithm.scheduling_matrix: {e}")))?;
            let moves_all = (0..sched.rows - 1).all(|m| {
                let (from, to) = (sched.row(m), sched.row(m + 1));
                from == to
                    || from
                        .iter()
                        .zip(to)
                        .all(|(&f, &t)| t == f - 1 || (f == 0 && t == 0))
            });
            if !moves_all {
                return Err(TaskError::Invalid(format!(
                    "algorithm.diffusion.sampling_timesteps={} equals timesteps, which samples \
                     with DDPM; DDPM moves every token down one level per step, which only \
                     algorithm.scheduling_matrix=full_sequence does (the reference asserts the \
                     same): use fewer sampling_timesteps (DDIM) or full_sequence",
                    d.sampling_timesteps
                )));
            }
        }
    }
    Ok(())
}

/// `dataset.episode_cache_mb` in bytes: 0 to 2^20 MiB, 256 MiB when absent.
fn episode_cache_bytes(r: &ConfigReader) -> Result<usize, TaskError> {
    const KEY: &str = "dataset.episode_cache_mb";
    const MAX_MB: i64 = 1 << 20;
    if r.opt_value(KEY).is_none() {
        return Ok(256 << 20);
    }
    let mb = r.int(KEY)?;
    if !(0..=MAX_MB).contains(&mb) {
        return Err(TaskError::Invalid(format!(
            "{KEY} must be between 0 (no cache) and {MAX_MB} MiB, got {mb}"
        )));
    }
    // In range: 0 ≤ mb ≤ 2^20, so mb · 2^20 ≤ 2^40 fits a u64 (and a 64-bit usize).
    usize::try_from((mb as u64) << 20)
        .map_err(|_| TaskError::Invalid(format!("{KEY}={mb} does not fit this machine's memory")))
}

use dforce_video_data::maze3d::{GenerationSize, check_sizes};

/// The share of `dataset.generator` episodes rendered into `validation/` (TECO's DMLab split
/// is about a tenth).
pub const GENERATOR_VALIDATION_FRACTION: f64 = 0.1;

/// Checks the size of a native video dataset to render (`dforce data video`,
/// `dataset.generator`) with the renderer's own bounds ([`check_sizes`]), naming `keys` =
/// (episodes, frames, resolution, validation fraction) as the caller spells them.
///
/// # Errors
/// What is out of range and what is accepted.
pub fn check_generated_video(
    episodes: usize,
    frames: usize,
    resolution: usize,
    validation_fraction: f64,
    keys: [&str; 4],
) -> Result<(), String> {
    check_sizes(episodes, frames, resolution, validation_fraction).map_err(|e| {
        let key = keys[match e.size {
            GenerationSize::Episodes => 0,
            GenerationSize::Frames => 1,
            GenerationSize::Resolution => 2,
            GenerationSize::ValidationFraction => 3,
        }];
        format!("{key}={} is out of range; it must be {}", e.got, e.accepted)
    })
}

fn data_settings(r: &ConfigReader) -> Result<VideoDataSettings, TaskError> {
    let name = r.string("dataset.name")?.to_owned();
    let kind = match name.as_str() {
        "video_minecraft" => VideoKind::Minecraft,
        _ => VideoKind::Dmlab,
    };
    let clips = VideoDatasetConfig {
        n_frames: r.positive("dataset.n_frames")?,
        frame_skip: r.positive("dataset.frame_skip")?,
        validation_multiplier: r.positive("dataset.validation_multiplier")?,
        resolution: r.positive("dataset.resolution")?,
        // 0 is valid: the evaluation then generates every frame from noise (the reference's
        // validation_step slices xs[:0]).
        context_length: r.size_at_least("dataset.context_length", 0)?,
        clip_order: ClipOrder::Reference,
        ..VideoDatasetConfig::dmlab()
    };
    clips
        .validate()
        .map_err(|e| TaskError::Invalid(format!("dataset.*: {e}")))?;
    let generator = match r.opt_value("dataset.generator") {
        None => None,
        Some(_) => Some(GeneratorSettings {
            episodes: r.positive("dataset.generator.episodes")?,
            frames: r.positive("dataset.generator.frames")?,
            seed: r.size_at_least("dataset.generator.seed", 0)? as u64,
        }),
    };
    if let Some(g) = &generator {
        check_generated_video(
            g.episodes,
            g.frames,
            clips.resolution,
            GENERATOR_VALIDATION_FRACTION,
            [
                "dataset.generator.episodes",
                "dataset.generator.frames",
                "dataset.resolution",
                "the validation fraction",
            ],
        )
        .map_err(TaskError::Invalid)?;
    }
    Ok(VideoDataSettings {
        name,
        kind,
        save_dir: PathBuf::from(r.string("dataset.save_dir")?),
        clips,
        generator,
        episode_cache_bytes: episode_cache_bytes(r)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(yaml: &str) -> Value {
        dforce_config::parse_yaml_str(yaml, "test").expect("test YAML parses")
    }

    #[test]
    fn the_episode_cache_budget_is_read_in_mib_and_range_checked() {
        let budget = |yaml: &str| episode_cache_bytes(&ConfigReader::new(&cfg(yaml)));
        assert_eq!(budget("dataset: {name: x}").unwrap(), 256 << 20);
        assert_eq!(budget("dataset: {episode_cache_mb: 0}").unwrap(), 0);
        assert_eq!(budget("dataset: {episode_cache_mb: 3}").unwrap(), 3 << 20);
        for bad in ["-1", "1048577"] {
            let err = budget(&format!("dataset: {{episode_cache_mb: {bad}}}"))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("dataset.episode_cache_mb must be between 0"),
                "{err}"
            );
            assert!(err.contains(bad), "{err}");
        }
        let err = budget("dataset: {episode_cache_mb: lots}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("dataset.episode_cache_mb"), "{err}");
    }
}
