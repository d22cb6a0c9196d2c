#!/usr/bin/env python3
"""dforce against the PyTorch reference, on identical shapes, interleaved in one run.

usage: bench_compare.py REFERENCE_CHECKOUT [--dforce target/release/dforce] [--rounds 3]
                        [--skip-unet] [--skip-sampling] [--markdown]

For every workload and every round, dforce runs first (its own `dforce bench …` subcommand, a
fresh process that times inside itself) and the reference's own PyTorch modules second, in this
process; the table gives the median of each side over the rounds and the ratio
dforce time / PyTorch time (below 1: dforce is faster). For samplers the ratio is of seconds per
generated frame, so 0.5 means dforce generates frames twice as fast.

Workloads (the shapes of `scripts/bench_reference.py` and `dforce bench`):
- planning training step: 12-layer d128 Transformer, batch 64 × 61 tokens, loss + backward + AdamW;
- planning Transformer forward and forward+backward (same shapes);
- Minecraft Unet3D forward and forward+backward, 1 × 10 × 3 × 128² (slow: --skip-unet);
- `plan()` latency: the reference's default maze2d-medium planner planning 16 episodes over the
  full 600-frame horizon with goal guidance (pyramid scheduling; `--plan-steps` DDIM steps, default
  10; --skip-plan), the first plan of each episode in the closed-loop evaluation;
- video sampling, frames/s on random weights, rolled out like the reference's validation step:
  the shipped small video model's configuration (32², window 8, pyramid chunks of 4, 20 DDIM steps),
  the same network with one-frame chunks in a window of 10, and the reference's default Minecraft
  sampler (128², window 10, chunks of 1) at 3 DDIM steps (time is linear in the steps).
  The reference has no per-frame GroupNorm and no action input: it runs the same shapes without
  them (the compute is the same); dforce runs its real configuration (truly causal, so it caches
  the clean context once per chunk — the reference recomputes the whole window at every step).

Getting the reference and a PyTorch venv (CPU):
    git clone https://github.com/buoyancy99/diffusion-forcing ref   # branch main (v1.5)
    python3 -m venv venv && venv/bin/pip install torch einops rotary_embedding_torch diffusers omegaconf numpy \
        lightning scipy wandb matplotlib opencv-python-headless torchmetrics   # the package imports them
    cargo build --release -p dforce
    venv/bin/python scripts/bench_compare.py ref --rounds 3

Both sides use every core (torch's default thread count; rayon's). Run on an otherwise idle machine.
"""
import argparse
import ast
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import types

import numpy as np
import torch

p = argparse.ArgumentParser()
p.add_argument("reference")
p.add_argument("--dforce", default="target/release/dforce")
p.add_argument("--rounds", type=int, default=3)
p.add_argument("--skip-unet", action="store_true")
p.add_argument("--skip-sampling", action="store_true")
p.add_argument("--skip-plan", action="store_true")
p.add_argument("--plan-steps", type=int, default=10,
               help="DDIM steps of the plan() row (the config's 50 makes a pyramid of 109 guided steps; "
                    "time is about linear in the rows)")
p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
args = p.parse_args()

sys.path.insert(0, args.reference)
if not torch.cuda.is_available():
    # The reference's attention asks CUDA for device properties at construction (spec §8 item 15);
    # the answer only picks GPU kernels.
    torch.cuda.get_device_properties = lambda *_: types.SimpleNamespace(major=0, minor=0)
from omegaconf import OmegaConf  # noqa: E402
from algorithms.diffusion_forcing.models.diffusion import Diffusion  # noqa: E402
from algorithms.diffusion_forcing.models.transformer import Transformer  # noqa: E402
from algorithms.diffusion_forcing.models.unet3d import Unet3D  # noqa: E402


def reference_scheduling():
    """The reference's own `_generate_*_scheduling_matrix` methods, taken from df_base.py's source
    (importing the module needs Lightning, which the benchmark does not)."""
    src = open(os.path.join(args.reference, "algorithms/diffusion_forcing/df_base.py")).read()
    funcs = {}
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_generate_") and "scheduling" in node.name:
            mod = ast.Module(body=[node], type_ignores=[])
            exec(compile(mod, "df_base.py", "exec"), {"np": np}, funcs)
    return funcs


SCHED = reference_scheduling()


