//! `dforce bench`: timings of the networks and of the planning training step on this machine,
//! in the same shapes as `scripts/bench_reference.py` uses for the PyTorch reference.

use std::io::Write;
use std::time::Instant;

use anyhow::Result;
use burn::tensor::{Device, Int, Tensor, TensorData};
use dforce_core::{Diffusion, DiffusionConfig, LevelGrid, SeededNoise};
use dforce_engine::optim::{AdamW, AdamWConfig, GradientBuffer};
use dforce_engine::planning::PlanningLayout;
use dforce_engine::{DiffusionSettings, networks};
use dforce_nn::{TransformerConfig, Unet3dConfig};

use crate::cli::BenchCommand;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs `f` once to warm up, then `iters` times; the median seconds per call.
fn time(iters: usize, mut f: impl FnMut()) -> f64 {
    f();
    median(
        (0..iters.max(1))
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn ramp<const D: usize>(shape: [usize; D], device: &Device) -> Tensor<D> {
    let n: usize = shape.iter().product();
    let data: Vec<f32> = (0..n)
        .map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0)
        .collect();
    Tensor::from_data(TensorData::new(data, shape), device)
}

fn levels(n: usize, b: usize, device: &Device) -> Tensor<2, Int> {
    let data: Vec<i64> = (0..n * b).map(|i| (i * 37 % 1000) as i64).collect();
    Tensor::from_data(TensorData::new(data, [n, b]), device)
}

/// The resolved job config of `overrides` on the shipped config tree.
fn job_config(overrides: &[&str]) -> Result<dforce_config::Value> {
    let dir = crate::config_dir::find(None)?;
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    Ok(dforce_config::compose(&dir, &overrides)?.job.resolved()?)
}

/// The reference's default planner (`df_planning` on maze2d-medium: 10 frames × (4 obs + 2
/// actions) per token), built by the constructor the planning tasks use, and its diffusion.
fn planning_default() -> Result<(TransformerConfig, DiffusionConfig)> {
    let cfg = job_config(&[
        "experiment=exp_planning",
        "algorithm=df_planning",
        "dataset=maze2d_medium",
    ])?;
    let layout = PlanningLayout::from_config(&cfg)?;
    let network = networks::planning_transformer(&cfg, &layout)?;
    Ok((network, DiffusionSettings::from_config(&cfg)?.diffusion))
}

/// The reference's default Minecraft Unet3D (`df_video` on `video_minecraft`), built by the
/// constructor the video tasks use.
fn minecraft_default() -> Result<Unet3dConfig> {
    let cfg = job_config(&[
        "experiment=exp_video",
        "algorithm=df_video",
        "dataset=video_minecraft",
    ])?;
    Ok(networks::video_unet(&cfg)?)
}

pub fn run(cmd: BenchCommand) -> Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    match cmd {
        BenchCommand::Networks {
            planning_batch,
            video_batch,
            iters,
            skip_video,
        } => {
            let plain = Device::flex();
            let ad = plain.clone().autodiff();
            writeln!(
                std::io::stdout(),
                "# dforce bench networks (burn flex CPU, {threads} threads); median seconds per call"
            )?;
            let (cfg, _) = planning_default()?;
            let (n, b) = (61, planning_batch);
            let net = cfg.init(&plain)?;
            let fwd = time(iters, || {
                let _ = net
                    .forward(ramp([n, b, cfg.x_dim], &plain), levels(n, b, &plain), None)
                    .into_data();
            });
            let net = cfg.init(&ad)?;
            let fwd_bwd = time(iters, || {
                let y = net.forward(ramp([n, b, cfg.x_dim], &ad), levels(n, b, &ad), None);
                let _ = y.square().mean().backward();
            });
            writeln!(
                std::io::stdout(),
                "planning_transformer batch={b} tokens={n}: forward {fwd:.4} s, forward+backward {fwd_bwd:.4} s"
            )?;
            if !skip_video {
                let cfg = minecraft_default()?;
                let (n, b) = (10, video_batch);
                let net = cfg.init(&plain)?;
                let fwd = time(iters, || {
                    let _ = net
                        .forward(
                            ramp([n, b, 3, 128, 128], &plain),
                            levels(n, b, &plain),
                            None,
                        )
                        .map(|y| y.into_data());
                });
                let net = cfg.init(&ad)?;
                let fwd_bwd = time(iters, || {
                    if let Ok(y) =
                        net.forward(ramp([n, b, 3, 128, 128], &ad), levels(n, b, &ad), None)
                    {
                        let _ = y.square().mean().backward();
                    }
                });
                writeln!(
                    std::io::stdout(),
                    "minecraft_unet3d batch={b} frames={n} 128x128: forward {fwd:.4} s, forward+backward {fwd_bwd:.4} s"
                )?;
            }
            Ok(())
        }
        BenchCommand::SampleVideo {
            model,
            frames,
            sampling_timesteps,
            chunk_size,
            window,
            no_context_cache,
            batch,
            device,
            json,
        } => sample_video(
            &SampleVideoArgs {
                model,
                frames,
                sampling_timesteps,
                chunk_size,
                window,
                context_cache: !no_context_cache,
                batch,
                json,
            },
            &device,
            threads,
        ),
        BenchCommand::Plan {
            episodes,
            sampling_timesteps,
            iters,
        } => plan(episodes, sampling_timesteps, iters, threads),
        BenchCommand::VideoData {
            dataset,
            kind,
            clips,
            n_frames,
            frame_skip,
            resolution,
            cache_mb,
        } => crate::bench_video_data::run(
            &dataset,
            &kind,
            crate::bench_video_data::ClipShape {
                n_frames,
                frame_skip,
                resolution,
            },
            clips,
            cache_mb,
        ),
        BenchCommand::TrainPlanning { batch, steps } => {
            let ad = Device::flex().autodiff();
            let (cfg, diffusion) = planning_default()?;
            let mut net = cfg.init(&ad)?;
            let diffusion = Diffusion::new(diffusion)?;
            let mut optim = AdamW::new(AdamWConfig {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: 1e-4,
            });
            let mut buffer = GradientBuffer::default();
            let n = 61;
            let grid = LevelGrid::new(
                n,
                batch,
                (0..n * batch).map(|i| (i * 37 % 1000) as i64).collect(),
            )?;
            let x = ramp([n, batch, cfg.x_dim], &ad);
            let mut step = |k: u64| -> Result<()> {
                let mut noise = SeededNoise::for_stream(0, k);
                let eps = diffusion.clamped_noise(&mut noise, [n, batch, cfg.x_dim], &ad)?;
                let (_, loss) = diffusion.training_loss(&net, x.clone(), &grid, None, eps)?;
                let grads = loss.mean().backward();
                net.visit_params(&mut buffer.accumulate(&grads), "m.");
                net.visit_params(&mut optim.step(5e-4, &buffer), "m.");
                buffer.clear();
                Ok(())
            };
            step(0)?;
            let t = Instant::now();
            for k in 1..=steps as u64 {
                step(k)?;
            }
            let s = t.elapsed().as_secs_f64() / steps.max(1) as f64;
            writeln!(
                std::io::stdout(),
                "# dforce bench train-planning (burn flex CPU, {threads} threads)"
            )?;
            writeln!(
                std::io::stdout(),
                "planning_train_step batch={batch} tokens={n}: {s:.4} s/step, {:.3} steps/s",
                1.0 / s
            )?;
            Ok(())
        }
    }
}

