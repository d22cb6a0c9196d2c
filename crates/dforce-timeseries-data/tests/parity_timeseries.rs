//! Parity with the paper branch's GluonTS pipeline: every tensor of
//! `timeseries_data.safetensors` (enumerated from the file, so a regenerated fixture set with
//! other sizes is checked the same way), with the manifest's tolerances. Expected values come
//! only from the fixtures.

use std::path::PathBuf;

use dforce_fixtures::{Array, TensorFile, Tolerance, paper_dir, read_json};
use dforce_timeseries_data::covariates::model_view;
use dforce_timeseries_data::gluonts_reader::{GluonTsDataset, parse_timestamp};
use dforce_timeseries_data::grouping::{GroupedSeries, group_test, group_train};
use dforce_timeseries_data::spec::ForecastSpec;
use dforce_timeseries_data::statistics::{NanStatistics, SeriesStats, series_statistics};
use dforce_timeseries_data::windows::{
    WindowBatch, test_windows, training_windows, validation_windows,
};
use serde_json::Value;

const FILE: &str = "timeseries_data.safetensors";

struct Fixture {
    dir: PathBuf,
    entry: Value,
    tensors: TensorFile,
}

fn fixture() -> Fixture {
    let dir = paper_dir().unwrap_or_else(|e| panic!("paper fixtures unavailable: {e}"));
    let manifest = read_json(&dir, "manifest.json").unwrap();
    let entry = manifest["files"][FILE].clone();
    assert!(entry.is_object(), "manifest.json has no entry for {FILE}");
    let tensors = TensorFile::open(&dir, FILE).unwrap();
    Fixture {
        dir,
        entry,
        tensors,
    }
}

/// `*` matches any run of characters.
fn glob(pattern: &str, key: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return key == pattern || key.ends_with(&format!(".{pattern}")) || key.contains(pattern);
    }
    let mut rest = key;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !rest.starts_with(part) {
                return false;
            }
            rest = &rest[part.len()..];
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(p) = rest.find(part) {
            rest = &rest[p + part.len()..];
        } else {
            return false;
        }
    }
    true
}

/// The manifest's tolerance for a tensor key: `exact` globs give 0, otherwise the first named
/// tolerance whose pattern (alternatives separated by " / ") matches.
fn tolerance(entry: &Value, key: &str) -> Tolerance {
    let tol = &entry["tolerance"];
    let exact = tol["exact"].as_array().expect("tolerance.exact");
    if exact.iter().any(|p| glob(p.as_str().unwrap(), key)) {
        return Tolerance {
            rtol: 0.0,
            atol: 0.0,
        };
    }
    for (pattern, t) in tol.as_object().unwrap() {
        if pattern == "exact" {
            continue;
        }
        if pattern.split(" / ").any(|alt| {
            let alt = alt.trim();
            glob(alt, key) || key.split('.').any(|c| c == alt)
        }) {
            return Tolerance {
                rtol: t["rtol"].as_f64().unwrap(),
                atol: t["atol"].as_f64().unwrap(),
            };
        }
    }
    panic!("no tolerance in the manifest covers {key}")
}

/// Compares with NaN equal to NaN (the reference's NaN statistics are part of the contract).
fn check(entry: &Value, key: &str, actual: &[f32], expected: &Array<f32>) {
    let tol = tolerance(entry, key);
    assert_eq!(actual.len(), expected.data.len(), "{key}: length");
    for (i, (a, e)) in actual.iter().zip(&expected.data).enumerate() {
        if e.is_nan() || a.is_nan() {
            assert!(
                a.is_nan() && e.is_nan(),
                "{key}[{i}]: got {a}, expected {e}"
            );
        }
    }
    let keep = |v: &[f32], other: &[f32]| -> Vec<f32> {
        v.iter()
            .zip(other)
            .filter(|(_, o)| !o.is_nan())
            .map(|(x, _)| *x)
            .collect()
    };
    tol.check(
        key,
        &keep(actual, &expected.data),
        &keep(&expected.data, &expected.data),
    )
    .unwrap();
}

fn as_usize(a: &Array<i64>) -> Vec<usize> {
    a.data
        .iter()
        .map(|&x| usize::try_from(x).unwrap())
        .collect()
}

