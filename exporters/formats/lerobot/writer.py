"""LeRobot v3.0 shard writer: each shard writes its own videos and staging tables (layout.py).

Per shard k, published atomically by the ShardWriter template:

    syngrasp/videos/<camera key>/shard-k.mp4   RGB of every episode of the shard, back to back
    syngrasp/videos/observation.depth.<cam>/shard-k.mp4   with depth: 12-bit depth videos
                                               (exporters/observations.py)
    syngrasp/frames/shard-k.parquet            per-frame columns (tables.frames_table); its schema
                                               metadata records the robot (robot.py)
    syngrasp/stats/shard-k.json                colour, depth-code and instance-id histograms
    syngrasp/episodes/shard-k.parquet          per-episode rows (tables.episodes_table), written last

Finalize (finalize.py) then numbers episodes densely and packs consecutive shards into the v3.0
layout. Because shards write only their own files, workers run in parallel and finalize can be
re-run at any time from what is on disk.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from ....core.episode import Episode, depth_key, image_key
from ....core import schema
from ...base import ShardWriter
from ...observations import encode_depth_video
from ...video import encode_video
from .layout import staging_rel, video_rel
from .robot import from_run_config, with_shard_meta
from .tables import depth_cameras, episode_histograms, episode_stats_columns, episodes_table, frames_table, \
    shard_histograms

DEFAULT_FPS = 10.0  # of a shard without episodes (its files are empty)


class LeRobotShardWriter(ShardWriter):
    """Writes one shard's videos and staging tables; see the module docstring for the layout.

    ``options``: the ``writer`` config section (exporters/config.py WriterConfig: ``action`` and the
    LeRobot keys of formats/lerobot/config.py). ``attrs["run_config"]`` (plain data) names the robot."""

    name = "lerobot"

    def outputs(self, shard_index: int, episodes: list[Episode]) -> list[str]:
        cams = episodes[0].camera_names if episodes else ()
        vids = [video_rel(image_key(c), shard_index) for c in cams]
        vids += [video_rel(depth_key(c), shard_index) for c in depth_cameras(episodes)]
        # the episodes table is renamed last: its presence implies the rest
        return vids + [staging_rel("frames", shard_index), staging_rel("stats", shard_index),
                       staging_rel("episodes", shard_index)]

    def write_shard(self, paths: dict[str, str], episodes: list[Episode], attrs: dict[str, Any]) -> None:
        opt = self.options
        shard_index = int(attrs[schema.SHARD_INDEX])
        cams = episodes[0].camera_names if episodes else ()
        fps = float(episodes[0].meta[schema.FPS]) if episodes else DEFAULT_FPS
        starts = np.concatenate([[0], np.cumsum([e.num_frames for e in episodes])[:-1]]) if episodes else []
        from_ts = {c: [int(t) / fps for t in starts] for c in cams}
        for cam in cams:
            frames = np.concatenate([e.frames[image_key(cam)] for e in episodes])
            encode_video(frames, paths[video_rel(image_key(cam), shard_index)], fps, opt.video_codec, opt.video_crf,
                         opt.video_gop, opt.video_preset, opt.video_pix_fmt)
        for cam in depth_cameras(episodes):
            depth = np.concatenate([e.frames[depth_key(cam)] for e in episodes])
            encode_depth_video(depth, paths[video_rel(depth_key(cam), shard_index)], fps, opt.video_gop)
        table = frames_table(episodes, opt.action)
        version = str(attrs.get(schema.SCHEMA_VERSION_KEY) or schema.SCHEMA_VERSION)
        pq.write_table(with_shard_meta(table, from_run_config(attrs.get("run_config")), version),
                       paths[staging_rel("frames", shard_index)])
        hists = episode_histograms(episodes)
        with open(paths[staging_rel("stats", shard_index)], "w") as f:
            json.dump(shard_histograms(episodes, hists), f)
        stats = episode_stats_columns(table, [e.num_frames for e in episodes], hists)
        pq.write_table(episodes_table(episodes, shard_index, from_ts, stats), paths[staging_rel("episodes", shard_index)])
