#!/usr/bin/env python3
"""Writes a DMLab-layout dataset whose metadata.json claims more frames than its files hold,
and what the reference's DmlabVideoDataset.__getitem__ returns for every clip of it
(crates/dforce-video-data/tests/short_episodes.rs).

Usage: /work/oracle/bin/python scripts/make_short_episode_fixtures.py
(run from the repository root; needs numpy).

The reference never looks at a DMLab file's length (its get_data_lengths returns 300 for every
file); __getitem__ slices `data["video"][frame_idx : frame_idx + n_frames]`, which numpy cuts at
the file's end, and zero-pads the clip with nonterminal 0. That code is reproduced below, minus
torch: `torch.from_numpy(video / 255.0).float()` is numpy's float64 division rounded to float32,
and `transforms.Resize` to the frames' own size leaves them as they are.

crates/dforce-video-data/tests/fixtures/short_episodes/:
  training/ep_000000.npz     10 frames of 4x4, actions (10,)
  training/ep_000001.npz     12 frames (as claimed)
  validation/ep_000000.npz   6 frames
  metadata.json              {"training": [16, 12], "validation": [16]}
  expected.json              per split: n_frames, frame_skip, and per clip index (no
                             shuffle) the video (T, 3, H, W) values, nonterminal, and the first
                             3 columns of the actions (the reference's np.pad of the one-hot
                             actions pads both axes, so only those columns are its one-hots).
"""

import json
import os

import numpy as np

OUT = "crates/dforce-video-data/tests/fixtures/short_episodes"
N_FRAMES, FRAME_SKIP, VALIDATION_MULTIPLIER = 4, 2, 1


def episode(seed, t):
    ti, yi, xi, ci = np.meshgrid(np.arange(t), np.arange(4), np.arange(4), np.arange(3), indexing="ij")
    video = ((seed * 31 + 9 * ti + 7 * yi + 3 * xi + 60 * ci) % 256).astype(np.uint8)
    actions = ((np.arange(t) * (seed + 1)) % 3).astype(np.int64)
    return video, actions


def getitem(path, frame_idx, n_frames, frame_skip):
    """The reference's DmlabVideoDataset.__getitem__ after split_idx."""
    data = np.load(path)
    video = data["video"][frame_idx : frame_idx + n_frames]
    actions = data["actions"][frame_idx : frame_idx + n_frames]
    actions = np.eye(3)[actions]
    pad_len = n_frames - len(video)
    nonterminal = np.ones(n_frames)
    if len(video) < n_frames:
        video = np.pad(video, ((0, pad_len), (0, 0), (0, 0), (0, 0)))
        actions = np.pad(actions, ((0, pad_len),))
        nonterminal[-pad_len:] = 0
    video = (video / 255.0).astype(np.float32).transpose(0, 3, 1, 2)
    return video[::frame_skip], actions[::frame_skip, :3], nonterminal[::frame_skip]


def main():
    files = {
        "training": [("ep_000000.npz", 1, 10), ("ep_000001.npz", 2, 12)],
        "validation": [("ep_000000.npz", 3, 6)],
    }
    metadata = {"training": [16, 12], "validation": [16]}
    expected = {}
    for split, eps in files.items():
        os.makedirs(os.path.join(OUT, split), exist_ok=True)
        paths = []
        for name, seed, t in eps:
            video, actions = episode(seed, t)
            path = os.path.join(OUT, split, name)
            np.savez_compressed(path, video=video, actions=actions)
            paths.append(path)
        n_frames = N_FRAMES * FRAME_SKIP * (1 if split == "training" else VALIDATION_MULTIPLIER)
        # BaseVideoDataset.__init__ and split_idx.
        clips_per_video = np.clip(np.array(metadata[split]) - n_frames + 1, a_min=1, a_max=None).astype(np.int32)
        cum = np.cumsum(clips_per_video)
        clips = []
        for idx in range(int(clips_per_video.sum())):
            video_idx = int(np.argmax(cum > idx))
            frame_idx = int(idx - np.pad(cum, (1, 0))[video_idx])
            video, actions, nonterminal = getitem(paths[video_idx], frame_idx, n_frames, FRAME_SKIP)
            clips.append(
                {
                    "video_index": video_idx,
                    "start": frame_idx,
                    "video": video.ravel().tolist(),
                    "actions": actions.ravel().tolist(),
                    "nonterminal": nonterminal.tolist(),
                }
            )
        expected[split] = {"n_frames": N_FRAMES, "frame_skip": FRAME_SKIP, "clips": clips}
    with open(os.path.join(OUT, "metadata.json"), "w") as f:
        json.dump(metadata, f)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f)
        f.write("\n")
    # Clips past the short files' ends exist, and some are all padding.
    nt = [c["nonterminal"] for s in expected.values() for c in s["clips"]]
    assert any(0 < sum(n) < len(n) for n in nt) and any(sum(n) == 0 for n in nt)
    print("ok")


if __name__ == "__main__":
    main()
