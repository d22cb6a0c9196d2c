//! Keys and values of a frozen prefix of tokens, kept across network calls (context caching).
//!
//! In a truly causal network — causal attention over tokens and no statistic pooled across
//! tokens (the planning Transformer with `causal`, the Unet3D with causal temporal attention and
//! [`FrameNorm::PerFrame`](crate::FrameNorm)) — token `i`'s activations at every layer depend only on
//! tokens `0..=i`. While a sampler denoises a chunk behind `p` clean context tokens, those `p`
//! tokens are fed unchanged at every step, so their keys and values in every attention layer are
//! the same each time. A [`KvCache`] records them once (a *record* pass over the prefix alone)
//! and hands them to every later call over the remaining tokens (*extend* passes), which then
//! attend to `cached ‖ own` keys. Diffusion Forcing's own advantage over the reference, which
//! runs the whole window at every step (issue "Performance", item 3).

use std::cell::{Cell, RefCell};

use burn::tensor::Tensor;

/// Whether a pass writes the prefix's keys/values or reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvMode {
    /// The pass runs over the frozen prefix and stores each attention layer's `(k, v)`.
    Record,
    /// The pass runs over the tokens after the prefix and prepends the stored `(k, v)`.
    Extend,
}

/// Per-attention-layer keys and values of the frozen prefix, in the order a forward pass visits
/// its causal attentions. Each entry is `(k, v)` of shape `(N, heads, p, d_head)` with the
/// positional rotation (rotary) already applied to `k`.
#[derive(Debug, Clone)]
pub struct KvCache {
    mode: Cell<KvMode>,
    /// Tokens in the cached prefix (p).
    prefix: usize,
    layers: RefCell<Vec<(Tensor<4>, Tensor<4>)>>,
    cursor: Cell<usize>,
}

impl KvCache {
    /// An empty cache for a prefix of `prefix` tokens, ready for the record pass.
    pub fn recording(prefix: usize) -> Self {
        Self {
            mode: Cell::new(KvMode::Record),
            prefix,
            layers: RefCell::new(Vec::new()),
            cursor: Cell::new(0),
        }
    }

    /// Tokens in the cached prefix.
    pub fn prefix(&self) -> usize {
        self.prefix
    }

    /// The current mode.
    pub fn mode(&self) -> KvMode {
        self.mode.get()
    }

    /// Ends the record pass: later passes extend. Also rewinds the layer cursor.
    pub fn finish_recording(&self) {
        self.mode.set(KvMode::Extend);
        self.cursor.set(0);
    }

    /// Rewinds the layer cursor before an extend pass.
    pub fn rewind(&self) {
        self.cursor.set(0);
    }

    /// Called by each causal attention layer with its own `k`, `v` `(N, heads, n, d)`: in a
    /// record pass stores them and returns them as they are; in an extend pass returns
    /// `(cached ‖ k, cached ‖ v)` along the token axis, `(N, heads, p + n, d)`.
    ///
    /// # Panics
    /// If an extend pass visits more attention layers than the record pass stored (a network
    /// bug, never user input).
    pub fn attend(&self, k: Tensor<4>, v: Tensor<4>) -> (Tensor<4>, Tensor<4>) {
        match self.mode.get() {
            KvMode::Record => {
                self.layers.borrow_mut().push((k.clone(), v.clone()));
                (k, v)
            }
            KvMode::Extend => {
                let i = self.cursor.get();
                self.cursor.set(i + 1);
                let layers = self.layers.borrow();
                let (ck, cv) = layers
                    .get(i)
                    // A network bug, not an input: the recording and the extending pass run the
                    // same network, so they visit the same attention layers in the same order.
                    .unwrap_or_else(|| panic!("KvCache: attention layer {i} was never recorded"))
                    .clone();
                (Tensor::cat(vec![ck, k], 2), Tensor::cat(vec![cv, v], 2))
            }
        }
    }

    /// Position of the first token of the current pass: 0 when recording, `p` when extending.
    pub fn offset(&self) -> usize {
        match self.mode.get() {
            KvMode::Record => 0,
            KvMode::Extend => self.prefix,
        }
    }
}
