//! The planning Transformer, exactly as the reference builds it.
//!
//! Input MLP over `[x, noise-level embedding, condition]`, a sinusoidal token-position
//! embedding, a post-norm encoder stack with PyTorch `TransformerEncoderLayer` defaults
//! (ReLU, LayerNorm ε 1e-5, no dropout, packed q|k|v projection) and an output projection.
//! Parameter names follow the reference's state_dict (`transformer.layers.N.…`, `init_mlp.0`,
//! `init_mlp.2`, `out`). Layout is time-major: `(tokens, batch, features)`.

use burn::module::{Module, Param};
use burn::nn::{Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use dforce_kernels::{self as kernels, residual_layer_norm};

use crate::embedding::{frequencies, sinusoidal};
use crate::error::NnError;
use crate::params::{ParamVisitor, visit_layer_norm, visit_linear, visit_linear_named};
use crate::state_dict::WeightLoader;
use dforce_core::{DenoiseError, Denoiser};

/// LayerNorm ε of PyTorch's `TransformerEncoderLayer` (`layer_norm_eps` default).
const LAYER_NORM_EPS: f64 = 1e-5;

/// Shape of the planning Transformer (`algorithm.diffusion.architecture` + token size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformerConfig {
    /// Stacked token size D (frame_stack × per-frame size).
    pub x_dim: usize,
    pub external_cond_dim: usize,
    /// Model width (`network_size`).
    pub size: usize,
    pub num_layers: usize,
    pub nhead: usize,
    pub dim_feedforward: usize,
    /// Mask attention to the past (the reference's `causal`).
    pub causal: bool,
}

/// One post-norm encoder layer: `y = LN1(h + MHA(h))`, `h = LN2(y + FF(y))`.
#[derive(Module, Debug)]
pub struct EncoderLayer {
    /// Packed q|k|v projection, burn layout `[size, 3·size]` (PyTorch `in_proj_weight` transposed).
    pub in_proj: Linear,
    pub out_proj: Linear,
    pub linear1: Linear,
    pub linear2: Linear,
    pub norm1: LayerNorm,
    pub norm2: LayerNorm,
    nhead: usize,
}

#[derive(Module, Debug)]
pub struct Transformer {
    pub init_mlp_0: Linear,
    pub init_mlp_2: Linear,
    pub layers: Vec<EncoderLayer>,
    pub out: Linear,
    size: usize,
    causal: bool,
    /// Token size D the network was built for.
    x_dim: usize,
    /// Condition size E (0: unconditioned).
    external_cond_dim: usize,
}

