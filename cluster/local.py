"""In-process driver: resumable, sharded generation with a progress bar and a run manifest."""

from __future__ import annotations

import json
import os
import time

import yaml
from tqdm import tqdm

from .. import __version__
from .config import RunSettings
from ..core.errors import ConfigError
from ..core.atomic import atomic_write_text
from .shards import load_complete_record, plan_shards, run_shard, writer_names

MANIFEST = "manifest.json"
CONFIG = "config.yaml"


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


def build_manifest(cfg: RunSettings, records: list[dict]) -> dict:
    """The run manifest: totals and, per shard, episode range, frames, successes, bytes and each file's sha256."""
    return {
        "syngrasp_version": __version__,
        "seed": cfg.seed,
        "episodes": cfg.episodes,
        "shard_size": cfg.writer.shard_size,
        "format": cfg.writer.format,
        "frames": sum(r["frames"] for r in records),
        "successes": sum(r["successes"] for r in records),
        "bytes": sum(r["bytes"] for r in records),
        "shards": [{k: r[k] for k in ("shard_index", "episode_range", "record", "files", "frames", "successes", "bytes")}
                   for r in records],
    }


def manifest_text(manifest: dict) -> str:
    return json.dumps(manifest, indent=1, sort_keys=True)


def write_manifest(cfg: RunSettings, out_dir: str, records: list[dict]) -> dict:
    manifest = build_manifest(cfg, records)
    atomic_write_text(os.path.join(out_dir, MANIFEST), manifest_text(manifest))
    return manifest


def generate_local(cfg: RunSettings, out_dir: str, progress: bool = True) -> dict:
    """Generate (or resume) the run in this process; returns the manifest."""
    prepare_out_dir(cfg, out_dir)
    shards = plan_shards(cfg.episodes, cfg.writer.shard_size)
    done = {s.index: load_complete_record(out_dir, s) for s in shards}
    todo = [s for s in shards if done[s.index] is None]
    from ..generators.episode import EpisodeGenerator

    gen = EpisodeGenerator(cfg) if todo else None
    skipped = sum(s.hi - s.lo for s in shards if done[s.index] is not None)
    bar = tqdm(total=cfg.episodes, initial=skipped, unit="ep", disable=not progress, dynamic_ncols=True)
    stats = {"frames": 0, "ok": 0, "n": 0, "t0": time.perf_counter()}

    def on_episode(res) -> None:
        stats["n"] += 1
        stats["ok"] += int(res.success)
        if res.episode is not None:
            stats["frames"] += res.episode.num_frames
        dt = time.perf_counter() - stats["t0"]
        bar.set_postfix_str(f"{stats['frames'] / dt:.1f} frames/s, success {stats['ok'] / stats['n']:.0%}")
        bar.update(1)

    try:
        for s in todo:
            done[s.index] = run_shard(cfg, out_dir, s, gen, on_episode)
    finally:
        bar.close()
    records = [done[s.index] for s in shards]
    finalize_outputs(cfg, out_dir, records)
    return write_manifest(cfg, out_dir, records)


def finalize_outputs(cfg: RunSettings, out_dir: str, records: list[dict]) -> None:
    """Dataset-level files that need every shard: LeRobot's data/ and meta/."""
    if "lerobot" in writer_names(cfg.writer.format):
        from ..assets.robot import load_robot
        from ..exporters.lerobot_meta import finalize_lerobot

        names = load_robot(cfg.rollout.robot).feature_names()
        finalize_lerobot(out_dir, [r["shard_index"] for r in records], cfg.rollout.robot, names)
