//! The training-curve picture written at the end of every training task: the training loss
//! over optimiser steps and, below it, the evaluation's headline metrics (read back from the
//! run's `metrics.jsonl`), as `media/training_curves.png`. TensorBoard draws the same curves
//! from the scalars the trainer logged, so the picture is not logged there again (which would
//! also open a second event file in the run directory).

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use dforce_charts::TrainingCurves;

use crate::algorithm::TaskError;
use crate::algorithm::error::io;

/// Size of the chart in pixels.
const WIDTH: u32 = 900;
const HEIGHT_PER_PANEL: u32 = 300;

/// Reads `metrics.jsonl` into `key → [(step, value)]` (in file order; unreadable lines and
/// non-numeric values are skipped, as a resumed run may have truncated a line).
///
/// # Errors
/// The file cannot be opened.
pub fn read_metrics(path: &Path) -> Result<BTreeMap<String, Vec<(u64, f64)>>, TaskError> {
    let file = std::fs::File::open(path).map_err(io(format!("reading {}", path.display())))?;
    let mut series: BTreeMap<String, Vec<(u64, f64)>> = BTreeMap::new();
    for line in std::io::BufReader::new(file).lines().map_while(Result::ok) {
        let Ok(serde_json::Value::Object(obj)) = serde_json::from_str(&line) else {
            continue;
        };
        let Some(step) = obj.get("step").and_then(serde_json::Value::as_u64) else {
            continue;
        };
        for (k, v) in obj {
            if let (true, Some(v)) = (k != "step", v.as_f64()) {
                series.entry(k).or_default().push((step, v));
            }
        }
    }
    Ok(series)
}

/// Draws `training/loss` and `validation/<m>` for each `m` of `headline` (those logged) from
/// `<run_dir>/metrics.jsonl` into `<run_dir>/media/training_curves.png`. Returns the PNG's
/// path.
///
/// # Errors
/// `metrics.jsonl` cannot be read or the picture cannot be written.
pub fn write_training_curves(
    run_dir: &Path,
    title: &str,
    headline: &[&str],
) -> Result<PathBuf, TaskError> {
    let metrics = read_metrics(&run_dir.join("metrics.jsonl"))?;
    let mut chart = TrainingCurves::new(title);
    let mut panels = 1;
    if let Some(loss) = metrics.get("training/loss") {
        chart = chart.metric("training/loss", loss.clone());
    }
    for m in headline {
        let key = format!("validation/{m}");
        if let Some(points) = metrics.get(&key) {
            chart = chart.metric(key, points.clone());
            panels += 1;
        }
    }
    let media = run_dir.join("media");
    std::fs::create_dir_all(&media).map_err(io(format!("creating {}", media.display())))?;
    let path = media.join("training_curves.png");
    let height = HEIGHT_PER_PANEL * panels + 60;
    let png = chart.to_png_bytes(WIDTH, height)?;
    dforce_io::atomic::write_bytes_atomic(&path, &png)
        .map_err(io(format!("writing {}", path.display())))?;
    Ok(path)
}
