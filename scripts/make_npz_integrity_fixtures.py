#!/usr/bin/env python3
"""Writes .npz fixtures that numpy itself accepts or refuses, for dforce's npz reader
(crates/dforce-io/tests/npz_integrity.rs): members whose data no longer match their zip CRC-32,
members stored without the `.npy` suffix, and an object-dtype member.

Usage: /work/oracle/bin/python scripts/make_npz_integrity_fixtures.py
(run from the repository root; needs numpy). Every expectation in expected.json is what numpy
(np.load, through Python's zipfile) does with the file, never what dforce does.

crates/dforce-io/tests/fixtures/npz_integrity/:
  ok_<method>.npz         `video` (40, 8, 8, 3) uint8 and `actions` (40,) int64; method is stored
                          (np.savez: zip64 local headers, force_zip64=True), deflate
                          (np.savez_compressed), bzip2 and lzma (Python's zipfile,
                          ZIP_BZIP2 / ZIP_LZMA), and stored_descriptor (zipfile writing to an
                          unseekable stream: general-purpose flag bit 3, CRC-32 0 in the local
                          header, the real one in a data descriptor after the data).
  badcrc_<method>.npz     ok_<method>.npz with the CRC-32 of `video.npy` changed in its local
                          header (or data descriptor) and central directory: the data are intact
                          and decompress, but np.load raises BadZipFile("Bad CRC-32 ...").
  flipped_stored.npz      np.savez's file with one byte of `video`'s pixels flipped (the
                          tester's repro: offset header_offset + 30 + len(name) + len(extra)
                          + 128 + 1000): np.load raises BadZipFile.
  flipped_stored_descriptor.npz
                          the same for the data-descriptor file.
  flipped_deflate.npz     np.savez_compressed's file with one byte of `video.npy`'s deflate
                          stream flipped where the stream still inflates (to other pixels): only
                          the CRC-32 tells, and np.load raises BadZipFile.
  no_suffix.npz           members named `video` and `actions.npy`: numpy's NpzFile maps both
                          `key` and `key.npy` to a member, so np.load(f)["video"] reads it.
  both_names.npz          members `video` (all 1) and `video.npy` (all 2): f["video"] is the
                          member named exactly `video`, f["video.npy"] the other.
  object_video.npz        `video` saved as dtype object (pickled); np.load refuses it without
                          allow_pickle=True.
  expected.json           per file and key (`video`, `video.npy`, `actions`): what
                          np.load(f)[key] returns (dtype, shape, values; "values_of": "video"
                          for the top-level `video` list) or raises; "files" is NpzFile.files.
"""

import io
import json
import os
import struct
import zipfile
import zlib

import numpy as np

OUT = "crates/dforce-io/tests/fixtures/npz_integrity"
DATE = (2020, 1, 1, 0, 0, 0)


def npy_bytes(arr):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def arrays():
    t, y, x, c = np.meshgrid(
        np.arange(40), np.arange(8), np.arange(8), np.arange(3), indexing="ij"
    )
    video = ((3 * t + 5 * y * y + 7 * x + 50 * c + (x * y * t) % 11) % 256).astype(np.uint8)
    actions = (np.arange(40) * 7 % 3).astype(np.int64)
    return video, actions


class Unseekable(io.RawIOBase):
    """A write-only stream without tell/seek: zipfile writes data descriptors to it."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.data += b
        return len(b)


def zip_with(path, method, members, seekable=True):
    stream = io.BytesIO() if seekable else Unseekable()
    with zipfile.ZipFile(stream, "w") as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = method
            z.writestr(info, data)
    data = stream.getvalue() if seekable else bytes(stream.data)
    with open(path, "wb") as f:
        f.write(data)


def local_header(data, info):
    """(offset of the member's data, flag bits) from the local file header at header_offset."""
    at = info.header_offset
    assert data[at : at + 4] == b"PK\x03\x04"
    flags = struct.unpack_from("<H", data, at + 6)[0]
    name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
    return at + 30 + name_len + extra_len, flags, extra_len


def change_crc(src, dst, member):
    """Copies src to dst with `member`'s recorded CRC-32 xor 1 wherever the zip records it."""
    data = bytearray(open(src, "rb").read())
    with zipfile.ZipFile(src) as z:
        info = z.getinfo(member)
        infos = z.infolist()
    start, flags, _ = local_header(data, info)
    new = struct.pack("<I", info.CRC ^ 1)
    if flags & 0x08:
        # Data descriptor after the data: optional signature, CRC-32, sizes.
        at = start + info.compress_size
        if data[at : at + 4] == b"PK\x07\x08":
            at += 4
        assert struct.unpack_from("<I", data, at)[0] == info.CRC
        data[at : at + 4] = new
    else:
        assert struct.unpack_from("<I", data, info.header_offset + 14)[0] == info.CRC
        data[info.header_offset + 14 : info.header_offset + 18] = new
    # Central directory entry: CRC-32 at +16.
    cd = data.rfind(b"PK\x01\x02", 0)
    found = 0
    at = 0
    while True:
        at = data.find(b"PK\x01\x02", at)
        if at < 0:
            break
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_len].decode() == member:
            assert struct.unpack_from("<I", data, at + 16)[0] == info.CRC
            data[at + 16 : at + 20] = new
            found += 1
        at += 4
    assert found == 1 and cd > 0 and len(infos) >= 1
    open(dst, "wb").write(bytes(data))


