//! The GluonTS on-disk reader: layouts, gzip, 1-D/2-D targets, frequencies, and every error
//! naming its file and 1-based line.

use std::io::Write;
use std::path::{Path, PathBuf};

use dforce_timeseries_data::error::{EntryProblem, TsError};
use dforce_timeseries_data::frequency::{FreqUnit, Frequency};
use dforce_timeseries_data::gluonts_reader::{GluonTsDataset, read_split};
use time::macros::datetime;

const META: &str = r#"{"freq": "H", "prediction_length": 2, "feat_static_cat": [{"name": "feat_static_cat", "cardinality": "2"}]}"#;
const GOOD: &str = r#"{"start": "2021-03-01 00:00:00", "target": [1, 2, "NaN", 4], "feat_static_cat": [0], "item_id": 0}"#;

fn dataset(meta: &str, train: &[&str], test: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ds");
    std::fs::create_dir_all(root.join("train")).unwrap();
    std::fs::create_dir_all(root.join("test")).unwrap();
    std::fs::write(root.join("metadata.json"), meta).unwrap();
    std::fs::write(root.join("train/data.json"), train.join("\n")).unwrap();
    std::fs::write(root.join("test/data.json"), test.join("\n")).unwrap();
    (dir, root)
}

fn write_gz(path: &Path, text: &str) {
    let f = std::fs::File::create(path).unwrap();
    let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap();
}

fn entry_error(train_line: &str) -> (TsError, PathBuf) {
    let (_d, root) = dataset(META, &[GOOD, train_line], &[GOOD]);
    let err = GluonTsDataset::load(&root).unwrap_err();
    (err, root.join("train/data.json"))
}

fn assert_entry(train_line: &str, want: impl Fn(&EntryProblem) -> bool) {
    let (err, path) = entry_error(train_line);
    let msg = err.to_string();
    match &err {
        TsError::Entry {
            path: p,
            line,
            problem,
        } => {
            assert_eq!(p, &path);
            assert_eq!(*line, 2, "{msg}");
            assert!(want(problem), "unexpected problem: {msg}");
            assert!(msg.starts_with(&format!("{}:2: ", path.display())), "{msg}");
        }
        other => panic!("expected an entry error, got {other:?}"),
    }
}

#[test]
fn reads_plain_layout_with_missing_values() {
    let (_d, root) = dataset(META, &[GOOD, GOOD], &[GOOD, GOOD, GOOD, GOOD]);
    let ds = GluonTsDataset::load(&root).unwrap();
    assert_eq!(ds.metadata.freq, "H");
    assert_eq!(ds.metadata.prediction_length, 2);
    assert_eq!(ds.metadata.feat_static_cat_cardinalities, vec![2]);
    assert_eq!(ds.train.len(), 2);
    assert_eq!(ds.num_test_dates(), 2);
    let e = &ds.train[0];
    assert_eq!((e.dim, e.len), (1, 4));
    assert_eq!(e.start, datetime!(2021-03-01 00:00));
    assert_eq!(e.target[..2], [1.0, 2.0]);
    assert!(e.target[2].is_nan());
    assert_eq!(e.item_id.as_deref(), Some("0"));
    assert_eq!(e.feat_static_cat, vec![0]);
    assert_eq!(e.line, 1);
}

#[test]
fn reads_gzip_and_several_files_sorted() {
    let (_d, root) = dataset(META, &[GOOD], &[GOOD]);
    let second = r#"{"start": "2021-03-01", "target": [5, null, 7], "item_id": "b"}"#;
    write_gz(&root.join("train/b.json.gz"), second);
    // gzip detected from content even when the name says plain JSON
    write_gz(&root.join("train/c.json"), second);
    std::fs::write(root.join("train/README.txt"), "not data").unwrap();
    // GluonTS skips a name whose joined suffixes are not a JSON-lines suffix, and hidden files
    std::fs::write(root.join("train/part.1.json"), GOOD).unwrap();
    std::fs::write(root.join("train/.hidden.json"), GOOD).unwrap();
    // sub-folders are read (two levels), in path order
    std::fs::create_dir_all(root.join("train/sub/deeper/deepest")).unwrap();
    std::fs::write(root.join("train/sub/deeper/x.jsonl"), second).unwrap();
    std::fs::write(root.join("train/sub/deeper/deepest/y.json"), second).unwrap();
    let ds = GluonTsDataset::load(&root).unwrap();
    assert_eq!(ds.train.len(), 4);
    assert!(ds.train[0].path.ends_with("b.json.gz"));
    assert!(ds.train[1].path.ends_with("c.json"));
    assert!(ds.train[2].path.ends_with("data.json"));
    assert!(ds.train[3].path.ends_with("sub/deeper/x.jsonl"));
    assert_eq!(ds.train[0].target[0], 5.0);
    assert!(ds.train[0].target[1].is_nan());
}

