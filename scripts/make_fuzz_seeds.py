#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz corpus (fuzz/corpus/<target>/seed-*), each made by the tool
that defines the format where one is at hand: numpy for .npy/.npz, h5py for HDF5, and, since torch
is not needed for it, a torch.save-layout zip written with Python's own pickle (the same protocol-2
pickle with persistent storage ids that torch.save writes). Overrides come from the Hydra parity
script's command lines, config files from configs/, GluonTS datasets from the committed fixtures
under tests/fixtures/gluonts/ (written by GluonTS and by scripts/make_gluonts_reader_cases.py).

Needs python3 with numpy and h5py. Usage: python3 scripts/make_fuzz_seeds.py [TARGET ...]
(without targets: every target's seeds).
Inputs that fuzzing found (crash-*, regression inputs) live beside the seeds and are not touched.
"""

import gzip
import io
import json
import pathlib
import pickle
import shlex
import struct
import sys
import types
import zipfile

import h5py
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def out(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / f"seed-{name}").write_bytes(data)


def overrides():
    """Every override of scripts/check_hydra_parity.sh's command lines."""
    text = (ROOT / "scripts" / "check_hydra_parity.sh").read_text().replace("\\\n", " ")
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith(("check ", "check_error ", "check_run ", "check_run_error ")):
            continue
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        args = [w.replace("\\$", "$") for w in words[1:] if "=" in w or w.startswith("~")]
        if args:
            lines.append(args)
    return lines


def config_seeds():
    all_overrides = overrides()
    seen = set()
    n = 0
    for args in all_overrides:
        for a in args:
            if a not in seen:
                seen.add(a)
                out("override_parser", f"{n:03}", a)
                n += 1
    for i, args in enumerate(all_overrides):
        out("compose", f"{i:03}", "\n".join(args))
    for p in sorted((ROOT / "configs").rglob("*.yaml")):
        rel = p.relative_to(ROOT / "configs").as_posix().replace("/", "_")
        out("config_yaml", rel, p.read_bytes())


def npy_bytes(a, **kw):
    buf = io.BytesIO()
    np.save(buf, a, **kw)
    return buf.getvalue()


def npy_seeds():
    arrays = {
        "f8": np.arange(6, dtype="<f8").reshape(2, 3),
        "f4_fortran": np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)),
        "f2_be": np.array([1.5, -2.0, np.inf], dtype=">f2"),
        "i8_3d": np.arange(24, dtype="<i8").reshape(2, 3, 4),
        "u1": np.arange(5, dtype="u1"),
        "bool": np.array([True, False, True]),
        "str": np.array("videos/train/0001.npz"),
        "str_list": np.array(["a", "bcd"]),
        "scalar": np.array(3.25),
        "empty": np.zeros((0, 4), dtype="<f4"),
    }
    for name, a in arrays.items():
        out("npy", name, npy_bytes(a))
    out("npy", "v2", npy_bytes(np.arange(3, dtype="<i4")).replace(b"\x93NUMPY\x01\x00", b"\x93NUMPY\x02\x00", 1))
    for compressed in (False, True):
        buf = io.BytesIO()
        save = np.savez_compressed if compressed else np.savez
        # A TECO-style video file: uint8 frames and int actions.
        save(
            buf,
            video=np.arange(2 * 4 * 4 * 3, dtype="u1").reshape(2, 4, 4, 3),
            actions=np.array([1, 2], dtype="<i8"),
            obs=np.asfortranarray(np.arange(6, dtype="<f8").reshape(3, 2)),
            name=np.array("maze"),
        )
        out("npz", "teco_compressed" if compressed else "teco", buf.getvalue())


