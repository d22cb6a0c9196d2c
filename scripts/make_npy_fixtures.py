#!/usr/bin/env python3
"""Writes the .npy/.npz fixtures of crates/dforce-io/tests/npy_numpy.rs with numpy itself.

Usage: python3 scripts/make_npy_fixtures.py [OUT_DIR]
(default crates/dforce-io/tests/fixtures/npy; needs numpy).

Every file is written by numpy's own writers (np.save, np.savez, np.savez_compressed and
np.lib.format.write_array for the header versions 2.0 and 3.0): every numeric dtype numpy
saves (float16/32/64, int8..64, uint8..64, bool) in little- and big-endian byte order,
C and Fortran order (what np.save writes for a transposed array), 0-d and empty arrays.
`expected.json` lists, for each array, what numpy reads back: the file, the member key
(npz), the dtype string, the shape, fortran_order, and the values in C order
(`arr.ravel(order="C").tolist()`), so the Rust test compares against numpy, not against
our own reader.
"""

import json
import os
import sys

import numpy as np


def main(out):
    os.makedirs(out, exist_ok=True)
    expected = []

    def record(file, key, arr):
        arr = np.asarray(arr)
        expected.append(
            {
                "file": file,
                "key": key,
                "dtype": arr.dtype.str,
                "shape": list(arr.shape),
                "fortran_order": bool(arr.flags.f_contiguous and not arr.flags.c_contiguous),
                "values": arr.ravel(order="C").tolist(),
            }
        )

    def save(name, arr):
        np.save(os.path.join(out, name), arr)
        back = np.load(os.path.join(out, name))
        assert back.dtype == arr.dtype and back.shape == arr.shape
        record(name, None, back)

    base = np.array([[0, 1, 2], [3, -4, 5]])
    # Every numeric dtype, both byte orders, C order and Fortran order (a transposed array).
    for code in ["f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"]:
        orders = ["<", ">"] if code not in ("i1", "u1", "b1") else ["|"]
        for order in orders:
            dt = np.dtype(order + code if order != "|" else code)
            if code[0] == "u":
                values = np.abs(base)
            elif code[0] == "f":
                values = base * 0.75 - 0.125
            else:
                values = base
            arr = values.astype(dt)
            tag = {"<": "le", ">": "be", "|": "na"}[order]
            save(f"{code}_{tag}.npy", arr)
            save(f"{code}_{tag}_fortran.npy", arr.T)
    # Extreme values that need the whole width.
    save("u8_max.npy", np.array([0, 2**64 - 1, 2**63], dtype="<u8"))
    save("i8_min.npy", np.array([-(2**63), 2**63 - 1], dtype=">i8"))
    save("f2_special.npy", np.array([65504.0, -0.0, 6.1035156e-05, 5.9604645e-08, 0.333], dtype="<f2"))
    # 3-D Fortran order.
    save("f8_fortran_3d.npy", np.asfortranarray(np.arange(24, dtype="<f8").reshape(2, 3, 4)))
    # 0-d and empty arrays.
    save("f8_0d.npy", np.array(3.5))
    save("i4_0d_be.npy", np.array(-7, dtype=">i4"))
    save("b1_0d.npy", np.array(True))
    save("f4_empty.npy", np.zeros((0,), dtype="<f4"))
    save("i8_empty_2d.npy", np.zeros((0, 3), dtype="<i8"))
    save("f8_empty_fortran.npy", np.asfortranarray(np.zeros((2, 0, 3), dtype="<f8")))
    # Header versions 2.0 and 3.0 (numpy picks them for large or non-latin-1 headers; here forced).
    for version in [(1, 0), (2, 0), (3, 0)]:
        name = f"f4_v{version[0]}.npy"
        with open(os.path.join(out, name), "wb") as f:
            np.lib.format.write_array(f, np.arange(6, dtype="<f4").reshape(3, 2).T, version=version)
        back = np.load(os.path.join(out, name))
        record(name, None, back)
    # Archives.
    members = {
        "actions": np.arange(12, dtype=">f2").reshape(3, 4).T,
        "rewards": np.array([1.5, -2.0], dtype="<f8"),
        "done": np.array([False, True]),
        "step": np.array(9, dtype="<u2"),
        "empty": np.zeros((0, 2), dtype="<i2"),
    }
    np.savez(os.path.join(out, "archive.npz"), **members)
    np.savez_compressed(os.path.join(out, "archive_compressed.npz"), **members)
    for name in ["archive.npz", "archive_compressed.npz"]:
        with np.load(os.path.join(out, name)) as z:
            for key in z.files:
                record(name, key, z[key])

    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({"numpy": np.__version__, "arrays": expected}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(expected)} arrays to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "crates/dforce-io/tests/fixtures/npy")
