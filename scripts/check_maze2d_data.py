#!/usr/bin/env python3
"""Generates 1,000,000 steps of maze2d-medium with `dforce data maze2d`, reads the file with
h5py and checks D4RL's keys, dtypes, shapes and statistics (obs mean within 0.1, obs/velocity std within 0.15,
action std within 0.05, reward mean within 0.005 of D4RL's maze2d-medium-sparse-v1).

usage: check_maze2d_data.py DFORCE_BINARY   (needs numpy and h5py)
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

D4RL = {  # configs/dataset/maze2d_medium.yaml (D4RL's own statistics)
    "obs_mean": [3.5092521, 3.4765592, 4.1014933e-5, 3.8480070e-5],
    "obs_std": [1.3371079, 1.52102, 2.3407657, 2.3693702],
    "act_std": [0.73977315, 0.7459419],
    "reward_mean": 0.0236665,
}
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "maze2d-medium-sparse-v1.hdf5")
    subprocess.run([sys.argv[1], "data", "maze2d", "--env", "maze2d-medium-v1", "--steps", "1000000",
                    "--seed", "0", "--out", out], check=True)
    f = h5py.File(out, "r")
    keys = ["observations", "actions", "rewards", "terminals", "timeouts", "infos/goal", "infos/qpos", "infos/qvel"]
    missing = [k for k in keys if k not in f]
    assert not missing, f"missing D4RL keys: {missing}"
    n = 1_000_000
    layout = {  # D4RL's maze2d files as h5py reads them: key -> (numpy dtype, shape)
        "observations": ("float32", (n, 4)), "actions": ("float32", (n, 2)),
        "rewards": ("float32", (n,)), "terminals": ("bool", (n,)), "timeouts": ("bool", (n,)),
        "infos/goal": ("float32", (n, 2)), "infos/qpos": ("float32", (n, 2)),
        "infos/qvel": ("float32", (n, 2)),
    }
    for k, (dtype, shape) in layout.items():
        got = (str(f[k].dtype), f[k].shape)
        assert got == (dtype, shape), f"{k}: h5py reads {got}, D4RL has {(dtype, shape)}"
    assert sorted(f["infos"].keys()) == ["goal", "qpos", "qvel"], list(f["infos"].keys())
    print("maze2d-data: h5py reads every D4RL key with D4RL's dtype and shape")
    obs, act, rew = f["observations"][:], f["actions"][:], f["rewards"][:]
    checks = {
        "obs mean": (np.abs(obs.mean(0) - D4RL["obs_mean"]).max(), 0.1),
        "obs/velocity std": (np.abs(obs.std(0) - D4RL["obs_std"]).max(), 0.15),
        "action std": (np.abs(act.std(0) - D4RL["act_std"]).max(), 0.05),
        "reward mean": (abs(rew.mean() - D4RL["reward_mean"]), 0.005),
    }
failed = 0
for name, (diff, tol) in checks.items():
    ok = diff <= tol
    failed += not ok
    print(f"{name:>18}: max |ours - D4RL| = {diff:.4f} (tolerance {tol}) {'ok' if ok else 'FAIL'}")
print(f"maze2d-data: {len(checks) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
