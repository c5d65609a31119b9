"""``syngrasp stats DIR``: what a dataset holds, summarised from its metadata."""

from __future__ import annotations

import collections
import glob
import json
import os

import pyarrow.parquet as pq

from ..core import layout
from ..core.errors import DatasetError
from ..core.schema import SCENE, SUCCESS
from .side import side_column
from .untrusted import number, open_shard, read_json, regular_file


def _scene_counts(scenes: list[tuple[str, str]]) -> tuple[dict, dict]:
    """(target category -> count, lighting set-up -> count) of (SceneSpec JSON, file it was read from) pairs."""
    categories: collections.Counter = collections.Counter()
    lighting: collections.Counter = collections.Counter()
    for text, where in scenes:
        try:
            s = json.loads(text)
            categories[str(s["objects"][s["target_index"]]["category"])] += 1
            types = sorted(str(li["type"]) for li in s["lights"])
        except (ValueError, KeyError, IndexError, TypeError) as e:
            raise DatasetError(f"{where}: an episode's scene is not a SceneSpec ({type(e).__name__}: {e}); "
                               "the dataset is damaged: regenerate it") from e
        lighting[f"{len(types)} x " + "+".join(types)] += 1
    return dict(categories.most_common()), dict(lighting.most_common())


def _dir_bytes(root: str, patterns: list[str]) -> int:
    return sum(os.path.getsize(p) for pat in patterns for p in glob.glob(os.path.join(root, pat), recursive=True) if os.path.isfile(p))


def dataset_stats(root: str) -> dict:
    """Episodes, frames, success rate, target categories, lighting set-ups and bytes per frame, per format.

    Files are read as someone else's (``untrusted.py``): a truncated or crafted shard, a malformed
    meta/info.json (a count that is not an integer) or manifest raise DatasetError naming the file."""
    out = {}
    sides = sorted(glob.glob(os.path.join(root, "meta/syngrasp/episodes/*/*.parquet")))
    info_path = os.path.join(root, "meta/info.json")
    if os.path.exists(info_path):
        info = read_json(info_path)
        if not isinstance(info, dict):
            raise DatasetError(f"{info_path}: not a JSON object; regenerate it with syngrasp finalize")
        cols = [side_column(SUCCESS), side_column(SCENE)]
        eps = {c: [] for c in cols}
        for side in sides:  # one 50,000-episode file at a time
            regular_file(side)
            part = pq.read_table(side, columns=cols).to_pydict()
            for c in cols:
                eps[c] += part[c]
        cats, lights = _scene_counts([(t, os.path.join(root, "meta/syngrasp/episodes")) for t in eps[side_column(SCENE)]])
        size = _dir_bytes(root, ["data/**/*.parquet", "videos/**/*.mp4", "meta/**/*"])
        size -= _dir_bytes(root, ["meta/syngrasp/finalize_state.*"])  # finalize's cache, not data
        frames = number(info.get("total_frames"), info_path, "total_frames")
        out["lerobot"] = {
            "episodes": number(info.get("total_episodes"), info_path, "total_episodes"),
            "frames": frames,
            "success_rate": round(sum(eps[cols[0]]) / max(len(eps[cols[0]]), 1), 3),
            "target_categories": cats,
            "lighting": lights,
            "bytes": size,
            "bytes_per_frame": round(size / max(frames, 1)),
        }
    shards = layout.hdf5_shards(root)
    if shards:
        success, scenes, frames = [], [], 0
        for path in shards:
            with open_shard(path) as f:
                try:
                    for demo in f["data"].values():
                        success.append(bool(demo.attrs[SUCCESS]))
                        scenes.append((demo.attrs[SCENE], path))
                        frames += int(demo.attrs["num_samples"])
                except (KeyError, ValueError, TypeError, OSError) as e:
                    raise DatasetError(f"{path}: not a syngrasp shard or damaged ({type(e).__name__}: {e}); "
                                       "regenerate it") from e
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
    manifest = os.path.join(root, layout.MANIFEST)
    if os.path.exists(manifest):
        m = read_json(manifest)
        if not isinstance(m, dict):
            raise DatasetError(f"{manifest}: not a JSON object; it is damaged")
        failures: collections.Counter = collections.Counter(
            {str(k): number(v, manifest, f"failures.{k}") for k, v in (m.get("failures") or {}).items()})
        attempted, successes = number(m.get("episodes"), manifest, "episodes"), number(m.get("successes"), manifest, "successes")
        out["generation"] = {
            "episode_indices_attempted": attempted,
            "successes": successes,
            "success_rate": round(successes / max(attempted, 1), 3),
            "errors": number(m.get("errors", 0), manifest, "errors"),
            "failures": dict(failures.most_common()),
        }
    return out
