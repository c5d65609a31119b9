"""In-process executor (shards run one after another in this process) and the output folder's set-up."""

from __future__ import annotations

import collections
import json
import os

import yaml

from ..core.atomic import atomic_write_text
from .config import RunSettings
from ..core.errors import ConfigError
from .manifest import MANIFEST  # noqa: F401  (re-exported: the file name drivers and tools share)
from .shards import Shard, run_shard

CONFIG = "config.yaml"
SPLITS = "splits.json"  # randomization.holdout.SPLITS_FILE: held-out and train targets (eval.holdout_fraction > 0)


def splits_text(cfg: RunSettings) -> str | None:
    """The run's ``splits.json`` (held-out and train target categories and objects), or None when
    ``eval.holdout_fraction`` is 0. A few KB per thousand catalog objects."""
    if cfg.eval.holdout_fraction <= 0:
        return None
    from ..assets import build_catalog
    from ..randomization.holdout import holdout

    rec = holdout(build_catalog(cfg.scene.asset_sources), cfg.seed, cfg.eval.holdout_fraction)
    return json.dumps(rec.to_json(), indent=1, sort_keys=True) + "\n"


def remove_stale_tmp(out_dir: str) -> int:
    """Delete ``*.tmp`` files anywhere under ``out_dir`` (never published, so no data is lost); returns the count.

    Call only when no writer is running in ``out_dir``.
    """
    n = 0
    for dirpath, _, names in os.walk(out_dir):
        for name in names:
            if ".tmp" in name and (name.endswith(".tmp") or name.endswith(".tmp.npz")):
                os.unlink(os.path.join(dirpath, name))
                n += 1
    return n


def prepare_out_dir(cfg: RunSettings, out_dir: str) -> None:
    """Create ``out_dir`` and save the resolved config; refuse a dir holding a different run.

    Leftover ``*.tmp`` files of a killed earlier run are deleted: they were
    never published, so no data is lost.
    """
    os.makedirs(out_dir, exist_ok=True)
    remove_stale_tmp(out_dir)
    path = os.path.join(out_dir, CONFIG)
    text = yaml.safe_dump(cfg.data_dict(), sort_keys=True)
    if os.path.isfile(path):
        with open(path) as f:
            if f.read() != text:
                raise ConfigError(
                    "--out", f"{out_dir} holds a run with a different config ({path}); use a new --out to start a new run"
                )
        return
    atomic_write_text(path, text)
    splits = splits_text(cfg)
    if splits is not None:
        atomic_write_text(os.path.join(out_dir, SPLITS), splits)


class InProcessExecutor:
    """Runs each submitted shard in this process when polled, one at a time."""

    slots = 1

    def __init__(self, cfg: RunSettings, dest, progress):
        from ..generators.episode import EpisodeGenerator

        self.cfg, self.dest, self.progress = cfg, dest, progress
        self.gen = EpisodeGenerator(cfg)
        self.queue: collections.deque[Shard] = collections.deque()

    def submit(self, shard: Shard) -> None:
        self.queue.append(shard)

    def _on_episode(self, res) -> None:
        self.progress.episode(res.episode.num_frames if res.episode else 0, res.success,
                              res.failure_reason.startswith("error:"))
        self.progress.show()

    def poll(self, timeout_s: float) -> list[tuple[Shard, dict | None]]:
        if not self.queue:
            return []
        shard = self.queue.popleft()
        rec = run_shard(self.cfg, self.dest.staging, shard, self.gen, self._on_episode)
        self.dest.publish(rec)
        return [(shard, rec)]

    def close(self) -> None:
        self.queue.clear()


def generate_local(cfg: RunSettings, out_dir: str, progress: bool = True, verify: bool = False) -> dict:
    """Generate (or resume) the run in this process; returns the manifest summary."""
    from .driver import run

    return run(cfg, out_dir, InProcessExecutor, progress=progress, verify=verify)
