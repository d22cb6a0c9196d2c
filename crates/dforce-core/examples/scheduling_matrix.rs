//! Scheduling matrices and the per-token DDIM step of Diffusion Forcing (spec §3): prints the
//! pyramid and full-sequence matrices of a short chunk (one row per denoising iteration, one
//! column per token, sampling levels S = pure noise … 0 = clean), the DDIM coefficients of one
//! pyramid step, and the noise left in each token, row by row, when a toy network samples.
//!
//! ```text
//! cargo run --release --example scheduling_matrix
//! ```

use burn::tensor::{Device, Int, Tensor};
use dforce_core::{
    BetaSchedule, DenoiseError, Denoiser, Diffusion, DiffusionConfig, LevelGrid, Objective,
};
use dforce_core::{SchedulingKind, SchedulingMatrix, SeededNoise, StepLevels, TrapezoidMode};

const TOKENS: usize = 5;
/// Sampling steps S (`diffusion.sampling_timesteps`); the matrices hold levels 0..=S.
const S: usize = 8;

fn row<T: std::fmt::Display>(values: &[T]) -> String {
    values.iter().map(|v| format!(" {v:>5}")).collect()
}

/// A stand-in network that always predicts a clean sample of zeros (objective `pred_x0`).
struct PredictsZero;
impl Denoiser<3> for PredictsZero {
    fn denoise(
        &self,
        x: Tensor<3>,
        _: Tensor<2, Int>,
        _: Option<Tensor<3>>,
    ) -> Result<Tensor<3>, DenoiseError> {
        Ok(x.zeros_like())
    }
}

fn main() -> anyhow::Result<()> {
    // uncertainty_scale 1: in the pyramid each token lags the previous one by one level.
    let build = |kind| SchedulingMatrix::build(kind, TOKENS, S, 1.0, TrapezoidMode::Correct);
    let pyramid = build(SchedulingKind::Pyramid)?;
    let full = build(SchedulingKind::FullSequence)?;
    for (name, m) in [("pyramid", &pyramid), ("full_sequence", &full)] {
        let header: Vec<String> = (0..m.horizon).map(|t| format!("t{t}")).collect();
        println!("{name} ({} rows):\n  row |{}", m.rows, row(&header));
        (0..m.rows).for_each(|r| println!("  {r:>3} |{}", row(m.row(r))));
    }

    let diffusion = Diffusion::new(DiffusionConfig {
        objective: Objective::PredX0,
        beta_schedule: BetaSchedule::from_name("cosine")?,
        timesteps: 1000,
        sampling_timesteps: S, // < timesteps: DDIM
        ddim_sampling_eta: 0.0,
        stabilization_level: 10,
        clip_noise: 20.0,
        snr_clip: 5.0,
        fused_snr_decay: None,
    })?;
    // Sampling level → real level (-1 = clean) → ᾱ; a token whose level stays is left as it is.
    let (from, to) = (pyramid.row(4), pyramid.row(5));
    let real = |l: &[i64]| {
        l.iter()
            .map(|&s| diffusion.real_levels.real(s))
            .collect::<Result<Vec<_>, _>>()
    };
    let ab_next: Vec<f32> = real(to)?
        .iter()
        .map(|&k| usize::try_from(k).map_or(1.0, |k| diffusion.buffers.alphas_cumprod[k]))
        .collect();
    let coef = |f: fn(f32) -> f32| -> Vec<String> {
        ab_next.iter().map(|&a| format!("{:.3}", f(a))).collect()
    };
    println!("\nDDIM step row 4 -> 5 (eta 0): x' = sqrt(ab')·x0_hat + sqrt(1 - ab')·eps_hat");
    for (label, values) in [
        ("sampling level", row(from)),
        ("  next", row(to)),
        ("real level", row(&real(from)?)),
        ("  next", row(&real(to)?)),
        ("x0 coefficient", row(&coef(|a| a.sqrt()))),
        ("eps coefficient", row(&coef(|a| (1.0 - a).sqrt()))),
    ] {
        println!("  {label:<16}{values}");
    }

    println!("\nRMS of each token after each pyramid row (a network that predicts x0 = 0):");
    let mut noise = SeededNoise::new(0);
    let mut x = diffusion.clamped_noise(&mut noise, [TOKENS, 1, 256], &Device::flex())?;
    for r in 0..pyramid.rows - 1 {
        let from = LevelGrid::from_token_levels(pyramid.row(r), 1);
        let to = LevelGrid::from_token_levels(pyramid.row(r + 1), 1);
        let levels = StepLevels {
            from: &from,
            to: &to,
        };
        x = diffusion.sample_step(&PredictsZero, x, None, levels, None, &mut noise)?;
        let rms = x.clone().powf_scalar(2.0).mean_dim(2).sqrt().into_data();
        let rms: Vec<String> = rms.iter::<f32>().map(|v| format!("{v:.3}")).collect();
        println!("  {:>3} |{}", r + 1, row(&rms));
    }
    Ok(())
}
