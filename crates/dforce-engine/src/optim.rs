//! AdamW with PyTorch's semantics, gradient accumulation, total-norm clipping and warm-up.
//!
//! Parameters are addressed by their reference names (through `ParamVisitor`), so optimizer
//! state is saved beside the weights under readable keys and a resumed run continues exactly.

use std::collections::BTreeMap;

use burn::module::Param;
use burn::tensor::{Tensor, TensorData};
use dforce_nn::{HostTensor, ParamVisitor};

/// `torch.optim.AdamW` hyper-parameters (`eps` 1e-8, no amsgrad).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWConfig {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
}

/// The moments of one parameter, flattened, in burn's layout.
#[derive(Debug, Clone)]
pub struct Moments {
    pub exp_avg: Tensor<1>,
    pub exp_avg_sq: Tensor<1>,
}

/// Gradients summed over micro-batches, by parameter name (flattened, burn layout).
#[derive(Debug, Default)]
pub struct GradientBuffer {
    grads: BTreeMap<String, Tensor<1>>,
    micro_batches: usize,
}

/// A non-finite gradient found by [`GradientBuffer::first_non_finite`].
#[derive(Debug, Clone, PartialEq)]
pub struct NonFinite {
    pub param: String,
}

impl GradientBuffer {
    /// Adds the gradients of one backward pass (`grads`) for every visited parameter.
    pub fn accumulate<'a>(
        &'a mut self,
        grads: &'a burn::tensor::Gradients,
    ) -> impl ParamVisitor + 'a {
        self.micro_batches += 1;
        Collect {
            buffer: self,
            grads,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.grads.is_empty()
    }

    pub fn micro_batches(&self) -> usize {
        self.micro_batches
    }

    /// `√Σ‖g‖²` over all parameters (what `clip_grad_norm_` measures).
    ///
    /// Each parameter's `‖g‖²` is reduced on the device; the per-parameter sums come back in one
    /// transfer (one host sync per step, not one per parameter) and are added in f64.
    pub fn total_norm(&self) -> f64 {
        let sums: Vec<Tensor<1>> = self
            .grads
            .values()
            .map(|g| g.clone().square().sum())
            .collect();
        if sums.is_empty() {
            return 0.0;
        }
        Tensor::cat(sums, 0)
            .into_data()
            .iter::<f32>()
            .map(f64::from)
            .sum::<f64>()
            .sqrt()
    }

    /// Scales gradients so their total norm is at most `max_norm` (PyTorch's `clip_grad_norm_`:
    /// coefficient `max_norm / (norm + 1e-6)`, applied only when below 1). Returns the norm.
    pub fn clip_total_norm(&mut self, max_norm: f64) -> f64 {
        let norm = self.total_norm();
        let coef = max_norm / (norm + 1e-6);
        if coef < 1.0 {
            for g in self.grads.values_mut() {
                *g = g.clone() * coef;
            }
        }
        norm
    }

    /// The first parameter (in name order) whose gradient holds NaN or ±inf.
    pub fn first_non_finite(&self) -> Option<NonFinite> {
        self.grads.iter().find_map(|(name, g)| {
            let bad = g.clone().is_nan().any().into_scalar::<bool>()
                || g.clone().is_inf().any().into_scalar::<bool>();
            bad.then(|| NonFinite {
                param: name.clone(),
            })
        })
    }

    /// Gradient values held (the length of [`Self::flatten`]).
    pub fn flat_len(&self) -> usize {
        self.grads.values().map(|g| g.dims()[0]).sum()
    }

    /// Every gradient, flattened in parameter-name order and concatenated into one buffer (what
    /// a data-parallel reducer all-reduces in one collective).
    pub fn flatten(&self) -> Vec<f32> {
        let total = self.grads.values().map(|g| g.dims()[0]).sum();
        let mut out = Vec::with_capacity(total);
        for g in self.grads.values() {
            let data = g.clone().into_data().convert::<f32>();
            out.extend_from_slice(data.as_slice::<f32>().unwrap_or_default());
        }
        out
    }

    /// Replaces the gradients with `values`, laid out as [`Self::flatten`] made them. Errors
    /// (with both lengths) when the buffer does not match.
    pub fn assign_flat(&mut self, values: &[f32]) -> Result<(), String> {
        let total: usize = self.grads.values().map(|g| g.dims()[0]).sum();
        if total != values.len() {
            return Err(format!(
                "gradient buffer of {} values does not match the {total} gradient values of this process",
                values.len()
            ));
        }
        let mut at = 0;
        for g in self.grads.values_mut() {
            let n = g.dims()[0];
            let chunk = values[at..at + n].to_vec();
            at += n;
            *g = Tensor::from_data(TensorData::new(chunk, [n]), &g.device());
        }
        Ok(())
    }

    pub fn clear(&mut self) {
        self.grads.clear();
        self.micro_batches = 0;
    }
}

