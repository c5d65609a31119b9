"""Packing consecutive shards into LeRobot's data files, and the output files' content keys.

``Packer`` groups consecutive shards greedily into files of at most a size limit (at least one shard
each); every group has a content key (which shards, numbered how), and ``OutputFiles`` rewrites a
file only when its key changed, so a finalize after more shards complete touches only what changed.
``DataFiles`` writes ``data/chunk-c/file-f.parquet``: the shards' frames with LeRobot's numbering
columns, streamed in row groups of ``ROW_GROUP_ROWS`` frames (memory: one row group, not one file).
"""

from __future__ import annotations

import hashlib
import os
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ....core.atomic import atomic_output
from ....core.errors import DatasetError
from .layout import DATA_PATH, EPISODE_INDEX, INDEX, SOURCE_EPISODE_INDEX, TASK_INDEX, file_path, reading, staging_rel
from .robot import without_shard_meta

ROW_GROUP_ROWS = 65_536  # frames per row group of a packed data file


def atomic_parquet(table: pa.Table, path: str) -> None:
    with atomic_output(path) as tmp:
        pq.write_table(table, tmp)


class OutputFiles:
    """The packed output files of one finalize and their content keys; ``previous``: the keys of the
    files an earlier finalize wrote (State.keys)."""

    def __init__(self, out_dir: str, previous: dict[str, str]):
        self.out_dir, self.previous = out_dir, previous
        self.keys: dict[str, str] = {}
        self.written: list[str] = []

    def write(self, rel: str, key: str, write: Callable[[str], None]) -> None:
        """Record ``rel``'s content ``key``; call ``write(path)`` unless the file exists with that key."""
        self.keys[rel] = key
        if self.previous.get(rel) == key and os.path.isfile(os.path.join(self.out_dir, rel)):
            return
        write(os.path.join(self.out_dir, rel))
        self.written.append(rel)

    def remove_stale(self) -> None:
        """Delete files an earlier finalize wrote that this one does not (fewer files now)."""
        for rel in set(self.previous) - set(self.keys):
            path = os.path.join(self.out_dir, rel)
            if os.path.isfile(path):
                os.unlink(path)


class Group:
    """Consecutive shards bound for one output file, with the key of its content."""

    def __init__(self, number: int):
        self.number = number
        self.parts: list[tuple] = []
        self.bytes = 0
        self.frames = 0  # frames of the parts added so far (videos: where the next part starts)
        self.hash = hashlib.sha256()

    def add(self, part: tuple, nbytes: int, key_text: str, frames: int = 0) -> None:
        self.parts.append(part)
        self.bytes += nbytes
        self.frames += frames
        self.hash.update(key_text.encode())


class Packer:
    """Greedy packing of consecutive shards into files of at most ``limit`` bytes (at least one shard
    each); ``flush(group)`` writes a complete group."""

    def __init__(self, limit: float, flush: Callable[[Group], None]):
        self.limit, self.flush = limit, flush
        self.group: Group | None = None
        self.count = 0

    def add(self, part: tuple, nbytes: int, key_text: str, frames: int = 0) -> int:
        """Add a shard's part; returns the number of the file it goes to."""
        if self.group is not None and self.group.parts and self.group.bytes + nbytes > self.limit:
            self.close()
        if self.group is None:
            self.group = Group(self.count)
            self.count += 1
        self.group.add(part, nbytes, key_text, frames)
        return self.group.number

    def close(self) -> None:
        if self.group is not None and self.group.parts:
            self.flush(self.group)
        self.group = None


class DataFiles:
    """Packs shards' frames files into data files of up to ``limit`` bytes (see the module docstring)."""

    def __init__(self, out_dir: str, files: OutputFiles, limit: float):
        self.out_dir, self.files = out_dir, files
        self.packer = Packer(limit, self._flush)

    def add(self, k: int, first_ep: int, first_index: int, lengths: np.ndarray, task_ids: np.ndarray) -> int:
        """Shard ``k``'s frames, numbered from ``first_ep`` / ``first_index``; returns its data file number."""
        path = os.path.join(self.out_dir, staging_rel("frames", k))
        with reading(path, k):
            size = os.path.getsize(path)
        return self.packer.add((k, first_ep, first_index, lengths, task_ids), size,
                               f"{k}:{first_ep}:{first_index}:{task_ids.tolist()};")

    def close(self) -> None:
        self.packer.close()

    def _flush(self, group: Group) -> None:
        self.files.write(file_path(DATA_PATH, group.number), group.hash.hexdigest(),
                         lambda path: self._write(group.parts, path))

    def _write(self, parts: list[tuple], path: str) -> None:
        with atomic_output(path) as tmp:
            writer, buf, rows = None, [], 0
            for k, first_ep, first_index, lengths, task_ids in parts:
                t = self._numbered(k, first_ep, first_index, lengths, task_ids)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, t.schema)
                elif t.schema != writer.schema:
                    raise DatasetError(
                        f"{os.path.join(self.out_dir, staging_rel('frames', k))}: its columns differ from earlier "
                        f"shards' ({_difference(writer.schema, t.schema)}); the shards were written with different run "
                        "configs (observations, writer.action): finalize only shards of one run, or regenerate the odd ones")
                buf.append(t)
                rows += t.num_rows
                if len(buf) >= 256:  # fold small tables together: per-table overhead would dominate
                    buf = [pa.concat_tables(buf).combine_chunks()]
                if rows >= ROW_GROUP_ROWS:
                    writer.write_table(pa.concat_tables(buf), row_group_size=rows)
                    buf, rows = [], 0
            if buf:
                writer.write_table(pa.concat_tables(buf), row_group_size=rows)
            writer.close()

    def _numbered(self, k: int, first_ep: int, first_index: int, lengths: np.ndarray, task_ids: np.ndarray) -> pa.Table:
        """Shard ``k``'s frames with LeRobot's episode_index, index and task_index columns."""
        path = os.path.join(self.out_dir, staging_rel("frames", k))
        with reading(path, k):
            t = without_shard_meta(pq.read_table(path)).drop_columns([SOURCE_EPISODE_INDEX])
        t = t.append_column(EPISODE_INDEX, pa.array(np.repeat(np.arange(first_ep, first_ep + len(lengths)), lengths).astype(np.int64)))
        t = t.append_column(INDEX, pa.array(np.arange(first_index, first_index + int(sum(lengths)), dtype=np.int64)))
        return t.append_column(TASK_INDEX, pa.array(np.repeat(task_ids, lengths).astype(np.int64)))


def _difference(before: pa.Schema, now: pa.Schema) -> str:
    """What differs between two shards' data columns, in words."""
    missing = [n for n in before.names if n not in now.names]
    extra = [n for n in now.names if n not in before.names]
    retyped = [n for n in now.names if n in before.names and now.field(n).type != before.field(n).type]
    parts = [f"{what}: {', '.join(names)}" for what, names in (("missing", missing), ("extra", extra),
                                                                ("other types", retyped)) if names]
    return "; ".join(parts) or "column order"