def scheduling_matrix(kind, horizon, sampling_timesteps, uncertainty_scale=1.0):
    fake = types.SimpleNamespace(sampling_timesteps=sampling_timesteps, uncertainty_scale=uncertainty_scale,
                                 cfg=types.SimpleNamespace(scheduling_matrix=kind))
    for name, f in SCHED.items():
        setattr(fake, name, types.MethodType(f, fake))
    return fake._generate_scheduling_matrix(horizon)


def ramp(*shape):
    n = 1
    for s in shape:
        n *= s
    return ((torch.arange(n) * 7919 % 1000).float() / 500.0 - 1.0).reshape(shape)


def levels(n, b):
    return (torch.arange(n * b) * 37 % 1000).reshape(n, b)


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def run_dforce(*cmd):
    out = subprocess.run([args.dforce, "bench", *cmd], check=True, capture_output=True, text=True).stdout
    return out


# ---------------------------------------------------------------- PyTorch side, built once
torch.manual_seed(0)
planning_net = Transformer(x_dim=60, external_cond_dim=0, size=128, num_layers=12, nhead=4, dim_feedforward=512)
px, pk = ramp(61, 64, 60), levels(61, 64)
plan_cfg = OmegaConf.create({
    "timesteps": 1000, "sampling_timesteps": 50, "beta_schedule": "linear", "schedule_fn_kwargs": {},
    "objective": "pred_x0", "use_fused_snr": False, "snr_clip": 5.0, "cum_snr_decay": 0.98,
    "ddim_sampling_eta": 0.0, "clip_noise": 20.0, "stabilization_level": 10,
    "architecture": {"network_size": 128, "num_layers": 12, "attn_heads": 4, "dim_feedforward": 512},
})
plan_diffusion = Diffusion(x_shape=(60,), external_cond_dim=0, is_causal=False, cfg=plan_cfg)
plan_opt = torch.optim.AdamW(plan_diffusion.parameters(), lr=5e-4, weight_decay=1e-4, betas=(0.9, 0.999))


def torch_train_step():
    def step():
        plan_opt.zero_grad(set_to_none=True)
        _, loss = plan_diffusion(px, None, pk)
        loss.mean().backward()
        plan_opt.step()
    step()  # warm-up
    return statistics.median(timed(step) for _ in range(3))


def torch_transformer():
    with torch.no_grad():
        planning_net(px, pk, is_causal=False)
        fwd = timed(lambda: planning_net(px, pk, is_causal=False))
    planning_net(px, pk, is_causal=False).square().mean().backward()
    fwd_bwd = timed(lambda: planning_net(px, pk, is_causal=False).square().mean().backward())
    return fwd, fwd_bwd


unet = None


def torch_unet():
    global unet
    if unet is None:
        unet = Unet3D(dim=64, channels=3, out_dim=3, dim_mults=[1, 2, 4, 8], attn_resolutions=[8, 4, 2, 1],
                      attn_dim_head=64, attn_heads=4, use_linear_attn=True, use_init_temporal_attn=True,
                      is_causal=True, time_emb_type="rotary")
    xv, kv = ramp(1, 3, 10, 128, 128), levels(10, 1)
    with torch.no_grad():
        fwd = timed(lambda: unet(xv, kv, None))
    fwd_bwd = timed(lambda: unet(xv, kv, None).square().mean().backward())
    return fwd, fwd_bwd


def video_diffusion(model, sampling_timesteps):
    """The reference's Diffusion in the df_video configuration; `small` changes the architecture
    to the shipped small model's (configs/algorithm/df_video_small.yaml)."""
    conf = f"{args.reference}/configurations"
    base = OmegaConf.load(f"{conf}/algorithm/df_base.yaml")
    video = OmegaConf.load(f"{conf}/algorithm/df_video.yaml")
    cfg = OmegaConf.merge(base.diffusion, video.diffusion)
    if model == "small":
        cfg.architecture.network_size = 16
        cfg.architecture.attn_heads = 4
        cfg.architecture.attn_dim_head = 16
        cfg.architecture.dim_mults = [1, 2, 4]
        cfg.architecture.attn_resolutions = [8, 16]
        cfg.architecture.resolution = 32
    else:
        cfg.architecture.resolution = OmegaConf.load(f"{conf}/dataset/video_minecraft.yaml").resolution
    cfg.sampling_timesteps = sampling_timesteps
    OmegaConf.resolve(cfg)
    res = cfg.architecture.resolution
    torch.manual_seed(0)
    return Diffusion(x_shape=(3, res, res), external_cond_dim=0, is_causal=True, cfg=cfg).eval(), res


