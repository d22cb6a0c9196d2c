//! The network each algorithm builds from the composed config, as the reference derives it.

use dforce_config::Value;
use dforce_nn::{FrameNorm, TimeEmbType, TransformerConfig, Unet3dConfig};

use crate::planning::PlanningLayout;
use crate::settings::{ConfigReader, DiffusionSettings, SettingsError};
use crate::video::VideoLayout;
use crate::video::frame_stats::FrameStat;

const ARCH: &str = "algorithm.diffusion.architecture";

/// The largest architecture size accepted (widths, heads, layers, multipliers, frame stacks):
/// products of a few of them then stay far from overflowing.
pub const MAX_SIZE: usize = 1 << 16;

/// The most trainable parameters a network may have: 2^30 (4 GiB of float32 weights, 16 GiB
/// with their gradients and AdamW's moments). The reference's largest configuration (the
/// Minecraft Unet3D) is far below; a size typo is refused before anything is allocated.
pub const MAX_PARAMS: usize = 1 << 30;

/// Refuses a network of more than [`MAX_PARAMS`] parameters, naming the keys that size it.
fn check_params(count: usize, keys: &str) -> Result<(), SettingsError> {
    if count <= MAX_PARAMS {
        return Ok(());
    }
    Err(SettingsError::Range {
        key: keys.into(),
        got: format!("{count} parameters"),
        reason: format!(
            "a network may have at most {MAX_PARAMS} parameters (4 GiB of float32 weights); \
             use smaller widths"
        ),
    })
}

/// The planning Transformer: token size from the layout, widths from the architecture.
pub fn planning_transformer(
    cfg: &Value,
    layout: &PlanningLayout,
) -> Result<TransformerConfig, SettingsError> {
    let a = |k: &str| format!("{ARCH}.{k}");
    let r = ConfigReader::new(cfg);
    let c = TransformerConfig {
        x_dim: layout.token_dim(),
        external_cond_dim: r.size_in("algorithm.external_cond_dim", 0, MAX_SIZE)?,
        size: r.positive_at_most(&a("network_size"), MAX_SIZE)?,
        num_layers: r.positive_at_most(&a("num_layers"), MAX_SIZE)?,
        nhead: r.positive_at_most(&a("attn_heads"), MAX_SIZE)?,
        dim_feedforward: r.positive_at_most(&a("dim_feedforward"), MAX_SIZE)?,
        causal: layout.causal,
    };
    // Every width is at most 2^16 (the token at most a few thousand), so the count is below
    // 2^52: no overflow.
    check_params(
        c.num_params(),
        &format!("{ARCH}.{{network_size, num_layers, dim_feedforward}}"),
    )?;
    Ok(c)
}

