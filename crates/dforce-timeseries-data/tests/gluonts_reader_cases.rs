//! GluonTS-layout inputs that GluonTS 0.13.1 reads although its own writer does not produce
//! them (issue #12 kind 4), and `start` strings, read as GluonTS / pandas read them.
//!
//! Every expected value comes from `scripts/make_gluonts_reader_cases.py` run under GluonTS
//! 0.13.1, pandas 2.0.3, numpy 1.26.4 and Python 3.11 (`json` variant: the standard library),
//! committed in `tests/fixtures/gluonts/reader_cases/` (`DFORCE_GLUONTS_READER_CASES` points
//! the tests at a fresh copy): `starts.json` (what `ProcessStartField` makes of each string
//! with each frequency) and `expected.json` (what `load_datasets` reads from each case folder).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dforce_timeseries_data::error::{EntryProblem, TsError};
use dforce_timeseries_data::frequency::Frequency;
use dforce_timeseries_data::gluonts_reader::{GluonTsDataset, SeriesEntry, parse_timestamp};
use serde_json::Value;
use time::{Date, Month, PrimitiveDateTime, Time};

fn cases_dir() -> PathBuf {
    match std::env::var_os("DFORCE_GLUONTS_READER_CASES") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/gluonts/reader_cases")
        }
    }
}

fn json(name: &str) -> Value {
    let path = cases_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run scripts/make_gluonts_reader_cases.py)",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

/// The first minute of a period as pandas prints it (`str(p.asfreq("T", "S"))`):
/// `Y-MM-DD HH:MM`, the year not zero-padded.
fn pandas_minute(s: &str) -> PrimitiveDateTime {
    let n: Vec<u32> = s
        .split(['-', ' ', ':'])
        .map(|x| x.parse().unwrap())
        .collect();
    let date = Date::from_calendar_date(
        n[0] as i32,
        Month::try_from(n[1] as u8).unwrap(),
        n[2] as u8,
    )
    .unwrap();
    PrimitiveDateTime::new(date, Time::from_hms(n[3] as u8, n[4] as u8, 0).unwrap())
}

/// A target value as the oracle writes it: numbers, null for NaN, "inf" / "-inf".
fn oracle_f32(v: &Value) -> f32 {
    match v {
        Value::Null => f32::NAN,
        Value::String(s) if s == "inf" => f32::INFINITY,
        Value::String(s) if s == "-inf" => f32::NEG_INFINITY,
        other => other.as_f64().unwrap() as f32,
    }
}

fn check_entries(case: &str, split: &str, got: &[SeriesEntry], want: &Value, freq: &Frequency) {
    let want = want.as_object().unwrap();
    let ids: BTreeSet<&str> = got.iter().map(|e| e.item_id.as_deref().unwrap()).collect();
    assert_eq!(
        ids,
        want.keys().map(String::as_str).collect(),
        "{case}/{split}: the series read"
    );
    assert_eq!(got.len(), want.len(), "{case}/{split}: entries");
    for e in got {
        let id = e.item_id.as_deref().unwrap();
        let w = &want[id];
        let at = format!("{case}/{split}/{id}");
        assert_eq!(
            e.start,
            pandas_minute(w["start"].as_str().unwrap()),
            "{at}: start"
        );
        assert_eq!(
            freq.period_label(e.start).to_string(),
            w["period"].as_str().unwrap(),
            "{at}: period"
        );
        let target: Vec<f32> = w["target"]
            .as_array()
            .unwrap()
            .iter()
            .map(oracle_f32)
            .collect();
        assert_eq!(e.target.len(), target.len(), "{at}: target length");
        for (t, (g, x)) in e.target.iter().zip(&target).enumerate() {
            assert!(
                g.to_bits() == x.to_bits() || (g.is_nan() && x.is_nan()),
                "{at}: target[{t}] {g} vs GluonTS {x}"
            );
        }
        let cats: Vec<i32> = w["feat_static_cat"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap() as i32)
            .collect();
        assert_eq!(e.feat_static_cat, cats, "{at}: feat_static_cat");
    }
}

