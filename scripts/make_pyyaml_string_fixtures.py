#!/usr/bin/env python3
"""Writes crates/dforce-config/tests/fixtures/pyyaml_strings.json: strings placed as values,
list items and keys at several depths, with the exact text `OmegaConf.to_yaml` (PyYAML's
emitter with OmegaConf's string representer) writes for them.

The Rust test `crates/dforce-config/tests/pyyaml_strings.rs` compares dforce's emitter with
every case byte for byte.

Each case's `input` is a tree: {"m": [[key, node], ...]} (a mapping, keys in order),
{"l": [node, ...]} (a list), {"s": "text"} (a string) or {"i": 1} (an int).

Usage (needs omegaconf 2.3 and PyYAML 6; the cases are seeded, so the output is stable):
    python3 scripts/make_pyyaml_string_fixtures.py
"""

import json
import pathlib
import random

import omegaconf
import yaml
from omegaconf import OmegaConf

OUT = (
    pathlib.Path(__file__).resolve().parent.parent
    / "crates/dforce-config/tests/fixtures/pyyaml_strings.json"
)


def to_py(node):
    (kind, v), = node.items()
    if kind == "m":
        return {k: to_py(x) for k, x in v}
    if kind == "l":
        return [to_py(x) for x in v]
    return v


def S(s):
    return {"s": s}


def placements(s):
    """The same string as a value, a list item and a key, at several depths."""
    return [
        ("value", {"m": [["k", S(s)]]}),
        ("value at depth 3", {"m": [["a", {"m": [["bb", {"m": [["c", S(s)]]}]]}]]}),
        ("list item", {"m": [["l", {"l": [S(s), S("x")]}]]}),
        ("nested list item", {"m": [["a", {"m": [["l", {"l": [{"l": [S(s)]}]}]]}]]}),
        ("map in list", {"m": [["l", {"l": [{"m": [["key", S(s)], ["k2", S("y")]]}]}]]}),
        ("key", {"m": [[s, {"i": 1}], ["after", S("z")]]}),
        ("nested key with map value", {"m": [["a", {"m": [[s, {"m": [["x", {"i": 1}]]}]]}]]}),
        ("key with list value", {"m": [[s, {"l": [S("a"), S(s)]}]]}),
    ]


WORDS = "a an the of config diffusion forcing lightning hydra omegaconf maze2d_medium " \
    "x_small checkpoint_path sampling_timesteps 0123456789 Ünïcödé 😀emoji".split()


def words(rng, n, word_len=None):
    out = []
    for _ in range(n):
        if word_len is None:
            out.append(rng.choice(WORDS))
        else:
            out.append("".join(rng.choice("abcdefghij") for _ in range(rng.randint(1, word_len))))
    return out


