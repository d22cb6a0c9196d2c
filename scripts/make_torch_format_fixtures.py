#!/usr/bin/env python3
"""Re-saves the genuine Lightning checkpoint tests/fixtures/reference/planning_maze2d_medium_x.ckpt
in every container `torch.save` writes today, for crates/dforce-nn/tests/torch_formats.rs:

- `lightning.legacy.ckpt`: the Lightning dict (state_dict, global_step, epoch, version) in the
  legacy pickle stream (`_use_new_zipfile_serialization=False`, PyTorch 0.1.10 to 1.5's format);
- `state_dict.pt`: `torch.save(model.state_dict())` (zip, PyTorch >= 1.6);
- `state_dict.legacy.pt`: the same, legacy stream;
- `state_dict.protocol4.pt`: zip with pickle protocol 4;
- `expected.json`: each tensor's shape, float64 sum and first values, as torch computes them.

Run from the repository root with a PyTorch venv:  python scripts/make_torch_format_fixtures.py
"""
import json
import os

import torch

SRC = "tests/fixtures/reference/planning_maze2d_medium_x.ckpt"
OUT = "tests/fixtures/torch_formats"


def main():
    os.makedirs(OUT, exist_ok=True)
    ck = torch.load(SRC, map_location="cpu", weights_only=False)
    sd = ck["state_dict"]
    lightning = {k: ck[k] for k in ("epoch", "global_step", "pytorch-lightning_version", "state_dict")}
    torch.save(lightning, os.path.join(OUT, "lightning.legacy.ckpt"), _use_new_zipfile_serialization=False)
    torch.save(sd, os.path.join(OUT, "state_dict.pt"))
    torch.save(sd, os.path.join(OUT, "state_dict.legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save(sd, os.path.join(OUT, "state_dict.protocol4.pt"), pickle_protocol=4)
    expected = dict(
        torch=torch.__version__,
        global_step=ck["global_step"],
        epoch=ck["epoch"],
        tensors={k: dict(shape=list(v.shape), dtype=str(v.dtype),
                         sum=float(v.double().sum()), head=v.double().flatten()[:4].tolist())
                 for k, v in sd.items()},
    )
    with open(os.path.join(OUT, "expected.json"), "w") as fh:
        json.dump(expected, fh, indent=1)


if __name__ == "__main__":
    main()