/// Loads the case folder and compares it with what GluonTS's `load_datasets` read.
fn check_case(case: &str) {
    let expected = json("expected.json");
    let want = &expected["cases"][case];
    assert!(want.is_object(), "{case}: not in expected.json");
    assert!(want.get("error").is_none(), "{case}: GluonTS refuses it");
    let ds =
        GluonTsDataset::load(&cases_dir().join(case)).unwrap_or_else(|e| panic!("{case}: {e}"));
    assert_eq!(
        ds.metadata.prediction_length as u64,
        want["prediction_length"].as_u64().unwrap(),
        "{case}"
    );
    // GluonTS keeps the cardinality as the text pydantic made of it ("2", or "2.0" for 2.0).
    let cards: Vec<f64> = want["cardinalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().parse().unwrap())
        .collect();
    let got: Vec<f64> = ds
        .metadata
        .feat_static_cat_cardinalities
        .iter()
        .map(|&c| c as f64)
        .collect();
    assert_eq!(got, cards, "{case}: cardinalities");
    check_entries(case, "train", &ds.train, &want["train"], &ds.freq);
    check_entries(case, "test", &ds.test, &want["test"], &ds.freq);
}

/// Item 1: ISO `start` with `Z`, `+00:00`, `+05:00`: pandas' Period keeps the wall-clock time.
#[test]
fn start_with_a_zone_reads_as_gluonts() {
    check_case("start_zone");
}

/// Item 2: `20210301`, `2021/03/01 00:00`, `03/01/2021 00:00`, `2021-03-01 00`, `1 March 2021`.
#[test]
fn start_forms_pandas_parses_read_as_gluonts() {
    check_case("start_forms");
}

/// Item 3: bare `NaN`, `Infinity`, `-Infinity` as Python's `json.dumps` writes them.
#[test]
fn json_dumps_nan_and_infinity_read_as_gluonts() {
    check_case("json_dumps_nonfinite");
}

/// Item 4: a UTF-8 byte order mark at the start of a data file, plain or gzipped.
#[test]
fn byte_order_mark_reads_as_gluonts() {
    check_case("bom");
    check_case("bom_gz");
}

/// Item 5: `true` / `false` in `target` are 1 and 0, as numpy's float32 conversion.
#[test]
fn boolean_targets_read_as_gluonts() {
    check_case("bool_target");
}

/// Item 6: `feat_static_cat` of `[1.5]`, `[-1]`, `["1"]`, `[true]`, `[" 2 "]`, `[-1.5]`,
/// `["+1_0"]`, read as numpy's int32 conversion.
#[test]
fn static_cat_forms_read_as_gluonts() {
    check_case("static_cat_forms");
}

/// Item 7: `"prediction_length": 2.0` and `"cardinality": 2.0` in metadata.json.
#[test]
fn metadata_floats_read_as_gluonts() {
    check_case("metadata_floats");
}

/// Item 8: GluonTS enters `.sub/` and `x/.sub2/` (two levels), reads `_under.json`, skips the
/// file `.hidden.json` and anything three levels down.
#[test]
fn hidden_folders_are_read_as_gluonts_reads_them() {
    check_case("hidden_folder");
}

/// Item 9: `start` in year 0000, which pandas refuses ("year 0 is out of range").
#[test]
fn year_0000_is_refused_as_pandas_refuses_it() {
    let expected = json("expected.json");
    let want = expected["cases"]["year_0000"]["error"].as_str().unwrap();
    assert!(want.contains("year 0 is out of range"), "{want}");
    let err = GluonTsDataset::load(&cases_dir().join("year_0000")).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            &err,
            TsError::Entry {
                line: 1,
                problem: EntryProblem::BadStart { .. },
                ..
            }
        ),
        "{msg}"
    );
    assert!(msg.contains("year 0 is out of range"), "{msg}");
}

/// Every `start` string of the oracle with every frequency: what pandas refuses is refused;
/// what dforce accepts is the period pandas makes of it, printed as pandas prints it (item 10);
/// the forms the issue lists (and the other common ones) are accepted.
#[test]
fn start_strings_match_pandas() {
    let starts = json("starts.json");
    let must_accept: BTreeSet<&str> = [
        "2021-03-01 00:00",
        "2021-03-01 00:00:00",
        "2021-03-01",
        "2021-03-01T13:30",
        "2021-03-01 13:30:05.5",
        "2021-03-01T00:00:00Z",
        "2021-03-01 00:00:00+00:00",
        "2021-03-01T05:00:00+05:00",
        "2021-03-01 23:30:00-02:00",
        "2021-03-01T00:00:00.000Z",
        "2021-03-01T10:15:00+0530",
        "2021-03-01 00:00:00 +0000",
        "2021-03-01 00:00 UTC",
        "20210301",
        "2021/03/01 00:00",
        "03/01/2021 00:00",
        "2021-03-01 00",
        "1 March 2021",
        "2021-3-1",
        "2021-03-01 5:00",
        "2021.03.01",
        "13/01/2021",
        "1/3/2021",
        "March 1, 2021",
        "Mar 1 2021",
        "1 Sept 2021",
        "0001-01-01 00:00",
        "9999-12-31 23:00",
        // second round (issue #12 kind 4)
        "2021-03-01T00:00:00z",
        "2021-03-01 00:00 utc",
        "2021-03-01T0500",
        "2021-03-01T050000",
        "2021-03-01T05:00:00.1234567891",
        "2021-03-01 05:00:00,5",
        "2021-03-01 05:00:00.",
        " 2021-03-01 05:00",
        "2021-03-01 05:00:00 ",
    ]
    .into();
    let mut accepted = BTreeSet::new();
    for case in starts["cases"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let freq = Frequency::parse(case["freq"].as_str().unwrap()).unwrap();
        let got = parse_timestamp(text).map(|t| freq.normalize(t));
        match (&got, case.get("period")) {
            (Err(_), None) => {}
            (Ok(t), None) => panic!("{text:?} ({freq}): read as {t}, pandas refuses it: {case}"),
            (Err(e), Some(_)) => {
                assert!(!must_accept.contains(text), "{text:?} refused: {e}");
            }
            (Ok(t), Some(period)) => {
                assert_eq!(*t, pandas_minute(case["start"].as_str().unwrap()), "{case}");
                assert_eq!(
                    freq.period_label(*t).to_string(),
                    period.as_str().unwrap(),
                    "{case}"
                );
                accepted.insert(text);
            }
        }
    }
    let missing: Vec<_> = must_accept.difference(&accepted).collect();
    assert!(
        missing.is_empty(),
        "not in the oracle or refused: {missing:?}"
    );
}

