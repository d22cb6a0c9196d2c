#!/usr/bin/env python3
"""The PyTorch side of `dforce bench`: the reference's own modules, same shapes, same machine.

usage: bench_reference.py REFERENCE_CHECKOUT [--planning-batch 64] [--video-batch 1]
                          [--iters 3] [--train-batch 64] [--train-steps 5] [--skip-video]

REFERENCE_CHECKOUT is a checkout of buoyancy99/diffusion-forcing (branch main); its
`algorithms/diffusion_forcing/models` package is imported as is. Needs torch, einops,
rotary_embedding_torch, diffusers and omegaconf. The reference's video attention asks CUDA for
device properties at construction (a bug, spec §8 item 15); on a CPU machine that call is
answered with a stand-in so the module can be built — it only picks GPU kernels.
"""
import argparse
import statistics
import sys
import time
import types

import torch

p = argparse.ArgumentParser()
p.add_argument("reference")
p.add_argument("--planning-batch", type=int, default=64)
p.add_argument("--video-batch", type=int, default=1)
p.add_argument("--iters", type=int, default=3)
p.add_argument("--train-batch", type=int, default=64)
p.add_argument("--train-steps", type=int, default=5)
p.add_argument("--skip-video", action="store_true")
args = p.parse_args()

sys.path.insert(0, args.reference)
if not torch.cuda.is_available():
    torch.cuda.get_device_properties = lambda *_: types.SimpleNamespace(major=0, minor=0)
from omegaconf import OmegaConf  # noqa: E402
from algorithms.diffusion_forcing.models.diffusion import Diffusion  # noqa: E402
from algorithms.diffusion_forcing.models.transformer import Transformer  # noqa: E402
from algorithms.diffusion_forcing.models.unet3d import Unet3D  # noqa: E402

torch.manual_seed(0)
threads = torch.get_num_threads()


def timed(fn, iters):
    fn()
    out = []
    for _ in range(max(iters, 1)):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def ramp(*shape):
    n = 1
    for s in shape:
        n *= s
    return ((torch.arange(n) * 7919 % 1000).float() / 500.0 - 1.0).reshape(shape)


def levels(n, b):
    return (torch.arange(n * b) * 37 % 1000).reshape(n, b)


print(f"# reference PyTorch {torch.__version__} CPU, {threads} threads; median seconds per call")
n, b = 61, args.planning_batch
net = Transformer(x_dim=60, external_cond_dim=0, size=128, num_layers=12, nhead=4, dim_feedforward=512)
x, k = ramp(n, b, 60), levels(n, b)
with torch.no_grad():
    fwd = timed(lambda: net(x, k, is_causal=False), args.iters)
fwd_bwd = timed(lambda: net(x, k, is_causal=False).square().mean().backward(), args.iters)
print(f"planning_transformer batch={b} tokens={n}: forward {fwd:.4f} s, forward+backward {fwd_bwd:.4f} s")

if not args.skip_video:
    n, b = 10, args.video_batch
    unet = Unet3D(dim=64, channels=3, out_dim=3, dim_mults=[1, 2, 4, 8], attn_resolutions=[8, 4, 2, 1],
                  attn_dim_head=64, attn_heads=4, use_linear_attn=True, use_init_temporal_attn=True,
                  is_causal=True, time_emb_type="rotary")
    xv = ramp(b, 3, n, 128, 128)  # the Unet's own (batch, channels, frames, H, W) layout
    kv = levels(n, b)
    with torch.no_grad():
        fwd = timed(lambda: unet(xv, kv, None), args.iters)
    fwd_bwd = timed(lambda: unet(xv, kv, None).square().mean().backward(), args.iters)
    print(f"minecraft_unet3d batch={b} frames={n} 128x128: forward {fwd:.4f} s, forward+backward {fwd_bwd:.4f} s")

cfg = OmegaConf.create({
    "timesteps": 1000, "sampling_timesteps": 50, "beta_schedule": "linear", "schedule_fn_kwargs": {},
    "objective": "pred_x0", "use_fused_snr": False, "snr_clip": 5.0, "cum_snr_decay": 0.98,
    "ddim_sampling_eta": 0.0, "clip_noise": 20.0, "stabilization_level": 10,
    "architecture": {"network_size": 128, "num_layers": 12, "attn_heads": 4, "dim_feedforward": 512},
})
diffusion = Diffusion(x_shape=(60,), external_cond_dim=0, is_causal=False, cfg=cfg)
opt = torch.optim.AdamW(diffusion.parameters(), lr=5e-4, weight_decay=1e-4, betas=(0.9, 0.999))
n, b = 61, args.train_batch
x, k = ramp(n, b, 60), levels(n, b)


def step():
    opt.zero_grad(set_to_none=True)
    _, loss = diffusion(x, None, k)
    loss.mean().backward()
    opt.step()


step()
t = time.perf_counter()
for _ in range(args.train_steps):
    step()
s = (time.perf_counter() - t) / max(args.train_steps, 1)
print(f"planning_train_step batch={b} tokens={n}: {s:.4f} s/step, {1 / s:.3f} steps/s")
