//! Diffusion Forcing for maze planning (the reference's `df_planning`).
//!
//! A frame is `[obs, action, (reward)]`, normalised; `frame_stack` frames form one token. Token 0
//! is the start observation repeated `frame_stack` times. Training noises every token
//! independently and, for a non-causal model, masks a random suffix to full noise so that the
//! model learns flexible horizons; planning denoises with the pyramid schedule under goal
//! guidance, padding unused tokens as pure noise.

use burn::tensor::{Tensor, TensorData};
use dforce_core::{CoreError, LevelGrid};
use rand::Rng;

/// How the start observation fills token 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadMode {
    /// All `frame_stack` copies of the start frame (the reference's default, `same`).
    Same,
    /// Only the last copy; the others are zeros (`zero`).
    Zero,
}

/// Shapes and normalisation of the planning bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanningLayout {
    pub obs_dim: usize,
    pub act_dim: usize,
    pub use_reward: bool,
    pub frame_stack: usize,
    /// Tokens the network sees: `episode_len / frame_stack + 1`.
    pub n_tokens: usize,
    pub episode_len: usize,
    /// Per-frame mean and std (`obs ++ action (++ reward)`).
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    pub pad: PadMode,
    pub causal: bool,
}

impl PlanningLayout {
    /// Values per frame.
    pub fn frame_dim(&self) -> usize {
        self.obs_dim + self.act_dim + usize::from(self.use_reward)
    }

    /// Values per token.
    pub fn token_dim(&self) -> usize {
        self.frame_stack * self.frame_dim()
    }
}

/// One training batch in token layout, built on the host by the data workers.
#[derive(Debug, Clone)]
pub struct PlanningBatch {
    pub batch: usize,
    /// `(n_tokens, batch, token_dim)`, row-major.
    pub tokens: Vec<f32>,
    /// `(n_tokens · frame_stack, batch)`: 1 for real frames, 0 after a terminal.
    pub masks: Vec<f32>,
}

/// Raw windows of the offline dataset: `batch` windows of `len` frames.
#[derive(Debug, Clone)]
pub struct RawWindows<'a> {
    pub batch: usize,
    pub len: usize,
    /// `(batch, len, 4)`.
    pub observations: &'a [f32],
    /// `(batch, len, 2)`.
    pub actions: &'a [f32],
    /// `(batch, len)`.
    pub rewards: &'a [f32],
    /// `(batch, len)`.
    pub nonterminals: &'a [bool],
}

impl PlanningLayout {
    /// The reference's `_preprocess_batch`: frame t ≥ 1 is `(o_t, a_{t−1}, r_{t−1})`; token 0
    /// is the padded start observation with zero (= mean) action and reward.
    pub fn preprocess(&self, w: &RawWindows) -> Result<PlanningBatch, CoreError> {
        let (b, n, fs, c) = (w.batch, w.len, self.frame_stack, self.frame_dim());
        if n < 2 || (n - 1) % fs != 0 || (n - 1) / fs + 1 != self.n_tokens {
            return Err(CoreError::Invalid(format!(
                "planning windows must hold episode_len + 1 = {} frames (a multiple of frame_stack {fs} plus one), got {n}",
                (self.n_tokens - 1) * fs + 1
            )));
        }
        let frames = fs + n - 1; // = n_tokens · fs
        let mut seq = vec![0f32; b * frames * c]; // (b, frames, c)
        let norm = |v: f32, j: usize| (v - self.mean[j]) / self.std[j];
        for bi in 0..b {
            let obs = |t: usize, j: usize| w.observations[(bi * n + t) * 4 + j];
            // Token 0: the start observation, `pad` decides which copies stay.
            for f in 0..fs {
                if self.pad == PadMode::Zero && f + 1 < fs {
                    continue;
                }
                let row = &mut seq[(bi * frames + f) * c..][..self.obs_dim];
                for (j, v) in row.iter_mut().enumerate() {
                    *v = norm(obs(0, j), j);
                }
            }
            for t in 1..n {
                let row = &mut seq[(bi * frames + fs + t - 1) * c..][..c];
                for (j, v) in row[..self.obs_dim].iter_mut().enumerate() {
                    *v = norm(obs(t, j), j);
                }
                for j in 0..self.act_dim {
                    row[self.obs_dim + j] =
                        norm(w.actions[(bi * n + t - 1) * 2 + j], self.obs_dim + j);
                }
                if self.use_reward {
                    let j = self.obs_dim + self.act_dim;
                    row[j] = norm(w.rewards[bi * n + t - 1], j);
                }
            }
        }
        // (b, (t fs), c) → (t, b, (fs c))
        let d = fs * c;
        let mut tokens = vec![0f32; self.n_tokens * b * d];
        for bi in 0..b {
            for t in 0..self.n_tokens {
                let src = &seq[(bi * frames + t * fs) * c..][..d];
                tokens[(t * b + bi) * d..][..d].copy_from_slice(src);
            }
        }
        // Masks: ones for the padded start, then the shifted nonterminals, cumulative product.
        let mut masks = vec![0f32; frames * b];
        for bi in 0..b {
            let mut alive = 1.0f32;
            for f in 0..frames {
                let nonterminal = if f < fs {
                    true
                } else {
                    w.nonterminals[bi * n + f - fs]
                };
                alive *= if nonterminal { 1.0 } else { 0.0 };
                masks[f * b + bi] = alive;
            }
        }
        Ok(PlanningBatch {
            batch: b,
            tokens,
            masks,
        })
    }

