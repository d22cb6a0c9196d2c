//! `LineChart` rendered to PNG and decoded: size, content, colours, bad input, errors.

mod common;

use common::{INK, Image};
use dforce_charts::{ChartError, LineChart, PALETTE, Rgb, YScale};

fn psnr_chart() -> LineChart {
    LineChart::new("PSNR per frame", "frame", "PSNR (dB)")
        .series(
            "without cache",
            (0..16).map(|f| (f as f64, 30.0 - 0.3 * f as f64)).collect(),
        )
        .series(
            "with cache",
            (0..16)
                .map(|f| (f as f64, 29.0 - 0.35 * f as f64))
                .collect(),
        )
        .marker(3.5, "end of context")
}

#[test]
fn renders_axes_title_legend_and_series_colours() {
    let img = Image::decode(&psnr_chart().to_png_bytes(800, 450).unwrap());
    assert_eq!((img.width, img.height), (800, 450));
    assert!(
        img.non_white() > 5_000,
        "only {} non-white pixels",
        img.non_white()
    );
    // Both default palette colours are drawn (lines and legend swatches), unblended.
    assert!(
        img.count(PALETTE[0]) > 200,
        "series 1 colour: {}",
        img.count(PALETTE[0])
    );
    assert!(
        img.count(PALETTE[1]) > 200,
        "series 2 colour: {}",
        img.count(PALETTE[1])
    );
    // The title is dark text in the top band; the frame has two long horizontal edges.
    assert!(
        img.dark_in_rows(0, 35) > 150,
        "title pixels: {}",
        img.dark_in_rows(0, 35)
    );
    assert!(img.rows_with_run(INK, 400).len() >= 2);
}

#[test]
fn explicit_colour_is_used() {
    let c = Rgb(10, 200, 90);
    let chart = LineChart::new("t", "x (s)", "y (m)").series_with_color(
        "a",
        vec![(0.0, 0.0), (1.0, 1.0)],
        c,
    );
    let img = Image::decode(&chart.to_png_bytes(800, 450).unwrap());
    assert!(img.count(c) > 100);
    assert_eq!(img.count(PALETTE[0]), 0);
}

#[test]
fn nan_inf_and_empty_series_do_not_panic() {
    let chart = LineChart::new("bad data", "x", "y")
        .series(
            "gappy",
            vec![
                (0.0, 1.0),
                (1.0, f64::NAN),
                (2.0, 2.0),
                (f64::INFINITY, 3.0),
                (3.0, 2.5),
            ],
        )
        .series("empty", Vec::new())
        .series("all nan", vec![(f64::NAN, f64::NAN)])
        .marker(f64::NAN, "nowhere");
    let img = Image::decode(&chart.to_png_bytes(800, 450).unwrap());
    // The empty series still has its legend swatch.
    assert!(img.count(PALETTE[1]) > 10);
    assert!(img.count(PALETTE[0]) > 20);
}

#[test]
fn chart_without_data_still_draws_axes() {
    let img = Image::decode(
        &LineChart::new("nothing yet", "step", "loss")
            .to_png_bytes(640, 360)
            .unwrap(),
    );
    assert_eq!((img.width, img.height), (640, 360));
    assert!(img.rows_with_run(INK, 300).len() >= 2, "no frame drawn");
}

#[test]
fn log_scale_and_fixed_range() {
    let pts: Vec<(f64, f64)> = (1..100).map(|i| (i as f64, 1.0 / i as f64)).collect();
    let log = LineChart::new("log", "step", "loss")
        .series("loss", pts.clone())
        .y_scale(YScale::Log);
    Image::decode(&log.to_png_bytes(800, 450).unwrap());
    // Non-positive values on a log axis are skipped, not a panic.
    let with_zero = log.clone().series("zeros", vec![(0.0, 0.0), (1.0, -1.0)]);
    Image::decode(&with_zero.to_png_bytes(800, 450).unwrap());
    let fixed = LineChart::new("fixed", "x", "y")
        .series("s", pts)
        .y_range(0.0, 0.5);
    Image::decode(&fixed.to_png_bytes(800, 450).unwrap());
}

#[test]
fn bad_settings_are_errors() {
    let c = psnr_chart();
    for (w, h) in [(0, 450), (800, 0), (10, 10), (100_000, 450)] {
        assert!(
            matches!(c.to_png_bytes(w, h), Err(ChartError::InvalidSize { .. })),
            "{w}x{h}"
        );
    }
    let bad_range = c.clone().y_range(1.0, 1.0);
    assert!(matches!(
        bad_range.to_png_bytes(800, 450),
        Err(ChartError::InvalidSetting { .. })
    ));
    let nan_range = c.clone().y_range(f64::NAN, 1.0);
    assert!(matches!(
        nan_range.to_png_bytes(800, 450),
        Err(ChartError::InvalidSetting { .. })
    ));
    let log_range = c.clone().y_scale(YScale::Log).y_range(0.0, 1.0);
    assert!(matches!(
        log_range.to_png_bytes(800, 450),
        Err(ChartError::InvalidSetting { .. })
    ));
    let huge = LineChart::new("t", "x", "y").series("s", vec![(0.0, -1e308), (1.0, 1e308)]);
    let err = huge.to_png_bytes(800, 450).unwrap_err();
    assert!(err.to_string().contains("y range"), "{err}");
}

#[test]
fn sizes_from_minimum_to_large_and_many_series() {
    let mut c = psnr_chart();
    for i in 0..12 {
        c = c.series(
            format!("s{i}"),
            vec![(0.0, i as f64), (15.0, i as f64 + 1.0)],
        );
    }
    for (w, h) in [(200, 150), (1600, 900), (300, 1200)] {
        let img = Image::decode(&c.to_png_bytes(w, h).unwrap());
        assert_eq!((img.width, img.height), (w, h));
    }
}

#[test]
fn same_input_gives_same_bytes() {
    let c = psnr_chart();
    assert_eq!(
        c.to_png_bytes(800, 450).unwrap(),
        c.to_png_bytes(800, 450).unwrap()
    );
}
