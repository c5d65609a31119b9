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
    """Delete syngrasp's own temp files under ``out_dir`` (see outdir.remove_own_tmp); returns the count."""
    from .outdir import remove_own_tmp

    return remove_own_tmp(out_dir)


def prepare_out_dir(cfg: RunSettings, out_dir: str):
    """Create and lock ``out_dir``, save the resolved config, refuse a dir holding a different run;
    returns the held lock (``outdir.RunLock``; the caller releases it).

    Only after the lock is held and the config is found to be this run's are leftover temp
    files of a killed earlier run deleted, and only syngrasp's own (``.syngrasp-tmp-*``).
    """
    from .outdir import acquire_lock

    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ConfigError("--out", f"{out_dir} is a file, not a folder: give a new folder, or the folder of this run")
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        raise ConfigError("--out", f"cannot create {out_dir} ({e.strerror}): choose a folder you can write") from None
    lock = acquire_lock(out_dir)
    try:
        path = os.path.join(out_dir, CONFIG)
        text = yaml.safe_dump(cfg.data_dict(), sort_keys=True)
        if os.path.isfile(path):
            with open(path) as f:
                if f.read() != text:
                    raise ConfigError(
                        "--out", f"{out_dir} holds a run with a different config ({path}); use a new --out to start a new run"
                    )
        else:
            atomic_write_text(path, text)
            splits = splits_text(cfg)
            if splits is not None:
                atomic_write_text(os.path.join(out_dir, SPLITS), splits)
        remove_stale_tmp(out_dir)
    except BaseException:
        lock.release()
        raise
    return lock


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
