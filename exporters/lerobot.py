"""LeRobot v3.0 shard writer: each shard writes its own videos and staging tables.

Per shard k, published atomically:

    syngrasp/videos/<camera key>/shard-k.mp4  every episode of the shard, back to back
    syngrasp/frames/shard-k.parquet           per-frame low-dimensional columns
    syngrasp/stats/shard-k.json               per-camera colour histograms (for stats.json)
    syngrasp/episodes/shard-k.parquet         per-episode metadata (written last)

``finalize_lerobot`` (lerobot_meta.py) then numbers episodes densely, packs
consecutive shards into ``data/`` and ``videos/`` files (videos remuxed, not
re-encoded) and writes ``meta/info.json``, ``meta/stats.json``, ``meta/tasks.parquet`` and
``meta/episodes/``. Because shards write only their own files, Ray workers run
in parallel and finalize can be re-run at any time from what is on disk.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..core.episode import Episode, image_key
from .base import ShardWriter, register_writer
from .video import encode_video

CHUNKS_SIZE = 1000
LOWDIM_EXCLUDE_PREFIX = "observation.images."


def chunk_file(shard_index: int) -> tuple[int, int]:
    return shard_index // CHUNKS_SIZE, shard_index % CHUNKS_SIZE


def video_rel(key: str, shard_index: int) -> str:
    """Shard ``shard_index``'s video of feature ``key`` (staging; finalize packs them into videos/)."""
    return f"syngrasp/videos/{key}/shard-{shard_index:06d}.mp4"


def staging_rel(kind: str, shard_index: int) -> str:
    ext = "json" if kind == "stats" else "parquet"
    return f"syngrasp/{kind}/shard-{shard_index:06d}.{ext}"


def fixed_list(arr: np.ndarray) -> pa.Array:
    """(N, D) array -> Arrow fixed_size_list<D> column (what HF datasets' Sequence(length=D) reads)."""
    arr = np.ascontiguousarray(arr)
    return pa.FixedSizeListArray.from_arrays(pa.array(arr.reshape(-1)), arr.shape[1])


