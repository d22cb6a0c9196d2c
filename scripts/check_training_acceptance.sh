#!/usr/bin/env bash
# The engine's acceptance run (issue: training engine): a 10-step run resumed to 20 steps must
# log exactly the losses of an uninterrupted 20-step run; TensorBoard's own reader must find
# the 20 loss points; a SIGKILL during checkpoint writes must leave a loadable checkpoint.
# Needs: cargo; python3 with `tensorboard` for the reader check (skipped with a note if absent).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --workspace --all-targets   # the test build's feature set: nothing rebuilds
D="${CARGO_TARGET_DIR:-$PWD/target}/debug/dforce"
export DFORCE_CONFIG_DIR="$PWD/configs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

C="experiment=exp_planning algorithm=df_planning dataset=maze2d_umaze dataset.save_dir=DATA \
algorithm.diffusion.architecture.network_size=32 algorithm.diffusion.architecture.num_layers=2 \
algorithm.diffusion.architecture.dim_feedforward=64 experiment.training.batch_size=16 \
experiment.training.checkpointing.every_n_train_steps=10 experiment.validation.val_every_n_epoch=null \
experiment.validation.val_every_n_step=null seed=3"
$D $C experiment.training.max_steps=10 hydra.run.dir=A +name=a
$D $C experiment.training.max_steps=20 resume=A hydra.run.dir=A +name=a
$D $C experiment.training.max_steps=20 hydra.run.dir=B +name=b

python3 - <<'PY'
import json, sys
a = {r["step"]: r["training/loss"] for r in map(json.loads, open("A/metrics.jsonl"))}
b = {r["step"]: r["training/loss"] for r in map(json.loads, open("B/metrics.jsonl"))}
assert sorted(a) == list(range(1, 21)) and sorted(b) == list(range(1, 21)), (sorted(a), sorted(b))
worst = max(abs(a[s] - b[s]) for s in range(11, 21))
print(f"resume: max |loss A - loss B| over steps 11-20 = {worst:.3g}")
assert worst <= 1e-6, worst
PY
ls B/checkpoints/*.safetensors
$D ckpt inspect B/checkpoints/*.safetensors | head -4

if python3 -c "import tensorboard" 2>/dev/null; then
python3 - <<'PY'
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
ea = EventAccumulator("B"); ea.Reload()
points = ea.Scalars("training/loss")
print(f"tensorboard: training/loss has {len(points)} points in B")
assert len(points) == 20
PY
else
  echo "tensorboard not installed: reader check skipped (pip install tensorboard)"
fi

# Closed-loop evaluation of the trained weights in the native maze: metrics and pictures.
$D $C experiment.tasks=[validation] load=B experiment.validation.batch_size=4 \
   +experiment.validation.max_steps=20 hydra.run.dir=V +name=v
python3 - <<'PY'
import json, math
rows = [json.loads(l) for l in open("V/metrics.jsonl")]
keys = {k for r in rows for k in r if k.startswith("validation")}
assert any(k.endswith("/success_rate") for k in keys), keys
assert all(math.isfinite(r[k]) for r in rows for k in r if k in keys)
print(f"validation: {len(keys)} metrics logged: {sorted(keys)}")
PY
ls V/media/*.png V/media/*.gif | head -3

# SIGKILL while checkpoints are being written (one per step): the newest complete checkpoint
# must always load.
for delay in 1.3 2.1 2.9; do
  $D $C experiment.training.max_steps=100000 experiment.training.checkpointing.every_n_train_steps=1 \
     algorithm.diffusion.architecture.network_size=128 algorithm.diffusion.architecture.num_layers=4 \
     hydra.run.dir=K +name=k >/dev/null 2>&1 &
  pid=$!
  # The kill lands while checkpoints are being written: wait (at most 120 s, on a loaded
  # machine) for this run's first one, then kill after the delay.
  for _ in $(seq 1200); do
    [ -n "$(ls K/checkpoints/*.safetensors 2>/dev/null)" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  latest=$(ls K/checkpoints/*.safetensors | sort -t= -k3 -n | tail -1)
  $D ckpt inspect "$latest" >/dev/null
  echo "killed after ${delay}s: $(basename "$latest") loads"
done
echo "training-acceptance: 1 passed, 0 failed"
