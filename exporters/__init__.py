"""Shard writers: they see only Episodes, never a simulator.

Output formats are plugins (exporters/formats): the built-ins ("hdf5", "lerobot") are imported
when first used, so reading ``exporters.config`` stays light; others come from the entry-point
group ``syngrasp.writers``.
"""

from .base import ShardWriter
from .formats import Format, format_names, get_format, register_format, resolve

__all__ = ["Format", "ShardWriter", "format_names", "get_format", "register_format", "resolve"]
