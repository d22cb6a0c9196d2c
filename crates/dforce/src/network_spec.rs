//! Which network a composed configuration builds, with its size.

use anyhow::{Context, Result, bail};
use dforce_config::Value;
use dforce_nn::TransformerConfig;

/// The network of a configuration.
#[derive(Debug, Clone)]
pub enum NetworkSpec {
    Transformer(TransformerConfig),
}

impl NetworkSpec {
    /// Builds the spec from a resolved job config, by the algorithm's shape rules.
    /// `algorithm` is the selected option of the `algorithm` group (e.g. `df_planning`).
    pub fn from_config(cfg: &Value, algorithm: Option<&str>) -> Result<Self> {
        let is_planning =
            algorithm == Some("df_planning") || cfg.contains("algorithm.observation_mean");
        if !is_planning {
            bail!(
                "the video Unet3D summary is not available in this build yet; planning configs (algorithm=df_planning) are"
            )
        }
        let len = |key: &str| -> Result<usize> {
            Ok(cfg
                .get_list(key)
                .with_context(|| format!("reading {key}"))?
                .len())
        };
        let obs = len("algorithm.observation_mean")?;
        let act = len("algorithm.action_mean")?;
        for (mean, std) in [
            ("observation_mean", "observation_std"),
            ("action_mean", "action_std"),
        ] {
            let (m, s) = (
                len(&format!("algorithm.{mean}"))?,
                len(&format!("algorithm.{std}"))?,
            );
            if m != s {
                bail!(
                    "algorithm.{mean} has {m} entries but algorithm.{std} has {s}; they must have the same length"
                )
            }
        }
        let reward = usize::from(cfg.get_bool("algorithm.use_reward")?);
        let fs = cfg.get_i64("algorithm.frame_stack")?;
        if fs < 1 {
            bail!("algorithm.frame_stack must be at least 1, got {fs}")
        }
        let arch = |k: &str| -> Result<usize> {
            let v = cfg.get_i64(&format!("algorithm.diffusion.architecture.{k}"))?;
            usize::try_from(v).with_context(|| {
                format!("algorithm.diffusion.architecture.{k} must be >= 0, got {v}")
            })
        };
        Ok(Self::Transformer(TransformerConfig {
            x_dim: fs as usize * (obs + act + reward),
            external_cond_dim: usize::try_from(cfg.get_i64("algorithm.external_cond_dim")?)?,
            size: arch("network_size")?,
            num_layers: arch("num_layers")?,
            nhead: arch("attn_heads")?,
            dim_feedforward: arch("dim_feedforward")?,
            causal: cfg.get_bool("algorithm.causal")?,
        }))
    }

    pub fn num_params(&self) -> usize {
        match self {
            Self::Transformer(c) => c.num_params(),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Transformer(c) => format!(
                "planning Transformer: token size {} (frame_stack × per-frame), width {}, {} layers, {} heads, feed-forward {}, {}",
                c.x_dim,
                c.size,
                c.num_layers,
                c.nhead,
                c.dim_feedforward,
                if c.causal { "causal" } else { "non-causal" }
            ),
        }
    }
}
