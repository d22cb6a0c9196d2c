//! Hyper-parameters of the video Unet3D, their validation, and the level plan that both
//! construction and the parameter count are derived from (so the two cannot disagree).

use burn::tensor::Device;

use crate::error::NnError;

use super::attention::attention_block_params;
use super::resnet::{resample_params, resnet_params};
use super::timestep::timestep_embedding_params;
use super::unet::Unet3d;

/// How temporal positions reach the temporal attentions (`time_emb_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeEmbType {
    /// One rotary embedding over all head channels, shared by every temporal attention.
    #[default]
    Rotary,
    /// A per-block `TimestepEmbedding` of the frame index added before the attention.
    Sinusoidal,
}

impl TimeEmbType {
    /// The config spelling. The reference treats any value but `"rotary"` as sinusoidal; we
    /// reject unknown names so a typo does not silently change the architecture.
    pub fn from_name(name: &str) -> Result<Self, NnError> {
        match name {
            "rotary" => Ok(Self::Rotary),
            "sinusoidal" => Ok(Self::Sinusoidal),
            other => Err(NnError::Config(format!(
                "time_emb_type must be \"rotary\" or \"sinusoidal\", got {other:?}"
            ))),
        }
    }
}

/// Which values a ResNet GroupNorm pools its statistics over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FrameNorm {
    /// The reference: statistics over (C/G × all frames of the window × H × W), because
    /// `nn.GroupNorm` sees the 5-D `(B, C, n, H, W)` tensor. Needed for checkpoint parity, but
    /// future frames then influence past outputs even when attention is causal.
    #[default]
    AcrossFrames,
    /// Statistics over (C/G × H × W) of each frame alone. With causal temporal attention the
    /// network is then truly causal (a frame's output never depends on later frames), at the
    /// price of differing numerically from checkpoints trained with pooled statistics.
    PerFrame,
}

/// The shape of the video Unet3D (`algorithm.diffusion.architecture` + token shape).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unet3dConfig {
    /// Base width (`network_size`); also the width of the init conv and of the output block.
    pub dim: usize,
    /// Width multipliers of the levels: level `i` has `dim · dim_mults[i]` channels.
    pub dim_mults: Vec<usize>,
    /// Channels of one (stacked) token, in and out.
    pub channels: usize,
    /// Width of the per-frame external condition (e.g. one-hot actions); 0 for none. The
    /// reference raises `NotImplementedError` here; dforce embeds the condition with an MLP
    /// and adds it to the noise-level embedding (see [`Unet3d::forward`]).
    pub external_cond_dim: usize,
    pub attn_heads: usize,
    pub attn_dim_head: usize,
    /// Downsampling factors (1, 2, 4, …) that get attention, i.e. the config's
    /// `attn_resolutions` already converted by `resolution // r`
    /// (see [`Unet3dConfig::attn_factors`]).
    pub attn_factors: Vec<usize>,
    /// Linear attention for the spatial attentions above the lowest resolution.
    pub use_linear_attn: bool,
    pub use_init_temporal_attn: bool,
    /// Spatial kernel of the init conv (odd, so padding `k / 2` keeps the size).
    pub init_kernel_size: usize,
    /// Causal mask in every temporal attention.
    pub is_causal: bool,
    pub time_emb_type: TimeEmbType,
    pub resnet_block_groups: usize,
    pub norm: FrameNorm,
}

/// What sits at one level of the U-Net, as the reference's constructor decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LevelPlan {
    /// Down: input width of the first ResNet. Up: output width of the level.
    pub din: usize,
    /// Down: output width of the level. Up: the skip's width (the first ResNet gets `2·dout`).
    pub dout: usize,
    /// `Some(linear)` when the level has spatial + temporal attention.
    pub attention: Option<bool>,
    /// Whether a Downsample (down) or Upsample (up) closes the level.
    pub resample: bool,
}

impl Unet3dConfig {
    /// The reference constructor's defaults for everything but the widths: attention factors
    /// [1, 2, 4, 8], 4 heads of 32, linear attention, init temporal attention, 7×7 init conv,
    /// causal, rotary, 8 groups, reference (across-frames) GroupNorm.
    pub fn new(dim: usize, dim_mults: Vec<usize>, channels: usize) -> Self {
        Self {
            dim,
            dim_mults,
            channels,
            external_cond_dim: 0,
            attn_heads: 4,
            attn_dim_head: 32,
            attn_factors: vec![1, 2, 4, 8],
            use_linear_attn: true,
            use_init_temporal_attn: true,
            init_kernel_size: 7,
            is_causal: true,
            time_emb_type: TimeEmbType::Rotary,
            resnet_block_groups: 8,
            norm: FrameNorm::AcrossFrames,
        }
    }

