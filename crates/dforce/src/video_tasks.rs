//! Video tasks (`df_video`): training and validation rollouts on TECO-layout datasets.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use burn::module::Module;
use dforce_config::Value;
use dforce_core::{Diffusion, SeededNoise};
use dforce_engine::data_loader::BatchBuilder;
use dforce_engine::metrics::MetricsLog;
use dforce_engine::networks;
use dforce_engine::tensorboard::EventWriter;
use dforce_engine::trainer::{TrainError, TrainJob, TrainableModel, train};
use dforce_engine::video::{VideoBatch, VideoModel};
use dforce_engine::video_media::{FrameShape, frame_means, line_chart, psnr, rollout_gif, ssim};
use dforce_engine::{DiffusionSettings, TrainingSettings};
use dforce_nn::StateDict;
use dforce_video_data::{
    ClipOrder, Split, VideoDataset, VideoDatasetConfig, VideoKind, generate_maze3d,
};

use crate::tasks::RunContext;

fn kind_of(cfg: &Value) -> Result<VideoKind> {
    Ok(match cfg.get_str("dataset.name")? {
        "video_minecraft" => VideoKind::Minecraft,
        // DMLab and our own world share DMLab's layout.
        _ => VideoKind::Dmlab,
    })
}

fn dataset_config(cfg: &Value) -> Result<VideoDatasetConfig> {
    let u = |k: &str| -> Result<usize> {
        let v = cfg.get_i64(k)?;
        usize::try_from(v)
            .ok()
            .filter(|&v| v > 0)
            .with_context(|| format!("{k} must be a positive integer, got {v}"))
    };
    let mut c = VideoDatasetConfig::dmlab();
    c.n_frames = u("dataset.n_frames")?;
    c.frame_skip = u("dataset.frame_skip")?;
    c.validation_multiplier = u("dataset.validation_multiplier")?;
    c.resolution = u("dataset.resolution")?;
    c.context_length = u("dataset.context_length")?;
    c.clip_order = ClipOrder::Reference;
    Ok(c)
}

/// Opens `split`; for the native world, generates the dataset first when it is missing.
fn open_dataset(ctx: &RunContext, split: Split) -> Result<VideoDataset> {
    let cfg = ctx.cfg;
    let root = PathBuf::from(cfg.get_str("dataset.save_dir")?);
    if cfg.contains("dataset.generator") && !root.join("training").exists() {
        let g = |k: &str| cfg.get_i64(&format!("dataset.generator.{k}"));
        let (episodes, frames, seed) = (
            g("episodes")? as usize,
            g("frames")? as usize,
            g("seed")? as u64,
        );
        let res = cfg.get_i64("dataset.resolution")? as usize;
        say!(
            "dforce: dataset {} not found: rendering {episodes} episodes × {frames} frames of the native 3D maze at {res}×{res}",
            root.display()
        );
        let report = generate_maze3d(&root, episodes, frames, res, seed, 0.1)?;
        say!(
            "dforce: wrote {} training and {} validation episodes in {:.1} s",
            report.training,
            report.validation,
            report.seconds
        );
    }
    VideoDataset::open(kind_of(cfg)?, &root, split, dataset_config(cfg)?)
        .with_context(|| format!("dataset.save_dir={}", root.display()))
}

fn build_model(ctx: &RunContext, device: &burn::tensor::Device) -> Result<VideoModel> {
    let cfg = ctx.cfg;
    let settings = DiffusionSettings::from_config(cfg)?;
    let unet = networks::video_unet(cfg)?;
    let layout = networks::video_layout(cfg, &settings, &unet)?;
    let actions = kind_of(cfg)?.n_actions();
    if layout.cond_dim != 0 && layout.cond_dim != actions {
        bail!(
            "algorithm.external_cond_dim={} but {} has {actions} one-hot actions per frame: set it to {actions} (action-conditioned) or 0",
            layout.cond_dim,
            cfg.get_str("dataset.name")?
        );
    }
    let network = unet.init(device)?;
    Ok(VideoModel {
        layout,
        diffusion: Diffusion::new(settings.diffusion)?,
        network,
    })
}

