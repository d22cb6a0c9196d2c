//! Baselines on hand-made windows: GluonTS' seasonal naive rule and its fallbacks, and the
//! seasonal climatology sampler's pools and reproducibility.

use std::path::PathBuf;

use dforce_timeseries_data::baselines::{seasonal_climatology, seasonal_naive};
use dforce_timeseries_data::gluonts_reader::{SeriesEntry, parse_timestamp};
use dforce_timeseries_data::grouping::group_test;
use dforce_timeseries_data::metrics::{multivariate_evaluate, paper_quantiles};
use dforce_timeseries_data::spec::ForecastSpec;
use dforce_timeseries_data::windows::{WindowBatch, test_windows};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn batch(series: &[&[f32]]) -> (ForecastSpec, WindowBatch) {
    // prediction 2, lags [1, 4]: history 6, window 8
    let spec = ForecastSpec::new("H", 2, 2, &[1, 4], &["hour"], 2, 1).unwrap();
    let entries: Vec<SeriesEntry> = series
        .iter()
        .enumerate()
        .map(|(i, t)| SeriesEntry {
            start: parse_timestamp("2021-01-01").unwrap(),
            dim: 1,
            len: t.len(),
            target: t.to_vec(),
            feat_static_cat: vec![],
            item_id: None,
            path: PathBuf::from("mem"),
            line: i + 1,
        })
        .collect();
    let dates = group_test(&entries, &spec.freq, 1, 10).unwrap();
    let b = test_windows(&dates, &spec).unwrap();
    (spec, b)
}

#[test]
fn seasonal_naive_repeats_the_last_season() {
    // history = first 6 of 8 values (the last 2 are the ground truth)
    let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 70.0, 80.0];
    let b = [1.0, f32::NAN, 3.0, 4.0, f32::NAN, f32::NAN, 70.0, 80.0];
    let (_spec, w) = batch(&[&a, &b]);
    let f = seasonal_naive(&w, 2, 4).unwrap();
    assert_eq!(f.shape.samples, 1);
    // series a: [3, 4]; series b after last-value imputation [1,1,3,4,4,4]: [3, 4]
    assert_eq!(f.samples, vec![3.0, 3.0, 4.0, 4.0]);
    // season 1 = naive
    assert_eq!(
        seasonal_naive(&w, 2, 1).unwrap().samples,
        vec![6.0, 4.0, 6.0, 4.0]
    );
    // history shorter than the season: its mean
    let f = seasonal_naive(&w, 2, 24).unwrap();
    assert_eq!(f.samples[0], 3.5);
    assert!((f.samples[1] - 17.0 / 6.0).abs() < 1e-6);
    assert!(seasonal_naive(&w, 2, 0).is_err());
}

#[test]
fn seasonal_naive_skips_padding() {
    // 5 values: 3 padded steps in front of a window of 8
    let a = [1.0, 2.0, 3.0, 10.0, 20.0];
    let (_spec, w) = batch(&[&a]);
    assert_eq!(w.past_is_pad[..3], [1.0, 1.0, 1.0]);
    let f = seasonal_naive(&w, 2, 4).unwrap();
    // 3 history values < season 4: mean 2
    assert_eq!(f.samples, vec![2.0, 2.0]);
}

#[test]
fn climatology_draws_from_the_same_phase() {
    let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 70.0, 80.0];
    let b = [1.0, f32::NAN, 3.0, 4.0, 5.0, f32::NAN, 70.0, 80.0];
    let (_spec, w) = batch(&[&a, &b]);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let f = seasonal_climatology(&mut rng, &w, 2, 2, 50).unwrap();
    assert_eq!(f.shape.samples, 50);
    for s in 0..50 {
        let at = |t: usize, k: usize| f.samples[(s * 2 + t) * 2 + k];
        // (S, T, N = 1, D = 2); horizon positions 6, 7: phase 0 → history 0, 2, 4; phase 1 → 1, 3, 5
        assert!([1.0, 3.0, 5.0].contains(&at(0, 0)));
        assert!([2.0, 4.0, 6.0].contains(&at(1, 0)));
        assert!([1.0, 3.0, 5.0].contains(&at(0, 1)));
        assert!(at(1, 1) == 4.0, "missing values are never drawn");
    }
    let mut rng2 = ChaCha8Rng::seed_from_u64(7);
    assert_eq!(seasonal_climatology(&mut rng2, &w, 2, 2, 50).unwrap(), f);
    // a season longer than the history: no value at the same phase, draw from all observed
    let f = seasonal_climatology(&mut rng, &w, 2, 10, 20).unwrap();
    assert!(
        f.samples
            .chunks(2)
            .all(|r| (1.0..=6.0).contains(&r[0]) && [1.0, 3.0, 4.0, 5.0].contains(&r[1]))
    );
    // it can be scored with both estimators' inputs
    let truth = w.horizon_truth(2, true).unwrap();
    let m = multivariate_evaluate(&f.samples, &truth, f.shape, &paper_quantiles()).unwrap();
    assert!(m.sum.mean_weighted_quantile_loss.is_finite());
}
