#!/usr/bin/env bash
# Checks that crates/dforce-config composes exactly what Hydra 1.3.2 composes from configs/.
#
# For each command line below, the resolved job config from Hydra (scripts/hydra_oracle.py)
# and from dforce-config (its compose_json example) are compared as parsed JSON: same keys in
# the same order, same types (Hydra keeps `3` an int, so must we), equal values. Where noted,
# the `OmegaConf.to_yaml` text is compared byte for byte as well. A final group of command
# lines must fail in both implementations; both error messages are shown.
#
# Needs: python3 with hydra-core==1.3.2 (pip install hydra-core==1.3.2) and cargo.
# Usage: scripts/check_hydra_parity.sh            (exit status 0 when everything matches)
set -euo pipefail

cd "$(dirname "$0")/.."
CONFIG_DIR=configs
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cargo build -q -p dforce-config --example compose_json
OURS="${CARGO_TARGET_DIR:-target}/debug/examples/compose_json"

pass=0
fail=0

# Compares two JSON files: order, types and values must all agree.
compare_json() {
  python3 - "$1" "$2" <<'PY'
import json, math, sys

def load(p):
    with open(p) as f:
        return json.load(f)

def diff(a, b, path="<root>"):
    if type(a) is not type(b):
        return f"{path}: type {type(a).__name__} ({a!r}) vs {type(b).__name__} ({b!r})"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)} vs {list(b)}"
        for k in a:
            d = diff(a[k], b[k], f"{path}.{k}" if path != "<root>" else k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: list length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, f"{path}.{i}")
            if d:
                return d
        return None
    if isinstance(a, float):
        same = (math.isnan(a) and math.isnan(b)) or a == b
        return None if same else f"{path}: {a!r} vs {b!r}"
    return None if a == b else f"{path}: {a!r} vs {b!r}"

d = diff(load(sys.argv[1]), load(sys.argv[2]))
if d:
    print("    first difference (hydra vs ours): " + d)
    sys.exit(1)
PY
}

# check NAME yaml|json OVERRIDES...: both must succeed and agree.
check() {
  local name=$1 mode=$2
  shift 2
  local ok=1
  if ! python3 scripts/hydra_oracle.py "$CONFIG_DIR" "$@" >"$TMP/hydra.json" 2>"$TMP/hydra.err"; then
    echo "FAIL $name: Hydra failed: $(cat "$TMP/hydra.err")"
    fail=$((fail + 1))
    return
  fi
  if ! "$OURS" "$CONFIG_DIR" "$@" >"$TMP/ours.json" 2>"$TMP/ours.err"; then
    echo "FAIL $name: dforce-config failed: $(cat "$TMP/ours.err")"
    fail=$((fail + 1))
    return
  fi
  compare_json "$TMP/hydra.json" "$TMP/ours.json" || ok=0
  local yaml_note="json"
  if [ "$mode" = yaml ]; then
    python3 scripts/hydra_oracle.py --yaml "$CONFIG_DIR" "$@" >"$TMP/hydra.yaml"
    "$OURS" --yaml "$CONFIG_DIR" "$@" >"$TMP/ours.yaml"
    if cmp -s "$TMP/hydra.yaml" "$TMP/ours.yaml"; then
      yaml_note="json+yaml"
    else
      echo "    to_yaml text differs:"
      diff "$TMP/hydra.yaml" "$TMP/ours.yaml" | head -10 | sed 's/^/      /'
      ok=0
    fi
  fi
  if [ $ok = 1 ]; then
    echo "ok   $name ($yaml_note identical, $(wc -c <"$TMP/ours.json") bytes)"
    pass=$((pass + 1))
  else
    echo "FAIL $name"
    fail=$((fail + 1))
  fi
}

# check_error NAME OVERRIDES...: both must refuse.
check_error() {
  local name=$1
  shift
  local h o
  if python3 scripts/hydra_oracle.py "$CONFIG_DIR" "$@" >/dev/null 2>"$TMP/hydra.err"; then h=ok; else h=error; fi
  if "$OURS" "$CONFIG_DIR" "$@" >/dev/null 2>"$TMP/ours.err"; then o=ok; else o=error; fi
  if [ $h = error ] && [ $o = error ]; then
    echo "ok   $name (both refuse)"
    echo "       hydra: $(cut -c1-200 "$TMP/hydra.err")"
    echo "       ours:  $(cat "$TMP/ours.err")"
    pass=$((pass + 1))
  else
    echo "FAIL $name: hydra=$h ours=$o"
    fail=$((fail + 1))
  fi
}

echo "== README command lines"
check "1 maze2d_medium x sampling" yaml \
  experiment=exp_planning algorithm=df_planning dataset=maze2d_medium \
  "dataset.action_mean=[]" "dataset.action_std=[]" \
  "dataset.observation_mean=[3.5092521,3.4765592]" "dataset.observation_std=[1.3371079,1.52102]" \
  "experiment.tasks=[validation]" algorithm.guidance_scale=3 +name=maze2d_medium_x_sampling
