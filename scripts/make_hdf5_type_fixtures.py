#!/usr/bin/env python3
"""Writes an HDF5 file whose datasets have element types dforce does not read, for the
messages that refuse them (crates/dforce-io/tests/hdf5_types.rs).

Usage: /work/oracle/bin/python scripts/make_hdf5_type_fixtures.py
(run from the repository root; needs numpy and h5py).

crates/dforce-io/tests/fixtures/hdf5_types/:
  types.hdf5     one dataset per element type: `compound` (a: float64, b: int32),
                 `complex128` and `complex64` (h5py stores numpy's complex dtypes as a
                 compound of fields `r` and `i`), `complex128_be`, `vlen_str` (h5py's
                 variable-length UTF-8 string), `fixed_ascii` (numpy `S5`), `array_field`
                 (a compound holding a (2, 3) float32 array), `ok` (float64).
  expected.json  per dataset, numpy's view of what h5py reads: the dtype name (`dtype.name`),
                 its byte order and item size, and for a compound each field's name and dtype name.
"""

import json
import os

import h5py
import numpy as np

OUT = "crates/dforce-io/tests/fixtures/hdf5_types"


def main():
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "types.hdf5")
    compound = np.array([(0.5, 1), (1.5, -2)], dtype=[("a", "<f8"), ("b", "<i4")])
    nested = np.zeros(2, dtype=[("m", "<f4", (2, 3))])
    with h5py.File(path, "w", libver="earliest") as f:
        f["compound"] = compound
        f["complex128"] = np.array([1 + 2j, 3 - 4j], dtype="<c16")
        f["complex64"] = np.array([1 + 2j, 3 - 4j], dtype="<c8")
        f["complex128_be"] = np.array([1 + 2j], dtype=">c16")
        f.create_dataset("vlen_str", data=["ab", "cde"], dtype=h5py.string_dtype())
        f["fixed_ascii"] = np.array([b"hello", b"hi"], dtype="S5")
        f["array_field"] = nested
        f["ok"] = np.arange(3.0)
    expected = {}
    with h5py.File(path, "r") as f:
        for name, ds in f.items():
            dt = ds.dtype
            e = {"name": dt.name, "byteorder": dt.byteorder, "kind": dt.kind, "itemsize": dt.itemsize}
            if dt.names:
                e["fields"] = [[n, dt.fields[n][0].base.name] for n in dt.names]
                e["field_shapes"] = [list(dt.fields[n][0].shape) for n in dt.names]
            expected[name] = e
        assert expected["complex128"]["name"] == "complex128"
        assert expected["complex64"]["name"] == "complex64"
        assert expected["complex128_be"]["byteorder"] == ">"
        assert expected["compound"]["fields"] == [["a", "float64"], ["b", "int32"]]
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print("ok")


if __name__ == "__main__":
    main()
