//! The network each algorithm builds from the composed config, as the reference derives it.

use dforce_config::Value;
use dforce_nn::{FrameNorm, TimeEmbType, TransformerConfig, Unet3dConfig};

use crate::planning::PlanningLayout;
use crate::settings::DiffusionSettings;
use crate::settings::SettingsError;
use crate::video::VideoLayout;

fn missing(key: &str, e: impl std::fmt::Display) -> SettingsError {
    SettingsError::Missing {
        key: key.into(),
        hint: e.to_string(),
    }
}

/// A positive integer setting, refused by key otherwise (never clamped).
pub fn positive(cfg: &Value, key: &str) -> Result<usize, SettingsError> {
    let v = cfg.get_i64(key).map_err(|e| missing(key, e))?;
    usize::try_from(v)
        .ok()
        .filter(|&v| v > 0)
        .ok_or_else(|| SettingsError::Range {
            key: key.into(),
            got: v.to_string(),
            reason: "it must be a positive integer".into(),
        })
}

/// A non-negative integer setting, refused by key otherwise (never clamped).
pub fn non_negative(cfg: &Value, key: &str) -> Result<usize, SettingsError> {
    let v = cfg.get_i64(key).map_err(|e| missing(key, e))?;
    usize::try_from(v).map_err(|_| SettingsError::Range {
        key: key.into(),
        got: v.to_string(),
        reason: "it must be an integer ≥ 0".into(),
    })
}

fn uints(cfg: &Value, key: &str) -> Result<Vec<usize>, SettingsError> {
    let v = cfg.get_i64_list(key).map_err(|e| missing(key, e))?;
    v.iter()
        .map(|&x| usize::try_from(x).ok().filter(|&x| x > 0))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| SettingsError::Range {
            key: key.into(),
            got: format!("{v:?}"),
            reason: "every entry must be a positive integer".into(),
        })
}

fn boolean(cfg: &Value, key: &str) -> Result<bool, SettingsError> {
    cfg.get_bool(key).map_err(|e| missing(key, e))
}

const ARCH: &str = "algorithm.diffusion.architecture";

/// The planning Transformer: token size from the layout, widths from the architecture.
pub fn planning_transformer(
    cfg: &Value,
    layout: &PlanningLayout,
) -> Result<TransformerConfig, SettingsError> {
    let a = |k: &str| format!("{ARCH}.{k}");
    Ok(TransformerConfig {
        x_dim: layout.token_dim(),
        external_cond_dim: non_negative(cfg, "algorithm.external_cond_dim")?,
        size: positive(cfg, &a("network_size"))?,
        num_layers: positive(cfg, &a("num_layers"))?,
        nhead: positive(cfg, &a("attn_heads"))?,
        dim_feedforward: positive(cfg, &a("dim_feedforward"))?,
        causal: layout.causal,
    })
}

/// `algorithm.external_cond_dim` of a video model: the condition width per raw frame.
pub fn video_cond_dim(cfg: &Value) -> Result<usize, SettingsError> {
    let key = "algorithm.external_cond_dim";
    let v = cfg.get_i64(key).map_err(|e| missing(key, e))?;
    usize::try_from(v).map_err(|_| SettingsError::Range {
        key: key.into(),
        got: v.to_string(),
        reason: "it must be 0 (no condition) or the number of actions, e.g. 3 for DMLab".into(),
    })
}

/// Refuses frames whose sides the U-Net's stride-2 down-samplings do not divide
/// ([`Unet3dConfig::frame_size_multiple`]), naming the dataset key that sets them; the network
/// would otherwise fail on its first batch, after the run directory exists.
fn frames_fit_the_levels(x_shape: &[usize], unet: &Unet3dConfig) -> Result<(), SettingsError> {
    let factor = unet.frame_size_multiple();
    match x_shape {
        [_, h, w, ..] if !h.is_multiple_of(factor) || !w.is_multiple_of(factor) => {
            Err(SettingsError::Range {
                key: "algorithm.x_shape (dataset.resolution)".into(),
                got: format!("{x_shape:?}"),
                reason: format!(
                    "height and width must be divisible by {factor} (2^(levels−1), {} levels in {ARCH}.dim_mults) so the U-Net's skips match; e.g. dataset.resolution={}",
                    unet.dim_mults.len(),
                    (*h / factor).max(1) * factor
                ),
            })
        }
        _ => Ok(()),
    }
}

