//! Variants of the torch-saved zip checkpoint `tests/fixtures/torch_formats/state_dict.pt`,
//! written by `scripts/make_torch_zip_variant_fixtures.py`: a storage one element short is named
//! once in the error, and a checkpoint saved on a big-endian machine is refused with how to
//! re-save it.

use std::path::PathBuf;

use dforce_nn::error::NnError;
use dforce_nn::state_dict::StateDict;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

const SHORT: &str = "diffusion_model.model.transformer.layers.0.self_attn.in_proj_weight";

#[test]
fn a_short_storage_names_its_tensor_once() {
    let path = fixture("short_storage.pt");
    let err = StateDict::load(&path).unwrap_err();
    assert!(matches!(err, NnError::Read { .. }), "{err:?}");
    let message = err.to_string();
    assert_eq!(
        message,
        format!(
            "cannot read checkpoint {}: tensor '{SHORT}': Tensor with shape [96, 32] requires \
             3072 elements from storage '16', but only 3071 are available",
            path.display()
        )
    );
    assert_eq!(message.matches(SHORT).count(), 1, "{message}");
    // Nothing is chained below it to repeat the cause.
    assert!(std::error::Error::source(&err).is_none());
}

#[test]
fn a_big_endian_checkpoint_is_refused_with_how_to_re_save_it() {
    let path = fixture("big_endian.pt");
    let err = StateDict::load(&path).unwrap_err();
    assert!(matches!(err, NnError::Read { .. }), "{err:?}");
    let message = err.to_string();
    for part in [
        &format!("cannot read checkpoint {}: ", path.display()),
        "it was saved on a big-endian machine (its byteorder record says big; torch.load \
         (PyTorch >= 2.1) reads such a zip checkpoint on any machine), and dforce reads \
         little-endian checkpoints only; torch.save writes the byte order of the machine it runs \
         on, so re-save it on a little-endian one (x86-64, ARM64): ",
        "python -c \"import torch; torch.save(torch.load('in.ckpt', map_location='cpu', \
         weights_only=False), 'out.ckpt')\"",
    ] {
        assert!(message.contains(part), "{part:?} not in {message}");
    }
    // The reader's own refusal, which says nothing of what to do, is replaced.
    assert!(
        !message.contains("Big-endian PyTorch files are not supported"),
        "{message}"
    );
}
