//! The paper branch's vector transition network `TransitionMlp` (`models/unet.py`) and its
//! GRU cells: the recurrent Diffusion Forcing backbone for time series and planning.
//!
//! One call maps the previous latent `z_{t−1}`, the noisy token `x_t^{k_t}` and its level `k_t`
//! (and optionally an external condition `c_t`) to the new latent `z_t` (spec
//! `reference-paper-branch.md` §1.5):
//!
//! ```text
//! h = mlp_before_gru(cat(z_prev, x, time_mlp(k) [, cond_mlp(c)]))      # if L > 0
//! for i < G: h = GRUCell_i(h, z_prev.chunk(G)[i]); outs += [h]          # if G > 0
//! z_next = mlp_after_gru(cat(outs))                                     # if L > 0
//! ```
//!
//! `L = num_mlp_layers`, `G = num_gru_layers`. Each GRU cell's hidden input is a slice of the
//! previous step's *post-MLP* latent, as in the reference. Parameter names follow its
//! state_dict below `transition_model.model.` (`time_mlp.1`, `mlp_before_gru.mlp.0`,
//! `gru_stack.0.weight_ih`, …). Shapes are batch-major: `x (B, x_dim)`, `z (B, z_dim)`.

use burn::module::Module;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::activation::{gelu, sigmoid};
use burn::tensor::{Device, Int, Tensor};

use crate::embedding::{frequencies, sinusoidal};
use crate::error::NnError;
use crate::params::{ParamVisitor, visit_linear, visit_linear_named};

/// Shape of a [`TransitionMlp`] (the reference's constructor arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionMlpConfig {
    /// Latent size (`z_shape[0]`).
    pub z_dim: usize,
    /// Token size (`x_shape[0] · frame_stack`).
    pub x_dim: usize,
    /// Width of the external condition; 0 = unconditional (no `external_cond_mlp`).
    pub external_cond_dim: usize,
    /// `diffusion.network_size` (`ns`): the level-embedding width; the MLP width is `32·ns`.
    pub network_size: usize,
    /// `diffusion.num_gru_layers` (G): GRU cells, each of hidden size `z_dim / G`.
    pub num_gru_layers: usize,
    /// `diffusion.num_mlp_layers` (L): residual MLP blocks around the GRU stack.
    pub num_mlp_layers: usize,
}

/// `ResBlock1d(a → b)`: `GELU(shortcut(x) + Linear(GELU(Linear(x))))`; the shortcut is a
/// `Linear` when `a ≠ b`, else the identity (`models/resnet.py`).
#[derive(Module, Debug)]
pub struct ResBlock1d {
    pub mlp_0: Linear,
    pub mlp_2: Linear,
    pub shortcut: Option<Linear>,
}

/// PyTorch's `nn.GRUCell` (gate order r, z, n): `h' = (1 − z)·n + z·h` with
/// `n = tanh(W_in x + b_in + r·(W_hn h + b_hn))`.
#[derive(Module, Debug)]
pub struct GruCell {
    /// `weight_ih (3h, in)` and `bias_ih`, burn layout `[in, 3h]`.
    pub ih: Linear,
    /// `weight_hh (3h, h)` and `bias_hh`.
    pub hh: Linear,
    hidden: usize,
}

/// The vector transition network (see the module docs).
#[derive(Module, Debug)]
pub struct TransitionMlp {
    pub time_mlp_1: Linear,
    pub time_mlp_3: Linear,
    /// `external_cond_mlp.{0,2}` when `external_cond_dim > 0`.
    pub cond_mlp: Option<(Linear, Linear)>,
    /// `mlp_before_gru`: `L = 1`: one block `in → z`; `L ≥ 2`: `in → H`, `(L−2)×(H → H)`.
    pub before: Vec<ResBlock1d>,
    /// `L ≥ 2`: the final `Linear(H → z)` of `mlp_before_gru`.
    pub before_out: Option<Linear>,
    /// `mlp_after_gru` blocks (`L ≥ 2`: `z → H`, `(L−2)×(H → H)`); empty for `L = 1`.
    pub after: Vec<ResBlock1d>,
    /// `mlp_after_gru`'s output `Linear` (`z → z` for `L = 1`, `H → z` for `L ≥ 2`).
    pub after_out: Option<Linear>,
    pub gru_stack: Vec<GruCell>,
    network_size: usize,
    num_mlp_layers: usize,
}

