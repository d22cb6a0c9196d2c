#!/usr/bin/env python3
"""The PyTorch side of `dforce bench sample-video`: the reference's own `Diffusion` (Unet3D,
buffers, `sample_step`) in its default Minecraft configuration, driven by the loop of its
`DiffusionForcingBase.validation_step` (context frames, autoregressive chunks of one token,
sliding window of `n_tokens`). Frames/s of generated frames.

usage: bench_sampling_reference.py REFERENCE_CHECKOUT [--frames 2] [--sampling-timesteps 100]
                                   [--batch 1]

The configuration is read from the checkout's own yaml (df_base ← df_video, dataset
video_minecraft). Needs torch, einops, rotary_embedding_torch, diffusers and omegaconf.
"""
import argparse
import sys
import time
import types

import numpy as np
import torch

p = argparse.ArgumentParser()
p.add_argument("reference")
p.add_argument("--frames", type=int, default=2)
p.add_argument("--sampling-timesteps", type=int, default=100)
p.add_argument("--batch", type=int, default=1)
args = p.parse_args()

sys.path.insert(0, args.reference)
if not torch.cuda.is_available():
    # The reference's attention asks CUDA for device properties at construction (spec §8 item 15).
    torch.cuda.get_device_properties = lambda *_: types.SimpleNamespace(major=0, minor=0)
from omegaconf import OmegaConf  # noqa: E402
from algorithms.diffusion_forcing.models.diffusion import Diffusion  # noqa: E402

conf = f"{args.reference}/configurations"
base = OmegaConf.load(f"{conf}/algorithm/df_base.yaml")
video = OmegaConf.load(f"{conf}/algorithm/df_video.yaml")
data = OmegaConf.load(f"{conf}/dataset/video_minecraft.yaml")
diffusion_cfg = OmegaConf.merge(base.diffusion, video.diffusion)
diffusion_cfg.architecture.resolution = data.resolution
diffusion_cfg.sampling_timesteps = args.sampling_timesteps
OmegaConf.resolve(diffusion_cfg)

torch.manual_seed(0)
model = Diffusion(x_shape=(3, data.resolution, data.resolution), external_cond_dim=0,
                  is_causal=True, cfg=diffusion_cfg).eval()
n_tokens = data.n_frames  # frame_stack 1
n_context = data.context_length
n_total = n_context + args.frames
b, s = args.batch, args.sampling_timesteps
xs = torch.linspace(-1, 1, n_total * b * 3 * data.resolution ** 2).reshape(n_total, b, 3, data.resolution, data.resolution)

started = time.perf_counter()
with torch.no_grad():
    xs_pred = xs[:n_context].clone()
    curr = n_context
    while curr < n_total:
        horizon = 1  # autoregressive, chunk_size 1
        # The autoregressive matrix of one token: S, S-1, ..., 0.
        sched = np.arange(s, -1, -1)[:, None]
        chunk = torch.randn((horizon, b, 3, data.resolution, data.resolution)).clamp(
            -diffusion_cfg.clip_noise, diffusion_cfg.clip_noise)
        xs_pred = torch.cat([xs_pred, chunk], 0)
        start = max(0, curr + horizon - n_tokens)
        for m in range(sched.shape[0] - 1):
            frm = np.concatenate((np.zeros((curr,), dtype=np.int64), sched[m]))[:, None].repeat(b, axis=1)
            to = np.concatenate((np.zeros((curr,), dtype=np.int64), sched[m + 1]))[:, None].repeat(b, axis=1)
            xs_pred[start:] = model.sample_step(xs_pred[start:], None, torch.from_numpy(frm[start:]),
                                                torch.from_numpy(to[start:]))
        curr += horizon
secs = time.perf_counter() - started
gen = args.frames * b
print(f"# reference PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads")
print(f"minecraft_sampling batch={b} context={n_context} generated={args.frames} sampling_timesteps={s}: "
      f"{secs:.3f} s, {gen / secs:.5f} frames/s ({secs / max(gen * s, 1):.4f} s per frame per DDIM step)")