def hdf5_seeds(tmp):
    def d4rl(f, **kw):
        f.create_dataset("observations", data=np.arange(8, dtype="<f4").reshape(2, 4), **kw)
        f.create_dataset("actions", data=np.arange(4, dtype="<f4").reshape(2, 2), **kw)
        f.create_dataset("rewards", data=np.array([0.0, 1.0], dtype="<f4"), **kw)
        f.create_dataset("terminals", data=np.array([False, True]), **kw)
        f.create_dataset("infos/goal", data=np.ones((2, 2), dtype="<f8"), **kw)

    variants = {
        "plain": ({}, {}),
        "chunked_gzip_shuffle": ({}, {"chunks": True, "compression": "gzip", "shuffle": True}),
        "fletcher32": ({}, {"chunks": True, "fletcher32": True}),
        "lzf": ({}, {"chunks": True, "compression": "lzf"}),
        "track_order": ({"track_order": True}, {}),
        "libver_latest": ({"libver": "latest"}, {}),
        "libver_v110": ({"libver": ("v110", "latest")}, {}),
    }
    for name, (file_kw, ds_kw) in variants.items():
        p = tmp / f"{name}.hdf5"
        with h5py.File(p, "w", **file_kw) as f:
            d4rl(f, **ds_kw)
        out("hdf5", name, p.read_bytes())


class _Storage:
    """Stands in for a torch storage: pickled as a persistent id, as torch.save does."""

    def __init__(self, key, dtype_name, numel):
        self.key, self.dtype_name, self.numel = key, dtype_name, numel


