#!/usr/bin/env python3
"""Writes the GluonTS reader-acceptance oracle (issue #12 kind 4): inputs GluonTS 0.13.1 reads
(or refuses), and what GluonTS / pandas make of them, for
crates/dforce-timeseries-data/tests/gluonts_reader_cases.rs.

Usage (in a venv with gluonts 0.13.1, pandas 2.0.3, numpy 1.26, pydantic 1.10; the one that
scripts/check_gluonts.sh makes will do; run from the repository root):

    python scripts/make_gluonts_reader_cases.py [OUT_DIR]

OUT_DIR (default tests/fixtures/gluonts/reader_cases) gets:

- starts.json: `start` strings crossed with frequencies, each with what
  `gluonts.dataset.common.ProcessStartField(freq)` makes of it (pd.Period(text, freq)):
  `period` = str(Period) (how pandas prints it), `start` = str(Period.asfreq("T", "S")) (the
  first minute of the period), or `error` = the exception GluonTS raises.
- one dataset folder per case (metadata.json, train/, test/), written as a user or Python's
  `json.dumps` would write them (not by GluonTS's writer: these are the forms GluonTS reads
  although its own writer does not produce them), and expected.json: per case what
  `gluonts.dataset.common.load_datasets` reads (prediction_length, the cardinality strings,
  and per entry, keyed by item_id, the period start, the float32 target with NaN as null and
  +-inf as "inf"/"-inf", feat_static_cat as int32), or the error it raises.

The script only records GluonTS's behaviour; it never computes an expected value itself.
The JSON module GluonTS uses is recorded too (`gluonts.json.variant`): "json" (Python's
standard library) unless orjson or ujson is installed, which are optional extras of gluonts.
"""

import gzip
import json
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")

from gluonts import json as gluonts_json  # noqa: E402
from gluonts.dataset.common import ProcessStartField, load_datasets  # noqa: E402

FREQS = ["H", "D", "30min", "2H", "W", "B"]