impl TransformerConfig {
    fn validate(&self) -> Result<(), NnError> {
        if self.size == 0 || self.nhead == 0 || !self.size.is_multiple_of(self.nhead) {
            return Err(NnError::Config(format!(
                "network_size ({}) must be a positive multiple of attn_heads ({})",
                self.size, self.nhead
            )));
        }
        if !self.size.is_multiple_of(4) {
            return Err(NnError::Config(format!(
                "network_size ({}) must be a multiple of 4 (two sinusoidal embeddings of size/2 and size)",
                self.size
            )));
        }
        if self.x_dim == 0 || self.num_layers == 0 || self.dim_feedforward == 0 {
            return Err(NnError::Config(
                "x_dim, num_layers and dim_feedforward must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// A freshly initialised network with PyTorch's default initialisation. Like
    /// `nn.TransformerEncoder`, every layer starts as a copy of the first.
    pub fn init(&self, device: &Device) -> Result<Transformer, NnError> {
        self.validate()?;
        let s = self.size;
        let linear = |i, o| LinearConfig::new(i, o).init(device);
        let layer = EncoderLayer {
            in_proj: LinearConfig::new(s, 3 * s)
                .with_initializer(Initializer::XavierUniform { gain: 1.0 })
                .init(device),
            out_proj: linear(s, s),
            linear1: linear(s, self.dim_feedforward),
            linear2: linear(self.dim_feedforward, s),
            norm1: LayerNormConfig::new(s)
                .with_epsilon(LAYER_NORM_EPS)
                .init(device),
            norm2: LayerNormConfig::new(s)
                .with_epsilon(LAYER_NORM_EPS)
                .init(device),
            nhead: self.nhead,
        };
        let layer = layer.zero_attention_biases();
        let layers = (0..self.num_layers)
            .map(|_| layer.clone().fresh_copy())
            .collect();
        Ok(Transformer {
            init_mlp_0: linear(self.x_dim + s / 2 + self.external_cond_dim, s),
            init_mlp_2: linear(s, s),
            layers,
            out: linear(s, self.x_dim),
            size: s,
            causal: self.causal,
            x_dim: self.x_dim,
            external_cond_dim: self.external_cond_dim,
        })
    }

    /// Parameter count of this configuration (PyTorch's `numel` over trainable parameters).
    pub fn num_params(&self) -> usize {
        let s = self.size;
        let ff = self.dim_feedforward;
        let layer = 3 * s * s + 3 * s + s * s + s + ff * s + ff + s * ff + s + 4 * s;
        (self.x_dim + s / 2 + self.external_cond_dim) * s
            + s
            + s * s
            + s
            + self.num_layers * layer
            + s * self.x_dim
            + self.x_dim
    }
}

impl EncoderLayer {
    /// PyTorch zero-initialises the packed input bias and the output-projection bias.
    fn zero_attention_biases(mut self) -> Self {
        for bias in [&mut self.in_proj.bias, &mut self.out_proj.bias]
            .into_iter()
            .flatten()
        {
            *bias = Param::from_tensor(bias.val().zeros_like());
        }
        self
    }

    /// A deep copy with new parameter ids (same values), as `copy.deepcopy` gives.
    fn fresh_copy(self) -> Self {
        self.map(&mut FreshParamIds)
    }

    fn visit_params(&mut self, v: &mut impl ParamVisitor, p: &str) {
        visit_linear_named(
            v,
            &mut self.in_proj,
            &format!("{p}self_attn.in_proj_weight"),
            &format!("{p}self_attn.in_proj_bias"),
        );
        visit_linear(v, &mut self.out_proj, &format!("{p}self_attn.out_proj"));
        visit_linear(v, &mut self.linear1, &format!("{p}linear1"));
        visit_linear(v, &mut self.linear2, &format!("{p}linear2"));
        visit_layer_norm(v, &mut self.norm1, &format!("{p}norm1"));
        visit_layer_norm(v, &mut self.norm2, &format!("{p}norm2"));
    }

    /// `h`: `(n, B, size)`; `causal` hides keys after each query.
    ///
    /// The projections, the attention and the residual LayerNorms run as fused kernels on the
    /// CPU backend (`dforce_kernels`), composed burn ops elsewhere; both compute PyTorch's
    /// `TransformerEncoderLayer` (post-norm, ReLU, no dropout).
    fn forward(&self, h: Tensor<3>, causal: bool) -> Tensor<3> {
        let attention = self.self_attention(h.clone(), causal);
        let y = residual_layer_norm(h, attention, &self.norm1, LAYER_NORM_EPS);
        let hidden = kernels::linear(y.clone(), &self.linear1, true);
        let ff = kernels::linear(hidden, &self.linear2, false);
        residual_layer_norm(y, ff, &self.norm2, LAYER_NORM_EPS)
    }

    /// `nn.MultiheadAttention` with the packed q|k|v projection: `(n, B, size)` → `(n, B, size)`.
    fn self_attention(&self, h: Tensor<3>, causal: bool) -> Tensor<3> {
        let qkv = kernels::linear(h, &self.in_proj, false);
        let attention = kernels::packed_attention(qkv, self.nhead, causal);
        kernels::linear(attention, &self.out_proj, false)
    }
}

/// Re-creates every float parameter with the same values and a new id, so copies get their
/// own optimizer state.
struct FreshParamIds;

impl burn::module::ModuleMapper for FreshParamIds {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        Param::from_tensor(param.val())
    }
}

impl Transformer {
    /// Walks every parameter under its reference name below `prefix` (e.g.
    /// `diffusion_model.model.`), in the reference's registration order.
    pub fn visit_params(&mut self, v: &mut impl ParamVisitor, prefix: &str) {
        for (i, layer) in self.layers.iter_mut().enumerate() {
            layer.visit_params(v, &format!("{prefix}transformer.layers.{i}."));
        }
        visit_linear(v, &mut self.init_mlp_0, &format!("{prefix}init_mlp.0"));
        visit_linear(v, &mut self.init_mlp_2, &format!("{prefix}init_mlp.2"));
        visit_linear(v, &mut self.out, &format!("{prefix}out"));
    }

    /// Overwrites every parameter from `w` (see [`Transformer::visit_params`]).
    pub fn load(&mut self, w: &mut WeightLoader, prefix: &str) {
        self.visit_params(w, prefix);
    }

    /// Token size D the network was built for.
    pub fn x_dim(&self) -> usize {
        self.x_dim
    }

    /// Condition size E the network was built for (0: unconditioned).
    pub fn external_cond_dim(&self) -> usize {
        self.external_cond_dim
    }

    /// Checks that `x` `(n, B, D)`, the noise levels `(n, B)` and the condition `(n, B, E)`
    /// (given exactly when E > 0) fit this network, as [`Transformer::forward`] needs.
    ///
    /// # Errors
    /// [`DenoiseError::Shape`] naming the input and the shape expected,
    /// [`DenoiseError::MissingCondition`] or [`DenoiseError::UnexpectedCondition`].
    pub fn check_input(
        &self,
        x: [usize; 3],
        levels: [usize; 2],
        cond: Option<[usize; 3]>,
    ) -> Result<(), DenoiseError> {
        let [n, b, d] = x;
        if d != self.x_dim {
            return Err(DenoiseError::Shape {
                what: "x",
                expected: format!("(tokens, batch, {})", self.x_dim),
                given: x.to_vec(),
            });
        }
        if levels != [n, b] {
            return Err(DenoiseError::Shape {
                what: "the noise-level tensor",
                expected: format!("(tokens, batch) = ({n}, {b}), as x"),
                given: levels.to_vec(),
            });
        }
        let e = self.external_cond_dim;
        match cond {
            None if e > 0 => Err(DenoiseError::MissingCondition { dim: e }),
            Some(shape) if e == 0 => Err(DenoiseError::UnexpectedCondition {
                given: shape.to_vec(),
            }),
            Some(shape) if shape != [n, b, e] => Err(DenoiseError::Shape {
                what: "the condition",
                expected: format!("(tokens, batch, external_cond_dim) = ({n}, {b}, {e})"),
                given: shape.to_vec(),
            }),
            _ => Ok(()),
        }
    }

    /// `x`: `(n, B, D)`, `k`: `(n, B)` real noise levels, `cond`: `(n, B, E)` → `(n, B, D)`.
    ///
    /// # Panics
    /// With inputs that [`Transformer::check_input`] refuses (burn's shape checks);
    /// [`Denoiser::denoise`] checks them first and returns the error instead.
    pub fn forward(&self, x: Tensor<3>, k: Tensor<2, Int>, cond: Option<Tensor<3>>) -> Tensor<3> {
        let device = x.device();
        let [n, _, _] = x.dims();
        let half = self.size / 4;
        let k_embed = sinusoidal(k, &frequencies(half, (half - 1) as f64), false, &device);
        let mut parts = vec![x, k_embed];
        parts.extend(cond);
        let hidden = kernels::linear(Tensor::cat(parts, 2), &self.init_mlp_0, true);
        let h = kernels::linear(hidden, &self.init_mlp_2, false);
        let positions: Tensor<2, Int> = Tensor::arange(0..n as i64, &device).unsqueeze_dim(1);
        let half = self.size / 2;
        let mut h = h + sinusoidal(
            positions,
            &frequencies(half, (half - 1) as f64),
            false,
            &device,
        );
        for layer in &self.layers {
            h = layer.forward(h, self.causal);
        }
        kernels::linear(h, &self.out, false)
    }
}

/// `(n, offset + n)`: the causal mask of `n` query tokens at positions `offset..offset + n`
/// over keys at positions `0..offset + n` (a cached prefix of `offset` tokens, then their own);
/// true where the key comes after the query.
pub fn causal_mask_after(offset: usize, n: usize, device: &Device) -> Tensor<2, Bool> {
    let keys = offset + n;
    let m: Vec<bool> = (0..n * keys)
        .map(|i| i % keys > offset + i / keys)
        .collect();
    Tensor::from_data(TensorData::new(m, [n, keys]), device)
}

impl Denoiser<3> for Transformer {
    /// [`Transformer::forward`] after [`Transformer::check_input`]: `x` `(n, B, D)`, `levels`
    /// `(n, B)`, `cond` `(n, B, E)` → `(n, B, D)`.
    ///
    /// # Errors
    /// Inputs that do not fit the network, as [`Transformer::check_input`] says.
    fn denoise(
        &self,
        x: Tensor<3>,
        levels: Tensor<2, Int>,
        cond: Option<Tensor<3>>,
    ) -> Result<Tensor<3>, DenoiseError> {
        self.check_input(x.dims(), levels.dims(), cond.as_ref().map(|c| c.dims()))?;
        Ok(self.forward(x, levels, cond))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planning_default(x_dim: usize) -> TransformerConfig {
        TransformerConfig {
            x_dim,
            external_cond_dim: 0,
            size: 128,
            num_layers: 12,
            nhead: 4,
            dim_feedforward: 512,
            causal: false,
        }
    }

    #[test]
    fn parameter_counts_match_the_reference() {
        // Spec §3.1: default yaml (D = 60) and the README's observation-only checkpoints (D = 20).
        assert_eq!(planning_default(60).num_params(), 2_419_516);
        assert_eq!(planning_default(20).num_params(), 2_409_236);
        let model = planning_default(60).init(&Device::flex()).unwrap();
        assert_eq!(model.num_params(), 2_419_516);
    }

    #[test]
    fn layers_start_identical_but_are_distinct_parameters() {
        let cfg = TransformerConfig {
            num_layers: 3,
            ..planning_default(12)
        };
        let model = cfg.init(&Device::flex()).unwrap();
        let w = |i: usize| model.layers[i].linear1.weight.val().into_data();
        assert_eq!(w(0), w(2));
        assert_ne!(
            model.layers[0].linear1.weight.id,
            model.layers[2].linear1.weight.id
        );
    }

    #[test]
    fn saved_weights_load_back_exactly() {
        use crate::params::StateDictCollector;
        use crate::state_dict::{CheckpointFormat, StateDict};
        let cfg = TransformerConfig {
            num_layers: 2,
            size: 32,
            dim_feedforward: 16,
            ..planning_default(6)
        };
        let dev = Device::flex();
        let mut a = cfg.init(&dev).unwrap();
        let mut saved = StateDictCollector::default();
        a.visit_params(&mut saved, "model.");
        assert_eq!(saved.tensors.len(), 2 * 12 + 6);
        let dir = std::env::temp_dir().join(format!("dforce-roundtrip-{}", std::process::id()));
        let path = dir.join("w.safetensors");
        crate::write_safetensors_atomic(&path, &saved.tensors, &Default::default()).unwrap();
        let sd = StateDict::load(&path).unwrap();
        assert_eq!(sd.format, CheckpointFormat::SafeTensors);
        let mut b = cfg.init(&dev).unwrap();
        let mut loader = WeightLoader::new(&sd, &dev);
        b.load(&mut loader, "model.");
        loader.finish("model.").unwrap();
        let x = Tensor::<3>::from_data(
            TensorData::new(
                (0..36).map(|i| i as f32 / 10.0).collect::<Vec<_>>(),
                [3, 2, 6],
            ),
            &dev,
        );
        let k = Tensor::<2, Int>::from_data(
            TensorData::new(vec![0i64, 5, 10, 500, 999, 3], [3, 2]),
            &dev,
        );
        assert_eq!(
            a.forward(x.clone(), k.clone(), None).into_data(),
            b.forward(x, k, None).into_data()
        );
        std::fs::remove_dir_all(dir).ok();
    }

    /// Inputs the network was not built for are `DenoiseError`s through `Denoiser::denoise`
    /// (burn would panic inside the forward pass).
    #[test]
    fn inputs_that_do_not_fit_are_denoise_errors() {
        let dev = Device::flex();
        let small = |external_cond_dim| {
            TransformerConfig {
                num_layers: 1,
                size: 32,
                dim_feedforward: 16,
                external_cond_dim,
                ..planning_default(6)
            }
            .init(&dev)
            .unwrap()
        };
        let (plain, conditioned) = (small(0), small(4));
        let x = |d: usize| Tensor::<3>::zeros([3, 2, d], &dev);
        let k = |n: usize, b: usize| Tensor::<2, Int>::zeros([n, b], &dev);
        let cond = |e: usize| Some(Tensor::<3>::zeros([3, 2, e], &dev));
        assert_eq!(
            plain.denoise(x(6), k(3, 2), None).unwrap().dims(),
            [3, 2, 6]
        );
        assert_eq!(
            conditioned.denoise(x(6), k(3, 2), cond(4)).unwrap().dims(),
            [3, 2, 6]
        );

        let err = plain.denoise(x(7), k(3, 2), None).unwrap_err();
        assert!(
            matches!(&err, DenoiseError::Shape { what: "x", given, .. } if given == &[3, 2, 7]),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "x has shape [3, 2, 7], the network expects (tokens, batch, 6)"
        );
        for (err, message) in [
            (
                plain.denoise(x(6), k(2, 3), None),
                "the noise-level tensor has shape [2, 3], the network expects (tokens, batch) = (3, 2), as x",
            ),
            (
                plain.denoise(x(6), k(3, 2), cond(4)),
                "a condition of shape [3, 2, 4] was given to a network without one (external_cond_dim = 0)",
            ),
            (
                conditioned.denoise(x(6), k(3, 2), None),
                "the network is conditioned (external_cond_dim = 4) but no condition was given",
            ),
            (
                conditioned.denoise(x(6), k(3, 2), cond(5)),
                "the condition has shape [3, 2, 5], the network expects (tokens, batch, external_cond_dim) = (3, 2, 4)",
            ),
        ] {
            assert_eq!(err.unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn bad_shapes_are_config_errors() {
        let cfg = TransformerConfig {
            nhead: 3,
            ..planning_default(12)
        };
        assert!(matches!(cfg.init(&Device::flex()), Err(NnError::Config(_))));
    }
}
