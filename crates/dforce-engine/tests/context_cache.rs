//! Context caching in video rollouts: a truly causal network that computes the clean context
//! once per chunk gives the rollout of one that runs the whole window at every step.

use burn::tensor::{Device, Tensor, TensorData};
use dforce_core::{
    BetaSchedule, Diffusion, DiffusionConfig, Objective, SchedulingKind, SeededNoise, TrapezoidMode,
};
use dforce_engine::video::VideoLayout;
use dforce_nn::{FrameNorm, Unet3d, Unet3dConfig};

fn network(norm: FrameNorm) -> Unet3d {
    Unet3dConfig {
        attn_heads: 2,
        attn_dim_head: 8,
        attn_factors: vec![2, 1],
        norm,
        ..Unet3dConfig::new(8, vec![1, 2], 3)
    }
    .init(&Device::flex())
    .unwrap()
}

fn diffusion(eta: f64) -> Diffusion {
    Diffusion::new(DiffusionConfig {
        objective: Objective::PredV,
        beta_schedule: BetaSchedule::Sigmoid {
            start: -3.0,
            end: 3.0,
            tau: 1.0,
        },
        timesteps: 100,
        sampling_timesteps: 4,
        ddim_sampling_eta: eta,
        stabilization_level: 15,
        clip_noise: 6.0,
        snr_clip: 5.0,
        fused_snr_decay: Some(0.96),
    })
    .unwrap()
}

fn layout(
    chunk_size: i64,
    n_tokens: usize,
    scheduling: SchedulingKind,
    cache: bool,
) -> VideoLayout {
    VideoLayout {
        channels: 3,
        height: 8,
        width: 8,
        frame_stack: 1,
        n_tokens,
        context_frames: 2,
        chunk_size,
        scheduling,
        uncertainty_scale: 1.0,
        trapezoid: TrapezoidMode::Correct,
        mean: 0.5.into(),
        std: 0.5.into(),
        cond_dim: 0,
        context_cache: cache,
    }
}

fn rollout(net: &Unet3d, layout: &VideoLayout, eta: f64) -> (Vec<f32>, Vec<usize>) {
    let device = Device::flex();
    let shape = [9, 2, 3, 8, 8];
    let n: usize = shape.iter().product();
    let gt = Tensor::<5>::from_data(
        TensorData::new((0..n).map(|i| (i * 31 % 97) as f32 / 97.0).collect(), shape),
        &device,
    );
    let mut chunks = Vec::new();
    let out = layout
        .rollout(
            &diffusion(eta),
            net,
            gt,
            None,
            &mut SeededNoise::new(7),
            |c, _| chunks.push(c),
        )
        .unwrap();
    (out.into_data().try_to_vec::<f32>().unwrap(), chunks)
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn cached_rollouts_equal_uncached_ones_over_a_sliding_window() {
    let net = network(FrameNorm::PerFrame);
    assert!(net.is_truly_causal());
    // (chunk, window, schedule): pyramid chunks of 2 in a window of 4, and the reference's
    // one-frame autoregressive chunks in a window of 5 — 7 generated tokens, the window slides.
    for (chunk, window, kind) in [
        (2, 4, SchedulingKind::Pyramid),
        (1, 5, SchedulingKind::Autoregressive),
    ] {
        for eta in [0.0, 1.0] {
            let (cached, chunks) = rollout(&net, &layout(chunk, window, kind, true), eta);
            let (plain, chunks_plain) = rollout(&net, &layout(chunk, window, kind, false), eta);
            assert_eq!(chunks, chunks_plain);
            assert!(chunks.len() >= 4, "several chunks: {chunks:?}");
            assert!(cached.iter().all(|v| v.is_finite()));
            let d = max_abs_diff(&cached, &plain);
            assert!(
                d < 1e-5,
                "chunk {chunk}, window {window}, η {eta}: max |Δ| = {d}"
            );
        }
    }
}

#[test]
fn networks_that_are_not_truly_causal_roll_out_identically_with_the_cache_on() {
    let net = network(FrameNorm::AcrossFrames);
    let l = |cache| layout(2, 4, SchedulingKind::Pyramid, cache);
    assert_eq!(
        rollout(&net, &l(true), 0.0).0,
        rollout(&net, &l(false), 0.0).0
    );
}