    /// The shipped Minecraft network (`network_size` 64, mults `[1, 2, 4, 8]`, 4 heads of 64,
    /// resolution 128 with attention at `[16, 32, 64, 128]`, 3 channels): 34,518,467 parameters.
    pub fn minecraft() -> Self {
        Self {
            attn_dim_head: 64,
            attn_factors: vec![8, 4, 2, 1],
            ..Self::new(64, vec![1, 2, 4, 8], 3)
        }
    }

    /// The multiple both frame sides must be: `2^(levels−1)`, one halving per stride-2
    /// down-sampling, so the skips match after up-sampling. Saturates (and so never divides a
    /// real size) for absurd depths instead of overflowing.
    pub fn frame_size_multiple(&self) -> usize {
        u32::try_from(self.dim_mults.len().saturating_sub(1))
            .ok()
            .and_then(|s| 1usize.checked_shl(s))
            .unwrap_or(usize::MAX)
    }

    /// Converts the config's `attn_resolutions` (pixel sizes) into downsampling factors as the
    /// reference does: `resolution // r`. A factor of 0 (r > resolution) never matches a level.
    pub fn attn_factors(
        resolution: usize,
        attn_resolutions: &[usize],
    ) -> Result<Vec<usize>, NnError> {
        attn_resolutions
            .iter()
            .map(|&r| {
                resolution
                    .checked_div(r)
                    .ok_or_else(|| NnError::Config("attn_resolutions must not contain 0".into()))
            })
            .collect()
    }

    /// `[dim, dim·m₀, dim·m₁, …]`: the width before and after every level.
    pub fn dims(&self) -> Vec<usize> {
        std::iter::once(self.dim)
            .chain(self.dim_mults.iter().map(|m| self.dim * m))
            .collect()
    }

    /// Width of the per-frame noise-level embedding (`4·dim`).
    pub fn emb_dim(&self) -> usize {
        4 * self.dim
    }

    /// Inner width of every attention (`heads · dim_head`).
    pub fn inner_dim(&self) -> usize {
        self.attn_heads * self.attn_dim_head
    }

    /// Down levels: `(dims[i] → dims[i+1])`; attention iff the current factor is listed; the
    /// spatial attention is linear except at the last (lowest-resolution) level.
    pub(crate) fn down_plan(&self) -> Vec<LevelPlan> {
        let dims = self.dims();
        let Some(last) = self.dim_mults.len().checked_sub(1) else {
            return Vec::new();
        };
        let mut factor = 1;
        (0..=last)
            .map(|i| {
                let plan = LevelPlan {
                    din: dims[i],
                    dout: dims[i + 1],
                    attention: self
                        .attn_factors
                        .contains(&factor)
                        .then_some(self.use_linear_attn && i != last),
                    resample: i != last,
                };
                if i != last {
                    factor = factor.saturating_mul(2);
                }
                plan
            })
            .collect()
    }

    /// Up levels over the reversed pairs; the spatial attention is full at the first (lowest
    /// resolution) level and linear after it.
    pub(crate) fn up_plan(&self) -> Vec<LevelPlan> {
        let dims = self.dims();
        let levels = self.dim_mults.len();
        // The factor reached at the bottom; 0 (never listed) if it would overflow.
        let mut factor = u32::try_from(levels.saturating_sub(1))
            .ok()
            .and_then(|s| 1usize.checked_shl(s))
            .unwrap_or(0);
        (0..levels)
            .map(|i| {
                let j = levels - 1 - i;
                let is_last = i == levels - 1;
                let plan = LevelPlan {
                    din: dims[j],
                    dout: dims[j + 1],
                    attention: self
                        .attn_factors
                        .contains(&factor)
                        .then_some(self.use_linear_attn && i > 0),
                    resample: !is_last,
                };
                if !is_last {
                    factor /= 2;
                }
                plan
            })
            .collect()
    }

