#!/usr/bin/env bash
# Checks that crates/dforce-config composes exactly what Hydra 1.3.2 composes from configs/.
#
# For each command line below, the resolved job config from Hydra (scripts/hydra_oracle.py)
# and from dforce-config (its compose_json example) are compared as parsed JSON: same keys in
# the same order, same types (Hydra keeps `3` an int, so must we), equal values. Where noted,
# the `OmegaConf.to_yaml` text is compared byte for byte as well. A final group of command
# lines must fail in both implementations; both error messages are shown. The `--run` group
# starts a real Hydra run of the reference's entry point (hydra_oracle.py --run) and the start
# of a dforce run (compose_json --run) in the same empty directory and compares the run
# directory, the working directory, the saved files, the environment, the job name and the
# resolved job config.
#
# Needs: python3 with hydra-core==1.3.2 (pip install hydra-core==1.3.2) and cargo.
# Usage: scripts/check_hydra_parity.sh            (exit status 0 when everything matches)
set -euo pipefail

cd "$(dirname "$0")/.."
CONFIG_DIR=configs
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cargo build -q -p dforce-config --example compose_json
OURS="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/examples/compose_json"

pass=0
fail=0

# Compares two JSON files: order, types and values must all agree.
compare_json() {
  python3 - "$1" "$2" <<'PY'
import json, math, sys

def keep_repeats(pairs):
    # json.dumps writes the int key 1 and the string key '1' both as "1"; keep both.
    out, seen = {}, {}
    for k, v in pairs:
        seen[k] = seen.get(k, 0) + 1
        out[k if seen[k] == 1 else f"{k} (repeated key #{seen[k]})"] = v
    return out

def load(p):
    with open(p) as f:
        return json.load(f, object_pairs_hook=keep_repeats)

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
      diff "$TMP/hydra.yaml" "$TMP/ours.yaml" | head -10 | sed 's/^/      /' || true
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

# check_run NAME OVERRIDES...: a real Hydra run and the start of a dforce run must agree.
check_run() {
  local name=$1
  shift
  local work="$TMP/work" cfg
  cfg=$(cd "$CONFIG_DIR" && pwd)
  rm -rf "$work" && mkdir -p "$work"
  if ! (cd "$work" && python3 "$OLDPWD/scripts/hydra_oracle.py" --run "$cfg" "$@") >"$TMP/hydra.json" 2>"$TMP/hydra.err"; then
    echo "FAIL $name: Hydra failed: $(cut -c1-300 "$TMP/hydra.err")"
    fail=$((fail + 1))
    return
  fi
  rm -rf "$work" && mkdir -p "$work"
  if ! (cd "$work" && "$OURS" --run "$cfg" "$@") >"$TMP/ours.json" 2>"$TMP/ours.err"; then
    echo "FAIL $name: dforce-config failed: $(cat "$TMP/ours.err")"
    fail=$((fail + 1))
    return
  fi
  if compare_json "$TMP/hydra.json" "$TMP/ours.json"; then
    echo "ok   $name (run: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["run_dir"], "cwd", d["cwd"], "saved", len(d["saved"]))' "$TMP/ours.json"))"
    pass=$((pass + 1))
  else
    echo "FAIL $name"
    fail=$((fail + 1))
  fi
}

# check_run_error NAME OVERRIDES...: both must refuse to run.
check_run_error() {
  local name=$1
  shift
  local work="$TMP/work" cfg h o
  cfg=$(cd "$CONFIG_DIR" && pwd)
  rm -rf "$work" && mkdir -p "$work"
  if (cd "$work" && python3 "$OLDPWD/scripts/hydra_oracle.py" --run "$cfg" "$@") >/dev/null 2>"$TMP/hydra.err"; then h=ok; else h=error; fi
  rm -rf "$work" && mkdir -p "$work"
  if (cd "$work" && "$OURS" --run "$cfg" "$@") >/dev/null 2>"$TMP/ours.err"; then o=ok; else o=error; fi
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

# check_show NAME PART [--resolve] [--package P] -- OVERRIDES...: what Hydra's `--cfg PART ...`
# prints and what dforce prints must be the same bytes, or both must fail (Hydra may have
# printed the `# @package` line before it failed; dforce prints nothing then).
check_show() {
  local name=$1 flags=() h o
  shift
  while [ "$1" != "--" ]; do flags+=("$1"); shift; done
  shift
  if python3 scripts/hydra_oracle.py --show "${flags[@]}" "$CONFIG_DIR" "$@" >"$TMP/hydra.txt" 2>"$TMP/hydra.err"; then h=ok; else h=error; fi
  if "$OURS" --show "${flags[@]}" "$CONFIG_DIR" "$@" >"$TMP/ours.txt" 2>"$TMP/ours.err"; then o=ok; else o=error; fi
  if [ $h = error ] && [ $o = error ]; then
    echo "ok   $name (--cfg ${flags[*]}: both refuse)"
    echo "       hydra: $(cut -c1-200 "$TMP/hydra.err")"
    echo "       ours:  $(cat "$TMP/ours.err")"
    pass=$((pass + 1))
  elif [ $h = $o ] && cmp -s "$TMP/hydra.txt" "$TMP/ours.txt"; then
    echo "ok   $name (--cfg ${flags[*]}: $h, $(wc -c <"$TMP/ours.txt") bytes identical)"
    pass=$((pass + 1))
  else
    echo "FAIL $name: hydra=$h ours=$o"
    diff "$TMP/hydra.txt" "$TMP/ours.txt" | head -10 | sed 's/^/      /' || true
    echo "       hydra: $(cut -c1-200 "$TMP/hydra.err")"
    echo "       ours:  $(cat "$TMP/ours.err")"
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
check "shipped planner's recipe (@package _global_, override-only defaults)" yaml recipe=maze2d_medium_x_small
check "shipped video model's recipe" yaml recipe=maze3d_video_small
check "recipe with a command-line override of its group" yaml recipe=maze2d_medium_x_small dataset=maze2d_large
check "cluster=mit_vision (multi-line template)" yaml +name=x cluster=mit_vision
check "cluster=mit_supercloud" yaml +name=x cluster=mit_supercloud
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

echo "== long and multi-line strings (PyYAML's folding at column 80, single-quoted line breaks)"
# A real line break inside a quoted override value is kept; \n stays a backslash and an n.
check "a long +name with spaces folds at column 80" yaml "+name='x word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word end'" \
  "+extra={tags: ['a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p q r s t u v w x y z', short]}"
check "a line break in a quoted override value" yaml +name=x "+a='x
y'" "+b='lead
  indented

blank line '" "+c='x\\ny'"
check "U+2028 and U+0085 stay raw in single quotes, a long key becomes '? key'" yaml +name=x $'+u=\'a\u2028b c\u0085\'' \
  "+k$(printf 'k%.0s' $(seq 130))=1"

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
CONFIG_DIR=$FIXTURES/big_ints
check "ints wider than 64 bits in YAML (decimal, hex, octal, base 60, interpolated, oc.decode)" yaml
CONFIG_DIR=$FIXTURES/typed_keys
check "int, bool and float keys in YAML files, merged by Python's key equality" yaml
CONFIG_DIR=$FIXTURES/searchpath/main
check "hydra.searchpath in the primary config (file://, a bare path that does not exist)" yaml
check "an option found only in a hydra.searchpath directory" yaml db=b
check "hydra.searchpath on the command line replaces the primary config's" yaml db=c \
  "hydra.searchpath=[file://$FIXTURES/searchpath/other,file://$FIXTURES/searchpath/extra]"
check_error "hydra.searchpath that is not a list" hydra.searchpath=x
CONFIG_DIR=$FIXTURES/override_only
check "a file of only override entries merges its keys where it sits" yaml exp=pg
CONFIG_DIR=$FIXTURES/mandatory
check "mandatory group selected" yaml db=mysql
check_error "mandatory group not selected"
CONFIG_DIR=$FIXTURES/nested
check_error "append a group that is already selected" +logging=json
CONFIG_DIR=$FIXTURES/searchpath_group
check_error "hydra.searchpath in a group config (only the primary config may set it)"
check "another option of that group" yaml grp=h
CONFIG_DIR=$FIXTURES/searchpath/main
check_error "+hydra.searchpath is not used to find configs (Hydra matches 'hydra.searchpath' only)" db=c \
  "+hydra.searchpath=[file://$FIXTURES/searchpath/other]"
check_error "++hydra.searchpath is not used to find configs" db=c "++hydra.searchpath=[file://$FIXTURES/searchpath/other]"
check "a plain hydra.searchpath after a ++hydra.searchpath is used" yaml db=c \
  "++hydra.searchpath=[file://$FIXTURES/searchpath/extra]" "hydra.searchpath=[file://$FIXTURES/searchpath/other,file://$FIXTURES/searchpath/extra]"
CONFIG_DIR=configs
CONFIG_DIR=configs

CONFIG_DIR=$FIXTURES/hydra_node_map
check_error "a mapping for hydra.job.name in a config file (schema: Cannot convert to string)"
CONFIG_DIR=$FIXTURES/empty_group
check_error "a group with no options (only a subgroup)"
check_error "an option of a group with no options" grp=x
CONFIG_DIR=configs
check_error "hydra.searchpath=null (HydraConf: not Optional)" +name=x hydra.searchpath=null
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
check_error "hydra.run.dir=null (HydraConf: str, not Optional)" +name=x hydra.run.dir=null
check_error "hydra.job.env_set value that is a list (Dict[str, str])" +name=x "+hydra.job.env_set.A=[1]"
check_error "hydra.job.chdir=abc (Optional[bool])" +name=x hydra.job.chdir=abc
check_error "hydra.output_subdir=[1] (Optional[str])" +name=x "hydra.output_subdir=[1]"
check_error "hydra.mode=run (Optional[RunMode])" +name=x hydra.mode=run
check_error "hydra.job.env_copy=abc (List[str])" +name=x hydra.job.env_copy=abc
check_error "hydra.job.config.override_dirname.exclude_keys with null (List[str])" +name=x \
  "hydra.job.config.override_dirname.exclude_keys=[1,null]"
check_error "hydra.run={dir: null} (str, not Optional)" +name=x "hydra.run={dir: null}"

echo "== override grammar functions (Hydra 1.3.2 casts, sort, shuffle)"
check "casts" yaml +name=x "+a=int(3.7)" "+b=int(-3.7)" "+c=int('3')" "+d=int(true)" "+e=float(3)" \
  "+f=float('1e-3')" "+g=float(true)" "+h=str(3.0)" "+i=str(1e20)" "+j=str(true)" "+k=bool(0)" \
  "+l=bool('TRUE')" "+m=bool(null)" "+n=bool(nan)" "+o=int(value=2.5)" "+p=str(abc)" \
  "experiment.training.lr=float('3e-4')" "algorithm.chunk_size=int(' 1_0 ')" "+q=float(' 1_0.5 ')"
check "casts read any script's decimal digits and Python's white space (Python's int()/float())" json +name=x \
  "+a=int('٣')" "+b=float('١.٥e٢')" "+c=int(' 　٣_٤ ')" "+d=float('-٠.٥')"
check_error "a superscript is not a decimal digit" +name=x "+a=int('²')"
check "NaN keys of an override dict are distinct keys (each nan is a new float)" yaml +name=x \
  "+a={nan: 1, inf: 2, nan: 3}" "+b={NaN: 1, .nan: 2}"
check "escaped quotes in quoted resolver arguments (OmegaConf's quoted-string escapes)" yaml +name=x \
  "+a='\${oc.env:NOPE_X,\"a\\\"b\"}'" '+b=${oc.decode:"\"x\""}' "+c='\${oc.env:NOPE_X,\"a\\\\\\\\\"}'" \
  "+d='\${oc.env:NOPE_X,\"a,\\\"b,c\"}'"
check_error "ASCII separators are not white space for int() (CPython)" +name=x "+a=int('3$(printf '\x1c')')"
check "casts of containers" yaml +name=x "+a=str([1,2.5,true])" "+b=str({a: 1, b: [2]})" \
  "+c=[int(1.5), str(2)]" "+d={a: int(1.5), b: [bool(1)]}" "+e=int([1.5, '2'])" "+f=float({x: 1})"
check "sort and shuffle of one value" yaml +name=x "+a=sort([3,1,2])" "+b=sort([3,1,2],reverse=true)" \
  "+c=sort(3)" "+d=sort(list=[b,a])" "+e=shuffle(5)" "+f=sort([1.5, true, 0])" "+g=sort([b, a, C])" \
  "+h=shuffle([7])" "+i=sort([])"
check "ints wider than 64 bits (Python keeps them exactly)" yaml +name=x "+a=12345678901234567890" \
  "+b=-123456789012345678901234567890" "+c=str(123456789012345678901234567890)" "+d=float(12345678901234567890)" \
  "+e=x\${a}" "+f=\${oc.decode:'123456789012345678901234567890'}" "+g=int(1e20)" "+h=int('-99999999999999999999')" \
  "+i=sort([12345678901234567890, 1.5, -99999999999999999999, 3, 1e19])" "+j=bool(12345678901234567890)" \
  "+k=[12345678901234567890]" "+l={x: -12345678901234567890}" "+n=int(-1.5e300)" "+o=str([12345678901234567890])" \
  "+p=\${oc.create:[12345678901234567890]}"
check_error "float of an int too large for a float" +name=x "+a=float($(printf '9%.0s' $(seq 400)))"
check_error "int of a decimal string" +name=x "+a=int('3.7')"
check_error "int of null" +name=x "+a=int(null)"
check_error "int of nan" +name=x "+a=int(nan)"
check_error "int of inf" +name=x "+a=int(inf)"
check_error "str of null" +name=x "+a=str(null)"
check_error "bool of yes" +name=x "+a=bool('yes')"
check_error "float of text" +name=x "+a=float(abc)"
check_error "sort of mixed types" +name=x "+a=sort([a,1])"
check_error "json_str is not in Hydra 1.3.2" +name=x "+a=json_str({a: 1})"
check_error "unknown function" +name=x "+a=nope(1)"
check_error "choice sweep" +name=x "+a=choice(1,2)"
check_error "choice of one" +name=x "+a=choice(1)"
check_error "range sweep" +name=x "+a=range(3)"
check_error "interval sweep" +name=x "+a=interval(0,1)"
check_error "cast of several values" +name=x "+a=int(1,2)"
check_error "sort of several values" +name=x "+a=sort(3,1)"
check_error "shuffle of several values" +name=x "+a=shuffle(3,1)"
check_error "sorted range" +name=x "+a=sort(range(3))"
check_error "positional after keyword" +name=x "+a=sort(reverse=true,[1])"

echo "== resolvers that ship with OmegaConf and Hydra"
check "oc.decode, oc.create, oc.select, oc.env" yaml +name=x "+a=\${oc.decode:'[1,2]'}" \
  "+b=\${oc.decode:'123'}" "+c=\${oc.decode:null}" "+d=\${oc.decode:'abc'}" "+e=\${oc.create:[1,2]}" \
  "+f=\${oc.select:nope,5}" "+g=\${oc.select:seed}" "+h=\${oc.env:DFORCE_PARITY_UNSET,dflt}" \
  "+i=\${oc.decode:'2.5e-3'}" "+j=\${oc.decode:'true'}"
check "oc.deprecated, oc.dict.keys, oc.dict.values" yaml +name=x "+a=\${oc.deprecated:seed}" \
  "+b=\${oc.dict.keys:experiment.training}" "+c=\${oc.dict.values:wandb}" \
  "+d=\${oc.dict.values:algorithm.diffusion}" "+e=n\${oc.dict.keys:wandb}"
check "now (year and a literal)" json +name=x "+a=\${now:%Y}" "+b=y\${now:%%}"
check "now with glibc flags, widths and E/O modifiers" json +name=x "+a=\${now:%5Y}" "+b=\${now:%_6C|%-5y|%05G}" \
  "+c=\${now:%EY%Oy%EC}" "+d=\${now:'%^#q|%5f|%Ed|%OY'}" "+e=\${now:%10%}"
check_error "oc.decode of an int" +name=x "+a=\${oc.decode:123}"
check_error "oc.deprecated of a missing key" +name=x "+a=\${oc.deprecated:nope}"
check_error "oc.dict.keys of a scalar" +name=x "+a=\${oc.dict.keys:seed}"
check_error "oc.dict.keys of a missing key" +name=x "+a=\${oc.dict.keys:nope}"
check_error "hydra resolver outside a run (HydraConfig not set)" +name=x "+a=\${hydra:job.name}"
check "paths through interpolated containers" yaml +name=x "+a=\${wandb}" "+b=\${a.mode}" \
  "+c=\${oc.create:[1,2]}" "+d=\${c.0}" "+e=\${dataset.observation_shape}" "+f=\${e.1}" \
  "+g=\${oc.dict.keys:wandb}" "+h=\${g[0]}"
check "empty resolver defaults are ''" yaml +name=x "+a=\${oc.env:DFORCE_PARITY_UNSET,}" "+b=\${oc.select:nope,}"
check "oc.decode keeps outer spaces" yaml +name=x "+a=\${oc.decode:' 5 '}" "+b=\${oc.decode:' abc '}"
check "~group=null deselects like ~group" yaml +name=x "~cluster=null"
check "oc.create of null" yaml +name=x "+a=\${oc.create:null}"
check "oc.select of a hydra key takes the default" yaml +name=x "+a=\${oc.select:hydra.job.name,x}" "+b=\${oc.select:hydra,y}"
check_error "now with an unquoted ^ (not in the grammar)" +name=x "+a=\${now:%^a}"
check_error "now without a pattern" +name=x "+a=\${now:}"
check_error "now of an int (strftime takes a str)" +name=x "+a=\${now:5}"
check_error "now of null" +name=x "+a=\${now:null}"
check_error "now of a list" +name=x "+a=\${now:[a]}"
check "now of a quoted number" json +name=x "+a=\${now:'5'}"
check_error "oc.decode of empty text" +name=x "+a=\${oc.decode:''}"
check_error "oc.decode of an override function" +name=x "+a=\${oc.decode:'int(3)'}"
check "escapes in unquoted resolver arguments (OmegaConf's ESC tokens)" yaml +name=x "+a=\${oc.select:nope,a\,b}" \
  "+b=\${now:%Y\:%m}" "+c=\${oc.env:DFORCE_PARITY_UNSET,a\:b\=c}" "+d=\${oc.select:nope, a\ }" \
  "+e=\${oc.select:nope,\[x\]\(z\)\\\\w}" "+f=\${oc.select:nope,1\ }"
check "oc.decode of quoted parentheses" yaml +name=x "+a=\${oc.decode:'\"f(x)\"'}"
check_error "trailing comma in a function" +name=x "+a=int(3,)"
check_error "a key that is a number" +name=x +1=2
check "int, bool and float keys in override dictionaries" yaml +name=x "+a={1: 2, true: 3, 1.5: x, -3: y, false: z}" \
  "+b={1: 2}" "b={true: 5}" "+b.1=str" "+c={1e3: 2, 0x10: 3, inf: 4, 12345678901234567890: 5}" "+d=\${oc.dict.keys:a}" \
  "+e=x\${b}" "+f=\${oc.select:b.1,d}" "+g=str({1: 2})" "+h=[{1: 2}]"
check_error "a dotted key cannot name an int key (override)" +name=x "+a={1: 2}" a.1=5
check_error "a dotted key cannot name an int key (interpolation)" +name=x "+a={1: 2}" "+b=\${a.1}"
check_error "a dotted key cannot name an int key (delete)" +name=x "+a={1: 2}" "~a.1"
check_error "env_set keys are strings (HydraConf Dict[str, str])" +name=x "+hydra.job.env_set={1: a}"
check_error "null dictionary key" +name=x "+a={null: 2}"
check_error "delete a list item" +name=x "~experiment.tasks.0"
check_error "delete a null key" +name=x "~wandb.entity"
check_error "delete an interpolation that does not resolve (Hydra selects before deleting)" +name=x "+a=1" \
  "+b=\${a}" "~a" "~b"
check_error "delete an interpolation that resolves to null" +name=x "+b=\${wandb.entity}" "~b"
check_error "delete a HydraConf field (HydraConf (DictConfig) does not support deletion)" +name=x "~hydra.searchpath"
check_error "delete a RunDir field" +name=x "~hydra.run.dir"
check_error "delete hydra.verbose" +name=x "~hydra.verbose"
check_error "delete hydra.verbose=false (the value matches)" +name=x "~hydra.verbose=false"
check_error "delete a JobConf field" +name=x "~hydra.job.env_copy"
check "delete an env_set entry (a plain dict)" yaml +name=x "+hydra.job.env_set.A=1" "~hydra.job.env_set.A"
check "delete an interpolation, compared by its resolved value" yaml +name=x "+b=\${seed}" "~b=0"

echo "== Hydra's settings in a run (--run: a real Hydra run against the start of a dforce run)"
check_run "run.dir from the job config (issue 12)" +name=abc "hydra.run.dir=runs/\${name}_\${seed}"
check_run "chdir, env_set, job name, output_subdir" +name=abc "hydra.run.dir=out/\${now:%Y}/\${hydra:job.name}" \
  hydra.job.chdir=true "+hydra.job.env_set.DFORCE_PARITY_FOO=\${hydra:job.name}x" "+s=\${oc.env:DFORCE_PARITY_FOO}" \
  hydra.output_subdir=meta hydra.job.name=exp
check_run "no saved configs (output_subdir=null), chdir=false" +name=x hydra.run.dir=o hydra.output_subdir=null hydra.job.chdir=false
check_run "hydra resolver in the job config" +name=abc seed=3 hydra.run.dir=r hydra.job.config.override_dirname.kv_sep=_ \
  "hydra.job.config.override_dirname.exclude_keys=[seed,d]" \
  "+tag=\${hydra:job.name}/\${hydra:runtime.choices.algorithm}/\${hydra:job.id}/\${hydra:nope}" \
  "+d=\${hydra:job.override_dirname}" "+o=\${hydra:runtime.output_dir}"
check_run "override_dirname with item_sep" +name=abc algorithm=df_planning dataset=maze2d_umaze experiment=exp_planning \
  hydra.run.dir=r hydra.job.config.override_dirname.item_sep=/ "hydra.job.config.override_dirname.exclude_keys=[dir]" \
  "+dir=\${hydra:job.override_dirname}"
check_run "runtime.choices in Hydra's order, with Hydra's own groups" +name=x hydra.run.dir=r algorithm=df_planning \
  dataset=maze2d_umaze experiment=exp_planning hydra/job_logging=disabled "+c=\${hydra:runtime.choices}"
check_run "HydraConf converts: chdir=yes is true, numbers become strings" +name=x hydra.run.dir=7 hydra.job.chdir=yes \
  hydra.output_subdir=5 "+hydra.job.env_set.DFORCE_PARITY_N=1.5" hydra.job.name=3
check_run "hydra.job.chdir from an interpolation converts as OmegaConf's BooleanNode" +name=x hydra.run.dir=r \
  "+hydra.job.env_set.DFORCE_PARITY_C=1" "hydra.job.chdir=\${hydra.job.env_set.DFORCE_PARITY_C}"
check_run_error "hydra.job.chdir cannot see the job config" +name=x seed=1 hydra.run.dir=r "hydra.job.chdir=\${seed}"
check_run_error "hydra.job.chdir from an interpolation that is not a bool" +name=x hydra.run.dir=r \
  "hydra.job.chdir=\${hydra:runtime.version}"
check_run "sweep settings are ignored in a single run" +name=x hydra.run.dir=r hydra.sweep.dir=s hydra.sweep.subdir=t
check_run "hydra.mode is an enum: str() in longer strings is RunMode.RUN" +name=x "hydra.run.dir=r\${hydra.mode}" \
  "+b=x\${hydra:mode}" "+hydra.job.env_set.AB=\${hydra.mode}" "+hydra.job.env_set.AC=y\${hydra.mode}"
DFORCE_PARITY_EC=hello check_run "hydra.job.env_copy is copied into env_set while composing" +name=x hydra.run.dir=r \
  "hydra.job.env_copy=[DFORCE_PARITY_EC]" "+hydra.job.env_set.DFORCE_PARITY_B=1" "+s=\${oc.env:DFORCE_PARITY_EC}" \
  "+t=\${hydra:job.env_set}"
check_run "hydra.job.env_copy entries are read against the whole config" +name=x +x=HOME hydra.run.dir=r \
  'hydra.job.env_copy=[${x}]'
check_show "hydra.job.env_copy that is itself an interpolation" hydra --package hydra.job.env_set -- +name=x \
  '+x=[HOME]' 'hydra.job.env_copy=${x}'
check_error "hydra.job.env_copy of an unset variable (KeyError)" +name=x "hydra.job.env_copy=[DFORCE_PARITY_UNSET]"
check_run_error "env_set cannot see the job config" +name=x hydra.run.dir=r "+hydra.job.env_set.A=\${name}"
check_run "the hydra resolver reads Hydra's logging and sources" +name=x hydra.run.dir=r \
  '+f=${hydra:job_logging.handlers.file.filename}' '+l=${hydra:hydra_logging.root.level}' \
  '+s=${hydra:runtime.config_sources}' '+e=${hydra:env}' '+c=${hydra:callbacks}' '+w=${hydra:sweeper.params}'
check_run_error "override_dirname that refers to itself" +name=x hydra.run.dir=r "+d=\${hydra:job.override_dirname}"

echo "== --cfg printing (Hydra's show_cfg), byte for byte"
check_show "whole job config" job -- +name=x
check_show "a package" job --package dataset -- +name=x algorithm=df_planning dataset=maze2d_umaze
check_show "a resolved package" job --resolve --package dataset.observation_shape -- +name=x
check_show "a scalar package is printed resolved" job --package dataset.resolution -- +name=x
check_show "a node reference prints the node" job --package x -- +name=x '+x=${y}' '+y=[1,2]'
check_show "oc.decode gives a Python list" job --package x -- +name=x "+x=\${oc.decode:'[1,2]'}"
check_show "oc.decode gives a Python dict" job --package x -- +name=x "+x='\${oc.decode:\"{a: 1}\"}'"
check_show "oc.create gives a config node" job --package x -- +name=x "+x=\${oc.create:'[1,2]'}"
check_show "oc.select of a container" job --package x -- +name=x '+x=${oc.select:y}' '+y={a:${z}}' +z=1
check_show "oc.dict.values unresolved" job --package x -- +name=x '+x=${oc.dict.values:y}' '+y={a:1,b:2}'
check_show "oc.dict.values of a relative key" job --package x -- +name=x '+x=${oc.dict.values:.y}' '+y={a:1}'
check_show "oc.dict.values resolved" job --resolve --package x -- +name=x '+x=${oc.dict.values:y}' '+y={a:1,b:2}'
check_show "oc.dict.keys" job --package x -- +name=x '+x=${oc.dict.keys:y}' '+y={a:1,b:2}'
check_show "a path through an interpolated node" job --package a.0 -- +name=x "+a=\${oc.create:'[7,8]'}"
check_show "??? is not found" job --package x -- +name=x '+x=???'
check_show "null is not found" job --package x -- +name=x '+x=null'
check_show "an interpolation to None is not found" job --package x -- +name=x '+x=${oc.select:nope}'
check_show "hydra.mode prints the enum" hydra --package hydra.mode -- +name=x hydra.mode=RUN
check_show "the hydra resolver's enum" job --package x -- +name=x hydra.mode=RUN '+x=${hydra:mode}'
check_show "the hydra resolver's node, unresolved" job --package x -- +name=x '+x=${hydra:job}'
check_show "the job cannot select hydra" job --package hydra -- +name=x
check_show "hydra cannot select the job" hydra --package dataset -- +name=x
check_show "a hydra package" hydra --package hydra.run -- +name=x
check_show "a resolved hydra package keeps ??? for runtime values" hydra --resolve --package hydra.job -- +name=x
check_show "an interpolation to ??? resolves to ???" job --resolve -- +name=x '+a=${b}' '+b=???'
check_show "in text too" job --resolve -- +name=x '+a=x${b}' '+b=???'
check_show "inside a referenced node" job --resolve -- +name=x '+a=${c}' '+c={x:${b}}' '+b=???'
check_show "_global_ is the whole part" job --package _global_ -- +name=x
check_show "the whole Hydra config (launcher, sweeper, logging, env, callbacks, config_sources; no help)" hydra -- +name=x
check_show "Hydra's logging groups" hydra -- +name=x hydra/job_logging=none hydra/hydra_logging=disabled
check_show "--cfg all keeps the help texts" all --package hydra.help -- +name=x
check_show "--cfg hydra does not" hydra --package hydra.hydra_help -- +name=x
check_show "the launcher through the hydra resolver" job --resolve --package x -- +name=x '+x=${hydra:launcher._target_}'
check_show "config_sources with a search path" hydra --package hydra.runtime.config_sources -- +name=x \
  'hydra.searchpath=[file://configs]'
check_show "--cfg hydra -p hydra is sanitized too" hydra --package hydra -- +name=x
check_show "an empty package is the root, with an empty header" job --package '' -- +name=x
check_show "a relative package starts at the root" job --package .algorithm -- +name=x
check_show "a string ??? from oc.decode is missing" job --package b -- +name=x "+b='\${oc.decode:\"???\"}'"
check_show "the job cannot see hydra through oc.dict.keys" job --resolve --package x -- +name=x '+x=${oc.dict.keys:hydra.job}'
check_show "... nor oc.dict.values" job --resolve --package x -- +name=x '+x=${oc.dict.values:hydra.job}'
check_show "... nor oc.deprecated" job --resolve --package x -- +name=x '+x=${oc.deprecated:hydra.job}'
check_show "... and oc.select gives its default" job --resolve --package x -- +name=x '+x=${oc.select:hydra.job,5}'
check_show "hydra.job.chdir from an interpolation is validated when read" hydra --package hydra.job.chdir -- \
  +name=x 'hydra.job.chdir=${hydra.job.name}'
check_show "... also when it leads to a node" hydra --resolve --package hydra.job -- +name=x 'hydra.job.chdir=${hydra.job.env_set}'
check_show "... and converted as a BooleanNode converts" hydra --package hydra.job.chdir -- +name=x \
  '+hydra.job.env_set.A=yes' 'hydra.job.chdir=${hydra.job.env_set.A}'
check_show "a str setting refuses an interpolation to None" hydra --package hydra.run.dir -- +name=x 'hydra.run.dir=${hydra.job.chdir}'
check_show "a str setting takes str() of an int" hydra --package hydra.run.dir -- +name=x '+hydra.job.env_set.N=5' \
  "hydra.run.dir='\${oc.decode:\${hydra.job.env_set.N}}'"

echo "hydra-parity: $pass passed, $fail failed"
[ "$fail" = 0 ]
