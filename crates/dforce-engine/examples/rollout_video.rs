//! The shipped 3D-maze video model (`checkpoints/maze3d_video_small.safetensors`) rolls out one
//! validation clip: ground-truth context frames, then frames generated chunk by chunk with a
//! sliding window, conditioned on the actions the agent took. Prints the PSNR of every generated
//! frame against the ground truth and writes a GIF (prediction | ground truth) to a temp dir.
//!
//! ```text
//! cargo run --release --example rollout_video
//! cargo run --release --example rollout_video -- 64   # frames (default 16; the clip has 64)
//! ```
//!
//! The dataset (`dataset.save_dir` = `data/maze3d_32` under the working directory, shared with
//! `dforce demo`) is rendered natively on first use: about 10 s in a release build, minutes in a
//! debug build.

use std::path::Path;

use anyhow::Context;
use burn::tensor::{Device, Tensor};
use dforce_config::compose;
use dforce_core::SeededNoise;
use dforce_engine::RunSettings;
use dforce_engine::algorithm::{Algorithm, TaskContext};
use dforce_engine::distributed::job::Parallel;
use dforce_engine::trainer::TrainableModel;
use dforce_engine::video::Video;
use dforce_engine::video::data::{collate, open_dataset};
use dforce_engine::video::media::{FrameShape, psnr, rollout_gif};
use dforce_nn::StateDict;
use dforce_video_data::{EpisodeCache, Split};

fn main() -> anyhow::Result<()> {
    let frames = std::env::args().nth(1).map_or(Ok(16), |s| s.parse());
    let frames: usize = frames.context("the argument is the number of frames, e.g. 16")?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let overrides = "experiment=exp_video algorithm=df_video_small dataset=video_maze3d_small";
    let overrides: Vec<String> = overrides.split(' ').map(String::from).collect();
    let cfg = compose(&root.join("configs"), &overrides)?.resolve_job()?;
    let settings = RunSettings::from_config(&cfg)?;
    let (device, parallel) = (Device::flex(), Parallel::single());
    let out = std::env::temp_dir().join("dforce-rollout-video");
    let ctx = TaskContext {
        cfg: &cfg,
        settings: &settings,
        run_dir: &out,
        device: device.clone(),
        resume: None,
        load: None,
        parallel: &parallel,
        said: Default::default(),
    };
    // The network as every run builds it (the algorithm seam), then the shipped weights.
    let video = Video::settings(&cfg, &settings)?;
    let mut model = Video::build_model(&ctx, &video, &device)?;
    let weights = StateDict::load(&root.join("checkpoints/maze3d_video_small.safetensors"))?;
    model.load_weights(&weights, &device)?;
    let layout = &model.layout;

    // One validation clip (B = 1), cut to `frames` frames: (B, T, C, H, W) pixels in [0, 1].
    let validation = open_dataset(&video.data, Split::Validation)?;
    let mut clip = collate(
        &validation,
        &[0],
        layout.cond_dim > 0,
        &mut EpisodeCache::disabled(),
    )?;
    let context = layout.context_frames;
    if frames <= context || frames > clip.frames {
        anyhow::bail!(
            "the clip has {} frames: roll out {}..={} of them",
            clip.frames,
            context + 1,
            clip.frames
        );
    }
    clip.pixels
        .truncate(clip.pixels.len() / clip.frames * frames);
    clip.cond.truncate(clip.cond.len() / clip.frames * frames);
    clip.frames = frames;

    let gt = layout.tokens(&clip, &device)?;
    let cond = layout.conditions(&clip, &device)?;
    let mut noise = SeededNoise::new(settings.seed);
    let started = std::time::Instant::now();
    let (diffusion, network) = (&model.diffusion, &model.network);
    let tokens = layout.rollout(diffusion, network, gt.clone(), cond, &mut noise, |_, _| {})?;
    let secs = started.elapsed().as_secs_f64();
    let host = |t: Tensor<5>| {
        layout
            .frames(t)
            .into_data()
            .iter::<f32>()
            .collect::<Vec<_>>()
    };
    let (pred, truth) = (host(tokens), host(gt)); // (T, 1, C, H, W)

    let (channels, height, width) = (layout.channels, layout.height, layout.width);
    let shape = FrameShape {
        channels,
        height,
        width,
    };
    let per_frame = pred.chunks(shape.len()).zip(truth.chunks(shape.len()));
    let scores: Vec<String> = per_frame
        .skip(context)
        .map(|(p, g)| format!("{:.1}", psnr(p, g)))
        .collect();
    println!(
        "{} frames of {width}x{height} generated from {context} context frames in {secs:.1} s",
        frames - context
    );
    println!("PSNR (dB) per generated frame: {}", scores.join(" "));
    let path = out.join("rollout.gif");
    std::fs::create_dir_all(&out)?;
    std::fs::write(&path, rollout_gif(&pred, &truth, frames, shape, context)?)?;
    println!("prediction | ground truth: {}", path.display());
    Ok(())
}
