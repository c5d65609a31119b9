"""Dense episode numbering and the per-episode metadata files.

Episodes are numbered 0..E-1 in shard order, then generation order; frames 0..F-1 likewise; each
distinct instruction is a task. Per 50,000 episodes:

    meta/episodes/chunk-c/file-f.parquet           LeRobot's rows: episode_index, tasks, length, data
                                                   file and frame range, per video its file and
                                                   timestamps, every ``a/b``-named column of the shard's
                                                   episodes table (``stats/<feature>/<stat>``, the declared
                                                   ``syngrasp/<key>`` columns), meta/episodes file index
    meta/syngrasp/episodes/chunk-c/file-f.parquet  side files: the shards' episodes-table columns without
                                                   ``a/b`` names, plus the dense ``episode_index``
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ....core import schema
from ...side import side_column
from .layout import (CHUNKS_SIZE, DATASET_FROM_INDEX, DATASET_TO_INDEX, EPISODE_INDEX, EPISODES_PATH,
                     EPISODES_PER_META_FILE, FILE_COLUMNS, INDEX, LENGTH, NUMBERING, SIDE_PATH, TASK_INDEX, TASKS,
                     VIDEO_SPAN, file_path, reading, staging_rel)
from .packing import OutputFiles, atomic_parquet
from .stats import Moments


@dataclasses.dataclass
class ShardEpisodes:
    """What finalize needs of one shard's episodes table: frames per episode, instructions, fps and every
    ``a/b``-named column (carried into meta/episodes)."""

    index: int
    lengths: np.ndarray
    instructions: list[str]
    fps: float
    extra: dict[str, list]

    @property
    def total(self) -> int:
        return int(self.lengths.sum())

    @classmethod
    def read(cls, out_dir: str, k: int) -> "ShardEpisodes | None":
        """Shard ``k``'s episodes, None when it has none."""
        path = os.path.join(out_dir, staging_rel("episodes", k))
        with reading(path, k):
            eps = pq.read_table(path)
            if eps.num_rows == 0:
                return None
            return cls(k, np.asarray(eps[LENGTH].to_pylist(), np.int64), eps[side_column(schema.INSTRUCTION)].to_pylist(),
                       float(eps[side_column(schema.FPS)][0].as_py()), {c: eps[c].to_pylist() for c in eps.column_names if "/" in c})


def _file_columns(kind: str, n: int) -> dict[str, int]:
    """LeRobot's chunk and file index columns of file ``n`` of ``kind`` (data, videos/<key>, meta/episodes)."""
    chunk, file = (c.format(kind=kind) for c in FILE_COLUMNS)
    return {chunk: n // CHUNKS_SIZE, file: n % CHUNKS_SIZE}


class Numbering:
    """Dense numbering of episodes, frames and tasks over the shards, in order, with the statistics of the
    numbered columns (episode_index, index, task_index)."""

    def __init__(self):
        self.tasks: dict[str, int] = {}  # instruction -> task_index
        self.episodes = 0
        self.frames = 0
        self.fps: float | None = None
        self.moments = {n: Moments(1) for n in NUMBERING}

    def add(self, shard: ShardEpisodes) -> tuple[int, int, np.ndarray]:
        """Number ``shard``'s episodes: (first episode_index, first index, task_index per episode)."""
        task_ids = np.asarray([self.tasks.setdefault(t, len(self.tasks)) for t in shard.instructions], np.int64)
        first_ep, first_index, total = self.episodes, self.frames, shard.total
        self.moments[EPISODE_INDEX].add(np.repeat(np.arange(first_ep, first_ep + len(shard.lengths)), shard.lengths)[:, None])
        self.moments[INDEX].add(np.arange(first_index, first_index + total)[:, None])
        self.moments[TASK_INDEX].add(np.repeat(task_ids, shard.lengths)[:, None])
        self.episodes += len(shard.lengths)
        self.frames += total
        self.fps = shard.fps
        return first_ep, first_index, task_ids


class EpisodeFiles:
    """Collects meta/episodes rows in episode order and writes each 50,000-episode file and its side file
    when complete (through ``files``: unchanged content is not rewritten)."""

    def __init__(self, out_dir: str, files: OutputFiles):
        self.out_dir, self.files = out_dir, files
        self.rows: list[dict] = []
        self.side_parts: list[tuple[int, int]] = []  # (shard, its first episode) of the current file
        self.side_hash = hashlib.sha256()

    def add(self, shard: ShardEpisodes, first_ep: int, first_index: int, data_file: int,
            videos: dict[str, tuple[int, float]]) -> None:
        """Rows of ``shard``'s episodes, numbered from ``first_ep`` / ``first_index``; ``data_file``: the data
        file number; ``videos``: video key -> (file number, the shard's start in that file [s])."""
        starts = np.concatenate([[0], np.cumsum(shard.lengths)[:-1]])
        for i, length in enumerate(shard.lengths.tolist()):
            e = first_ep + i
            if self.rows and e // EPISODES_PER_META_FILE != self.rows[0][EPISODE_INDEX] // EPISODES_PER_META_FILE:
                self.close()
            row = {
                EPISODE_INDEX: e,
                TASKS: [shard.instructions[i]],
                LENGTH: int(length),
                **_file_columns("data", data_file),
                DATASET_FROM_INDEX: int(first_index + starts[i]),
                DATASET_TO_INDEX: int(first_index + starts[i] + length),
            }
            for key, (number, from_s) in videos.items():
                t0 = from_s + float(starts[i]) / shard.fps
                row.update(_file_columns(f"videos/{key}", number))
                row[VIDEO_SPAN[0].format(key=key)] = t0
                row[VIDEO_SPAN[1].format(key=key)] = t0 + length / shard.fps
            for c, values in shard.extra.items():
                row[c] = values[i]
            row.update(_file_columns("meta/episodes", e // EPISODES_PER_META_FILE))
            self.rows.append(row)
            if not self.side_parts or self.side_parts[-1][0] != shard.index:
                self.side_parts.append((shard.index, e))
                self.side_hash.update(f"{shard.index}:{e};".encode())

    def close(self) -> None:
        """Write the current file and its side file."""
        if not self.rows:
            return
        m = self.rows[0][EPISODE_INDEX] // EPISODES_PER_META_FILE
        rows, parts = self.rows, self.side_parts
        key = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()
        self.files.write(file_path(EPISODES_PATH, m), key, lambda p: atomic_parquet(pa.Table.from_pylist(rows), p))
        self.files.write(file_path(SIDE_PATH, m), self.side_hash.hexdigest(), lambda p: self._write_side(parts, p))
        self.rows, self.side_parts, self.side_hash = [], [], hashlib.sha256()

    def _write_side(self, parts: list[tuple[int, int]], path: str) -> None:
        tabs = []
        for k, first in parts:
            src = os.path.join(self.out_dir, staging_rel("episodes", k))
            with reading(src, k):
                t = pq.read_table(src)
            t = t.select([c for c in t.column_names if "/" not in c])  # a/b columns are in meta/episodes
            tabs.append(t.append_column(EPISODE_INDEX, pa.array(np.arange(first, first + t.num_rows, dtype=np.int64))))
            if len(tabs) >= 512:  # fold small tables together: per-table overhead, not rows, would dominate
                tabs = [pa.concat_tables(tabs, promote_options="default").combine_chunks()]
        atomic_parquet(pa.concat_tables(tabs, promote_options="default"), path)
