//! Diffusion Forcing for video (the reference's `df_video`, spec §4.3).
//!
//! Frames are normalised (`(x − mean)/std`, 0.5/0.5 for the TECO datasets) and `frame_stack`
//! frames form one token. Training noises every token independently (`random_all`) with the
//! fused-SNR weights; sampling rolls out autoregressively from `context_frames` of ground truth
//! with a sliding window of the model's token count, `chunk_size` tokens at a time, each chunk
//! denoised by its scheduling matrix with stabilised context.
//!
//! | file | what it holds |
//! |---|---|
//! | [`layout`] | frames ↔ tokens, normalisation, training levels, the rollout |
//! | [`model`] | the Unet3D + diffusion as a [`TrainableModel`](crate::trainer::TrainableModel) |
//! | [`data`] | TECO-layout datasets and the native 3D maze, collation |
//! | [`eval`] | the evaluation: rollouts, PSNR/SSIM, metrics and media |
//! | [`media`] | rollout GIFs/MP4s, PSNR, SSIM, frame means, charts |

pub mod data;
pub mod eval;
pub mod layout;
pub mod media;
pub mod model;

use std::sync::Arc;

use burn::module::Module;
use burn::tensor::Device;
use dforce_core::Diffusion;
use dforce_video_data::{EpisodeCache, Split};

pub use eval::validate_video;
pub use layout::{VideoBatch, VideoLayout, level_tensor};
pub use model::{VIDEO_PREFIX, VideoModel};

use crate::algorithm::{Algorithm, Evaluation, Stage, TaskContext, TaskError, TrainingData};
use crate::data_loader::BatchBuilder;
use crate::settings::Task;
use crate::{DiffusionSettings, networks};

/// The video algorithm (`df_video`).
pub struct Video;

impl Algorithm for Video {
    const NAME: &'static str = "df_video";
    const HEADLINE_METRICS: &'static [&'static str] = &["psnr", "ssim"];
    type Model = VideoModel;

    /// The v1.5 diffusion settings (`algorithm.diffusion.*`, scheduling matrix, …).
    fn check_config(cfg: &dforce_config::Value) -> Result<(), TaskError> {
        let settings = DiffusionSettings::from_config(cfg)?;
        // The network's and the layout's shape keys (frame size against the U-Net's levels,
        // x_shape against dataset.resolution, …) before the run directory exists.
        let unet = networks::video_unet(cfg)?;
        networks::video_layout(cfg, &settings, &unet)?;
        Ok(())
    }

    /// A TECO dataset (no `dataset.generator`) must hold the folders the tasks read: training/
    /// for training, validation/ for training's validation and the other tasks. Refused here,
    /// before the run directory is written, with where the data comes from.
    fn check_inputs(cfg: &dforce_config::Value, tasks: &[Task]) -> Result<(), TaskError> {
        if cfg.contains("dataset.generator") {
            return Ok(());
        }
        let root = std::path::PathBuf::from(cfg.get_str("dataset.save_dir")?);
        let mut needed = Vec::new();
        if tasks.contains(&Task::Training) {
            needed.push(Split::Training);
        }
        if tasks
            .iter()
            .any(|t| matches!(t, Task::Training | Task::Validation | Task::Test))
        {
            needed.push(Split::Validation);
        }
        for split in needed {
            let dir = root.join(split.dir_name());
            if !dir.is_dir() {
                return Err(TaskError::Invalid(format!(
                    "dataset.save_dir={} has no {}/ folder; {}",
                    root.display(),
                    split.dir_name(),
                    dforce_video_data::error::TECO_SOURCE_HINT
                )));
            }
        }
        Ok(())
    }

    fn build_model(ctx: &TaskContext, device: &Device) -> Result<VideoModel, TaskError> {
        let cfg = ctx.cfg;
        let settings = DiffusionSettings::from_config(cfg)?;
        let unet = networks::video_unet(cfg)?;
        let layout = networks::video_layout(cfg, &settings, &unet)?;
        let actions = data::kind_of(cfg)?.n_actions();
        if layout.cond_dim != 0 && layout.cond_dim != actions {
            return Err(TaskError::Invalid(format!(
                "algorithm.external_cond_dim={} but {} has {actions} one-hot actions per frame: set it to {actions} (action-conditioned) or 0",
                layout.cond_dim,
                cfg.get_str("dataset.name")?
            )));
        }
        Ok(VideoModel {
            layout,
            diffusion: Diffusion::new(settings.diffusion)?,
            network: unet.init(device)?,
        })
    }

    fn training_data(
        ctx: &TaskContext,
        model: &VideoModel,
    ) -> Result<TrainingData<VideoBatch>, TaskError> {
        // Rank 0 renders a missing dataset before the others read it.
        let ds = Arc::new(
            ctx.parallel
                .root_first(|| data::open_dataset(ctx, Split::Training))?,
        );
        crate::say!("dforce: {} training clips", ds.len());
        let items = ds.len();
        let conditioned = model.layout.cond_dim > 0;
        // Each worker keeps its own decoded episodes.
        let budget = data::episode_cache(ctx.cfg)?.budget();
        let build: BatchBuilder<Result<VideoBatch, dforce_core::CoreError>> =
            BatchBuilder::per_worker(
                move || EpisodeCache::new(budget),
                move |cache: &mut EpisodeCache, idx: &[usize]| {
                    data::collate(&ds, idx, conditioned, cache)
                },
            );
        Ok(TrainingData { items, build })
    }

    fn snapshot(model: &VideoModel) -> VideoModel {
        VideoModel {
            layout: model.layout.clone(),
            diffusion: model.diffusion.clone(),
            network: model.network.valid(),
        }
    }

    fn evaluate(
        ctx: &TaskContext,
        model: &VideoModel,
        step: u64,
        stage: Stage,
    ) -> Result<Evaluation, TaskError> {
        validate_video(ctx, model, step, stage).map(Evaluation::summary)
    }
}
