//! The video `Unet3D`: topology, forward pass and state_dict loading.

use burn::module::Module;
use burn::nn::conv::Conv2d;
use burn::tensor::activation::silu;
use burn::tensor::{Device, Int, Tensor};

use super::config::{FrameNorm, TimeEmbType, Unet3dConfig};
use super::resnet::{Downsample, ResnetBlock, Upsample, conv, visit_conv};
use super::rotary::RotaryEmbedding;
use super::spatial_temporal::{SpatialAttention, TemporalAttention};
use super::timestep::{TimestepEmbedding, timestep_features};
use super::window::Window;
use crate::error::NnError;
use crate::kv_cache::KvCache;
use crate::params::ParamVisitor;
use crate::transformer::causal_mask_after;
use dforce_core::{DenoiseError, Denoiser, FrozenPrefix};
use dforce_kernels::conv2d;

/// One down level (`down_blocks.{i}`): two ResNets, optional spatial + temporal attention
/// (`.0.{0..3}`), and a Downsample (`.1`) unless it is the lowest level.
#[derive(Module, Debug)]
pub struct DownLevel {
    pub res0: ResnetBlock,
    pub res1: ResnetBlock,
    pub spatial: Option<SpatialAttention>,
    pub temporal: Option<TemporalAttention>,
    pub downsample: Option<Downsample>,
}

/// The bottleneck (`mid_block.{0..3}`): ResNet, full spatial attention, temporal attention,
/// ResNet — attention here regardless of the attention factors.
#[derive(Module, Debug)]
pub struct MidBlock {
    pub res0: ResnetBlock,
    pub spatial: SpatialAttention,
    pub temporal: TemporalAttention,
    pub res1: ResnetBlock,
}

/// One up level (`up_blocks.{i}.{0..4}`): the first ResNet takes `[h, skip]` concatenated.
#[derive(Module, Debug)]
pub struct UpLevel {
    pub res0: ResnetBlock,
    pub res1: ResnetBlock,
    pub spatial: Option<SpatialAttention>,
    pub temporal: Option<TemporalAttention>,
    pub upsample: Option<Upsample>,
}

/// The reference's video U-Net. Input and output are time-major `(n, B, C, H, W)`; noise
/// levels `(n, B)` condition every frame separately (FiLM in each ResNet).
#[derive(Module, Debug)]
pub struct Unet3d {
    /// `noise_level_pos_embedding.1`: `Timesteps(dim)` features → `4·dim`.
    pub noise_level_emb: TimestepEmbedding,
    /// dforce's action conditioning (`external_cond_embedding.*`, absent from the reference):
    /// an MLP `cond → 4·dim → 4·dim` whose output is added to each frame's noise-level
    /// embedding, so the condition reaches every ResNet through the same FiLM path.
    pub external_cond_emb: Option<TimestepEmbedding>,
    pub init_conv: Conv2d,
    pub init_temporal_attn: Option<TemporalAttention>,
    pub down: Vec<DownLevel>,
    pub mid: MidBlock,
    pub up: Vec<UpLevel>,
    /// `out.0`: ResNet `2·dim → dim` without embedding.
    pub out_block: ResnetBlock,
    /// `out.1`: 1×1 conv `dim → channels`.
    pub out_conv: Conv2d,
    #[module(skip)]
    config: Unet3dConfig,
    /// The shared rotary embedding (frozen constants, not a parameter).
    #[module(skip)]
    rotary: Option<RotaryEmbedding>,
}

