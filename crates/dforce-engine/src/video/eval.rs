//! The video evaluation (the reference's `df_video` validation step): roll out validation
//! clips from their context frames, score every generated frame against the ground truth and
//! write the pictures.
//!
//! Metrics (logged at the weights' step under `{stage}/…` in `metrics.jsonl` and TensorBoard):
//! `psnr` and `ssim` (means over generated frames; the reference logs its own per-frame
//! metrics only in its `test` loop), and `frames_per_second` of the rollout. Per-frame curves
//! (mean over clips) go to `media/{stage}_per_frame.csv` and to TensorBoard as
//! `{stage}_per_frame/{psnr,ssim}/step_{step}` scalars whose x is the frame index. Media in
//! `<run dir>/media`: per clip a GIF (and MP4 with the `mp4` feature) of prediction | ground
//! truth; charts with axes, units, legend and title: the mean-intensity stability chart of
//! clip 0 (`{stage}_stability.png`) and PSNR and SSIM per frame
//! (`{stage}_{psnr,ssim}_per_frame.png`).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use dforce_core::SeededNoise;
use dforce_video_data::{EpisodeCache, Split};

use super::data::{collate, open_dataset};
use dforce_charts::LineChart;

use super::media::{FrameShape, frame_means, psnr, rollout_gif, ssim};
use super::settings::{StageSettings, VideoSettings};
use super::{VideoLayout, VideoModel};
use crate::algorithm::error::io;
use crate::algorithm::{Stage, TaskContext, TaskError};
use crate::tensorboard::EventWriter;

/// Per-frame scores of every clip rolled out, and the stability curves.
#[derive(Debug, Default)]
struct Scores {
    /// Per clip, per generated frame.
    psnr: Vec<Vec<f64>>,
    ssim: Vec<Vec<f64>>,
    /// Per clip: mean frame intensity over time, (prediction, ground truth).
    stability: Vec<(Vec<f64>, Vec<f64>)>,
    generated_frames: usize,
}

/// Mean of the finite values.
fn finite_mean<'a>(values: impl Iterator<Item = &'a f64>) -> f64 {
    let (sum, n) = values
        .filter(|x| x.is_finite())
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    sum / n.max(1) as f64
}

impl Scores {
    /// The mean over clips of frame `i` (of the generated frames).
    fn per_frame(v: &[Vec<f64>]) -> Vec<f64> {
        let horizon = v.iter().map(Vec::len).max().unwrap_or(0);
        (0..horizon)
            .map(|i| finite_mean(v.iter().filter_map(|r| r.get(i))))
            .collect()
    }

    /// Mean gap between the rollout's and the ground truth's mean intensity over the last
    /// `n` frames: drift shows here (the stability chart draws both curves).
    fn drift(&self, n: usize) -> f64 {
        let gaps: Vec<f64> = self
            .stability
            .iter()
            .flat_map(|(p, g)| {
                let from = p.len().saturating_sub(n);
                (from..p.len()).map(move |i| (p[i] - g[i]).abs())
            })
            .collect();
        finite_mean(gaps.iter())
    }
}

