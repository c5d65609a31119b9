"""One shard's staging tables: per-frame columns (``frames_table``) and per-episode rows (``episodes_table``).

Frame columns are every Episode key that is not stored as a video (core/schema.py declares each),
under its written name (exporters/actions.py), then LeRobot's language columns
(lerobot_language.py). Episode rows are the side-table columns (exporters/side.py, generated
from the schema's META and CAMERA_KEYS), the declared ``syngrasp/<key>`` columns (core/schema.py EPISODE_COLUMNS) and LeRobot's
per-episode ``stats/<feature>/<stat>`` columns; finalize carries every ``a/b``-named column into
meta/episodes and the rest into the side files.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from ....core import schema
from ....core.episode import Episode, depth_key, image_key
from ...actions import output_keys, to_output
from ...lerobot_language import language_columns
from ...observations import EXTRINSICS_PREFIX, SEGMENTATION_PREFIX, depth_histogram, nested_column
from ...side import CAMERA_HEIGHT, CAMERA_WIDTH, side_column, side_columns
from .layout import FRAME_INDEX, LENGTH, SOURCE_EPISODE_INDEX, TIMESTAMP, VIDEO_FROM_TIMESTAMP
from .stats import image_stats, pixel_histogram, stats_columns, vector_stats

HEIGHT, WIDTH, FROM_TIMESTAMP = "height", "width", "from_timestamp"  # camera_columns' names
DEFINITION = "definition"  # field metadata of the action columns: the action definition they hold


def stored_as_video(key: str) -> bool:
    """True for the Episode keys LeRobot stores as videos (``schema.VIDEO_STORAGE``: RGB, depth), not as data columns."""
    return schema.storage_of(key) in schema.VIDEO_STORAGE


def camera_columns(cam: str) -> dict[str, str]:
    """Side-table columns of camera ``cam``, by name: each declared calibration entry (``schema.CAMERA_KEYS``:
    intrinsics (9,), extrinsics (16,) row-major), its image ``height`` and ``width`` [px] (exporters/side.py), and
    ``from_timestamp``, where its episode starts in the shard's staged video [s] (layout.py)."""
    cols = {ck.name: ck.side.format(cam=cam) for ck in schema.CAMERA_KEYS}
    cols.update({HEIGHT: CAMERA_HEIGHT.format(cam=cam), WIDTH: CAMERA_WIDTH.format(cam=cam),
                 FROM_TIMESTAMP: VIDEO_FROM_TIMESTAMP.format(cam=cam)})
    return cols


def table_cameras(column_names) -> list[str]:
    """Cameras of an episodes table: those with an intrinsics column, sorted."""
    pre, suf = camera_columns("\0")[schema.INTRINSICS].split("\0")
    return sorted(n[len(pre):-len(suf)] for n in column_names if n.startswith(pre) and n.endswith(suf))


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
    """Per-frame columns of a shard, episodes in order; ``action`` is writer.action.

    The action columns carry their definition (``ee_delta`` or ``joint``) as field metadata
    ``definition``; finalize declares them from it. ``language_persistent`` and ``language_events``
    (lerobot_language.py) come last."""
    def per_episode(fn) -> np.ndarray:
        return np.concatenate([fn(e) for e in episodes]) if episodes else np.zeros(0, np.int64)

    cols: dict[str, Any] = {
        SOURCE_EPISODE_INDEX: pa.array(per_episode(lambda e: np.full(e.num_frames, e.meta[schema.EPISODE_INDEX], np.int64))),
        FRAME_INDEX: pa.array(per_episode(lambda e: np.arange(e.num_frames, dtype=np.int64))),
    }
    if episodes:
        fps = float(episodes[0].meta[schema.FPS])
        cols[TIMESTAMP] = pa.array((cols[FRAME_INDEX].to_numpy() / fps).astype(np.float32))
        out = [to_output(e.frames, action) for e in episodes]
        for key in sorted(out[0]):
            if stored_as_video(key):
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
    fields = [pa.field(k, v.type, metadata={DEFINITION: defs[k]} if k in defs else None) for k, v in cols.items()]
    return pa.Table.from_arrays(list(cols.values()), schema=pa.schema(fields))