/// Clips `idx` as one batch; `conditioned` adds the actions leading into each frame.
fn collate(
    ds: &VideoDataset,
    idx: &[usize],
    conditioned: bool,
) -> Result<VideoBatch, dforce_core::CoreError> {
    let mut pixels = Vec::new();
    let mut cond = Vec::new();
    let mut frames = 0;
    for &i in idx {
        let clip = ds
            .item(i)
            .map_err(|e| dforce_core::CoreError::Invalid(dforce_core::error_chain(&e)))?;
        frames = clip.frames;
        pixels.extend_from_slice(&clip.video);
        if conditioned {
            cond.extend_from_slice(&clip.actions_in);
        }
    }
    Ok(VideoBatch {
        batch: idx.len(),
        frames,
        pixels,
        cond,
    })
}

pub fn train_video(ctx: &RunContext) -> Result<()> {
    // Declared first: the training job borrows it for as long as the validator.
    let mut reducer = ctx.parallel.reducer();
    let training = TrainingSettings::from_config(ctx.cfg)?;
    // Rank 0 renders a missing dataset before the others read it.
    let ds = Arc::new(
        ctx.parallel
            .root_first(|| open_dataset(ctx, Split::Training))?,
    );
    say!("dforce: {} training clips", ds.len());
    ctx.device.seed(ctx.settings.seed);
    let device = ctx.device.clone().autodiff();
    let mut model = build_model(ctx, &device)?;
    if let Some(path) = &ctx.load {
        model
            .load_weights(&StateDict::load(path)?, &device)
            .with_context(|| format!("load={}", path.display()))?;
    }
    let items = ds.len();
    let conditioned = model.layout.cond_dim > 0;
    let build: BatchBuilder<Result<VideoBatch, dforce_core::CoreError>> =
        Arc::new(move |idx: &[usize]| collate(&ds, idx, conditioned));
    let summary = train(
        TrainJob {
            run_dir: ctx.run_dir,
            seed: ctx.settings.seed,
            settings: &training,
            reference_warmup: ctx.cfg.get_bool("algorithm.reference_compat.warmup")?,
            config_yaml: ctx.cfg.to_yaml(),
            resume: ctx.resume.clone(),
            device,
            quiet: !std::io::IsTerminal::is_terminal(&std::io::stderr()),
            // (re-borrowed as a shorter-lived trait object)
            reducer: reducer
                .as_deref_mut()
                .map(|r| r as &mut dyn dforce_engine::distributed::GradientReducer),
        },
        &mut model,
        items,
        build,
        Some(&mut |m: &mut VideoModel, step: u64| {
            let snapshot = VideoModel {
                layout: m.layout.clone(),
                diffusion: m.diffusion.clone(),
                network: m.network.valid(),
            };
            validate_video_model(ctx, &snapshot, step, "validation")
                .map_err(|e| TrainError::Invalid(format!("validation: {e:#}")))
        }),
    )?;
    say!("dforce: {}", summary.one_line());
    Ok(())
}

/// The rollout as an H.264 MP4 beside its GIF (same frames), when built with `--features mp4`.
#[cfg(feature = "mp4")]
fn write_mp4(
    path: &Path,
    pred: &[f32],
    gt: &[f32],
    frames: usize,
    shape: FrameShape,
    context: usize,
) -> Result<()> {
    let canvases = dforce_engine::video_media::rollout_frames(pred, gt, frames, shape, context);
    let (w, h) = canvases
        .first()
        .map_or((0, 0), |c| (c.width() as usize, c.height() as usize));
    let rgb: Vec<u8> = canvases
        .iter()
        .flat_map(|c| c.rgb().iter().copied())
        .collect();
    dforce_video_data::write_mp4(
        path,
        &rgb,
        canvases.len(),
        h,
        w,
        dforce_engine::video_media::ROLLOUT_FPS,
    )
    .with_context(|| format!("writing {}", path.display()))
}

/// Without the `mp4` feature rollouts are GIFs only (the encoder is C++ built from source).
#[cfg(not(feature = "mp4"))]
fn write_mp4(
    _path: &Path,
    _pred: &[f32],
    _gt: &[f32],
    _frames: usize,
    _shape: FrameShape,
    _context: usize,
) -> Result<()> {
    Ok(())
}

