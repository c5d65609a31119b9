"""Finalize a LeRobot v3.0 dataset from the shards on disk.

Episodes are numbered densely (0..E-1) in shard order, then generation order;
the generation index stays in the side file. Writes, each atomically and
``meta/info.json`` last:

    data/chunk-c/file-f.parquet        per shard with episodes: low-dim columns plus
                                       index, episode_index, frame_index, timestamp, task_index
    meta/episodes/chunk-000/file-N.parquet   episode -> data/video files, frame ranges, timestamps
    meta/tasks.parquet                 instruction -> task_index
    meta/stats.json                    min/max/mean/std/count and q01/q10/q50/q90/q99 per feature
    meta/syngrasp/episodes.parquet     side file: success, failure_reason, grasp pose (4x4, row-major)
                                       and width, scene (SceneSpec JSON), camera intrinsics (3x3) and
                                       extrinsics (4x4, base -> OpenCV camera), seed, source episode index
    meta/info.json                     features, fps, robot_type, totals, chunking and file-size limits
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..core.atomic import atomic_output, atomic_write_text
from .card import write_card
from .lerobot import CHUNKS_SIZE, chunk_file, staging_rel, video_rel
from .observations import SEGMENTATION_PREFIX, depth_stats, depth_video_info, nested_to_numpy
from .video import CODEC_NAMES

CODEBASE_VERSION = "v3.0"
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
EPISODES_PER_META_FILE = 50_000
QUANTILES = (0.01, 0.10, 0.50, 0.90, 0.99)

# Names of the robot-independent keys; the robot-shaped ones (observation.state, action.joint)
# come from the robot spec through finalize_lerobot's ``feature_names``.
FEATURE_NAMES = {
    "observation.ee_pose": ["x", "y", "z", "qw", "qx", "qy", "qz"],
    "action": ["dx", "dy", "dz", "drx", "dry", "drz", "gripper"],
    "annotation.object_pose": ["x", "y", "z", "qw", "qx", "qy", "qz"],
}
INDEX_FEATURES = {
    "timestamp": "float32",
    "frame_index": "int64",
    "episode_index": "int64",
    "index": "int64",
    "task_index": "int64",
}


def _atomic_parquet(table: pa.Table, path: str) -> None:
    with atomic_output(path) as tmp:
        pq.write_table(table, tmp)


def _atomic_json(obj, path: str) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2))


def _array_stats(x: np.ndarray) -> dict:
    """Stats over axis 0 of (N, D) values, each a list of D numbers."""
    if len(x) == 0:
        return {}
    out = {
        "min": x.min(0).tolist(),
        "max": x.max(0).tolist(),
        "mean": x.mean(0).tolist(),
        "std": x.std(0).tolist(),
        "count": [int(len(x))],
    }
    for q in QUANTILES:
        out[f"q{int(round(q * 100)):02d}"] = np.quantile(x, q, axis=0).tolist()
    return out


def _image_stats(hist: np.ndarray, frames: int) -> dict:
    """Per-channel stats of pixel values scaled to [0, 1], shaped (3, 1, 1) as LeRobot stores them."""
    v = np.arange(256) / 255.0
    n = hist.sum(1, keepdims=True).astype(np.float64)
    mean = (hist * v).sum(1) / n[:, 0]
    std = np.sqrt((hist * (v - mean[:, None]) ** 2).sum(1) / n[:, 0])
    cdf = np.cumsum(hist, 1) / n
    nz = hist > 0

    def c(vals):
        return [[[float(t)]] for t in vals]

    out = {
        "min": c([v[np.argmax(row)] for row in nz]),
        "max": c([v[255 - np.argmax(row[::-1])] for row in nz]),
        "mean": c(mean),
        "std": c(std),
        "count": [int(frames)],
    }
    for q in QUANTILES:
        out[f"q{int(round(q * 100)):02d}"] = c([v[int(np.searchsorted(row, q))] for row in cdf])
    return out


def finalize_lerobot(
    out_dir: str, shard_indices: list[int], robot_type: str, feature_names: dict[str, list[str]] | None = None
) -> dict:
    """Write LeRobot metadata and data files for the given complete shards; returns info.json's content.

    ``feature_names`` maps robot-shaped keys to per-dimension names (the robot spec's
    ``feature_names()``); a key whose names do not match its width is an error, a key
    without names gets ``<key>_<i>``.
    """
    names_for = {**FEATURE_NAMES, **(feature_names or {})}
    tasks: dict[str, int] = {}
    ep_rows: list[dict] = []
    side: list[pa.Table] = []
    lowdim: dict[str, list[np.ndarray]] = {}
    hists: dict[str, list] = {}
    depth_hists: dict[str, list] = {}
    id_counts: dict[str, list] = {}
    column_shapes: dict[str, tuple[str, list[int]]] = {}
    video_keys: list[str] = []
    names: dict[str, list] = {}  # written action key -> element names of the definition it holds
    depth_keys: list[str] = []
    cam_shapes: dict[str, tuple[int, int]] = {}
    fps = None
    n_frames = 0
    for k in sorted(shard_indices):
        ep_path = os.path.join(out_dir, staging_rel("episodes", k))
        eps = pq.read_table(ep_path)
        if eps.num_rows == 0:
            continue
        frames = pq.read_table(os.path.join(out_dir, staging_rel("frames", k)))
        for fl in frames.schema:
            definition = (fl.metadata or {}).get(b"definition")
            source = {b"ee_delta": "action", b"joint": "action.joint"}.get(definition)
            if source and names_for.get(source) is not None and fl.name != source:
                names[fl.name] = names_for[source]
        stat_cols = [col for col in eps.column_names if col.startswith("stats/")]
        with open(os.path.join(out_dir, staging_rel("stats", k))) as f:
            for key, h in json.load(f).items():
                if "depth_hist" in h:
                    depth_hists.setdefault(key, []).append((np.asarray(h["depth_hist"]), h["frames"]))
                elif "id_counts" in h:
                    id_counts.setdefault(key, []).append((np.asarray(h["id_counts"]), h["frames"]))
                else:
                    hists.setdefault(key, []).append((np.asarray(h["hist"]), h["frames"]))
        epd = eps.to_pydict()
        fps = epd["fps"][0]
        cams = sorted({c.split(".")[1] for c in epd if c.startswith("camera.") and c.endswith(".intrinsics")})
        video_keys = [f"observation.images.{c}" for c in cams]
        depth_keys = sorted(depth_hists)
        for c in cams:
            cam_shapes[c] = (epd[f"camera.{c}.height"][0], epd[f"camera.{c}.width"][0])
        lengths = epd["length"]
        first_ep = len(ep_rows)
        ep_idx_col = np.repeat(np.arange(first_ep, first_ep + len(lengths)), lengths)
        task_col = np.repeat([tasks.setdefault(t, len(tasks)) for t in epd["instruction"]], lengths)
        index_col = np.arange(n_frames, n_frames + len(ep_idx_col))
        data = frames.drop_columns(["source_episode_index"])
        data = data.append_column("episode_index", pa.array(ep_idx_col.astype(np.int64)))
        data = data.append_column("index", pa.array(index_col.astype(np.int64)))
        data = data.append_column("task_index", pa.array(task_col.astype(np.int64)))
        c, f = chunk_file(k)
        _atomic_parquet(data, os.path.join(out_dir, DATA_PATH.format(chunk_index=c, file_index=f)))
        for name in data.column_names:
            arr = nested_to_numpy(data[name])
            kind = "int64" if arr.dtype.kind in "iu" and arr.ndim == 1 else ("int32" if arr.dtype.kind in "iu" else "float32")
            column_shapes[name] = (kind, list(arr.shape[1:]) or [1])
            if name.startswith(SEGMENTATION_PREFIX):
                continue  # id counts come from the shard's stats file
            lowdim.setdefault(name, []).append(arr.reshape(-1, arr.shape[-1] if arr.ndim > 1 else 1).astype(np.float64))
        start = n_frames
        for i, length in enumerate(lengths):
            e = len(ep_rows)
            row = {
                "episode_index": e,
                "tasks": [epd["instruction"][i]],
                "length": int(length),
                "data/chunk_index": c,
                "data/file_index": f,
                "dataset_from_index": int(start),
                "dataset_to_index": int(start + length),
            }
            for cam in cams:
                key = f"observation.images.{cam}"
                t0 = float(epd[f"video.{cam}.from_timestamp"][i])
                row[f"videos/{key}/chunk_index"] = c
                row[f"videos/{key}/file_index"] = f
                row[f"videos/{key}/from_timestamp"] = t0
                row[f"videos/{key}/to_timestamp"] = t0 + length / fps
                dkey = f"observation.depth.{cam}"
                if dkey in depth_keys:
                    for part in ("chunk_index", "file_index", "from_timestamp", "to_timestamp"):
                        row[f"videos/{dkey}/{part}"] = row[f"videos/{key}/{part}"]
            row.update({col: epd[col][i] for col in stat_cols})  # LeRobot's per-episode stats, from the shard writer
            row["meta/episodes/chunk_index"] = e // (EPISODES_PER_META_FILE * CHUNKS_SIZE)
            row["meta/episodes/file_index"] = (e // EPISODES_PER_META_FILE) % CHUNKS_SIZE
            ep_rows.append(row)
            start += length
        n_frames = start
        side.append(eps.drop_columns(stat_cols).append_column("episode_index", pa.array(np.arange(first_ep, first_ep + len(lengths), dtype=np.int64))))

    for i in range(0, max(len(ep_rows), 1), EPISODES_PER_META_FILE):
        rows = ep_rows[i : i + EPISODES_PER_META_FILE]
        if not rows:
            break
        e = rows[0]["episode_index"]
        path = os.path.join(
            out_dir, f"meta/episodes/chunk-{rows[0]['meta/episodes/chunk_index']:03d}/file-{(e // EPISODES_PER_META_FILE) % CHUNKS_SIZE:03d}.parquet"
        )
        _atomic_parquet(pa.Table.from_pylist(rows), path)
    if side:
        _atomic_parquet(pa.concat_tables(side), os.path.join(out_dir, "meta/syngrasp/episodes.parquet"))
    task_df = pd.DataFrame({"task_index": list(tasks.values())}, index=list(tasks.keys()))
    with atomic_output(os.path.join(out_dir, "meta/tasks.parquet")) as tmp:
        task_df.to_parquet(tmp)

    stats = {name: _array_stats(np.concatenate(parts)) for name, parts in lowdim.items()}
    for key, parts in hists.items():
        stats[key] = _image_stats(sum(h for h, _ in parts), sum(n for _, n in parts))
    for key, parts in depth_hists.items():
        stats[key] = depth_stats(sum(h for h, _ in parts), sum(n for _, n in parts), QUANTILES)
    for key, parts in id_counts.items():
        width = max(len(c) for c, _ in parts)
        counts = sum(np.pad(c, (0, width - len(c))) for c, _ in parts)
        ids = np.flatnonzero(counts)
        stats[key] = {"min": [int(ids[0])], "max": [int(ids[-1])], "count": [int(sum(n for _, n in parts))],
                      "pixels_per_id": counts.tolist()}
    _atomic_json(stats, os.path.join(out_dir, "meta/stats.json"))

    features = {}
    for key in video_keys:
        h, w = cam_shapes[key.split(".")[-1]]
        path = os.path.join(out_dir, video_rel(key, sorted(shard_indices)[0])) if shard_indices else ""
        features[key] = {
            "dtype": "video",
            "shape": [h, w, 3],
            "names": ["height", "width", "channels"],
            "info": _video_info(path, h, w, fps),
        }
    for key in depth_keys:
        h, w = cam_shapes[key.split(".")[-1]]
        features[key] = {"dtype": "video", "shape": [h, w, 1], "names": ["height", "width", "channels"],
                         "info": depth_video_info(h, w, fps)}
    for name, (kind, shape) in column_shapes.items():
        if name in INDEX_FEATURES or name == "source_episode_index":
            continue
        dim = shape[0] if len(shape) == 1 else None
        elem = names.get(name) or names_for.get(name)
        if elem is None and dim is not None:
            elem = [f"{name}_{i}" for i in range(dim)]
        if elem is not None and len(elem) != dim:
            raise ValueError(f"{out_dir}: '{name}' has {dim} values per frame but robot '{robot_type}' "
                             f"names {len(elem)}; finalize with the robot the data was generated with")
        features[name] = {"dtype": kind, "shape": shape, "names": list(elem) if elem is not None else None}
    for name, dtype in INDEX_FEATURES.items():
        features[name] = {"dtype": dtype, "shape": [1], "names": None}
    info = {
        "codebase_version": CODEBASE_VERSION,
        "robot_type": robot_type,
        "total_episodes": len(ep_rows),
        "total_frames": int(n_frames),
        "total_tasks": len(tasks),
        "chunks_size": CHUNKS_SIZE,
        "data_files_size_in_mb": 100,
        "video_files_size_in_mb": 200,
        "fps": int(round(fps)) if fps else 10,
        "splits": {"train": f"0:{len(ep_rows)}"},
        "data_path": DATA_PATH,
        "video_path": VIDEO_PATH if video_keys else None,
        "features": features,
    }
    write_card(out_dir, info)
    _atomic_json(info, os.path.join(out_dir, "meta/info.json"))
    return info


def _video_info(path: str, h: int, w: int, fps) -> dict:
    import av

    codec, pix_fmt = "unknown", "unknown"
    if path and os.path.isfile(path):
        with av.open(path) as f:
            s = f.streams.video[0]
            codec, pix_fmt = s.codec_context.codec.canonical_name, s.codec_context.pix_fmt or "yuv420p"
    return {
        "video.height": h,
        "video.width": w,
        "video.codec": CODEC_NAMES.get(codec, codec),
        "video.pix_fmt": pix_fmt,
        "video.is_depth_map": False,
        "video.fps": int(round(fps)) if fps else 10,
        "video.channels": 3,
        "has_audio": False,
    }
