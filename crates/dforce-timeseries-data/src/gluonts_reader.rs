//! Reader of GluonTS' on-disk dataset layout (what `gluonts.dataset.repository.get_dataset`
//! downloads and `load_datasets` reads; the GP-copula `*_nips` sets, `taxi_30min`, ...):
//!
//! ```text
//! <dir>/metadata.json   {"freq": "H", "prediction_length": 24,
//!                        "feat_static_cat": [{"name": "...", "cardinality": "370"}], ...}
//! <dir>/train/*.json[l][.gz]   one JSON object per line
//! <dir>/test/*.json[l][.gz]
//! ```
//!
//! Every file of a split folder (and of its sub-folders two levels deep, as GluonTS'
//! `FileDataset(levels=2)`) whose suffixes are exactly `.json`, `.jsonl`, `.json.gz` or
//! `.jsonl.gz` is read, in sorted path order. As in GluonTS (`ignore_hidden=True` filters
//! `path.name` of files only), files whose name starts with `.` are skipped, while folders are
//! entered whatever their name (`train/.sub/`, `train/_x/`) and `_` is not special. Gzip is
//! detected from the content (magic bytes), so a gzipped file named `.json` reads too.
//!
//! Each line is JSON as Python's `json.loads` reads it ([`crate::python_json`]: also the bare
//! `NaN`, `Infinity`, `-Infinity` that `json.dumps` writes), after a UTF-8 byte order mark if
//! the line starts with one (Python's `json.loads(bytes)` drops it). An entry is
//! `{"start", "target", "feat_static_cat"?, "item_id"?}`; `start` as [`crate::timestamp`] reads
//! it; `target` is a list (1-D) or a list of equal-length lists (2-D, `(dim, T)`) of numbers,
//! numeric strings (`"57.92"`, which GluonTS' `ProcessTimeSeriesField` converts with
//! `np.asarray(..., dtype=np.float32)`; see [`python_float`]), booleans (1 / 0, as numpy), `NaN`,
//! `"NaN"` or `null` (GluonTS' missing-value conventions; all read as NaN, which
//! [`crate::windows`] later turns into an observed-value indicator of 0 and an imputed 0, as
//! GluonTS' `AddObservedValuesIndicator`); `feat_static_cat` is read as numpy's int32
//! ([`crate::python_numbers::static_cat_i32`]).
//! Values are stored as `f32`, as GluonTS' `ProcessDataEntry` does. Blank lines are skipped.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde_json::Value;
use time::PrimitiveDateTime;

use crate::error::{EntryProblem, Result, TsError};
use crate::frequency::Frequency;
pub use crate::python_numbers::python_float;
use crate::python_numbers::{static_cat_i32, target_f32};
pub use crate::timestamp::parse_timestamp;

/// `metadata.json` of a GluonTS dataset (the fields this crate uses).
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetMetadata {
    /// The frequency string as written (`"H"`, `"30min"`, `"B"`).
    pub freq: String,
    /// GluonTS' forecast horizon, in periods.
    pub prediction_length: usize,
    /// Cardinality of each `feat_static_cat` (for the `*_nips` sets: one, the number of series).
    pub feat_static_cat_cardinalities: Vec<usize>,
}

/// One series (one JSON line) of a split.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesEntry {
    /// Start of the first period ([`Frequency::normalize`]d).
    pub start: PrimitiveDateTime,
    /// Rows (1 for a 1-D target).
    pub dim: usize,
    /// Periods.
    pub len: usize,
    /// `(dim, len)` row-major; NaN where missing.
    pub target: Vec<f32>,
    /// `feat_static_cat` as GluonTS' int32, empty when absent.
    pub feat_static_cat: Vec<i32>,
    /// `item_id` as text (numbers are written in decimal), when present.
    pub item_id: Option<String>,
    /// File the entry came from.
    pub path: PathBuf,
    /// 1-based line in that file.
    pub line: usize,
}