/// `algorithm.external_cond_dim` of a video model: the condition width per raw frame.
pub fn video_cond_dim(cfg: &Value) -> Result<usize, SettingsError> {
    let key = "algorithm.external_cond_dim";
    let v = ConfigReader::new(cfg).int(key)?;
    usize::try_from(v)
        .ok()
        .filter(|&n| n <= MAX_SIZE)
        .ok_or_else(|| SettingsError::Range {
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
    let r = ConfigReader::new(cfg);
    let x_shape = r.positive_list("algorithm.x_shape", MAX_SIZE)?;
    let channels = *x_shape.first().ok_or_else(|| SettingsError::Range {
        key: "algorithm.x_shape".into(),
        got: "[]".into(),
        reason: "it must be [channels, height, width]".into(),
    })?;
    let fs = r.positive_at_most("algorithm.frame_stack", MAX_SIZE)?;
    let resolution = r.positive_at_most(&a("resolution"), MAX_SIZE)?;
    let network_size = r.positive_at_most(&a("network_size"), MAX_SIZE)?;
    let dim_mults = r.positive_list(&a("dim_mults"), MAX_SIZE)?;
    // The widest level's channels: at most 2^16, so the parameter count cannot overflow.
    let widest = dim_mults
        .iter()
        .max()
        .map_or(network_size, |m| network_size * m);
    if widest > MAX_SIZE {
        return Err(SettingsError::Range {
            key: format!("{ARCH}.network_size × max({ARCH}.dim_mults)"),
            got: format!("{network_size} × {:?}", dim_mults),
            reason: format!("the widest level would have {widest} channels; at most {MAX_SIZE}"),
        });
    }
    let mut c = Unet3dConfig::new(network_size, dim_mults, channels * fs);
    frames_fit_the_levels(&x_shape, &c)?;
    c.attn_heads = r.positive_at_most(&a("attn_heads"), MAX_SIZE)?;
    c.attn_dim_head = r.positive_at_most(&a("attn_dim_head"), MAX_SIZE)?;
    let attn_resolutions = r.positive_list(&a("attn_resolutions"), MAX_SIZE)?;
    c.attn_factors = Unet3dConfig::attn_factors(resolution, &attn_resolutions).map_err(|e| {
        SettingsError::Range {
            key: a("attn_resolutions"),
            got: format!("{attn_resolutions:?}"),
            reason: e.to_string(),
        }
    })?;
    c.use_linear_attn = r.boolean(&a("use_linear_attn"))?;
    c.use_init_temporal_attn = r.boolean(&a("use_init_temporal_attn"))?;
    c.is_causal = r.boolean("algorithm.causal")?;
    // The reference types it Literal["sinusoidal", "rotary"] but treats any other string as
    // sinusoidal; a misspelling (`rotery`) would silently build another network, so it is
    // refused with did-you-mean.
    c.time_emb_type = if r.choice(&a("time_emb_type"), &["rotary", "sinusoidal"])? == "rotary" {
        TimeEmbType::Rotary
    } else {
        TimeEmbType::Sinusoidal
    };
    // Conditions are stacked with their frames: a token carries fs frames' conditions.
    c.external_cond_dim = video_cond_dim(cfg)? * fs;
    // dforce's own key: `across_frames` (the reference) or `per_frame` (truly causal).
    c.norm = match r
        .opt_choice(
            &a("frame_norm"),
            &["across_frames", "per_frame"],
            "across_frames",
        )?
        .as_str()
    {
        "per_frame" => FrameNorm::PerFrame,
        _ => FrameNorm::AcrossFrames,
    };
    check_params(
        c.num_params(),
        &format!("{ARCH}.{{network_size, dim_mults, attn_heads, attn_dim_head}}"),
    )?;
    Ok(c)
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
    let r = ConfigReader::new(cfg);
    let fs = settings.frame_stack;
    let res = r.positive("dataset.resolution")?;
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
    let x_shape = r.positive_list("algorithm.x_shape", MAX_SIZE)?;
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
    let channels = unet.channels / fs;
    if channels != dforce_video_data::CHANNELS {
        return Err(SettingsError::Range {
            key: "algorithm.x_shape".into(),
            got: format!("{x_shape:?}"),
            reason: format!(
                "its channels must be {} (the video datasets' frames are RGB); the configs set \
                 x_shape from dataset.observation_shape=[3, ${{dataset.resolution}}, \
                 ${{dataset.resolution}}]",
                dforce_video_data::CHANNELS
            ),
        });
    }
    let n_frames = r.positive("algorithm.n_frames")?;
    if !n_frames.is_multiple_of(fs) {
        return Err(SettingsError::Range {
            key: "algorithm.n_frames".into(),
            got: n_frames.to_string(),
            reason: format!("it must be a multiple of algorithm.frame_stack ({fs})"),
        });
    }
    let frame = [channels, res, res];
    let stat = |key: &str| -> Result<FrameStat, SettingsError> {
        let stat = crate::video::frame_stats::read(&r, key)?;
        stat.check(frame).map_err(|reason| SettingsError::Range {
            key: key.into(),
            got: format!("shape {:?}", stat.shape),
            reason,
        })?;
        Ok(stat)
    };
    let context_cache = r.opt_boolean("algorithm.context_cache", true)?;
    Ok(VideoLayout {
        channels,
        height: res,
        width: res,
        frame_stack: fs,
        n_tokens: n_frames / fs,
        context_frames: r.size_at_least("algorithm.context_frames", 0)?,
        chunk_size: r.int("algorithm.chunk_size")?,
        scheduling: settings.scheduling,
        uncertainty_scale: settings.uncertainty_scale,
        trapezoid: settings.trapezoid,
        mean: stat("algorithm.data_mean")?,
        std: stat("algorithm.data_std")?,
        cond_dim: video_cond_dim(cfg)?,
        context_cache,
    })
}
