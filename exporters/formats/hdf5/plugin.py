"""The HDF5 format's plugin declaration: writer.py's shard writer, reader.py's shard reader, no finalize
step (every shard file is complete on its own)."""

from __future__ import annotations

from .. import Format
from .config import HDF5Config
from .reader import HDF5Reader
from .writer import HDF5ShardWriter

FORMAT = Format("hdf5", HDF5ShardWriter, HDF5Reader(), HDF5Config, None,
                doc="robomimic-style HDF5 shards, one file per shard (exporters/formats/hdf5/)")
