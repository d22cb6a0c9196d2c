//! Grouping, windows and covariates on small hand-made series (behaviour the fixtures do not
//! exercise: right padding, short test series, grouping errors, the leak-free lag builder).

use std::path::PathBuf;

use dforce_timeseries_data::covariates::{covariate_row, lag_features_at, model_view};
use dforce_timeseries_data::error::TsError;
use dforce_timeseries_data::frequency::Frequency;
use dforce_timeseries_data::gluonts_reader::{SeriesEntry, parse_timestamp};
use dforce_timeseries_data::grouping::{group_test, group_train};
use dforce_timeseries_data::spec::ForecastSpec;
use dforce_timeseries_data::statistics::{NanStatistics, SeriesStats, series_statistics};
use dforce_timeseries_data::windows::{test_windows, training_windows};

fn entry(start: &str, target: &[f32], line: usize) -> SeriesEntry {
    SeriesEntry {
        start: parse_timestamp(start).unwrap(),
        dim: 1,
        len: target.len(),
        target: target.to_vec(),
        feat_static_cat: vec![],
        item_id: None,
        path: PathBuf::from("mem.json"),
        line,
    }
}

fn hourly() -> Frequency {
    Frequency::parse("H").unwrap()
}

#[test]
fn train_grouping_pads_both_sides_with_the_series_mean() {
    let e = [
        entry("2021-01-01 00:00", &[1.0, 2.0, 3.0, 4.0], 1),
        entry("2021-01-01 01:00", &[10.0, f32::NAN], 2),
        entry("2021-01-01 00:00", &[5.0, 6.0, 7.0, 8.0], 3),
    ];
    let g = group_train(&e, &hourly(), 2).unwrap();
    assert_eq!((g.dim, g.len), (2, 4));
    // the first series is dropped (last max_target_dim kept)
    assert_eq!(g.row(0)[0], 10.0);
    assert_eq!(g.row(0)[1], 10.0);
    assert!(g.row(0)[2].is_nan());
    assert_eq!(g.row(0)[3], 10.0);
    assert_eq!(g.row(1), &[5.0, 6.0, 7.0, 8.0]);
}

#[test]
fn test_grouping_left_pads_with_zero_and_checks_sizes() {
    let e = [
        entry("2021-01-01 00:00", &[1.0, 2.0, 3.0], 1),
        entry("2021-01-01 01:00", &[4.0, 5.0], 2),
        entry("2021-01-01 00:00", &[1.0, 2.0, 3.0, 4.0], 3),
        entry("2021-01-01 01:00", &[4.0, 5.0, 6.0], 4),
    ];
    let dates = group_test(&e, &hourly(), 2, 10).unwrap();
    assert_eq!(dates.len(), 2);
    assert_eq!(dates[0].values, vec![1.0, 2.0, 3.0, 0.0, 4.0, 5.0]);
    assert_eq!(dates[1].len, 4);
    let err = group_test(&e, &hourly(), 3, 10).unwrap_err();
    assert!(
        matches!(err, TsError::Grouping { split: "test", .. }),
        "{err}"
    );
    let ragged = [e[0].clone(), entry("2021-01-01 00:00", &[1.0], 2)];
    let msg = group_test(&ragged, &hourly(), 1, 10)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("mem.json:2"), "{msg}");
    let off_grid = [e[0].clone(), entry("2021-01-01 00:30", &[1.0], 7)];
    let msg = group_train(&off_grid, &Frequency::parse("30min").unwrap(), 10)
        .map(|_| ())
        .and_then(|_| group_train(&off_grid, &Frequency::parse("2H").unwrap(), 10).map(|_| ()))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("mem.json:7") && msg.contains("not on the"),
        "{msg}"
    );
}

fn small_spec() -> ForecastSpec {
    // history = 2 + 3 = 5, window = 7
    ForecastSpec::new("H", 2, 2, &[1, 3], &["hour"], 2, 1).unwrap()
}