STARTS = [
    # as GluonTS writes them
    "2021-03-01 00:00", "2021-03-01 00:00:00", "2021-03-01", "2021-03-01T13:30",
    "2021-03-01 13:30:05.5", "2021-03-06 13:45", "2021-03-07 23:59",
    # item 1: ISO with a zone
    "2021-03-01T00:00:00Z", "2021-03-01 00:00:00+00:00", "2021-03-01T05:00:00+05:00",
    "2021-03-01 23:30:00-02:00", "2021-03-01T00:00:00.000Z", "2021-03-01T00:00:00+05",
    "2021-03-01T10:15:00+0530", "2021-03-01 00:00:00 +0000", "2021-03-01 00:00 UTC",
    "2021-03-01 00:00:00Z", "2021-03-01T00:00:00-00:00", "2021-03-01T12:00:00+23:59",
    "2021-03-01T00:00:00+24:00", "2021-03-01Z",
    # item 2: other forms pandas parses
    "20210301", "2021/03/01 00:00", "03/01/2021 00:00", "2021-03-01 00", "1 March 2021",
    "2021-3-1", "2021-03-01 5:00", "2021.03.01", "2021/03/01", "03/01/2021", "13/01/2021",
    "01/13/2021", "1/3/2021", "01-03-2021", "01.03.2021", "13/01/2021 10:00",
    "2021-03-01T07", "2021-03-01 07", "March 1, 2021", "Mar 1 2021", "1 Mar 2021 06:30",
    "01 Mar 2021 00:00", "1 march 2021", "MARCH 1 2021", "1 Sept 2021", "2021-03-01  00:00",
    " 2021-03-01 ", "2021-03-01\t00:00", "2021-03-01 00:00:00.123456789",
    # forms dforce refused at first (pandas' result recorded all the same; 20210301T0000 is
    # read since the ISO reader was ported)
    "21-03-01", "2021", "2021-03", "2021-03-01 12pm", "20210301T0000", "1st March 2021",
    "Monday 1 March 2021", "2021 March 1", "1-Mar-2021", "2021-W09",
    # refused by pandas
    "yesterday", "2021-02-29", "2021-03-01 24:00", "2021-03-01 00:60", "10000-01-01",
    "+2021-03-01", "2021-03-01 00:00:00+05:30:00", "",
    # issue #12 kind 4, second round: read by pandas, refused by dforce before
    "2021-03-01T00:00:00z", "2021-03-01 00:00 utc", "2021-03-01 00:00:00 gmt",
    "2021-03-01t05:00:00", "2021-03-01T0500", "2021-03-01T050000", "2021-03-01 0500",
    "2021-03-01T050000Z", "2021-03-01T05:00:00.1234567891", "2021-03-01 05:59:59.9999999999",
    "2021-03-01 05:00:00.123456789012345678", "2021-03-01 05:00:00.1234567890123456789",
    "2021-03-01 05:00:00,5", "2021-03-01 05:59:59,9999999999", "2021-03-01T05:00:00,5Z",
    "2021-03-01 05:00:00,5 +05:00", "2021-03-01 05:00:00.", "2021-03-01T05:00:00.Z",
    "2021-03-01 05:00:00. +05:00", "2021-03-01T05:00:00+05:3", "2021-03-01T05:00:00+5",
    "2021/03/01T05:00", "20210301T0500", "2021 03 01", "2021 03 01 05:00",
    " 2021-03-01 05:00", "2021-03-01 05:00:00 ", " 2021-03-01 05:00:00+05:00 ",
    "2021-03-01T05:00 UTC", "2021-03-01  05:00 +05:00", "03/01/2021 05:00 ",
    "1 March 2021 05:00 ", "2021-03-01 ", "2021-03-01  ",
    "1500-01-01 00:00:00.123456", "1500-01-01 00:00:00,1234567", "2021-03-01\t05:00:00",
    "2021-03-01T05:00:00.1234567891+05:00",
    # second round: read by dforce before, refused by pandas (KeyError: 14 and others)
    "2021-03-01 05:00 +05:00", "2021-03-01 05:00+0530", "2021-03-01T05:00Z",
    "2021-03-01 05:00 z", "2021-03-01 05:00 ", " 2021-03-01 05:00 ", "2021-03-01 05 ",
    "2021-03-01T05+05:00", "2021-03-01T0500Z", "2021/03/01 05:00 ", "20210301 05:00 ",
    "2021-03-01 5", "2021-03-01T7", "1500-01-01 00:00:00.1234567",
    "2300-01-01 00:00:00.1234567", "-2021-03-01", "2021-03-01T0500:00",
    # item 9: the year range
    "0000-01-01 00:00", "0001-01-01 00:00", "0999-05-01 10:00", "1500-01-01",
    "1677-09-21", "9999-12-31 23:00",
]


def start_case(text, freq):
    try:
        p = ProcessStartField(freq=freq)({"start": text})["start"]
        if p is pd.NaT:
            return {"text": text, "freq": freq, "error": "NaT"}
        return {
            "text": text,
            "freq": freq,
            "period": str(p),
            "start": str(p.asfreq("T", how="S")),
        }
    except Exception as e:  # noqa: BLE001 - the oracle records whatever GluonTS raises
        return {"text": text, "freq": freq, "error": f"{type(e).__name__}: {e}"}


META = {
    "freq": "H",
    "prediction_length": 2,
    "feat_static_cat": [{"name": "feat_static_cat_0", "cardinality": "2"}],
}


def series(i, start="2021-03-01 00:00", n=6, **kw):
    e = {"start": start, "target": [float(10 * i + t) + 0.25 for t in range(n)]}
    e.update(kw)
    e.setdefault("feat_static_cat", [i])
    e.setdefault("item_id", f"s{i}")
    return e


def lines(entries, dumps=json.dumps):
    return "".join(dumps(e) + "\n" for e in entries).encode()


def write_case(out, name, train, test=None, meta=None, meta_raw=None):
    """train / test: {relative file name: bytes}."""
    d = out / name
    (d / "train").mkdir(parents=True)
    (d / "test").mkdir(parents=True)
    if meta_raw is not None:
        (d / "metadata.json").write_bytes(meta_raw)
    else:
        (d / "metadata.json").write_text(json.dumps(meta if meta is not None else META))
    for rel, data in train.items():
        p = d / "train" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    if test is None:
        test = {"data.json": lines([series(0, n=8), series(1, n=8)])}
    for rel, data in test.items():
        (d / "test" / rel).write_bytes(data)