impl Unet3d {
    /// Builds the modules of a validated config (see [`Unet3dConfig::init`]).
    pub(crate) fn new(config: &Unet3dConfig, device: &Device) -> Self {
        let c = config;
        let (dim, emb) = (c.dim, Some(c.emb_dim()));
        let (heads, dh, groups) = (c.attn_heads, c.attn_dim_head, c.resnet_block_groups);
        let sinusoidal = c.time_emb_type == TimeEmbType::Sinusoidal;
        let res = |din, dout| ResnetBlock::new(din, dout, emb, groups, device);
        let spatial = |ch, linear| SpatialAttention::new(ch, heads, dh, linear, device);
        let temporal = |ch| TemporalAttention::new(ch, heads, dh, sinusoidal, device);
        let down = c
            .down_plan()
            .into_iter()
            .map(|l| DownLevel {
                res0: res(l.din, l.dout),
                res1: res(l.dout, l.dout),
                spatial: l.attention.map(|linear| spatial(l.dout, linear)),
                temporal: l.attention.map(|_| temporal(l.dout)),
                downsample: l.resample.then(|| Downsample::new(l.dout, device)),
            })
            .collect();
        let mid_dim = *c.dims().last().unwrap_or(&dim);
        let up = c
            .up_plan()
            .into_iter()
            .map(|l| UpLevel {
                res0: res(2 * l.dout, l.din),
                res1: res(l.din, l.din),
                spatial: l.attention.map(|linear| spatial(l.din, linear)),
                temporal: l.attention.map(|_| temporal(l.din)),
                upsample: l.resample.then(|| Upsample::new(l.din, device)),
            })
            .collect();
        Self {
            noise_level_emb: TimestepEmbedding::new(dim, c.emb_dim(), c.emb_dim(), device),
            external_cond_emb: (c.external_cond_dim > 0).then(|| {
                TimestepEmbedding::new(c.external_cond_dim, c.emb_dim(), c.emb_dim(), device)
            }),
            init_conv: conv(c.channels, dim, c.init_kernel_size, 1, device),
            init_temporal_attn: c.use_init_temporal_attn.then(|| temporal(dim)),
            down,
            mid: MidBlock {
                res0: res(mid_dim, mid_dim),
                spatial: spatial(mid_dim, false),
                temporal: temporal(mid_dim),
                res1: res(mid_dim, mid_dim),
            },
            up,
            out_block: ResnetBlock::new(2 * dim, dim, None, groups, device),
            out_conv: conv(dim, c.channels, 1, 1, device),
            rotary: (!sinusoidal).then(|| RotaryEmbedding::new(dh)),
            config: c.clone(),
        }
    }

    /// The configuration this network was built from.
    pub fn config(&self) -> &Unet3dConfig {
        &self.config
    }

    /// Switches how GroupNorm pools statistics, e.g. to run reference weights per frame.
    pub fn set_frame_norm(&mut self, norm: FrameNorm) {
        self.config.norm = norm;
    }

    /// Overwrites every parameter from `w`, names under `prefix` (e.g.
    /// `diffusion_model.model.module.`), and checks every saved copy of the rotary
    /// frequencies against the analytic values.
    pub fn load(&mut self, w: &mut crate::state_dict::WeightLoader, prefix: &str) {
        self.visit_params(w, prefix);
    }

    /// Walks every parameter (and every rotary `freqs` copy) under its reference name below
    /// `prefix`, in the reference's registration order.
    pub fn visit_params(&mut self, v: &mut impl ParamVisitor, prefix: &str) {
        let p = prefix;
        let rotary = self.rotary.as_ref();
        self.noise_level_emb
            .visit_params(v, &format!("{p}noise_level_pos_embedding.1."));
        if let Some(e) = self.external_cond_emb.as_mut() {
            e.visit_params(v, &format!("{p}external_cond_embedding."));
        }
        if let Some(r) = rotary {
            r.check_copy(v, &format!("{p}rotary_time_pos_embedding.freqs"));
        }
        visit_conv(v, &mut self.init_conv, &format!("{p}init_conv."));
        if let Some(t) = self.init_temporal_attn.as_mut() {
            t.visit_params(v, &format!("{p}init_temporal_attn."), rotary);
        }
        for (i, l) in self.down.iter_mut().enumerate() {
            let q = format!("{p}down_blocks.{i}.");
            l.res0.visit_params(v, &format!("{q}0.0."));
            l.res1.visit_params(v, &format!("{q}0.1."));
            if let Some(s) = l.spatial.as_mut() {
                s.visit_params(v, &format!("{q}0.2."));
            }
            if let Some(t) = l.temporal.as_mut() {
                t.visit_params(v, &format!("{q}0.3."), rotary);
            }
            if let Some(d) = l.downsample.as_mut() {
                d.visit_params(v, &format!("{q}1."));
            }
        }
        for (i, l) in self.up.iter_mut().enumerate() {
            let q = format!("{p}up_blocks.{i}.");
            l.res0.visit_params(v, &format!("{q}0."));
            l.res1.visit_params(v, &format!("{q}1."));
            if let Some(s) = l.spatial.as_mut() {
                s.visit_params(v, &format!("{q}2."));
            }
            if let Some(t) = l.temporal.as_mut() {
                t.visit_params(v, &format!("{q}3."), rotary);
            }
            if let Some(u) = l.upsample.as_mut() {
                u.visit_params(v, &format!("{q}4."));
            }
        }
        let q = format!("{p}mid_block.");
        self.mid.res0.visit_params(v, &format!("{q}0."));
        self.mid.spatial.visit_params(v, &format!("{q}1."));
        self.mid.temporal.visit_params(v, &format!("{q}2."), rotary);
        self.mid.res1.visit_params(v, &format!("{q}3."));
        self.out_block.visit_params(v, &format!("{p}out.0."));
        visit_conv(v, &mut self.out_conv, &format!("{p}out.1."));
    }

