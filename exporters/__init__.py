"""Shard writers: they see only Episodes, never a simulator.

The built-in writers ("hdf5", "lerobot") register themselves when ``get_writer``
or ``writers`` is first called, so reading ``exporters.config`` stays light.
"""

from .base import ShardWriter, get_writer, register_writer, writers

__all__ = ["ShardWriter", "get_writer", "register_writer", "writers"]
