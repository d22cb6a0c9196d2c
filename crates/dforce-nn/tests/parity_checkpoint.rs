//! Genuine Lightning checkpoints (torch zip + pickle) written by the reference's trainer:
//! strict loading under the reference's prefixes, the 14 diffusion buffers against our
//! recomputation, and the network output on the recorded input.

mod common;

use dforce_core::{BUFFER_NAMES, BetaSchedule, Denoiser, DiffusionBuffers};
use dforce_fixtures::{TensorFile, Tolerance, read_json, reference_dir};
use dforce_nn::{CheckpointFormat, StateDict, StateDictCollector, TransformerConfig, WeightLoader};
use serde_json::Value;

/// The network fixtures' tolerance (manifest `tolerance` of the Unet3D/Transformer files).
const OUTPUT_TOLERANCE: Tolerance = Tolerance {
    rtol: 1e-4,
    atol: 1e-4,
};

/// Relative tolerance for the schedule buffers (f64 computation cast to f32 on both sides;
/// libm differences may flip one rounding).
const BUFFER_RTOL: f64 = 1e-6;

/// The checkpoint, its `checkpoints.json` entry and its recorded input/output.
fn open(name: &str) -> (StateDict, Value, TensorFile) {
    let dir = reference_dir().unwrap_or_else(|e| panic!("{e}"));
    let entry = read_json(&dir, "checkpoints.json").unwrap()[name].clone();
    assert!(entry.is_object(), "checkpoints.json has no entry {name}");
    let sd = StateDict::load(&dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sd.format, CheckpointFormat::Lightning, "{name}");
    assert_eq!(
        sd.global_step,
        entry["global_step"].as_i64(),
        "{name}: global_step"
    );
    // `x.ckpt` records its network input and output in `x.io.safetensors`.
    let io = format!("{}.io.safetensors", name.trim_end_matches(".ckpt"));
    let file = TensorFile::open(&dir, &io).unwrap();
    (sd, entry, file)
}

/// Saving the loaded network gives back exactly the official tensors under `prefix`: same
/// keys (rotary `freqs` copies included), same shapes, same values.
fn check_saved_matches(sd: &StateDict, prefix: &str, visit: impl FnOnce(&mut StateDictCollector)) {
    let mut saved = StateDictCollector::default();
    visit(&mut saved);
    let official: Vec<(&String, _)> = sd
        .tensors
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .collect();
    assert_eq!(
        saved.tensors.keys().collect::<Vec<_>>(),
        official.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        "saved keys differ from the checkpoint's"
    );
    for (k, t) in official {
        assert_eq!(&saved.tensors[k], t, "{k}");
    }
}

/// Every `diffusion_model.<buffer>` equals our recomputation from the run's config.
fn check_buffers(sd: &StateDict, diffusion: &Value) {
    let buffers = DiffusionBuffers::new(
        BetaSchedule::from_name(diffusion["beta_schedule"].as_str().unwrap()).unwrap(),
        diffusion["timesteps"].as_u64().unwrap() as usize,
        diffusion["snr_clip"].as_f64().unwrap(),
    )
    .unwrap();
    let tol = Tolerance {
        rtol: BUFFER_RTOL,
        atol: 0.0,
    };
    let failures: Vec<String> = BUFFER_NAMES
        .iter()
        .filter_map(|name| {
            let key = format!("diffusion_model.{name}");
            let Some(saved) = sd.tensors.get(&key) else {
                return Some(format!("{key} is missing"));
            };
            tol.check(&key, buffers.by_name(name).unwrap(), &saved.data)
                .err()
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The recorded network output, computed through the `Denoiser` interface.
fn check_output<const D: usize>(file: &TensorFile, model: &impl Denoiser<D>) {
    let dev = common::device();
    let x = common::tensor::<D>(&file.f32("input.x").unwrap(), &dev);
    let k = file.i64("input.k").unwrap();
    let k = burn::tensor::Tensor::from_data(
        burn::tensor::TensorData::new(k.data, [k.shape[0], k.shape[1]]),
        &dev,
    );
    let out = common::values(model.denoise(x, k, None).unwrap());
    OUTPUT_TOLERANCE
        .check(
            &format!("{} output.model", file.name()),
            &out,
            &file.f32("output.model").unwrap().data,
        )
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn parity_checkpoint_video() {
    let (sd, entry, file) = open("video_minecraft_tiny.ckpt");
    let config = &entry["config"];
    let model_config = common::unet3d::config(
        config["x_shape"].as_array().unwrap(),
        &config["diffusion"]["architecture"],
        entry["is_causal"].as_bool().unwrap(),
    );
    let dev = common::device();
    let mut model = model_config.init(&dev).unwrap();
    let prefix = "diffusion_model.model.module.";
    let mut loader = WeightLoader::new(&sd, &dev);
    model.load(&mut loader, prefix);
    loader.finish(prefix).unwrap_or_else(|e| panic!("{e}"));
    // Everything outside the network is the normalisation and the 14 buffers.
    let outside: Vec<&String> = sd
        .tensors
        .keys()
        .filter(|k| !k.starts_with(prefix))
        .collect();
    assert_eq!(outside.len(), 2 + BUFFER_NAMES.len(), "{outside:?}");
    for key in ["data_mean", "data_std"] {
        let t = &sd.tensors[key];
        assert_eq!(t.data, [config[key].as_f64().unwrap() as f32], "{key}");
    }
    check_buffers(&sd, &config["diffusion"]);
    check_output::<5>(&file, &model);
    check_saved_matches(&sd, prefix, |c| model.visit_params(c, prefix));
}

#[test]
fn parity_checkpoint_planning() {
    let (sd, entry, file) = open("planning_maze2d_medium_x.ckpt");
    let config = &entry["config"];
    let arch = &config["diffusion"]["architecture"];
    let n = |k: &str| arch[k].as_u64().unwrap() as usize;
    let model_config = TransformerConfig {
        x_dim: entry["x_stacked_dim"].as_u64().unwrap() as usize,
        external_cond_dim: config["external_cond_dim"].as_u64().unwrap() as usize,
        size: n("network_size"),
        num_layers: n("num_layers"),
        nhead: n("attn_heads"),
        dim_feedforward: n("dim_feedforward"),
        causal: entry["is_causal"].as_bool().unwrap(),
    };
    let dev = common::device();
    let mut model = model_config.init(&dev).unwrap();
    let prefix = "diffusion_model.model.";
    let mut loader = WeightLoader::new(&sd, &dev);
    model.load(&mut loader, prefix);
    loader.finish(prefix).unwrap_or_else(|e| panic!("{e}"));
    let outside: Vec<&String> = sd
        .tensors
        .keys()
        .filter(|k| !k.starts_with(prefix))
        .collect();
    assert_eq!(outside.len(), 2 + BUFFER_NAMES.len(), "{outside:?}");
    for key in ["data_mean", "data_std"] {
        let expected: Vec<f32> = config[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        assert_eq!(sd.tensors[key].data, expected, "{key}");
    }
    check_buffers(&sd, &config["diffusion"]);
    check_output::<3>(&file, &model);
    check_saved_matches(&sd, prefix, |c| model.visit_params(c, prefix));
}