struct Collect<'a> {
    buffer: &'a mut GradientBuffer,
    grads: &'a burn::tensor::Gradients,
}

impl Collect<'_> {
    fn add<const D: usize>(&mut self, value: &Tensor<D>, name: &str) {
        // Frozen parameters (no gradient) are simply not updated.
        let Some(g) = value.grad(self.grads) else {
            return;
        };
        let n = g.shape().num_elements();
        let g: Tensor<1> = g.reshape([n]);
        let entry = self.buffer.grads.remove(name);
        self.buffer.grads.insert(
            name.to_string(),
            match entry {
                Some(acc) => acc + g,
                None => g,
            },
        );
    }
}

impl ParamVisitor for Collect<'_> {
    fn param<const D: usize>(&mut self, param: &mut Param<Tensor<D>>, name: &str) {
        self.add(&param.val(), name);
    }

    fn param_transposed(&mut self, param: &mut Param<Tensor<2>>, name: &str) {
        self.add(&param.val(), name);
    }
}

/// AdamW state: step count and moments by parameter name.
#[derive(Debug, Default)]
pub struct AdamW {
    pub config: Option<AdamWConfig>,
    pub steps: u64,
    pub moments: BTreeMap<String, Moments>,
}

impl AdamW {
    pub fn new(config: AdamWConfig) -> Self {
        Self {
            config: Some(config),
            steps: 0,
            moments: BTreeMap::new(),
        }
    }

    /// One update of every visited parameter that has a gradient in `grads`, at rate `lr`.
    pub fn step<'a>(&'a mut self, lr: f64, grads: &'a GradientBuffer) -> impl ParamVisitor + 'a {
        self.steps += 1;
        Update {
            optim: self,
            grads,
            lr,
        }
    }

    /// Moments as host tensors, for checkpoints (`optimizer.<param>.exp_avg[_sq]`).
    pub fn state_tensors(&self) -> BTreeMap<String, HostTensor> {
        let host = |t: &Tensor<1>| HostTensor {
            shape: t.dims().to_vec(),
            data: t
                .to_data()
                .convert::<f32>()
                .try_into_vec::<f32>()
                .unwrap_or_default(),
        };
        self.moments
            .iter()
            .flat_map(|(name, m)| {
                [
                    (format!("optimizer.{name}.exp_avg"), host(&m.exp_avg)),
                    (format!("optimizer.{name}.exp_avg_sq"), host(&m.exp_avg_sq)),
                ]
            })
            .collect()
    }

    /// A visitor that checks the restored moments against a model's parameters.
    pub fn moment_check(&self) -> MomentCheck<'_> {
        MomentCheck {
            moments: &self.moments,
            error: None,
        }
    }

    /// Restores moments written by [`AdamW::state_tensors`]; check them against the model with
    /// [`AdamW::moment_check`] before the first step.
    pub fn load_state_tensors(
        &mut self,
        tensors: &BTreeMap<String, HostTensor>,
        steps: u64,
        device: &burn::tensor::Device,
    ) {
        self.steps = steps;
        self.moments.clear();
        let tensor = |h: &HostTensor| {
            Tensor::<1>::from_data(TensorData::new(h.data.clone(), [h.data.len()]), device)
        };
        for (key, avg) in tensors {
            let Some(name) = key
                .strip_prefix("optimizer.")
                .and_then(|k| k.strip_suffix(".exp_avg"))
            else {
                continue;
            };
            if let Some(sq) = tensors.get(&format!("optimizer.{name}.exp_avg_sq")) {
                self.moments.insert(
                    name.to_string(),
                    Moments {
                        exp_avg: tensor(avg),
                        exp_avg_sq: tensor(sq),
                    },
                );
            }
        }
    }
}

/// Checks moments restored from a checkpoint against the model's parameters (a
/// [`ParamVisitor`]): each parameter's moments, when present, must hold as many values as it
/// does. A forged or foreign checkpoint otherwise fails later inside the update, as a panic.
pub struct MomentCheck<'a> {
    moments: &'a BTreeMap<String, Moments>,
    error: Option<String>,
}

impl MomentCheck<'_> {
    /// The first mismatch found, naming the parameter and both sizes.
    ///
    /// # Errors
    /// A parameter whose `exp_avg` or `exp_avg_sq` has another number of values.
    pub fn finish(self) -> Result<(), String> {
        self.error.map_or(Ok(()), Err)
    }
}

