"""``syngrasp convert SRC DST``: HDF5 shards -> a LeRobot v3.0 dataset (same shard numbering)."""

from __future__ import annotations

import glob
import os

from .config import WriterConfig
from .hdf5 import read_episode, shard_episode_indices
from .lerobot import LeRobotShardWriter
from .lerobot_meta import finalize_lerobot
from .untrusted import open_shard


def convert_hdf5_to_lerobot(
    src: str, dst: str, options: WriterConfig, robot_type: str, feature_names: dict[str, list[str]] | None = None
) -> dict:
    """Re-encode every HDF5 shard of ``src`` as LeRobot shard files in ``dst``, then finalize.

    ``robot_type`` and ``feature_names`` (the robot spec's ``feature_names()``) go to info.json.
    Shards are opened by ``untrusted.open_shard``: one with external storage, a virtual dataset or an
    external link raises DatasetError before anything is written.
    """
    paths = sorted(glob.glob(os.path.join(src, "shard-*.hdf5")))
    if not paths:
        raise FileNotFoundError(f"{src}: no shard-*.hdf5 files to convert")
    for path in paths:
        with open_shard(path):
            pass  # fail early, naming the file: not HDF5, truncated, or data kept outside the shard
    writer = LeRobotShardWriter(dst, options)
    indices = []
    for path in paths:
        k = int(os.path.basename(path)[len("shard-") : -len(".hdf5")])
        episodes = [read_episode(path, i) for i in shard_episode_indices(path)]
        writer.write(k, episodes, {"shard_index": k})  # not a schema key: the writer's shard attrs
        indices.append(k)
    return finalize_lerobot(dst, indices, robot_type, options, feature_names)