/// `dforce bench plan`: the closed-loop evaluation's first plan of `episodes` episodes (start
/// and goal drawn in the maze's box, the full episode as horizon) on random weights.
fn plan(
    episodes: usize,
    sampling_timesteps: Option<usize>,
    iters: usize,
    threads: usize,
) -> Result<()> {
    use dforce_engine::planning::PlanningModel;
    let steps = sampling_timesteps.map(|s| format!("algorithm.diffusion.sampling_timesteps={s}"));
    let mut overrides = vec![
        "experiment=exp_planning",
        "algorithm=df_planning",
        "dataset=maze2d_medium",
    ];
    if let Some(s) = &steps {
        overrides.push(s);
    }
    let cfg = job_config(&overrides)?;
    let settings = DiffusionSettings::from_config(&cfg)?;
    let options = dforce_engine::planning::EvalOptions::from_config(&cfg, 0)?;
    let layout = PlanningLayout::from_config(&cfg)?;
    let network = networks::planning_transformer(&cfg, &layout)?;
    let device = Device::flex();
    let model = PlanningModel::new(
        layout,
        Diffusion::new(settings.diffusion)?,
        &network,
        &device,
    )?;
    let horizon = model.layout.episode_len;
    let od = model.layout.obs_dim;
    // Positions inside maze2d-medium's box (1..6 × 1..6), zero velocity.
    let point = |i: usize, salt: usize| -> Vec<f32> {
        let mut o = vec![0f32; od];
        o[0] = 1.0 + ((i * 7 + salt) % 11) as f32 * 0.5;
        o[1] = 1.0 + ((i * 5 + salt * 3) % 11) as f32 * 0.5;
        o
    };
    let start: Vec<f32> = (0..episodes).flat_map(|i| point(i, 0)).collect();
    let goal: Vec<f32> = (0..episodes).flat_map(|i| point(i, 4)).collect();
    let mut k = 0u64;
    let mut run = || -> Result<()> {
        k += 1;
        let mut noise = SeededNoise::for_stream(0, k);
        let plan = model.layout.plan(
            &model.diffusion,
            &model.network,
            options.plan_request(&start, &goal, horizon),
            &mut noise,
            &device,
        )?;
        let _ = plan.into_data();
        Ok(())
    };
    run()?;
    let mut times = Vec::new();
    for _ in 0..iters.max(1) {
        let t = Instant::now();
        run()?;
        times.push(t.elapsed().as_secs_f64());
    }
    let s = median(times);
    writeln!(
        std::io::stdout(),
        "# dforce bench plan (burn flex CPU, {threads} threads)"
    )?;
    writeln!(
        std::io::stdout(),
        "plan episodes={episodes} horizon={horizon} sampling_timesteps={}: {s:.4} s/plan",
        model.diffusion.config.sampling_timesteps
    )?;
    Ok(())
}