/// Rolls out `experiment.<stage>.limit_batch` batches of `experiment.<stage>.batch_size`
/// validation clips from their context frames (the test task reads the validation split too),
/// logs metrics at `step` and writes media. Returns the one-line summary.
///
/// # Errors
/// An empty validation split, a data or network error, or a file that cannot be written.
pub fn validate_video(
    ctx: &TaskContext,
    settings: &VideoSettings,
    model: &VideoModel,
    step: u64,
    stage: Stage,
) -> Result<String, TaskError> {
    let namespace = stage.namespace();
    let StageSettings {
        batch_size,
        limit_batch,
    } = settings.stage(stage);
    let limit_key = format!("experiment.{namespace}.limit_batch");
    if limit_batch.is_none() {
        // Lightning's `limit_{val,test}_batches=0` runs no batch: the stage is skipped.
        return Ok(format!(
            "{namespace}: skipped ({limit_key}=0 runs no batch)"
        ));
    }
    let ds = open_dataset(&settings.data, Split::Validation)?;
    let limit = limit_batch.batches(&limit_key, ds.len().div_ceil(batch_size))?;
    let blind = settings.sample_without_actions;
    let media = ctx.run_dir.join("media");
    std::fs::create_dir_all(&media).map_err(io(format!("creating {}", media.display())))?;
    let mut tb =
        EventWriter::create(ctx.run_dir).map_err(io("creating the TensorBoard event file"))?;
    let layout = &model.layout;
    let shape = FrameShape {
        channels: layout.channels,
        height: layout.height,
        width: layout.width,
    };
    let mut noise = SeededNoise::new(ctx.settings.seed);
    let started = Instant::now();
    let mut scores = Scores::default();
    let mut sample = 0usize;
    let mut cache = EpisodeCache::new(settings.data.episode_cache_bytes);
    for bi in 0..limit {
        let lo = bi * batch_size;
        if lo >= ds.len() {
            break;
        }
        let idx: Vec<usize> = (lo..(lo + batch_size).min(ds.len())).collect();
        let batch = collate(&ds, &idx, layout.cond_dim > 0, &mut cache)?;
        let (pred, truth, t) = rollout(ctx, model, &batch, blind, &mut noise)?;
        let clip = t * shape.len();
        for s in 0..batch.batch {
            let (p, g) = (
                &pred[s * clip..(s + 1) * clip],
                &truth[s * clip..(s + 1) * clip],
            );
            write_clip_media(&media, namespace, sample, p, g, t, layout, &mut tb, step)?;
            score_clip(&mut scores, p, g, t, shape, layout.context_frames);
            if sample == 0 {
                let (mp, mg) = &scores.stability[0];
                let chart = stability_chart(mp, mg, layout.context_frames);
                let path = media.join(format!("{namespace}_stability.png"));
                write_chart(
                    &chart,
                    &path,
                    &format!("{namespace}/stability"),
                    step,
                    &mut tb,
                )?;
            }
            sample += 1;
        }
    }
    if sample == 0 {
        return Err(TaskError::Invalid(
            "the validation split holds no clip (the test task reads it too)".into(),
        ));
    }
    let secs = started.elapsed().as_secs_f64();
    let psnr_curve = Scores::per_frame(&scores.psnr);
    let ssim_curve = Scores::per_frame(&scores.ssim);
    let context = layout.context_frames;
    let clips = scores.psnr.len();
    for (name, curve, unit) in [
        ("psnr", &psnr_curve, "PSNR (dB)"),
        ("ssim", &ssim_curve, "SSIM (1 = identical)"),
    ] {
        let chart = per_frame_chart(name, unit, curve, context, clips);
        let path = media.join(format!("{namespace}_{name}_per_frame.png"));
        write_chart(
            &chart,
            &path,
            &format!("{namespace}/{name}_per_frame"),
            step,
            &mut tb,
        )?;
        for (i, v) in curve.iter().enumerate() {
            tb.scalar(
                &format!("{namespace}_per_frame/{name}/step_{step}"),
                (context + i) as u64,
                *v as f32,
            )
            .map_err(io("writing the TensorBoard event file"))?;
        }
    }
    write_per_frame_csv(
        &media.join(format!("{namespace}_per_frame.csv")),
        context,
        &psnr_curve,
        &ssim_curve,
        clips,
    )?;
    let values = BTreeMap::from([
        (
            format!("{namespace}/psnr"),
            finite_mean(scores.psnr.iter().flatten()),
        ),
        (
            format!("{namespace}/ssim"),
            finite_mean(scores.ssim.iter().flatten()),
        ),
        (
            format!("{namespace}/frames_per_second"),
            scores.generated_frames as f64 / secs.max(1e-9),
        ),
    ]);
    crate::metrics::log_evaluation(ctx.run_dir, &mut tb, step, &values)?;
    let first = |c: &[f64], n: usize| finite_mean(c.iter().take(n));
    let last = |c: &[f64], n: usize| finite_mean(c.iter().rev().take(n));
    Ok(format!(
        "{namespace}: {sample} clips, {} frames generated in {secs:.1} s ({:.2} frames/s); \
         PSNR {:.2} dB (first 4 frames {:.2}, last 8 {:.2}), SSIM {:.3} (first 4 {:.3}, last 8 {:.3}); \
         mean-intensity gap over the last 8 frames {:.3}; {} in {}",
        scores.generated_frames,
        values[&format!("{namespace}/frames_per_second")],
        values[&format!("{namespace}/psnr")],
        first(&psnr_curve, 4),
        last(&psnr_curve, 8),
        values[&format!("{namespace}/ssim")],
        first(&ssim_curve, 4),
        last(&ssim_curve, 8),
        scores.drift(psnr_curve.len().min(8)),
        if cfg!(feature = "mp4") {
            "GIFs and MP4s"
        } else {
            "GIFs"
        },
        media.display()
    ))
}

/// Rolls out one batch from its context frames: `(prediction, ground truth, frames)`, both
/// `(B, T, C, H, W)` row-major in `[0, 1]`-normalised pixel units of the layout.
fn rollout(
    ctx: &TaskContext,
    model: &VideoModel,
    batch: &super::VideoBatch,
    blind: bool,
    noise: &mut SeededNoise,
) -> Result<(Vec<f32>, Vec<f32>, usize), TaskError> {
    let layout = &model.layout;
    let gt = layout.tokens(batch, &ctx.device)?;
    let cond = layout.conditions(batch, &ctx.device)?;
    // `algorithm.sample_without_actions`: the same rollout with every action zeroed.
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
        noise,
        |_, _| {},
    )?;
    let pred = layout.frames(out).swap_dims(0, 1); // (B, T, C, H, W)
    let truth = layout.frames(gt).swap_dims(0, 1);
    let t = pred.dims()[1];
    let host = |x: burn::tensor::Tensor<5>| {
        x.into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .map_err(|e| TaskError::Invalid(format!("reading a rollout back: {e:?}")))
    };
    Ok((host(pred)?, host(truth)?, t))
}