    /// Checks that `x` `(n, B, C, H, W)`, `levels` `(n, B)` and the condition `(n, B, d)`
    /// fit this network.
    fn check_input(
        &self,
        x: [usize; 5],
        levels: [usize; 2],
        cond: Option<[usize; 3]>,
    ) -> Result<(), NnError> {
        let [n, b, c, h, w] = x;
        let err = |m: String| Err(NnError::Input(m));
        if n == 0 || b == 0 || h == 0 || w == 0 {
            return err(format!("empty input of shape {x:?}"));
        }
        if c != self.config.channels {
            return err(format!(
                "x has {c} channels, the network {}",
                self.config.channels
            ));
        }
        if levels != [n, b] {
            return err(format!(
                "noise levels have shape {levels:?}, expected (tokens, batch) = {:?}",
                [n, b]
            ));
        }
        let d = self.config.external_cond_dim;
        match cond {
            None if d > 0 => {
                return err(format!(
                    "the network is conditioned (external_cond_dim = {d}) but no condition was given"
                ));
            }
            Some(shape) if d == 0 => {
                return err(format!(
                    "a condition of shape {shape:?} was given to a network without one (external_cond_dim = 0)"
                ));
            }
            Some(shape) if shape != [n, b, d] => {
                return err(format!(
                    "the condition has shape {shape:?}, expected (tokens, batch, external_cond_dim) = {:?}",
                    [n, b, d]
                ));
            }
            _ => {}
        }
        let factor = self.config.frame_size_multiple();
        if !h.is_multiple_of(factor) || !w.is_multiple_of(factor) {
            return err(format!(
                "frames of {h}×{w} pixels: both sides must be divisible by {factor} (2^(levels−1)) so that skips match after up-sampling"
            ));
        }
        Ok(())
    }

    /// `x`: `(n, B, C, H, W)` time-major; `levels`: `(n, B)` real noise levels; `cond`:
    /// `(n, B, external_cond_dim)` when the network is conditioned → `(n, B, C, H, W)`.
    pub fn forward(
        &self,
        x: Tensor<5>,
        levels: Tensor<2, Int>,
        cond: Option<Tensor<3>>,
    ) -> Result<Tensor<5>, NnError> {
        self.forward_cached(x, levels, cond, None)
    }

    /// Whether frame `i`'s output depends on frames `0..=i` alone: causal temporal attention
    /// and per-frame GroupNorm. Only then can a frozen prefix be cached.
    pub fn is_truly_causal(&self) -> bool {
        self.config.is_causal && self.config.norm == FrameNorm::PerFrame
    }