impl TransitionMlpConfig {
    /// Input width of `mlp_before_gru`: `z + x + ns (+ ns with a condition)`.
    pub fn input_dim(&self) -> usize {
        let cond = if self.external_cond_dim > 0 {
            self.network_size
        } else {
            0
        };
        self.z_dim + self.x_dim + self.network_size + cond
    }

    fn validate(&self) -> Result<(), NnError> {
        if self.z_dim == 0 || self.x_dim == 0 {
            return Err(NnError::Config(format!(
                "z_shape[0] ({}) and the token size ({}) must be at least 1",
                self.z_dim, self.x_dim
            )));
        }
        if self.network_size < 4 || !self.network_size.is_multiple_of(2) {
            return Err(NnError::Config(format!(
                "diffusion.network_size ({}) must be an even number ≥ 4 (its sinusoidal level \
                 embedding has network_size/2 frequencies, at least 2)",
                self.network_size
            )));
        }
        if self.num_gru_layers == 0 && self.num_mlp_layers == 0 {
            return Err(NnError::Config(
                "diffusion.num_gru_layers and diffusion.num_mlp_layers are both 0: the reference \
                 then returns z unchanged (\"only for sweeps\"); set at least one to 1"
                    .into(),
            ));
        }
        if self.num_gru_layers > 0 && !self.z_dim.is_multiple_of(self.num_gru_layers) {
            return Err(NnError::Config(format!(
                "z_shape[0] ({}) must be divisible by diffusion.num_gru_layers ({})",
                self.z_dim, self.num_gru_layers
            )));
        }
        Ok(())
    }

    /// A freshly initialised network with PyTorch's default initialisation (GRU parameters
    /// `U(±1/√hidden)`, as `nn.GRUCell`).
    ///
    /// # Errors
    /// [`NnError::Config`] for sizes the reference cannot build (named by config key).
    pub fn init(&self, device: &Device) -> Result<TransitionMlp, NnError> {
        self.validate()?;
        let ns = self.network_size;
        let wide = 32 * ns;
        let input = self.input_dim();
        let linear = |i: usize, o: usize| LinearConfig::new(i, o).init(device);
        let block = |a: usize, b: usize| ResBlock1d {
            mlp_0: linear(a, b),
            mlp_2: linear(b, b),
            shortcut: (a != b).then(|| linear(a, b)),
        };
        let (before, before_out, after, after_out) = match self.num_mlp_layers {
            0 => (vec![], None, vec![], None),
            1 => (
                vec![block(input, self.z_dim)],
                None,
                vec![],
                Some(linear(self.z_dim, self.z_dim)),
            ),
            l => {
                let mut before = vec![block(input, wide)];
                let mut after = vec![block(self.z_dim, wide)];
                for _ in 1..l - 1 {
                    before.push(block(wide, wide));
                    after.push(block(wide, wide));
                }
                (
                    before,
                    Some(linear(wide, self.z_dim)),
                    after,
                    Some(linear(wide, self.z_dim)),
                )
            }
        };
        let mut gru_stack = Vec::with_capacity(self.num_gru_layers);
        if let Some(hidden) = self.z_dim.checked_div(self.num_gru_layers) {
            let bound = 1.0 / (hidden as f64).sqrt();
            let uniform = |i: usize, o: usize| {
                LinearConfig::new(i, o)
                    .with_initializer(Initializer::Uniform {
                        min: -bound,
                        max: bound,
                    })
                    .init(device)
            };
            let first_in = if self.num_mlp_layers > 0 {
                self.z_dim
            } else {
                input
            };
            for i in 0..self.num_gru_layers {
                let inp = if i == 0 { first_in } else { hidden };
                gru_stack.push(GruCell {
                    ih: uniform(inp, 3 * hidden),
                    hh: uniform(hidden, 3 * hidden),
                    hidden,
                });
            }
        }
        Ok(TransitionMlp {
            time_mlp_1: linear(ns, ns),
            time_mlp_3: linear(ns, ns),
            cond_mlp: (self.external_cond_dim > 0)
                .then(|| (linear(self.external_cond_dim, ns), linear(ns, ns))),
            before,
            before_out,
            after,
            after_out,
            gru_stack,
            network_size: ns,
            num_mlp_layers: self.num_mlp_layers,
        })
    }

