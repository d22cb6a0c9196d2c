"""Checks that a D4RL-layout HDF5 file written by dforce-env reads with h5py (libhdf5).

Usage: python check_d4rl_hdf5.py FILE.hdf5   (needs: pip install h5py numpy)
Prints every dataset's dtype/shape and the first rows; exits non-zero on a layout mismatch."""
import sys

import h5py
import numpy as np

EXPECTED = {
    "observations": (np.float32, 4), "actions": (np.float32, 2), "rewards": (np.float32, None),
    "terminals": (np.bool_, None), "timeouts": (np.bool_, None), "infos/goal": (np.float32, 2),
    "infos/qpos": (np.float32, 2), "infos/qvel": (np.float32, 2),
}

with h5py.File(sys.argv[1], "r") as f:
    n = f["observations"].shape[0]
    for key, (dtype, cols) in EXPECTED.items():
        d = f[key]
        want = (n, cols) if cols else (n,)
        print(f"{key:13s} {str(d.dtype):8s} {d.shape} first={d[:2].tolist()}")
        assert d.dtype == dtype, (key, d.dtype)
        assert d.shape == want, (key, d.shape)
    obs = f["observations"][()]
    print("obs mean", obs.mean(0), "std", obs.std(0), "reward mean", f["rewards"][()].mean())
print("ok")
