#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds each.
#
#   bash scripts/fuzz.sh SECONDS [TARGET ...]
#
# With cargo-fuzz and a nightly toolchain (cargo install cargo-fuzz; rustup toolchain install
# nightly) each target runs under libFuzzer (fuzz/; no sanitizer: the readers are safe Rust, and
# without one libFuzzer runs several times more inputs). Otherwise, or with DFORCE_FUZZ_STABLE=1,
# the stable driver runs (crates/dforce-fuzz: corpus replay, then proptest-drawn mutations); that
# is what CI runs. Both call the same target functions (crates/dforce-fuzz/src/targets.rs).
#
# Inputs: the committed corpus fuzz/corpus/<target>/ (read only) and the dictionary
# fuzz/dicts/<target>.dict. New inputs libFuzzer finds go to ${DFORCE_FUZZ_WORK:-fuzz/work}/<target>/
# (not committed; kept between runs). Failing inputs are saved under fuzz/artifacts/<target>/.
# Prints one line per target (inputs run, failures) and exits 1 if any target failed.
#
# Environment: CARGO_TARGET_DIR (default: target), CARGO_BUILD_JOBS, DFORCE_FUZZ_STABLE=1,
# DFORCE_FUZZ_WORK, DFORCE_FUZZ_SEED and DFORCE_FUZZ_BIN (a prebuilt stable driver, as CI passes).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: bash scripts/fuzz.sh SECONDS [TARGET ...]" >&2
  exit 2
fi
SECONDS_PER_TARGET=$1
shift
ALL_TARGETS=(override_parser compose config_yaml checkpoint_lightning checkpoint_safetensors npy npz hdf5 teco_metadata video_episode gluonts_dataset)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$PWD/$TARGET_DIR" ;; esac
# Readers that take a path get their input through a scratch file: keep it in memory if possible.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi

use_libfuzzer=0
if [ "${DFORCE_FUZZ_STABLE:-0}" != 1 ] && cargo +nightly fuzz --version >/dev/null 2>&1; then
  use_libfuzzer=1
fi

if [ "$use_libfuzzer" = 0 ]; then
  echo "== stable driver (crates/dforce-fuzz), ${SECONDS_PER_TARGET}s per target"
  bin="${DFORCE_FUZZ_BIN:-}"
  if [ -z "$bin" ]; then
    cargo build -q -p dforce-fuzz --bin dforce-fuzz
    bin="$TARGET_DIR/debug/dforce-fuzz"
  fi
  exec "$bin" --seconds "$SECONDS_PER_TARGET" \
    --seed "${DFORCE_FUZZ_SEED:-0}" "${TARGETS[@]}"
fi

echo "== libFuzzer (cargo +nightly fuzz), ${SECONDS_PER_TARGET}s per target"
FUZZ_FLAGS=(--release --debug-assertions --sanitizer none --target-dir "$TARGET_DIR/libfuzzer")
cargo +nightly fuzz build "${FUZZ_FLAGS[@]}"
WORK="${DFORCE_FUZZ_WORK:-fuzz/work}"
LOGS="$WORK/logs"
mkdir -p "$LOGS"
failed=0
printf '%-24s %12s %8s  %s\n' target inputs failed log
for t in "${TARGETS[@]}"; do
  mkdir -p "$WORK/$t" "fuzz/corpus/$t" "fuzz/artifacts/$t"
  dict=()
  [ -f "fuzz/dicts/$t.dict" ] && dict=("-dict=fuzz/dicts/$t.dict")
  log="$LOGS/$t.log"
  status=0
  RUST_BACKTRACE=0 cargo +nightly fuzz run "${FUZZ_FLAGS[@]}" "$t" "$WORK/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -timeout=30 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" "${dict[@]}" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  if [ -z "$runs" ]; then
    runs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#' || true)
  fi
  if [ "$status" != 0 ]; then
    failed=1
    printf '%-24s %12s %8s  %s\n' "$t" "${runs:-?}" yes "$log"
    grep -E 'panicked at|ERROR|SUMMARY|Test unit written|exceeds the budget' "$log" | head -6 | sed 's/^/    /' || true
  else
    printf '%-24s %12s %8s  %s\n' "$t" "${runs:-?}" no "$log"
  fi
done
exit "$failed"