HAND = [
    "",
    "x",
    "plain words",
    " lead",
    "trail ",
    "  ",
    "\t",
    "tab\there",
    "\ttab lead",
    "1",
    " 1",
    "\t1",
    "1\n",
    "1.5\n",
    "true\n",
    "null",
    "~",
    "=",
    "<<",
    "2024-01-02",
    "yes",
    "a\nb",
    "a\n\nb",
    "a\n\n\nb",
    "\na",
    "\n\na",
    "a\n",
    "a\n\n",
    "a\n\n\n",
    "\n",
    "\n\n",
    " \n",
    "\n ",
    "a \nb",
    "a\n b",
    "a\n  b\n",
    " a\nb",
    "a\nb ",
    "a\tb\nc",
    "it's\nquoted",
    "'\n'",
    "#!/bin/bash\n\ncd {x}\n",
    "line1\r\nline2",
    "cr\ronly",
    "\x85",
    "a\x85b",
    "a\u2028b",
    "a\u2029b",
    "\u2028",
    "\u2029",
    "a\u2028",
    "\u2028a",
    "a \u2028b",
    "a\u2028 b",
    "a\n\u2028b",
    "a\u2028\nb",
    "a\u2028\u2029b",
    "a\x85\nb",
    "\ufeff",
    "a\ufeffb",
    "\x80",
    "a\x9fb",
    "\xa0",
    "a\xa0b",
    "\x00",
    "\x07\x08\x0b\x0c\x1b",
    "\x7f",
    "\ud7ff\ue000\ufffd",
    "\ufffe",
    "\U00010000",
    "\U0010fffd",
    "\U0010ffff",
    "é\nü",
    "a: b",
    "- x",
    "? x",
    "#x",
    "a #b",
    "a\n#b",
    "x: y\n",
    "back\\slash\nx",
    "quote\"s\nx",
    "${a.b}\nx",
    "---",
    "--- x",
    "...",
    "a\n---\nb",
    "a\n...\n",
    "???",
    "???x",
    # Numbers, booleans and other YAML 1.1 types that PyYAML's resolver or OmegaConf's
    # representer make quoted (or not).
    "0x1F",
    "0b101",
    "0o17",
    "017",
    "1:30",
    "1:30.5",
    "._5",
    "1_000",
    "1__0",
    "+.inf",
    ".NaN",
    "Nan",
    "-Infinity",
    "1e5",
    "1.",
    "\u30001",
    "1\x1c",
    "\u0663",
    "\u0661.\u0665",
    "y",
    "On",
    "2024-1-2 3:04:05",
    "2024-01-02T03:04:05Z",
    "2024-01-02 03:04:05 +1",
    "2024-01-02 03:04:05.123 -05:30",
    "2024-01-02 03:04:05 ",
    "2024-1x",
    "2024-01-02x",
]

LONG = [
    "x " + " ".join(["word"] * 40),
    " ".join(["word"] * 30),
    "a" * 100,
    "a" * 100 + " b",
    "a " + "b" * 100,
    "a " + "b" * 100 + " c",
    " ".join(["w" * 9] * 12),
    " ".join(["w" * 9] * 12) + " ",
    " " + " ".join(["w" * 9] * 12),
    "  ".join(["w" * 9] * 12),
    "   ".join(["w" * 9] * 12),
    " ".join(["w" * 9] * 12) + "\n",
    " ".join(["w" * 9] * 12) + "\nnext line " + " ".join(["v" * 7] * 14),
    "it's " + " ".join(["word's"] * 20),
    "a: " + " ".join(["word"] * 30),
    "1 " + " ".join(["2"] * 60),
    "tab\t" + " ".join(["word"] * 30),
    "\t" + " ".join(["word"] * 30),
    " ".join(["word"] * 30) + "\t",
    "x\x85 " + " ".join(["word"] * 30),
    " ".join(["ü" * 9] * 12),
    " ".join(["😀" * 9] * 12),
    "\\ " + " ".join(["w\\x"] * 30),
    "\"" + " ".join(["w\"x"] * 30),
    " ".join(["w" * 9] * 12) + "\x07",
    "\x07" + " ".join(["w" * 9] * 12),
    "\x07 " + "  ".join(["w" * 9] * 12),
    "\ufeff" + " ".join(["w" * 9] * 12),
    "\ufeff" + " ".join(["w" * 9] * 12) + " ",
    "\ufeff " + " ".join(["w" * 9] * 12) + "  ",
    "\x00" + ("w" * 9 + " ") * 5 + ("x" * 120),
    "\x00" + ("w" * 9 + "  ") * 10,
    "\x00" + "x" * 70 + "\x01\x02\x03 yy zz",
    "\x00" + "x" * 78 + " " + "y" * 5 + " z",
    "\x00" + "x" * 76 + "\x01 y z",
    "${oc.env:HOME} " + " ".join(["word"] * 30),
    "x" * 118,
    "x" * 122,
    "x" * 123,
    "x" * 127,
    "x" * 128,
    "1" * 122,
    "1" * 123,
]
# A space at every column around best_width, for each style (placed as values, list items
# and keys only).
SWEEP = []
for n in range(70, 92):
    SWEEP.append("x" * n + " y z")
    SWEEP.append("'" + "x" * n + " y z")
    SWEEP.append("\x00" + "x" * n + " y z")
    SWEEP.append("x" * n + "  y z")
    SWEEP.append("x" * n + " y\nz " + "w" * 40 + " v")

