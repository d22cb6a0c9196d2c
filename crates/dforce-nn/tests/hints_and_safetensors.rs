//! What a checkpoint that does not fit is told (`mismatch_hint`), and which tensor of a
//! safetensors file with inconsistent offsets is named.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dforce_nn::state_dict::{CheckpointFormat, HostTensor, StateDict};

fn state_dict(names: &[&str]) -> StateDict {
    StateDict {
        path: PathBuf::from("x.safetensors"),
        format: CheckpointFormat::SafeTensors,
        tensors: names
            .iter()
            .map(|n| {
                (
                    (*n).to_string(),
                    HostTensor {
                        shape: vec![1],
                        data: vec![0.0],
                    },
                )
            })
            .collect(),
        global_step: None,
        epoch: None,
        non_float: BTreeMap::new(),
        metadata: BTreeMap::new(),
    }
}

/// The shipped df_video checkpoint: its Unet3D's own names contain `diffusion_model.model.module.`,
/// which is not DistributedDataParallel's prefix; the hint names the algorithm instead.
#[test]
fn a_video_checkpoint_is_named_df_video_without_a_ddp_hint() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../checkpoints/maze3d_video_small.safetensors");
    let sd = StateDict::load(&path).unwrap();
    assert!(sd.tensors.keys().any(|k| k.contains(".module.")));
    let hint = dforce_nn::mismatch_hint(&sd, &sd.path);
    assert!(
        hint.contains("the weights are a video Unet3D (algorithm: df_video)"),
        "{hint}"
    );
    assert!(!hint.contains("DistributedDataParallel"), "{hint}");
    assert!(!hint.contains("'module.'"), "{hint}");
}

/// `module.` at the start of most names is DDP's: the hint strips only that prefix
/// (`removeprefix`), never the network's own `.module.`.
#[test]
fn a_ddp_prefix_on_most_names_is_hinted_and_stripped_only_at_the_start() {
    let sd = state_dict(&[
        "module.diffusion_model.model.module.init_conv.weight",
        "module.diffusion_model.model.module.init_conv.bias",
        "data_mean",
    ]);
    let hint = dforce_nn::mismatch_hint(&sd, &sd.path);
    assert!(
        hint.contains(
            "2 of the 3 tensor names start with 'module.' (added by DistributedDataParallel)"
        ),
        "{hint}"
    );
    assert!(hint.contains("k.removeprefix('module.')"), "{hint}");
    // One stray name is not a wrapper.
    let sd = state_dict(&["module.x", "a.weight", "b.weight"]);
    assert!(!dforce_nn::mismatch_hint(&sd, &sd.path).contains("DistributedDataParallel"));
    // torch.compile's `_orig_mod.` is found anywhere in a name.
    let sd = state_dict(&["diffusion_model.model._orig_mod.init_conv.weight"]);
    let hint = dforce_nn::mismatch_hint(&sd, &sd.path);
    assert!(
        hint.contains("'_orig_mod.' (added by torch.compile)"),
        "{hint}"
    );
}

/// A safetensors file: 8-byte little-endian header length, the JSON header, the data.
fn safetensors_file(name: &str, header: &str, data_len: usize) -> PathBuf {
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend(std::iter::repeat_n(0u8, data_len));
    let path = std::env::temp_dir().join(format!("dforce-nn-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

fn read_error(name: &str, header: &str, data_len: usize) -> String {
    let path = safetensors_file(name, header, data_len);
    let err = StateDict::load(&path).unwrap_err().to_string();
    std::fs::remove_file(&path).ok();
    err
}

/// The library's "invalid shape, data type, or offset for tensor" names no tensor; the message
/// names it with its dtype, shape, offsets and the bytes they need (the format's rule:
/// `numel × dtype size == end − start`, tensors back to back, the last ending at the data's end).
#[test]
fn bad_safetensors_offsets_name_the_tensor_and_sizes() {
    let err = read_error(
        "span.safetensors",
        r#"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,100]}}"#,
        16,
    );
    assert!(
        err.ends_with(
            "tensor \"w\" (F32, shape [2, 2]) needs 16 bytes, but its data_offsets [0, 100] span \
             100 (the file's data section holds 16 bytes)"
        ),
        "{err}"
    );
    let err = read_error(
        "huge.safetensors",
        r#"{"w":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,16]}}"#,
        16,
    );
    assert!(
        err.contains("tensor \"w\" (F32, shape [1000000, 1000000]) needs 4000000000000 bytes"),
        "{err}"
    );
    let err = read_error(
        "gap.safetensors",
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[2],"data_offsets":[12,16]}}"#,
        16,
    );
    assert!(
        err.contains("tensor \"b\" (F16, shape [2]): data_offsets [12, 16] start at byte 12, but the tensors before it end at byte 8"),
        "{err}"
    );
}
