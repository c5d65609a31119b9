"""Where shards end up: the output folder itself, or a bucket fed from a local staging folder."""

from __future__ import annotations

import json
import os
import tempfile

import yaml

from .config import RunSettings
from ..core.errors import ConfigError
from .local import CONFIG, MANIFEST, prepare_out_dir
from ..core.atomic import atomic_write_text
from .shards import Shard, load_complete_record
from .export import publish_shard
from .store import filesystem, is_remote


class Destination:
    """A run's output location.

    ``staging`` is the local folder a shard task writes into. For a local
    destination it is the output folder; for a bucket it is a per-run temp
    folder whose finished shards are uploaded, verified, then marked complete
    by uploading their record.
    """

    def __init__(self, url: str):
        self.url = url
        self.remote = is_remote(url)
        if self.remote:
            self.fs, self.root = filesystem(url)
            key = url.replace("://", "_").replace("/", "_")
            self.staging = os.path.join(tempfile.gettempdir(), "syngrasp-staging", key)
        else:
            self.staging = url[len("file://"):] if url.startswith("file://") else url

    def prepare(self, cfg: RunSettings) -> None:
        if not self.remote:
            prepare_out_dir(cfg, self.staging)
            return
        os.makedirs(self.staging, exist_ok=True)
        text = yaml.safe_dump(cfg.data_dict(), sort_keys=True)
        path = f"{self.root}/{CONFIG}"
        if self.fs.exists(path):
            if self.fs.cat_file(path).decode() != text:
                raise ConfigError("--out", f"{self.url} holds a run with a different config; use a new prefix")
        else:
            self.fs.pipe_file(path, text.encode())

    def complete_record(self, shard: Shard) -> dict | None:
        if not self.remote:
            return load_complete_record(self.staging, shard)
        try:
            rec = json.loads(self.fs.cat_file(f"{self.root}/shard-{shard.index:06d}.json"))
        except (FileNotFoundError, OSError, ValueError):
            return None
        if rec.get("episode_range") != [shard.lo, shard.hi] or not isinstance(rec.get("files"), dict):
            return None
        ok = all(
            self.fs.exists(f"{self.root}/{rel}") and self.fs.size(f"{self.root}/{rel}") == m["bytes"]
            for rel, m in rec["files"].items()
        )
        return rec if ok else None

    def publish(self, rec: dict) -> None:
        """Make a finished shard visible at the destination (no-op for a local folder)."""
        if not self.remote:
            return
        publish_shard(self.fs, self.root, self.staging, rec)
        for rel in rec["files"]:
            os.unlink(os.path.join(self.staging, rel))

    def write_manifest(self, text: str) -> None:
        if self.remote:
            self.fs.pipe_file(f"{self.root}/{MANIFEST}", text.encode())
        else:
            atomic_write_text(os.path.join(self.staging, MANIFEST), text)
