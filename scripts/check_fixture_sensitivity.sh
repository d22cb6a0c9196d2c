#!/usr/bin/env bash
# The parity suite must fail when any golden value moves: perturb one value of each kind of
# fixture in a scratch copy and require `cargo test parity` to fail against it.
set -euo pipefail
cd "$(dirname "$0")/.."
src=tests/fixtures/reference
cases=(
  "schedules.safetensors sigmoid.alphas_cumprod"
  "loss_weights.safetensors cosine.pred_v.fused"
  "scheduling_matrices.json 0"
  "transformer_pred_x0_linear.safetensors output.model"
  "transformer_pred_v_cosine.safetensors guided.out"
  "transformer_ddpm.safetensors step0.out"
  "unet3d_causal_rotary.safetensors step1.out"
  "unet3d_noncausal_sinusoidal.safetensors train.loss"
  "planning_maze2d_medium_x.io.safetensors output.model"
  "video_minecraft_tiny.io.safetensors output.model"
)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=0
# perturb VAR SRC LABEL FILE KEY: nudge KEY of SRC/FILE in a scratch copy, point VAR at it,
# and require `cargo test parity` to fail.
perturb() {
  local var=$1 src=$2 label=$3
  rm -rf "$scratch/fx"
  python3 scripts/perturb_fixture.py "$src" "$scratch/fx" "$4" "$5" >/dev/null
  if env "$var=$scratch/fx" cargo test -q --workspace parity >/dev/null 2>&1; then
    echo "NOT DETECTED: perturbing $label$4 $5 left 'cargo test parity' green"
    failed=1
  else
    echo "detected: $label$4 $5"
  fi
}
for c in "${cases[@]}"; do
  perturb DFORCE_REFERENCE_FIXTURES "$src" "" $c
done
# The paper branch's fixtures (time series): the same through DFORCE_PAPER_FIXTURES.
paper_cases=(
  "model_ts_pred_v_cosine_default.safetensors train.grad.transition_model.model.gru_stack.0.weight_hh"
  "model_ts_pred_x0_sigmoid_cov.safetensors sample.xs_pred"
  "model_ts_pred_x0_sigmoid_cov.safetensors crps.crps_sum"
  "timeseries_data.safetensors stats.data_std"
  "crps.safetensors uniform.gluonts_m_sum_mean_wQuantileLoss"
)
for c in "${paper_cases[@]}"; do
  perturb DFORCE_PAPER_FIXTURES tests/fixtures/paper "paper/" $c
done
# An empty fixture directory is a failure, not a skip.
mkdir -p "$scratch/empty"
if DFORCE_REFERENCE_FIXTURES="$scratch/empty" cargo test -q --workspace parity >/dev/null 2>&1; then
  echo "NOT DETECTED: an empty fixture directory left 'cargo test parity' green"; failed=1
else
  echo "detected: empty fixture directory"
fi
if DFORCE_PAPER_FIXTURES="$scratch/empty" cargo test -q --workspace parity >/dev/null 2>&1; then
  echo "NOT DETECTED: an empty paper fixture directory left 'cargo test parity' green"; failed=1
else
  echo "detected: empty paper fixture directory"
fi
exit $failed