#[test]
fn reads_two_dimensional_targets() {
    let line = r#"{"start": "2021-03-01 00:00", "target": [[1, 2, 3], [4, "NaN", 6]]}"#;
    let (_d, root) = dataset(META, &[line], &[line]);
    let ds = GluonTsDataset::load(&root).unwrap();
    let e = &ds.train[0];
    assert_eq!((e.dim, e.len), (2, 3));
    assert_eq!(e.target[3], 4.0);
    assert!(e.target[4].is_nan());
}

#[test]
fn frequencies_and_timestamp_normalisation() {
    let cases = [
        (
            "H",
            "2021-03-01 05:45:00",
            datetime!(2021-03-01 05:00),
            FreqUnit::Hour,
        ),
        (
            "h",
            "2021-03-01 05:45:00",
            datetime!(2021-03-01 05:00),
            FreqUnit::Hour,
        ),
        (
            "30min",
            "2021-03-01 05:30:00",
            datetime!(2021-03-01 05:30),
            FreqUnit::Minute,
        ),
        (
            "T",
            "2021-03-01 05:30:20",
            datetime!(2021-03-01 05:30),
            FreqUnit::Minute,
        ),
        (
            "D",
            "2021-03-01 05:30:00",
            datetime!(2021-03-01 00:00),
            FreqUnit::Day,
        ),
        (
            "B",
            "2021-03-06",
            datetime!(2021-03-08 00:00),
            FreqUnit::BusinessDay,
        ),
        (
            "W",
            "2014-01-01",
            datetime!(2013-12-30 00:00),
            FreqUnit::Week,
        ),
    ];
    for (freq, start, want, unit) in cases {
        let meta = format!(r#"{{"freq": "{freq}", "prediction_length": 3}}"#);
        let line = format!(r#"{{"start": "{start}", "target": [1, 2]}}"#);
        let (_d, root) = dataset(&meta, &[&line], &[&line]);
        let ds = GluonTsDataset::load(&root).unwrap();
        assert_eq!(ds.freq.unit, unit, "{freq}");
        assert_eq!(ds.train[0].start, want, "{freq}");
    }
}

#[test]
fn entry_errors_name_file_and_line() {
    assert_entry(r#"{"target": [1, 2]}"#, |p| *p == EntryProblem::NoStart);
    assert_entry(
        r#"{"start": "March 1st", "target": [1]}"#,
        |p| matches!(p, EntryProblem::BadStart { value, .. } if value == "March 1st"),
    );
    assert_entry(r#"{"start": 5, "target": [1]}"#, |p| {
        matches!(p, EntryProblem::BadStart { .. })
    });
    assert_entry(r#"{"start": "2021-03-01", "target": 3}"#, |p| {
        *p == EntryProblem::TargetNotList
    });
    assert_entry(r#"{"start": "2021-03-01"}"#, |p| {
        *p == EntryProblem::NoTarget
    });
    assert_entry(r#"{"start": "2021-03-01", "target": []}"#, |p| {
        *p == EntryProblem::EmptyTarget
    });
    assert_entry(r#"{"start": "2021-03-01", "target": [[], []]}"#, |p| {
        *p == EntryProblem::EmptyTarget
    });
    assert_entry(r#"{"start": "2021-03-01", "target": ["NaN", null]}"#, |p| {
        *p == EntryProblem::AllMissing
    });
    assert_entry(r#"{"start": "2021-03-01", "target": [[1, 2], [3]]}"#, |p| {
        *p == EntryProblem::RaggedTarget {
            row: 1,
            len: 1,
            expected: 2,
        }
    });
    assert_entry(
        r#"{"start": "2021-03-01", "target": [1, "x"]}"#,
        |p| matches!(p, EntryProblem::BadValue { position, .. } if position == "1"),
    );
    assert_entry(
        r#"{"start": "2021-03-01", "target": [1], "feat_static_cat": ["a"]}"#,
        |p| *p == EntryProblem::BadStaticCat,
    );
    assert_entry("[1, 2]", |p| *p == EntryProblem::NotAnObject);
    let msg = entry_error(r#"{"start": "2021-03-01", "target": ["NaN"]}"#)
        .0
        .to_string();
    assert!(msg.contains("every target value is missing"), "{msg}");
}