/// A GluonTS dataset directory read in full.
#[derive(Debug, Clone)]
pub struct GluonTsDataset {
    /// `metadata.json`.
    pub metadata: DatasetMetadata,
    /// `metadata.freq` parsed.
    pub freq: Frequency,
    /// `train/` entries in file order.
    pub train: Vec<SeriesEntry>,
    /// `test/` entries in file order (rolling evaluation: date-major, series within a date).
    pub test: Vec<SeriesEntry>,
}

impl GluonTsDataset {
    /// Reads `dir/metadata.json`, `dir/train/` and `dir/test/`.
    ///
    /// # Errors
    /// [`TsError::Io`], [`TsError::MetadataJson`], [`TsError::Metadata`] (missing or bad `freq`,
    /// `prediction_length`, `feat_static_cat`), [`TsError::MissingSplit`] / [`TsError::EmptySplit`]
    /// (a split folder absent or without series), and per line [`TsError::EntryJson`] /
    /// [`TsError::Entry`] naming the file and 1-based line.
    pub fn load(dir: &Path) -> Result<Self> {
        let metadata = read_metadata(&dir.join("metadata.json"))?;
        let freq = Frequency::parse(&metadata.freq).map_err(|_| TsError::Metadata {
            path: dir.join("metadata.json"),
            reason: format!("unsupported \"freq\" {:?}", metadata.freq),
        })?;
        let train = read_split(&dir.join("train"), "train", &freq)?;
        let test = read_split(&dir.join("test"), "test", &freq)?;
        Ok(Self {
            metadata,
            freq,
            train,
            test,
        })
    }

    /// Rolling test dates, as the branch derives them: `len(test) / len(train)` (integer).
    pub fn num_test_dates(&self) -> usize {
        self.test.len() / self.train.len().max(1)
    }
}

/// Reads a GluonTS `metadata.json`. `prediction_length` and `cardinality` may be integers,
/// floats with an integral value (`8.0`, which GluonTS' pydantic model turns into 8) or decimal
/// strings (GluonTS writes `cardinality` as a string). A non-integral float is refused (GluonTS
/// would truncate `8.5` to 8 silently). A byte order mark is refused, as in GluonTS.
///
/// # Errors
/// See [`GluonTsDataset::load`].
pub fn read_metadata(path: &Path) -> Result<DatasetMetadata> {
    let text = std::fs::read_to_string(path).map_err(|source| TsError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let v: Value = crate::python_json::parse(&text).map_err(|syntax| TsError::MetadataJson {
        path: path.to_path_buf(),
        syntax,
    })?;
    let bad = |reason: String| TsError::Metadata {
        path: path.to_path_buf(),
        reason,
    };
    let freq = v
        .get("freq")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no string \"freq\"".into()))?
        .to_string();
    let prediction_length = prediction_length(v.get("prediction_length")).map_err(bad)?;
    let mut feat_static_cat_cardinalities = Vec::new();
    if let Some(list) = v.get("feat_static_cat").filter(|x| !x.is_null()) {
        let list = list
            .as_array()
            .ok_or_else(|| bad("\"feat_static_cat\" is not a list".into()))?;
        for (i, f) in list.iter().enumerate() {
            let c = f.get("cardinality").and_then(positive_int).ok_or_else(|| {
                bad(format!(
                    "feat_static_cat[{i}].cardinality is missing or not a positive integer \
                     (\"370\", 370 or 370.0)"
                ))
            })?;
            feat_static_cat_cardinalities.push(c);
        }
    }
    Ok(DatasetMetadata {
        freq,
        prediction_length,
        feat_static_cat_cardinalities,
    })
}

