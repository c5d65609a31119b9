"""LeRobot v3.0 shard writer: each shard writes its own videos and staging tables.

Per shard k, published atomically:

    syngrasp/videos/<camera key>/shard-k.mp4  every episode of the shard, back to back
    syngrasp/frames/shard-k.parquet           per-frame low-dimensional columns and LeRobot's language
                                              columns (lerobot_language.py)
    videos/observation.depth.<cam>/chunk-c/file-f.mp4   with depth: 12-bit depth videos
                                              (exporters/observations.py)
    syngrasp/stats/shard-k.json               per-camera colour, depth-code and instance-id histograms
    syngrasp/episodes/shard-k.parquet         per-episode metadata, the declared ``syngrasp/<key>``
                                              columns (core/schema.py EPISODE_COLUMNS) and LeRobot's
                                              per-episode ``stats/<feature>/<stat>`` columns (written last)

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

from ..core import schema
from ..core.episode import Episode, depth_key, image_key
from .actions import output_keys, to_output
from .base import ShardWriter, register_writer
from .episode_stats import image_stats, pixel_histogram, stats_columns, vector_stats
from .lerobot_language import language_columns
from .observations import (DEPTH_PREFIX, EXTRINSICS_PREFIX, SEGMENTATION_PREFIX, depth_histogram, encode_depth_video,
                           nested_column)
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


def frames_table(episodes: list[Episode], action: str = "ee_delta") -> pa.Table:
    """Per-frame low-dimensional columns of a shard, episodes in order; ``action`` is writer.action.

    The action columns carry their definition (``ee_delta`` or ``joint``) as field metadata
    ``definition``; finalize names their elements from it (the joint names from the robot spec).
    ``language_persistent`` and ``language_events`` (lerobot_language.py) come last."""
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
        out = [to_output(e.frames, action) for e in episodes]
        for key in sorted(out[0]):
            if key.startswith((LOWDIM_EXCLUDE_PREFIX, DEPTH_PREFIX)):
                continue
            arr = np.concatenate([f[key] for f in out])
            if arr.ndim == 1:
                cols[key] = pa.array(arr.astype(np.int64) if arr.dtype.kind in "iu" else arr.astype(np.float32))
            elif key.startswith(EXTRINSICS_PREFIX):
                cols[key] = fixed_list(arr.reshape(len(arr), -1).astype(np.float32))
            elif arr.ndim == 3:
                cols[key] = nested_column(arr.astype(np.int32 if key.startswith(SEGMENTATION_PREFIX) else np.float32))
            else:
                cols[key] = fixed_list(arr.astype(np.float32))
    cols.update(language_columns(episodes))
    defs = output_keys(action)
    fields = [pa.field(k, v.type, metadata={"definition": defs[k]} if k in defs else None) for k, v in cols.items()]
    return pa.Table.from_arrays(list(cols.values()), schema=pa.schema(fields))


def episode_stats_columns(frames: pa.Table, lengths: list[int], hists: dict[str, list[np.ndarray]]) -> dict[str, list]:
    """LeRobot's per-episode ``stats/<feature>/<stat>`` columns, one cell per episode.

    ``frames``: the shard's frames_table; ``lengths``: frames per episode, in order; ``hists``:
    image key -> per-episode (3, 256) pixel histograms. Every low-dimensional feature plus
    ``timestamp`` and ``frame_index`` (``episode_index``, ``index`` and ``task_index`` are
    numbered at finalize and have none)."""
    cols: dict[str, list] = {}
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(int)
    for name in frames.column_names:
        col_type = frames.schema.field(name).type
        if name == "source_episode_index" or (pa.types.is_fixed_size_list(col_type)
                                              and pa.types.is_fixed_size_list(col_type.value_type)):
            continue  # per-pixel ids and point clouds: no per-episode stats (LeRobot keeps none for them)
        if name in schema.LANGUAGE_KEYS:
            continue  # text: LeRobot computes no stats for language columns
        arr = column_to_numpy(frames[name])
        arr = arr.reshape(len(arr), -1)
        for i in range(len(lengths)):
            for k, v in stats_columns(name, vector_stats(arr[starts[i] : starts[i + 1]])).items():
                cols.setdefault(k, []).append(v)
    for key, per_episode in hists.items():
        for h, n in zip(per_episode, lengths):
            for k, v in stats_columns(key, image_stats(h, n)).items():
                cols.setdefault(k, []).append(v)
    return cols


def episodes_table(episodes: list[Episode], shard_index: int, from_ts: dict[str, list[float]],
                   stats: dict[str, list] | None = None) -> pa.Table:
    """Per-episode metadata for the side table, the declared ``syngrasp/<key>`` columns (core/schema.py
    EPISODE_COLUMNS, typed as declared; null where an older episode lacks the key) and ``stats`` columns
    (episode_stats_columns); finalize carries every ``a/b``-named column into meta/episodes.

    The phases' subtask texts and the instruction's paraphrases are not here: they are in the
    ``language_persistent`` column of the frames."""
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
        "phase_names": [],
        "language": [],
        "segmentation_ids": [],
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
        for k in ("phase_names", "language", "segmentation_ids"):
            rows[k].append(m.get(k, ""))
        for cam in cams:
            rows[f"camera.{cam}.intrinsics"].append(np.asarray(e.cameras[cam]["intrinsics"]).reshape(-1).tolist())
            rows[f"camera.{cam}.extrinsics"].append(np.asarray(e.cameras[cam]["extrinsics"]).reshape(-1).tolist())
            img = e.frames[image_key(cam)]
            rows[f"camera.{cam}.height"].append(int(img.shape[1]))
            rows[f"camera.{cam}.width"].append(int(img.shape[2]))
            rows[f"video.{cam}.from_timestamp"].append(from_ts[cam][i])
    declared = [schema.episode_column_values(e.meta) for e in episodes]
    for c in schema.EPISODE_COLUMNS:
        rows[c.name] = pa.array([d[c.name] for d in declared], episode_column_type(c))
    rows.update(stats or {})
    return pa.table(rows)


_SCALAR_TYPES = {"int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_(), "string": pa.string()}


def episode_column_type(column: schema.EpisodeColumn) -> pa.DataType:
    """Arrow type of a declared meta/episodes column: the scalar type, or list<scalar> for list columns."""
    t = _SCALAR_TYPES[column.dtype]
    return pa.list_(t) if column.length else t


def episode_histograms(episodes: list[Episode]) -> dict[str, list[np.ndarray]]:
    """Image key -> one (3, 256) pixel histogram per episode."""
    cams = episodes[0].camera_names if episodes else ()
    return {image_key(c): [pixel_histogram(e.frames[image_key(c)]) for e in episodes] for c in cams}


def depth_cameras(episodes: list[Episode]) -> tuple[str, ...]:
    """Cameras whose depth the episodes carry."""
    return tuple(c for c in (episodes[0].camera_names if episodes else ()) if depth_key(c) in episodes[0].frames)


def colour_histograms(episodes: list[Episode], hists: dict[str, list[np.ndarray]] | None = None) -> dict:
    """Per camera: frame count and a (3, 256) histogram of pixel values (exact stats after merging);
    per depth camera: frame count and a (4096,) histogram of depth codes (``depth_hist``); per
    segmentation key: frame count and pixel counts per instance id (``id_counts``).
    ``hists`` (episode_histograms) is reused when given."""
    out: dict = {}
    n = int(sum(e.num_frames for e in episodes))
    for cam in depth_cameras(episodes):
        key = depth_key(cam)
        hist = np.zeros(4096, np.int64)
        for e in episodes:
            hist += np.asarray(depth_histogram(e.frames[key]), np.int64)
        out[key] = {"frames": n, "depth_hist": hist.tolist()}
    for key in sorted(k for k in (episodes[0].frames if episodes else {}) if k.startswith(SEGMENTATION_PREFIX)):
        counts = np.zeros(1, np.int64)
        for e in episodes:
            c = np.bincount(e.frames[key].reshape(-1))
            counts = np.pad(counts, (0, max(0, len(c) - len(counts))))
            counts[: len(c)] += c
        out[key] = {"frames": n, "id_counts": counts.tolist()}
    hists = episode_histograms(episodes) if hists is None else hists
    for key, per in hists.items():
        out[key] = {"frames": n, "hist": np.sum(per, axis=0).tolist()}
    return out


@register_writer("lerobot")
class LeRobotShardWriter(ShardWriter):
    """Writes one shard's videos and staging tables; see the module docstring for the layout."""

    def outputs(self, shard_index: int, episodes: list[Episode]) -> list[str]:
        cams = episodes[0].camera_names if episodes else ()
        vids = [video_rel(image_key(c), shard_index) for c in cams]
        vids += [video_rel(depth_key(c), shard_index) for c in depth_cameras(episodes)]
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
        for cam in depth_cameras(episodes):
            depth = np.concatenate([e.frames[depth_key(cam)] for e in episodes])
            encode_depth_video(depth, paths[video_rel(depth_key(cam), shard_index)], fps, opt.video_gop)
        table = frames_table(episodes, opt.action)
        pq.write_table(table, paths[staging_rel("frames", shard_index)])
        hists = episode_histograms(episodes)
        with open(paths[staging_rel("stats", shard_index)], "w") as f:
            json.dump(colour_histograms(episodes, hists), f)
        stats = episode_stats_columns(table, [e.num_frames for e in episodes], hists)
        pq.write_table(episodes_table(episodes, shard_index, from_ts, stats), paths[staging_rel("episodes", shard_index)])
