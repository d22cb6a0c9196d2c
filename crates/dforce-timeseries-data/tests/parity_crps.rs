//! Parity of the CRPS-sum estimators with `crps.safetensors`, case by case as the manifest lists
//! them: the branch's `crps_quantile_sum` and GluonTS' `m_sum_mean_wQuantileLoss` (and its
//! per-quantile `m_sum_wQuantileLoss`), with the manifest's tolerances.

use dforce_fixtures::{TensorFile, Tolerance, paper_dir, read_json};
use dforce_timeseries_data::metrics::{
    SampleShape, crps_quantile_sum, multivariate_evaluate, paper_quantiles,
};
use serde_json::Value;

const FILE: &str = "crps.safetensors";

fn f64_scalar(bytes: &[u8], key: &str) -> f64 {
    let st = safetensors::SafeTensors::deserialize(bytes).unwrap();
    let t = st.tensor(key).unwrap();
    assert_eq!(t.dtype(), safetensors::Dtype::F64, "{key}");
    f64::from_le_bytes(t.data()[..8].try_into().unwrap())
}

fn within(what: &str, actual: f64, expected: f64, tol: &Value) {
    eprintln!(
        "{what}: relative deviation {:.3e}",
        (actual - expected).abs() / expected.abs().max(1e-300)
    );
    let rtol = tol["rtol"].as_f64().unwrap();
    let atol = tol["atol"].as_f64().unwrap();
    assert!(
        (actual - expected).abs() <= atol + rtol * expected.abs(),
        "{what}: got {actual}, expected {expected} (rtol {rtol}, atol {atol})"
    );
}

#[test]
fn parity_crps_sum_estimators_match_every_case() {
    let dir = paper_dir().unwrap_or_else(|e| panic!("paper fixtures unavailable: {e}"));
    let manifest = read_json(&dir, "manifest.json").unwrap();
    let entry = &manifest["files"][FILE];
    let tensors = TensorFile::open(&dir, FILE).unwrap();
    let raw = std::fs::read(dir.join(FILE)).unwrap();
    let quantiles: Vec<f64> = entry["quantiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q.as_f64().unwrap())
        .collect();
    let ours = paper_quantiles();
    assert_eq!(quantiles.len(), ours.len());
    for (a, b) in quantiles.iter().zip(&ours) {
        assert!((a - b).abs() < 1e-15, "quantile {a} vs {b}");
    }
    let cases = entry["cases"].as_array().expect("cases");
    assert!(!cases.is_empty(), "the manifest lists no CRPS case");
    for case in cases {
        let name = case["case"].as_str().unwrap();
        let samples = tensors.f32(&format!("{name}.samples")).unwrap();
        let truth = tensors.f32(&format!("{name}.truth")).unwrap();
        let sh = &samples.shape;
        let shape = SampleShape {
            samples: sh[0],
            steps: sh[1],
            windows: sh[2],
            dim: sh[3],
        };
        assert_eq!(truth.shape, sh[1..].to_vec(), "{name}: truth shape");

        let branch = crps_quantile_sum(&samples.data, &truth.data, shape, &ours).unwrap();
        let want = tensors
            .f32(&format!("{name}.crps_quantile_sum"))
            .unwrap()
            .data[0];
        within(
            &format!("{name} crps_quantile_sum"),
            branch,
            f64::from(want),
            &entry["tolerance"]["crps_quantile_sum"],
        );
        let tol = Tolerance {
            rtol: entry["tolerance"]["crps_quantile_sum"]["rtol"]
                .as_f64()
                .unwrap(),
            atol: entry["tolerance"]["crps_quantile_sum"]["atol"]
                .as_f64()
                .unwrap(),
        };
        tol.check(name, &[branch as f32], &[want]).unwrap();

        let m = multivariate_evaluate(&samples.data, &truth.data, shape, &ours).unwrap();
        let gl_tol = &entry["tolerance"]["gluonts"];
        let want = f64_scalar(&raw, &format!("{name}.gluonts_m_sum_mean_wQuantileLoss"));
        within(
            &format!("{name} m_sum_mean_wQuantileLoss"),
            m.sum.mean_weighted_quantile_loss,
            want,
            gl_tol,
        );
        let manifest_value = case["gluonts_m_sum_mean_wQuantileLoss"].as_f64().unwrap();
        within(
            &format!("{name} manifest value"),
            m.sum.mean_weighted_quantile_loss,
            manifest_value,
            gl_tol,
        );
        for (q, w) in ours.iter().zip(&m.sum.weighted_quantile_loss) {
            let key = format!("{}", q);
            let want = case["gluonts_m_sum_wQuantileLoss"][&key]
                .as_f64()
                .unwrap_or_else(|| panic!("{name}: no wQuantileLoss for {key}"));
            within(
                &format!("{name} m_sum_wQuantileLoss[{key}]"),
                *w,
                want,
                gl_tol,
            );
        }
        // the two estimators' difference, as listed
        let diff = case["difference"].as_f64().unwrap();
        within(
            &format!("{name} difference"),
            branch - m.sum.mean_weighted_quantile_loss,
            diff,
            &serde_json::json!({"rtol": 1e-3, "atol": 1e-6}),
        );
    }
}

#[test]
fn parity_too_few_samples_for_the_branch_estimator_is_an_error() {
    let shape = SampleShape {
        samples: 10,
        steps: 1,
        windows: 1,
        dim: 1,
    };
    let err = crps_quantile_sum(&[1.0; 10], &[1.0], shape, &paper_quantiles()).unwrap_err();
    assert!(err.to_string().contains("kthvalue"), "{err}");
    // GluonTS' estimator has no such limit
    let m = multivariate_evaluate(&[1.0; 10], &[2.0], shape, &paper_quantiles()).unwrap();
    assert!((m.sum.nd - 0.5).abs() < 1e-12);
}
