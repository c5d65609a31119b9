"""Finalize a LeRobot v3.0 dataset from the shards on disk: streaming, packed and incremental.

Complete shards are walked once in index order: their episodes are numbered densely
(episodes.py), their frames packed into data files (packing.py) and their videos remuxed into
video files (video.py), consecutive shards sharing a file up to ``data_files_size_in_mb`` /
``video_files_size_in_mb``; statistics of shards not merged before are merged (state.py). Then
``meta/tasks.parquet``, ``meta/stats.json``, the dataset card and, last, ``meta/info.json``
(metadata.py) are written.

Memory: one output file's worth of input plus merged statistics of fixed size; nothing grows with
the number of shards. A file whose content key (its shards and their numbering) is unchanged is
not rewritten, so finalizing again after more shards complete touches only what changed.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, Iterable, Mapping

import numpy as np
import pyarrow.parquet as pq

from ....core.atomic import atomic_write_text
from ...card import write_card
from .config import LeRobotConfig
from .episodes import EpisodeFiles, Numbering, ShardEpisodes
from .layout import INFO_JSON, STATS_JSON, reading, staged_video_keys, staging_rel
from .metadata import dataset_stats, info, write_tasks
from .packing import DataFiles, OutputFiles
from .robot import RobotNames, from_run_config, names_of, shard_meta
from .state import MergedStats, State
from .video import VideoFiles


@dataclasses.dataclass(frozen=True)
class FinalizeResult:
    """What one finalize did. ``info``: meta/info.json's content; ``files_written`` / ``files_kept``:
    packed output files (data, videos, meta/episodes, side files) rewritten / left as they were."""

    info: dict
    files_written: int
    files_kept: int

    def summary(self) -> dict:
        """JSON-able counts (what ``syngrasp finalize`` prints)."""
        return {"episodes": self.info["total_episodes"], "frames": self.info["total_frames"],
                "tasks": self.info["total_tasks"], "files_written": self.files_written, "files_kept": self.files_kept}


def finalize_lerobot(out_dir: str, shard_indices: Iterable[int], options: Any = None,
                     run_config: Mapping[str, Any] | None = None) -> FinalizeResult:
    """Write LeRobot data, videos and metadata for the complete shards ``shard_indices`` (any iterable,
    streamed in index order). ``options``: the LeRobot keys (a WriterConfig or LeRobotConfig; defaults when
    None). The robot's name and per-dimension names come from the shards (robot.py), else from
    ``run_config`` (plain data); a staged file that cannot be read, or shards that do not fit together,
    raise DatasetError naming the file and the fix."""
    opts = options if options is not None else LeRobotConfig()
    data_limit, video_limit = opts.data_files_size_in_mb * 1e6, opts.video_files_size_in_mb * 1e6
    shards = np.unique(np.fromiter(shard_indices, np.int64))  # 8 bytes per shard, sorted
    state = State(out_dir)
    new = state.start(shards)
    files = OutputFiles(out_dir, state.keys)
    data = DataFiles(out_dir, files, data_limit)
    videos = VideoFiles(out_dir, files, staged_video_keys(out_dir), video_limit)
    episodes = EpisodeFiles(out_dir, files)
    numbering, added = Numbering(), MergedStats()
    for k in shards.tolist():
        shard = ShardEpisodes.read(out_dir, k)
        if shard is None:
            continue
        first_ep, first_index, task_ids = numbering.add(shard)
        if new[k]:
            added.add_shard(out_dir, k)
        data_file = data.add(k, first_ep, first_index, shard.lengths, task_ids)
        episodes.add(shard, first_ep, first_index, data_file, videos.add(k, shard.total, shard.fps))
    data.close()
    videos.close()
    episodes.close()
    state.stats.merge(added)

    write_tasks(out_dir, numbering.tasks)
    atomic_write_text(os.path.join(out_dir, STATS_JSON), json.dumps(dataset_stats(state.stats, numbering), indent=2))
    robot = shards_robot(out_dir, shards) or from_run_config(run_config)
    meta = info(out_dir, state.stats, numbering, videos, robot, data_limit / 1e6, video_limit / 1e6)
    write_card(out_dir, meta)
    files.remove_stale()
    state.keys = files.keys
    state.save()
    atomic_write_text(os.path.join(out_dir, INFO_JSON), json.dumps(meta, indent=2))  # last: the dataset is complete
    return FinalizeResult(meta, len(files.written), len(files.keys) - len(files.written))


def shards_robot(out_dir: str, shards: np.ndarray) -> RobotNames | None:
    """The robot the first shard's frames file records (robot.py); None when it records none (older shards)."""
    for k in shards.tolist():
        path = os.path.join(out_dir, staging_rel("frames", k))
        with reading(path, k):
            return names_of(shard_meta(pq.read_schema(path)))
    return None


def finalize(out_dir: str, shard_indices: Iterable[int], options: Any, run_config: Mapping[str, Any]) -> dict:
    """The format's finalize hook (exporters/formats): ``finalize_lerobot``'s summary."""
    return finalize_lerobot(out_dir, shard_indices, options, run_config).summary()