    /// Rejects configurations the reference would reject or that cannot run, with the reason.
    pub fn validate(&self) -> Result<(), NnError> {
        let err = |m: String| Err(NnError::Config(m));
        if self.dim == 0 || self.channels == 0 {
            return err(format!(
                "dim ({}) and channels ({}) must be at least 1",
                self.dim, self.channels
            ));
        }
        if self.dim_mults.is_empty() || self.dim_mults.contains(&0) {
            return err(format!(
                "dim_mults must be non-empty and positive, got {:?}",
                self.dim_mults
            ));
        }
        let g = self.resnet_block_groups;
        if g == 0 {
            return err("resnet_block_groups must be at least 1".into());
        }
        if let Some(c) = self.dims().into_iter().find(|c| !c.is_multiple_of(g)) {
            return err(format!(
                "GroupNorm: {c} channels are not divisible by resnet_block_groups = {g} (every width dim·m must be)"
            ));
        }
        if !self.dim.is_multiple_of(2) {
            return err(format!(
                "dim ({}) must be even: the noise-level embedding has dim/2 sine and dim/2 cosine features",
                self.dim
            ));
        }
        if self.attn_heads == 0 || self.attn_dim_head == 0 {
            return err(format!(
                "attn_heads ({}) and attn_dim_head ({}) must be at least 1",
                self.attn_heads, self.attn_dim_head
            ));
        }
        if self.time_emb_type == TimeEmbType::Rotary && !self.attn_dim_head.is_multiple_of(2) {
            return err(format!(
                "rotary embedding rotates channel pairs: attn_dim_head ({}) must be even",
                self.attn_dim_head
            ));
        }
        if self.time_emb_type == TimeEmbType::Sinusoidal
            && let Some(c) = self.dims().into_iter().find(|c| !c.is_multiple_of(2))
        {
            return err(format!(
                "sinusoidal temporal embedding of width {c} must be even"
            ));
        }
        if self.init_kernel_size.is_multiple_of(2) {
            return err(format!(
                "init_kernel_size ({}) must be odd so that padding k/2 keeps the frame size",
                self.init_kernel_size
            ));
        }
        Ok(())
    }

    /// A network with PyTorch's default initialisation (kaiming-uniform(a = √5) weights and
    /// uniform biases, norms at 1/0); the reference zero-initialises nothing.
    pub fn init(&self, device: &Device) -> Result<Unet3d, NnError> {
        self.validate()?;
        Ok(Unet3d::new(self, device))
    }

