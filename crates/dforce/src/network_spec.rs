//! Which network a composed configuration builds, with its size.

use anyhow::{Context, Result, bail};
use dforce_config::Value;
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
        if !is_planning {
            return Self::video(cfg);
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

    /// The video Unet3D of `algorithm=df_video` (token = frame_stack frames of `x_shape`).
    fn video(cfg: &Value) -> Result<Self> {
        let a = |k: &str| format!("algorithm.diffusion.architecture.{k}");
        let positive = |key: &str| -> Result<usize> {
            let v = cfg.get_i64(key)?;
            usize::try_from(v)
                .ok()
                .filter(|&v| v > 0)
                .with_context(|| format!("{key} must be a positive integer, got {v}"))
        };
        let x_shape = cfg.get_i64_list("algorithm.x_shape")?;
        let channels = usize::try_from(*x_shape.first().context("algorithm.x_shape is empty")?)?;
        let fs = positive("algorithm.frame_stack")?;
        let resolution = positive(&a("resolution"))?;
        let attn_resolutions: Vec<usize> = cfg
            .get_i64_list(&a("attn_resolutions"))?
            .into_iter()
            .map(|v| v.max(0) as usize)
            .collect();
        let dim_mults: Vec<usize> = cfg
            .get_i64_list(&a("dim_mults"))?
            .into_iter()
            .map(|v| v.max(0) as usize)
            .collect();
        let mut c = Unet3dConfig::new(positive(&a("network_size"))?, dim_mults, channels * fs);
        c.attn_heads = positive(&a("attn_heads"))?;
        c.attn_dim_head = positive(&a("attn_dim_head"))?;
        c.attn_factors = Unet3dConfig::attn_factors(resolution, &attn_resolutions)?;
        c.use_linear_attn = cfg.get_bool(&a("use_linear_attn"))?;
        c.use_init_temporal_attn = cfg.get_bool(&a("use_init_temporal_attn"))?;
        c.is_causal = cfg.get_bool("algorithm.causal")?;
        // The reference treats any value but "rotary" as the sinusoidal embedding.
        c.time_emb_type = if cfg.get_str(&a("time_emb_type"))? == "rotary" {
            TimeEmbType::Rotary
        } else {
            TimeEmbType::Sinusoidal
        };
        c.external_cond_dim = usize::try_from(cfg.get_i64("algorithm.external_cond_dim")?)?;
        c.norm = match cfg
            .get_opt_str(&a("frame_norm"))?
            .unwrap_or("across_frames")
        {
            "across_frames" => dforce_nn::FrameNorm::AcrossFrames,
            "per_frame" => dforce_nn::FrameNorm::PerFrame,
            other => bail!(
                "{} is '{other}'; expected across_frames (the reference) or per_frame (truly causal)",
                a("frame_norm")
            ),
        };
        Ok(Self::Unet3d(c))
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