/// An invalid line names file, line and column (Python's `json.loads("{not json")` says
/// "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"), the parser's
/// complaint and a hint, all in the message (callers print only the message).
#[test]
fn invalid_json_line_names_line_column_and_hint() {
    let (err, path) = entry_error("{not json");
    match &err {
        TsError::EntryJson {
            path: p,
            line,
            syntax,
        } => {
            assert_eq!((p, *line, syntax.column), (&path, 2, 2));
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("{}:2:2: not valid JSON: ", path.display())),
        "{msg}"
    );
    assert!(msg.contains("one JSON object"), "{msg}");
    assert!(std::error::Error::source(&err).is_none());
    // json.loads('{"start": "2021-03-01", "target": [1, nan]}') -> Expecting value: line 1
    // column 39 (char 38)
    let (err, _) = entry_error(r#"{"start": "2021-03-01", "target": [1, nan]}"#);
    let msg = err.to_string();
    assert!(msg.contains(":2:39: not valid JSON"), "{msg}");
    assert!(msg.contains("write a missing value as NaN"), "{msg}");
}

#[test]
fn gzip_line_numbers_count_blank_lines() {
    let (_d, root) = dataset(META, &[GOOD], &[GOOD]);
    write_gz(
        &root.join("train/z.json.gz"),
        &format!("{GOOD}\n\n{{\"target\": [1]}}\n"),
    );
    let err = GluonTsDataset::load(&root).unwrap_err();
    match err {
        TsError::Entry { path, line, .. } => {
            assert!(path.ends_with("z.json.gz"));
            assert_eq!(line, 3);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn split_errors() {
    let (_d, root) = dataset(META, &[GOOD], &[""]);
    assert!(matches!(
        GluonTsDataset::load(&root).unwrap_err(),
        TsError::EmptySplit { split: "test", .. }
    ));
    let (_d, root) = dataset(META, &[""], &[GOOD]);
    assert!(matches!(
        GluonTsDataset::load(&root).unwrap_err(),
        TsError::EmptySplit { split: "train", .. }
    ));
    let (_d, root) = dataset(META, &[GOOD], &[GOOD]);
    std::fs::remove_dir_all(root.join("train")).unwrap();
    let err = GluonTsDataset::load(&root).unwrap_err();
    assert!(
        matches!(err, TsError::MissingSplit { split: "train", .. }),
        "{err}"
    );
    assert!(err.to_string().contains("train split folder is missing"));
    // a folder with only non-data files is empty
    let (_d, root) = dataset(META, &[GOOD], &[GOOD]);
    std::fs::remove_file(root.join("test/data.json")).unwrap();
    std::fs::write(root.join("test/notes.txt"), GOOD).unwrap();
    assert!(matches!(
        read_split(&root.join("test"), "test", &Frequency::parse("H").unwrap()).unwrap_err(),
        TsError::EmptySplit { .. }
    ));
}

#[test]
fn metadata_errors() {
    let cases = [
        ("{", "not valid JSON"),
        (r#"{"prediction_length": 2}"#, "no string \"freq\""),
        (r#"{"freq": "H"}"#, "prediction_length"),
        (
            r#"{"freq": "H", "prediction_length": 0}"#,
            "prediction_length",
        ),
        (
            r#"{"freq": "H", "prediction_length": "x"}"#,
            "prediction_length",
        ),
        // GluonTS (pydantic 1) would read 8.5 as 8 and true as 1: refused, saying so.
        (
            r#"{"freq": "H", "prediction_length": 8.5}"#,
            "\"prediction_length\" 8.5 is not an integer (GluonTS would truncate it to 8 \
             silently); write an integer in 1..=1000000, e.g. 8 or 9",
        ),
        (
            r#"{"freq": "H", "prediction_length": true}"#,
            "\"prediction_length\" true is not an integer (GluonTS would read it as 1); \
             write the number of steps, e.g. \"prediction_length\": 1",
        ),
        (
            r#"{"freq": "H", "prediction_length": -2}"#,
            "\"prediction_length\" -2 is not in 1..=1000000",
        ),
        (
            r#"{"freq": "Q", "prediction_length": 2}"#,
            "unsupported \"freq\" \"Q\"",
        ),
        (
            r#"{"freq": "H", "prediction_length": 2, "feat_static_cat": [{"name": "a"}]}"#,
            "feat_static_cat[0].cardinality",
        ),
        (
            r#"{"freq": "H", "prediction_length": 2, "feat_static_cat": 3}"#,
            "not a list",
        ),
    ];
    for (meta, want) in cases {
        let (_d, root) = dataset(meta, &[GOOD], &[GOOD]);
        let msg = GluonTsDataset::load(&root).unwrap_err().to_string();
        assert!(msg.contains("metadata.json"), "{msg}");
        assert!(msg.contains(want), "{meta}: {msg}");
    }
    let (_d, root) = dataset(META, &[GOOD], &[GOOD]);
    std::fs::remove_file(root.join("metadata.json")).unwrap();
    let err = GluonTsDataset::load(&root).unwrap_err();
    assert!(matches!(err, TsError::Io { .. }), "{err}");
}

/// A prediction length no window could hold (here u64::MAX) is a metadata error naming the
/// bound, not an overflow later when the history length is derived from it.
#[test]
fn prediction_lengths_past_the_bound_are_metadata_errors() {
    let meta = r#"{"freq": "H", "prediction_length": 18446744073709551615}"#;
    let line = r#"{"start": "2020-01-01 00:00:00", "target": [1, 2]}"#;
    let (_d, root) = dataset(meta, &[line], &[line]);
    let err = GluonTsDataset::load(&root).unwrap_err().to_string();
    assert!(
        err.contains("prediction_length") && err.contains("1..=1000000"),
        "{err}"
    );
}

/// Numeric strings read as GluonTS' `AsNumpyArray` reads them (`np.asarray(x, dtype=float32)`,
/// i.e. Python's `float(str)` rounded to float32). Oracle (numpy 2.4, Python 3):
///   np.asarray(['57.92', ' 1_000 ', '+.5', '5.', '1e5', '-0.0', '1e400', '-Infinity', '1E-3'],
///              dtype=np.float32).view(np.uint32)
///   float(s) for the refused strings raises ValueError; '-nan', '+inf', 'INF', '1e1_0' read.
#[test]
fn numeric_string_targets_read_as_numpy_reads_them() {
    use dforce_timeseries_data::gluonts_reader::python_float;
    let line = r#"{"start": "2021-03-01 00:00:00", "target": ["57.92", " 1_000 ", "+.5", "5.", "1e5", "-0.0", "1e400", "-Infinity", "1E-3", "NaN"]}"#;
    let (_d, root) = dataset(META, &[line, line], &[line, line]);
    let ds = GluonTsDataset::load(&root).unwrap();
    let bits: Vec<u32> = ds.train[0].target[..9]
        .iter()
        .map(|x| x.to_bits())
        .collect();
    assert_eq!(
        bits,
        [
            0x4267_ae14,
            0x447a_0000,
            0x3f00_0000,
            0x40a0_0000,
            0x47c3_5000,
            0x8000_0000,
            0x7f80_0000,
            0xff80_0000,
            0x3a83_126f
        ]
    );
    assert!(ds.train[0].target[9].is_nan());
    for ok in ["-nan", "+inf", "INF", "1e1_0"] {
        assert!(python_float(ok).is_some(), "{ok}");
    }
    for bad in [
        "1__0", "_1", "1_", "1_.5", "0x10", "", "nan(1)", "1,5", "1.0f", "e5", ".", "1e", "infinit",
    ] {
        assert_eq!(python_float(bad), None, "{bad}");
    }
    let msg = entry_error(r#"{"start": "2021-03-01", "target": [1, "1,5"]}"#)
        .0
        .to_string();
    assert!(
        msg.contains(r#"is "1,5", not a number, NaN/Infinity, a numeric string"#),
        "{msg}"
    );
}

/// A frequency prints as the pandas alias it was written as, not as Rust's Debug text.
#[test]
fn frequencies_print_as_pandas_aliases() {
    for (text, shown) in [
        ("D", "D"),
        ("1D", "D"),
        ("2D", "2D"),
        ("H", "H"),
        ("h", "H"),
        ("30min", "30min"),
        ("30T", "30min"),
        ("B", "B"),
        ("W-SUN", "W"),
    ] {
        let f = Frequency::parse(text).unwrap();
        assert_eq!(f.to_string(), shown, "{text}");
        assert_eq!(Frequency::parse(&f.to_string()).unwrap(), f);
    }
}

/// A test split whose entry count is not a multiple of the number of series is refused naming
/// the test file and the counts (the branch's `len(test) // len(train)` silently dropped the
/// remainder, and the run then blamed metadata.json).
#[test]
fn a_test_split_not_a_multiple_of_the_series_is_refused() {
    use dforce_timeseries_data::spec::ForecastSpec;
    let (_d, root) = dataset(META, &[GOOD, GOOD], &[GOOD, GOOD, GOOD, GOOD, GOOD]);
    let ds = GluonTsDataset::load(&root).unwrap();
    let msg = ForecastSpec::from_dataset(&ds).unwrap_err().to_string();
    let file = root.join("test/data.json");
    assert!(
        msg.contains(&format!(
            "the test split ({}) has 5 entries for the 2 series of the train split",
            file.display()
        )),
        "{msg}"
    );
    assert!(
        msg.ends_with("must be a multiple of 2 (4 for 2 dates, 6 for 3)"),
        "{msg}"
    );
}
