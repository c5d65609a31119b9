"""Shard writers: they see only Episodes, never a simulator."""

from .base import ShardWriter, get_writer, register_writer, writers
from . import hdf5  # noqa: F401  (registers "hdf5")

__all__ = ["ShardWriter", "get_writer", "register_writer", "writers"]
