//! Parity of the diffusion core with the PyTorch reference, driven by the fixture manifest.
//!
//! Provenance: `tests/fixtures/reference` (see its README) was produced by the reference's own
//! modules on CPU; these tests only read it, they never recompute expected values.

use dforce_core::{
    BUFFER_NAMES, BetaSchedule, DiffusionBuffers, LossWeighting, Objective, SchedulingKind,
    SchedulingMatrix, TrapezoidMode,
};
use dforce_fixtures::{TensorFile, Tolerance, read_json, reference_dir};

fn manifest_entry(name: &str) -> serde_json::Value {
    let dir = reference_dir().unwrap_or_else(|e| panic!("{e}"));
    let manifest = read_json(&dir, "manifest.json").unwrap_or_else(|e| panic!("{e}"));
    manifest["files"]
        .get(name)
        .unwrap_or_else(|| panic!("manifest.json lists no '{name}'"))
        .clone()
}

#[test]
fn parity_schedule_buffers() {
    let dir = reference_dir().unwrap_or_else(|e| panic!("{e}"));
    let entry = manifest_entry("schedules.safetensors");
    let tol = Tolerance::from_manifest(&entry).expect("schedules tolerance");
    let file = TensorFile::open(&dir, "schedules.safetensors").unwrap_or_else(|e| panic!("{e}"));
    let mut checked = 0;
    let mut failures = Vec::new();
    for name in ["linear", "cosine", "sigmoid"] {
        let ours =
            DiffusionBuffers::new(BetaSchedule::from_name(name).unwrap(), 1000, 5.0).unwrap();
        for buffer in BUFFER_NAMES {
            let key = format!("{name}.{buffer}");
            let expected = file.f32(&key).unwrap_or_else(|e| panic!("{e}"));
            if let Err(e) = tol.check(&key, ours.by_name(buffer).unwrap(), &expected.data) {
                failures.push(e);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 42, "3 schedules × 14 buffers");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn parity_loss_weights() {
    let dir = reference_dir().unwrap_or_else(|e| panic!("{e}"));
    let entry = manifest_entry("loss_weights.safetensors");
    let tol = Tolerance::from_manifest(&entry).expect("loss_weights tolerance");
    let file = TensorFile::open(&dir, "loss_weights.safetensors").unwrap_or_else(|e| panic!("{e}"));
    let levels = file.i64("noise_levels").unwrap();
    let (tokens, batch) = (levels.shape[0], levels.shape[1]);
    let cases = entry["cases"].as_array().expect("loss_weights cases");
    assert!(!cases.is_empty(), "manifest lists no loss-weight cases");
    let mut failures = Vec::new();
    for case in cases {
        let key = case["key"].as_str().unwrap();
        let buffers = DiffusionBuffers::new(
            BetaSchedule::from_name(case["beta_schedule"].as_str().unwrap()).unwrap(),
            1000,
            case["snr_clip"].as_f64().unwrap(),
        )
        .unwrap();
        let weighting = LossWeighting {
            objective: Objective::from_name(case["objective"].as_str().unwrap()).unwrap(),
            snr_clip: case["snr_clip"].as_f64().unwrap() as f32,
            fused_decay: case["use_fused_snr"]
                .as_bool()
                .unwrap()
                .then(|| case["cum_snr_decay"].as_f64().unwrap()),
        };
        let ours = weighting.weights(&buffers, &levels.data, tokens, batch);
        let expected = file.f32(key).unwrap_or_else(|e| panic!("{e}"));
        if let Err(e) = tol.check(key, &ours, &expected.data) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn parity_scheduling_matrices() {
    let dir = reference_dir().unwrap_or_else(|e| panic!("{e}"));
    let cases = read_json(&dir, "scheduling_matrices.json").unwrap_or_else(|e| panic!("{e}"));
    let cases = cases.as_array().expect("a list of matrices");
    assert!(!cases.is_empty(), "scheduling_matrices.json is empty");
    let mut failures = Vec::new();
    for case in cases {
        let kind = SchedulingKind::from_name(case["kind"].as_str().unwrap()).unwrap();
        let horizon = case["horizon"].as_u64().unwrap() as usize;
        let s = case["sampling_timesteps"].as_u64().unwrap() as usize;
        let u = case["uncertainty_scale"].as_f64().unwrap();
        let expected: Vec<Vec<i64>> = case["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_i64().unwrap())
                    .collect()
            })
            .collect();
        // The reference's trapezoid is reproduced in its compatibility mode.
        let ours = SchedulingMatrix::build(kind, horizon, s, u, TrapezoidMode::Reference).unwrap();
        let ours: Vec<Vec<i64>> = (0..ours.rows).map(|r| ours.row(r).to_vec()).collect();
        if ours != expected {
            failures.push(format!(
                "{kind:?} H={horizon} S={s} u={u}: got {ours:?}, expected {expected:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} matrices differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
