"""``syngrasp convert SRC DST``: HDF5 shards -> a LeRobot v3.0 dataset (same shard numbering)."""

from __future__ import annotations

import glob
import os

import h5py

from .config import WriterConfig
from .hdf5 import read_episode, shard_episode_indices
from .lerobot import LeRobotShardWriter
from .lerobot_meta import finalize_lerobot


def convert_hdf5_to_lerobot(
    src: str, dst: str, options: WriterConfig, robot_type: str, feature_names: dict[str, list[str]] | None = None
) -> dict:
    """Re-encode every HDF5 shard of ``src`` as LeRobot shard files in ``dst``, then finalize.

    ``robot_type`` and ``feature_names`` (the robot spec's ``feature_names()``) go to info.json.
    """
    paths = sorted(glob.glob(os.path.join(src, "shard-*.hdf5")))
    if not paths:
        raise FileNotFoundError(f"{src}: no shard-*.hdf5 files to convert")
    writer = LeRobotShardWriter(dst, options)
    indices = []
    for path in paths:
        k = int(os.path.basename(path)[len("shard-") : -len(".hdf5")])
        with h5py.File(path, "r"):
            pass  # fail early, naming the file, if it is not HDF5
        episodes = [read_episode(path, i) for i in shard_episode_indices(path)]
        writer.write(k, episodes, {"shard_index": k})
        indices.append(k)
    return finalize_lerobot(dst, indices, robot_type, options, feature_names)