/// `prediction_length` as [`positive_int`] reads it, in `1..=`[`crate::spec::MAX_LENGTH`]; the
/// message says what was written, what GluonTS would make of it and what to write. GluonTS'
/// pydantic model also reads `8.5` (truncated to 8) and `true` (as 1) silently; both are
/// refused here, as a horizon that is not what was written is a footgun.
fn prediction_length(v: Option<&Value>) -> std::result::Result<usize, String> {
    let max = crate::spec::MAX_LENGTH;
    let v = match v {
        None | Some(Value::Null) => {
            return Err(
                "\"prediction_length\" is missing; write the number of steps to \
                        forecast, e.g. \"prediction_length\": 24"
                    .into(),
            );
        }
        Some(v) => v,
    };
    if let Some(n) = positive_int(v).filter(|&n| n <= max) {
        return Ok(n);
    }
    Err(match v {
        Value::Bool(b) => format!(
            "\"prediction_length\" {b} is not an integer (GluonTS would read it as {}); \
             write the number of steps, e.g. \"prediction_length\": 1",
            u8::from(*b)
        ),
        Value::Number(n)
            if n.as_f64()
                .is_some_and(|f| f.is_finite() && f.fract() != 0.0) =>
        {
            let f = n.as_f64().unwrap_or_default();
            format!(
                "\"prediction_length\" {n} is not an integer (GluonTS would truncate it to {} \
                 silently); write an integer in 1..={max}, e.g. {} or {}",
                f.trunc(),
                f.floor().max(1.0),
                f.ceil().max(1.0)
            )
        }
        Value::Number(n) => {
            format!("\"prediction_length\" {n} is not in 1..={max}; write an integer in that range")
        }
        Value::String(s) => format!(
            "\"prediction_length\" {s:?} is not an integer in 1..={max}; write an integer, \
             e.g. \"prediction_length\": 24"
        ),
        other => format!(
            "\"prediction_length\" {other} is not an integer; write an integer in 1..={max}, \
             e.g. \"prediction_length\": 24"
        ),
    })
}

/// A positive integer written as a JSON integer, a float with an integral value, or a decimal
/// string.
fn positive_int(v: &Value) -> Option<usize> {
    let n = match v {
        Value::Number(n) => match n.as_u64() {
            Some(n) => n,
            None => {
                let f = n
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 1.0 && *f < 9.0e15)?;
                f as u64
            }
        },
        Value::String(s) => s.trim().parse::<u64>().ok()?,
        _ => return None,
    };
    usize::try_from(n).ok().filter(|&n| n > 0)
}

/// Whether GluonTS' `infer_file_type` reads `name` as JSON lines: the concatenation of ALL its
/// suffixes (Python's `"".join(path.suffixes)`) is `.json`, `.jsonl`, `.json.gz` or `.jsonl.gz`,
/// so `part.1.json` is skipped there and here. Hidden files (name starting with `.`) are skipped,
/// as GluonTS' `ignore_hidden` does.
fn is_data_file(name: &str) -> bool {
    if name.starts_with('.') {
        return false;
    }
    let suffixes = name.find('.').map_or("", |i| &name[i..]);
    matches!(suffixes, ".json" | ".jsonl" | ".json.gz" | ".jsonl.gz")
}

/// Collects data files under `folder`, descending `levels` more levels of sub-folders. Folders
/// are entered whatever their name: GluonTS' `ignore_hidden` looks at file names only.
fn collect_files(folder: &Path, levels: usize, files: &mut Vec<PathBuf>) -> Result<()> {
    let io = |source| TsError::Io {
        path: folder.to_path_buf(),
        source,
    };
    for e in std::fs::read_dir(folder).map_err(io)? {
        let path = e.map_err(io)?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            if levels > 0 {
                collect_files(&path, levels - 1, files)?;
            }
        } else if is_data_file(&name) {
            files.push(path);
        }
    }
    Ok(())
}

/// The data files of a split folder and of its sub-folders two levels deep (GluonTS'
/// `FileDataset(levels=2)`), sorted by path (GluonTS takes directory order, which the file
/// system decides; sorting makes the series order reproducible).
fn split_files(folder: &Path, split: &'static str) -> Result<Vec<PathBuf>> {
    if !folder.is_dir() {
        return Err(TsError::MissingSplit {
            split,
            path: folder.to_path_buf(),
        });
    }
    let mut files = Vec::new();
    collect_files(folder, 2, &mut files)?;
    files.sort();
    Ok(files)
}