/// The video Unet3D of `algorithm=df_video` (a token is `frame_stack` frames of `x_shape`).
pub fn video_unet(cfg: &Value) -> Result<Unet3dConfig, SettingsError> {
    let a = |k: &str| format!("{ARCH}.{k}");
    let x_shape = uints(cfg, "algorithm.x_shape")?;
    let channels = *x_shape.first().ok_or_else(|| SettingsError::Range {
        key: "algorithm.x_shape".into(),
        got: "[]".into(),
        reason: "it must be [channels, height, width]".into(),
    })?;
    let fs = positive(cfg, "algorithm.frame_stack")?;
    let resolution = positive(cfg, &a("resolution"))?;
    let mut c = Unet3dConfig::new(
        positive(cfg, &a("network_size"))?,
        uints(cfg, &a("dim_mults"))?,
        channels * fs,
    );
    frames_fit_the_levels(&x_shape, &c)?;
    c.attn_heads = positive(cfg, &a("attn_heads"))?;
    c.attn_dim_head = positive(cfg, &a("attn_dim_head"))?;
    c.attn_factors = Unet3dConfig::attn_factors(resolution, &uints(cfg, &a("attn_resolutions"))?)
        .map_err(|e| missing(&a("attn_resolutions"), e))?;
    c.use_linear_attn = boolean(cfg, &a("use_linear_attn"))?;
    c.use_init_temporal_attn = boolean(cfg, &a("use_init_temporal_attn"))?;
    c.is_causal = boolean(cfg, "algorithm.causal")?;
    // The reference treats any value but "rotary" as the sinusoidal embedding.
    c.time_emb_type = if cfg
        .get_str(&a("time_emb_type"))
        .map_err(|e| missing(&a("time_emb_type"), e))?
        == "rotary"
    {
        TimeEmbType::Rotary
    } else {
        TimeEmbType::Sinusoidal
    };
    // Conditions are stacked with their frames: a token carries fs frames' conditions.
    c.external_cond_dim = video_cond_dim(cfg)? * fs;
    c.norm = match cfg
        .get_opt_str(&a("frame_norm"))
        .ok()
        .flatten()
        .unwrap_or("across_frames")
    {
        "across_frames" => FrameNorm::AcrossFrames,
        "per_frame" => FrameNorm::PerFrame,
        other => {
            return Err(SettingsError::Choice {
                key: a("frame_norm"),
                got: other.into(),
                choices: "across_frames (the reference), per_frame (truly causal)".into(),
                hint: String::new(),
            });
        }
    };
    Ok(c)
}

fn nonneg(cfg: &Value, key: &str) -> Result<usize, SettingsError> {
    let v = cfg.get_i64(key).map_err(|e| missing(key, e))?;
    usize::try_from(v).map_err(|_| SettingsError::Range {
        key: key.into(),
        got: v.to_string(),
        reason: "it must be a non-negative integer".into(),
    })
}

/// The video algorithm's token layout and sampling settings from the composed config, for
/// the network `unet` (from [`video_unet`]) and the diffusion `settings`: `dataset.resolution`,
/// `algorithm.{n_frames, context_frames, chunk_size, data_mean, data_std, external_cond_dim}`
/// and the optional `algorithm.context_cache` (default true). Errors name the key.
pub fn video_layout(
    cfg: &Value,
    settings: &DiffusionSettings,
    unet: &Unet3dConfig,
) -> Result<VideoLayout, SettingsError> {
    let fs = settings.frame_stack;
    let res = positive(cfg, "dataset.resolution")?;
    // The frames are res × res whatever `algorithm.x_shape` says: check them against the
    // U-Net's levels, and x_shape's own height and width (when given) against them.
    let factor = unet.frame_size_multiple();
    if !res.is_multiple_of(factor) {
        return Err(SettingsError::Range {
            key: "dataset.resolution".into(),
            got: res.to_string(),
            reason: format!(
                "the frames' sides must be divisible by {factor} (2^(levels−1), {} levels in \
                 {ARCH}.dim_mults) so the U-Net's skips match; e.g. dataset.resolution={}",
                unet.dim_mults.len(),
                (res / factor).max(1) * factor
            ),
        });
    }
    let x_shape = uints(cfg, "algorithm.x_shape")?;
    if let [_, h, w, ..] = x_shape.as_slice()
        && (*h != res || *w != res)
    {
        return Err(SettingsError::Range {
            key: "algorithm.x_shape".into(),
            got: format!("{x_shape:?}"),
            reason: format!(
                "its height and width must equal dataset.resolution ({res}): the frames are \
                 {res}×{res} (the configs set x_shape from dataset.observation_shape)"
            ),
        });
    }
    let n_frames = positive(cfg, "algorithm.n_frames")?;
    if !n_frames.is_multiple_of(fs) {
        return Err(SettingsError::Range {
            key: "algorithm.n_frames".into(),
            got: n_frames.to_string(),
            reason: format!("it must be a multiple of algorithm.frame_stack ({fs})"),
        });
    }
    let stat = |key: &str| -> Result<f32, SettingsError> {
        let v = cfg.get_f64(key).map_err(|e| missing(key, e))?;
        if v.is_finite() && (key.ends_with("mean") || v > 0.0) {
            Ok(v as f32)
        } else {
            Err(SettingsError::Range {
                key: key.into(),
                got: v.to_string(),
                reason: "video normalisation must be a finite number (std > 0), e.g. 0.5".into(),
            })
        }
    };
    let context_cache = if cfg.contains("algorithm.context_cache") {
        boolean(cfg, "algorithm.context_cache")?
    } else {
        true
    };
    Ok(VideoLayout {
        channels: unet.channels / fs,
        height: res,
        width: res,
        frame_stack: fs,
        n_tokens: n_frames / fs,
        context_frames: nonneg(cfg, "algorithm.context_frames")?,
        chunk_size: cfg
            .get_i64("algorithm.chunk_size")
            .map_err(|e| missing("algorithm.chunk_size", e))?,
        scheduling: settings.scheduling,
        uncertainty_scale: settings.uncertainty_scale,
        trapezoid: settings.trapezoid,
        mean: stat("algorithm.data_mean")?,
        std: stat("algorithm.data_std")?,
        cond_dim: video_cond_dim(cfg)?,
        context_cache,
    })
}
