//! Which network a composed configuration builds, with its size.

use anyhow::Result;
use dforce_config::Value;
use dforce_engine::algorithm::{Algorithm, registry};
use dforce_engine::forecasting::{Backbone, ForecastOptions, Forecasting};
use dforce_engine::networks;
use dforce_engine::planning::{Planning, PlanningLayout};
use dforce_nn::{TimeEmbType, TransformerConfig, TransitionMlpConfig, Unet3dConfig};

/// The network of a configuration.
#[derive(Debug, Clone)]
pub enum NetworkSpec {
    Transformer(TransformerConfig),
    Unet3d(Unet3dConfig),
    /// The paper branch's recurrent network (`df_prediction`, `algorithm.backbone=recurrent`),
    /// with its observation head `x_from_z`.
    TransitionMlp(TransitionMlpConfig),
}

impl NetworkSpec {
    /// Builds the spec from a resolved job config (with `algorithm._name` set), by the shape
    /// rules of the algorithm that runs it ([`registry::implementation`]).
    pub fn from_config(cfg: &Value) -> Result<Self> {
        Ok(match registry::implementation(cfg)? {
            Planning::NAME => {
                let layout = PlanningLayout::from_config(cfg)?;
                Self::Transformer(networks::planning_transformer(cfg, &layout)?)
            }
            Forecasting::NAME => {
                let options = ForecastOptions::from_config(cfg)?;
                match &options.backbone {
                    Backbone::Recurrent => Self::TransitionMlp(options.network),
                    Backbone::Transformer(t) => {
                        Self::Transformer(t.network(options.spec.target_dim))
                    }
                }
            }
            _ => Self::Unet3d(networks::video_unet(cfg)?),
        })
    }

    pub fn num_params(&self) -> usize {
        match self {
            Self::Transformer(c) => c.num_params(),
            Self::Unet3d(c) => c.num_params(),
            // + x_from_z: Linear(z → x).
            Self::TransitionMlp(c) => c.num_params() + c.z_dim * c.x_dim + c.x_dim,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::TransitionMlp(c) => format!(
                "recurrent TransitionMlp: {} series per token, latent {}, level embedding {}, {} MLP layer(s), {} GRU cell(s), {}",
                c.x_dim,
                c.z_dim,
                c.network_size,
                c.num_mlp_layers,
                c.num_gru_layers,
                if c.external_cond_dim > 0 {
                    format!("covariates of width {}", c.external_cond_dim)
                } else {
                    "no covariates".into()
                }
            ),
            Self::Transformer(c) => format!(
                "Transformer: token size {} (frame_stack × per-frame), width {}, {} layers, {} heads, feed-forward {}, {}",
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
