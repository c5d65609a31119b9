"""The syngrasp side table of a finalized LeRobot dataset.

``meta/syngrasp/episodes/chunk-c/file-f.parquet``: one row per dense ``episode_index``
(50,000 per file) with every column of the shards' episodes tables (success, failure
reason, grasp, scene JSON, cameras, language, ...).
"""

from __future__ import annotations

import glob
import os

import pyarrow as pa
import pyarrow.parquet as pq

SIDE_GLOB = "meta/syngrasp/episodes/chunk-*/file-*.parquet"


def side_paths(out_dir: str) -> list[str]:
    """The side files of ``out_dir``, in episode order."""
    return sorted(glob.glob(os.path.join(out_dir, SIDE_GLOB)))


def read_side_table(out_dir: str, columns: list[str] | None = None, max_files: int | None = None) -> pa.Table:
    """The side table concatenated over its files in order; ``max_files`` reads only the first
    ones (50,000 episodes each). An empty table when the dataset has none."""
    tabs = [pq.read_table(p, columns=columns) for p in side_paths(out_dir)[:max_files]]
    return pa.concat_tables(tabs, promote_options="default") if tabs else pa.table({})