def flip(src, dst, member, offset_in_data):
    data = bytearray(open(src, "rb").read())
    with zipfile.ZipFile(src) as z:
        info = z.getinfo(member)
    start, _, _ = local_header(data, info)
    assert offset_in_data < info.compress_size
    data[start + offset_in_data] ^= 0xFF
    open(dst, "wb").write(bytes(data))


def silent_deflate_flip(src, member):
    """An offset in `member`'s deflate stream where flipping a byte still inflates to the
    declared size (so only the CRC-32 detects it)."""
    data = open(src, "rb").read()
    with zipfile.ZipFile(src) as z:
        info = z.getinfo(member)
    start, _, _ = local_header(data, info)
    raw = bytearray(data[start : start + info.compress_size])
    for k in range(len(raw) // 2, len(raw) - 8):
        raw[k] ^= 0xFF
        try:
            d = zlib.decompressobj(-15)
            out = d.decompress(bytes(raw)) + d.flush()
            if d.eof and len(out) == info.file_size and zlib.crc32(out) != info.CRC:
                return k
        except zlib.error:
            pass
        finally:
            raw[k] ^= 0xFF
    raise RuntimeError("no silent flip found")


def outcome(path, key, video):
    try:
        with np.load(path) as f:
            a = f[key]
    except Exception as e:  # what numpy raises, recorded
        return {"error": type(e).__name__, "message": str(e)}
    out = {"dtype": a.dtype.str, "shape": list(a.shape)}
    if a.shape == video.shape and np.array_equal(a, video):
        out["values_of"] = "video"  # the top-level "video" list, not repeated per file
    else:
        out["values"] = a.ravel().tolist()
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    video, actions = arrays()
    p = lambda name: os.path.join(OUT, name)
    members = [("video.npy", npy_bytes(video)), ("actions.npy", npy_bytes(actions))]

    np.savez(p("ok_stored.npz"), video=video, actions=actions)
    np.savez_compressed(p("ok_deflate.npz"), video=video, actions=actions)
    zip_with(p("ok_bzip2.npz"), zipfile.ZIP_BZIP2, members)
    zip_with(p("ok_lzma.npz"), zipfile.ZIP_LZMA, members)
    zip_with(p("ok_stored_descriptor.npz"), zipfile.ZIP_STORED, members, seekable=False)

    data = open(p("ok_stored.npz"), "rb").read()
    with zipfile.ZipFile(p("ok_stored.npz")) as z:
        info = z.getinfo("video.npy")
        assert info.compress_type == zipfile.ZIP_STORED
    # np.savez writes zip64 local headers (force_zip64=True): extra field id 0x0001.
    _, _, extra_len = local_header(data, info)
    assert extra_len >= 4 and struct.unpack_from("<H", data, info.header_offset + 30 + len("video.npy"))[0] == 1
    with zipfile.ZipFile(p("ok_stored_descriptor.npz")) as z:
        assert z.getinfo("video.npy").flag_bits & 0x08
    d = open(p("ok_stored_descriptor.npz"), "rb").read()
    assert struct.unpack_from("<I", d, 14)[0] == 0  # CRC-32 0 in the first local header

    for method in ["stored", "deflate", "bzip2", "lzma", "stored_descriptor"]:
        change_crc(p(f"ok_{method}.npz"), p(f"badcrc_{method}.npz"), "video.npy")
    flip(p("ok_stored.npz"), p("flipped_stored.npz"), "video.npy", 128 + 1000)
    flip(p("ok_stored_descriptor.npz"), p("flipped_stored_descriptor.npz"), "video.npy", 128 + 1000)
    k = silent_deflate_flip(p("ok_deflate.npz"), "video.npy")
    flip(p("ok_deflate.npz"), p("flipped_deflate.npz"), "video.npy", k)

    zip_with(
        p("no_suffix.npz"),
        zipfile.ZIP_STORED,
        [("video", npy_bytes(video)), ("actions.npy", npy_bytes(actions))],
    )
    zip_with(
        p("both_names.npz"),
        zipfile.ZIP_DEFLATED,
        [
            ("video.npy", npy_bytes(np.full((2, 3), 2, dtype=np.int16))),
            ("video", npy_bytes(np.full((2, 3), 1, dtype=np.int16))),
        ],
    )
    np.savez(p("object_video.npz"), video=video[:2].astype(object), actions=actions[:2])

    expected = {"video": video.ravel().tolist()}
    for name in sorted(os.listdir(OUT)):
        if not name.endswith(".npz"):
            continue
        with np.load(p(name)) as f:
            keys = list(f.files)
        expected[name] = {"files": keys}
        for key in ["video", "video.npy", "actions"]:
            expected[name][key] = outcome(p(name), key, video)
    for name, e in expected.items():
        if name == "video":
            continue
        if name.startswith(("badcrc_", "flipped_")):
            assert e["video"]["error"] == "BadZipFile" and "Bad CRC-32" in e["video"]["message"], name
            assert "values" in e["actions"], name
        if name.startswith("ok_"):
            assert e["video"]["values_of"] == "video", name
    assert expected["no_suffix.npz"]["video"]["values_of"] == "video"
    assert expected["both_names.npz"]["video"]["values"] == [1] * 6
    assert expected["both_names.npz"]["video.npy"]["values"] == [2] * 6
    assert expected["object_video.npz"]["video"]["error"] == "ValueError"
    with open(p("expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print("ok")


if __name__ == "__main__":
    main()