    /// [`Unet3d::forward`] with context caching: with `kv` recording, `x` holds the frozen
    /// prefix and every temporal attention stores its keys/values; with `kv` extending, `x`
    /// holds the frames after the prefix (positions `p..p + n`), which attend to the stored
    /// keys/values too. Errors as `forward`, and when `kv` is given to a network that is not
    /// [truly causal](Unet3d::is_truly_causal).
    pub fn forward_cached(
        &self,
        x: Tensor<5>,
        levels: Tensor<2, Int>,
        cond: Option<Tensor<3>>,
        kv: Option<&KvCache>,
    ) -> Result<Tensor<5>, NnError> {
        if kv.is_some() && !self.is_truly_causal() {
            return Err(NnError::Input(
                "context caching needs a truly causal network (algorithm.causal=true and per-frame GroupNorm)".into(),
            ));
        }
        let dims = x.dims();
        self.check_input(dims, levels.dims(), cond.as_ref().map(|c| c.dims()))?;
        let [n, b, c, h, w] = dims;
        let device = x.device();
        let cfg = &self.config;

        // Per-frame noise-level embedding (n, B, 4·dim). Every ResNet's emb_layers opens with
        // SiLU, so it is applied once here rather than in each block.
        let mut emb = self
            .noise_level_emb
            .forward(timestep_features(levels, cfg.dim, &device));
        if let (Some(mlp), Some(cond)) = (&self.external_cond_emb, cond) {
            emb = emb + mlp.forward(cond);
        }
        let emb_act = silu(emb);
        let offset = kv.map_or(0, KvCache::offset);
        let window = Window {
            frames: n,
            batch: b,
            norm: cfg.norm,
            offset,
            rotary: self
                .rotary
                .as_ref()
                .map(|r| r.tables_from(offset, n, &device)),
            causal_mask: cfg.is_causal.then(|| causal_mask_after(offset, n, &device)),
            kv,
        };

        let mut x0 = conv2d(x.reshape([n * b, c, h, w]), &self.init_conv);
        if let Some(t) = &self.init_temporal_attn {
            x0 = t.forward(x0, &window);
        }
        let mut skips = Vec::with_capacity(self.down.len());
        let mut act = x0.clone();
        for l in &self.down {
            act = l.res0.forward(act, &emb_act, &window);
            act = l.res1.forward(act, &emb_act, &window);
            if let Some(s) = &l.spatial {
                act = s.forward(act);
            }
            if let Some(t) = &l.temporal {
                act = t.forward(act, &window);
            }
            skips.push(act.clone());
            if let Some(d) = &l.downsample {
                act = d.forward(act);
            }
        }
        act = self.mid.res0.forward(act, &emb_act, &window);
        act = self.mid.spatial.forward(act);
        act = self.mid.temporal.forward(act, &window);
        act = self.mid.res1.forward(act, &emb_act, &window);
        for (l, skip) in self.up.iter().zip(skips.into_iter().rev()) {
            act = Tensor::cat(vec![act, skip], 1);
            act = l.res0.forward(act, &emb_act, &window);
            act = l.res1.forward(act, &emb_act, &window);
            if let Some(s) = &l.spatial {
                act = s.forward(act);
            }
            if let Some(t) = &l.temporal {
                act = t.forward(act, &window);
            }
            if let Some(u) = &l.upsample {
                act = u.forward(act);
            }
        }
        let out = self
            .out_block
            .forward(Tensor::cat(vec![act, x0], 1), &emb_act, &window);
        Ok(conv2d(out, &self.out_conv).reshape([n, b, cfg.channels, h, w]))
    }
}

impl Denoiser<5> for Unet3d {
    /// [`Unet3d::forward`]: `x` `(n, B, C, H, W)`, `levels` `(n, B)`, `cond`
    /// `(n, B, external_cond_dim)` when the network is conditioned → `(n, B, C, H, W)`.
    ///
    /// # Errors
    /// An input or condition that does not fit the network: `forward`'s [`NnError::Input`]
    /// as the source of [`DenoiseError::Network`].
    fn denoise(
        &self,
        x: Tensor<5>,
        levels: Tensor<2, Int>,
        cond: Option<Tensor<3>>,
    ) -> Result<Tensor<5>, DenoiseError> {
        self.forward(x, levels, cond).map_err(DenoiseError::network)
    }

