//! Handwritten backward passes of the fused operations on `Autodiff<Flex>`.
//!
//! Each forward runs the Flex kernel once and records one graph node whose state holds what
//! its backward needs (inputs, or the kernel's saved statistics and probabilities), so the
//! backward is one kernel call too instead of a chain of small ops.

use burn::backend::autodiff::NodeId;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Flex};

use crate::cpu::{attention, conv, group_norm, layer_norm, linear};
use crate::extension::{
    KernelOps, attention_shape, contiguous, conv_shape, dims, tensor, values, with_last,
};

/// Registers `grad` for a parent that requires it.
fn register(grads: &mut Gradients, parent: Option<NodeId>, grad: impl FnOnce() -> FlexTensor) {
    if let Some(id) = parent {
        grads.register::<Flex>(id, grad());
    }
}

#[derive(Debug)]
struct LinearBackward;

#[derive(Debug, Clone)]
struct LinearState {
    x: FlexTensor,
    weight: FlexTensor,
    /// The output, kept only with ReLU (its sign gates the gradient).
    output: Option<FlexTensor>,
}

impl Backward<Flex, 3> for LinearBackward {
    type State = LinearState;

    fn backward(self, ops: Ops<LinearState, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [px, pw, pb] = ops.parents.map(|p| p.map(|node| node.id));
        let grad = contiguous(grads.consume::<Flex>(&ops.node));
        let LinearState { x, weight, output } = ops.state;
        let xd = dims(&x);
        let wd = dims(&weight);
        let (k, n) = (wd[0], wd[1]);
        let m = values(&x).len() / k.max(1);
        let g = linear::backward(
            values(&grad),
            values(&x),
            values(&weight),
            output.as_ref().map(values),
            m,
            k,
            n,
            linear::Wanted {
                x: px.is_some(),
                weight: pw.is_some(),
                bias: pb.is_some(),
            },
        );
        let (gx, gw, gb) = (g.x, g.weight, g.bias);
        register(grads, px, || {
            tensor(gx.unwrap_or_default(), with_last(&xd, k))
        });
        register(grads, pw, || tensor(gw.unwrap_or_default(), vec![k, n]));
        register(grads, pb, || tensor(gb.unwrap_or_default(), vec![n]));
    }
}

#[derive(Debug)]
struct AttentionBackward;

#[derive(Debug, Clone)]
struct AttentionState {
    qkv: FlexTensor,
    probs: FlexTensor,
    heads: usize,
    causal: bool,
}

impl Backward<Flex, 1> for AttentionBackward {
    type State = AttentionState;

    fn backward(self, ops: Ops<AttentionState, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [parent] = ops.parents.map(|p| p.map(|node| node.id));
        let grad = contiguous(grads.consume::<Flex>(&ops.node));
        let st = ops.state;
        let d = dims(&st.qkv);
        let shape = attention_shape(&d, st.heads, st.causal);
        register(grads, parent, || {
            let g = attention::backward(values(&grad), values(&st.qkv), values(&st.probs), shape);
            tensor(g, d)
        });
    }
}

#[derive(Debug)]
struct ConvBackward;

#[derive(Debug, Clone)]
struct ConvState {
    x: FlexTensor,
    weight: FlexTensor,
}

impl Backward<Flex, 3> for ConvBackward {
    type State = ConvState;

    fn backward(self, ops: Ops<ConvState, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [px, pw, pb] = ops.parents.map(|p| p.map(|node| node.id));
        let grad = contiguous(grads.consume::<Flex>(&ops.node));
        let ConvState { x, weight } = ops.state;
        let (xd, wd) = (dims(&x), dims(&weight));
        let shape = conv_shape(&xd, &wd);
        let g = conv::backward(
            values(&grad),
            values(&x),
            values(&weight),
            shape,
            px.is_some(),
        );
        let gx = g.x;
        register(grads, px, || tensor(gx.unwrap_or_default(), xd));
        register(grads, pw, || tensor(g.weight, wd));
        register(grads, pb, || tensor(g.bias, vec![shape.out_channels]));
    }
}

#[derive(Debug)]
struct LayerNormBackward;

#[derive(Debug, Clone)]
struct LayerNormState {
    normalized: FlexTensor,
    rstd: FlexTensor,
    gamma: FlexTensor,
}

impl Backward<Flex, 4> for LayerNormBackward {
    type State = LayerNormState;

    fn backward(self, ops: Ops<LayerNormState, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [pa, pb, pg, pbeta] = ops.parents.map(|p| p.map(|node| node.id));
        let grad = contiguous(grads.consume::<Flex>(&ops.node));
        let st = ops.state;
        let d = dims(&st.normalized);
        let s = d.last().copied().unwrap_or(1);
        let g = layer_norm::backward(
            values(&grad),
            values(&st.normalized),
            values(&st.rstd),
            values(&st.gamma),
            s,
        );
        let input = tensor(g.input, d);
        register(grads, pa, || input.clone());
        register(grads, pb, || input);
        register(grads, pg, || tensor(g.gamma, vec![s]));
        register(grads, pbeta, || tensor(g.beta, vec![s]));
    }
}

#[derive(Debug)]
struct GroupNormBackward;

