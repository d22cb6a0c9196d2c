#!/usr/bin/env python3
"""Writes small checkpoints that torch.save (or GNU tar) produces but that must not be read
naively, for crates/dforce-nn/tests/forged_checkpoints.rs (tests/fixtures/torch_formats/forged/):

- `expand.ckpt`: a Lightning dict whose state_dict holds four stride-0 views
  (`torch.zeros(1).expand(2**28)`): 2 KB on disk, 4 GiB once read element by element;
- `collide.ckpt`: a state_dict holding both the key `a.b` and a dict `a` with key `b`, and both
  the list `x` and the key `x.0`: torch keeps all four tensors, but flattened names collide;
- `int_weight.pt`: a plain state dict whose `m.w` is int64 (torch's load_state_dict would cast);
- `nested_model.pt`: `torch.save({'model': state_dict})`, a state dict saved one level down;
- `sparse.tar`: a TAR container (torch.save's format before 0.1.10) whose `storages` member is
  a 64 GiB GNU sparse file, 10 KB on disk;
- `expected.json`: what torch.load makes of the first three (names, shapes, dtypes).

Run from the repository root with a PyTorch venv and GNU tar:
    python scripts/make_forged_checkpoint_fixtures.py
"""
import json
import os
import subprocess
import tempfile

import torch

OUT = "tests/fixtures/torch_formats/forged"


def describe(path):
    def walk(v, name, out):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, name + [str(k)], out)
        elif isinstance(v, (list, tuple)):
            for i, x in enumerate(v):
                walk(x, name + [str(i)], out)
        elif isinstance(v, torch.Tensor):
            out.append(dict(path=name, shape=list(v.shape), dtype=str(v.dtype),
                            stride=list(v.stride()), storage_bytes=v.untyped_storage().nbytes()))
    out = []
    walk(torch.load(path, map_location="cpu", weights_only=True), [], out)
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    expand = {f"junk{i}": torch.zeros(1).expand(2**28) for i in range(4)}
    torch.save({"state_dict": expand, "global_step": 1, "epoch": 0}, f"{OUT}/expand.ckpt")
    collide = {"a.b": torch.ones(2), "a": {"b": torch.zeros(2)},
               "x": [torch.ones(3)], "x.0": torch.zeros(3)}
    torch.save({"state_dict": collide, "global_step": 1, "epoch": 0}, f"{OUT}/collide.ckpt")
    torch.save({"m.w": torch.arange(4)}, f"{OUT}/int_weight.pt")
    torch.save({"model": {"diffusion_model.model.w": torch.ones(2)}}, f"{OUT}/nested_model.pt")
    with tempfile.TemporaryDirectory() as tmp:
        with open(f"{tmp}/sys_info", "w") as fh:
            fh.write("little_endian")
        for name, data in [("pickle", b"\x80\x02}q\x00."), ("tensors", b"\x80\x02]."), ]:
            with open(f"{tmp}/{name}", "wb") as fh:
                fh.write(data)
        with open(f"{tmp}/storages", "wb") as fh:
            fh.truncate(64 << 30)
        subprocess.run(["tar", "--sparse", "--format=gnu", "-cf", os.path.abspath(f"{OUT}/sparse.tar"),
                        "sys_info", "storages", "tensors", "pickle"], cwd=tmp, check=True)
    expected = dict(torch=torch.__version__,
                    **{name: describe(f"{OUT}/{name}")
                       for name in ("expand.ckpt", "collide.ckpt", "int_weight.pt", "nested_model.pt")})
    with open(f"{OUT}/expected.json", "w") as fh:
        json.dump(expected, fh, indent=1)


if __name__ == "__main__":
    main()
