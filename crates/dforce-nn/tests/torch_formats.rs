//! Every container `torch.save` writes loads as `torch.load` loads it: a genuine Lightning
//! checkpoint re-saved by torch in the legacy pickle stream, and its plain state dict in the zip
//! archive (pickle protocols 2 and 4) and the legacy stream. Files and expected values are
//! torch's (`scripts/make_torch_format_fixtures.py`).

use std::path::PathBuf;

use dforce_nn::state_dict::{CheckpointFormat, StateDict};
use serde_json::Value as Json;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/torch_formats")
}

fn check(name: &str, format: CheckpointFormat) -> StateDict {
    let want: Json =
        serde_json::from_str(&std::fs::read_to_string(dir().join("expected.json")).unwrap())
            .unwrap();
    let sd = StateDict::load(&dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(sd.format, format, "{name}");
    let tensors = want["tensors"].as_object().unwrap();
    assert_eq!(sd.tensors.len(), tensors.len(), "{name}");
    for (key, t) in tensors {
        let got = sd
            .tensors
            .get(key)
            .unwrap_or_else(|| panic!("{name}: no {key}"));
        let shape: Vec<usize> = t["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(got.shape, shape, "{name}: {key}");
        let head: Vec<f64> = t["head"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let got_head: Vec<f64> = got
            .data
            .iter()
            .take(head.len())
            .map(|&v| f64::from(v))
            .collect();
        assert_eq!(got_head, head, "{name}: {key}");
        let sum: f64 = got.data.iter().map(|&v| f64::from(v)).sum();
        let want_sum = t["sum"].as_f64().unwrap();
        assert!(
            (sum - want_sum).abs() <= 1e-9 * (1.0 + want_sum.abs()),
            "{name}: {key}: sum {sum} vs torch {want_sum}"
        );
    }
    sd
}

#[test]
fn lightning_checkpoint_in_the_legacy_stream() {
    let sd = check("lightning.legacy.ckpt", CheckpointFormat::Lightning);
    assert_eq!(sd.global_step, Some(3));
    assert_eq!(sd.epoch, Some(1));
}

#[test]
fn plain_state_dicts_in_zip_and_legacy_containers() {
    for name in [
        "state_dict.pt",
        "state_dict.protocol4.pt",
        "state_dict.legacy.pt",
    ] {
        let sd = check(name, CheckpointFormat::TorchStateDict);
        assert_eq!(sd.global_step, None, "{name}");
    }
}

#[test]
fn other_files_are_named_as_neither_format() {
    let tmp = std::env::temp_dir().join(format!("dforce-nn-{}-notes.txt", std::process::id()));
    std::fs::write(&tmp, b"these are not weights at all").unwrap();
    let err = StateDict::load(&tmp).unwrap_err().to_string();
    std::fs::remove_file(&tmp).ok();
    assert!(
        err.contains("neither a safetensors file nor a torch.save file"),
        "{err}"
    );
}
