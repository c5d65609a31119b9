"""The dataset-level metadata: ``meta/tasks.parquet``, ``meta/stats.json`` and ``meta/info.json``'s content.

info.json ``features`` are generated from the episode schema (core/schema.py ``lerobot_features``)
for the layout the frame columns show (n_arm from observation.state, camera sizes from the videos,
options from which keys are present), named with the robot's per-dimension names (robot.py); a
column the schema does not declare, or one whose dtype or shape differs from the declaration, is a
DatasetError.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from ....core import schema
from ....core.atomic import atomic_output
from ....core.errors import DatasetError
from ...observations import DEPTH_PREFIX, depth_stats, depth_video_info
from .episodes import Numbering
from .layout import (CHUNKS_SIZE, CODEBASE_VERSION, DATA_PATH, INDEX_FEATURES, NUMBERING, STAGING, TASK_INDEX,
                     TASKS_PARQUET, VIDEO_PATH, file_path)
from .robot import RobotNames
from .state import MergedStats
from .stats import QUANTILES, as_lists, image_stats
from .tables import stored_as_video
from .video import VideoFiles, video_info

VIDEO_NAMES = ["height", "width", "channels"]


def write_tasks(out_dir: str, tasks: dict[str, int]) -> None:
    """``meta/tasks.parquet``: instruction (index) -> task_index."""
    task_df = pd.DataFrame({TASK_INDEX: list(tasks.values())}, index=list(tasks.keys()))
    with atomic_output(os.path.join(out_dir, TASKS_PARQUET)) as tmp:
        task_df.to_parquet(tmp)


def dataset_stats(merged: MergedStats, numbering: Numbering) -> dict:
    """``meta/stats.json``: per feature min/max/mean/std/count and q01..q99 (LeRobot's shapes, stats.py);
    segmentation keys: min and max id, count and pixels per id."""
    out = {name: m.stats() for name, m in merged.low.items() if name not in NUMBERING}
    for name in NUMBERING:
        if numbering.moments[name].n:
            out[name] = numbering.moments[name].stats()
    for key, (h, n) in sorted(merged.img.items()):
        out[key] = as_lists(image_stats(h, n))
    for key, (h, n) in sorted(merged.depth.items()):
        out[key] = depth_stats(h, n, QUANTILES)
    for key, (counts, n) in sorted(merged.ids.items()):
        ids = np.flatnonzero(counts)
        out[key] = {"min": [int(ids[0])], "max": [int(ids[-1])], "count": [int(n)], "pixels_per_id": counts.tolist()}
    return out


def info(out_dir: str, merged: MergedStats, numbering: Numbering, videos: VideoFiles, robot: RobotNames | None,
         data_limit_mb: float, video_limit_mb: float) -> dict:
    """``meta/info.json``'s content."""
    fps = numbering.fps
    features = {}
    for key in videos.keys:
        if key not in videos.shape:
            continue
        h, w = videos.shape[key]
        if key.startswith(DEPTH_PREFIX):
            features[key] = {"dtype": "video", "shape": [h, w, 1], "names": VIDEO_NAMES,
                             "info": depth_video_info(h, w, fps)}
            continue
        first = os.path.join(out_dir, file_path(VIDEO_PATH, 0, video_key=key))
        features[key] = {"dtype": "video", "shape": [h, w, 3], "names": VIDEO_NAMES, "info": video_info(first, h, w, fps)}
    features.update(declared_features(out_dir, merged, videos.shape, robot))
    for name, dtype in INDEX_FEATURES.items():
        features[name] = {"dtype": dtype, "shape": [1], "names": None}
    return {
        "codebase_version": CODEBASE_VERSION,
        "robot_type": robot.robot_type if robot else "",
        "total_episodes": numbering.episodes,
        "total_frames": int(numbering.frames),
        "total_tasks": len(numbering.tasks),
        "chunks_size": CHUNKS_SIZE,
        "data_files_size_in_mb": data_limit_mb,
        "video_files_size_in_mb": video_limit_mb,
        "fps": int(round(fps)) if fps else 10,  # not a schema key: info.json's frame rate [Hz]
        "splits": {"train": f"0:{numbering.episodes}"},
        "data_path": DATA_PATH,
        "video_path": VIDEO_PATH if features and videos.keys else None,
        "features": features,
    }


class _Shape:
    """A shape-only stand-in for an array (schema.infer_layout reads ``.shape``)."""

    def __init__(self, shape):
        self.shape = tuple(int(x) for x in shape)


def declared_features(out_dir: str, merged: MergedStats, video_shape: dict, robot: RobotNames | None) -> dict:
    """info.json features of the frame columns on disk (see the module docstring)."""
    modes = {v: k for k, v in merged.defs.items()}  # definition -> written key
    ee_delta, joint = schema.ACTION_SOURCE  # the action definitions
    written_action = schema.output_name(schema.ACTION_SOURCE[ee_delta], ee_delta)
    mode = joint if modes.get(joint) == written_action else ee_delta
    cols = {n: s for n, s in merged.shapes.items() if n not in INDEX_FEATURES}
    if not cols:
        return {}
    written_to_episode = {schema.output_name(k, mode): k for k in schema.ACTION_SOURCE.values()}
    # shape-only frames of one frame each, by Episode key: columns, plus the videos' image sizes
    shapes = {written_to_episode.get(n, n): _Shape([1, *s[1]]) for n, s in cols.items()}
    for key, (h, w) in video_shape.items():
        if stored_as_video(key) and not key.startswith(DEPTH_PREFIX):
            shapes[key] = _Shape([1, h, w, 3])
    n_arm, cameras, opts = schema.infer_layout(shapes)
    frames_dir = os.path.join(out_dir, STAGING, "frames")
    try:
        declared = schema.lerobot_features(n_arm, cameras, opts, robot.feature_names if robot else None, mode)
    except ValueError as e:
        raise DatasetError(f"{frames_dir}: the robot '{robot.robot_type if robot else ''}' the shards record does not "
                           f"fit their columns ({e}); finalize only shards generated with one robot") from e
    out = {}
    for name, (kind, shape) in cols.items():
        want = declared.get(name)
        if want is None:
            raise DatasetError(f"{frames_dir}: column '{name}' is not a declared episode key (core/schema.py); the "
                               "shards were written by another syngrasp version: finalize them with that version, or "
                               "regenerate them")
        if [kind, list(shape)] != [want["dtype"], want["shape"]]:
            raise DatasetError(f"{frames_dir}: column '{name}' is {kind} {list(shape)} but the schema declares "
                               f"{want['dtype']} {want['shape']}; regenerate the shards with this version")
        out[name] = want
    return out