#[test]
fn short_test_series_are_padded_and_flagged() {
    let spec = small_spec();
    let e = [
        entry("2021-01-01 00:00", &[1.0, f32::NAN, 3.0, 4.0], 1),
        entry("2021-01-01 00:00", &[5.0, 6.0, 7.0, 8.0], 2),
    ];
    let dates = group_test(&e, &spec.freq, 1, 2).unwrap();
    let b = test_windows(&dates, &spec).unwrap();
    assert_eq!(
        (b.batch, b.past_len, b.future_len, b.future_feat_len),
        (1, 7, 0, 2)
    );
    assert_eq!(b.past_is_pad, vec![1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(
        &b.past_target[6..],
        &[1.0, 5.0, 0.0, 6.0, 3.0, 7.0, 4.0, 8.0]
    );
    assert_eq!(&b.past_observed[6..10], &[1.0, 1.0, 0.0, 1.0]);
    assert_eq!(&b.past_observed[..6], &[0.0; 6]);
    let truth = b.horizon_truth(2, true).unwrap();
    assert_eq!(truth, vec![3.0, 7.0, 4.0, 8.0]);
    let zero = b.horizon_truth(3, false).unwrap();
    assert_eq!(&zero[..2], &[0.0, 6.0]);
    assert!(b.horizon_truth(3, true).unwrap()[0].is_nan());
}

#[test]
fn training_split_points_are_range_checked() {
    let spec = small_spec();
    let vals: Vec<f32> = (0..20).map(|x| x as f32).collect();
    let e = [
        entry("2021-01-01 00:00", &vals, 1),
        entry("2021-01-01 00:00", &vals, 2),
    ];
    let g = group_train(&e, &spec.freq, 2).unwrap();
    assert!(training_windows(&g, &spec, &[5, 18]).is_ok());
    for bad in [4, 19] {
        let err = training_windows(&g, &spec, &[bad]).unwrap_err();
        assert!(matches!(err, TsError::OutOfRange(_)), "{err}");
    }
}

#[test]
fn covariate_rows_rebuild_the_model_view() {
    let spec = small_spec();
    let a: Vec<f32> = (0..20).map(|x| x as f32).collect();
    let b: Vec<f32> = (0..20).map(|x| 100.0 - x as f32).collect();
    let e = [
        entry("2021-01-01 00:00", &a, 1),
        entry("2021-01-01 00:00", &b, 2),
    ];
    let g = group_train(&e, &spec.freq, 2).unwrap();
    let stats = series_statistics(&g, NanStatistics::SkipMissing);
    let embed = [0.5, -0.25];
    let batch = training_windows(&g, &spec, &[9]).unwrap();
    let view = model_view(&batch, &spec, &stats, &embed).unwrap();
    assert_eq!(view.cov_dim, spec.covariate_dim());
    // sequence = past (5) + future (2), time-major (7, 2)
    let seq: Vec<f32> = (4..11).flat_map(|t| [a[t], b[t]]).collect();
    let s = spec.model_steps();
    for j in 0..s {
        let pos = 7 - s + j;
        let tf = &view.covariates[j * view.cov_dim + 4..(j + 1) * view.cov_dim];
        let row = covariate_row(&seq, pos, &spec, &stats, &embed, tf).unwrap();
        assert_eq!(
            row,
            view.covariates[j * view.cov_dim..(j + 1) * view.cov_dim]
        );
    }
    // lag 3 (shifted 2) of series 1 at the last step reads b[10 - 2]
    let mut lags = Vec::new();
    lag_features_at(&seq, 2, 6, &spec.shifted_lags(), &stats, &mut lags).unwrap();
    assert_eq!(
        lags,
        vec![stats.normalize(0, a[8]), stats.normalize(1, b[8])]
    );
    assert!(lag_features_at(&seq, 2, 1, &spec.shifted_lags(), &stats, &mut lags).is_err());
    assert!(lag_features_at(&seq, 2, 7, &spec.shifted_lags(), &stats, &mut lags).is_err());
    let wrong = SeriesStats {
        mean: vec![0.0],
        std: vec![1.0],
    };
    assert!(matches!(
        model_view(&batch, &spec, &wrong, &embed),
        Err(TsError::Shape(_))
    ));
}

#[test]
fn prepared_data_on_the_fixture_dataset() {
    use dforce_timeseries_data::PreparedData;
    use dforce_timeseries_data::baselines::seasonal_naive;
    use dforce_timeseries_data::gluonts_reader::GluonTsDataset;
    use dforce_timeseries_data::metrics::{multivariate_evaluate, paper_quantiles};
    use rand::SeedableRng;

    let dir = dforce_fixtures::paper_dir()
        .unwrap()
        .join("ts_synth_hourly");
    let ds = GluonTsDataset::load(&dir).unwrap();
    let spec = ForecastSpec::from_dataset(&ds).unwrap();
    let data = PreparedData::new(&ds, spec.clone(), NanStatistics::default()).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let (idx, train) = data.training_batch(&mut rng, 6).unwrap();
    let (lo, hi) = data.split_sampler().bounds(data.train.len).unwrap();
    assert!(idx.iter().all(|i| (lo..=hi).contains(i)));
    assert_eq!(train.batch, 6);
    let (starts, val) = data.validation_batch(&mut rng).unwrap();
    assert_eq!(
        (starts.len(), val.batch),
        (spec.num_test_dates, spec.num_test_dates)
    );
    let test = data.test_batch().unwrap();
    let embed = vec![0.0; spec.target_dim];
    assert!(model_view(&test, &spec, &data.stats, &embed).is_ok());
    let naive = seasonal_naive(&test, spec.prediction_length, spec.freq.seasonality()).unwrap();
    let truth = test.horizon_truth(spec.prediction_length, true).unwrap();
    let m = multivariate_evaluate(&naive.samples, &truth, naive.shape, &paper_quantiles()).unwrap();
    assert!(m.sum.mean_weighted_quantile_loss.is_finite() && m.sum.nd.is_finite());

    let mut wide = spec.clone();
    wide.target_dim += 1;
    let err = PreparedData::new(&ds, wide, NanStatistics::default()).unwrap_err();
    assert!(matches!(err, TsError::Spec(_)), "{err}");
    let mut daily = spec;
    daily.freq = Frequency::parse("D").unwrap();
    assert!(matches!(
        PreparedData::new(&ds, daily, NanStatistics::default()),
        Err(TsError::Spec(_))
    ));
}

/// One mis-dated series (a start centuries before the others) would pad every series to billions
/// of steps; it is refused by file and line instead of exhausting memory.
#[test]
fn a_series_dated_far_from_the_others_is_refused() {
    let e = [
        entry("0001-01-01 00:00", &[1.0, 2.0], 1),
        entry("2021-01-01 00:00", &[5.0, 6.0], 2),
    ];
    let err = group_train(&e, &hourly(), 2).unwrap_err().to_string();
    assert!(
        err.contains("mem.json:2") && err.contains("periods after the earliest start"),
        "{err}"
    );
}
