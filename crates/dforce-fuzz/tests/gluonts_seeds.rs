//! The `gluonts_dataset` seeds are datasets the reader opens (so mutations start from inputs that
//! reach the grouping and statistics), except `seed-year_0000`, which GluonTS refuses too.
//! Regenerate them with `python3 scripts/make_fuzz_seeds.py gluonts_dataset`.

use std::path::Path;

use dforce_fuzz::corpus_dir;
use dforce_fuzz::targets::{GLUONTS_SEPARATOR, gluonts_parts};
use dforce_timeseries_data::gluonts_reader::GluonTsDataset;
use dforce_timeseries_data::statistics::NanStatistics;
use dforce_timeseries_data::{ForecastSpec, PreparedData};

fn load(dir: &Path, data: &[u8]) -> Result<GluonTsDataset, String> {
    let parts = gluonts_parts(data);
    assert_eq!(parts.len(), 3, "a seed has metadata, train and test parts");
    for (name, part) in ["metadata.json", "train/data.json", "test/data.json"]
        .into_iter()
        .zip(parts)
    {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, part).unwrap();
    }
    GluonTsDataset::load(dir).map_err(|e| e.to_string())
}

#[test]
fn seeds_open_as_datasets() {
    let (mut seeds, mut prepared) = (0, 0);
    for entry in std::fs::read_dir(corpus_dir("gluonts_dataset")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("seed-") {
            continue;
        }
        seeds += 1;
        let data = std::fs::read(&path).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let loaded = load(dir.path(), &data);
        if name == "seed-year_0000" {
            let e = loaded.expect_err("year 0000 is refused");
            assert!(e.contains("year 0"), "{name}: {e}");
            continue;
        }
        let ds = loaded.unwrap_or_else(|e| panic!("{name}: {e}"));
        // The reader cases are reader cases (some have fewer test than train series); the
        // dataset GluonTS wrote and the hand-made seeds go all the way through.
        if name.starts_with("seed-ds")
            || name.starts_with("seed-freq_")
            || name.starts_with("seed-2d")
        {
            let spec = ForecastSpec::from_dataset(&ds).unwrap_or_else(|e| panic!("{name}: {e}"));
            PreparedData::new(&ds, spec, NanStatistics::SkipMissing)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            prepared += 1;
        }
    }
    assert!(
        seeds >= 10 && prepared >= 5,
        "{seeds} seeds, {prepared} prepared"
    );
}

#[test]
fn parts_split_at_the_first_two_separators() {
    let sep = std::str::from_utf8(GLUONTS_SEPARATOR).unwrap();
    let text = format!("m{sep}tr{sep}te{sep}x");
    assert_eq!(
        gluonts_parts(text.as_bytes()),
        vec![&b"m"[..], b"tr", format!("te{sep}x").as_bytes()]
    );
    assert_eq!(gluonts_parts(b"only"), vec![&b"only"[..]]);
    assert_eq!(gluonts_parts(b""), vec![&b""[..]]);
}
