//! Checkpoints that `torch.save` (or GNU tar) writes but that must not be read naively
//! (`scripts/make_forged_checkpoint_fixtures.py`; `expected.json` is what torch.load makes of
//! them): each is refused by name, at once and without allocating its logical size, or loaded
//! with the mismatch named.

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::Device;
use dforce_nn::{StateDict, WeightLoader};
use serde_json::Value as Json;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/torch_formats/forged")
}

fn torch_view(name: &str) -> Vec<Json> {
    let text = std::fs::read_to_string(dir().join("expected.json")).unwrap();
    let all: Json = serde_json::from_str(&text).unwrap();
    all[name].as_array().unwrap().clone()
}

fn refused(name: &str) -> String {
    let start = Instant::now();
    let err = StateDict::load(&dir().join(name))
        .map(|sd| sd.numel())
        .expect_err(name)
        .to_string();
    assert!(
        start.elapsed().as_secs() < 10,
        "{name} took {:?}",
        start.elapsed()
    );
    assert!(err.contains(name), "{err}");
    err
}

#[test]
fn stride_zero_views_are_refused_before_they_are_read() {
    // torch keeps each as a 4-byte storage viewed 2^28 times.
    let torch = torch_view("expand.ckpt");
    assert_eq!(torch.len(), 4);
    for t in &torch {
        assert_eq!(t["stride"][0], 0);
        assert_eq!(t["storage_bytes"], 4);
    }
    let err = refused("expand.ckpt");
    let largest = torch[0]["shape"][0].as_u64().unwrap() * 4;
    assert!(
        err.contains("stride-0 view") && err.contains(&format!("({largest} bytes)")),
        "{err}"
    );
}

#[test]
fn two_tensors_of_one_flattened_name_are_refused() {
    // torch keeps all four; joined with '.', two pairs share a name.
    let torch = torch_view("collide.ckpt");
    let names: Vec<String> = torch
        .iter()
        .map(|t| {
            let path: Vec<&str> = t["path"].as_array().unwrap()[1..]
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            path.join(".")
        })
        .collect();
    assert_eq!(names.len(), 4);
    let shared: Vec<&String> = names
        .iter()
        .filter(|n| names.iter().filter(|m| m == n).count() > 1)
        .collect();
    assert_eq!(shared.len(), 4, "{names:?}");
    let err = refused("collide.ckpt");
    assert!(
        shared.iter().any(|n| err.contains(&format!("named '{n}'"))),
        "{err}"
    );
}

#[test]
fn an_integer_tensor_under_a_weight_name_is_named_with_its_dtype() {
    let torch = torch_view("int_weight.pt");
    assert_eq!(torch[0]["dtype"], "torch.int64");
    let sd = StateDict::load(&dir().join("int_weight.pt")).unwrap();
    let device = Device::flex();
    let mut loader = WeightLoader::new(&sd, &device);
    assert!(loader.tensor::<1>("m.w", [4]).is_none());
    let err = loader.finish("m.").unwrap_err().to_string();
    assert!(
        err.contains("not float (1): m.w") && !err.contains("missing"),
        "{err}"
    );
}

#[test]
fn a_sparse_tar_member_is_refused_without_expanding_it() {
    let err = refused("sparse.tar");
    assert!(
        err.contains("'storages'") && err.contains("sparse"),
        "{err}"
    );
}

#[test]
fn devices_and_directories_are_not_read_as_checkpoints() {
    for path in ["/dev/zero", env!("CARGO_MANIFEST_DIR")] {
        let path = PathBuf::from(path);
        if !path.exists() {
            continue;
        }
        let err = StateDict::load(&path).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
        let err = StateDict::from_safetensors(&path).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }
}

#[test]
fn a_state_dict_saved_one_level_down_gets_a_hint_to_save_the_inner_dict() {
    let torch = torch_view("nested_model.pt");
    assert_eq!(torch[0]["path"][0], "model");
    let sd = StateDict::load(&dir().join("nested_model.pt")).unwrap();
    let hint = dforce_nn::mismatch_hint(&sd, &sd.path);
    assert!(
        hint.contains("starts with 'model.'") && hint.contains("ckpt['model']"),
        "{hint}"
    );
}