diffusions = {}


def torch_sampling(model, window, chunk, kind, sampling_timesteps, frames, context=2, batch=1):
    """The loop of the reference's `DiffusionForcingBase.validation_step` (frame_stack 1)."""
    key = (model, sampling_timesteps)
    if key not in diffusions:
        diffusions[key] = video_diffusion(model, sampling_timesteps)
    diffusion, res = diffusions[key]
    n_total = context + frames
    xs = torch.linspace(-1, 1, n_total * batch * 3 * res * res).reshape(n_total, batch, 3, res, res)
    t = time.perf_counter()
    with torch.no_grad():
        xs_pred = xs[:context].clone()
        curr = context
        while curr < n_total:
            horizon = min(n_total - curr, chunk)
            sched = scheduling_matrix(kind, horizon, sampling_timesteps)
            noise = torch.randn((horizon, batch, 3, res, res)).clamp(-6.0, 6.0)
            xs_pred = torch.cat([xs_pred, noise], 0)
            start = max(0, curr + horizon - window)
            for m in range(sched.shape[0] - 1):
                frm = np.concatenate((np.zeros((curr,), dtype=np.int64), sched[m]))[:, None].repeat(batch, axis=1)
                to = np.concatenate((np.zeros((curr,), dtype=np.int64), sched[m + 1]))[:, None].repeat(batch, axis=1)
                xs_pred[start:] = diffusion.sample_step(xs_pred[start:], None, torch.from_numpy(frm[start:]),
                                                        torch.from_numpy(to[start:]))
            curr += horizon
    return (time.perf_counter() - t) / (frames * batch)


def reference_methods(path, names):
    """Methods of a reference class taken from its source file (importing the module needs
    Lightning, which the benchmark does not), to bind to a stand-in object."""
    from einops import rearrange, reduce, repeat
    src = open(os.path.join(args.reference, path)).read()
    env = {"np": np, "torch": torch, "nn": torch.nn, "rearrange": rearrange, "repeat": repeat,
           "reduce": reduce, "Optional": __import__("typing").Optional, "Any": __import__("typing").Any}
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.FunctionDef) and node.name in names:
            exec(compile(ast.Module(body=[node], type_ignores=[]), path, "exec"), env)
    return {n: env[n] for n in names}


def reference_planner(episodes, sampling_timesteps):
    """The reference's default planner (df_planning on maze2d-medium: 12-layer d128 Transformer,
    frame_stack 10, pyramid scheduling, goal guidance) on random weights: `plan()` is the
    reference's own method from df_planning.py, bound to a stand-in holding what it reads."""
    conf = f"{args.reference}/configurations"
    base = OmegaConf.load(f"{conf}/algorithm/df_base.yaml")
    planning = OmegaConf.load(f"{conf}/algorithm/df_planning.yaml")
    dataset = OmegaConf.load(f"{conf}/dataset/maze2d_medium.yaml")
    dcfg = OmegaConf.merge(base.diffusion, planning.diffusion)
    dcfg.sampling_timesteps = sampling_timesteps
    fs = planning.frame_stack
    obs_dim, act_dim = len(dataset.observation_mean), len(dataset.action_mean)
    torch.manual_seed(0)
    diffusion = Diffusion(x_shape=(fs * (obs_dim + act_dim),), external_cond_dim=0, is_causal=planning.causal,
                          cfg=dcfg).eval()
    me = types.SimpleNamespace(
        diffusion_model=diffusion, frame_stack=fs, observation_dim=obs_dim, action_dim=act_dim, use_reward=False,
        guidance_scale=planning.guidance_scale, causal=planning.causal, n_tokens=dataset.episode_len // fs + 1,
        x_stacked_shape=[fs * (obs_dim + act_dim)], sampling_timesteps=sampling_timesteps,
        uncertainty_scale=base.uncertainty_scale, padding_mode=planning.padding_mode, device=torch.device("cpu"),
        cfg=types.SimpleNamespace(diffusion=dcfg, scheduling_matrix=planning.scheduling_matrix))
    for name, f in {**SCHED, **reference_methods("algorithms/diffusion_forcing/df_planning.py",
                                                 ["plan", "make_bundle", "split_bundle", "pad_init"])}.items():
        setattr(me, name, types.MethodType(f, me))
    return me, dataset.episode_len, obs_dim