    /// Trainable parameters of this configuration, as PyTorch counts them. The rotary
    /// frequencies (a frozen `nn.Parameter` in the reference) are not counted.
    pub fn num_params(&self) -> usize {
        let (dim, emb, inner) = (self.dim, self.emb_dim(), self.inner_dim());
        let sinusoidal = self.time_emb_type == TimeEmbType::Sinusoidal;
        let temporal = |c: usize| {
            attention_block_params(c, inner)
                + if sinusoidal {
                    timestep_embedding_params(c, 4 * c, c)
                } else {
                    0
                }
        };
        let attention = |c: usize| attention_block_params(c, inner) + temporal(c);
        let k = self.init_kernel_size;
        let mut total =
            timestep_embedding_params(dim, emb, emb) + self.channels * dim * k * k + dim;
        if self.external_cond_dim > 0 {
            total += timestep_embedding_params(self.external_cond_dim, emb, emb);
        }
        if self.use_init_temporal_attn {
            total += temporal(dim);
        }
        for l in self.down_plan() {
            total +=
                resnet_params(l.din, l.dout, Some(emb)) + resnet_params(l.dout, l.dout, Some(emb));
            total += l.attention.map_or(0, |_| attention(l.dout));
            total += if l.resample {
                resample_params(l.dout)
            } else {
                0
            };
        }
        let mid = *self.dims().last().unwrap_or(&dim);
        total += 2 * resnet_params(mid, mid, Some(emb)) + attention(mid);
        for l in self.up_plan() {
            total += resnet_params(2 * l.dout, l.din, Some(emb))
                + resnet_params(l.din, l.din, Some(emb));
            total += l.attention.map_or(0, |_| attention(l.din));
            total += if l.resample {
                resample_params(l.din)
            } else {
                0
            };
        }
        total + resnet_params(2 * dim, dim, None) + dim * self.channels + self.channels
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use burn::module::Module;
    use burn::tensor::Device;

    use super::*;
    use crate::state_dict::{CheckpointFormat, StateDict, WeightLoader};

    /// README DMLab command: `network_size = 48`, `attn_dim_head = 32`, resolution 64 with
    /// attention at [8, 16, 32, 64].
    fn dmlab_readme() -> Unet3dConfig {
        Unet3dConfig {
            attn_dim_head: 32,
            attn_factors: Unet3dConfig::attn_factors(64, &[8, 16, 32, 64]).unwrap(),
            ..Unet3dConfig::new(48, vec![1, 2, 4, 8], 3)
        }
    }

    /// DMLab yaml default: Minecraft's network at resolution 64 (no attention at factor 8).
    fn dmlab_yaml() -> Unet3dConfig {
        Unet3dConfig {
            attn_factors: Unet3dConfig::attn_factors(64, &[16, 32, 64, 128]).unwrap(),
            ..Unet3dConfig::minecraft()
        }
    }

    /// The number of state_dict keys `load` asks for, read from the strict loader's report on
    /// an empty file.
    fn requested_keys(config: &Unet3dConfig) -> String {
        let device = Device::flex();
        let mut model = config.init(&device).unwrap();
        let sd = StateDict {
            path: PathBuf::from("empty"),
            format: CheckpointFormat::SafeTensors,
            tensors: BTreeMap::new(),
            global_step: None,
            epoch: None,
            non_float: BTreeMap::new(),
            metadata: BTreeMap::new(),
        };
        let mut w = WeightLoader::new(&sd, &device);
        model.load(&mut w, "diffusion_model.model.module.");
        w.finish("").unwrap_err().to_string()
    }

    #[test]
    fn attention_resolutions_become_downsampling_factors() {
        assert_eq!(
            Unet3dConfig::attn_factors(128, &[16, 32, 64, 128]).unwrap(),
            [8, 4, 2, 1]
        );
        assert_eq!(
            Unet3dConfig::attn_factors(64, &[16, 32, 64, 128]).unwrap(),
            [4, 2, 1, 0]
        );
        assert!(Unet3dConfig::attn_factors(64, &[0]).is_err());
    }

    #[test]
    fn level_plan_matches_the_reference_tables() {
        let c = Unet3dConfig::minecraft();
        let down: Vec<_> = c
            .down_plan()
            .iter()
            .map(|l| (l.din, l.dout, l.attention, l.resample))
            .collect();
        assert_eq!(
            down,
            [
                (64, 64, Some(true), true),
                (64, 128, Some(true), true),
                (128, 256, Some(true), true),
                (256, 512, Some(false), false),
            ]
        );
        let up: Vec<_> = c
            .up_plan()
            .iter()
            .map(|l| (2 * l.dout, l.din, l.attention, l.resample))
            .collect();
        assert_eq!(
            up,
            [
                (1024, 256, Some(false), true),
                (512, 128, Some(true), true),
                (256, 64, Some(true), true),
                (128, 64, Some(true), false),
            ]
        );
        // DMLab yaml: no attention at factor 8 (down 3, up 0).
        let d = dmlab_yaml();
        assert_eq!(d.down_plan()[3].attention, None);
        assert_eq!(d.up_plan()[0].attention, None);
        assert_eq!(d.up_plan()[1].attention, Some(true));
    }

    #[test]
    fn parameter_counts_match_the_reference() {
        let device = Device::flex();
        for (config, expected) in [
            (Unet3dConfig::minecraft(), 34_518_467),
            (dmlab_readme(), 18_653_523),
            (dmlab_yaml(), 32_940_995),
        ] {
            assert_eq!(config.num_params(), expected, "{config:?}");
            // The built module agrees: the rotary frequencies are not parameters.
            let model = config.init(&device).unwrap();
            assert_eq!(model.num_params(), expected, "{config:?}");
        }
    }

    #[test]
    fn state_dict_key_counts_match_appendix_a() {
        // 330 tensors for Minecraft (11 rotary `freqs` copies), 308 for DMLab yaml (9).
        assert!(requested_keys(&Unet3dConfig::minecraft()).contains("missing (330)"));
        assert!(requested_keys(&dmlab_yaml()).contains("missing (308)"));
        let sinusoidal = Unet3dConfig {
            time_emb_type: TimeEmbType::Sinusoidal,
            ..Unet3dConfig::minecraft()
        };
        // No freqs at all; four time-embedding tensors per temporal attention instead.
        assert!(requested_keys(&sinusoidal).contains(&format!("missing ({})", 330 - 11 + 4 * 10)));
    }

    #[test]
    fn invalid_configs_are_rejected_with_a_reason() {
        let base = || Unet3dConfig::new(16, vec![1, 2], 3);
        let cases = [
            (
                Unet3dConfig { dim: 12, ..base() },
                "divisible by resnet_block_groups",
            ),
            (
                Unet3dConfig {
                    dim_mults: vec![],
                    ..base()
                },
                "dim_mults",
            ),
            (
                Unet3dConfig {
                    channels: 0,
                    ..base()
                },
                "channels",
            ),
            (
                Unet3dConfig {
                    attn_heads: 0,
                    ..base()
                },
                "attn_heads",
            ),
            (
                Unet3dConfig {
                    attn_dim_head: 7,
                    ..base()
                },
                "must be even",
            ),
            (
                Unet3dConfig {
                    init_kernel_size: 4,
                    ..base()
                },
                "init_kernel_size",
            ),
            (
                Unet3dConfig {
                    resnet_block_groups: 0,
                    ..base()
                },
                "resnet_block_groups",
            ),
        ];
        for (config, reason) in cases {
            let err = config.init(&Device::flex()).unwrap_err();
            assert!(
                matches!(err, NnError::Config(ref m) if m.contains(reason)),
                "{config:?}: {err}"
            );
            // Counting parameters of a bad config must not panic either.
            let _ = config.num_params();
        }
        assert!(TimeEmbType::from_name("rotary").is_ok());
        assert!(TimeEmbType::from_name("learned").is_err());
    }
}