    /// Truly causal networks run the frozen prefix once (recording every temporal attention's
    /// keys/values and keeping its output) and every call after it over the remaining frames
    /// only; others run the whole window.
    ///
    /// # Errors
    /// As [`Denoiser::denoise`]; the whole window is checked before it is split at the prefix.
    fn denoise_with_prefix(
        &self,
        x: Tensor<5>,
        levels: Tensor<2, Int>,
        cond: Option<Tensor<3>>,
        prefix: &FrozenPrefix,
    ) -> Result<Tensor<5>, DenoiseError> {
        let n = x.dims()[0];
        let p = prefix.len();
        if !self.is_truly_causal() || p == 0 || p >= n {
            return self.denoise(x, levels, cond);
        }
        // Slicing noise levels or a condition shorter than the window would panic in burn.
        self.check_input(x.dims(), levels.dims(), cond.as_ref().map(|c| c.dims()))
            .map_err(DenoiseError::network)?;
        let head = |t: Tensor<5>| t.slice_dim(0, 0..p);
        let record = || {
            let cache = KvCache::recording(p);
            let out = self.forward_cached(
                head(x.clone()),
                levels.clone().slice_dim(0, 0..p),
                cond.clone().map(|c| c.slice_dim(0, 0..p)),
                Some(&cache),
            );
            cache.finish_recording();
            (cache, out)
        };
        let tail = |(cache, out): &(KvCache, Result<Tensor<5>, NnError>)| {
            let out = out.clone()?;
            cache.rewind();
            let rest = self.forward_cached(
                x.clone().slice_dim(0, p..n),
                levels.clone().slice_dim(0, p..n),
                cond.clone().map(|c| c.slice_dim(0, p..n)),
                Some(cache),
            )?;
            Ok::<_, NnError>(Tensor::cat(vec![out, rest], 0))
        };
        match prefix.state_or_init(record, tail) {
            Some(out) => out.map_err(DenoiseError::network),
            // Another network's state under this prefix: run the whole window.
            None => self.denoise(x, levels, cond),
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Int, Tensor};

    use super::*;

    fn tiny() -> Unet3d {
        Unet3dConfig {
            attn_heads: 2,
            attn_dim_head: 8,
            attn_factors: vec![2, 1],
            ..Unet3dConfig::new(16, vec![1, 2], 3)
        }
        .init(&Device::flex())
        .unwrap()
    }

    fn input(shape: [usize; 5], levels: [usize; 2]) -> (Tensor<5>, Tensor<2, Int>) {
        let device = Device::flex();
        (
            Tensor::zeros(shape, &device),
            Tensor::zeros(levels, &device),
        )
    }

    #[test]
    fn forward_keeps_the_time_major_shape() {
        let (x, k) = input([3, 2, 3, 8, 8], [3, 2]);
        assert_eq!(tiny().forward(x, k, None).unwrap().dims(), [3, 2, 3, 8, 8]);
    }

    #[test]
    fn inputs_that_do_not_fit_are_errors() {
        let model = tiny();
        for (shape, levels, reason) in [
            ([3, 2, 4, 8, 8], [3, 2], "channels"),
            ([3, 2, 3, 8, 8], [2, 3], "noise levels"),
            ([3, 2, 3, 7, 8], [3, 2], "divisible by 2"),
            ([0, 2, 3, 8, 8], [0, 2], "empty"),
        ] {
            let (x, k) = input(shape, levels);
            let err = model.forward(x, k, None).unwrap_err();
            assert!(
                matches!(err, NnError::Input(ref m) if m.contains(reason)),
                "{shape:?}: {err}"
            );
        }
    }

    /// Through the sampler's interface a misfit input is an error, not a panic: a network of
    /// four levels denoises 32×32 frames (sides multiples of 8) and refuses 36×36 ones, and
    /// frames of the wrong channel count.
    #[test]
    fn denoise_returns_the_input_error_instead_of_panicking() {
        let model = Unet3dConfig {
            attn_heads: 2,
            attn_dim_head: 8,
            attn_factors: vec![8],
            ..Unet3dConfig::new(8, vec![1, 1, 1, 1], 3)
        }
        .init(&Device::flex())
        .unwrap();
        let (x, k) = input([2, 1, 3, 32, 32], [2, 1]);
        assert_eq!(model.denoise(x, k, None).unwrap().dims(), [2, 1, 3, 32, 32]);
        for (shape, message) in [
            (
                [2, 1, 3, 36, 36],
                "invalid network input: frames of 36×36 pixels: both sides must be divisible by 8",
            ),
            (
                [2, 1, 4, 32, 32],
                "invalid network input: x has 4 channels, the network 3",
            ),
        ] {
            let (x, k) = input(shape, [2, 1]);
            let err = model.denoise(x, k, None).unwrap_err();
            assert!(matches!(err, DenoiseError::Network(_)), "{err:?}");
            let source = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<NnError>());
            assert!(matches!(source, Some(NnError::Input(_))), "{err:?}");
            let chain = dforce_core::error_chain(&err);
            assert!(
                chain.starts_with(&format!(
                    "the network could not denoise its input: {message}"
                )),
                "{shape:?}: {chain}"
            );
        }
    }