impl ParamVisitor for MomentCheck<'_> {
    fn param<const D: usize>(&mut self, param: &mut Param<Tensor<D>>, name: &str) {
        let (Some(m), None) = (self.moments.get(name), &self.error) else {
            return;
        };
        let n = param.val().shape().num_elements();
        let (avg, sq) = (m.exp_avg.dims()[0], m.exp_avg_sq.dims()[0]);
        if avg != n || sq != n {
            self.error = Some(format!(
                "the optimiser state of {name} holds {avg} and {sq} values (exp_avg, exp_avg_sq) \
                 but the parameter has {n}: the checkpoint's optimiser state does not belong to \
                 this network; start a new run from its weights with load= instead"
            ));
        }
    }

    fn param_transposed(&mut self, param: &mut Param<Tensor<2>>, name: &str) {
        self.param(param, name);
    }
}

struct Update<'a> {
    optim: &'a mut AdamW,
    grads: &'a GradientBuffer,
    lr: f64,
}

impl Update<'_> {
    fn update<const D: usize>(&mut self, param: &mut Param<Tensor<D>>, name: &str) {
        let Some(g) = self.grads.grads.get(name) else {
            return;
        };
        // Invariant: `AdamW::new`, the only constructor used, sets `config`; never user data.
        let c = self.optim.config.expect("AdamW::new sets the config");
        let value = param.val().inner();
        let shape = value.dims();
        let n = value.shape().num_elements();
        let flat: Tensor<1> = value.reshape([n]);
        let g = g.clone().inner();
        let (m, v) = match self.optim.moments.remove(name) {
            Some(s) => (s.exp_avg.inner(), s.exp_avg_sq.inner()),
            None => (g.zeros_like(), g.zeros_like()),
        };
        // torch.optim.AdamW (single tensor path): decay, moments, bias-corrected step.
        let t = self.optim.steps as i32;
        let decayed = flat * (1.0 - self.lr * c.weight_decay);
        let m = m * c.beta1 + g.clone() * (1.0 - c.beta1);
        let v = v * c.beta2 + g.square() * (1.0 - c.beta2);
        let bias1 = 1.0 - c.beta1.powi(t);
        let bias2_sqrt = (1.0 - c.beta2.powi(t)).sqrt();
        let denom = v.clone().sqrt() / bias2_sqrt + c.eps;
        let updated = decayed - m.clone() / denom * (self.lr / bias1);
        self.optim.moments.insert(
            name.to_string(),
            Moments {
                exp_avg: m,
                exp_avg_sq: v,
            },
        );
        let updated: Tensor<D> = updated.reshape(shape);
        *param = Param::initialized(param.id, updated.autodiff().require_grad());
    }
}

impl ParamVisitor for Update<'_> {
    fn param<const D: usize>(&mut self, param: &mut Param<Tensor<D>>, name: &str) {
        self.update(param, name);
    }

    fn param_transposed(&mut self, param: &mut Param<Tensor<2>>, name: &str) {
        self.update(param, name);
    }
}

/// Linear warm-up of the learning rate over `warmup_steps` optimiser steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Warmup {
    pub base_lr: f64,
    pub warmup_steps: u64,
    /// Reproduce the reference's quirk: its first step runs at the full rate and step `j ≥ 1`
    /// at `min(1, j/W)`. By default step `j` runs at `min(1, (j+1)/W)`, warm from the start.
    pub reference_first_step: bool,
}

impl Warmup {
    /// The rate of optimiser step `j` (0-based count of steps already taken).
    pub fn lr(&self, j: u64) -> f64 {
        if self.warmup_steps == 0 {
            return self.base_lr;
        }
        let w = self.warmup_steps as f64;
        let frac = if self.reference_first_step {
            if j == 0 { 1.0 } else { (j as f64 / w).min(1.0) }
        } else {
            ((j + 1) as f64 / w).min(1.0)
        };
        frac * self.base_lr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_is_correct_from_the_first_step_and_reference_mode_reproduces_the_quirk() {
        let w = Warmup {
            base_lr: 1.0,
            warmup_steps: 4,
            reference_first_step: false,
        };
        assert_eq!(
            (0..6).map(|j| w.lr(j)).collect::<Vec<_>>(),
            vec![0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
        );
        let r = Warmup {
            reference_first_step: true,
            ..w
        };
        assert_eq!(
            (0..6).map(|j| r.lr(j)).collect::<Vec<_>>(),
            vec![1.0, 0.25, 0.5, 0.75, 1.0, 1.0]
        );
    }
}