/// What `dforce bench sample-video` rolls out (see its `--help`).
struct SampleVideoArgs {
    model: String,
    frames: usize,
    sampling_timesteps: Option<usize>,
    chunk_size: Option<i64>,
    window: Option<usize>,
    context_cache: bool,
    batch: usize,
    json: bool,
}

/// A video configuration composed from the shipped config tree (the reference's default
/// Minecraft one, or the shipped small model's), rolled out like its validation step on random
/// weights: frames/s of generated frames.
fn sample_video(args: &SampleVideoArgs, device: &str, threads: usize) -> Result<()> {
    let mut overrides: Vec<String> = match args.model.as_str() {
        "minecraft" => vec![
            "algorithm=df_video".into(),
            "dataset=video_minecraft".into(),
        ],
        "small" => vec![
            "algorithm=df_video_small".into(),
            "dataset=video_maze3d_small".into(),
        ],
        other => anyhow::bail!("--model {other}: expected `minecraft` or `small`"),
    };
    if let Some(s) = args.sampling_timesteps {
        overrides.push(format!("algorithm.diffusion.sampling_timesteps={s}"));
    }
    if let Some(c) = args.chunk_size {
        overrides.push(format!("algorithm.chunk_size={c}"));
    }
    if let Some(w) = args.window {
        overrides.push(format!("dataset.n_frames={w}"));
    }
    overrides.push(format!("algorithm.context_cache={}", args.context_cache));
    let overrides: Vec<&str> = overrides.iter().map(String::as_str).collect();
    let cfg = job_config(&overrides)?;
    let settings = DiffusionSettings::from_config(&cfg)?;
    let unet = networks::video_unet(&cfg)?;
    let (device, desc) = crate::device::select(device)?;
    let network = unet.init(&device)?;
    let layout = networks::video_layout(&cfg, &settings, &unet)?;
    let res = layout.height;
    let fs = layout.frame_stack;
    let sampling_timesteps = settings.diffusion.sampling_timesteps;
    let (frames, batch) = (args.frames, args.batch);
    let diffusion = Diffusion::new(settings.diffusion)?;
    let total = layout.context_frames / fs + frames;
    let gt = ramp([total, batch, unet.channels, res, res], &device);
    let cond = (unet.external_cond_dim > 0)
        .then(|| Tensor::<3>::zeros([total, batch, unet.external_cond_dim], &device));
    let started = Instant::now();
    let out = layout.rollout(
        &diffusion,
        &network,
        gt,
        cond,
        &mut SeededNoise::new(0),
        |_, _| {},
    )?;
    // Reading the result waits for the device to finish.
    let _ = out.into_data();
    let secs = started.elapsed().as_secs_f64();
    let generated = frames * batch;
    let fps = generated as f64 / secs;
    let mut stdout = std::io::stdout();
    if args.json {
        writeln!(
            stdout,
            "{}",
            serde_json::json!({
                "model": args.model, "window": layout.n_tokens * fs, "chunk_size": layout.chunk_size,
                "sampling_timesteps": sampling_timesteps, "context_cache": layout.context_cache,
                "truly_causal": unet.norm == dforce_nn::FrameNorm::PerFrame && unet.is_causal,
                "frames": generated, "seconds": secs, "frames_per_s": fps,
            })
        )?;
        return Ok(());
    }
    writeln!(
        stdout,
        "# dforce bench sample-video ({desc}, {threads} CPU threads)"
    )?;
    writeln!(
        stdout,
        "{}_sampling batch={batch} context={} window={} chunk={} generated={frames} sampling_timesteps={sampling_timesteps} context_cache={}: \
         {secs:.3} s, {fps:.5} frames/s ({:.4} s per frame per DDIM step)",
        args.model,
        layout.context_frames,
        layout.n_tokens * fs,
        layout.chunk_size,
        layout.context_cache,
        secs / (generated * sampling_timesteps).max(1) as f64
    )?;
    Ok(())
}
