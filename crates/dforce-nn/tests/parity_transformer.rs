//! Parity of the planning Transformer and of every diffusion step through it, driven by the
//! manifest: every fixture whose tokens are vectors (`x_shape` of rank 1) is a Transformer.

mod common;

use dforce_fixtures::{TensorFile, read_json, reference_dir};
use dforce_nn::{StateDict, TransformerConfig, WeightLoader};

#[test]
fn parity_transformer_fixtures() {
    let dir = reference_dir().unwrap_or_else(|e| panic!("{e}"));
    let manifest = read_json(&dir, "manifest.json").unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (name, entry) in manifest["files"].as_object().unwrap() {
        let Some(x_shape) = entry.get("x_shape").and_then(|s| s.as_array()) else {
            continue;
        };
        if x_shape.len() != 1 {
            continue;
        }
        let arch = &entry["diffusion"]["architecture"];
        let n = |k: &str| {
            arch[k]
                .as_u64()
                .unwrap_or_else(|| panic!("{name}: architecture.{k}")) as usize
        };
        let config = TransformerConfig {
            x_dim: x_shape[0].as_u64().unwrap() as usize,
            external_cond_dim: 0,
            size: n("network_size"),
            num_layers: n("num_layers"),
            nhead: n("attn_heads"),
            dim_feedforward: n("dim_feedforward"),
            causal: entry["is_causal"].as_bool().unwrap(),
        };
        let dev = common::device();
        let mut model = config.init(&dev).unwrap();
        let sd = StateDict::load(&dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
        let mut loader = WeightLoader::new(&sd, &dev);
        model.load(&mut loader, "model.");
        loader.finish("model.").unwrap_or_else(|e| panic!("{e}"));
        let file = TensorFile::open(&dir, name).unwrap();
        failures.extend(common::check_network_fixture(&file, entry, &model));
        checked += 1;
    }
    assert!(checked >= 1, "the manifest lists no Transformer fixture");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
