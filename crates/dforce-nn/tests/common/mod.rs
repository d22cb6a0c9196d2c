//! Shared runner for the network fixtures: one forward, the training forward, every sampling
//! step and the guided step, each compared at the manifest's tolerance.

// Each test binary compiles this module whole and uses a subset of it.
#![allow(dead_code)]

use burn::tensor::{Device, Int, Tensor, TensorData};
use dforce_core::{
    BetaSchedule, Denoiser, Diffusion, DiffusionConfig, LevelGrid, Objective, ReplayNoise,
    StepLevels,
};
use dforce_fixtures::{Array, TensorFile, Tolerance};
use serde_json::Value;

pub mod unet3d;

pub fn device() -> Device {
    Device::flex()
}

pub fn tensor<const D: usize>(a: &Array<f32>, device: &Device) -> Tensor<D> {
    let shape: [usize; D] = a.shape.clone().try_into().expect("fixture rank");
    Tensor::from_data(TensorData::new(a.data.clone(), shape), device)
}

pub fn grid(a: &Array<i64>) -> LevelGrid {
    LevelGrid::new(a.shape[0], a.shape[1], a.data.clone()).expect("level grid")
}

pub fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().expect("f32 data")
}

/// The `Diffusion` the fixture was made with (its manifest `diffusion` block).
pub fn diffusion(entry: &Value) -> Diffusion {
    let d = &entry["diffusion"];
    let name = |k: &str| d[k].as_str().unwrap_or_else(|| panic!("diffusion.{k}"));
    let num = |k: &str| d[k].as_f64().unwrap_or_else(|| panic!("diffusion.{k}"));
    Diffusion::new(DiffusionConfig {
        objective: Objective::from_name(name("objective")).unwrap(),
        beta_schedule: BetaSchedule::from_name(name("beta_schedule")).unwrap(),
        timesteps: num("timesteps") as usize,
        sampling_timesteps: num("sampling_timesteps") as usize,
        ddim_sampling_eta: num("ddim_sampling_eta"),
        stabilization_level: num("stabilization_level") as i64,
        clip_noise: num("clip_noise"),
        snr_clip: num("snr_clip"),
        fused_snr_decay: d["use_fused_snr"]
            .as_bool()
            .unwrap()
            .then(|| num("cum_snr_decay")),
    })
    .expect("fixture diffusion config")
}

/// Runs every check the fixture file holds; returns the failures (empty = parity).
pub fn check_network_fixture<const D: usize, M: Denoiser<D>>(
    file: &TensorFile,
    entry: &Value,
    model: &M,
) -> Vec<String> {
    let dev = device();
    let tol = Tolerance::from_manifest(entry).expect("fixture tolerance");
    let name = file.name().to_string();
    let mut failures = Vec::new();
    let mut check = |what: &str, actual: Vec<f32>, expected: &Array<f32>| {
        if let Err(e) = tol.check(&format!("{name} {what}"), &actual, &expected.data) {
            failures.push(e);
        }
    };
    let x = file.f32("input.x").unwrap();
    let k = file.i64("input.k").unwrap();
    let k_grid = grid(&k);
    let k_tensor: Tensor<2, Int> = Tensor::from_data(
        TensorData::new(k.data.clone(), [k.shape[0], k.shape[1]]),
        &dev,
    );
    check(
        "output.model",
        values(model.denoise(tensor(&x, &dev), k_tensor, None).unwrap()),
        &file.f32("output.model").unwrap(),
    );

    let diffusion = diffusion(entry);
    let (x_pred, loss) = diffusion
        .training_loss(
            model,
            tensor::<D>(&x, &dev),
            &k_grid,
            None,
            tensor(&file.f32("train.noise").unwrap(), &dev),
        )
        .expect("training forward");
    check(
        "train.x_pred",
        values(x_pred),
        &file.f32("train.x_pred").unwrap(),
    );
    check("train.loss", values(loss), &file.f32("train.loss").unwrap());

    for step in entry["steps"].as_array().expect("steps") {
        let i = step["index"].as_u64().unwrap();
        let draws = step["noise_draws"].as_u64().unwrap();
        let mut noise = ReplayNoise::new();
        for j in 0..draws {
            let a = file.f32(&format!("step{i}.noise{j}")).unwrap();
            noise.push(a.shape.clone(), a.data);
        }
        let out = diffusion
            .sample_step(
                model,
                tensor::<D>(&file.f32(&format!("step{i}.x")).unwrap(), &dev),
                None,
                StepLevels {
                    from: &grid(&file.i64(&format!("step{i}.from")).unwrap()),
                    to: &grid(&file.i64(&format!("step{i}.to")).unwrap()),
                },
                None,
                &mut noise,
            )
            .unwrap_or_else(|e| panic!("{name} step{i}: {e}"));
        check(
            &format!("step{i}.out"),
            values(out),
            &file.f32(&format!("step{i}.out")).unwrap(),
        );
        assert_eq!(
            noise.remaining(),
            0,
            "{name} step{i}: the sampler drew fewer noise tensors than the reference"
        );
    }

    if file.contains("guided.x") {
        let target: Tensor<D> = tensor(&file.f32("guided.target").unwrap(), &dev);
        // The manifest's guidance: guidance_fn(x0) = -3.0 * sum((x0 - target)^2).
        let guide = move |x0: Tensor<D>| {
            let d = x0 - target.clone();
            (d.clone() * d).sum() * -3.0
        };
        let mut noise = ReplayNoise::new();
        let z = file.f32("guided.noise0").unwrap();
        noise.push(z.shape.clone(), z.data);
        let out = diffusion
            .sample_step(
                model,
                tensor::<D>(&file.f32("guided.x").unwrap(), &dev),
                None,
                StepLevels {
                    from: &grid(&file.i64("guided.from").unwrap()),
                    to: &grid(&file.i64("guided.to").unwrap()),
                },
                Some(&guide),
                &mut noise,
            )
            .unwrap_or_else(|e| panic!("{name} guided: {e}"));
        check("guided.out", values(out), &file.f32("guided.out").unwrap());
    }
    failures
}