    /// Parameter count (PyTorch's `numel` over the network's parameters).
    pub fn num_params(&self) -> usize {
        let lin = |i: usize, o: usize| i * o + o;
        let block = |a: usize, b: usize| lin(a, b) + lin(b, b) + if a != b { lin(a, b) } else { 0 };
        let ns = self.network_size;
        let wide = 32 * ns;
        let input = self.input_dim();
        let mut n = 2 * lin(ns, ns);
        if self.external_cond_dim > 0 {
            n += lin(self.external_cond_dim, ns) + lin(ns, ns);
        }
        n += match self.num_mlp_layers {
            0 => 0,
            1 => block(input, self.z_dim) + lin(self.z_dim, self.z_dim),
            l => {
                block(input, wide)
                    + block(self.z_dim, wide)
                    + 2 * (l - 2) * block(wide, wide)
                    + 2 * lin(wide, self.z_dim)
            }
        };
        if let Some(h) = self.z_dim.checked_div(self.num_gru_layers) {
            let first_in = if self.num_mlp_layers > 0 {
                self.z_dim
            } else {
                input
            };
            n += lin(first_in, 3 * h) + lin(h, 3 * h);
            n += (self.num_gru_layers - 1) * (lin(h, 3 * h) + lin(h, 3 * h));
        }
        n
    }
}

impl ResBlock1d {
    fn visit_params(&mut self, v: &mut impl ParamVisitor, p: &str) {
        visit_linear(v, &mut self.mlp_0, &format!("{p}.mlp.0"));
        visit_linear(v, &mut self.mlp_2, &format!("{p}.mlp.2"));
        if let Some(s) = self.shortcut.as_mut() {
            visit_linear(v, s, &format!("{p}.shortcut"));
        }
    }

    /// `x (B, a)` → `(B, b)`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let short = match &self.shortcut {
            Some(s) => s.forward(x.clone()),
            None => x.clone(),
        };
        gelu(short + self.mlp_2.forward(gelu(self.mlp_0.forward(x))))
    }
}

impl GruCell {
    fn visit_params(&mut self, v: &mut impl ParamVisitor, p: &str) {
        visit_linear_named(
            v,
            &mut self.ih,
            &format!("{p}.weight_ih"),
            &format!("{p}.bias_ih"),
        );
        visit_linear_named(
            v,
            &mut self.hh,
            &format!("{p}.weight_hh"),
            &format!("{p}.bias_hh"),
        );
    }

    /// One step: `x (B, in)`, `h (B, hidden)` → `h' (B, hidden)`.
    pub fn forward(&self, x: Tensor<2>, h: Tensor<2>) -> Tensor<2> {
        let n = self.hidden;
        let gi = self.ih.forward(x);
        let gh = self.hh.forward(h.clone());
        let r = sigmoid(gi.clone().slice_dim(1, 0..n) + gh.clone().slice_dim(1, 0..n));
        let z = sigmoid(gi.clone().slice_dim(1, n..2 * n) + gh.clone().slice_dim(1, n..2 * n));
        let cand = (gi.slice_dim(1, 2 * n..3 * n) + r * gh.slice_dim(1, 2 * n..3 * n)).tanh();
        // (1 − z)·n + z·h, in PyTorch's order of operations.
        cand.clone() + z * (h - cand)
    }
}

impl TransitionMlp {
    /// Walks every parameter under its reference name below `prefix` (e.g.
    /// `transition_model.model.`), in the reference's registration order.
    pub fn visit_params(&mut self, v: &mut impl ParamVisitor, prefix: &str) {
        visit_linear(v, &mut self.time_mlp_1, &format!("{prefix}time_mlp.1"));
        visit_linear(v, &mut self.time_mlp_3, &format!("{prefix}time_mlp.3"));
        if let Some((a, b)) = self.cond_mlp.as_mut() {
            visit_linear(v, a, &format!("{prefix}external_cond_mlp.0"));
            visit_linear(v, b, &format!("{prefix}external_cond_mlp.2"));
        }
        let single = self.num_mlp_layers == 1;
        for (i, b) in self.before.iter_mut().enumerate() {
            let name = if single {
                format!("{prefix}mlp_before_gru")
            } else {
                format!("{prefix}mlp_before_gru.{i}")
            };
            b.visit_params(v, &name);
        }
        if let Some(l) = self.before_out.as_mut() {
            let i = self.before.len();
            visit_linear(v, l, &format!("{prefix}mlp_before_gru.{i}"));
        }
        for (i, b) in self.after.iter_mut().enumerate() {
            b.visit_params(v, &format!("{prefix}mlp_after_gru.{i}"));
        }
        if let Some(l) = self.after_out.as_mut() {
            let name = if single {
                format!("{prefix}mlp_after_gru")
            } else {
                format!("{prefix}mlp_after_gru.{}", self.after.len())
            };
            visit_linear(v, l, &name);
        }
        for (i, g) in self.gru_stack.iter_mut().enumerate() {
            g.visit_params(v, &format!("{prefix}gru_stack.{i}"));
        }
    }

