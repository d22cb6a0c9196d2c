#!/usr/bin/env bash
# Sampling throughput of the reference's default Minecraft configuration, dforce against the
# reference's PyTorch sampler, in one run on this machine (same shapes, threads and steps).
#   scripts/bench_sampling.sh REFERENCE_CHECKOUT [FRAMES] [SAMPLING_TIMESTEPS]
# Needs a release build of dforce and a Python with torch, einops, rotary_embedding_torch,
# diffusers and omegaconf ($PYTHON, default python3).
set -euo pipefail
ref=${1:?usage: $0 REFERENCE_CHECKOUT [FRAMES] [SAMPLING_TIMESTEPS]}
frames=${2:-2}
steps=${3:-5}
py=${PYTHON:-python3}
cd "$(dirname "$0")/.."
bin=target/release/dforce
[ -x "$bin" ] || cargo build --release -p dforce
ours=$("$bin" bench sample-video --frames "$frames" --sampling-timesteps "$steps" | tee /dev/stderr | tail -1)
theirs=$("$py" scripts/bench_sampling_reference.py "$ref" --frames "$frames" --sampling-timesteps "$steps" | tee /dev/stderr | tail -1)
fps() { sed -E 's/.* ([0-9.]+) frames\/s.*/\1/' <<<"$1"; }
python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'frames/s: dforce {a:.5f}, reference {b:.5f}; dforce/reference = {a / b:.2f}x ({b / a:.2f}x the time per frame)')" "$(fps "$ours")" "$(fps "$theirs")"