# Characters the random strings are drawn from, with weights.
ALPHABET = (
    [("a", 30), ("b", 10), ("Z", 5), ("0", 5), (" ", 25), ("\n", 8), ("'", 3), ('"', 2),
     ("\\", 2), (":", 2), ("#", 2), ("-", 2), ("\t", 2), ("\r", 1), ("\x85", 2),
     ("\u2028", 2), ("\u2029", 2), ("\ufeff", 1), ("\x9f", 1), ("\xa0", 1), ("é", 2),
     ("😀", 1), ("\x00", 1), ("\x1b", 1), (",", 1), ("[", 1), ("{", 1), ("?", 1),
     ("!", 1), ("&", 1), ("*", 1), ("|", 1), (">", 1), ("%", 1), ("@", 1), ("`", 1)]
)
CHARS = [c for c, _ in ALPHABET]
WEIGHTS = [w for _, w in ALPHABET]


def random_string(rng):
    mode = rng.random()
    if mode < 0.35:
        # Long text of words: folding at spaces.
        s = " ".join(words(rng, rng.randint(5, 40), word_len=rng.choice([None, 3, 12, 30])))
        if rng.random() < 0.3:
            i = rng.randrange(len(s) + 1)
            s = s[:i] + rng.choice(["\n", "\n\n", "  ", "'", "\t", "\u2028", "\x85", ": "]) + s[i:]
        if rng.random() < 0.2:
            s = rng.choice([" ", "\n", "  "]) + s
        if rng.random() < 0.2:
            s = s + rng.choice([" ", "\n", "\n\n", "  "])
        return s
    n = rng.choice([1, 2, 3, 5, 8, 20, 60, 90, 150, 250])
    s = "".join(rng.choices(CHARS, WEIGHTS, k=n))
    return s


def random_case(rng, s):
    depth = rng.randint(0, 4)
    node = S(s)
    for _ in range(depth):
        r = rng.random()
        if r < 0.4:
            node = {"m": [[rng.choice(["k", "key", "a_longer_key_name"]), node]]}
        elif r < 0.7:
            node = {"l": [node]}
        elif r < 0.85:
            node = {"l": [S("first"), node]}
        else:
            node = {"m": [["x", {"i": 1}], [rng.choice(["k", "kk"]), node]]}
    if rng.random() < 0.25 and len(s) < 200:
        # As a key.
        node = {"m": [[s, node]]}
    if "m" not in node:
        node = {"m": [["root", node]]}
    return node


def main():
    cases = []
    for s in HAND + LONG:
        for where, tree in placements(s):
            cases.append({"name": f"{where}: {s!r}", "input": tree})
    for s in SWEEP:
        for where, tree in placements(s):
            if where in ("value at depth 3", "map in list", "key"):
                cases.append({"name": f"{where}: {s!r}", "input": tree})
    rng = random.Random(20240611)
    for i in range(800):
        s = random_string(rng)
        cases.append({"name": f"random {i}: {s!r}", "input": random_case(rng, s)})
    out = []
    for case in cases:
        cfg = OmegaConf.create(to_py(case["input"]))
        case["yaml"] = OmegaConf.to_yaml(cfg)
        out.append(case)
    meta = {
        "generator": "scripts/make_pyyaml_string_fixtures.py",
        "omegaconf": omegaconf.__version__,
        "pyyaml": yaml.__version__,
        "cases": out,
    }
    # One case a line, so that a regenerated fixture diffs line by line.
    head = json.dumps({k: v for k, v in meta.items() if k != "cases"})[:-1]
    lines = ",\n".join(json.dumps(c, ensure_ascii=True) for c in out)
    OUT.write_text(f'{head}, "cases": [\n{lines}\n]}}\n')
    print(f"wrote {len(out)} cases to {OUT}")


if __name__ == "__main__":
    main()
