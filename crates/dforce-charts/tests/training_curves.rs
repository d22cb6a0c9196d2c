//! `TrainingCurves` rendered to PNG and decoded: stacked panels, colours, bad input.

mod common;

use common::{INK, Image};
use dforce_charts::{PALETTE, TrainingCurves, YScale, training_curve_chart};

fn curves() -> TrainingCurves {
    training_curve_chart(
        "Training curves",
        [
            (
                "training/loss",
                (0..100u64)
                    .map(|s| (s * 10, 1.0 / (1.0 + s as f64)))
                    .collect::<Vec<_>>(),
            ),
            (
                "validation/psnr",
                vec![(250, 22.0), (500, 25.0), (750, 26.5), (990, 27.0)],
            ),
        ],
    )
}

/// Number of plot frames: pairs of long horizontal ink runs (each frame has a top and a bottom).
fn frame_edges(img: &Image) -> usize {
    let rows = img.rows_with_run(INK, img.width / 2);
    // Adjacent rows belong to one thick edge.
    rows.iter()
        .enumerate()
        .filter(|&(i, &y)| i == 0 || rows[i - 1] + 1 != y)
        .count()
}

#[test]
fn loss_and_validation_in_two_stacked_panels() {
    let img = Image::decode(&curves().to_png_bytes(800, 600).unwrap());
    assert_eq!((img.width, img.height), (800, 600));
    assert!(img.count(PALETTE[0]) > 200, "loss colour");
    assert!(img.count(PALETTE[1]) > 100, "validation colour");
    assert_eq!(frame_edges(&img), 4, "expected two framed panels");
    assert!(img.dark_in_rows(0, 30) > 150, "title");
}

#[test]
fn one_panel_without_validation_and_one_more_per_validation_metric() {
    let only_loss = TrainingCurves::new("t").metric("training/loss", vec![(0, 2.0), (10, 1.0)]);
    assert_eq!(
        frame_edges(&Image::decode(&only_loss.to_png_bytes(800, 450).unwrap())),
        2
    );
    let three = curves().metric("validation/lpips", vec![(500, 0.3), (990, 0.2)]);
    assert_eq!(
        frame_edges(&Image::decode(&three.to_png_bytes(800, 800).unwrap())),
        6
    );
    let only_val = TrainingCurves::new("t").metric("validation/psnr", vec![(0, 20.0)]);
    assert_eq!(
        frame_edges(&Image::decode(&only_val.to_png_bytes(800, 450).unwrap())),
        2
    );
}

#[test]
fn empty_nan_and_non_positive_values_do_not_panic() {
    let empty = TrainingCurves::new("no metrics yet");
    let img = Image::decode(&empty.to_png_bytes(800, 450).unwrap());
    assert_eq!(frame_edges(&img), 2, "an empty chart still draws its axes");
    let bad = TrainingCurves::new("bad")
        .metric(
            "training/loss",
            vec![
                (0, f64::NAN),
                (1, f64::INFINITY),
                (2, -1.0),
                (3, 0.0),
                (4, 0.5),
            ],
        )
        .metric("training/empty", Vec::new())
        .metric("validation/psnr", vec![(0, f64::NAN)]);
    Image::decode(&bad.to_png_bytes(800, 600).unwrap());
    // Log scale requested with negative values: falls back to linear instead of dropping them.
    let negative = TrainingCurves::new("elbo")
        .metric("training/loss", vec![(0, -3.0), (1, -4.0)])
        .loss_scale(YScale::Log);
    Image::decode(&negative.to_png_bytes(800, 450).unwrap());
}