def cases(out):
    with_target = lambda i, values: series(i, target=values)  # noqa: E731
    # item 1
    write_case(out, "start_zone", {"data.json": lines([
        series(0, "2021-03-01T00:00:00Z"),
        series(1, "2021-03-01 00:00:00+00:00"),
        series(2, "2021-03-01T05:00:00+05:00"),
    ])})
    # item 2
    write_case(out, "start_forms", {"data.json": lines([
        series(0, "20210301"),
        series(1, "2021/03/01 00:00"),
        series(2, "03/01/2021 00:00"),
        series(3, "2021-03-01 00"),
        series(4, "1 March 2021"),
    ])})
    # item 3: json.dumps writes NaN, Infinity, -Infinity bare
    write_case(out, "json_dumps_nonfinite", {"data.json": lines([
        with_target(0, [1.0, float("nan"), 3.0, float("inf"), float("-inf"), 6.0]),
        series(1),
    ])})
    # item 4: a UTF-8 byte order mark at the start of the file (plain and gzipped)
    write_case(out, "bom", {"data.json": b"\xef\xbb\xbf" + lines([series(0), series(1)])})
    write_case(out, "bom_gz", {"data.json.gz": gzip.compress(
        b"\xef\xbb\xbf" + lines([series(0), series(1)]), mtime=0)})
    # item 5
    write_case(out, "bool_target", {"data.json": lines([
        with_target(0, [1.5, True, False, 4.0, True, 6.0]), series(1),
    ])})
    # item 6
    write_case(out, "static_cat_forms", {"data.json": lines([
        series(0, feat_static_cat=[1.5]),
        series(1, feat_static_cat=[-1]),
        series(2, feat_static_cat=["1"]),
        series(3, feat_static_cat=[True]),
        series(4, feat_static_cat=[" 2 "]),
        series(5, feat_static_cat=[-1.5]),
        series(6, feat_static_cat=["+1_0"]),
    ])})
    # item 7: metadata numbers written as floats
    write_case(out, "metadata_floats", {"data.json": lines([series(0), series(1)])},
               meta=dict(META, prediction_length=2.0,
                         feat_static_cat=[{"name": "feat_static_cat_0", "cardinality": 2.0}]))
    # item 8: GluonTS skips hidden FILES only ('.' first), never folders, and not '_'
    write_case(out, "hidden_folder", {
        ".sub/data.json": lines([series(0)]),
        "_under.json": lines([series(1)]),
        ".hidden.json": lines([series(2)]),
        "x/.sub2/data.jsonl": lines([series(3)]),
        "x/y/z/data.json": lines([series(4)]),
    })
    # item 9
    write_case(out, "year_0000", {"data.json": lines([series(0, "0000-01-01 00:00"), series(1)])})


def encode_target(a):
    return [None if np.isnan(x) else ("inf" if x == np.inf else "-inf" if x == -np.inf else float(x))
            for x in a.tolist()]


def read_case(d):
    try:
        ds = load_datasets(metadata=d, train=d / "train", test=d / "test")
        out = {
            "prediction_length": ds.metadata.prediction_length,
            "cardinalities": [f.cardinality for f in ds.metadata.feat_static_cat],
        }
        for split in ("train", "test"):
            entries = {}
            for e in getattr(ds, split):
                entries[e["item_id"]] = {
                    "period": str(e["start"]),
                    "start": str(e["start"].asfreq("T", how="S")),
                    "target": encode_target(e["target"]),
                    "feat_static_cat": [int(x) for x in e.get("feat_static_cat", [])],
                }
            out[split] = entries
        return out
    except Exception as e:  # noqa: BLE001 - the oracle records whatever GluonTS raises
        return {"error": f"{type(e).__name__}: {e}"}


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/gluonts/reader_cases")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    starts = [start_case(t, f) for t in STARTS for f in FREQS]
    versions = {
        "gluonts": __import__("gluonts").__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "gluonts_json_variant": gluonts_json.variant,
    }
    (out / "starts.json").write_text(
        json.dumps({"versions": versions, "cases": starts}, indent=1, ensure_ascii=False) + "\n")
    cases(out)
    expected = {d.name: read_case(d) for d in sorted(out.iterdir()) if d.is_dir()}
    (out / "expected.json").write_text(
        json.dumps({"versions": versions, "cases": expected}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out}: {len(starts)} start cases, {len(expected)} datasets")


if __name__ == "__main__":
    main()
