"""The HDF5 format's plugin declaration: writer and reader from ``exporters/hdf5.py``, no finalize step
(every shard file is complete on its own)."""

from __future__ import annotations

import glob
import os
import re

from ....core.episode import Episode
from ...hdf5 import HDF5ShardWriter, hdf5_name, read_episode, shard_episode_indices
from ...untrusted import open_shard
from .. import Format
from .config import HDF5Config

_SHARD_GLOB = hdf5_name(0).replace("000000", "*")
_SHARD_RE = re.compile(re.escape(hdf5_name(0)).replace("000000", r"(\d{6,})") + "$")


class HDF5Reader:
    """Reads ``shard-XXXXXX.hdf5`` files (opened by ``untrusted.open_shard``: no external storage,
    virtual datasets or external links)."""

    def shard_indices(self, root: str) -> list[int]:
        """Shard indices of the HDF5 files in ``root``; every file is opened first, so a file that is not
        HDF5, is truncated or keeps data outside itself raises DatasetError before anything is read."""
        found = sorted((int(m.group(1)), p) for p in glob.glob(os.path.join(root, _SHARD_GLOB))
                       if (m := _SHARD_RE.match(os.path.basename(p))))
        for _, path in found:
            with open_shard(path):
                pass
        return [k for k, _ in found]

    def read_shard(self, root: str, shard_index: int) -> list[Episode]:
        path = os.path.join(root, hdf5_name(shard_index))
        return [read_episode(path, i) for i in shard_episode_indices(path)]


FORMAT = Format("hdf5", HDF5ShardWriter, HDF5Reader(), HDF5Config, None,
                doc="robomimic-style HDF5 shards, one file per shard (exporters/hdf5.py)")
