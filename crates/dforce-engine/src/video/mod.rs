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
//! | [`settings`] | every key the algorithm reads, read once ([`VideoSettings`]) |

pub mod data;
pub mod eval;
pub mod frame_stats;
pub mod layout;
pub mod media;
pub mod model;
pub mod settings;

use std::sync::Arc;

use burn::module::Module;
use burn::tensor::Device;
use dforce_core::Diffusion;
use dforce_video_data::{EpisodeCache, Split};

pub use eval::validate_video;
pub use layout::{VideoBatch, VideoLayout, level_tensor};
pub use model::{VIDEO_PREFIX, VideoModel};
pub use settings::{
    GeneratorSettings, StageSettings, VideoDataSettings, VideoSettings, check_generated_video,
};

use crate::algorithm::{Algorithm, Evaluation, Stage, TaskContext, TaskError, TrainingData};
use crate::data_loader::BatchBuilder;
use crate::settings::Task;

/// The video algorithm (`df_video`).
pub struct Video;

impl Algorithm for Video {
    const NAME: &'static str = "df_video";
    const HEADLINE_METRICS: &'static [&'static str] = &["psnr", "ssim"];
    type Model = VideoModel;

    type Settings = VideoSettings;

    fn settings(
        cfg: &dforce_config::Value,
        run: &crate::RunSettings,
    ) -> Result<VideoSettings, TaskError> {
        VideoSettings::from_config(cfg, run)
    }

    fn config_statistics(
        settings: &VideoSettings,
    ) -> Option<[crate::algorithm::ConfigStatistic; 2]> {
        let layout = &settings.layout;
        Some([
            ("data_mean", layout.mean.values.clone(), "dataset.data_mean"),
            ("data_std", layout.std.values.clone(), "dataset.data_std"),
        ])
    }

    /// A TECO dataset (no `dataset.generator`) must hold the folders the tasks read: training/
    /// for training, validation/ for the other tasks and for training that validates
    /// periodically. Refused here,
    /// before the run directory is written, with where the data comes from.
    fn check_inputs(settings: &VideoSettings, tasks: &[Task]) -> Result<(), TaskError> {
        let data = &settings.data;
        crate::data_dir::check_save_dir(&data.save_dir).map_err(TaskError::Invalid)?;
        if data.generator.is_some() {
            return Ok(());
        }
        let mut needed = Vec::new();
        if tasks.contains(&Task::Training) {
            needed.push(Split::Training);
        }
        if tasks.iter().any(|t| match t {
            Task::Training => settings.validates_while_training,
            Task::Validation | Task::Test => true,
            Task::SaveMeanStdMetadata => false,
        }) {
            needed.push(Split::Validation);
        }
        for split in needed {
            let dir = data.save_dir.join(split.dir_name());
            if !dir.is_dir() {
                return Err(TaskError::Invalid(format!(
                    "dataset.save_dir={} has no {}/ folder; {}",
                    data.save_dir.display(),
                    split.dir_name(),
                    dforce_video_data::error::TECO_SOURCE_HINT
                )));
            }
        }
        Ok(())
    }

    fn build_model(
        _ctx: &TaskContext,
        settings: &VideoSettings,
        device: &Device,
    ) -> Result<VideoModel, TaskError> {
        Ok(VideoModel {
            layout: settings.layout.clone(),
            diffusion: Diffusion::new(settings.diffusion.diffusion.clone())?,
            network: settings.unet.init(device)?,
        })
    }

    fn training_data(
        ctx: &TaskContext,
        settings: &VideoSettings,
        model: &VideoModel,
    ) -> Result<TrainingData<VideoBatch>, TaskError> {
        // Rank 0 renders a missing dataset before the others read it.
        let ds = Arc::new(
            ctx.parallel
                .root_first(|| data::open_dataset(&settings.data, Split::Training))?,
        );
        crate::say!("dforce: {} training clips", ds.len());
        let items = ds.len();
        let conditioned = model.layout.cond_dim > 0;
        // Each worker keeps its own decoded episodes.
        let budget = settings.data.episode_cache_bytes;
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
        settings: &VideoSettings,
        model: &VideoModel,
        step: u64,
        stage: Stage,
    ) -> Result<Evaluation, TaskError> {
        validate_video(ctx, settings, model, step, stage).map(Evaluation::summary)
    }
}
