//! One walk over a network's parameters, by their reference state_dict names.
//!
//! Each network describes its parameters once (`visit_params`); loading a checkpoint, saving
//! one and stepping the optimiser are visitors. Names are the reference's, so our safetensors
//! checkpoints use the same keys as the official Lightning ones.

use std::collections::BTreeMap;

use burn::module::Param;
use burn::nn::{LayerNorm, Linear};
use burn::tensor::Tensor;

use crate::state_dict::{HostTensor, WeightLoader};

/// Visits parameters under their PyTorch names.
pub trait ParamVisitor {
    /// A parameter stored with the same shape as in PyTorch.
    fn param<const D: usize>(&mut self, param: &mut Param<Tensor<D>>, name: &str);
    /// A PyTorch `Linear` weight `[out, in]`, which burn stores transposed as `[in, out]`.
    fn param_transposed(&mut self, param: &mut Param<Tensor<2>>, name: &str);
    /// A parameter whose PyTorch shape differs from burn's only by unit dims (e.g. a
    /// `(1, k, k)` Conv3d kernel run as a `k × k` Conv2d); saved with `torch_shape`.
    fn param_as<const D: usize>(
        &mut self,
        param: &mut Param<Tensor<D>>,
        name: &str,
        torch_shape: &[usize],
    ) {
        let _ = torch_shape;
        self.param(param, name);
    }
    /// A non-trainable tensor the network recomputes (e.g. rotary `freqs`): loading checks the
    /// file's copy against `values`, saving writes them.
    fn constant(&mut self, _name: &str, _shape: &[usize], _values: &[f32], _rtol: f32) {}
    /// A name the network accounts for without a parameter.
    fn skip(&mut self, _name: &str) {}
}

/// Visits a PyTorch `Linear` (`{prefix}.weight`, `{prefix}.bias`).
pub fn visit_linear(v: &mut impl ParamVisitor, linear: &mut Linear, prefix: &str) {
    visit_linear_named(
        v,
        linear,
        &format!("{prefix}.weight"),
        &format!("{prefix}.bias"),
    );
}

/// Visits a `Linear` whose tensors have other names (e.g. MHA's `in_proj_weight`).
pub fn visit_linear_named(
    v: &mut impl ParamVisitor,
    linear: &mut Linear,
    weight: &str,
    bias: &str,
) {
    v.param_transposed(&mut linear.weight, weight);
    if let Some(b) = linear.bias.as_mut() {
        v.param(b, bias);
    }
}

/// Visits a PyTorch `LayerNorm` (`{prefix}.weight`, `{prefix}.bias`).
pub fn visit_layer_norm(v: &mut impl ParamVisitor, norm: &mut LayerNorm, prefix: &str) {
    v.param(&mut norm.gamma, &format!("{prefix}.weight"));
    if let Some(b) = norm.beta.as_mut() {
        v.param(b, &format!("{prefix}.bias"));
    }
}

impl ParamVisitor for WeightLoader<'_> {
    fn param<const D: usize>(&mut self, param: &mut Param<Tensor<D>>, name: &str) {
        self.load(param, name);
    }

    fn param_transposed(&mut self, param: &mut Param<Tensor<2>>, name: &str) {
        self.load_transposed(param, name);
    }

    fn constant(&mut self, name: &str, shape: &[usize], values: &[f32], rtol: f32) {
        self.expect_values(name, shape, values, rtol);
    }

    fn skip(&mut self, name: &str) {
        WeightLoader::skip(self, name);
    }
}

/// Collects every parameter as a host tensor in PyTorch layout, for saving.
#[derive(Debug, Default)]
pub struct StateDictCollector {
    pub tensors: BTreeMap<String, HostTensor>,
}

fn host<const D: usize>(t: Tensor<D>) -> HostTensor {
    let shape = t.dims().to_vec();
    let data = t
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap_or_default();
    HostTensor { shape, data }
}

impl ParamVisitor for StateDictCollector {
    fn param<const D: usize>(&mut self, param: &mut Param<Tensor<D>>, name: &str) {
        self.tensors.insert(name.to_string(), host(param.val()));
    }

    fn param_transposed(&mut self, param: &mut Param<Tensor<2>>, name: &str) {
        self.tensors
            .insert(name.to_string(), host(param.val().transpose()));
    }

    fn param_as<const D: usize>(
        &mut self,
        param: &mut Param<Tensor<D>>,
        name: &str,
        torch_shape: &[usize],
    ) {
        let mut t = host(param.val());
        t.shape = torch_shape.to_vec();
        self.tensors.insert(name.to_string(), t);
    }

    fn constant(&mut self, name: &str, shape: &[usize], values: &[f32], _rtol: f32) {
        self.tensors.insert(
            name.to_string(),
            HostTensor {
                shape: shape.to_vec(),
                data: values.to_vec(),
            },
        );
    }
}
