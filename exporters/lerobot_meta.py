"""Finalize a LeRobot v3.0 dataset from the shards on disk: streaming, packed and incremental.

Complete shards are walked once in index order. Episodes are numbered densely
(0..E-1) in shard order, then generation order; the generation index stays in
the side files. Consecutive shards are packed:

    data/chunk-c/file-f.parquet          frames of consecutive shards, up to ``data_files_size_in_mb``
    videos/<key>/chunk-c/file-f.mp4      their videos, remuxed (packets copied, never re-encoded),
                                         up to ``video_files_size_in_mb``; an episode never straddles
                                         two files, a file holds many shards
    meta/episodes/chunk-c/file-f.parquet 50,000 episodes per file: data/video file, frame range and
                                         timestamps, plus every ``a/b``-named column of the shard's
                                         episodes table: per-episode ``stats/<feature>/<stat>`` and the
                                         declared ``syngrasp/<key>`` columns (seed, object, grasp, ...)
    meta/syngrasp/episodes/chunk-c/file-f.parquet   side files, same 50,000-episode split: the columns
                                         of the shards' episodes tables that meta/episodes has not (no
                                         ``a/b`` names): success, failure reason, grasp, scene, cameras,
                                         phase names, ... plus the dense ``episode_index``
    meta/tasks.parquet                   instruction -> task_index
    meta/stats.json                      min/max/mean/std/count and q01/q10/q50/q90/q99 per feature
    meta/info.json                       written last

Memory: one output file's worth of input (a data file's frames, or a video's packets, streamed) plus
merged statistics of fixed size; nothing grows with the number of shards.

Statistics merge per shard: count, mean and M2 (Chan et al.), min, max, and a histogram of every value
over the 65,536 bfloat16 bins (relative resolution 2^-8), from which quantiles are read (bin centres).
Image features merge per-shard (3, 256) colour histograms. The merged state is kept in
``meta/syngrasp/finalize_state.*``; a later finalize over a superset of shards adds only the new
shards, and every output file whose content key (its shards and numbering) is unchanged is not
rewritten, so finalizing after more shards complete touches only what changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..core import schema
from ..core.atomic import atomic_output, atomic_write_text
from .card import write_card
from .lerobot import CHUNKS_SIZE, staging_rel, video_rel
from .observations import DEPTH_PREFIX, SEGMENTATION_PREFIX, depth_stats, depth_video_info, nested_to_numpy

CODEBASE_VERSION = "v3.0"
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
EPISODES_PER_META_FILE = 50_000
QUANTILES = (0.01, 0.10, 0.50, 0.90, 0.99)
STATE_JSON = "meta/syngrasp/finalize_state.json"
STATE_NPZ = "meta/syngrasp/finalize_state.npz"
STATE_VERSION = 3  # 3: language columns recorded in shapes
ROW_GROUP_ROWS = 65_536  # frames per row group of a packed data file

# Names of the robot-independent keys (declared in core/schema.py); the robot-shaped ones
# (observation.state, action.joint) come from the robot spec through finalize_lerobot's ``feature_names``.
FEATURE_NAMES = {k.pattern: list(k.names) for k in schema.FRAME_KEYS if k.names is not None}
INDEX_FEATURES = {
    "timestamp": "float32",
    "frame_index": "int64",
    "episode_index": "int64",
    "index": "int64",
    "task_index": "int64",
}
NUMBERING = ("episode_index", "index", "task_index")  # depend on the dense numbering: recomputed each time


def _atomic_parquet(table: pa.Table, path: str) -> None:
    with atomic_output(path) as tmp:
        pq.write_table(table, tmp)


def _atomic_json(obj, path: str) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2))


def file_path(template: str, n: int, **kw) -> str:
    return template.format(chunk_index=n // CHUNKS_SIZE, file_index=n % CHUNKS_SIZE, **kw)


# ---- mergeable statistics ---------------------------------------------------------------------
def bf16_key(x: np.ndarray) -> np.ndarray:
    """Order-preserving 16-bit bin of each float (its bfloat16 truncation); NaNs are dropped by callers."""
    bits = (np.ascontiguousarray(x, np.float32).view(np.uint32) >> 16).astype(np.uint32)
    neg = (bits & 0x8000) != 0
    return np.where(neg, 0xFFFF - bits, bits | 0x8000).astype(np.int64)


def bf16_centre(key: np.ndarray) -> np.ndarray:
    """Value at the centre of bins ``key`` (inverse of bf16_key, plus half a bin)."""
    key = np.asarray(key, np.int64)
    bits = np.where(key >= 0x8000, key & 0x7FFF, 0xFFFF - key).astype(np.uint32)
    return ((bits << 16) | 0x8000).view(np.float32).astype(np.float64)


class Moments:
    """Per-dimension count, mean, M2, min, max and bfloat16 histogram of (N, D) values, mergeable."""

    def __init__(self, dim: int):
        self.n = 0
        self.mean = np.zeros(dim)
        self.m2 = np.zeros(dim)
        self.min = np.full(dim, np.inf)
        self.max = np.full(dim, -np.inf)
        self.hist = np.zeros((dim, 1 << 16), np.int64)

    def add(self, x: np.ndarray) -> None:
        x = np.asarray(x, np.float64).reshape(len(x), -1)
        if not len(x):
            return
        n2, mean2 = len(x), x.mean(0)
        m2 = ((x - mean2) ** 2).sum(0)
        n = self.n + n2
        delta = mean2 - self.mean
        self.mean = self.mean + delta * n2 / n
        self.m2 = self.m2 + m2 + delta**2 * self.n * n2 / n
        self.n = n
        self.min = np.minimum(self.min, x.min(0))
        self.max = np.maximum(self.max, x.max(0))
        keys = bf16_key(x.astype(np.float32)) + (np.arange(x.shape[1]) << 16)
        idx, counts = np.unique(keys.reshape(-1), return_counts=True)
        self.hist.reshape(-1)[idx] += counts

    def stats(self) -> dict:
        if not self.n:
            return {}
        out = {"min": self.min.tolist(), "max": self.max.tolist(), "mean": self.mean.tolist(),
               "std": np.sqrt(self.m2 / self.n).tolist(), "count": [int(self.n)]}
        cdf = np.cumsum(self.hist, 1)
        for q in QUANTILES:
            keys = [int(np.searchsorted(row, q * self.n)) for row in cdf]
            vals = np.clip(bf16_centre(np.asarray(keys)), self.min, self.max)
            out[f"q{int(round(q * 100)):02d}"] = vals.tolist()
        return out

    def to_arrays(self, name: str) -> dict:
        return {f"{name}|n": np.asarray([self.n]), f"{name}|mean": self.mean, f"{name}|m2": self.m2,
                f"{name}|min": self.min, f"{name}|max": self.max, f"{name}|hist": self.hist}

    @classmethod
    def from_arrays(cls, name: str, arrs) -> "Moments":
        m = cls(len(arrs[f"{name}|mean"]))
        m.n = int(arrs[f"{name}|n"][0])
        m.mean, m.m2 = arrs[f"{name}|mean"], arrs[f"{name}|m2"]
        m.min, m.max, m.hist = arrs[f"{name}|min"], arrs[f"{name}|max"], arrs[f"{name}|hist"].astype(np.int64)
        return m


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


class State:
    """What an earlier finalize merged and wrote: included shards, statistics, output-file keys."""

    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        self.included = np.zeros(0, bool)  # included[k]: shard k is merged into the statistics
        self.low: dict[str, Moments] = {}
        self.img: dict[str, list] = {}  # key -> [hist (3, 256), frames]
        self.depth: dict[str, list] = {}  # depth key -> [code hist (4096,), frames]
        self.ids: dict[str, list] = {}  # segmentation key -> [pixel count per id, frames]
        self.shapes: dict[str, list] = {}  # frame column -> [dtype, per-frame shape]
        self.defs: dict[str, str] = {}  # written action key -> definition it holds (ee_delta, joint)
        self.keys: dict[str, str] = {}  # output rel path -> content key
        self._load()

    def _load(self) -> None:
        jp, npz = os.path.join(self.out_dir, STATE_JSON), os.path.join(self.out_dir, STATE_NPZ)
        try:
            with open(jp) as f:
                meta = json.load(f)
            if meta.get("version") != STATE_VERSION:
                return
            with np.load(npz) as arrs:
                low = {n: Moments.from_arrays(n, arrs) for n in meta["low"]}
                img = {k: [arrs[f"{k}|img"].astype(np.int64), int(arrs[f"{k}|imgn"][0])] for k in meta["img"]}
                depth = {k: [arrs[f"{k}|img"].astype(np.int64), int(arrs[f"{k}|imgn"][0])] for k in meta["depth"]}
                ids = {k: [arrs[f"{k}|img"].astype(np.int64), int(arrs[f"{k}|imgn"][0])] for k in meta["ids"]}
                included = arrs["included"].astype(bool)
        except (OSError, ValueError, KeyError):
            return
        self.included, self.low, self.img, self.keys = included, low, img, meta["keys"]
        self.depth, self.ids, self.shapes, self.defs = depth, ids, meta["shapes"], meta["defs"]

    def save(self) -> None:
        arrs = {"included": self.included}
        for n, m in self.low.items():
            arrs.update(m.to_arrays(n))
        for k, (h, n) in (*self.img.items(), *self.depth.items(), *self.ids.items()):
            arrs[f"{k}|img"], arrs[f"{k}|imgn"] = h, np.asarray([n])
        with atomic_output(os.path.join(self.out_dir, STATE_NPZ), suffix=".npz") as tmp:
            np.savez_compressed(tmp[: -len(".npz")], **arrs)
        _atomic_json({"version": STATE_VERSION, "low": list(self.low), "img": sorted(self.img), "keys": self.keys,
                      "depth": sorted(self.depth), "ids": sorted(self.ids), "shapes": self.shapes, "defs": self.defs},
                     os.path.join(self.out_dir, STATE_JSON))


# ---- packing ----------------------------------------------------------------------------------
class _Group:
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


class _Packer:
    """Greedy packing of consecutive shards into files of at most ``limit`` bytes (at least one shard each)."""

    def __init__(self, limit: float, flush):
        self.limit, self.flush = limit, flush
        self.group: _Group | None = None
        self.count = 0

    def add(self, part: tuple, nbytes: int, key_text: str, frames: int = 0) -> int:
        if self.group is not None and self.group.parts and self.group.bytes + nbytes > self.limit:
            self.close()
        if self.group is None:
            self.group = _Group(self.count)
            self.count += 1
        self.group.add(part, nbytes, key_text, frames)
        return self.group.number

    def close(self) -> None:
        if self.group is not None and self.group.parts:
            self.flush(self.group)
        self.group = None


def _remux(out_path: str, inputs: list[tuple[str, int]], fps: float) -> None:
    """Concatenate MP4s by copying packets, shifting each input's timestamps by the frames before it."""
    import av

    with atomic_output(out_path) as tmp:
        with av.open(tmp, "w", format="mp4") as out:
            ostream = None
            offset_frames = 0
            for path, frames in inputs:
                with av.open(path) as inp:
                    istream = inp.streams.video[0]
                    if ostream is None:
                        ostream = out.add_stream_from_template(istream, opaque=True)
                        tb = istream.time_base
                    elif istream.time_base != tb:
                        raise ValueError(f"{path}: time base {istream.time_base} differs from {tb}; cannot remux")
                    shift = int(round(offset_frames / fps / tb))
                    for packet in inp.demux(istream):
                        if packet.dts is None and packet.pts is None:
                            continue  # the demuxer's flush packet
                        if packet.pts is not None:
                            packet.pts += shift
                        if packet.dts is not None:
                            packet.dts += shift
                        packet.stream = ostream
                        out.mux(packet)
                offset_frames += frames


