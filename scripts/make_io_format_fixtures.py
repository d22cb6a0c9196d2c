#!/usr/bin/env python3
"""Writes the fixtures of files that numpy, Python's zipfile and h5py write and dforce's readers
must accept (or refuse with a clear message).

Usage: python3 scripts/make_io_format_fixtures.py
(run from the repository root; needs numpy and h5py).

crates/dforce-io/tests/fixtures/formats/ (tests/npz_methods.rs, tests/hdf5_links.rs):
  npz_bzip2.npz, npz_lzma.npz  .npz archives whose members Python's zipfile compressed with
                               bzip2 (zip method 12) and LZMA (method 14); np.load reads them.
  extlink.hdf5 (+ extlink_target.hdf5)
                               `observations` is an h5py.ExternalLink into the target file.
  virtual.hdf5 (+ virtual_source.hdf5)
                               `observations` is an h5py virtual dataset (layout class 3).
  expected.json                what numpy / h5py read back.

crates/dforce-video-data/tests/fixtures/video_dtypes/ (tests/video_dtypes.rs):
  one DMLab-layout episode `.npz` per `video` dtype/order (uint8 in Fortran order, float32,
  big-endian float64, float16, big-endian int16, uint16), and expected.json holding, per file,
  what the reference's `DmlabVideoDataset.__getitem__` computes before its resize:
  `torch.from_numpy(video / 255.0).float()` (numpy's `video / 255.0` keeps the dtype of a
  float16/float32 video and is float64 otherwise), in (T, H, W, 3) C order.
"""

import io
import json
import os
import zipfile

import h5py
import numpy as np

IO_OUT = "crates/dforce-io/tests/fixtures/formats"
VIDEO_OUT = "crates/dforce-video-data/tests/fixtures/video_dtypes"


def npy_bytes(arr):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def io_fixtures():
    os.makedirs(IO_OUT, exist_ok=True)
    expected = {"npz": {}, "hdf5": {}}
    arrays = {
        "a": np.array([[0.5, -1.25, 3.0], [1e-3, 2.0, -7.5]]),
        "b": np.arange(6, dtype=">i4").reshape(3, 2) - 2,
    }
    for name, method in [("npz_bzip2.npz", zipfile.ZIP_BZIP2), ("npz_lzma.npz", zipfile.ZIP_LZMA)]:
        path = os.path.join(IO_OUT, name)
        with zipfile.ZipFile(path, "w", compression=method) as z:
            for key, arr in arrays.items():
                z.writestr(key + ".npy", npy_bytes(arr))
        with zipfile.ZipFile(path) as z:
            assert all(i.compress_type == method for i in z.infolist())
        with np.load(path) as f:
            expected["npz"][name] = {
                key: {"shape": list(f[key].shape), "values": f[key].ravel().tolist()}
                for key in f.files
            }

    obs = (np.arange(12, dtype="f8").reshape(6, 2) * 0.5 - 1.0)
    with h5py.File(os.path.join(IO_OUT, "extlink_target.hdf5"), "w") as f:
        f["observations"] = obs
    with h5py.File(os.path.join(IO_OUT, "extlink.hdf5"), "w") as f:
        f["actions"] = np.zeros((6, 2))
        f["observations"] = h5py.ExternalLink("extlink_target.hdf5", "/observations")
    with h5py.File(os.path.join(IO_OUT, "extlink.hdf5"), "r") as f:
        # h5py follows the link (relative to the linking file's folder).
        assert np.array_equal(f["observations"][()], obs)

    with h5py.File(os.path.join(IO_OUT, "virtual_source.hdf5"), "w") as f:
        f["data"] = obs
    layout = h5py.VirtualLayout(shape=obs.shape, dtype="f8")
    layout[:] = h5py.VirtualSource("virtual_source.hdf5", "data", shape=obs.shape)
    with h5py.File(os.path.join(IO_OUT, "virtual.hdf5"), "w") as f:
        f["actions"] = np.zeros((6, 2))
        f.create_virtual_dataset("observations", layout)
    with h5py.File(os.path.join(IO_OUT, "virtual.hdf5"), "r") as f:
        assert f["observations"].is_virtual
        assert np.array_equal(f["observations"][()], obs)
    expected["hdf5"]["observations"] = obs.ravel().tolist()

    with open(os.path.join(IO_OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


def video_fixtures():
    os.makedirs(VIDEO_OUT, exist_ok=True)
    t, h, w = 5, 4, 4
    ti, yi, xi, ci = np.meshgrid(
        np.arange(t), np.arange(h), np.arange(w), np.arange(3), indexing="ij"
    )
    base = (5 * ti + 7 * yi + 3 * xi + 60 * ci) % 256  # int64, 0..255
    actions = np.array([0, 2, 1, 1, 0], dtype=np.int64)
    cases = {
        # np.savez of a transposed array: the member's header says fortran_order True.
        "u1_fortran.npz": (np.asfortranarray(base.astype(np.uint8)), np.savez),
        # Non-integer values, and values outside 0..255: the reference divides, it does not clamp.
        "f4.npz": ((base + 0.25).astype("<f4") - np.float32(3.0), np.savez_compressed),
        "f8_be.npz": ((base * 1.5 - 40.0).astype(">f8"), np.savez_compressed),
        "f2.npz": ((base + 0.5).astype("<f2"), np.savez),
        "i2_be.npz": ((base - 100).astype(">i2"), np.savez_compressed),
        "u2.npz": ((base * 200).astype("<u2"), np.savez),
    }
    expected = {}
    for name, (video, save) in cases.items():
        path = os.path.join(VIDEO_OUT, name)
        save(path, video=video, actions=actions)
        with np.load(path) as f:
            back = f["video"]
            assert back.dtype == video.dtype and np.array_equal(back, video)
            if name == "u1_fortran.npz":
                assert back.flags.f_contiguous and not back.flags.c_contiguous
            # The reference: torch.from_numpy(video / 255.0).float().
            scaled = (back / 255.0).astype(np.float32)
        expected[name] = {
            "dtype": video.dtype.str,
            "shape": list(video.shape),
            "scaled": scaled.ravel(order="C").tolist(),
        }
    # A unicode `video`: `video / 255.0` fails in the reference; dforce refuses it by dtype.
    np.savez(os.path.join(VIDEO_OUT, "str_video.npz"), video=np.full((2, 1, 1, 3), "a"), actions=actions[:2])
    with open(os.path.join(VIDEO_OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    io_fixtures()
    video_fixtures()
    print("ok")
