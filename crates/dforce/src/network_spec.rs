//! Which network a composed configuration builds, with its size.

use anyhow::Result;
use dforce_config::Value;
use dforce_engine::networks;
use dforce_engine::planning::PlanningLayout;
use dforce_nn::{TimeEmbType, TransformerConfig, Unet3dConfig};

/// The network of a configuration.
#[derive(Debug, Clone)]
pub enum NetworkSpec {
    Transformer(TransformerConfig),
    Unet3d(Unet3dConfig),
}

impl NetworkSpec {
    /// Builds the spec from a resolved job config, by the algorithm's shape rules.
    /// `algorithm` is the selected option of the `algorithm` group (e.g. `df_planning`).
    pub fn from_config(cfg: &Value, algorithm: Option<&str>) -> Result<Self> {
        let is_planning =
            algorithm == Some("df_planning") || cfg.contains("algorithm.observation_mean");
        Ok(if is_planning {
            let layout = PlanningLayout::from_config(cfg)?;
            Self::Transformer(networks::planning_transformer(cfg, &layout)?)
        } else {
            Self::Unet3d(networks::video_unet(cfg)?)
        })
    }

    pub fn num_params(&self) -> usize {
        match self {
            Self::Transformer(c) => c.num_params(),
            Self::Unet3d(c) => c.num_params(),
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
            Self::Unet3d(c) => format!(
                "video Unet3D: {} channels in, width {} × {:?}, {} heads of {}, attention at downsampling factors {:?}, {} temporal attention ({})",
                c.channels,
                c.dim,
                c.dim_mults,
                c.attn_heads,
                c.attn_dim_head,
                c.attn_factors,
                if c.is_causal { "causal" } else { "non-causal" },
                if c.time_emb_type == TimeEmbType::Rotary {
                    "rotary"
                } else {
                    "sinusoidal"
                }
            ),
        }
    }
}