def torch_plan(episodes, sampling_timesteps):
    """Seconds of one reference `plan()` for `episodes` episodes over the full episode."""
    planner, horizon, obs_dim = reference_planner(episodes, sampling_timesteps)
    start = torch.linspace(-1, 1, episodes * obs_dim).reshape(episodes, obs_dim)
    goal = start.flip(0)
    return timed(lambda: planner.plan(start, goal, horizon))


def dforce_plan(episodes, sampling_timesteps):
    out = run_dforce("plan", "--episodes", str(episodes), "--sampling-timesteps", str(sampling_timesteps))
    return float(re.search(r"([0-9.]+) s/plan", out).group(1))


# ---------------------------------------------------------------- workloads
def dforce_train_step():
    out = run_dforce("train-planning", "--batch", "64", "--steps", "3")
    return float(re.search(r"([0-9.]+) s/step", out).group(1))


def dforce_networks(skip_video):
    out = run_dforce("networks", "--iters", "1", *(["--skip-video"] if skip_video else []))
    times = {}
    for name, fwd, bwd in re.findall(r"^(\w+) .*forward ([0-9.]+) s, forward\+backward ([0-9.]+) s", out, re.M):
        times[name] = (float(fwd), float(bwd))
    return times


def dforce_sampling(model, window, chunk, sampling_timesteps, frames):
    out = run_dforce("sample-video", "--model", model, "--window", str(window), "--chunk-size", str(chunk),
                     "--sampling-timesteps", str(sampling_timesteps), "--frames", str(frames), "--json")
    r = json.loads(out)
    return r["seconds"] / r["frames"]


SAMPLERS = [
    # name, model, window, chunk, scheduling, DDIM steps, generated frames
    ("sampling: small model (window 8, pyramid chunks of 4, 20 steps), s/frame", "small", 8, 4, "pyramid", 20, 16),
    ("sampling: small network, window 10, chunks of 1, 20 steps, s/frame", "small", 10, 1, "autoregressive", 20, 8),
    ("sampling: reference Minecraft (window 10, chunks of 1), 3 steps, s/frame", "minecraft", 10, 1, "autoregressive", 3, 2),
]

results = {}


def record(name, d, t):
    results.setdefault(name, ([], []))
    results[name][0].append(d)
    results[name][1].append(t)


for r in range(args.rounds):
    print(f"# round {r + 1}/{args.rounds}", file=sys.stderr, flush=True)
    record("planning training step (batch 64 × 61 tokens, AdamW), s", dforce_train_step(), torch_train_step())
    nets = dforce_networks(args.skip_unet)
    tf, tfb = torch_transformer()
    record("planning Transformer forward, s", nets["planning_transformer"][0], tf)
    record("planning Transformer forward+backward, s", nets["planning_transformer"][1], tfb)
    if not args.skip_unet:
        uf, ufb = torch_unet()
        record("Minecraft Unet3D forward (1 × 10 × 128²), s", nets["minecraft_unet3d"][0], uf)
        record("Minecraft Unet3D forward+backward, s", nets["minecraft_unet3d"][1], ufb)
    if not args.skip_plan:
        record(f"plan() latency, 16 episodes, 600-frame horizon, {args.plan_steps} DDIM steps, s",
               dforce_plan(16, args.plan_steps), torch_plan(16, args.plan_steps))
    if not args.skip_sampling:
        for name, model, window, chunk, kind, steps, frames in SAMPLERS:
            record(name, dforce_sampling(model, window, chunk, steps, frames),
                   torch_sampling(model, window, chunk, kind, steps, frames))

cpu = platform.processor() or "?"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass
head = (f"# {cpu}, {os.cpu_count()} logical CPUs; PyTorch {torch.__version__} ({torch.get_num_threads()} threads); "
        f"median of {args.rounds} interleaved rounds")
print(head)
if args.markdown:
    print("| workload | dforce | PyTorch | dforce / PyTorch time |")
    print("|---|---|---|---|")
for name, (d, t) in results.items():
    dm, tm = statistics.median(d), statistics.median(t)
    if args.markdown:
        print(f"| {name} | {dm:.4f} | {tm:.4f} | **{dm / tm:.2f}×** |")
    else:
        print(f"{name:<80} dforce {dm:9.4f}  pytorch {tm:9.4f}  ratio {dm / tm:6.2f}")
