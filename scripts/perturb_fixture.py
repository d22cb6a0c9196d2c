#!/usr/bin/env python3
"""Copy a fixture directory and nudge one value, to prove the parity suite notices.

usage: perturb_fixture.py SRC DST FILE KEY
  FILE is a .safetensors file (KEY = tensor name; its first element is changed by 0.1%+1e-3)
  or scheduling_matrices.json (KEY = index of the matrix whose first entry gets +1).
Standard library only, so CI needs nothing installed.
"""
import json
import os
import shutil
import struct
import sys

src, dst, fname, key = sys.argv[1:5]
shutil.copytree(src, dst, dirs_exist_ok=True)
for root, _, files in os.walk(dst):
    for f in files:
        os.chmod(os.path.join(root, f), 0o644)
path = os.path.join(dst, fname)
if fname.endswith(".json"):
    data = json.load(open(path))
    data[int(key)]["matrix"][0][0] += 1
    json.dump(data, open(path, "w"))
else:
    raw = bytearray(open(path, "rb").read())
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    start, _ = header[key]["data_offsets"]
    off = 8 + n + start
    if header[key]["dtype"] == "I64":
        v = struct.unpack("<q", raw[off : off + 8])[0]
        raw[off : off + 8] = struct.pack("<q", v + 1)
    elif header[key]["dtype"] == "F64":
        v = struct.unpack("<d", raw[off : off + 8])[0]
        raw[off : off + 8] = struct.pack("<d", v * 1.001 + 1e-3)
    else:
        v = struct.unpack("<f", raw[off : off + 4])[0]
        raw[off : off + 4] = struct.pack("<f", v * 1.001 + 1e-3)
    open(path, "wb").write(raw)
print(f"perturbed {fname} {key}")