def has_episode_stats(frames: pa.Table, name: str) -> bool:
    """Whether column ``name`` of a frames table gets per-episode stats: not the staging index, not per-pixel
    ids or point clouds (nested lists; LeRobot keeps none for them), not text (language columns)."""
    col_type = frames.schema.field(name).type
    nested = pa.types.is_fixed_size_list(col_type) and pa.types.is_fixed_size_list(col_type.value_type)
    return name != SOURCE_EPISODE_INDEX and not nested and name not in schema.LANGUAGE_KEYS


def episode_stats_columns(frames: pa.Table, lengths: list[int], hists: dict[str, list[np.ndarray]]) -> dict[str, list]:
    """LeRobot's per-episode ``stats/<feature>/<stat>`` columns, one cell per episode.

    ``frames``: the shard's frames_table; ``lengths``: frames per episode, in order; ``hists``:
    image key -> per-episode (3, 256) pixel histograms. Every low-dimensional feature plus
    ``timestamp`` and ``frame_index`` (``episode_index``, ``index`` and ``task_index`` are
    numbered at finalize and have none)."""
    cols: dict[str, list] = {}
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(int)
    for name in frames.column_names:
        if not has_episode_stats(frames, name):
            continue
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


_SCALAR_TYPES = {"int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_(), "string": pa.string()}


def episode_column_type(column: schema.EpisodeColumn) -> pa.DataType:
    """Arrow type of a declared meta/episodes column: the scalar type, or list<scalar> for list columns."""
    t = _SCALAR_TYPES[column.dtype]
    return pa.list_(t) if column.length else t


def episodes_table(episodes: list[Episode], shard_index: int, from_ts: dict[str, list[float]],
                   stats: dict[str, list] | None = None) -> pa.Table:
    """Per-episode rows of a shard: the schema's side-table columns (exporters/side.py ``side_columns``:
    generation index, ``shard_index`` (this shard), ``length``, every meta key with a side column, then per
    camera its calibration, image size and ``from_timestamp``; ``from_ts``: camera -> each episode's start in
    the staged video [s]), the declared ``syngrasp/<key>`` columns (typed as declared; null where an older
    episode lacks the key) and ``stats`` (episode_stats_columns).

    The phases' subtask texts and the instruction's paraphrases are not here: they are in the
    ``language_persistent`` column of the frames."""
    side = side_columns(episodes)
    shard_col = side_column(schema.SHARD_INDEX)
    side[shard_col] = [shard_index] * len(episodes)
    rows: dict[str, Any] = {SOURCE_EPISODE_INDEX: side.pop(SOURCE_EPISODE_INDEX, []), shard_col: side.pop(shard_col),
                            LENGTH: [e.num_frames for e in episodes]}
    cams = episodes[0].camera_names if episodes else ()
    per_camera = {c for cam in cams for c in camera_columns(cam).values()}
    rows.update({k: v for k, v in side.items() if k not in per_camera})
    for cam in cams:
        cols = camera_columns(cam)
        rows.update({c: side[c] for c in cols.values() if c in side})
        rows[cols[FROM_TIMESTAMP]] = list(from_ts[cam])
    declared = [schema.episode_column_values(e.meta) for e in episodes]
    for c in schema.EPISODE_COLUMNS:
        rows[c.name] = pa.array([d[c.name] for d in declared], episode_column_type(c))
    rows.update(stats or {})
    return pa.table(rows)


def episode_histograms(episodes: list[Episode]) -> dict[str, list[np.ndarray]]:
    """Image key -> one (3, 256) pixel histogram per episode."""
    cams = episodes[0].camera_names if episodes else ()
    return {image_key(c): [pixel_histogram(e.frames[image_key(c)]) for e in episodes] for c in cams}


def depth_cameras(episodes: list[Episode]) -> tuple[str, ...]:
    """Cameras whose depth the episodes carry."""
    return tuple(c for c in (episodes[0].camera_names if episodes else ()) if depth_key(c) in episodes[0].frames)


def shard_histograms(episodes: list[Episode], hists: dict[str, list[np.ndarray]] | None = None) -> dict:
    """The shard's stats file: per depth camera, frame count and a (4096,) histogram of depth codes
    (``depth_hist``); per segmentation key, frame count and pixel counts per instance id (``id_counts``);
    per camera, frame count and a (3, 256) histogram of pixel values (``hist``; exact stats after merging).
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