    /// `(n, B, fs·c)` token-major → `(n·fs, B, c)` frame-major (the reference's unstack).
    pub fn unstack(&self, x: Tensor<3>) -> Tensor<3> {
        let [n, b, _] = x.dims();
        let (fs, c) = (self.frame_stack, self.frame_dim());
        x.reshape([n, b, fs, c])
            .swap_dims(1, 2)
            .reshape([n * fs, b, c])
    }
}

/// Training-time randomness of the planning algorithm (noise levels and terminal masking).
pub struct PlanningTrainingDraw {
    /// Real noise levels `(n_tokens, batch)`.
    pub levels: LevelGrid,
    /// Per-frame loss weights `(n_tokens · fs, batch)`.
    pub weights: Vec<f32>,
}

impl PlanningLayout {
    /// Draws the training noise levels and loss weights for `batch` (see the module docs).
    pub fn training_draw(
        &self,
        batch: &PlanningBatch,
        timesteps: usize,
        rng: &mut impl Rng,
    ) -> PlanningTrainingDraw {
        let (b, n, fs) = (batch.batch, self.n_tokens, self.frame_stack);
        let mut masks = batch.masks.clone();
        let mut weights = masks.clone();
        if !self.causal {
            // Random terminal per sample: tokens t ≥ r are "after the end" (r ∈ [2, n]).
            for bi in 0..b {
                let r = rng.random_range(2..=n);
                for t in r..n {
                    for f in 0..fs {
                        let i = (t * fs + f) * b + bi;
                        weights[i] *= 0.05;
                        masks[i] = 0.0;
                    }
                }
            }
        }
        let mut levels = vec![0i64; n * b];
        for t in 0..n {
            for bi in 0..b {
                let all_masked = (0..fs).all(|f| masks[(t * fs + f) * b + bi] == 0.0);
                levels[t * b + bi] = if all_masked {
                    timesteps as i64 - 1
                } else {
                    rng.random_range(0..timesteps as i64)
                };
            }
        }
        // Half of the batches see a nearly clean start token (one coin per batch, as the reference).
        if rng.random_bool(0.5) {
            for level in levels.iter_mut().take(b) {
                *level = rng.random_range(0..(timesteps / 4).max(1) as i64);
            }
        }
        PlanningTrainingDraw {
            levels: LevelGrid {
                tokens: n,
                batch: b,
                levels,
            },
            weights,
        }
    }
}

