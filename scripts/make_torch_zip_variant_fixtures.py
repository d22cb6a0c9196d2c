#!/usr/bin/env python3
"""Writes variants of the torch-saved zip checkpoint tests/fixtures/torch_formats/state_dict.pt
(scripts/make_torch_format_fixtures.py) for crates/dforce-nn/tests/torch_zip_variants.rs, without
torch: the archive's entries are copied as they are except the ones named below.

- `big_endian.pt`: what torch.save writes on a big-endian machine (PyTorch >= 2.1): the
  `byteorder` record says `big` and every storage holds its elements big-endian (each swapped by
  its dtype's element size). torch.load reads it on any machine.
- `short_storage.pt`: the storage of
  `diffusion_model.model.transformer.layers.0.self_attn.in_proj_weight` one float32
  element (4 bytes) short.

Usage: /work/oracle/bin/python scripts/make_torch_zip_variant_fixtures.py
(run from the repository root; needs only the standard library).
"""

import collections
import os
import pickle
import zipfile

SRC = "tests/fixtures/torch_formats/state_dict.pt"
OUT = "crates/dforce-nn/tests/fixtures"
SHORT = "diffusion_model.model.transformer.layers.0.self_attn.in_proj_weight"

ELEMENT_SIZE = {
    "DoubleStorage": 8,
    "FloatStorage": 4,
    "HalfStorage": 2,
    "BFloat16Storage": 2,
    "LongStorage": 8,
    "IntStorage": 4,
    "ShortStorage": 2,
    "CharStorage": 1,
    "ByteStorage": 1,
    "BoolStorage": 1,
}


class _Unpickler(pickle.Unpickler):
    """Reads torch's data.pkl without torch: storages become their keys, tensors
    (name -> storage key), and the storage type of each key is recorded."""

    def __init__(self, f):
        super().__init__(f)
        self.storages = {}

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch" and name.endswith("Storage"):
            return type(name, (), {})
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return lambda storage, *rest: storage
        raise pickle.UnpicklingError(f"unexpected {module}.{name}")

    def persistent_load(self, pid):
        kind, storage_type, key, _location, numel = pid
        assert kind == "storage", pid
        self.storages[key] = (storage_type.__name__, numel)
        return key


def swap(data, size):
    assert len(data) % size == 0
    return b"".join(data[i : i + size][::-1] for i in range(0, len(data), size))


def rewrite(out, replace):
    """Copies SRC to `out`, entry by entry, with `replace(name, data)`'s bytes (stored)."""
    with zipfile.ZipFile(SRC) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace(info.filename, src.read(info.filename)))


def main():
    os.makedirs(OUT, exist_ok=True)
    with zipfile.ZipFile(SRC) as z:
        prefix = z.namelist()[0].split("/")[0]
        assert z.read(f"{prefix}/byteorder") == b"little"
        u = _Unpickler(z.open(f"{prefix}/data.pkl"))
        state_dict = u.load()
    storages = u.storages

    def big_endian(name, data):
        if name == f"{prefix}/byteorder":
            return b"big"
        if name.startswith(f"{prefix}/data/"):
            storage_type, numel = storages[name.rsplit("/", 1)[1]]
            size = ELEMENT_SIZE[storage_type]
            assert len(data) == numel * size, name
            return swap(data, size)
        return data

    rewrite(os.path.join(OUT, "big_endian.pt"), big_endian)

    short_key = state_dict[SHORT]
    assert storages[short_key][0] == "FloatStorage"

    def short_storage(name, data):
        return data[:-4] if name == f"{prefix}/data/{short_key}" else data

    rewrite(os.path.join(OUT, "short_storage.pt"), short_storage)
    print(f"ok: {len(storages)} storages; {SHORT} is data/{short_key}")


if __name__ == "__main__":
    main()