# ---- finalize ---------------------------------------------------------------------------------
def finalize_lerobot(out_dir: str, shard_indices: Iterable[int], robot_type: str, options=None,
                     feature_names: dict[str, list[str]] | None = None) -> dict:
    """Write LeRobot data, videos and metadata for the given complete shards (any iterable, streamed in
    index order); returns info.json's content. ``options``: a WriterConfig (file-size limits).

    ``feature_names`` maps robot-shaped keys to per-dimension names (the robot spec's
    ``feature_names()``); a key whose names do not match its width is an error, a key
    without names gets ``<key>_<i>``.
    """
    data_limit = (getattr(options, "data_files_size_in_mb", 100.0)) * 1e6
    video_limit = (getattr(options, "video_files_size_in_mb", 200.0)) * 1e6
    shard_list = np.unique(np.fromiter(shard_indices, np.int64))  # 8 bytes per shard, sorted
    state = State(out_dir)
    now = np.zeros(max(int(shard_list[-1]) + 1 if len(shard_list) else 0, len(state.included)), bool)
    now[shard_list] = True
    was = np.zeros(len(now), bool)
    was[: len(state.included)] = state.included
    if np.any(was & ~now):  # a shard merged before is no longer complete: merge everything again
        state.low, state.img, state.depth, state.ids, was[:] = {}, {}, {}, {}, False
    new_keys: dict[str, str] = {}
    touched: list[str] = []

    vid_root = os.path.join(out_dir, "syngrasp", "videos")
    video_keys = sorted(os.listdir(vid_root)) if os.path.isdir(vid_root) else []
    tasks: dict[str, int] = {}
    numbering = {n: Moments(1) for n in NUMBERING}
    low_new: dict[str, Moments] = {}
    img_new: dict[str, list] = {}
    depth_new: dict[str, list] = {}
    ids_new: dict[str, list] = {}
    fps = None
    n_eps = n_frames = 0
    vid_shape: dict[str, tuple[int, int]] = {}
    low_dims: dict[str, int] = {}

    def write_if_changed(rel: str, group_hash: str, writer) -> None:
        new_keys[rel] = group_hash
        if state.keys.get(rel) == group_hash and os.path.isfile(os.path.join(out_dir, rel)):
            return
        writer(os.path.join(out_dir, rel))
        touched.append(rel)

    def flush_data(g: _Group) -> None:
        rel = file_path(DATA_PATH, g.number)

        def write(path):
            # streamed: row groups of ROW_GROUP_ROWS frames, so memory is one row group, not one file
            with atomic_output(path) as tmp:
                writer, buf, rows = None, [], 0
                for k, first_ep, first_index, lengths, task_ids in g.parts:
                    t = pq.read_table(os.path.join(out_dir, staging_rel("frames", k))).drop_columns(["source_episode_index"])
                    t = t.append_column("episode_index", pa.array(np.repeat(np.arange(first_ep, first_ep + len(lengths)), lengths).astype(np.int64)))
                    t = t.append_column("index", pa.array(np.arange(first_index, first_index + int(sum(lengths)), dtype=np.int64)))
                    t = t.append_column("task_index", pa.array(np.repeat(task_ids, lengths).astype(np.int64)))
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, t.schema)
                    elif t.schema != writer.schema:
                        raise ValueError(f"{staging_rel('frames', k)}: columns {t.schema.names} differ from earlier "
                                         f"shards' {writer.schema.names}; finalize shards of one run config together")
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

        write_if_changed(rel, g.hash.hexdigest(), write)

    def flush_video(key: str):
        def flush(g: _Group) -> None:
            rel = file_path(VIDEO_PATH, g.number, video_key=key)
            write_if_changed(rel, g.hash.hexdigest(), lambda p: _remux(p, [(a, b) for a, b in g.parts], fps))
        return flush

    meta_rows: list[dict] = []
    side_parts: list[tuple[int, int]] = []  # (shard, first episode) of the current meta file
    meta_hash = hashlib.sha256()

    def flush_meta() -> None:
        nonlocal meta_rows, side_parts, meta_hash
        if not meta_rows:
            return
        m = meta_rows[0]["episode_index"] // EPISODES_PER_META_FILE
        rel = file_path("meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet", m)
        rows = meta_rows
        write_if_changed(rel, hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest(),
                         lambda p: _atomic_parquet(pa.Table.from_pylist(rows), p))
        parts = side_parts

        def write_side(p):
            tabs = []
            for k, first in parts:
                t = pq.read_table(os.path.join(out_dir, staging_rel("episodes", k)))
                t = t.select([c for c in t.column_names if "/" not in c])  # a/b columns are in meta/episodes
                tabs.append(t.append_column("episode_index", pa.array(np.arange(first, first + t.num_rows, dtype=np.int64))))
                if len(tabs) >= 512:  # fold small tables together: per-table overhead, not rows, would dominate
                    tabs = [pa.concat_tables(tabs, promote_options="default").combine_chunks()]
            _atomic_parquet(pa.concat_tables(tabs, promote_options="default"), p)

        side_rel = file_path("meta/syngrasp/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet", m)
        write_if_changed(side_rel, meta_hash.hexdigest(), write_side)
        meta_rows, side_parts, meta_hash = [], [], hashlib.sha256()

    data_packer = _Packer(data_limit, flush_data)
    video_packers = {key: _Packer(video_limit, flush_video(key)) for key in video_keys}

    for k in shard_list.tolist():
        eps = pq.read_table(os.path.join(out_dir, staging_rel("episodes", k)))
        if eps.num_rows == 0:
            continue
        epd = {c: eps[c].to_pylist() for c in ("length", "instruction", "fps")}
        extra = [c for c in eps.column_names if "/" in c]
        extra_vals = {c: eps[c].to_pylist() for c in extra}
        fps = float(epd["fps"][0])
        lengths = np.asarray(epd["length"], np.int64)
        task_ids = np.asarray([tasks.setdefault(t, len(tasks)) for t in epd["instruction"]], np.int64)
        first_ep, first_index = n_eps, n_frames
        total = int(lengths.sum())
        numbering["episode_index"].add(np.repeat(np.arange(first_ep, first_ep + len(lengths)), lengths)[:, None])
        numbering["index"].add(np.arange(first_index, first_index + total)[:, None])
        numbering["task_index"].add(np.repeat(task_ids, lengths)[:, None])
        frames_path = os.path.join(out_dir, staging_rel("frames", k))
        if not was[k]:
            frames = pq.read_table(frames_path)
            for fl in frames.schema:
                definition = (fl.metadata or {}).get(b"definition")
                if definition:
                    state.defs[fl.name] = definition.decode()
            for name in frames.column_names:
                if name == "source_episode_index":
                    continue
                if name in schema.LANGUAGE_KEYS:  # text: declared as LeRobot's "language" dtype, no stats
                    state.shapes[name] = ["language", [1]]
                    continue
                arr = nested_to_numpy(frames[name])
                kind = "int64" if arr.dtype.kind in "iu" and arr.ndim == 1 else ("int32" if arr.dtype.kind in "iu" else "float32")
                state.shapes[name] = [kind, list(arr.shape[1:]) or [1]]
                if name.startswith(SEGMENTATION_PREFIX):
                    continue  # per-pixel ids: their counts come from the shard's stats file
                arr = arr.reshape(-1, arr.shape[-1] if arr.ndim > 1 else 1)  # point clouds: per-point stats
                low_dims[name] = arr.shape[1]
                if name not in low_new:  # not setdefault: a Moments allocates (dim, 65536) bins
                    low_new[name] = Moments(arr.shape[1])
                low_new[name].add(arr)
            with open(os.path.join(out_dir, staging_rel("stats", k))) as f:
                for key, h in json.load(f).items():
                    if "depth_hist" in h:
                        _add_counts(depth_new, key, h["depth_hist"], h["frames"])
                    elif "id_counts" in h:
                        _add_counts(ids_new, key, h["id_counts"], h["frames"])
                    else:
                        _add_counts(img_new, key, h["hist"], h["frames"])
        key_text = f"{k}:{first_ep}:{first_index}:{task_ids.tolist()};"
        data_file = data_packer.add((k, first_ep, first_index, lengths, task_ids), os.path.getsize(frames_path), key_text)
        vid_file, vid_from = {}, {}
        for key in video_keys:
            path = os.path.join(out_dir, video_rel(key, k))
            if not os.path.isfile(path):
                continue
            packer = video_packers[key]
            size = os.path.getsize(path)
            n = packer.add((path, total), size, f"{k}:{size};", total)
            before = packer.group.frames - total  # frames of earlier shards in this file (O(1), not a sum)
            vid_file[key], vid_from[key] = n, before / fps
            if key not in vid_shape:
                vid_shape[key] = _video_hw(path)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        for i, length in enumerate(lengths.tolist()):
            e = n_eps + i
            if meta_rows and e // EPISODES_PER_META_FILE != meta_rows[0]["episode_index"] // EPISODES_PER_META_FILE:
                flush_meta()
            row = {
                "episode_index": e,
                "tasks": [epd["instruction"][i]],
                "length": int(length),
                "data/chunk_index": data_file // CHUNKS_SIZE,
                "data/file_index": data_file % CHUNKS_SIZE,
                "dataset_from_index": int(first_index + starts[i]),
                "dataset_to_index": int(first_index + starts[i] + length),
            }
            for key in vid_file:
                t0 = vid_from[key] + float(starts[i]) / fps
                row[f"videos/{key}/chunk_index"] = vid_file[key] // CHUNKS_SIZE
                row[f"videos/{key}/file_index"] = vid_file[key] % CHUNKS_SIZE
                row[f"videos/{key}/from_timestamp"] = t0
                row[f"videos/{key}/to_timestamp"] = t0 + length / fps
            for c in extra:
                row[c] = extra_vals[c][i]
            row["meta/episodes/chunk_index"] = (e // EPISODES_PER_META_FILE) // CHUNKS_SIZE
            row["meta/episodes/file_index"] = (e // EPISODES_PER_META_FILE) % CHUNKS_SIZE
            meta_rows.append(row)
            if not side_parts or side_parts[-1][0] != k:
                side_parts.append((k, e))
                meta_hash.update(f"{k}:{e};".encode())
        n_eps += len(lengths)
        n_frames += total
    data_packer.close()
    for p in video_packers.values():
        p.close()
    flush_meta()

    for name, m in low_new.items():
        if name in state.low:
            state.low[name] = _merge(state.low[name], m)
        else:
            state.low[name] = m
    for merged, new in ((state.img, img_new), (state.depth, depth_new), (state.ids, ids_new)):
        for key, (h, n) in new.items():
            _add_counts(merged, key, h, n)
    state.included = was | now

    task_df = pd.DataFrame({"task_index": list(tasks.values())}, index=list(tasks.keys()))
    with atomic_output(os.path.join(out_dir, "meta/tasks.parquet")) as tmp:
        task_df.to_parquet(tmp)
    stats = {}
    for name in state.low:
        if name in NUMBERING:
            continue
        stats[name] = state.low[name].stats()
    for name in NUMBERING:
        if numbering[name].n:
            stats[name] = numbering[name].stats()
    for key, (h, n) in sorted(state.img.items()):
        stats[key] = _image_stats(h, n)
    for key, (h, n) in sorted(state.depth.items()):
        stats[key] = depth_stats(h, n, QUANTILES)
    for key, (counts, n) in sorted(state.ids.items()):
        ids = np.flatnonzero(counts)
        stats[key] = {"min": [int(ids[0])], "max": [int(ids[-1])], "count": [int(n)], "pixels_per_id": counts.tolist()}
    _atomic_json(stats, os.path.join(out_dir, "meta/stats.json"))

    features = {}
    for key in video_keys:
        if key not in vid_shape:
            continue
        h, w = vid_shape[key]
        if key.startswith(DEPTH_PREFIX):
            features[key] = {"dtype": "video", "shape": [h, w, 1], "names": ["height", "width", "channels"],
                             "info": depth_video_info(h, w, fps)}
            continue
        features[key] = {"dtype": "video", "shape": [h, w, 3], "names": ["height", "width", "channels"],
                         "info": _video_info(os.path.join(out_dir, file_path(VIDEO_PATH, 0, video_key=key)), h, w, fps)}
    features.update(_declared_features(out_dir, state, vid_shape, feature_names, robot_type))
    for name, dtype in INDEX_FEATURES.items():
        features[name] = {"dtype": dtype, "shape": [1], "names": None}
    info = {
        "codebase_version": CODEBASE_VERSION,
        "robot_type": robot_type,
        "total_episodes": n_eps,
        "total_frames": int(n_frames),
        "total_tasks": len(tasks),
        "chunks_size": CHUNKS_SIZE,
        "data_files_size_in_mb": data_limit / 1e6,
        "video_files_size_in_mb": video_limit / 1e6,
        "fps": int(round(fps)) if fps else 10,
        "splits": {"train": f"0:{n_eps}"},
        "data_path": DATA_PATH,
        "video_path": VIDEO_PATH if features and video_keys else None,
        "features": features,
    }
    write_card(out_dir, info)
    _remove_stale_outputs(out_dir, state.keys, new_keys)
    state.keys = new_keys
    state.save()
    _atomic_json(info, os.path.join(out_dir, "meta/info.json"))
    info_touched = {"files_written": len(touched), "files_kept": len(new_keys) - len(touched)}
    finalize_lerobot.last_run = info_touched  # what the latest call rewrote (benchmarks and tests read it)
    return info


def _declared_features(out_dir: str, state: State, vid_shape: dict, feature_names, robot_type: str) -> dict:
    """info.json features of the frame columns on disk, generated from the episode schema
    (core/schema.py ``lerobot_features``) for the layout the columns show: n_arm from
    observation.state, camera sizes from the videos, options from which keys are present. A column
    the schema does not declare, or whose dtype or shape differs from the declaration, is an error."""
    modes = {v: k for k, v in state.defs.items()}  # definition -> written key
    mode = "joint" if modes.get("joint") == "action" else "ee_delta"
    cols = {n: s for n, s in state.shapes.items() if n not in INDEX_FEATURES}
    if not cols:
        return {}
    written_to_episode = {schema.output_name(k, mode): k for k in schema.ACTION_SOURCE.values()}
    # shape-only frames of one frame each, by Episode key: columns, plus the videos' image sizes
    shapes = {written_to_episode.get(n, n): _Shape([1, *s[1]]) for n, s in cols.items()}
    for key, (h, w) in vid_shape.items():
        if key.startswith("observation.images."):
            shapes[key] = _Shape([1, h, w, 3])
    n_arm, cameras, opts = schema.infer_layout(shapes)
    try:
        declared = schema.lerobot_features(n_arm, cameras, opts, feature_names, mode)
    except ValueError as e:
        raise ValueError(f"{out_dir}: robot '{robot_type}': {e}; finalize with the robot the data was generated with") from e
    out = {}
    for name, (kind, shape) in cols.items():
        want = declared.get(name)
        if want is None:
            raise ValueError(f"{out_dir}: column '{name}' is not a declared episode key (core/schema.py)")
        if [kind, list(shape)] != [want["dtype"], want["shape"]]:
            raise ValueError(f"{out_dir}: column '{name}' is {kind} {list(shape)} but the schema declares "
                             f"{want['dtype']} {want['shape']}")
        out[name] = want
    return out


class _Shape:
    """A shape-only stand-in for an array (schema.infer_layout reads ``.shape``)."""

    def __init__(self, shape):
        self.shape = tuple(int(x) for x in shape)


def _merge(a: Moments, b: Moments) -> Moments:
    out = Moments(len(a.mean))
    n = a.n + b.n
    if n == 0:
        return out
    delta = b.mean - a.mean
    out.n, out.mean = n, a.mean + delta * b.n / n
    out.m2 = a.m2 + b.m2 + delta**2 * a.n * b.n / n
    out.min, out.max, out.hist = np.minimum(a.min, b.min), np.maximum(a.max, b.max), a.hist + b.hist
    return out


def _add_counts(into: dict[str, list], key: str, counts, frames: int) -> None:
    """Add a histogram / per-id pixel counts (any length; shorter ones are zero-padded) and a frame count."""
    counts = np.asarray(counts, np.int64)
    cur = into.setdefault(key, [np.zeros_like(counts), 0])
    if cur[0].shape != counts.shape:
        width = max(cur[0].shape[-1], counts.shape[-1])
        pad = lambda a: np.pad(a, [(0, 0)] * (a.ndim - 1) + [(0, width - a.shape[-1])])
        cur[0], counts = pad(cur[0]), pad(counts)
    cur[0] = cur[0] + counts
    cur[1] += int(frames)


def _remove_stale_outputs(out_dir: str, old: dict, new: dict) -> None:
    """Delete packed files an earlier finalize wrote that this one no longer produces (fewer files)."""
    for rel in set(old) - set(new):
        path = os.path.join(out_dir, rel)
        if os.path.isfile(path):
            os.unlink(path)


def _video_hw(path: str) -> tuple[int, int]:
    import av

    with av.open(path) as f:
        s = f.streams.video[0]
        return s.codec_context.height, s.codec_context.width


def _video_info(path: str, h: int, w: int, fps) -> dict:
    import av

    from .video import CODEC_NAMES

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