fn timestamps(v: &Value) -> Vec<time::PrimitiveDateTime> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| parse_timestamp(s.as_str().unwrap()).unwrap())
        .collect()
}

struct Pipeline {
    spec: ForecastSpec,
    train: GroupedSeries,
    test_dates: Vec<GroupedSeries>,
}

fn pipeline(fx: &Fixture, dataset_dir: &str) -> Pipeline {
    let ds = GluonTsDataset::load(&fx.dir.join(dataset_dir)).unwrap();
    let spec = ForecastSpec::from_dataset(&ds).unwrap();
    let train = group_train(&ds.train, &ds.freq, spec.target_dim).unwrap();
    let test_dates = group_test(&ds.test, &ds.freq, spec.num_test_dates, spec.target_dim).unwrap();
    Pipeline {
        spec,
        train,
        test_dates,
    }
}

/// The GluonTS batch fields of `prefix` (`train`, `test`, `val`, `nan_case.test`).
fn check_batch(fx: &Fixture, prefix: &str, batch: &WindowBatch, checked: &mut Vec<String>) {
    let fields: [(&str, &[f32]); 8] = [
        ("past_target_cdf", &batch.past_target),
        ("past_observed_values", &batch.past_observed),
        ("past_is_pad", &batch.past_is_pad),
        ("past_time_feat", &batch.past_time_feat),
        ("future_target_cdf", &batch.future_target),
        ("future_observed_values", &batch.future_observed),
        ("future_time_feat", &batch.future_time_feat),
        ("feat_static_cat", &batch.feat_static_cat()),
    ];
    for (name, actual) in fields {
        let key = format!("{prefix}.{name}");
        if fx.tensors.contains(&key) {
            check(&fx.entry, &key, actual, &fx.tensors.f32(&key).unwrap());
            checked.push(key);
        }
    }
    let key = format!("{prefix}.target_dimension_indicator");
    if fx.tensors.contains(&key) {
        assert_eq!(
            batch.target_dimension_indicator(),
            fx.tensors.i64(&key).unwrap().data,
            "{key}"
        );
        checked.push(key);
    }
}

fn check_model(
    fx: &Fixture,
    prefix: &str,
    batch: &WindowBatch,
    p: &Pipeline,
    stats: &SeriesStats,
    checked: &mut Vec<String>,
) {
    let embed = fx.tensors.f32("embed.weight").unwrap().data;
    let view = model_view(batch, &p.spec, stats, &embed).unwrap();
    for (name, actual) in [
        ("observations", &view.observations),
        ("covariates", &view.covariates),
        ("xs_normalized", &view.xs_normalized),
    ] {
        let key = format!("{prefix}.model.{name}");
        let expected = fx.tensors.f32(&key).unwrap();
        check(&fx.entry, &key, actual, &expected);
        checked.push(key);
    }
}

fn check_periods(fx: &Fixture, split: &str, batch: &WindowBatch) {
    let periods = &fx.entry["periods"][split];
    assert_eq!(batch.start, timestamps(&periods["start"]), "{split} start");
    assert_eq!(
        batch.forecast_start,
        timestamps(&periods["forecast_start"]),
        "{split} forecast_start"
    );
}

#[test]
fn parity_fixture_directory_is_present() {
    let dir = paper_dir().expect(
        "the paper fixtures must exist (tests/fixtures/paper or DFORCE_PAPER_FIXTURES): a parity \
         suite that checks nothing must fail",
    );
    assert!(
        dir.join(FILE).is_file(),
        "{} missing in {}",
        FILE,
        dir.display()
    );
}