/// `mean((loss · weight))` with the loss `(n, B, fs·c)` and per-frame weights `(n·fs, B)`.
pub fn reweight_loss(loss: Tensor<3>, weights: &[f32], fs: usize) -> Tensor<1> {
    let [n, b, d] = loss.dims();
    let c = d / fs;
    // (t fs) b → t b fs 1
    let mut w = vec![0f32; n * b * fs];
    for t in 0..n {
        for f in 0..fs {
            for bi in 0..b {
                w[(t * b + bi) * fs + f] = weights[(t * fs + f) * b + bi];
            }
        }
    }
    let w: Tensor<4> = Tensor::from_data(TensorData::new(w, [n, b, fs, 1]), &loss.device());
    (loss.reshape([n, b, fs, c]) * w).mean()
}

impl PlanningLayout {
    /// The layout the reference derives from `algorithm.*` (its `df_planning` constructor).
    pub fn from_config(cfg: &dforce_config::Value) -> Result<Self, crate::SettingsError> {
        use crate::SettingsError;
        let r = crate::settings::ConfigReader::new(cfg);
        let list = |key: &str| -> Result<Vec<f32>, SettingsError> {
            Ok(r.finite_list(key)?.into_iter().map(|x| x as f32).collect())
        };
        let (obs_mean, obs_std) = (
            list("algorithm.observation_mean")?,
            list("algorithm.observation_std")?,
        );
        let (act_mean, act_std) = (
            list("algorithm.action_mean")?,
            list("algorithm.action_std")?,
        );
        for (m, s, what) in [
            (&obs_mean, &obs_std, "observation"),
            (&act_mean, &act_std, "action"),
        ] {
            if m.len() != s.len() {
                return Err(SettingsError::Range {
                    key: format!("algorithm.{what}_std"),
                    got: format!("{} entries", s.len()),
                    reason: format!(
                        "it must have as many entries as algorithm.{what}_mean ({})",
                        m.len()
                    ),
                });
            }
        }
        if obs_mean.is_empty()
            || obs_mean.len() > 4
            || obs_mean.len() % 2 != 0
            || act_mean.len() > 2
        {
            return Err(SettingsError::Range {
                key: "algorithm.observation_mean".into(),
                got: format!("{} observation and {} action entries", obs_mean.len(), act_mean.len()),
                reason: "maze2d observations are [x, y] or [x, y, vx, vy] and actions have 0 or 2 entries".into(),
            });
        }
        let use_reward = r.opt_boolean("algorithm.use_reward", false)?;
        let fs = r.positive_at_most("algorithm.frame_stack", crate::networks::MAX_SIZE)?;
        let episode_len = r.positive_at_most("algorithm.episode_len", 1 << 20)?;
        if !episode_len.is_multiple_of(fs) {
            return Err(SettingsError::Range {
                key: "algorithm.episode_len".into(),
                got: episode_len.to_string(),
                reason: format!("it must be a multiple of algorithm.frame_stack ({fs})"),
            });
        }
        let (obs_dim, act_dim) = (obs_mean.len(), act_mean.len());
        let mut mean = [obs_mean, act_mean].concat();
        let mut std = [obs_std, act_std].concat();
        if use_reward {
            mean.push(r.finite("algorithm.reward_mean")? as f32);
            std.push(r.finite("algorithm.reward_std")? as f32);
        }
        if let Some(i) = std.iter().position(|&s| s.is_nan() || s <= 0.0) {
            // Name the key the entry came from (the bundle is observations, actions, reward).
            let key = if i < obs_dim {
                format!("algorithm.observation_std.{i}")
            } else if i < obs_dim + act_dim {
                format!("algorithm.action_std.{}", i - obs_dim)
            } else {
                "algorithm.reward_std".into()
            };
            return Err(SettingsError::Range {
                key,
                got: std[i].to_string(),
                reason: "a standard deviation must be > 0 (the bundle is divided by it)".into(),
            });
        }
        let pad = match r
            .opt_choice("algorithm.padding_mode", &["same", "zero"], "same")?
            .as_str()
        {
            "zero" => PadMode::Zero,
            _ => PadMode::Same,
        };
        Ok(Self {
            obs_dim,
            act_dim,
            use_reward,
            frame_stack: fs,
            n_tokens: episode_len / fs + 1,
            episode_len,
            mean,
            std,
            pad,
            causal: r.boolean("algorithm.causal")?,
        })
    }
}
