//! `render_png` writes atomically: the final file only, no temporary left, even on failure.

mod common;

use common::Image;
use dforce_charts::{ChartError, FanChart, LineChart, TrainingCurves};

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn writes_the_file_and_leaves_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let chart = LineChart::new("t", "x", "y").series("a", vec![(0.0, 1.0), (1.0, 2.0)]);
    let path = dir.path().join("chart.png");
    chart.render_png(&path, 800, 450).unwrap();
    // Overwriting an existing file works the same way.
    chart.render_png(&path, 640, 360).unwrap();
    TrainingCurves::new("t")
        .metric("training/loss", vec![(0, 1.0)])
        .render_png(dir.path().join("train.png"), 800, 600)
        .unwrap();
    FanChart::new("t", "y")
        .render_png(dir.path().join("fan.png"), 800, 450)
        .unwrap();
    assert_eq!(names(dir.path()), ["chart.png", "fan.png", "train.png"]);
    let img = Image::decode(&std::fs::read(&path).unwrap());
    assert_eq!((img.width, img.height), (640, 360));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        chart.to_png_bytes(640, 360).unwrap()
    );
}

#[test]
fn failures_are_io_errors_without_leftovers() {
    let dir = tempfile::tempdir().unwrap();
    let chart = LineChart::new("t", "x", "y");
    let missing = dir.path().join("no-such-dir").join("chart.png");
    let err = chart.render_png(&missing, 800, 450).unwrap_err();
    assert!(matches!(err, ChartError::Io { .. }), "{err}");
    assert!(err.to_string().contains("no-such-dir"), "{err}");
    // A folder where the file should go: the rename fails, the temporary is removed.
    let blocker = dir.path().join("taken.png");
    std::fs::create_dir(&blocker).unwrap();
    std::fs::write(blocker.join("keep"), b"x").unwrap();
    assert!(matches!(
        chart.render_png(&blocker, 800, 450),
        Err(ChartError::Io { .. })
    ));
    assert_eq!(names(dir.path()), ["taken.png"]);
    // A size error writes nothing at all.
    assert!(matches!(
        chart.render_png(dir.path().join("x.png"), 0, 0),
        Err(ChartError::InvalidSize { .. })
    ));
    assert_eq!(names(dir.path()), ["taken.png"]);
}