/// Item 10: the training start prints as pandas prints the period (`str(pd.Period)`), not as
/// `time`'s `2013-10-01 0:00:00.0`. Values from the oracle's starts.json.
#[test]
fn periods_print_as_pandas_prints_them() {
    for (text, freq, pandas) in [
        ("2013-10-01 00:00:00", "H", "2013-10-01 00:00"),
        ("2021-03-06 13:45", "30min", "2021-03-06 13:45"),
        ("2021-03-06 13:45", "D", "2021-03-06"),
        ("2021-03-06 13:45", "B", "2021-03-08"),
        ("2021-03-06 13:45", "W", "2021-03-01/2021-03-07"),
        ("0001-01-01 00:00", "H", "1-01-01 00:00"),
        ("9999-12-31 23:00", "W", "9999-12-27/10000-01-02"),
    ] {
        let f = Frequency::parse(freq).unwrap();
        let t = f.normalize(parse_timestamp(text).unwrap());
        assert_eq!(f.period_label(t).to_string(), pandas, "{text} {freq}");
    }
}

/// A refused `start` names the field, the value and a form that works.
#[test]
fn refused_start_names_field_value_and_a_working_form() {
    let problem = EntryProblem::BadStart {
        value: "1st March 2021".into(),
        reason: parse_timestamp("1st March 2021").unwrap_err(),
    };
    let msg = problem.to_string();
    assert!(
        msg.starts_with("\"start\" \"1st March 2021\" is not a timestamp"),
        "{msg}"
    );
    assert!(msg.contains("write it as \"2021-03-01 00:00:00\""), "{msg}");
}

/// Every `start` string pandas reads is read, except the forms dforce refuses deliberately
/// (dateutil's guesses: two-digit years, `12pm`, ordinals, weekday names, the year first with
/// a month name, `1-Mar-2021`; and a year or a year-month alone, which pandas reads as a
/// period of a year or a month).
#[test]
fn only_the_deliberate_refusals_differ_from_pandas() {
    let deliberate: BTreeSet<&str> = [
        "21-03-01",
        "2021",
        "2021-03",
        "2021-03-01 12pm",
        "1st March 2021",
        "Monday 1 March 2021",
        "2021 March 1",
        "1-Mar-2021",
    ]
    .into();
    let starts = json("starts.json");
    let mut refused = BTreeSet::new();
    for case in starts["cases"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        if let (Some(_), Err(e)) = (case.get("period"), parse_timestamp(text)) {
            assert!(
                deliberate.contains(text),
                "{text:?}: pandas reads it, dforce: {e}"
            );
            refused.insert(text);
        }
    }
    assert_eq!(refused, deliberate, "not in the oracle or not refused");
}

/// What pandas 2.0.3 refuses with `KeyError: 14` (a blank, `Z` or an offset right after the
/// minutes or the hour, trailing blanks after them) is refused with the reason and a form
/// that works.
#[test]
fn pandas_key_error_14_forms_are_refused_with_a_working_form() {
    for text in [
        "2021-03-01 05:00 +05:00",
        "2021-03-01 05:00+0530",
        "2021-03-01T05:00Z",
        "2021-03-01 05:00 ",
        " 2021-03-01 05:00 ",
    ] {
        let reason = parse_timestamp(text).unwrap_err();
        assert!(reason.contains("KeyError: 14"), "{text:?}: {reason}");
        assert!(reason.contains("\"2021-03-01 05:00:00+05:00\""), "{reason}");
        let msg = EntryProblem::BadStart {
            value: text.into(),
            reason,
        }
        .to_string();
        assert!(
            msg.starts_with(&format!("\"start\" {text:?} is not a timestamp")),
            "{msg}"
        );
    }
}