def _fake_torch():
    """Module objects named like torch's, so pickle writes the globals torch.load expects."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")
    coll = types.ModuleType("collections")

    def _rebuild_tensor_v2(*args):  # never called: only pickled by name
        raise NotImplementedError

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    for name in ("FloatStorage", "HalfStorage", "BFloat16Storage", "DoubleStorage", "LongStorage"):
        cls = type(name, (), {"__module__": "torch"})
        setattr(torch, name, cls)
    torch._utils = utils
    sys.modules.setdefault("torch", torch)
    sys.modules.setdefault("torch._utils", utils)
    return torch, utils


class _Tensor:
    def __init__(self, storage, shape):
        self.storage, self.shape = storage, shape

    def __reduce__(self):
        stride, acc = [], 1
        for d in reversed(self.shape):
            stride.insert(0, acc)
            acc *= d
        from collections import OrderedDict

        return (
            sys.modules["torch._utils"]._rebuild_tensor_v2,
            (self.storage, 0, tuple(self.shape), tuple(stride), False, OrderedDict()),
        )


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            cls = getattr(sys.modules["torch"], obj.dtype_name)
            return ("storage", cls, obj.key, "cpu", obj.numel)
        return None


def lightning_ckpt(tensors, extra):
    """A torch.save zip: archive/data.pkl, archive/data/<key>, archive/version."""
    from collections import OrderedDict

    storages = {}
    sd = OrderedDict()
    for i, (name, (dtype_name, fmt, values, shape)) in enumerate(tensors.items()):
        key = str(i)
        storages[key] = struct.pack("<" + fmt * len(values), *values)
        sd[name] = _Tensor(_Storage(key, dtype_name, len(values)), shape)
    top = {"epoch": 3, "global_step": 1200, "pytorch-lightning_version": "2.0.0", "state_dict": sd}
    top.update(extra)
    buf = io.BytesIO()
    _Pickler(buf, protocol=2).dump(top)
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", buf.getvalue())
        zf.writestr("archive/byteorder", "little")
        for key, data in storages.items():
            zf.writestr(f"archive/data/{key}", data)
        zf.writestr("archive/version", "3\n")
    return z.getvalue()


def checkpoint_seeds():
    _fake_torch()
    out(
        "checkpoint_lightning",
        "transformer_head",
        lightning_ckpt(
            {
                "diffusion_model.model.transformer.layers.0.self_attn.in_proj_weight": (
                    "FloatStorage", "f", [0.5] * 24, [6, 4]),
                "diffusion_model.model.x_proj.bias": ("FloatStorage", "f", [1.0, 2.0], [2]),
                "diffusion_model.betas": ("DoubleStorage", "d", [0.1, 0.2, 0.3], [3]),
                "diffusion_model.half": ("HalfStorage", "e", [0.5, 1.5], [2]),
                "step": ("LongStorage", "q", [7], []),
            },
            {},
        ),
    )
    out(
        "checkpoint_lightning",
        "unet_head",
        lightning_ckpt(
            {
                "diffusion_model.model.init_conv.weight": ("FloatStorage", "f", [0.25] * 8, [2, 1, 1, 2, 2]),
                "data_mean": ("FloatStorage", "f", [0.0] * 3, [3]),
            },
            {"hparams_name": "kwargs"},
        ),
    )

    def safetensors(tensors, metadata):
        header, blob = {}, b""
        for name, (dtype, fmt, values, shape) in tensors.items():
            data = struct.pack("<" + fmt * len(values), *values)
            header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(data)]}
            blob += data
        if metadata is not None:
            header["__metadata__"] = metadata
        h = json.dumps(header, separators=(",", ":")).encode()
        h += b" " * (-len(h) % 8)
        return struct.pack("<Q", len(h)) + h + blob

    out(
        "checkpoint_safetensors",
        "transformer_head",
        safetensors(
            {
                "diffusion_model.model.transformer.layers.0.self_attn.in_proj_weight": ("F32", "f", [0.5] * 24, [6, 4]),
                "diffusion_model.model.x_proj.bias": ("F32", "f", [1.0, 2.0], [2]),
                "diffusion_model.betas": ("F64", "d", [0.1, 0.2], [2]),
                "h": ("F16", "e", [0.5], [1]),
                "step": ("I64", "q", [7], []),
            },
            {"global_step": "1200", "epoch": "3"},
        ),
    )
    out("checkpoint_safetensors", "empty", safetensors({}, None))


def metadata_seeds():
    out("teco_metadata", "plain", json.dumps({"training": [300, 300, 12], "validation": [300]}))
    out(
        "teco_metadata",
        "skipped",
        json.dumps(
            {
                "training": [300],
                "validation": [],
                "skipped": {"training": [{"file": "0002.npz", "reason": "truncated"}], "validation": []},
            }
        ),
    )


def video_episode_seeds():
    rng = np.random.default_rng(5)
    video = rng.integers(0, 256, (4, 8, 8, 3), dtype=np.uint8)
    actions = rng.integers(0, 3, 4).astype(np.int64)
    for name, save in [("dmlab", np.savez), ("dmlab-compressed", np.savez_compressed)]:
        buf = io.BytesIO()
        save(buf, video=video, actions=actions)
        out("video_episode", name, buf.getvalue())
    buf = io.BytesIO()
    np.savez(buf, actions=rng.integers(0, 4, 5).astype(np.int32))
    out("video_episode", "minecraft-actions", buf.getvalue())


# crates/dforce-fuzz/src/targets.rs GLUONTS_SEPARATOR: between metadata.json, the train file and
# the test file of a gluonts_dataset input.
GLUONTS_SEPARATOR = b"\n#~#\n"


def _gluonts_data_files(split):
    """The files GluonTS' FileDataset(levels=2) reads from a split folder, sorted by path: names
    whose suffixes are .json, .jsonl, .json.gz or .jsonl.gz, not hidden, two folder levels deep."""
    files = []

    def walk(folder, levels):
        for p in folder.iterdir():
            if p.is_dir():
                if levels > 0:
                    walk(p, levels - 1)
            elif not p.name.startswith(".") and "".join(p.suffixes) in (
                ".json", ".jsonl", ".json.gz", ".jsonl.gz"
            ):
                files.append(p)

    walk(split, 2)
    return sorted(files)


def _gluonts_split(split, decompress=False):
    """One file's bytes for a split: the file itself when there is one (gzip kept unless
    `decompress`), else the lines of every file, decompressed and joined."""
    files = _gluonts_data_files(split)
    if len(files) == 1 and not decompress:
        return files[0].read_bytes()
    out = b""
    for f in files:
        data = f.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        out += data if data.endswith(b"\n") else data + b"\n"
    return out


def gluonts_input(metadata, train, test):
    for name, part in (("metadata.json", metadata), ("train", train)):
        if GLUONTS_SEPARATOR in part:
            raise SystemExit(f"gluonts_dataset seed: the {name} part holds the separator")
    return GLUONTS_SEPARATOR.join([metadata, train, test])


def gluonts_dataset_seeds():
    fixtures = ROOT / "tests" / "fixtures" / "gluonts"
    dirs = [fixtures / "ds"] + sorted(
        p for p in (fixtures / "reader_cases").iterdir() if (p / "metadata.json").is_file()
    )
    for d in dirs:
        meta = (d / "metadata.json").read_bytes()
        train, test = _gluonts_split(d / "train"), _gluonts_split(d / "test")
        out("gluonts_dataset", d.name, gluonts_input(meta, train, test))
    # The GluonTS-written dataset with a plain train file (both plain would pass the 64 KiB
    # mutation limit).
    ds = fixtures / "ds"
    out(
        "gluonts_dataset",
        "ds_plain_train",
        gluonts_input(
            (ds / "metadata.json").read_bytes(),
            _gluonts_split(ds / "train", decompress=True),
            _gluonts_split(ds / "test"),
        ),
    )
    # Forms no fixture holds: 2-D targets, missing values of each kind, a numeric item_id, two
    # rolling test dates, a late series (mean padding); then minutes, business days, weeks, 2D.
    meta = json.dumps({"freq": "30min", "prediction_length": 2,
                       "feat_static_cat": [{"name": "feat_static_cat_0", "cardinality": "3"}]})
    values = [float(x % 7) for x in range(60)]
    train = "\n".join([
        json.dumps({"start": "2021-03-01 00:00", "target": [values, values[::-1]],
                    "feat_static_cat": [0], "item_id": 7}),
        '{"start": "2021-03-01 01:00", "target": [1.5, NaN, "NaN", null, "2.5", true, Infinity, '
        + ", ".join(map(str, values[:53])) + '], "feat_static_cat": [2]}',
    ]) + "\n"
    test = "".join(
        json.dumps({"start": "2021-03-01 00:00", "target": [values + [1.0] * n, values + [2.0] * n],
                    "item_id": f"d{n}"}) + "\n"
        + json.dumps({"start": "2021-03-01 00:00", "target": values + [3.0] * n, "item_id": n}) + "\n"
        for n in (2, 4)
    )
    out("gluonts_dataset", "2d_missing_two_dates", gluonts_input(meta.encode(), train.encode(), test.encode()))
    for freq, start in (("B", "2021-03-05"), ("W", "2021-03-03"), ("2D", "2021-03-01"), ("min", "2021-03-01 00:07")):
        meta = json.dumps({"freq": freq, "prediction_length": 1,
                           "feat_static_cat": [{"name": "feat_static_cat_0", "cardinality": "1"}]})
        train = json.dumps({"start": start, "target": [float(x) for x in range(60)]}) + "\n"
        test = json.dumps({"start": start, "target": [float(x) for x in range(61)]}) + "\n"
        out("gluonts_dataset", f"freq_{freq}", gluonts_input(meta.encode(), train.encode(), test.encode()))


GROUPS = {
    "config": lambda: config_seeds(),
    "npy": lambda: npy_seeds(),
    "hdf5": lambda: _with_tmp(hdf5_seeds),
    "checkpoint": lambda: checkpoint_seeds(),
    "teco_metadata": lambda: metadata_seeds(),
    "video_episode": lambda: video_episode_seeds(),
    "gluonts_dataset": lambda: gluonts_dataset_seeds(),
}


def _with_tmp(f):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        f(pathlib.Path(tmp))


def main():
    names = sys.argv[1:] or list(GROUPS)
    for name in names:
        if name not in GROUPS:
            raise SystemExit(f"unknown seed group {name!r}; one of {', '.join(GROUPS)}")
        GROUPS[name]()


if __name__ == "__main__":
    main()
