#!/usr/bin/env bash
# Retrains the three shipped models from their recipes (configs/recipe/*.yaml), side by side, and
# converts their newest checkpoints to weights-only files like those in checkpoints/.
#   scripts/train_shipped_models.sh [DEVICE] [MAX_TIME] [OUT]
# DEVICE: cpu (default), vulkan, wgpu, cuda … (a GPU needs a build with its feature, e.g.
#   cargo build --release -p dforce --features vulkan); MAX_TIME: DD:HH:MM:SS per model
#   (default 00:00:50:00; for the video model, after its first 1,000 steps); OUT: where the
#   runs go (default outputs/shipped).
# On 2 CPU cores the video model uses about one core, so both train at once.
set -euo pipefail
cd "$(dirname "$0")/.."
device=${1:-cpu}
max_time=${2:-00:00:50:00}
out=${3:-outputs/shipped}
bin=${DFORCE:-target/release/dforce}
mkdir -p "$out"
[ -x "$bin" ] || cargo build --release -p dforce
# The video model in two stages, as shipped: 1,000 steps at lr 3e-4, then the rest of the time
# budget at lr 6e-4 from those weights (a higher rate once past the start learned faster).
video_model() {
    "$bin" device="$device" recipe=maze3d_video_small \
        experiment.training.lr=3e-4 algorithm.warmup_steps=200 experiment.training.max_steps=1000 \
        +name=maze3d_video_small_stage1 hydra.run.dir="$out/video_stage1"
    local stage1
    stage1=$(ls -t "$out/video_stage1/checkpoints/"*.safetensors | head -n 1)
    "$bin" device="$device" recipe=maze3d_video_small \
        experiment.training.max_time="$max_time" load="$stage1" +name=maze3d_video_small \
        hydra.run.dir="$out/video"
}
video_model > "$out.video.log" 2>&1 &
"$bin" device="$device" recipe=maze2d_medium_x_small \
    experiment.training.max_time="$max_time" +name=medium_x_small \
    hydra.run.dir="$out/planner" > "$out.planner.log" 2>&1 &
wait
tail -n 1 "$out.video.log" "$out.planner.log"
for m in video planner; do
    ckpt=$(ls -t "$out/$m/checkpoints/"*.safetensors | head -n 1)
    "$bin" ckpt convert --weights-only "$ckpt" "$out/$m.safetensors"
done
# The forecaster (about 25 minutes on 2 cores; its recipe has a step budget, not a time
# budget): training with validation every 500 steps, then the test of its best checkpoint,
# which is what ships.
"$bin" device="$device" recipe=ts_nyc_weather_small +name=ts_nyc_weather_small \
    hydra.run.dir="$out/forecast" > "$out.forecast.log" 2>&1
tail -n 1 "$out.forecast.log"
best=$(ls "$out/forecast/checkpoints/best/"*.safetensors | head -n 1)
"$bin" ckpt convert --weights-only "$best" "$out/forecast.safetensors"