/// Scores one clip's generated frames (after the context) and records its stability curves.
fn score_clip(
    scores: &mut Scores,
    p: &[f32],
    g: &[f32],
    t: usize,
    shape: FrameShape,
    context: usize,
) {
    let frame = |x: &[f32], i: usize| x[i * shape.len()..(i + 1) * shape.len()].to_vec();
    scores.psnr.push(
        (context..t)
            .map(|i| psnr(&frame(p, i), &frame(g, i)))
            .collect(),
    );
    scores.ssim.push(
        (context..t)
            .map(|i| ssim(&frame(p, i), &frame(g, i), shape))
            .collect(),
    );
    scores
        .stability
        .push((frame_means(p, t), frame_means(g, t)));
    scores.generated_frames += t - context;
}

/// The clip's GIF (and MP4), and for the first four clips a TensorBoard image (the image
/// plugin shows an encoded GIF as an animation).
#[allow(clippy::too_many_arguments)]
fn write_clip_media(
    media: &Path,
    namespace: &str,
    sample: usize,
    p: &[f32],
    g: &[f32],
    t: usize,
    layout: &VideoLayout,
    tb: &mut EventWriter,
    step: u64,
) -> Result<(), TaskError> {
    let shape = FrameShape {
        channels: layout.channels,
        height: layout.height,
        width: layout.width,
    };
    let ctx_frames = layout.context_frames;
    let gif = rollout_gif(p, g, t, shape, ctx_frames)?;
    let path = media.join(format!("{namespace}_video_{sample}.gif"));
    dforce_io::atomic::write_bytes_atomic(&path, &gif)
        .map_err(io(format!("writing {}", path.display())))?;
    super::media::write_mp4(
        &media.join(format!("{namespace}_video_{sample}.mp4")),
        p,
        g,
        t,
        shape,
        ctx_frames,
    )?;
    if sample < 4 {
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
        )
        .map_err(io("writing the TensorBoard event file"))?;
    }
    Ok(())
}

/// Chart size in pixels.
const CHART_SIZE: (u32, u32) = (800, 450);

/// Mean frame intensity of the rollout and of the ground truth over time: a rollout that
/// drifts (darkens, saturates, freezes) leaves the ground truth's curve.
fn stability_chart(pred: &[f64], truth: &[f64], context: usize) -> LineChart {
    let points = |v: &[f64]| v.iter().enumerate().map(|(i, y)| (i as f64, *y)).collect();
    LineChart::new(
        format!(
            "Stability of clip 0: mean frame intensity over a {}-frame rollout",
            pred.len()
        ),
        "frame",
        "mean pixel intensity (0 to 1)",
    )
    .series("rollout", points(pred))
    .series("ground truth", points(truth))
    .marker(context as f64 - 0.5, "end of context")
}

/// A per-frame score (mean over `clips`) over the generated frames, which start at `context`.
fn per_frame_chart(
    name: &str,
    unit: &str,
    curve: &[f64],
    context: usize,
    clips: usize,
) -> LineChart {
    let points = curve
        .iter()
        .enumerate()
        .map(|(i, y)| ((context + i) as f64, *y))
        .collect();
    LineChart::new(
        format!(
            "{} per generated frame, mean over {clips} clip{}",
            name.to_uppercase(),
            if clips == 1 { "" } else { "s" }
        ),
        "frame",
        unit,
    )
    .series(
        format!("{} (rollout vs ground truth)", name.to_uppercase()),
        points,
    )
    .marker(context as f64 - 0.5, "end of context")
}

/// Writes `chart` as a PNG at `path` and logs it to TensorBoard under `tag`.
fn write_chart(
    chart: &LineChart,
    path: &Path,
    tag: &str,
    step: u64,
    tb: &mut EventWriter,
) -> Result<(), TaskError> {
    let (w, h) = CHART_SIZE;
    let png = chart.to_png_bytes(w, h)?;
    dforce_io::atomic::write_bytes_atomic(path, &png)
        .map_err(io(format!("writing {}", path.display())))?;
    tb.image(tag, step, w, h, &png)
        .map_err(io("writing the TensorBoard event file"))
}

/// `frame,psnr_db,ssim,clips`: the per-frame means of the generated frames (frame is the index
/// in the rollout, context frames included).
fn write_per_frame_csv(
    path: &Path,
    context: usize,
    psnr: &[f64],
    ssim: &[f64],
    clips: usize,
) -> Result<(), TaskError> {
    let what = || format!("writing {}", path.display());
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| TaskError::Invalid(format!("{}: {e}", what()));
    w.write_record(["frame", "psnr_db", "ssim", "clips"])
        .map_err(csv_err)?;
    for (i, (p, s)) in psnr.iter().zip(ssim).enumerate() {
        w.write_record([
            (context + i).to_string(),
            p.to_string(),
            s.to_string(),
            clips.to_string(),
        ])
        .map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| TaskError::Invalid(format!("{}: {e}", what())))?;
    dforce_io::atomic::write_bytes_atomic(path, &bytes)
        .map_err(io(format!("writing {}", path.display())))?;
    Ok(())
}
