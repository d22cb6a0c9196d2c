//! Error types. Every error about a data file names the file, and every error about one JSON line
//! names its 1-based line number, so one bad entry among thousands is found from the message alone.
//! Causes (I/O, gzip) are chained as `source()` once and never repeated in the message; JSON
//! syntax errors print their column, complaint and hint in the message instead (callers print
//! only the message).

use std::path::PathBuf;

/// What is wrong with one JSON line of a GluonTS split (see [`TsError::Entry`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EntryProblem {
    /// The line is not a JSON object.
    #[error("the entry is not a JSON object")]
    NotAnObject,
    /// No `start` field.
    #[error("the entry has no \"start\" timestamp")]
    NoStart,
    /// `start` is not a string this crate can read as a timestamp (see [`crate::timestamp`]).
    #[error(
        "\"start\" {value:?} is not a timestamp dforce reads: {reason}; write it as \
         {example} (as GluonTS writes it)",
        example = crate::timestamp::START_EXAMPLE
    )]
    BadStart {
        /// The field as written.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// No `target` field.
    #[error("the entry has no \"target\"")]
    NoTarget,
    /// `target` is not a list (or a list of lists).
    #[error("\"target\" is not a list of numbers or a list of lists of numbers")]
    TargetNotList,
    /// `target` is an empty list (or holds an empty row).
    #[error("\"target\" is empty")]
    EmptyTarget,
    /// A target value is neither a number, a string numpy reads as a float, a boolean, nor null.
    #[error(
        "target value at {position} is {value}, not a number, NaN/Infinity, a numeric string \
         (\"57.92\", \"NaN\", as numpy's float() reads them), true/false or null"
    )]
    BadValue {
        /// `t` for a 1-D target, `[row][t]` for a 2-D target.
        position: String,
        /// The JSON value as written.
        value: String,
    },
    /// The rows of a 2-D target differ in length.
    #[error("row {row} of the 2-D target has {len} values, row 0 has {expected}")]
    RaggedTarget {
        /// 0-based row.
        row: usize,
        /// Its length.
        len: usize,
        /// Length of row 0.
        expected: usize,
    },
    /// Every target value is missing: there is nothing to learn or score (GluonTS would impute
    /// zeros and train on them silently).
    #[error("every target value is missing (NaN); remove the series or fill it")]
    AllMissing,
    /// `feat_static_cat` is present but not a list of values numpy reads as int32.
    #[error(
        "\"feat_static_cat\" is not a list of integers (numbers, true/false, or strings such as \
         \"3\"; within int32), as GluonTS reads it with np.asarray(..., dtype=np.int32)"
    )]
    BadStaticCat,
}

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum TsError {
    /// A file or directory could not be read (the cause is chained).
    #[error("cannot read {path}")]
    Io {
        /// File or directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// `metadata.json` is not JSON as Python's `json` module reads it.
    #[error(
        "{path}:{}:{}: not valid JSON: {}; {}",
        syntax.line, syntax.column, syntax.detail, syntax.hint
    )]
    MetadataJson {
        /// The metadata file.
        path: PathBuf,
        /// Where and why (printed in the message, not chained).
        syntax: crate::python_json::JsonSyntax,
    },
    /// `metadata.json` lacks a field or has one of the wrong type or value.
    #[error("{path}: {reason}")]
    Metadata {
        /// The metadata file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A line of a split file is not JSON as Python's `json` module reads it.
    #[error(
        "{path}:{line}:{}: not valid JSON: {}; {}",
        syntax.column, syntax.detail, syntax.hint
    )]
    EntryJson {
        /// The data file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The column, the parser's complaint and a hint (printed in the message, not chained).
        syntax: crate::python_json::JsonSyntax,
    },
    /// A line of a split file is JSON but not a usable GluonTS entry.
    #[error("{path}:{line}: {problem}")]
    Entry {
        /// The data file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: EntryProblem,
    },
    /// A split folder (`train/`, `test/`) is absent.
    #[error("{path}: the {split} split folder is missing")]
    MissingSplit {
        /// `train` or `test`.
        split: &'static str,
        /// The folder that was expected.
        path: PathBuf,
    },
    /// A split folder holds no entries (no `*.json`, `*.jsonl`, `*.json.gz` or `*.jsonl.gz` files, or only empty ones).
    #[error(
        "{path}: the {split} split holds no series (looked for *.json, *.jsonl, *.json.gz, *.jsonl.gz)"
    )]
    EmptySplit {
        /// `train` or `test`.
        split: &'static str,
        /// The split folder.
        path: PathBuf,
    },
    /// A frequency string this crate does not support.
    #[error(
        "unsupported frequency {0:?} (supported: [n]T/min, [n]H/h, [n]D, B, W[-SUN], e.g. \"30min\")"
    )]
    Frequency(String),
    /// A time-feature name that is not one of GluonTS' Fourier date attributes.
    #[error(
        "unknown time feature {0:?} (known: month, day, hour, minute, weekofyear, weekday, dayofweek, dayofyear, daysinmonth)"
    )]
    TimeFeature(String),
    /// A forecast specification that cannot be used.
    #[error("invalid forecast spec: {0}")]
    Spec(String),
    /// Series that cannot be grouped (misaligned or of mismatching lengths).
    #[error("cannot group the {split} split: {reason}")]
    Grouping {
        /// `train` or `test`.
        split: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A window index, start point or sample count outside its valid range.
    #[error("{0}")]
    OutOfRange(String),
    /// Arrays whose length does not match the shape given with them.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// A forecast holds NaN or infinite values (GluonTS' evaluator refuses those too).
    #[error("the forecast samples hold non-finite values")]
    NonFiniteForecast,
}

/// Result of this crate.
pub type Result<T> = std::result::Result<T, TsError>;
