//! `FanChart` rendered to PNG and decoded: bands, median, history, marker, bad input.

mod common;

use common::{INK, Image};
use dforce_charts::{FanChart, ForecastPoint, Rgb};

const DAY: i64 = 86_400;
const T0: i64 = 1_717_200_000 - 1_717_200_000 % DAY; // 2024-06-01T00:00Z
const MEDIAN: Rgb = Rgb(31, 119, 180);
const BAND_90: Rgb = Rgb(198, 219, 239);
const BAND_50: Rgb = Rgb(140, 186, 222);

fn point(i: i64, m: f64, s: f64) -> ForecastPoint {
    ForecastPoint {
        t: T0 + i * DAY,
        p05: m - 1.645 * s,
        p25: m - 0.674 * s,
        median: m,
        p75: m + 0.674 * s,
        p95: m + 1.645 * s,
    }
}

fn chart() -> FanChart {
    FanChart {
        history: (0..30)
            .map(|i| (T0 + i * DAY, 10.0 + (i % 7) as f64))
            .collect(),
        truth: (30..44)
            .map(|i| (T0 + i * DAY, 10.0 + (i % 7) as f64))
            .collect(),
        forecast: (30..44)
            .map(|i| point(i, 13.0, 1.0 + 0.2 * (i - 30) as f64))
            .collect(),
        ..FanChart::new("demand forecast", "demand (MWh)")
    }
}

#[test]
fn draws_bands_median_history_and_legend() {
    let img = Image::decode(&chart().to_png_bytes(800, 450).unwrap());
    assert_eq!((img.width, img.height), (800, 450));
    assert!(
        img.count(BAND_90) > 2_000,
        "90 % band: {}",
        img.count(BAND_90)
    );
    assert!(
        img.count(BAND_50) > 2_000,
        "50 % band: {}",
        img.count(BAND_50)
    );
    assert!(img.count(MEDIAN) > 100, "median: {}", img.count(MEDIAN));
    assert!(
        img.count(INK) > 1_000,
        "history, truth, axes: {}",
        img.count(INK)
    );
    assert!(img.dark_in_rows(0, 35) > 150, "title");
}

#[test]
fn bad_quantiles_nan_and_empty_do_not_panic() {
    let mut c = chart();
    c.forecast[3].median = f64::NAN;
    c.forecast[5].p05 = f64::INFINITY;
    c.forecast[6].p25 = c.forecast[6].p75 + 1.0; // misordered: skipped
    c.history[2].1 = f64::NAN;
    Image::decode(&c.to_png_bytes(800, 450).unwrap());
    let empty = FanChart::new("nothing", "y");
    let img = Image::decode(&empty.to_png_bytes(800, 450).unwrap());
    // Only the legend swatches carry the band colours; the axes are still drawn.
    let swatch = img.count(BAND_90);
    assert!(swatch > 50 && swatch < 1_000, "90 % swatch: {swatch}");
    assert!(img.rows_with_run(INK, 400).len() >= 2, "frame");
    let history_only = FanChart {
        history: vec![(T0, 1.0), (T0 + DAY, 2.0)],
        ..FanChart::new("h", "y")
    };
    Image::decode(&history_only.to_png_bytes(800, 450).unwrap());
    let far = FanChart {
        history: vec![(i64::MIN, 1.0), (i64::MAX, 2.0)],
        ..FanChart::new("far", "y")
    };
    Image::decode(&far.to_png_bytes(800, 450).unwrap());
}

#[test]
fn validity_of_forecast_points() {
    assert!(point(0, 1.0, 1.0).is_valid());
    assert!(
        point(0, 1.0, 0.0).is_valid(),
        "a point forecast (all quantiles equal) is drawable"
    );
    assert!(
        !ForecastPoint {
            p25: 5.0,
            ..point(0, 1.0, 1.0)
        }
        .is_valid()
    );
    assert!(
        !ForecastPoint {
            p95: f64::NAN,
            ..point(0, 1.0, 1.0)
        }
        .is_valid()
    );
}

#[test]
fn custom_tick_labels() {
    let mut c = chart();
    c.tick_format = Some(|t| format!("d{}", (t - T0) / DAY));
    let custom = c.to_png_bytes(800, 450).unwrap();
    assert_ne!(custom, chart().to_png_bytes(800, 450).unwrap());
}
