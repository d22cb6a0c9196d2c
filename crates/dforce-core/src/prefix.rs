//! Context caching: telling a network that the first tokens of a window do not change.
//!
//! While a rollout denoises a chunk, the clean context tokens before it are fed with the same
//! values and levels at every step. A truly causal network (its token `i` depends on tokens
//! `0..=i` alone) can then compute the context's per-layer state once per chunk and run every
//! denoising step over the chunk's tokens only. The sampler says which prefix is frozen by
//! handing the network a [`FrozenPrefix`] (through [`WithFrozenPrefix`], itself a
//! [`Denoiser`], so `Diffusion::sample_step` is unchanged); the network keeps whatever it
//! wants in it. Networks that are not truly causal ignore it and run the whole window.
//! The reference has no such path: it re-runs the whole window at every step.

use std::any::Any;
use std::cell::RefCell;

use burn::tensor::{Int, Tensor};

use crate::diffusion::Denoiser;
use crate::error::DenoiseError;

/// The sampler's promise that, in every call made with this value, tokens `0..len` of the
/// window carry the same input values, levels and conditions. Holds the network's cached
/// state of those tokens between calls (opaque to the sampler).
#[derive(Default)]
pub struct FrozenPrefix {
    len: usize,
    state: RefCell<Option<Box<dyn Any>>>,
}

impl std::fmt::Debug for FrozenPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrozenPrefix")
            .field("len", &self.len)
            .field("cached", &self.state.borrow().is_some())
            .finish()
    }
}

impl FrozenPrefix {
    /// A promise about the first `len` tokens, with nothing cached yet.
    pub fn new(len: usize) -> Self {
        Self {
            len,
            state: RefCell::new(None),
        }
    }

    /// Tokens in the frozen prefix.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the prefix is empty (nothing to cache).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The network's cached state, computing it with `init` on the first call. `None` when
    /// a state of another type is stored (a different network used the same prefix).
    pub fn state_or_init<S: Any, R>(
        &self,
        init: impl FnOnce() -> S,
        use_state: impl FnOnce(&S) -> R,
    ) -> Option<R> {
        let mut slot = self.state.borrow_mut();
        if slot.is_none() {
            *slot = Some(Box::new(init()));
        }
        slot.as_ref()
            .and_then(|s| s.downcast_ref::<S>())
            .map(use_state)
    }
}

/// A [`Denoiser`] that forwards to `model` with the sampler's [`FrozenPrefix`].
pub struct WithFrozenPrefix<'a, M> {
    pub model: &'a M,
    pub prefix: &'a FrozenPrefix,
}

impl<const D: usize, M: Denoiser<D>> Denoiser<D> for WithFrozenPrefix<'_, M> {
    /// `model`'s [`Denoiser::denoise_with_prefix`] with the sampler's prefix; its errors.
    fn denoise(
        &self,
        x: Tensor<D>,
        levels: Tensor<2, Int>,
        cond: Option<Tensor<3>>,
    ) -> Result<Tensor<D>, DenoiseError> {
        self.model.denoise_with_prefix(x, levels, cond, self.prefix)
    }
}