    /// The level embedding `time_mlp(k)`: `k (B,)` integer levels → `(B, ns)`.
    fn time_embedding(&self, k: Tensor<1, Int>) -> Tensor<2> {
        let device = k.device();
        let [b] = k.dims();
        let half = self.network_size / 2;
        let emb = sinusoidal(
            k.reshape([b, 1]),
            &frequencies(half, (half - 1) as f64),
            false,
            &device,
        )
        .reshape([b, self.network_size]);
        self.time_mlp_3.forward(gelu(self.time_mlp_1.forward(emb)))
    }

    /// `x (B, x_dim)` noisy token, `k (B,)` its levels, `z (B, z_dim)` previous latent,
    /// `cond (B, E)` → the new latent `(B, z_dim)`.
    ///
    /// A network built with a condition but called without one feeds zeros of the embedding
    /// width (the reference's fallback has the wrong width; spec §7.11).
    pub fn forward(
        &self,
        x: Tensor<2>,
        k: Tensor<1, Int>,
        z: Tensor<2>,
        cond: Option<Tensor<2>>,
    ) -> Tensor<2> {
        let mut parts = vec![z.clone(), x];
        parts.push(self.time_embedding(k));
        if let Some((c0, c2)) = &self.cond_mlp {
            let emb = match cond {
                Some(c) => c2.forward(gelu(c0.forward(c))),
                None => {
                    let [b, _] = z.dims();
                    Tensor::zeros([b, self.network_size], &z.device())
                }
            };
            parts.push(emb);
        }
        let mut h = Tensor::cat(parts, 1);
        for b in &self.before {
            h = b.forward(h);
        }
        if let Some(l) = &self.before_out {
            h = l.forward(h);
        }
        if !self.gru_stack.is_empty() {
            let g = self.gru_stack.len();
            let chunks = z.chunk(g, 1);
            let mut outs = Vec::with_capacity(g);
            for (cell, zc) in self.gru_stack.iter().zip(chunks) {
                h = cell.forward(h, zc);
                outs.push(h.clone());
            }
            h = Tensor::cat(outs, 1);
        }
        for b in &self.after {
            h = b.forward(h);
        }
        if let Some(l) = &self.after_out {
            h = l.forward(h);
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The branch's time-series model (`df_prediction`: z 1024, ns 64, 1 MLP layer, 4 GRU
    /// cells) for each paper dataset's series count D: parameter counts measured on the
    /// reference's own modules (spec `reference-paper-branch.md` §1.9), which include the
    /// observation head `x_from_z` (z·D + D) and the untrained `embed` (D).
    #[test]
    fn parameter_counts_match_the_branch_for_every_paper_dataset() {
        for (d, expected) in [
            (8, 6_531_216),
            (137, 6_927_762),
            (370, 7_644_004),
            (963, 9_466_886),
            (1214, 10_238_460),
            (2000, 12_654_624),
        ] {
            let c = TransitionMlpConfig {
                z_dim: 1024,
                x_dim: d,
                external_cond_dim: 0,
                network_size: 64,
                num_gru_layers: 4,
                num_mlp_layers: 1,
            };
            assert_eq!(c.num_params() + 1024 * d + d + d, expected, "D = {d}");
        }
    }

    #[test]
    fn sizes_the_reference_cannot_build_are_refused_by_key() {
        let base = TransitionMlpConfig {
            z_dim: 30,
            x_dim: 4,
            external_cond_dim: 0,
            network_size: 8,
            num_gru_layers: 4,
            num_mlp_layers: 1,
        };
        let device = Device::default();
        let err = base.init(&device).unwrap_err().to_string();
        assert!(err.contains("num_gru_layers"), "{err}");
        let none = TransitionMlpConfig {
            num_gru_layers: 0,
            num_mlp_layers: 0,
            z_dim: 32,
            ..base
        };
        let err = none.init(&device).unwrap_err().to_string();
        assert!(err.contains("num_mlp_layers"), "{err}");
    }
}
