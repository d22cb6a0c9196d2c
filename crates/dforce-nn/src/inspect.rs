//! Recognising what a checkpoint holds from its tensor names and shapes.

use std::collections::BTreeMap;

use crate::state_dict::{HostTensor, StateDict};

/// The network family a state dict fits, with what its shapes reveal about the config.
#[derive(Debug, Clone, PartialEq)]
pub enum NetworkKind {
    /// The planning Transformer (`df_planning`).
    Transformer {
        x_dim: usize,
        size: usize,
        num_layers: usize,
        dim_feedforward: usize,
        cond_dim: usize,
        /// Per-frame size from the checkpoint's `data_mean` (obs + action [+ reward]), if stored.
        per_frame: Option<usize>,
    },
    /// The video Unet3D (`df_video`).
    Unet3d {
        dim: usize,
        channels: usize,
        levels: usize,
        attn_dim_head: Option<usize>,
        rotary: bool,
    },
    Unknown,
}

/// A summary of a checkpoint for `dforce ckpt inspect`.
#[derive(Debug, Clone)]
pub struct CheckpointSummary {
    pub network: NetworkKind,
    /// Where the network's keys start (`diffusion_model.model.`, `model.module.`, …).
    pub prefix: String,
    pub tensor_count: usize,
    /// Parameters of the network, counting the shared rotary `freqs` (not trainable) zero times.
    pub network_params: usize,
    /// Everything else: normalisation stats and the 14 diffusion buffers.
    pub other_tensors: BTreeMap<String, Vec<usize>>,
}

fn shape<'a>(t: &'a BTreeMap<String, HostTensor>, key: &str) -> Option<&'a [usize]> {
    t.get(key).map(|h| h.shape.as_slice())
}

impl CheckpointSummary {
    pub fn of(sd: &StateDict) -> Self {
        let t = &sd.tensors;
        let find_prefix = |marker: &str| {
            t.keys()
                .find_map(|k| k.find(marker).map(|i| k[..i].to_string()))
        };
        let (network, prefix) =
            if let Some(p) = find_prefix("transformer.layers.0.self_attn.in_proj_weight") {
                let layers = t
                    .keys()
                    .filter(|k| {
                        k.starts_with(&format!("{p}transformer.layers."))
                            && k.ends_with(".norm1.weight")
                    })
                    .count();
                let w0 = shape(t, &format!("{p}init_mlp.0.weight")).unwrap_or(&[0, 0]);
                let out = shape(t, &format!("{p}out.weight")).unwrap_or(&[0, 0]);
                let ff = shape(t, &format!("{p}transformer.layers.0.linear1.weight"))
                    .and_then(|s| s.first().copied())
                    .unwrap_or(0);
                let (size, x_dim) = (
                    out.get(1).copied().unwrap_or(0),
                    out.first().copied().unwrap_or(0),
                );
                let cond_dim = w0
                    .get(1)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(x_dim + size / 2);
                let per_frame = shape(t, "data_mean")
                    .and_then(|s| s.first().copied())
                    .filter(|&c| c > 0 && x_dim % c == 0);
                (
                    NetworkKind::Transformer {
                        x_dim,
                        size,
                        num_layers: layers,
                        dim_feedforward: ff,
                        cond_dim,
                        per_frame,
                    },
                    p,
                )
            } else if let Some(p) = find_prefix("init_conv.weight") {
                let init = shape(t, &format!("{p}init_conv.weight")).unwrap_or(&[0, 0]);
                let levels = t
                    .keys()
                    .filter(|k| {
                        k.starts_with(&format!("{p}down_blocks."))
                            && k.ends_with(".0.0.in_layers.0.weight")
                    })
                    .count();
                let freqs = shape(t, &format!("{p}rotary_time_pos_embedding.freqs"));
                (
                    NetworkKind::Unet3d {
                        dim: init.first().copied().unwrap_or(0),
                        channels: init.get(1).copied().unwrap_or(0),
                        levels,
                        // Saturating: the shape is read from the checkpoint.
                        attn_dim_head: freqs.and_then(|s| s.first()).map(|d| d.saturating_mul(2)),
                        rotary: freqs.is_some(),
                    },
                    p,
                )
            } else {
                (NetworkKind::Unknown, String::new())
            };
        let network_params = t
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix) && !prefix.is_empty() && !k.ends_with(".freqs"))
            .map(|(_, v)| v.numel())
            .sum();
        let other_tensors = t
            .iter()
            .filter(|(k, _)| prefix.is_empty() || !k.starts_with(&prefix))
            .map(|(k, v)| (k.clone(), v.shape.clone()))
            .collect();
        Self {
            network,
            prefix,
            tensor_count: t.len() + sd.non_float.len(),
            network_params,
            other_tensors,
        }
    }

    /// The reference algorithm this network belongs to.
    pub fn algorithm(&self) -> &'static str {
        match self.network {
            NetworkKind::Transformer { .. } => "df_planning",
            NetworkKind::Unet3d { .. } => "df_video",
            NetworkKind::Unknown => "unknown",
        }
    }
}

