#!/usr/bin/env python3
"""Writes the HDF5 reader's oracle matrix with h5py: one file per (libver, track_order), each
holding the same arrays under every storage h5py can give them (contiguous, compact, chunked
with a fixed shape, one unlimited dimension, two unlimited dimensions, a single chunk) and every
standard filter (gzip, shuffle, lzf, fletcher32, and combinations), plus a group of 40 members
(new-style groups store them densely, in a fractal heap with a v2 B-tree). `expected.json`
holds the arrays' values as numpy gives them. Run from the repository root:

    python3 scripts/make_hdf5_matrix.py   # needs h5py and numpy

Files land in crates/dforce-io/tests/fixtures/h5py_matrix/ (tests/hdf5_h5py_matrix.rs). It also
writes two D4RL maze2d files with libver="latest" to tests/fixtures/maze2d/ for
crates/dforce-env/tests/hdf5_d4rl.rs: `d4rl-libver-latest.hdf5` (gzip + shuffle chunks, track_order)
and `d4rl-unreadable-optional.hdf5` (its `timeouts` and `infos/qvel` hold strings), with the
values numpy reads in `d4rl-libver-latest.json`.
"""
import json
import os

import h5py
import numpy as np

OUT = "crates/dforce-io/tests/fixtures/h5py_matrix"
N = 16

FILTERS = {
    "none": {},
    "gzip": dict(compression="gzip"),
    "gzip_shuffle": dict(compression="gzip", shuffle=True),
    "lzf": dict(compression="lzf"),
    "lzf_shuffle": dict(compression="lzf", shuffle=True),
    "fletcher32": dict(fletcher32=True),
    "gzip9_shuffle_fletcher32": dict(compression="gzip", compression_opts=9, shuffle=True, fletcher32=True),
}
CHUNKED = ["chunked_fixed", "chunked_unlimited", "chunked_2unlimited", "single_chunk"]


def libvers():
    names = ["earliest", "v108", "v110", "v112", "v114", "v200", "latest"]
    ok = []
    for lv in names:
        try:
            h5py.File("/tmp/_libver_probe.h5", "w", libver=lv).close()
            ok.append(lv)
        except ValueError:
            pass
    return ok


def arrays():
    rng = np.random.default_rng(20261201)
    return {
        "observations": rng.standard_normal((N, 4)).astype(np.float32),
        "terminals": rng.random(N) < 0.3,
        "float16": rng.standard_normal((N, 2)).astype(np.float16),
        "float64_big_endian": rng.standard_normal((N, 2)).astype(">f8"),
        "uint8": rng.integers(0, 256, N).astype(np.uint8),
        "int16_big_endian": rng.integers(-30000, 30000, N).astype(">i2"),
        "int64": rng.integers(-(2**40), 2**40, (N, 3)).astype(np.int64),
    }


BIG = np.random.default_rng(7).standard_normal(3000).astype(np.float32)


def put(group, name, a, layout, filt):
    if layout == "compact":
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        space = h5py.h5s.create_simple(a.shape)
        tid = h5py.h5t.py_create(a.dtype, logical=True)
        ds = h5py.h5d.create(group.id, name.encode(), tid, space, dcpl=dcpl)
        ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(a))
    elif layout == "contiguous":
        group.create_dataset(name, data=a)
    elif layout == "chunked_fixed":
        group.create_dataset(name, data=a, chunks=(5,) + a.shape[1:], **filt)
    elif layout == "chunked_unlimited":
        group.create_dataset(name, data=a, chunks=(3,) + a.shape[1:], maxshape=(None,) + a.shape[1:], **filt)
    elif layout == "chunked_2unlimited":
        chunks = (5,) if a.ndim == 1 else (5, 1)
        group.create_dataset(name, data=a, chunks=chunks, maxshape=(None,) * a.ndim, **filt)
    elif layout == "single_chunk":
        group.create_dataset(name, data=a, chunks=a.shape, **filt)


def main():
    os.makedirs(OUT, exist_ok=True)
    data = arrays()
    files = []
    for lv in libvers():
        for track_order in (False, True):
            name = f"{lv}-{'track_order' if track_order else 'default'}.hdf5"
            groups = []
            with h5py.File(os.path.join(OUT, name), "w", libver=lv, track_order=track_order) as f:
                combos = [("none", "contiguous"), ("none", "compact")]
                combos += [(fl, lay) for fl in FILTERS for lay in CHUNKED]
                for fl, lay in combos:
                    g = f.create_group(f"{fl}-{lay}")
                    for k, a in data.items():
                        put(g, k, a, lay, FILTERS[fl])
                    if fl == "gzip_shuffle":
                        # Hundreds of chunks: multi-level chunk indexes.
                        g.create_dataset("big", data=BIG, chunks=(10,), maxshape=(None,) if "unlimited" in lay else None,
                                         compression="gzip", shuffle=True)
                    groups.append(g.name.lstrip("/"))
                many = f.create_group("many")
                for i in range(40):
                    many.create_dataset(f"m{i:02d}", data=np.full(3, i, dtype=np.float32))
                f.attrs["written_by"] = f"h5py {h5py.__version__}, HDF5 {h5py.version.hdf5_version}"
            files.append(dict(file=name, libver=lv, track_order=track_order, groups=groups))
    expected = dict(
        h5py=h5py.__version__,
        hdf5=h5py.version.hdf5_version,
        files=files,
        arrays={k: dict(dtype=a.dtype.str, shape=list(a.shape), values=a.astype(np.float64).ravel().tolist())
                for k, a in data.items()},
        big=dict(dtype=BIG.dtype.str, shape=list(BIG.shape), values=BIG.astype(np.float64).tolist()),
        many={f"m{i:02d}": [float(i)] * 3 for i in range(40)},
    )
    with open(os.path.join(OUT, "expected.json"), "w") as fh:
        json.dump(expected, fh)
    print(f"{len(files)} files in {OUT}")


def d4rl():
    out = "tests/fixtures/maze2d"
    rng = np.random.default_rng(4)
    n = 120
    data = {
        "observations": rng.uniform(0.5, 3.5, (n, 4)).astype(np.float32),
        "actions": rng.uniform(-1, 1, (n, 2)).astype(np.float32),
        "rewards": (rng.random(n) < 0.2).astype(np.float32),
        "terminals": rng.random(n) < 0.1,
        "timeouts": np.arange(n) % 50 == 49,
        "infos/goal": np.tile(np.float32([1.0, 3.0]), (n, 1)),
        "infos/qpos": rng.uniform(0.5, 3.5, (n, 2)).astype(np.float32),
        "infos/qvel": rng.standard_normal((n, 2)).astype(np.float32),
    }
    with h5py.File(os.path.join(out, "d4rl-libver-latest.hdf5"), "w", libver="latest", track_order=True) as f:
        for k, a in data.items():
            f.create_dataset(k, data=a, chunks=(40,) + a.shape[1:], maxshape=(None,) + a.shape[1:],
                             compression="gzip", shuffle=True)
    with h5py.File(os.path.join(out, "d4rl-unreadable-optional.hdf5"), "w", libver="latest") as f:
        for k, a in data.items():
            if k in ("timeouts", "infos/qvel"):
                f.create_dataset(k, data=np.array([b"no"] * n))
            else:
                f.create_dataset(k, data=a)
    with open(os.path.join(out, "d4rl-libver-latest.json"), "w") as fh:
        json.dump({k: a.astype(np.float64).ravel().tolist() for k, a in data.items()}, fh)


if __name__ == "__main__":
    main()
    d4rl()
