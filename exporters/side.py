"""The syngrasp side table of a finalized LeRobot dataset.

``meta/syngrasp/episodes/chunk-c/file-f.parquet``: one row per dense ``episode_index``
(50,000 per file) with every column of the shards' episodes tables that meta/episodes has not.
Its per-episode columns are generated from the episode schema (core/schema): one per meta key
with a ``side`` column (success, failure reason, grasp, scene JSON, language, ...) and, per
camera, its calibration (``CAMERA_KEYS``) and image size; the writer adds its own bookkeeping
(shard index, length, video timestamps).
"""

from __future__ import annotations

import glob
import os
from typing import Any, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..core import schema

SIDE_GLOB = "meta/syngrasp/episodes/chunk-*/file-*.parquet"
CAMERA_HEIGHT = "camera.{cam}.height"  # [px] of the camera's images
CAMERA_WIDTH = "camera.{cam}.width"


def side_column(key: str) -> str:
    """The side-table column of meta key ``key`` (core/schema META); a KeyError when it has none."""
    col = schema.meta_key(key).side
    if not col:
        raise KeyError(f"meta key {key!r} has no side-table column (core/schema META)")
    return col


def side_columns(episodes: Sequence[Any]) -> dict[str, list]:
    """The schema-declared side-table columns of ``episodes`` (Episodes of one layout), in order: every
    meta key with a side column (``schema.side_values``; empty lists for no episodes), then per camera its
    flattened calibration, image height and width [px]."""
    cols: dict[str, list] = {m.side: [] for m in schema.META if m.side}  # every column, also of no episodes
    for e in episodes:
        for k, v in schema.side_values(e.meta).items():
            cols.setdefault(k, []).append(v)
    for cam in episodes[0].camera_names if episodes else ():
        for ck in schema.CAMERA_KEYS:
            cols[ck.side.format(cam=cam)] = [np.asarray(e.cameras[cam][ck.name]).reshape(-1).tolist() for e in episodes]
        cols[CAMERA_HEIGHT.format(cam=cam)] = [int(e.frames[schema.image_key(cam)].shape[1]) for e in episodes]
        cols[CAMERA_WIDTH.format(cam=cam)] = [int(e.frames[schema.image_key(cam)].shape[2]) for e in episodes]
    return cols


def side_paths(out_dir: str) -> list[str]:
    """The side files of ``out_dir``, in episode order."""
    return sorted(glob.glob(os.path.join(out_dir, SIDE_GLOB)))


def read_side_table(out_dir: str, columns: list[str] | None = None, max_files: int | None = None) -> pa.Table:
    """The side table concatenated over its files in order; ``max_files`` reads only the first
    ones (50,000 episodes each). An empty table when the dataset has none."""
    tabs = [pq.read_table(p, columns=columns) for p in side_paths(out_dir)[:max_files]]
    return pa.concat_tables(tabs, promote_options="default") if tabs else pa.table({})