    fn conditioned(norm: FrameNorm) -> Unet3d {
        Unet3dConfig {
            attn_heads: 2,
            attn_dim_head: 8,
            attn_factors: vec![2, 1],
            external_cond_dim: 3,
            norm,
            ..Unet3dConfig::new(16, vec![1, 2], 3)
        }
        .init(&Device::flex())
        .unwrap()
    }

    fn one_hot(actions: &[usize], device: &Device) -> Tensor<3> {
        let mut v = vec![0f32; actions.len() * 3];
        for (i, &a) in actions.iter().enumerate() {
            v[i * 3 + a] = 1.0;
        }
        Tensor::from_data(
            burn::tensor::TensorData::new(v, [actions.len(), 1, 3]),
            device,
        )
    }

    #[test]
    fn the_condition_steers_its_frame_and_never_earlier_ones() {
        let device = Device::flex();
        let model = conditioned(FrameNorm::PerFrame);
        let x: Tensor<5> = Tensor::random(
            [3, 1, 3, 8, 8],
            burn::tensor::Distribution::Normal(0.0, 1.0),
            &device,
        );
        let k: Tensor<2, Int> = Tensor::from_data([[500i64], [500], [500]], &device);
        let out = |actions: &[usize]| -> Vec<Vec<f32>> {
            let y = model
                .forward(x.clone(), k.clone(), Some(one_hot(actions, &device)))
                .unwrap();
            (0..3)
                .map(|f| {
                    y.clone()
                        .slice_dim(0, f..f + 1)
                        .into_data()
                        .try_into_vec::<f32>()
                        .unwrap()
                })
                .collect()
        };
        let a = out(&[0, 1, 2]);
        let b = out(&[0, 1, 0]);
        // Frames 0 and 1 are bit-identical (causal attention, per-frame norm); frame 2 moves.
        assert_eq!(a[0], b[0]);
        assert_eq!(a[1], b[1]);
        let moved = a[2]
            .iter()
            .zip(&b[2])
            .map(|(p, q)| (p - q).abs())
            .fold(0f32, f32::max);
        assert!(
            moved > 1e-4,
            "changing frame 2's action changed nothing ({moved})"
        );
    }

    #[test]
    fn a_conditioned_network_counts_saves_and_checks_its_condition() {
        let device = Device::flex();
        let mut model = conditioned(FrameNorm::AcrossFrames);
        assert_eq!(model.config().num_params(), model.num_params());
        let mut names = crate::params::StateDictCollector::default();
        model.visit_params(&mut names, "m.");
        let cond_keys: Vec<_> = names
            .tensors
            .keys()
            .filter(|k| k.starts_with("m.external_cond_embedding."))
            .collect();
        assert_eq!(cond_keys.len(), 4, "{cond_keys:?}");
        assert_eq!(
            names.tensors["m.external_cond_embedding.linear_1.weight"].shape,
            [64, 3]
        );
        let (x, k) = input([3, 1, 3, 8, 8], [3, 1]);
        let err = model.forward(x.clone(), k.clone(), None).unwrap_err();
        assert!(err.to_string().contains("no condition was given"), "{err}");
        let wrong = Tensor::zeros([3, 1, 4], &device);
        let err = model
            .forward(x.clone(), k.clone(), Some(wrong))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("expected (tokens, batch, external_cond_dim)"),
            "{err}"
        );
        let err = tiny()
            .forward(x, k, Some(Tensor::zeros([3, 1, 3], &device)))
            .unwrap_err();
        assert!(err.to_string().contains("without one"), "{err}");
    }
}

#[cfg(test)]
mod context_cache_tests {
    use burn::tensor::{Device, Int, Tensor, TensorData};

    use super::*;

    fn truly_causal(time_emb_type: TimeEmbType, cond: usize) -> Unet3d {
        Unet3dConfig {
            attn_heads: 2,
            attn_dim_head: 8,
            attn_factors: vec![2, 1],
            external_cond_dim: cond,
            norm: FrameNorm::PerFrame,
            time_emb_type,
            ..Unet3dConfig::new(16, vec![1, 2], 3)
        }
        .init(&Device::flex())
        .unwrap()
    }

