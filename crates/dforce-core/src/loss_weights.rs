//! Per-token loss weights: min-SNR-γ, and the reference's "fused" cumulative SNR.
//!
//! Inputs are `(tokens, batch)` real noise levels in row-major order; the weights are computed
//! on the host in f32 with the reference's operation order (they are tiny and need no grad).

use crate::objective::Objective;
use crate::schedule::DiffusionBuffers;

/// How loss weights are formed from the SNR of each token's noise level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossWeighting {
    pub objective: Objective,
    /// γ of min-SNR-γ (`diffusion.snr_clip`).
    pub snr_clip: f32,
    /// `Some(d)` selects the fused SNR with the *effective* decay
    /// `d = cum_snr_decay^(frame_stack·frame_skip)`; `None` selects plain min-SNR.
    pub fused_decay: Option<f64>,
}

impl LossWeighting {
    /// Weights for `levels` (`tokens × batch`, row-major, each in `0..T`).
    pub fn weights(
        &self,
        buffers: &DiffusionBuffers,
        levels: &[i64],
        tokens: usize,
        batch: usize,
    ) -> Vec<f32> {
        debug_assert_eq!(levels.len(), tokens * batch);
        let snr: Vec<f32> = levels.iter().map(|&k| buffers.snr[k as usize]).collect();
        let csnr: Vec<f32> = levels
            .iter()
            .map(|&k| buffers.clipped_snr[k as usize])
            .collect();
        match self.fused_decay {
            None => snr
                .iter()
                .zip(&csnr)
                .map(|(&s, &c)| match self.objective {
                    Objective::PredNoise => c / s,
                    Objective::PredX0 => c,
                    Objective::PredV => c / (s + 1.0),
                })
                .collect(),
            Some(decay) => self.fused(&snr, &csnr, decay, tokens, batch),
        }
    }

    fn fused(
        &self,
        snr: &[f32],
        csnr: &[f32],
        decay: f64,
        tokens: usize,
        batch: usize,
    ) -> Vec<f32> {
        let gamma = self.snr_clip;
        // torch multiplies an f32 tensor by a Python float in f32; `1 - d` is formed in f64 first.
        let d = decay as f32;
        let one_minus_d = (1.0 - decay) as f32;
        let norm_c: Vec<f32> = csnr.iter().map(|&c| c / gamma).collect();
        let norm_s: Vec<f32> = snr.iter().map(|&s| s / gamma).collect();
        // Running average along tokens (always first → last), then shifted by one token.
        let mut cum = vec![0.0f32; tokens * batch];
        for t in 0..tokens {
            for b in 0..batch {
                let i = t * batch + b;
                cum[i] = if t == 0 {
                    norm_c[i]
                } else {
                    d * cum[i - batch] + one_minus_d * norm_c[i]
                };
            }
        }
        (0..tokens * batch)
            .map(|i| {
                let prev = if i < batch { 0.0 } else { cum[i - batch] };
                let keep = 1.0 - prev * d;
                let clipped_fused = 1.0 - keep * (1.0 - norm_c[i]);
                let fused = 1.0 - keep * (1.0 - norm_s[i]);
                match self.objective {
                    Objective::PredNoise => clipped_fused / fused,
                    Objective::PredX0 => clipped_fused * gamma,
                    Objective::PredV => clipped_fused * gamma / (fused * gamma + 1.0),
                }
            })
            .collect()
    }
}