/// What to do about a checkpoint that does not fit the network built from the config: the
/// architecture its weights imply (what `dforce ckpt inspect` prints) as config overrides,
/// with the algorithm it belongs to (`algorithm: df_video`, as `dforce ckpt inspect` prints),
/// and the wrapper prefix to strip when the tensor names carry one (`_orig_mod.` from
/// `torch.compile` anywhere in a name; `module.` from `DistributedDataParallel` only when it
/// starts most names, since the Unet3D's own names contain `.module.`). Empty when there is
/// nothing to suggest. Each hint is a line starting with `\n  hint: `.
pub fn mismatch_hint(sd: &StateDict, path: &std::path::Path) -> String {
    let summary = CheckpointSummary::of(sd);
    let mut hints = Vec::new();
    match &summary.network {
        NetworkKind::Transformer {
            size,
            num_layers,
            dim_feedforward,
            ..
        } => hints.push(format!(
            "the weights are a planning Transformer (algorithm: df_planning) with algorithm.diffusion.architecture.network_size={size} \
             algorithm.diffusion.architecture.num_layers={num_layers} \
             algorithm.diffusion.architecture.dim_feedforward={dim_feedforward}; if the config differs, \
             pass these overrides (and the dataset the weights were trained on: `dforce ckpt inspect {}` \
             shows it all); if it matches, the problem is in the tensors listed above",
            path.display()
        )),
        NetworkKind::Unet3d {
            dim,
            levels,
            attn_dim_head,
            ..
        } => hints.push(format!(
            "the weights are a video Unet3D (algorithm: df_video) with algorithm.diffusion.architecture.network_size={dim} \
             and {levels} levels (len(algorithm.diffusion.architecture.dim_mults)){}; if the config \
             differs, pass matching overrides (`dforce ckpt inspect {}` shows them all); if it matches, \
             the problem is in the tensors listed above",
            attn_dim_head
                .map(|d| format!(" and algorithm.diffusion.architecture.attn_dim_head={d}"))
                .unwrap_or_default(),
            path.display()
        )),
        NetworkKind::Unknown => hints.push(format!(
            "the tensor names fit neither the planning Transformer nor the video Unet3D: is {} a Diffusion Forcing checkpoint? (`dforce ckpt inspect` lists its tensors)",
            path.display()
        )),
    }
    // torch.compile inserts `_orig_mod.` wherever a compiled module sits (at the start, or after
    // the attribute holding a compiled submodule); no network names a parameter so.
    let compiled = sd
        .tensors
        .keys()
        .any(|k| k.starts_with("_orig_mod.") || k.contains("._orig_mod."));
    if compiled {
        hints.push(
            "the tensor names contain '_orig_mod.' (added by torch.compile): strip it from every \
             name, e.g. in Python `sd = {k.replace('_orig_mod.', ''): v for k, v in sd.items()}`, \
             and save the checkpoint again"
                .to_string(),
        );
    }
    // DistributedDataParallel puts `module.` in front of every name of the module it wraps. A
    // `.module.` inside a name is the network's own (the reference's Unet3D parameters live
    // under `diffusion_model.model.module.`), so only a prefix on most names is DDP's.
    let names = sd.tensors.len();
    let ddp = sd
        .tensors
        .keys()
        .filter(|k| k.starts_with("module."))
        .count();
    if names > 0 && 2 * ddp > names {
        hints.push(format!(
            "{ddp} of the {names} tensor names start with 'module.' (added by \
             DistributedDataParallel): strip it from the start of each name, e.g. in Python \
             `sd = {{k.removeprefix('module.'): v for k, v in sd.items()}}`, and save the \
             checkpoint again"
        ));
    }
    if let Some(outer) = nesting_prefix(sd) {
        hints.push(format!(
            "every tensor name starts with '{outer}' before the model's own 'diffusion_model.': the \
             weights were saved nested (e.g. torch.save({{'{key}': state_dict}})); save the inner \
             dict instead, e.g. in Python `torch.save({{'state_dict': ckpt['{key}']}}, path)`",
            key = outer.trim_end_matches('.')
        ));
    }
    hints.iter().map(|h| format!("\n  hint: {h}")).collect()
}

/// The prefix (e.g. `model.`) in front of `diffusion_model.` on every weight name, when no name
/// starts with `diffusion_model.` itself: a state dict saved one level down.
fn nesting_prefix(sd: &StateDict) -> Option<String> {
    const OWN: &str = "diffusion_model.";
    if sd.tensors.keys().any(|k| k.starts_with(OWN)) {
        return None;
    }
    let mut prefixes = sd
        .tensors
        .keys()
        .filter_map(|k| k.find(&format!(".{OWN}")).map(|i| &k[..=i]));
    let first = prefixes.next()?;
    prefixes.all(|p| p == first).then(|| first.to_string())
}
