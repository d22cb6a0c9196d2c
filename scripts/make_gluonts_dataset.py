#!/usr/bin/env python3
"""Writes a small synthetic multivariate dataset with GluonTS's own writer (a CI oracle).

Usage (in the venv that scripts/check_gluonts.sh makes; needs gluonts and numpy):

    python scripts/make_gluonts_dataset.py OUT_DIR [--freq H] [--series 4] [--length 300]
        [--prediction-length 8] [--test-dates 2] [--seed 0] [--late-start 0] [--nan 3]
        [--no-gzip] [--expected FILE]

OUT_DIR gets the layout of GluonTS's GP-copula `*_nips` sets, written the way
gluonts.dataset.repository (get_dataset -> generate_gp_copula_dataset) writes them:

    OUT_DIR/metadata.json          MetaData(**repository._util.metadata(cardinality=N, freq, pred))
    OUT_DIR/train/data.json.gz     N series over the training range (--length steps each)
    OUT_DIR/test/data.json.gz      --test-dates x N entries, date-major; date k (1-based) holds
                                   every series again, k * prediction_length steps longer

with TrainDatasets(...).save(OUT_DIR, writer=JsonLinesWriter()) over ListDatasets, so the
targets pass through GluonTS's own processing (float32) and encoder: start as a
pandas.Period string ("2021-03-01 00:00" for hourly data), targets as float32 values, missing
values as GluonTS's ndarray encoder spells them ("Nan"). JsonLinesWriter() gzips by default,
as get_dataset does; --no-gzip writes data.json instead. item_id is the running index over the
file and feat_static_cat [item_id % N], as _gp_copula_2019.get_data sets them.

The series are a daily-style seasonal pattern (period from --freq: 24 for H, 48 for 30min,
7 for D, 5 for B, else 12) plus AR(1) noise around a per-series level. The last series starts
--late-start steps after the others (0: all start together). --nan values per series are set
to NaN inside the test range (after the training range), at least one of them in the last
forecast window; the training range has none.

The script then reads OUT_DIR back with gluonts.dataset.common.load_datasets and checks every
entry against what it generated. --expected FILE also writes, as JSON, what GluonTS reads
back (each entry's start, target with NaN as null, feat_static_cat, item_id) and what the
reference's MultivariateGrouper calls make of it (grouped train target (N, T) and the
num_test_dates grouped test targets), for a Rust test to compare with.
"""

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np

PERIODS = {"H": 24, "h": 24, "30min": 48, "30T": 48, "D": 7, "B": 5}


def generate(args):
    rng = np.random.default_rng(args.seed)
    n, length, pred, dates = args.series, args.length, args.prediction_length, args.test_dates
    total = length + dates * pred
    period = PERIODS.get(args.freq, 12)
    series = []
    for i in range(n):
        t = np.arange(total)
        level = rng.uniform(5.0, 20.0)
        amp = rng.uniform(0.5, 3.0)
        phase = rng.uniform(0.0, 2 * np.pi)
        noise = np.zeros(total)
        eps = rng.normal(0.0, 0.3, size=total)
        for s in range(1, total):
            noise[s] = 0.7 * noise[s - 1] + eps[s]
        values = level + amp * np.sin(2 * np.pi * t / period + phase) + noise
        if args.nan > 0:
            last_window = np.arange(total - pred, total)
            test_range = np.arange(length, total)
            picks = {int(rng.choice(last_window))}
            while len(picks) < min(args.nan, len(test_range)):
                picks.add(int(rng.choice(test_range)))
            values[sorted(picks)] = np.nan
        offset = args.late_start if i == n - 1 else 0
        series.append((offset, values[offset:].astype(np.float32)))
    return series


def entries(series, args, start):
    import pandas as pd

    n, length, pred, dates = args.series, args.length, args.prediction_length, args.test_dates
    base = pd.Period(start, freq=args.freq)
    train, test = [], []
    for i, (offset, values) in enumerate(series):
        train.append(
            {"start": str(base + offset), "target": values[: length - offset], "feat_static_cat": [i], "item_id": i}
        )
    for k in range(1, dates + 1):
        for i, (offset, values) in enumerate(series):
            cat = len(test)
            test.append(
                {
                    "start": str(base + offset),
                    "target": values[: length + k * pred - offset],
                    "feat_static_cat": [cat % n],
                    "item_id": cat,
                }
            )
    return train, test


