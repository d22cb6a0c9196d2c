#!/usr/bin/env python3
"""Writes TECO-layout files whose `actions` array is shorter than their video
(crates/dforce-video-data/tests/short_actions.rs).

Usage: /work/oracle/bin/python scripts/make_short_actions_fixtures.py
(run from the repository root; needs numpy).

The reference's DmlabVideoDataset / MinecraftVideoDataset slice `actions` (Minecraft: `actions[1:]`)
with the same window as the frames, so an array shorter than the video gives clips with fewer
actions than frames; dforce refuses such files by name instead of reading zeros.

crates/dforce-video-data/tests/fixtures/short_actions/:
  dmlab/training/ep_000000.npz   video (40, 8, 8, 3) uint8, actions (5,) int64: the issue's
                                 repro (np.zeros((5,), np.int64) beside 40 frames), with
                                 actions t % 3 so that real actions are told from zeros
  dmlab/training/ep_000001.npz   video (12, 8, 8, 3), actions (12,): a good file
  dmlab/validation/ep_000000.npz video (10, 8, 8, 3), actions (10,): a good file
  dmlab/metadata.json            {"training": [40, 12], "validation": [10]}, as a tool (or the
                                 reference) writes it without opening the files, so the short
                                 file is only found when its clips are read
  minecraft/run_0_6_actions.npz  actions (6,): for tests/fixtures/video/minecraft/training/
                                 run_0.mp4 (24 frames), which needs 25 (actions[1:] per frame)
  minecraft/run_0_24_actions.npz actions (24,): one per frame, without the leading entry the
                                 Minecraft loader drops, so frame 23 has none
The Minecraft actions are (i * 3 + 1) % 4, as tests/fixtures/video/make_fixtures.py writes them.
"""

import json
import os

import numpy as np

OUT = "crates/dforce-video-data/tests/fixtures/short_actions"


def video(seed, t):
    ti, yi, xi, ci = np.meshgrid(np.arange(t), np.arange(8), np.arange(8), np.arange(3), indexing="ij")
    return ((seed * 31 + 9 * ti + 7 * yi + 3 * xi + 60 * ci) % 256).astype(np.uint8)


def main():
    dmlab = os.path.join(OUT, "dmlab")
    for split, eps in {
        "training": [("ep_000000.npz", 1, 40, 5), ("ep_000001.npz", 2, 12, 12)],
        "validation": [("ep_000000.npz", 3, 10, 10)],
    }.items():
        os.makedirs(os.path.join(dmlab, split), exist_ok=True)
        for name, seed, t, n_actions in eps:
            actions = (np.arange(n_actions) % 3).astype(np.int64)
            np.savez(os.path.join(dmlab, split, name), video=video(seed, t), actions=actions)
    with open(os.path.join(dmlab, "metadata.json"), "w") as f:
        json.dump({"training": [40, 12], "validation": [10]}, f)

    minecraft = os.path.join(OUT, "minecraft")
    os.makedirs(minecraft, exist_ok=True)
    for n in [6, 24]:
        actions = ((np.arange(n) * 3 + 1) % 4).astype(np.int64)
        np.savez(os.path.join(minecraft, f"run_0_{n}_actions.npz"), actions=actions)

    # What the reference does with the short DMLab file: its clip of frames 0..8 carries 8 frames
    # but 5 actions.
    data = np.load(os.path.join(dmlab, "training", "ep_000000.npz"))
    assert len(data["video"][0:8]) == 8 and len(data["actions"][0:8]) == 5
    print("ok")


if __name__ == "__main__":
    main()
