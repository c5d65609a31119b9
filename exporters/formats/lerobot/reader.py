"""Reads a LeRobot shard's staging files (writer.py) back as Episodes.

Exact: every data column (state, actions, poses, boxes, phases, segmentation, point clouds,
moving-camera extrinsics), the cameras' calibration and the side-table meta keys. Lossy: RGB
images and depth come back decoded from their videos (depth at the 12-bit log quantisation of
exporters/observations.py); ``subtasks`` is rebuilt from the subtask rows of the language column
(``""`` for a phase the episode never entered) and ``task_aug`` from its task_aug rows.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ....core import layout, schema
from ....core.episode import PHASE_KEY, Episode, depth_key, image_key
from ....core.errors import DatasetError
from ...actions import from_output
from ...observations import decode_depth_video, dequantize_depth, nested_to_numpy
from ...video import decode_video
from ...lerobot_language import SUBTASK_STYLE, TASK_AUG_STYLE
from .layout import FRAME_INDEX, LENGTH, SOURCE_EPISODE_INDEX, TIMESTAMP, staging_rel, video_rel
from .robot import shard_meta
from .tables import DEFINITION, camera_columns, table_cameras

_NOT_FRAMES = {SOURCE_EPISODE_INDEX, FRAME_INDEX, TIMESTAMP, *schema.LANGUAGE_KEYS}


class LeRobotReader:
    """Reads staged shards (``syngrasp/`` of a LeRobot dataset folder); see the module docstring."""

    def shard_indices(self, root: str) -> list[int]:
        """Shards whose episodes table (published last, so the shard is complete) is in ``root``; each
        shard's tables are opened first, so a damaged one raises DatasetError before anything is read."""
        folder = os.path.dirname(os.path.join(root, staging_rel("episodes", 0)))
        names = os.listdir(folder) if os.path.isdir(folder) else []
        found = sorted(k for n in names if (k := layout.shard_index(n)) is not None
                       and n == os.path.basename(staging_rel("episodes", k)))
        for k in found:
            for kind in ("episodes", "frames"):
                path = os.path.join(root, staging_rel(kind, k))
                try:
                    pq.read_schema(path)
                except (OSError, pa.ArrowException) as e:
                    raise DatasetError(f"{path}: not a readable Parquet file ({type(e).__name__}: {e}); "
                                       "regenerate the shard") from e
        return found

    def read_shard(self, root: str, shard_index: int) -> list[Episode]:
        eps = pq.read_table(os.path.join(root, staging_rel("episodes", shard_index))).to_pylist()
        if not eps:
            return []
        table = pq.read_table(os.path.join(root, staging_rel("frames", shard_index)))
        record = shard_meta(table.schema) or {}
        mode = _action_mode(table.schema)
        columns = {n: nested_to_numpy(table[n]) for n in table.column_names if n not in _NOT_FRAMES}
        for name, arr in columns.items():  # flattened matrices (moving-camera extrinsics) back to their shape
            m = schema.match(name)
            if m is not None and m[0].lerobot_flat:
                columns[name] = arr.reshape(len(arr), *m[0].shape(schema.Dims(0)))
        cams = table_cameras(eps[0])
        videos = {}
        for cam in cams:
            videos[image_key(cam)] = decode_video(os.path.join(root, video_rel(image_key(cam), shard_index)))[0]
            depth = os.path.join(root, video_rel(depth_key(cam), shard_index))
            if os.path.isfile(depth):
                videos[depth_key(cam)] = dequantize_depth(decode_depth_video(depth)[0]).astype(np.float32)
        persistent = table[schema.LANGUAGE_PERSISTENT].to_pylist() if schema.LANGUAGE_PERSISTENT in table.column_names \
            else None
        out, start = [], 0
        for row in eps:
            stop = start + int(row[LENGTH])
            frames = {k: v[start:stop] for k, v in (*columns.items(), *videos.items())}
            cameras = {c: {ck.name: np.reshape(row[camera_columns(c)[ck.name]], ck.shape) for ck in schema.CAMERA_KEYS}
                       for c in cams}
            meta = _meta(row, record)
            if persistent is not None and stop > start:
                meta.update(_language(persistent[start], meta, frames.get(PHASE_KEY)))
            out.append(Episode(from_output(frames, mode), cameras, meta))
            start = stop
        return out


def _action_mode(table_schema: pa.Schema) -> str:
    """The action definition the written ``action`` column holds (its field metadata; ee_delta when absent)."""
    default = next(iter(schema.ACTION_SOURCE))
    written = schema.output_name(schema.ACTION_SOURCE[default], default)
    if written not in table_schema.names:
        return default
    return (table_schema.field(written).metadata or {}).get(DEFINITION.encode(), default.encode()).decode()


def _meta(row: dict, record: dict) -> dict:
    """Episode.meta of one episodes-table row: every meta key with a side column (core/schema META), as its
    declared type and shape (keys an older shard lacks, or optional text keys left empty, are omitted)."""
    meta = {}
    for m in schema.META:
        value = row.get(m.side) if m.side else None
        if value is None or (not m.required and m.type in ("str", "json") and value == ""):
            continue
        value = schema.coerce(m, value)
        meta[m.name] = value.reshape(m.shape) if m.type == "array" else value
    for c in schema.EPISODE_COLUMNS:  # object_*: declared columns with no side-table twin
        if c.meta_key not in meta and row.get(c.name) is not None:
            meta[c.meta_key] = np.asarray(row[c.name], np.float64) if c.length else row[c.name]
    if record.get(schema.SCHEMA_VERSION_KEY):
        meta[schema.SCHEMA_VERSION_KEY] = record[schema.SCHEMA_VERSION_KEY]
    return meta


def _language(rows: list[dict], meta: dict, phase) -> dict:
    """``subtasks`` (one text per phase name) and ``task_aug`` of an episode from its persistent language rows."""
    out = {}
    aug = [r["content"] for r in rows if r["style"] == TASK_AUG_STYLE and r["content"] != meta.get(schema.INSTRUCTION)]
    if aug:
        out[schema.TASK_AUG] = json.dumps(aug)
    subtask_rows = [r for r in rows if r["style"] == SUBTASK_STYLE]
    if subtask_rows and phase is not None and meta.get(schema.PHASE_NAMES_KEY):
        texts = [""] * len(json.loads(meta[schema.PHASE_NAMES_KEY]))
        times = np.arange(len(phase)) / float(meta[schema.FPS])
        for r in subtask_rows:
            p = int(phase[int(np.argmin(np.abs(times - r["timestamp"])))])
            if 0 <= p < len(texts):
                texts[p] = r["content"]
        out[schema.SUBTASKS] = json.dumps(texts)
    return out
