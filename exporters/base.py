"""The template method that makes every shard appear atomically (formats are registered in exporters/formats).

A subclass names the files of shard k (``outputs``) and implements
``write_shard(paths, episodes, attrs)``, writing each output to the temporary
path it is given. The base class owns the final paths, the temp names beside
them, fsync, the renames and cleanup on any error (KeyboardInterrupt
included), so no half-written shard file is ever visible under its final name.
"""

from __future__ import annotations

import os
from typing import Any

from ..core.atomic import tmp_name
from ..core.episode import Episode, check_episodes

def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ShardWriter:
    """Base class: ``outputs(k)`` names shard k's files (relative to ``out_dir``);
    ``write`` publishes them atomically and returns those relative paths."""

    name = "base"

    def __init__(self, out_dir: str, options: Any):
        self.out_dir = out_dir
        self.options = options

    def outputs(self, shard_index: int, episodes: list[Episode]) -> list[str]:
        """Relative paths of shard ``shard_index``'s files, in the order they are published."""
        raise NotImplementedError

    def write(self, shard_index: int, episodes: list[Episode], attrs: dict[str, Any]) -> list[str]:
        check_episodes(episodes)  # every episode against the schema (core/schema), before any file exists
        rels = self.outputs(shard_index, episodes)
        tmps = {}
        for rel in rels:
            final = os.path.join(self.out_dir, rel)
            os.makedirs(os.path.dirname(final), exist_ok=True)
            tmps[rel] = tmp_name(final)
        try:
            self.write_shard(tmps, episodes, attrs)
            for tmp in tmps.values():
                with open(tmp, "rb") as f:
                    os.fsync(f.fileno())
            for rel, tmp in tmps.items():
                os.replace(tmp, os.path.join(self.out_dir, rel))
            for d in {os.path.dirname(os.path.join(self.out_dir, rel)) for rel in rels}:
                _fsync_dir(d)
        except BaseException:
            for tmp in tmps.values():
                if os.path.exists(tmp):
                    os.unlink(tmp)
            raise
        return rels

    def write_shard(self, paths: dict[str, str], episodes: list[Episode], attrs: dict[str, Any]) -> None:
        """Write every output ``rel`` to the temporary file ``paths[rel]``."""
        raise NotImplementedError