/// Reads every entry of one split folder (`train` or `test`), starts normalised to `freq`.
///
/// # Errors
/// See [`GluonTsDataset::load`].
pub fn read_split(
    folder: &Path,
    split: &'static str,
    freq: &Frequency,
) -> Result<Vec<SeriesEntry>> {
    let mut out = Vec::new();
    for path in split_files(folder, split)? {
        read_file(&path, freq, &mut out)?;
    }
    if out.is_empty() {
        return Err(TsError::EmptySplit {
            split,
            path: folder.to_path_buf(),
        });
    }
    Ok(out)
}

fn read_file(path: &Path, freq: &Frequency, out: &mut Vec<SeriesEntry>) -> Result<()> {
    let io = |source| TsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut magic = [0u8; 2];
    let n = file.read(&mut magic).map_err(io)?;
    let file = std::fs::File::open(path).map_err(io)?;
    let reader: Box<dyn BufRead> = if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(io)?;
        // Python's json.loads(bytes) drops a UTF-8 byte order mark at the start of the text, and
        // GluonTS hands it each line as bytes.
        let line = line.strip_prefix('\u{feff}').unwrap_or(&line);
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = crate::python_json::parse(line).map_err(|syntax| TsError::EntryJson {
            path: path.to_path_buf(),
            line: i + 1,
            syntax,
        })?;
        let entry = parse_entry(&v, freq, path, i + 1).map_err(|problem| TsError::Entry {
            path: path.to_path_buf(),
            line: i + 1,
            problem,
        })?;
        out.push(entry);
    }
    Ok(())
}

fn parse_entry(
    v: &Value,
    freq: &Frequency,
    path: &Path,
    line: usize,
) -> std::result::Result<SeriesEntry, EntryProblem> {
    let obj = v.as_object().ok_or(EntryProblem::NotAnObject)?;
    let start = match obj.get("start") {
        None | Some(Value::Null) => return Err(EntryProblem::NoStart),
        Some(Value::String(s)) => parse_timestamp(s).map_err(|reason| EntryProblem::BadStart {
            value: s.clone(),
            reason,
        })?,
        Some(other) => {
            return Err(EntryProblem::BadStart {
                value: other.to_string(),
                reason: "not a string".into(),
            });
        }
    };
    let target = obj.get("target").ok_or(EntryProblem::NoTarget)?;
    let rows = target.as_array().ok_or(EntryProblem::TargetNotList)?;
    if rows.is_empty() {
        return Err(EntryProblem::EmptyTarget);
    }
    let two_d = rows[0].is_array();
    let (dim, len, values) = if two_d {
        let expected = rows[0].as_array().map_or(0, Vec::len);
        let mut values = Vec::with_capacity(rows.len() * expected);
        for (r, row) in rows.iter().enumerate() {
            let row = row.as_array().ok_or(EntryProblem::TargetNotList)?;
            if row.len() != expected {
                return Err(EntryProblem::RaggedTarget {
                    row: r,
                    len: row.len(),
                    expected,
                });
            }
            for (t, x) in row.iter().enumerate() {
                values.push(target_value(x, || format!("[{r}][{t}]"))?);
            }
        }
        if expected == 0 {
            return Err(EntryProblem::EmptyTarget);
        }
        (rows.len(), expected, values)
    } else {
        let values = rows
            .iter()
            .enumerate()
            .map(|(t, x)| target_value(x, || t.to_string()))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        (1, rows.len(), values)
    };
    if values.iter().all(|x| x.is_nan()) {
        return Err(EntryProblem::AllMissing);
    }
    let feat_static_cat = match obj.get("feat_static_cat") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(static_cat_i32)
            .collect::<Option<Vec<_>>>()
            .ok_or(EntryProblem::BadStaticCat)?,
        Some(_) => return Err(EntryProblem::BadStaticCat),
    };
    let item_id = match obj.get("item_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    };
    Ok(SeriesEntry {
        start: freq.normalize(start),
        dim,
        len,
        target: values,
        feat_static_cat,
        item_id,
        path: path.to_path_buf(),
        line,
    })
}

fn target_value(
    x: &Value,
    position: impl Fn() -> String,
) -> std::result::Result<f32, EntryProblem> {
    target_f32(x).ok_or_else(|| EntryProblem::BadValue {
        position: position(),
        value: x.to_string(),
    })
}
