//! `metrics.jsonl`: one JSON object per logged step, `{"step": N, "namespace/key": value, …}`.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

pub struct MetricsLog {
    file: BufWriter<File>,
}

impl MetricsLog {
    /// Opens `path` for appending. With `keep_until = Some(step)` (a resumed run), lines of
    /// later steps, written after the checkpoint the run resumes from, are dropped first so
    /// the log reads as one uninterrupted run.
    pub fn open(path: &Path, keep_until: Option<u64>) -> std::io::Result<Self> {
        if let (Some(limit), true) = (keep_until, path.exists()) {
            let kept: Vec<String> = BufReader::new(File::open(path)?)
                .lines()
                .map_while(Result::ok)
                .filter(|line| step_of(line).is_some_and(|s| s <= limit))
                .collect();
            let mut f = File::create(path)?;
            for line in kept {
                writeln!(f, "{line}")?;
            }
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            file: BufWriter::new(file),
        })
    }

    pub fn log(&mut self, step: u64, values: &BTreeMap<String, f64>) -> std::io::Result<()> {
        let mut obj = serde_json::Map::new();
        obj.insert("step".into(), step.into());
        for (k, v) in values {
            obj.insert(
                k.clone(),
                serde_json::Number::from_f64(*v).map_or(serde_json::Value::Null, Into::into),
            );
        }
        writeln!(self.file, "{}", serde_json::Value::Object(obj))?;
        self.file.flush()
    }
}

/// Appends an evaluation's scalars at `step` to the run's `metrics.jsonl` and to `tb`, then
/// flushes `tb`.
///
/// # Errors
/// The file or the event file cannot be written; the error says which.
pub fn log_evaluation(
    run_dir: &Path,
    tb: &mut crate::tensorboard::EventWriter,
    step: u64,
    values: &BTreeMap<String, f64>,
) -> Result<(), crate::algorithm::TaskError> {
    let io = |what: &'static str| {
        move |source| crate::algorithm::TaskError::Io {
            what: what.into(),
            source,
        }
    };
    let mut log = MetricsLog::open(&run_dir.join("metrics.jsonl"), None)
        .map_err(io("opening metrics.jsonl"))?;
    log.log(step, values).map_err(io("writing metrics.jsonl"))?;
    for (k, v) in values {
        tb.scalar(k, step, *v as f32)
            .map_err(io("writing the TensorBoard event file"))?;
    }
    tb.flush().map_err(io("writing the TensorBoard event file"))
}

fn step_of(line: &str) -> Option<u64> {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()?
        .get("step")?
        .as_u64()
}
