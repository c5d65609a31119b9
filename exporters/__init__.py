"""Shard writers: they see only Episodes, never a simulator."""

from .base import ShardWriter, get_writer, register_writer, writers
from . import hdf5, lerobot  # noqa: F401  (register "hdf5" and "lerobot")

__all__ = ["ShardWriter", "get_writer", "register_writer", "writers"]
