//! Beta schedules and the 14 diffusion buffers derived from them.
//!
//! Everything is computed in f64 and each buffer is cast to f32 on its own, exactly like the
//! reference registers its buffers; parity with its checkpoints depends on that order.

use crate::error::CoreError;

/// A variance schedule, named as in the reference's `diffusion.beta_schedule`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BetaSchedule {
    /// Betas evenly spaced from `1e-4·1000/T` to `0.02·1000/T`.
    Linear,
    /// Nichol & Dhariwal's cosine schedule with offset `s`.
    Cosine { s: f64 },
    /// Jabri et al.'s sigmoid schedule over `[start, end]` with temperature `tau`.
    Sigmoid { start: f64, end: f64, tau: f64 },
}

impl BetaSchedule {
    /// Builds a schedule from its config name with the reference's default keyword arguments.
    pub fn from_name(name: &str) -> Result<Self, CoreError> {
        match name {
            "linear" => Ok(Self::Linear),
            "cosine" => Ok(Self::Cosine { s: 0.008 }),
            "sigmoid" => Ok(Self::Sigmoid {
                start: -3.0,
                end: 3.0,
                tau: 1.0,
            }),
            other => Err(CoreError::UnknownName {
                what: "beta_schedule",
                given: other.to_string(),
                expected: "linear, cosine, sigmoid",
            }),
        }
    }

    /// The betas for `timesteps` steps, in f64, clipped like the reference.
    pub fn betas(&self, timesteps: usize) -> Vec<f64> {
        let t = timesteps as f64;
        match *self {
            Self::Linear => {
                let scale = 1000.0 / t;
                torch_linspace_f64(scale * 1e-4, scale * 0.02, timesteps)
            }
            Self::Cosine { s } => {
                let ts = normalized_time(timesteps);
                let f: Vec<f64> = ts
                    .iter()
                    .map(|&ti| {
                        ((ti + s) / (1.0 + s) * std::f64::consts::PI * 0.5)
                            .cos()
                            .powi(2)
                    })
                    .collect();
                betas_from_alphas_cumprod(&f)
            }
            Self::Sigmoid { start, end, tau } => {
                let ts = normalized_time(timesteps);
                // The reference builds v_start / v_end with `torch.tensor(float)`, i.e. in f32;
                // their f32-rounded values then enter the f64 arithmetic (a visible difference).
                let v_start = sigmoid_f32(start / tau) as f64;
                let v_end = sigmoid_f32(end / tau) as f64;
                // (v_end - v_start) is a 0-dim f32 tensor op in the reference.
                let denom = (v_end as f32 - v_start as f32) as f64;
                let g: Vec<f64> = ts
                    .iter()
                    .map(|&ti| (-sigmoid_f64((ti * (end - start) + start) / tau) + v_end) / denom)
                    .collect();
                betas_from_alphas_cumprod(&g)
            }
        }
    }
}

/// `linspace(0, T, T+1) / T` as torch computes it in f64.
fn normalized_time(timesteps: usize) -> Vec<f64> {
    let t = timesteps as f64;
    torch_linspace_f64(0.0, t, timesteps + 1)
        .into_iter()
        .map(|v| v / t)
        .collect()
}

/// `beta_i = 1 - ab'_{i+1}/ab'_i` from an unnormalised `ab'`, clipped to `[0, 0.999]`.
fn betas_from_alphas_cumprod(f: &[f64]) -> Vec<f64> {
    let f0 = f[0];
    let ab: Vec<f64> = f.iter().map(|v| v / f0).collect();
    ab.windows(2)
        .map(|w| (1.0 - w[1] / w[0]).clamp(0.0, 0.999))
        .collect()
}

fn sigmoid_f64(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Sigmoid of a value held as a 0-dim f32 tensor: the input is rounded to f32 first.
fn sigmoid_f32(x: f64) -> f32 {
    let x = x as f32 as f64;
    sigmoid_f64(x) as f32
}

/// torch's `linspace` in f64: the first half counts up from `start`, the second half down from
/// `end`, so both ends are exact.
pub fn torch_linspace_f64(start: f64, end: f64, steps: usize) -> Vec<f64> {
    if steps == 1 {
        return vec![start];
    }
    let step = (end - start) / (steps - 1) as f64;
    let half = steps / 2;
    (0..steps)
        .map(|i| {
            if i < half {
                start + step * i as f64
            } else {
                end - step * (steps - 1 - i) as f64
            }
        })
        .collect()
}

/// torch's `linspace` in f32 (the default dtype), used to map sampling levels to real levels.
pub fn torch_linspace_f32(start: f32, end: f32, steps: usize) -> Vec<f32> {
    if steps == 1 {
        return vec![start];
    }
    let step = (end - start) / (steps - 1) as f32;
    let half = steps / 2;
    (0..steps)
        .map(|i| {
            if i < half {
                start + step * i as f32
            } else {
                end - step * (steps - 1 - i) as f32
            }
        })
        .collect()
}

/// The reference's registered diffusion buffers, each `[T]` f32, in registration order.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffusionBuffers {
    pub betas: Vec<f32>,
    pub alphas_cumprod: Vec<f32>,
    pub alphas_cumprod_prev: Vec<f32>,
    pub sqrt_alphas_cumprod: Vec<f32>,
    pub sqrt_one_minus_alphas_cumprod: Vec<f32>,
    pub log_one_minus_alphas_cumprod: Vec<f32>,
    pub sqrt_recip_alphas_cumprod: Vec<f32>,
    pub sqrt_recipm1_alphas_cumprod: Vec<f32>,
    pub posterior_variance: Vec<f32>,
    pub posterior_log_variance_clipped: Vec<f32>,
    pub posterior_mean_coef1: Vec<f32>,
    pub posterior_mean_coef2: Vec<f32>,
    pub clipped_snr: Vec<f32>,
    pub snr: Vec<f32>,
}

