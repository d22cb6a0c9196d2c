//! GluonTS evaluator semantics on hand-computed cases: missing targets, per-series / all / sum
//! aggregation, ND and NRMSE.

use dforce_timeseries_data::error::TsError;
use dforce_timeseries_data::metrics::{SampleShape, multivariate_evaluate};

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} vs {b}");
}

#[test]
fn missing_values_and_aggregation_levels() {
    // S = 1, T = 2, N = 1, D = 2; samples (S, T, N, D), truth (T, N, D)
    let samples = [1.0, 2.0, 3.0, 4.0];
    let truth = [2.0, f32::NAN, 3.0, 5.0];
    let shape = SampleShape {
        samples: 1,
        steps: 2,
        windows: 1,
        dim: 2,
    };
    let m = multivariate_evaluate(&samples, &truth, shape, &[0.5]).unwrap();
    let d0 = &m.per_series[0];
    close(d0.abs_error, 1.0);
    close(d0.abs_target_sum, 5.0);
    close(d0.nd, 0.2);
    close(d0.mse, 0.5);
    close(d0.nrmse, 0.5f64.sqrt() / 2.5);
    close(d0.quantile_loss[0], 1.0);
    close(d0.mean_weighted_quantile_loss, 0.2);
    close(d0.coverage[0], 0.5);
    let d1 = &m.per_series[1];
    close(d1.abs_target_sum, 5.0);
    close(d1.mse, 1.0);
    close(d1.nrmse, 0.2);
    close(m.all.nd, 0.2);
    close(m.all.mse, 0.75);
    close(m.all.nrmse, 0.75f64.sqrt() / 3.75);
    // the summed series counts the missing value as 0: targets 2 and 8, forecasts 3 and 7
    close(m.sum.abs_target_sum, 10.0);
    close(m.sum.nd, 0.2);
    close(m.sum.mse, 1.0);
}

#[test]
fn nan_forecasts_and_bad_shapes_are_refused() {
    let shape = SampleShape {
        samples: 2,
        steps: 1,
        windows: 1,
        dim: 1,
    };
    assert!(matches!(
        multivariate_evaluate(&[1.0, f32::NAN], &[1.0], shape, &[0.5]),
        Err(TsError::NonFiniteForecast)
    ));
    assert!(matches!(
        multivariate_evaluate(&[1.0], &[1.0], shape, &[0.5]),
        Err(TsError::Shape(_))
    ));
}
