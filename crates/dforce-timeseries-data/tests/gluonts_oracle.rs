//! Agreement with GluonTS itself: datasets written by GluonTS's own writer read as GluonTS
//! reads them (entries and `MultivariateGrouper` outputs), and the metrics of
//! `MultivariateEvaluator(target_agg_funcs={'sum': np.sum})` on random sample arrays.
//!
//! The expected values come from `scripts/make_gluonts_dataset.py` and
//! `scripts/gluonts_crps_oracle.py` run under GluonTS 0.13.1. Copies are committed in
//! `tests/fixtures/gluonts/`; `scripts/check_gluonts.sh` (CI) regenerates them with GluonTS and
//! points these tests at the fresh files through `DFORCE_GLUONTS_ORACLE`,
//! `DFORCE_GLUONTS_DATASET[_EXPECTED]` and `DFORCE_GLUONTS_DATASET_PLAIN[_EXPECTED]`.

use std::path::{Path, PathBuf};

use dforce_timeseries_data::gluonts_reader::{GluonTsDataset, parse_timestamp};
use dforce_timeseries_data::grouping::{group_test, group_train};
use dforce_timeseries_data::metrics::{SampleShape, multivariate_evaluate, paper_quantiles};
use serde_json::Value;

fn fixture(env: &str, default: &str) -> PathBuf {
    match std::env::var_os(env) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/gluonts")
            .join(default),
    }
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/check_gluonts.sh)", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// GluonTS's float32 values as JSON numbers, NaN as null.
fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().map_or(f32::NAN, |f| f as f32))
        .collect()
}

fn same(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = (g.is_nan() && w.is_nan()) || g == w;
        assert!(ok, "{what}[{i}]: read {g}, GluonTS reads {w}");
    }
}

fn check_dataset(dir_env: &str, dir: &str, expected_env: &str, expected: &str) {
    let dir = fixture(dir_env, dir);
    let want = json(&fixture(expected_env, expected));
    let ds = GluonTsDataset::load(&dir).unwrap();
    assert_eq!(
        ds.metadata.prediction_length as u64,
        want["metadata"]["prediction_length"].as_u64().unwrap()
    );
    for (split, entries) in [("train", &ds.train), ("test", &ds.test)] {
        let want_entries = want[split].as_array().unwrap();
        assert_eq!(entries.len(), want_entries.len(), "{split}: entries");
        for (i, (e, w)) in entries.iter().zip(want_entries).enumerate() {
            let start = parse_timestamp(w["start"].as_str().unwrap()).unwrap();
            assert_eq!(e.start, start, "{split} entry {i}: start");
            same(
                &format!("{split} entry {i}"),
                &e.target,
                &floats(&w["target"]),
            );
        }
    }
    let d = ds.train.len();
    let grouped = group_train(&ds.train, &ds.freq, d).unwrap();
    let w = &want["grouped_train"][0];
    assert_eq!(
        [grouped.dim, grouped.len],
        [0, 1].map(|k| w["shape"][k].as_u64().unwrap() as usize)
    );
    assert_eq!(
        grouped.start,
        parse_timestamp(w["start"].as_str().unwrap()).unwrap()
    );
    // The late series is padded with its own mean, computed in float32 by GluonTS/pandas.
    let want_values = floats(&w["target"]);
    for (i, (g, t)) in grouped.values.iter().zip(&want_values).enumerate() {
        assert!(
            (g - t).abs() <= 1e-5 * t.abs().max(1.0),
            "grouped train [{i}]: {g} vs GluonTS {t}"
        );
    }
    let tests = group_test(&ds.test, &ds.freq, ds.num_test_dates(), d).unwrap();
    let want_tests = want["grouped_test"].as_array().unwrap();
    assert_eq!(tests.len(), want_tests.len(), "test dates");
    for (i, (g, w)) in tests.iter().zip(want_tests).enumerate() {
        assert_eq!(
            g.len,
            w["shape"][1].as_u64().unwrap() as usize,
            "test date {i}"
        );
        same(
            &format!("grouped test {i}"),
            &g.values,
            &floats(&w["target"]),
        );
    }
}

#[test]
fn a_gzipped_dataset_written_by_gluonts_reads_as_gluonts_reads_it() {
    check_dataset(
        "DFORCE_GLUONTS_DATASET",
        "ds",
        "DFORCE_GLUONTS_DATASET_EXPECTED",
        "ds.expected.json",
    );
}

#[test]
fn a_plain_dataset_with_a_late_series_reads_as_gluonts_reads_it() {
    check_dataset(
        "DFORCE_GLUONTS_DATASET_PLAIN",
        "ds_plain",
        "DFORCE_GLUONTS_DATASET_PLAIN_EXPECTED",
        "ds_plain.expected.json",
    );
}

#[test]
fn multivariate_metrics_match_gluonts_evaluator() {
    let oracle = json(&fixture("DFORCE_GLUONTS_ORACLE", "crps_oracle.json"));
    let cases = oracle["cases"].as_array().unwrap();
    assert!(!cases.is_empty(), "the oracle holds no case");
    for c in cases {
        let name = c["case"].as_str().unwrap();
        let s: Vec<usize> = c["samples_shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let shape = SampleShape {
            samples: s[0],
            steps: s[1],
            windows: s[2],
            dim: s[3],
        };
        let m = multivariate_evaluate(
            &floats(&c["samples"]),
            &floats(&c["truth"]),
            shape,
            &paper_quantiles(),
        )
        .unwrap();
        for (key, got) in [
            (
                "m_sum_mean_wQuantileLoss",
                m.sum.mean_weighted_quantile_loss,
            ),
            ("m_sum_ND", m.sum.nd),
            ("m_sum_NRMSE", m.sum.nrmse),
            ("mean_wQuantileLoss", m.all.mean_weighted_quantile_loss),
            ("ND", m.all.nd),
            ("NRMSE", m.all.nrmse),
        ] {
            let want = c[key].as_f64().unwrap();
            assert!(
                (got - want).abs() <= 1e-5 * want.abs().max(1e-12),
                "{name} {key}: {got} vs GluonTS {want}"
            );
        }
    }
}