/// Buffer names in the reference's registration (and state_dict) order.
pub const BUFFER_NAMES: [&str; 14] = [
    "betas",
    "alphas_cumprod",
    "alphas_cumprod_prev",
    "sqrt_alphas_cumprod",
    "sqrt_one_minus_alphas_cumprod",
    "log_one_minus_alphas_cumprod",
    "sqrt_recip_alphas_cumprod",
    "sqrt_recipm1_alphas_cumprod",
    "posterior_variance",
    "posterior_log_variance_clipped",
    "posterior_mean_coef1",
    "posterior_mean_coef2",
    "clipped_snr",
    "snr",
];

impl DiffusionBuffers {
    /// Computes every buffer for `timesteps` steps; `snr_clip` is the min-SNR γ.
    pub fn new(schedule: BetaSchedule, timesteps: usize, snr_clip: f64) -> Result<Self, CoreError> {
        if timesteps == 0 {
            return Err(CoreError::Invalid(
                "diffusion.timesteps must be at least 1".into(),
            ));
        }
        let betas = schedule.betas(timesteps);
        let mut ab = Vec::with_capacity(timesteps);
        let mut acc = 1.0f64;
        for b in &betas {
            acc *= 1.0 - b;
            ab.push(acc);
        }
        let ab_prev: Vec<f64> = std::iter::once(1.0)
            .chain(ab[..timesteps - 1].iter().copied())
            .collect();
        let cast = |f: &dyn Fn(usize) -> f64| -> Vec<f32> {
            (0..timesteps).map(|i| f(i) as f32).collect()
        };
        let post_var = |i: usize| betas[i] * (1.0 - ab_prev[i]) / (1.0 - ab[i]);
        let snr = |i: usize| ab[i] / (1.0 - ab[i]);
        Ok(Self {
            betas: cast(&|i| betas[i]),
            alphas_cumprod: cast(&|i| ab[i]),
            alphas_cumprod_prev: cast(&|i| ab_prev[i]),
            sqrt_alphas_cumprod: cast(&|i| ab[i].sqrt()),
            sqrt_one_minus_alphas_cumprod: cast(&|i| (1.0 - ab[i]).sqrt()),
            log_one_minus_alphas_cumprod: cast(&|i| (1.0 - ab[i]).ln()),
            sqrt_recip_alphas_cumprod: cast(&|i| (1.0 / ab[i]).sqrt()),
            sqrt_recipm1_alphas_cumprod: cast(&|i| (1.0 / ab[i] - 1.0).sqrt()),
            posterior_variance: cast(&post_var),
            posterior_log_variance_clipped: cast(&|i| post_var(i).max(1e-20).ln()),
            posterior_mean_coef1: cast(&|i| betas[i] * ab_prev[i].sqrt() / (1.0 - ab[i])),
            posterior_mean_coef2: cast(&|i| {
                (1.0 - ab_prev[i]) * (1.0 - betas[i]).sqrt() / (1.0 - ab[i])
            }),
            clipped_snr: cast(&|i| snr(i).min(snr_clip)),
            snr: cast(&snr),
        })
    }

    /// Number of training timesteps T.
    pub fn timesteps(&self) -> usize {
        self.betas.len()
    }

    /// The buffer registered under `name` (see [`BUFFER_NAMES`]).
    pub fn by_name(&self, name: &str) -> Option<&[f32]> {
        Some(match name {
            "betas" => &self.betas,
            "alphas_cumprod" => &self.alphas_cumprod,
            "alphas_cumprod_prev" => &self.alphas_cumprod_prev,
            "sqrt_alphas_cumprod" => &self.sqrt_alphas_cumprod,
            "sqrt_one_minus_alphas_cumprod" => &self.sqrt_one_minus_alphas_cumprod,
            "log_one_minus_alphas_cumprod" => &self.log_one_minus_alphas_cumprod,
            "sqrt_recip_alphas_cumprod" => &self.sqrt_recip_alphas_cumprod,
            "sqrt_recipm1_alphas_cumprod" => &self.sqrt_recipm1_alphas_cumprod,
            "posterior_variance" => &self.posterior_variance,
            "posterior_log_variance_clipped" => &self.posterior_log_variance_clipped,
            "posterior_mean_coef1" => &self.posterior_mean_coef1,
            "posterior_mean_coef2" => &self.posterior_mean_coef2,
            "clipped_snr" => &self.clipped_snr,
            "snr" => &self.snr,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_v_end_is_the_f32_value_of_the_reference() {
        assert_eq!(sigmoid_f32(3.0).to_bits(), 0x3F73DBE6);
    }

    #[test]
    fn linspace_hits_both_ends_exactly() {
        let v = torch_linspace_f64(1e-4, 0.02, 1000);
        assert_eq!(v[0], 1e-4);
        assert_eq!(v[999], 0.02);
        let r = torch_linspace_f32(-1.0, 999.0, 51);
        assert!(
            r.iter()
                .enumerate()
                .all(|(i, &x)| x == -1.0 + 20.0 * i as f32)
        );
    }

    #[test]
    fn posterior_log_variance_is_clipped_at_index_zero() {
        let b = DiffusionBuffers::new(BetaSchedule::Linear, 1000, 5.0).unwrap();
        assert_eq!(b.posterior_variance[0], 0.0);
        assert!((b.posterior_log_variance_clipped[0] + 46.0517).abs() < 1e-3);
    }
}