    fn ramp(shape: [usize; 5], device: &Device) -> Tensor<5> {
        let n: usize = shape.iter().product();
        let v: Vec<f32> = (0..n)
            .map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0)
            .collect();
        Tensor::from_data(TensorData::new(v, shape), device)
    }

    fn max_abs_diff(a: Tensor<5>, b: Tensor<5>) -> f32 {
        let a = a.into_data().try_to_vec::<f32>().unwrap();
        let b = b.into_data().try_to_vec::<f32>().unwrap();
        a.iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max)
    }

    /// Prefix once + the rest against the cache equals one pass over the window, for both
    /// positional embeddings and with a condition.
    #[test]
    fn cached_prefix_plus_suffix_equals_the_whole_window() {
        let device = Device::flex();
        for (emb, cond_dim) in [(TimeEmbType::Rotary, 0), (TimeEmbType::Sinusoidal, 3)] {
            let net = truly_causal(emb, cond_dim);
            let (n, b) = (5, 2);
            let x = ramp([n, b, 3, 8, 8], &device);
            let levels: Tensor<2, Int> = Tensor::from_data(
                TensorData::new((0..(n * b) as i64).map(|i| i * 37 % 100).collect(), [n, b]),
                &device,
            );
            let cond = (cond_dim > 0).then(|| {
                Tensor::<3>::from_data(
                    TensorData::new(
                        (0..n * b * cond_dim).map(|i| (i % 3) as f32).collect(),
                        [n, b, cond_dim],
                    ),
                    &device,
                )
            });
            let full = net
                .forward(x.clone(), levels.clone(), cond.clone())
                .unwrap();
            let scale: f32 = full.clone().abs().max().into_scalar();
            assert!(scale > 1e-3, "the network must not be trivially zero");
            for p in 1..n {
                let prefix = FrozenPrefix::new(p);
                // Two calls through the same prefix: the second reuses the recorded state.
                for _ in 0..2 {
                    let out = net
                        .denoise_with_prefix(x.clone(), levels.clone(), cond.clone(), &prefix)
                        .unwrap();
                    let d = max_abs_diff(out, full.clone());
                    assert!(d < 1e-5, "{emb:?}, prefix {p}: max |Δ| = {d}");
                }
            }
        }
    }

    /// The cached path checks the whole window before cutting it at the prefix: noise levels
    /// shorter than the window (which slicing would have panicked on) and frames the network
    /// cannot take are errors, and nothing is cached for them.
    #[test]
    fn a_window_that_does_not_fit_is_an_error_through_the_prefix_too() {
        let device = Device::flex();
        let net = truly_causal(TimeEmbType::Rotary, 0);
        let prefix = FrozenPrefix::new(2);
        let short: Tensor<2, Int> = Tensor::zeros([3, 1], &device);
        let err = net
            .denoise_with_prefix(ramp([4, 1, 3, 8, 8], &device), short, None, &prefix)
            .unwrap_err();
        assert_eq!(
            dforce_core::error_chain(&err),
            "the network could not denoise its input: invalid network input: noise levels have shape [3, 1], expected (tokens, batch) = [4, 1]"
        );
        let levels: Tensor<2, Int> = Tensor::zeros([4, 1], &device);
        let err = net
            .denoise_with_prefix(ramp([4, 1, 3, 7, 8], &device), levels, None, &prefix)
            .unwrap_err();
        assert!(
            dforce_core::error_chain(&err).contains("frames of 7×8 pixels"),
            "{err:?}"
        );
        assert!(
            format!("{prefix:?}").contains("cached: false"),
            "{prefix:?}"
        );
    }

    #[test]
    fn networks_that_are_not_truly_causal_ignore_the_prefix_and_refuse_a_cache() {
        let device = Device::flex();
        let net = Unet3dConfig {
            attn_heads: 2,
            attn_dim_head: 8,
            attn_factors: vec![2, 1],
            ..Unet3dConfig::new(16, vec![1, 2], 3)
        }
        .init(&device)
        .unwrap();
        assert!(!net.is_truly_causal());
        let x = ramp([4, 1, 3, 8, 8], &device);
        let k: Tensor<2, Int> = Tensor::zeros([4, 1], &device);
        let full = net.forward(x.clone(), k.clone(), None).unwrap();
        let out = net
            .denoise_with_prefix(x.clone(), k.clone(), None, &FrozenPrefix::new(2))
            .unwrap();
        assert_eq!(out.into_data(), full.into_data());
        let err = net
            .forward_cached(x, k, None, Some(&KvCache::recording(2)))
            .unwrap_err();
        assert!(err.to_string().contains("truly causal"), "{err}");
    }
}
