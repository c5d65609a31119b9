"""``syngrasp stats DIR``: what a dataset holds, summarised from its metadata."""

from __future__ import annotations

import collections
import glob
import json
import os

import h5py
import pyarrow.parquet as pq


def _scene_counts(scenes: list[str]) -> tuple[dict, dict]:
    categories: collections.Counter = collections.Counter()
    lighting: collections.Counter = collections.Counter()
    for text in scenes:
        s = json.loads(text)
        categories[s["objects"][s["target_index"]]["category"]] += 1
        types = sorted(li["type"] for li in s["lights"])
        lighting[f"{len(types)} x " + "+".join(types)] += 1
    return dict(categories.most_common()), dict(lighting.most_common())


def _dir_bytes(root: str, patterns: list[str]) -> int:
    return sum(os.path.getsize(p) for pat in patterns for p in glob.glob(os.path.join(root, pat), recursive=True) if os.path.isfile(p))


def dataset_stats(root: str) -> dict:
    """Episodes, frames, success rate, target categories, lighting set-ups and bytes per frame, per format."""
    out = {}
    sides = sorted(glob.glob(os.path.join(root, "meta/syngrasp/episodes/*/*.parquet")))
    if os.path.isfile(os.path.join(root, "meta/info.json")):
        with open(os.path.join(root, "meta/info.json")) as f:
            info = json.load(f)
        eps = {"success": [], "scene": []}
        for side in sides:  # one 50,000-episode file at a time
            part = pq.read_table(side, columns=["success", "scene"]).to_pydict()
            eps["success"] += part["success"]
            eps["scene"] += part["scene"]
        cats, lights = _scene_counts(eps["scene"])
        size = _dir_bytes(root, ["data/**/*.parquet", "videos/**/*.mp4", "meta/**/*"])
        size -= _dir_bytes(root, ["meta/syngrasp/finalize_state.*"])  # finalize's cache, not data
        frames = info["total_frames"]
        out["lerobot"] = {
            "episodes": info["total_episodes"],
            "frames": frames,
            "success_rate": round(sum(eps["success"]) / max(len(eps["success"]), 1), 3),
            "target_categories": cats,
            "lighting": lights,
            "bytes": size,
            "bytes_per_frame": round(size / max(frames, 1)),
        }
    shards = sorted(glob.glob(os.path.join(root, "shard-*.hdf5")))
    if shards:
        success, scenes, frames = [], [], 0
        for path in shards:
            with h5py.File(path, "r") as f:
                for demo in f["data"].values():
                    success.append(bool(demo.attrs["success"]))
                    scenes.append(demo.attrs["scene"])
                    frames += int(demo.attrs["num_samples"])
        cats, lights = _scene_counts(scenes)
        size = sum(os.path.getsize(p) for p in shards)
        out["hdf5"] = {
            "episodes": len(success),
            "frames": frames,
            "success_rate": round(sum(success) / max(len(success), 1), 3),
            "target_categories": cats,
            "lighting": lights,
            "bytes": size,
            "bytes_per_frame": round(size / max(frames, 1)),
        }
    manifest = os.path.join(root, "manifest.json")
    if os.path.isfile(manifest):
        with open(manifest) as f:
            m = json.load(f)
        failures: collections.Counter = collections.Counter(m.get("failures", {}))
        out["generation"] = {
            "episode_indices_attempted": m["episodes"],
            "successes": m["successes"],
            "success_rate": round(m["successes"] / max(m["episodes"], 1), 3),
            "errors": m.get("errors", 0),
            "failures": dict(failures.most_common()),
        }
    return out
