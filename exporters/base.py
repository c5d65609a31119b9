"""Writer registry and the template method that makes every shard appear atomically.

A subclass implements ``write_shard(tmp_path, episodes, attrs)``; the base
class owns the final path, the temp name beside it, fsync, the rename and
cleanup on any error (KeyboardInterrupt included), so no half-written shard is
ever visible under its final name.
"""

from __future__ import annotations

import os
from typing import Any

from ..core.episode import Episode

_WRITERS: dict[str, type["ShardWriter"]] = {}


def register_writer(name: str):
    def deco(cls):
        if name in _WRITERS:
            raise ValueError(f"writer '{name}' is already registered")
        cls.name = name
        _WRITERS[name] = cls
        return cls

    return deco


def writers() -> tuple[str, ...]:
    return tuple(sorted(_WRITERS))


def get_writer(name: str) -> type["ShardWriter"]:
    from ..core.errors import ConfigError

    if name not in _WRITERS:
        raise ConfigError("writer.format", f"unknown writer '{name}'; registered writers: {', '.join(writers())}")
    return _WRITERS[name]


class ShardWriter:
    """Base class: ``shard_path`` names shard k; ``write`` publishes it atomically."""

    name = "base"
    suffix = ""

    def __init__(self, out_dir: str, options: Any):
        self.out_dir = out_dir
        self.options = options

    def shard_path(self, shard_index: int) -> str:
        return os.path.join(self.out_dir, f"shard-{shard_index:06d}{self.suffix}")

    def write(self, shard_index: int, episodes: list[Episode], attrs: dict[str, Any]) -> str:
        """Write shard ``shard_index`` and return its final path."""
        os.makedirs(self.out_dir, exist_ok=True)
        final = self.shard_path(shard_index)
        tmp = f"{final}.{os.getpid()}.tmp"
        try:
            self.write_shard(tmp, episodes, attrs)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, final)
            dfd = os.open(self.out_dir, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return final

    def write_shard(self, path: str, episodes: list[Episode], attrs: dict[str, Any]) -> None:
        raise NotImplementedError