check "2 maze2d_large xva sampling" yaml \
  experiment=exp_planning algorithm=df_planning dataset=maze2d_large \
  "dataset.observation_std=[3.62,5.14,9.76,10.6]" "dataset.action_std=[3,3]" \
  algorithm.guidance_scale=2 algorithm.open_loop_horizon=10 +name=maze2d_large_xva_sampling
check "3 dmlab training" yaml \
  +name=dmlab algorithm=df_video dataset=video_dmlab algorithm.weight_decay=1e-3 \
  algorithm.diffusion.architecture.network_size=48 algorithm.diffusion.architecture.attn_dim_head=32 \
  "algorithm.diffusion.architecture.attn_resolutions=[8,16,32,64]" algorithm.diffusion.beta_schedule=cosine
check "4 minecraft full sequence" yaml \
  +name=mc algorithm=df_video dataset=video_minecraft algorithm.causal=False \
  dataset.validation_multiplier=8 algorithm.scheduling_matrix=full_sequence algorithm.chunk_size=2

echo "== defaults and other groups"
check "default" yaml +name=x
check "shipped video model (a group option extending df_video)" yaml \
  algorithm=df_video_small experiment=exp_video dataset=video_maze3d_small \
  experiment.training.lr=3e-4 experiment.training.batch_size=8 +name=maze3d_video_small
check "maze2d_umaze planning" yaml experiment=exp_planning algorithm=df_planning dataset=maze2d_umaze +name=u
check "cluster=mit_vision (multi-line template)" json +name=x cluster=mit_vision
check "cluster=mit_supercloud" json +name=x cluster=mit_supercloud
check "~cluster (deselect null group)" yaml +name=x "~cluster"

echo "== ~, ++, + and dict values"
check "deletions" yaml +name=x "~algorithm.metrics" "~experiment.logging" "~wandb.project=diffusion-forcing" "~experiment.tasks"
check "force-add" yaml +name=x ++seed=7 ++algorithm.new_key=5 "++dataset.extra.deep=[1,2]" ++debug=true
check "dict merge into existing node" yaml +name=x "algorithm.diffusion={beta_schedule: linear, timesteps: 500}"
check "dict values added" yaml "+name=x" "+extra={a: 1, b: [x, 'y z'], c: {d: null}, e: {}}" "+algorithm.diffusion={new: 1}"
check "typed scalars" yaml +name=x algorithm.guidance_scale=.5 algorithm.uncertainty_scale=-3 \
  experiment.training.max_time=null debug=True experiment.training.lr=1e-3 algorithm.diffusion.clip_noise=inf \
  "algorithm.noise_level='1e-4'" "dataset.save_dir=data/x y" experiment.training.precision=bf16-mixed
check "interpolations in overrides" yaml "+name=mc_\${dataset.name}" "algorithm.lr=\${experiment.validation.batch_size}" \
  "+tag='lr=\${algorithm.lr} shape=\${dataset.observation_shape}'"
check "add to null key" yaml +name=x +wandb.entity=me +resume=abc12345

echo "== defaults-list semantics on fixture trees (crates/dforce-config/tests/fixtures)"
FIXTURES=crates/dforce-config/tests/fixtures
CONFIG_DIR=$FIXTURES/self_first
check "_self_ first" yaml
check "_self_ first, other option" yaml db=postgres
CONFIG_DIR=$FIXTURES/nested
check "implicit _self_, nested groups, override, @package, absolute paths" yaml
check "select a nested group" yaml server/db=mysql
check "options list" yaml "plugins=[a,b]"
check "select a null group" yaml logging=json
check "change a selection with a subtree" yaml server=nginx
check "deselect a nested group" yaml "~server/db"
check "deselect a null group" yaml "~logging"
CONFIG_DIR=$FIXTURES/mandatory
check "mandatory group selected" yaml db=mysql
check_error "mandatory group not selected"
CONFIG_DIR=$FIXTURES/nested
check_error "append a group that is already selected" +logging=json
CONFIG_DIR=configs

echo "== inputs both must refuse"
check_error "misspelled key" +name=x algorithm.guidence_scale=3
check_error "misspelled option" +name=x dataset=maze2d_meduim
check_error "misspelled group" +name=x algoritm=df_planning
check_error "+ on existing key" +name=x +algorithm.lr=1
check_error "~ on missing key" +name=x "~algorithm.guidance"
check_error "sweep" +name=x algorithm.chunk_size=1,2
check_error "unclosed list" +name=x "dataset.action_std=[1,2"
check_error "new key via dict" +name=x "algorithm.diffusion={nope: 1}"
check_error "list into mapping" +name=x "algorithm.diffusion=[1]"
check_error "null group selection" +name=x cluster=null
check_error "interpolation to missing key" "+name=\${nope}"
check_error "hydra key typo" +name=x hydra.run.dri=out

echo "hydra-parity: $pass passed, $fail failed"
[ "$fail" = 0 ]