#[test]
fn parity_derived_metadata_matches_the_branch() {
    let fx = fixture();
    let dir = fx.entry["dataset_dir"].as_str().unwrap();
    let ds = GluonTsDataset::load(&fx.dir.join(dir)).unwrap();
    let spec = ForecastSpec::from_dataset(&ds).unwrap();
    let ours = spec.branch_metadata(&ds.metadata.freq);
    let want = &fx.entry["derived_metadata"];
    for (k, v) in want.as_object().unwrap() {
        let k2 = if k == "target_dimension" {
            "target_dimension"
        } else {
            k
        };
        assert_eq!(&ours[k2], v, "derived_metadata.{k}");
    }
    assert_eq!(
        spec.shifted_lags(),
        fx.entry["time_features"]["shifted_lags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| usize::try_from(x.as_u64().unwrap()).unwrap())
            .collect::<Vec<_>>()
    );
}

#[test]
fn parity_every_tensor_matches_the_reference() {
    let fx = fixture();
    let dir = fx.entry["dataset_dir"].as_str().unwrap();
    let p = pipeline(&fx, dir);
    let mut checked: Vec<String> = vec!["embed.weight".into()];

    check(
        &fx.entry,
        "grouped_train.target",
        &p.train.values,
        &fx.tensors.f32("grouped_train.target").unwrap(),
    );
    assert_eq!(
        p.train.start,
        parse_timestamp(fx.entry["grouped_train_start"].as_str().unwrap()).unwrap()
    );
    checked.push("grouped_train.target".into());

    // The branch's statistics: on data without NaN both policies agree with it.
    for policy in [
        NanStatistics::SkipMissing,
        NanStatistics::ReferenceNanPropagation,
    ] {
        let stats = series_statistics(&p.train, policy);
        check(
            &fx.entry,
            "stats.data_mean",
            &stats.mean,
            &fx.tensors.f32("stats.data_mean").unwrap(),
        );
        check(
            &fx.entry,
            "stats.data_std",
            &stats.std,
            &fx.tensors.f32("stats.data_std").unwrap(),
        );
    }
    checked.extend(["stats.data_mean".into(), "stats.data_std".into()]);
    let stats = series_statistics(&p.train, NanStatistics::default());

    let split_index = fx.tensors.i64("train.split_index").unwrap();
    let train = training_windows(&p.train, &p.spec, &as_usize(&split_index)).unwrap();
    checked.push("train.split_index".into());
    check_batch(&fx, "train", &train, &mut checked);
    check_model(&fx, "train", &train, &p, &stats, &mut checked);
    check_periods(&fx, "train", &train);

    let test = test_windows(&p.test_dates, &p.spec).unwrap();
    check_batch(&fx, "test", &test, &mut checked);
    check_model(&fx, "test", &test, &p, &stats, &mut checked);
    check_periods(&fx, "test", &test);

    let starts = fx.tensors.i64("val.start_points").unwrap();
    let val = validation_windows(&p.train, &p.spec, &as_usize(&starts)).unwrap();
    checked.push("val.start_points".into());
    check_batch(&fx, "val", &val, &mut checked);
    check_model(&fx, "val", &val, &p, &stats, &mut checked);
    check_periods(&fx, "val", &val);

    // nan_case: the dataset with NaN inside the training range.
    let nan_dir = format!("{dir}_nan");
    let np = pipeline(&fx, &nan_dir);
    check(
        &fx.entry,
        "nan_case.grouped_train.target",
        &np.train.values,
        &fx.tensors.f32("nan_case.grouped_train.target").unwrap(),
    );
    let reference = series_statistics(&np.train, NanStatistics::ReferenceNanPropagation);
    check(
        &fx.entry,
        "nan_case.stats.data_mean",
        &reference.mean,
        &fx.tensors.f32("nan_case.stats.data_mean").unwrap(),
    );
    check(
        &fx.entry,
        "nan_case.stats.data_std",
        &reference.std,
        &fx.tensors.f32("nan_case.stats.data_std").unwrap(),
    );
    let fixed = series_statistics(&np.train, NanStatistics::SkipMissing);
    assert!(
        fixed.mean.iter().chain(&fixed.std).all(|x| x.is_finite()),
        "NaN-skipping statistics must be finite: {fixed:?}"
    );
    let nan_test = test_windows(&np.test_dates, &np.spec).unwrap();
    check_batch(&fx, "nan_case.test", &nan_test, &mut checked);
    checked.extend(
        [
            "nan_case.grouped_train.target",
            "nan_case.stats.data_mean",
            "nan_case.stats.data_std",
        ]
        .map(String::from),
    );

    let unchecked: Vec<&str> = fx
        .tensors
        .keys()
        .filter(|k| !checked.iter().any(|c| c == k))
        .collect();
    assert!(unchecked.is_empty(), "tensors not compared: {unchecked:?}");
}
