//! Parity of the video Unet3D and of every diffusion step through it, driven by the
//! manifest: every fixture whose tokens are images (`x_shape` of rank 3) is a Unet3D.
//! Covers the network output, the training forward, DDIM steps and a guided step (which
//! backpropagates through the whole network), for rotary/causal and sinusoidal/non-causal.

mod common;

use dforce_fixtures::{TensorFile, read_json, reference_dir};
use dforce_nn::{StateDict, WeightLoader};

#[test]
fn parity_unet3d_fixtures() {
    let dir = reference_dir().unwrap_or_else(|e| panic!("{e}"));
    let manifest = read_json(&dir, "manifest.json").unwrap();
    let mut checked = Vec::new();
    let mut failures = Vec::new();
    for (name, entry) in manifest["files"].as_object().unwrap() {
        let Some(x_shape) = entry.get("x_shape").and_then(|s| s.as_array()) else {
            continue;
        };
        if x_shape.len() != 3 {
            continue;
        }
        let config = common::unet3d::config(
            x_shape,
            &entry["diffusion"]["architecture"],
            entry["is_causal"].as_bool().unwrap(),
        );
        let dev = common::device();
        let mut model = config.init(&dev).unwrap_or_else(|e| panic!("{name}: {e}"));
        let sd = StateDict::load(&dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
        let mut loader = WeightLoader::new(&sd, &dev);
        model.load(&mut loader, "model.module.");
        loader
            .finish("model.module.")
            .unwrap_or_else(|e| panic!("{e}"));
        let file = TensorFile::open(&dir, name).unwrap();
        failures.extend(common::check_network_fixture::<5, _>(&file, entry, &model));
        checked.push(name.clone());
    }
    assert!(
        checked.len() >= 2,
        "the manifest lists too few Unet3D fixtures: {checked:?}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