def nan_to_none(a):
    return [None if np.isnan(v) else float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out_dir")
    p.add_argument("--freq", default="H")
    p.add_argument("--series", type=int, default=4)
    p.add_argument("--length", type=int, default=300, help="steps of the training range")
    p.add_argument("--prediction-length", type=int, default=8)
    p.add_argument("--test-dates", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--start", default="2021-03-01 00:00")
    p.add_argument("--late-start", type=int, default=0, help="steps the last series starts late")
    p.add_argument("--nan", type=int, default=3, help="NaNs per series inside the test range")
    p.add_argument("--no-gzip", action="store_true", help="write data.json instead of data.json.gz")
    p.add_argument("--expected", help="write what GluonTS reads back to this JSON file")
    args = p.parse_args()
    if args.series < 2:
        sys.exit("--series must be at least 2 (a multivariate dataset)")
    if not 0 <= args.late_start < args.length:
        sys.exit("--late-start must be in [0, --length)")

    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message="Using `json`-module.*")
    import gluonts
    import pandas as pd
    from gluonts.dataset.common import ListDataset, MetaData, TrainDatasets, load_datasets
    from gluonts.dataset.jsonl import JsonLinesWriter
    from gluonts.dataset.multivariate_grouper import MultivariateGrouper
    from gluonts.dataset.repository._util import metadata

    series = generate(args)
    train, test = entries(series, args, args.start)
    meta = MetaData(**metadata(cardinality=args.series, freq=args.freq, prediction_length=args.prediction_length))
    dataset = TrainDatasets(
        metadata=meta,
        train=ListDataset(train, freq=args.freq),
        test=ListDataset(test, freq=args.freq),
    )
    dataset.save(path_str=args.out_dir, writer=JsonLinesWriter(use_gzip=not args.no_gzip), overwrite=True)

    out = Path(args.out_dir)
    back = load_datasets(metadata=out, train=out / "train", test=out / "test")
    back_train, back_test = list(back.train), list(back.test)
    assert back.metadata.freq == args.freq and back.metadata.prediction_length == args.prediction_length
    assert int(back.metadata.feat_static_cat[0].cardinality) == args.series
    assert len(back_train) == len(train) and len(back_test) == len(test), (len(back_train), len(back_test))
    for want, got in zip(train + test, back_train + back_test):
        np.testing.assert_array_equal(got["target"], want["target"])  # NaN == NaN here
        assert got["start"] == pd.Period(want["start"], freq=args.freq), (got["start"], want["start"])
        assert [int(c) for c in got["feat_static_cat"]] == want["feat_static_cat"]
        assert str(got["item_id"]) == str(want["item_id"])

    files = sorted(str(f.relative_to(out)) for f in out.rglob("*") if f.is_file())
    print(f"gluonts {gluonts.__version__}, numpy {np.__version__}, pandas {pd.__version__}")
    print(f"wrote {out}: " + ", ".join(f"{f} ({(out / f).stat().st_size} B)" for f in files))
    print(f"metadata {(out / 'metadata.json').read_text().strip()}")
    for name, rows in [("train", back_train), ("test", back_test)]:
        for e in rows:
            nans = int(np.isnan(e["target"]).sum())
            print(f"  {name} item {e['item_id']}: start {e['start']} length {len(e['target'])} NaN {nans}")
    print("round trip through load_datasets: OK")

    if args.expected:
        grouped_train = list(MultivariateGrouper(max_target_dim=args.series)(back.train))
        grouped_test = list(
            MultivariateGrouper(num_test_dates=args.test_dates, max_target_dim=args.series)(back.test)
        )
        doc = {
            "what": "GluonTS's reading of the dataset that scripts/make_gluonts_dataset.py wrote: "
            "load_datasets entries, and the MultivariateGrouper outputs the paper branch uses "
            "(train: max_target_dim=N; test: num_test_dates, max_target_dim=N). Targets are "
            "float32 values as float64 JSON numbers, NaN as null; grouped targets are (N, T) row-major.",
            "versions": {"gluonts": gluonts.__version__, "numpy": np.__version__, "pandas": pd.__version__},
            "args": {k: v for k, v in vars(args).items() if k not in ("out_dir", "expected")},
            "metadata": json.loads((out / "metadata.json").read_text()),
            "files": files,
            "train": [
                {"start": str(e["start"]), "target": nan_to_none(e["target"]),
                 "feat_static_cat": [int(c) for c in e["feat_static_cat"]], "item_id": e["item_id"]}
                for e in back_train
            ],
            "test": [
                {"start": str(e["start"]), "target": nan_to_none(e["target"]),
                 "feat_static_cat": [int(c) for c in e["feat_static_cat"]], "item_id": e["item_id"]}
                for e in back_test
            ],
            "grouped_train": [
                {"start": str(g["start"]), "shape": list(g["target"].shape), "target": nan_to_none(g["target"])}
                for g in grouped_train
            ],
            "grouped_test": [
                {"start": str(g["start"]), "shape": list(g["target"].shape), "target": nan_to_none(g["target"])}
                for g in grouped_test
            ],
        }
        with open(args.expected, "w") as f:
            json.dump(doc, f)
        print(f"wrote {args.expected}: grouped train {[g['shape'] for g in doc['grouped_train']]}, "
              f"grouped test {[g['shape'] for g in doc['grouped_test']]}")


if __name__ == "__main__":
    main()