/// The validation task: loads `weights` and rolls out (see [`validate_video_model`]).
pub fn validate_video(ctx: &RunContext, weights: &Path, namespace: &str) -> Result<()> {
    let device = ctx.device.clone();
    let mut model = build_model(ctx, &device)?;
    let sd = StateDict::load(weights)?;
    model
        .load_weights(&sd, &device)
        .with_context(|| format!("load={}", weights.display()))?;
    validate_video_model(
        ctx,
        &model,
        sd.global_step.unwrap_or(0).max(0) as u64,
        namespace,
    )
}

/// Rolls out `limit_batch` validation batches from their context frames, writes GIFs, the
/// stability chart and per-frame PSNR/SSIM, logged at `step`.
/// `namespace` is `validation` or `test`: it picks `experiment.<namespace>.{batch_size,limit_batch}`
/// and prefixes metrics and files.
pub fn validate_video_model(
    ctx: &RunContext,
    model: &VideoModel,
    step: u64,
    namespace: &str,
) -> Result<()> {
    let cfg = ctx.cfg;
    let ds = open_dataset(ctx, Split::Validation)?;
    let device = ctx.device.clone();
    let batch_size = cfg
        .get_i64(&format!("experiment.{namespace}.batch_size"))?
        .max(1) as usize;
    let limit = cfg
        .get_opt_i64(&format!("experiment.{namespace}.limit_batch"))?
        .filter(|&l| l > 0)
        .unwrap_or(1) as usize;
    let media = ctx.run_dir.join("media");
    std::fs::create_dir_all(&media).with_context(|| format!("creating {}", media.display()))?;
    let mut tb = EventWriter::create(ctx.run_dir).context("creating the TensorBoard event file")?;
    let mut log = MetricsLog::open(&ctx.run_dir.join("metrics.jsonl"), None)
        .context("opening metrics.jsonl")?;
    let layout = model.layout.clone();
    let shape = FrameShape {
        channels: layout.channels,
        height: layout.height,
        width: layout.width,
    };
    let ctx_frames = layout.context_frames;
    let (mut psnrs, mut ssims) = (Vec::<Vec<f64>>::new(), Vec::<Vec<f64>>::new());
    let mut noise = SeededNoise::new(ctx.settings.seed);
    let started = std::time::Instant::now();
    let mut generated_frames = 0usize;
    let blind = cfg
        .get_opt_bool("algorithm.sample_without_actions")?
        .unwrap_or(false);
    let mut sample = 0usize;
    // Per clip: mean frame intensity over time, (prediction, ground truth).
    let mut stability: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
    for bi in 0..limit {
        let lo = bi * batch_size;
        if lo >= ds.len() {
            break;
        }
        let idx: Vec<usize> = (lo..(lo + batch_size).min(ds.len())).collect();
        let batch = collate(&ds, &idx, layout.cond_dim > 0)?;
        let gt = layout.tokens(&batch, &device)?;
        let cond = layout.conditions(&batch, &device)?;
        let cond = if blind {
            cond.map(|c| c.zeros_like())
        } else {
            cond
        };
        let out = layout.rollout(
            &model.diffusion,
            &model.network,
            gt.clone(),
            cond,
            &mut noise,
            |_, _| {},
        )?;
        let pred = layout.frames(out).swap_dims(0, 1); // (B, T, C, H, W)
        let truth = layout.frames(gt).swap_dims(0, 1);
        let [b, t, ..] = pred.dims();
        let pred: Vec<f32> = pred
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let truth: Vec<f32> = truth
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let clip = t * shape.len();
        for s in 0..b {
            let (p, g) = (
                &pred[s * clip..(s + 1) * clip],
                &truth[s * clip..(s + 1) * clip],
            );
            let gif = rollout_gif(p, g, t, shape, ctx_frames)?;
            std::fs::write(media.join(format!("{namespace}_video_{sample}.gif")), &gif)?;
            write_mp4(
                &media.join(format!("{namespace}_video_{sample}.mp4")),
                p,
                g,
                t,
                shape,
                ctx_frames,
            )?;
            if sample < 4 {
                // TensorBoard's image plugin shows an encoded GIF as an animation.
                let (gw, gh) = (
                    u16::from_le_bytes([gif[6], gif[7]]),
                    u16::from_le_bytes([gif[8], gif[9]]),
                );
                tb.image(
                    &format!("{namespace}_vis/video_{sample}"),
                    step,
                    gw.into(),
                    gh.into(),
                    &gif,
                )?;
            }
            let frame = |x: &[f32], i: usize| x[i * shape.len()..(i + 1) * shape.len()].to_vec();
            psnrs.push(
                (ctx_frames..t)
                    .map(|i| psnr(&frame(p, i), &frame(g, i)))
                    .collect(),
            );
            ssims.push(
                (ctx_frames..t)
                    .map(|i| ssim(&frame(p, i), &frame(g, i), shape))
                    .collect(),
            );
            let (mp, mg) = (frame_means(p, t), frame_means(g, t));
            if sample == 0 {
                let chart = line_chart(&[(&mp, [200, 30, 30]), (&mg, [30, 30, 200])], 640, 360);
                let png = chart.write_png(&media.join(format!("{namespace}_stability.png")))?;
                tb.image(
                    &format!("{namespace}/stability"),
                    0,
                    chart.width(),
                    chart.height(),
                    &png,
                )?;
            }
            stability.push((mp, mg));
            sample += 1;
            generated_frames += t - ctx_frames;
        }
    }
    if sample == 0 {
        bail!("the validation split holds no clip (the test task reads it too)");
    }
    let mean_over = |v: &[Vec<f64>]| {
        let all: Vec<f64> = v
            .iter()
            .flatten()
            .copied()
            .filter(|x| x.is_finite())
            .collect();
        all.iter().sum::<f64>() / all.len().max(1) as f64
    };
    let per_frame = |v: &[Vec<f64>], i: usize| {
        let col: Vec<f64> = v
            .iter()
            .filter_map(|r| r.get(i))
            .copied()
            .filter(|x| x.is_finite())
            .collect();
        col.iter().sum::<f64>() / col.len().max(1) as f64
    };
    let horizon = psnrs.iter().map(Vec::len).max().unwrap_or(0);
    let psnr_curve: Vec<f64> = (0..horizon).map(|i| per_frame(&psnrs, i)).collect();
    let ssim_curve: Vec<f64> = (0..horizon).map(|i| per_frame(&ssims, i)).collect();
    let chart = line_chart(&[(&psnr_curve, [200, 30, 30])], 640, 360);
    chart.write_png(&media.join(format!("{namespace}_psnr_per_frame.png")))?;
    let secs = started.elapsed().as_secs_f64();
    let values = std::collections::BTreeMap::from([
        (format!("{namespace}/psnr"), mean_over(&psnrs)),
        (format!("{namespace}/ssim"), mean_over(&ssims)),
        (
            format!("{namespace}/frames_per_second"),
            generated_frames as f64 / secs.max(1e-9),
        ),
    ]);
    log.log(step, &values)?;
    for (k, v) in &values {
        tb.scalar(k, step, *v as f32)?;
    }
    tb.flush()?;
    let first = |c: &[f64], n: usize| c.iter().take(n).sum::<f64>() / c.len().min(n).max(1) as f64;
    let last =
        |c: &[f64], n: usize| c.iter().rev().take(n).sum::<f64>() / c.len().min(n).max(1) as f64;
    // Drift shows as the gap between the rollout's and the ground truth's mean intensity late in
    // the rollout (the stability chart draws both curves).
    let drift = {
        let n = horizon.min(8);
        let (mut gap, mut count) = (0.0, 0usize);
        for (p, g) in &stability {
            for i in p.len().saturating_sub(n)..p.len() {
                gap += (p[i] - g[i]).abs();
                count += 1;
            }
        }
        gap / count.max(1) as f64
    };
    say!(
        "dforce: {namespace}: {sample} clips, {generated_frames} frames generated in {secs:.1} s ({:.2} frames/s); \
         PSNR {:.2} dB (first 4 frames {:.2}, last 8 {:.2}), SSIM {:.3} (first 4 {:.3}, last 8 {:.3}); \
         mean-intensity gap over the last 8 frames {drift:.3}; {} in {}",
        generated_frames as f64 / secs.max(1e-9),
        values[&format!("{namespace}/psnr")],
        first(&psnr_curve, 4),
        last(&psnr_curve, 8),
        values[&format!("{namespace}/ssim")],
        first(&ssim_curve, 4),
        last(&ssim_curve, 8),
        if cfg!(feature = "mp4") {
            "GIFs and MP4s"
        } else {
            "GIFs"
        },
        media.display()
    );
    Ok(())
}
