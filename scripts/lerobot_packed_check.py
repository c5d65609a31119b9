"""Check that a packed LeRobot dataset from 30 shards loads in LeRobot, episodes across file boundaries.

Not part of pytest or CI: lerobot pulls a multi-GB torch. Two steps, two interpreters:

    python3 scripts/lerobot_packed_check.py build /tmp/packed          # syngrasp's Python
    /path/to/lerobot-venv/bin/python scripts/lerobot_packed_check.py load /tmp/packed

``build`` writes 30 shards of 1-3 synthetic episodes (3-9 frames, 32x32 grey frames whose level
encodes (episode, frame, camera)) with the real LeRobot shard writer, then finalizes them with small
file-size limits so that data and video files each hold several shards. ``load`` (imports lerobot,
never syngrasp) opens the dataset with ``LeRobotDataset`` and checks, for every episode, its first,
middle and last frame: episode_index, frame_index, index, the state vector against the data file and
the decoded image level against the episode's source index (from the side file).
"""

from __future__ import annotations

import json
import os
import sys

CAMS = ("front", "side")


def level(ep: int, t: int, cam: int) -> int:
    return 16 + ((ep * 37 + t * 11 + cam * 5) % 200)


def build(root: str, shards: int = 30) -> None:
    import numpy as np

    from syngrasp.app.config import load_config
    from syngrasp.core.episode import Episode
    from syngrasp.exporters.formats.lerobot.finalize import finalize_lerobot
    from syngrasp.exporters.formats.lerobot.writer import LeRobotShardWriter

    cfg = load_config(None, ["writer.video_codec=libx264", "writer.video_gop=4", "writer.data_files_size_in_mb=0.02",
                             "writer.video_files_size_in_mb=0.012"], seed=0, episodes=0)
    writer = LeRobotShardWriter(root, cfg.writer)
    ep = 0
    for k in range(shards):
        eps = []
        for _ in range(1 + k % 3):
            n = 3 + (ep * 5) % 7
            rng = np.random.default_rng(ep)
            frames = {"observation.state": rng.normal(size=(n, 8)).astype(np.float32),
                      "observation.ee_pose": rng.normal(size=(n, 7)).astype(np.float32),
                      "action": rng.normal(size=(n, 7)).astype(np.float32),
                      "action.joint": rng.normal(size=(n, 8)).astype(np.float32),
                      "annotation.object_pose": rng.normal(size=(n, 7)).astype(np.float32),
                      "annotation.phase": np.minimum(np.arange(n), 5).astype(np.int64)}
            for c, cam in enumerate(CAMS):
                frames[f"observation.images.{cam}"] = np.stack(
                    [np.full((32, 32, 3), level(ep, t, c), np.uint8) for t in range(n)])
                frames[f"annotation.bbox.{cam}"] = np.tile(np.float32([4, 4, 20, 20]), (n, 1))
            meta = {"episode_index": ep, "instruction": "pick up the mug", "success": True, "failure_reason": "",
                    "attempts": 1, "seed": 0, "grasp_width": 0.04, "grasp_pose": np.eye(4), "scene": "{}",
                    "version": "check", "schema_version": "1.0", "fps": 10.0, "max_penetration_m": 0.0,
                    "visibility_redraws": 0, "shard_index": k}
            eps.append(Episode(frames, {c: {"intrinsics": np.eye(3), "extrinsics": np.eye(4)} for c in CAMS}, meta))
            ep += 1
        writer.write(k, eps, {"shard_index": k})
    info = finalize_lerobot(root, range(shards), cfg.writer, {"rollout": {"robot": "panda"}}).info
    print(json.dumps({"episodes": info["total_episodes"], "frames": info["total_frames"]}))


def load(root: str) -> None:
    import glob

    import numpy as np
    import pyarrow.parquet as pq
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    info = json.load(open(os.path.join(root, "meta/info.json")))
    rows = []
    for p in sorted(glob.glob(os.path.join(root, "meta/episodes/*/*.parquet"))):
        rows += pq.read_table(p).to_pylist()
    side = {}
    for p in sorted(glob.glob(os.path.join(root, "meta/syngrasp/episodes/*/*.parquet"))):
        t = pq.read_table(p, columns=["episode_index", "source_episode_index"]).to_pydict()
        side.update(zip(t["episode_index"], t["source_episode_index"]))
    data_files = {(r["data/chunk_index"], r["data/file_index"]) for r in rows}
    video_files = {(r["videos/observation.images.front/chunk_index"], r["videos/observation.images.front/file_index"])
                   for r in rows}
    ds = LeRobotDataset("local/packed", root=root, video_backend="pyav")
    assert len(ds) == info["total_frames"], (len(ds), info["total_frames"])
    checked = 0
    for r in rows:
        for t in sorted({0, r["length"] // 2, r["length"] - 1}):
            item = ds[r["dataset_from_index"] + t]
            assert int(item["episode_index"]) == r["episode_index"] and int(item["frame_index"]) == t
            assert int(item["index"]) == r["dataset_from_index"] + t
            for c, cam in enumerate(CAMS):
                img = item[f"observation.images.{cam}"].numpy()  # (3, H, W) float in [0, 1]
                got = float(img.mean()) * 255
                want = level(side[r["episode_index"]], t, c)
                assert abs(got - want) < 3, (r["episode_index"], t, cam, got, want)
            checked += 1
    print(json.dumps({"episodes": len(rows), "frames": len(ds), "data_files": len(data_files),
                      "video_files_per_camera": len(video_files), "frames_checked": checked, "ok": True}))


if __name__ == "__main__":
    {"build": build, "load": load}[sys.argv[1]](sys.argv[2])
