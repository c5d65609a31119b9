"""Incremental finalize state: which shards are merged into the statistics, the merged statistics, the
frame columns' dtypes and shapes, and the content key of every packed output file.

Kept in ``meta/syngrasp/finalize_state.json`` (+ ``.npz`` for the arrays). A later finalize over a
superset of shards reads only the new shards' frames and stats files; when a shard merged before is
no longer complete, everything is merged again.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pyarrow.parquet as pq

from ....core import schema
from ....core.atomic import atomic_output, atomic_write_text
from ...observations import SEGMENTATION_PREFIX, nested_to_numpy
from .layout import SOURCE_EPISODE_INDEX, STATE_JSON, STATE_NPZ, reading, staging_rel
from .stats import Moments, add_counts
from .tables import DEFINITION

STATE_VERSION = 3  # 3: language columns recorded in shapes
STATE_VERSION_FIELD = "version"  # not a schema key: the state file's format version (STATE_VERSION)
LANGUAGE_DTYPE = "language"  # not a schema key: LeRobot's feature dtype of the language columns


class MergedStats:
    """Statistics of a set of shards, mergeable: per low-dimensional column a Moments (point clouds per
    point), per camera [colour hist (3, 256), frames], per depth key [code hist (4096,), frames], per
    segmentation key [pixel count per id, frames]; each frame column's [dtype, per-frame shape] and the
    action definition each written action column holds."""

    def __init__(self):
        self.low: dict[str, Moments] = {}
        self.img: dict[str, list] = {}
        self.depth: dict[str, list] = {}
        self.ids: dict[str, list] = {}
        self.shapes: dict[str, list] = {}
        self.defs: dict[str, str] = {}

    def add_shard(self, out_dir: str, k: int) -> None:
        """Merge shard ``k``'s frames file and stats file."""
        path = os.path.join(out_dir, staging_rel("frames", k))
        with reading(path, k):
            frames = pq.read_table(path)
        for fl in frames.schema:
            definition = (fl.metadata or {}).get(DEFINITION.encode())
            if definition:
                self.defs[fl.name] = definition.decode()
        for name in frames.column_names:
            if name == SOURCE_EPISODE_INDEX:
                continue
            if name in schema.LANGUAGE_KEYS:  # text: declared as LeRobot's "language" dtype, no stats
                self.shapes[name] = [LANGUAGE_DTYPE, [1]]
                continue
            arr = nested_to_numpy(frames[name])
            kind = "int64" if arr.dtype.kind in "iu" and arr.ndim == 1 else ("int32" if arr.dtype.kind in "iu" else "float32")
            self.shapes[name] = [kind, list(arr.shape[1:]) or [1]]
            if name.startswith(SEGMENTATION_PREFIX):
                continue  # per-pixel ids: their counts come from the shard's stats file
            arr = arr.reshape(-1, arr.shape[-1] if arr.ndim > 1 else 1)  # point clouds: per-point stats
            if name not in self.low:  # not setdefault: a Moments allocates (dim, 65536) bins
                self.low[name] = Moments(arr.shape[1])
            self.low[name].add(arr)
        path = os.path.join(out_dir, staging_rel("stats", k))
        with reading(path, k), open(path) as f:
            for key, h in json.load(f).items():
                if "depth_hist" in h:
                    add_counts(self.depth, key, h["depth_hist"], h["frames"])
                elif "id_counts" in h:
                    add_counts(self.ids, key, h["id_counts"], h["frames"])
                else:
                    add_counts(self.img, key, h["hist"], h["frames"])

    def merge(self, other: "MergedStats") -> None:
        """Add ``other``'s statistics to these."""
        for name, m in other.low.items():
            self.low[name] = self.low[name].merge(m) if name in self.low else m
        for merged, new in ((self.img, other.img), (self.depth, other.depth), (self.ids, other.ids)):
            for key, (h, n) in new.items():
                add_counts(merged, key, h, n)
        self.shapes.update(other.shapes)
        self.defs.update(other.defs)


class State:
    """What an earlier finalize merged and wrote: ``included[k]`` (shard k is in ``stats``), ``stats``
    (MergedStats) and ``keys`` (output rel path -> content key)."""

    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        self.included = np.zeros(0, bool)
        self.stats = MergedStats()
        self.keys: dict[str, str] = {}
        self._load()

    def start(self, shards: np.ndarray) -> np.ndarray:
        """Begin a finalize over the sorted shard indices ``shards``; returns ``new[k]``: shard k's statistics
        must be read. A shard merged before that is not in ``shards`` any more resets the statistics."""
        now = np.zeros(max(int(shards[-1]) + 1 if len(shards) else 0, len(self.included)), bool)
        now[shards] = True
        was = np.zeros(len(now), bool)
        was[: len(self.included)] = self.included
        if np.any(was & ~now):
            self.stats, was[:] = MergedStats(), False
        self.included = was | now
        return now & ~was

    def _load(self) -> None:
        jp, npz = os.path.join(self.out_dir, STATE_JSON), os.path.join(self.out_dir, STATE_NPZ)
        try:
            with open(jp) as f:
                meta = json.load(f)
            if meta.get(STATE_VERSION_FIELD) != STATE_VERSION:
                return
            stats = MergedStats()
            with np.load(npz) as arrs:
                stats.low = {n: Moments.from_arrays(n, arrs) for n in meta["low"]}
                for kind in ("img", "depth", "ids"):
                    setattr(stats, kind, {k: [arrs[f"{k}|img"].astype(np.int64), int(arrs[f"{k}|imgn"][0])]
                                          for k in meta[kind]})
                included = arrs["included"].astype(bool)
            stats.shapes, stats.defs = meta["shapes"], meta["defs"]
        except (OSError, ValueError, KeyError):
            return  # no state, or a damaged one: merge everything again
        self.included, self.stats, self.keys = included, stats, meta["keys"]

    def save(self) -> None:
        s = self.stats
        arrs = {"included": self.included}
        for n, m in s.low.items():
            arrs.update(m.to_arrays(n))
        for k, (h, n) in (*s.img.items(), *s.depth.items(), *s.ids.items()):
            arrs[f"{k}|img"], arrs[f"{k}|imgn"] = h, np.asarray([n])
        with atomic_output(os.path.join(self.out_dir, STATE_NPZ), suffix=".npz") as tmp:
            np.savez_compressed(tmp[: -len(".npz")], **arrs)
        atomic_write_text(os.path.join(self.out_dir, STATE_JSON), json.dumps(
            {STATE_VERSION_FIELD: STATE_VERSION, "low": list(s.low), "img": sorted(s.img), "keys": self.keys,
             "depth": sorted(s.depth), "ids": sorted(s.ids), "shapes": s.shapes, "defs": s.defs}, indent=2))