def column_to_numpy(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """An Arrow column as numpy: fixed_size_list<D> -> (N, D), scalars -> (N,)."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if pa.types.is_fixed_size_list(col.type):
        return np.asarray(col.flatten()).reshape(len(col), -1)
    return np.asarray(col)


def frames_table(episodes: list[Episode]) -> pa.Table:
    """Per-frame low-dimensional columns of a shard, episodes in order."""
    cols: dict[str, Any] = {
        "source_episode_index": pa.array(
            np.concatenate([np.full(e.num_frames, e.meta["episode_index"], np.int64) for e in episodes]) if episodes else np.zeros(0, np.int64)
        ),
        "frame_index": pa.array(
            np.concatenate([np.arange(e.num_frames, dtype=np.int64) for e in episodes]) if episodes else np.zeros(0, np.int64)
        ),
    }
    if episodes:
        fps = float(episodes[0].meta["fps"])
        cols["timestamp"] = pa.array((cols["frame_index"].to_numpy() / fps).astype(np.float32))
        for key in sorted(episodes[0].frames):
            if key.startswith(LOWDIM_EXCLUDE_PREFIX):
                continue
            cols[key] = fixed_list(np.concatenate([e.frames[key] for e in episodes]).astype(np.float32))
    return pa.table(cols)


def episodes_table(episodes: list[Episode], shard_index: int, from_ts: dict[str, list[float]]) -> pa.Table:
    """Per-episode metadata that the LeRobot format has no column for."""
    rows: dict[str, list] = {
        "source_episode_index": [],
        "shard_index": [],
        "length": [],
        "instruction": [],
        "success": [],
        "failure_reason": [],
        "attempts": [],
        "seed": [],
        "grasp_width": [],
        "grasp_pose": [],
        "scene": [],
        "version": [],
        "fps": [],
        "max_penetration_m": [],
        "visibility_redraws": [],
    }
    cams = episodes[0].camera_names if episodes else ()
    for cam in cams:
        rows[f"camera.{cam}.intrinsics"] = []
        rows[f"camera.{cam}.extrinsics"] = []
        rows[f"camera.{cam}.height"] = []
        rows[f"camera.{cam}.width"] = []
        rows[f"video.{cam}.from_timestamp"] = []
    for i, e in enumerate(episodes):
        m = e.meta
        rows["source_episode_index"].append(int(m["episode_index"]))
        rows["shard_index"].append(shard_index)
        rows["length"].append(e.num_frames)
        rows["instruction"].append(m["instruction"])
        rows["success"].append(bool(m["success"]))
        rows["failure_reason"].append(m["failure_reason"])
        rows["attempts"].append(int(m["attempts"]))
        rows["seed"].append(int(m["seed"]))
        rows["grasp_width"].append(float(m["grasp_width"]))
        rows["grasp_pose"].append(np.asarray(m["grasp_pose"], np.float64).reshape(-1).tolist())
        rows["scene"].append(m["scene"])
        rows["version"].append(m["version"])
        rows["fps"].append(float(m["fps"]))
        rows["max_penetration_m"].append(float(m.get("max_penetration_m", float("nan"))))
        rows["visibility_redraws"].append(int(m.get("visibility_redraws", 0)))
        for cam in cams:
            rows[f"camera.{cam}.intrinsics"].append(np.asarray(e.cameras[cam]["intrinsics"]).reshape(-1).tolist())
            rows[f"camera.{cam}.extrinsics"].append(np.asarray(e.cameras[cam]["extrinsics"]).reshape(-1).tolist())
            img = e.frames[image_key(cam)]
            rows[f"camera.{cam}.height"].append(int(img.shape[1]))
            rows[f"camera.{cam}.width"].append(int(img.shape[2]))
            rows[f"video.{cam}.from_timestamp"].append(from_ts[cam][i])
    return pa.table(rows)


def colour_histograms(episodes: list[Episode]) -> dict:
    """Per camera: frame count and a (3, 256) histogram of pixel values (exact stats after merging)."""
    out = {}
    for cam in episodes[0].camera_names if episodes else ():
        hist = np.zeros((3, 256), np.int64)
        n = 0
        for e in episodes:
            img = e.frames[image_key(cam)]
            n += len(img)
            for ch in range(3):
                hist[ch] += np.bincount(img[..., ch].reshape(-1), minlength=256)
        out[image_key(cam)] = {"frames": n, "hist": hist.tolist()}
    return out


@register_writer("lerobot")
class LeRobotShardWriter(ShardWriter):
    """Writes one shard's videos and staging tables; see the module docstring for the layout."""

    def outputs(self, shard_index: int, episodes: list[Episode]) -> list[str]:
        cams = episodes[0].camera_names if episodes else ()
        vids = [video_rel(image_key(c), shard_index) for c in cams]
        # the episodes table is renamed last: its presence implies the rest
        return vids + [staging_rel("frames", shard_index), staging_rel("stats", shard_index), staging_rel("episodes", shard_index)]

    def write_shard(self, paths: dict[str, str], episodes: list[Episode], attrs: dict[str, Any]) -> None:
        opt = self.options
        shard_index = int(attrs["shard_index"])
        cams = episodes[0].camera_names if episodes else ()
        from_ts: dict[str, list[float]] = {c: [] for c in cams}
        fps = float(episodes[0].meta["fps"]) if episodes else 10.0
        for cam in cams:
            t = 0
            for e in episodes:
                from_ts[cam].append(t / fps)
                t += e.num_frames
            frames = np.concatenate([e.frames[image_key(cam)] for e in episodes])
            encode_video(
                frames,
                paths[video_rel(image_key(cam), shard_index)],
                fps,
                opt.video_codec,
                opt.video_crf,
                opt.video_gop,
                opt.video_preset,
                opt.video_pix_fmt,
            )
        pq.write_table(frames_table(episodes), paths[staging_rel("frames", shard_index)])
        with open(paths[staging_rel("stats", shard_index)], "w") as f:
            json.dump(colour_histograms(episodes), f)
        pq.write_table(episodes_table(episodes, shard_index, from_ts), paths[staging_rel("episodes", shard_index)])
