//! The Unet3D config a reference fixture or checkpoint describes.

use dforce_nn::{TimeEmbType, Unet3dConfig};
use serde_json::Value;

/// `Unet3dConfig` from a stacked token shape `[C, H, W]`, the `diffusion.architecture` node
/// and the causal flag, converting `attn_resolutions` to factors as the reference does.
pub fn config(x_shape: &[Value], arch: &Value, is_causal: bool) -> Unet3dConfig {
    let n = |k: &str| {
        arch[k]
            .as_u64()
            .unwrap_or_else(|| panic!("architecture.{k}")) as usize
    };
    let list = |k: &str| -> Vec<usize> {
        arch[k]
            .as_array()
            .unwrap_or_else(|| panic!("architecture.{k}"))
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect()
    };
    let flag = |k: &str| {
        arch[k]
            .as_bool()
            .unwrap_or_else(|| panic!("architecture.{k}"))
    };
    let channels = x_shape[0].as_u64().unwrap() as usize;
    Unet3dConfig {
        attn_heads: n("attn_heads"),
        attn_dim_head: n("attn_dim_head"),
        attn_factors: Unet3dConfig::attn_factors(n("resolution"), &list("attn_resolutions"))
            .unwrap(),
        use_linear_attn: flag("use_linear_attn"),
        use_init_temporal_attn: flag("use_init_temporal_attn"),
        is_causal,
        time_emb_type: TimeEmbType::from_name(arch["time_emb_type"].as_str().unwrap()).unwrap(),
        ..Unet3dConfig::new(n("network_size"), list("dim_mults"), channels)
    }
}
