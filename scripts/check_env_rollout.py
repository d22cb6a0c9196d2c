#!/usr/bin/env python3
"""Replays the shared MuJoCo maze2d rollouts through `dforce env rollout` and reports the
largest qpos/qvel error per maze (acceptance: max |qpos error| <= 0.01 over 1000 steps).

usage: check_env_rollout.py DFORCE_BINARY [ROLLOUTS.npz]   (needs numpy)
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

binary = sys.argv[1]
path = sys.argv[2] if len(sys.argv) > 2 else "tests/fixtures/maze2d/maze2d_d4rl_frame_rollouts.npz"
data = np.load(path)
worst = 0.0
with tempfile.TemporaryDirectory() as tmp:
    for maze in ["umaze", "medium", "large"]:
        obs, actions = data[f"{maze}/obs"], data[f"{maze}/actions"]
        a, out = os.path.join(tmp, "a.npy"), os.path.join(tmp, "s.npy")
        # The actions as numpy writes them for other arrays: Fortran order (what np.save writes for
        # a transposed array) and big-endian; dforce must read every one of them.
        stored = {"umaze": actions,
                  "medium": np.asfortranarray(actions),
                  "large": actions.astype(">f8").T.copy().T}[maze]
        np.save(a, stored)
        actions = np.load(a).astype(np.float64)
        q, v = obs[0, :2], obs[0, 2:]
        subprocess.run(
            [binary, "env", "rollout", "--env", f"maze2d-{maze}-v1", f"--qpos={float(q[0])!r},{float(q[1])!r}",
             f"--qvel={float(v[0])!r},{float(v[1])!r}", "--actions", a, "--out", out],
            check=True, stderr=subprocess.DEVNULL)
        states = np.load(out)
        assert states.shape == obs.shape, (states.shape, obs.shape)
        e_pos = np.abs(states[:, :2] - obs[:, :2]).max()
        e_vel = np.abs(states[:, 2:] - obs[:, 2:]).max()
        worst = max(worst, e_pos)
        print(f"{maze:>6}: max |qpos error| {e_pos:.3g}, max |qvel error| {e_vel:.3g} over {len(actions)} steps")
print(f"env-rollout: {int(worst <= 0.01)} passed, {int(worst > 0.01)} failed")
sys.exit(0 if worst <= 0.01 else 1)
