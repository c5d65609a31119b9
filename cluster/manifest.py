"""Run manifest at scale: a summary (``manifest.json``) and a shard table (``shards.jsonl``).

The shard table has one JSON line per complete shard (episode range, record
name, files with bytes and sha256, frames, successes, bytes, errors), appended
as shards complete, so its order is completion order; readers key rows by
``shard_index``. Totals are summed while streaming, never from a list of every
record. ``manifest.json`` is written last and holds only totals; it equals the
summary of an uninterrupted run with the same config.
"""

from __future__ import annotations

import json
import os
from typing import Iterator

from .. import __version__
from ..core import schema
from ..core.layout import SHARD_TABLE
ROW_KEYS = (schema.SHARD_INDEX, "episode_range", "record", "files", "frames", "successes", "bytes", "errors")


def table_row(rec: dict) -> dict:
    """The shard table's row for a shard record (no timings, so equal runs give equal rows)."""
    row = {k: rec[k] for k in ROW_KEYS if k != "errors"}
    row["errors"] = len(rec.get("errors", ()))
    row["failures"] = rec.get("failures", {})
    return row


class Totals:
    """Streaming sums over shard rows."""

    def __init__(self):
        self.shards = self.frames = self.successes = self.bytes = self.errors = self.episodes = 0
        self.failures: dict[str, int] = {}

    def add(self, row: dict) -> None:
        self.shards += 1
        self.episodes += row["episode_range"][1] - row["episode_range"][0]
        self.frames += row["frames"]
        self.successes += row["successes"]
        self.bytes += row["bytes"]
        self.errors += row.get("errors", 0)
        for k, v in row.get("failures", {}).items():
            self.failures[k] = self.failures.get(k, 0) + v


def summary(cfg, totals: Totals, planned: int) -> dict:
    """``manifest.json``: run identity and totals; the per-shard rows are in ``shards.jsonl``."""
    return {
        "syngrasp_version": __version__,
        "seed": cfg.seed,  # not a schema key: the run config's seed
        "episodes": cfg.episodes,
        "shard_size": cfg.writer.shard_size,
        "format": cfg.writer.format,
        "shards": totals.shards,
        "shards_planned": planned,
        "episodes_attempted": totals.episodes,
        "frames": totals.frames,
        "successes": totals.successes,
        "errors": totals.errors,
        "failures": dict(sorted(totals.failures.items())),
        "bytes": totals.bytes,
        "shard_table": SHARD_TABLE,
    }


def manifest_text(manifest: dict) -> str:
    return json.dumps(manifest, indent=1, sort_keys=True)


def parse_rows(lines) -> Iterator[dict]:
    """Rows of a shard table; a torn last line (a killed driver) is skipped."""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and schema.SHARD_INDEX in row:
            yield row


def read_shard_table(out_dir: str) -> Iterator[dict]:
    """Stream the rows of ``out_dir``'s shard table (completion order; one row per shard)."""
    path = os.path.join(out_dir, SHARD_TABLE)
    if not os.path.isfile(path):
        return
    with open(path) as f:
        yield from parse_rows(f)


def shard_rows_sorted(out_dir: str) -> list[dict]:
    """Every row, by shard index (materialises the table: for tests and small runs)."""
    return sorted(read_shard_table(out_dir), key=lambda r: r[schema.SHARD_INDEX])


def row_line(row: dict) -> str:
    return json.dumps(row, sort_keys=True, separators=(",", ":")) + "\n"