#[derive(Debug, Clone)]
struct GroupNormState {
    x: FlexTensor,
    gamma: FlexTensor,
    beta: FlexTensor,
    film: FlexTensor,
    /// `(mean, 1/σ)` per statistics unit, `[units, 2]`.
    stats: FlexTensor,
    shape: group_norm::GroupNormShape,
}

impl Backward<Flex, 4> for GroupNormBackward {
    type State = GroupNormState;

    fn backward(self, ops: Ops<GroupNormState, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [px, pg, pb, pf] = ops.parents.map(|p| p.map(|node| node.id));
        let grad = contiguous(grads.consume::<Flex>(&ops.node));
        let st = ops.state;
        let g = group_norm::backward_silu(
            values(&grad),
            values(&st.x),
            values(&st.gamma),
            values(&st.beta),
            Some(values(&st.film)),
            values(&st.stats),
            st.shape,
        );
        let (c, film_dims) = (st.shape.channels, dims(&st.film));
        register(grads, px, || tensor(g.x, dims(&st.x)));
        register(grads, pg, || tensor(g.gamma, vec![c]));
        register(grads, pb, || tensor(g.beta, vec![c]));
        register(grads, pf, || tensor(g.film.unwrap_or_default(), film_dims));
    }
}

impl<C: CheckpointStrategy> KernelOps for Autodiff<Flex, C> {
    fn fused_linear(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        relu: bool,
    ) -> FloatTensor<Self> {
        let nodes = [x.node(), weight.node(), bias.node()];
        let (x, weight) = (
            contiguous(x.into_primitive()),
            contiguous(weight.into_primitive()),
        );
        let out = Flex::fused_linear(x.clone(), weight.clone(), bias.into_primitive(), relu);
        match LinearBackward
            .prepare::<C>(nodes)
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let state = LinearState {
                    x,
                    weight,
                    output: relu.then(|| out.clone()),
                };
                prep.finish(state, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }

    fn packed_attention(qkv: FloatTensor<Self>, heads: usize, causal: bool) -> FloatTensor<Self> {
        let nodes = [qkv.node()];
        let qkv = contiguous(qkv.into_primitive());
        let d = dims(&qkv);
        let shape = attention_shape(&d, heads, causal);
        let fwd = attention::forward(values(&qkv), shape);
        let out = tensor(fwd.output, vec![d[0], d[1], shape.width]);
        match AttentionBackward
            .prepare::<C>(nodes)
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let n = shape.tokens;
                let probs = tensor(fwd.probs, vec![shape.batch * heads, n, n]);
                let state = AttentionState {
                    qkv,
                    probs,
                    heads,
                    causal,
                };
                prep.finish(state, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }

    fn conv2d_same(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let nodes = [x.node(), weight.node(), bias.node()];
        let (x, weight) = (
            contiguous(x.into_primitive()),
            contiguous(weight.into_primitive()),
        );
        let out = Flex::conv2d_same(x.clone(), weight.clone(), bias.into_primitive());
        match ConvBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish(ConvState { x, weight }, out),
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }

    fn residual_layer_norm(
        a: FloatTensor<Self>,
        b: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        eps: f64,
    ) -> FloatTensor<Self> {
        let nodes = [a.node(), b.node(), gamma.node(), beta.node()];
        let (a, b) = (
            contiguous(a.into_primitive()),
            contiguous(b.into_primitive()),
        );
        let gamma = contiguous(gamma.into_primitive());
        let beta = contiguous(beta.into_primitive());
        let d = dims(&a);
        let s = d.last().copied().unwrap_or(1);
        let fwd = layer_norm::forward(
            values(&a),
            Some(values(&b)),
            values(&gamma),
            values(&beta),
            s,
            eps as f32,
        );
        let out = tensor(fwd.output, d.clone());
        match LayerNormBackward
            .prepare::<C>(nodes)
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let m = fwd.rstd.len();
                let state = LayerNormState {
                    normalized: tensor(fwd.normalized, d),
                    rstd: tensor(fwd.rstd, vec![m]),
                    gamma,
                };
                prep.finish(state, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }

    fn group_norm_silu(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        film: FloatTensor<Self>,
        shape: group_norm::GroupNormShape,
        eps: f64,
    ) -> FloatTensor<Self> {
        let nodes = [x.node(), gamma.node(), beta.node(), film.node()];
        let x = contiguous(x.into_primitive());
        let (gamma, beta) = (
            contiguous(gamma.into_primitive()),
            contiguous(beta.into_primitive()),
        );
        let film = contiguous(film.into_primitive());
        let fwd = group_norm::forward_silu(
            values(&x),
            values(&gamma),
            values(&beta),
            Some(values(&film)),
            shape,
            eps as f32,
        );
        let out = tensor(fwd.output, dims(&x));
        match GroupNormBackward
            .prepare::<C>(nodes)
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let units = fwd.stats.len() / 2;
                let state = GroupNormState {
                    x,
                    gamma,
                    beta,
                    film,
                    stats: tensor(fwd.stats, vec![units, 2]),
                    shape,
                };
                prep.finish(state, out)
            }
            OpsKind::UnTracked(prep) => prep.finish(out),
        }
    }
}
