"""Ray driver: one task per shard, retried when its worker dies, resumable, with live progress.

Locally, ``generate_ray(cfg, out, workers=N)`` starts a private Ray instance
with N CPUs; with ``address="auto"`` it joins the cluster that ``ray submit``
or ``ray start`` brought up. Tasks write into the destination's staging folder
(atomic rename), then publish. A killed worker leaves at most a ``*.tmp`` file,
never a visible shard; Ray re-runs the task and, since an episode is a pure
function of (seed, index, config), the re-run writes byte-identical files.
"""

from __future__ import annotations

import json
import os
import shutil
import time

import ray
from tqdm import tqdm

from .config import RunSettings
from .destination import Destination
from ..core.errors import ConfigError
from .ray_setup import check_cluster, init_ray
from .local import build_manifest, finalize_outputs, manifest_text, remove_stale_tmp
from .shards import (
    RUNNING_DIR, Shard, pid_marker, plan_shards, progress_text, run_shard, worker_env, writer_names,
)

_GENERATORS: dict[str, object] = {}


@ray.remote(num_cpus=0)
class Progress:
    """Episode counters reported by shard tasks, polled by the driver."""

    def __init__(self):
        self.episodes = 0
        self.frames = 0
        self.successes = 0

    def report(self, frames: int, success: bool) -> None:
        self.episodes += 1
        self.frames += frames
        self.successes += int(success)

    def snapshot(self) -> tuple[int, int, int]:
        return self.episodes, self.frames, self.successes


def _shard_task(cfg: RunSettings, url: str, shard: Shard, progress) -> dict:
    """Body of the Ray task: generate, write and publish one shard; return its record."""
    from ..generators.episode import EpisodeGenerator

    dest = Destination(url)
    key = json.dumps(cfg.data_dict(), sort_keys=True)
    for k, v in worker_env(cfg).items():  # before this process's GL context exists
        os.environ.setdefault(k, v)
    gen = _GENERATORS.get(key)
    if gen is None:
        gen = _GENERATORS[key] = EpisodeGenerator(cfg)

    def on_episode(res):
        if progress is not None:
            progress.report.remote(res.episode.num_frames if res.episode else 0, res.success)

    with pid_marker(dest.staging, shard):
        rec = run_shard(cfg, dest.staging, shard, gen, on_episode)
        dest.publish(rec)
    return rec


def generate_ray(
    cfg: RunSettings,
    url: str,
    workers: int | None = None,
    address: str | None = None,
    progress: bool = True,
) -> dict:
    """Generate (or resume) the run on Ray; returns the manifest (also written to the destination)."""
    dest = Destination(url)
    if dest.remote and "lerobot" in writer_names(cfg.writer.format):
        raise ConfigError(
            "writer.format", "LeRobot output is finalized from a local folder: generate to a local --out, then syngrasp export"
        )
    dest.prepare(cfg)
    shards = plan_shards(cfg.episodes, cfg.writer.shard_size)
    done = {s.index: dest.complete_record(s) for s in shards}
    todo = [s for s in shards if done[s.index] is None]
    try:
        if todo:
            _run(cfg, url, dest, todo, done, shards, workers, address, progress)
    finally:
        if not dest.remote:
            remove_stale_tmp(dest.staging)  # left by killed or interrupted workers; never published
            shutil.rmtree(os.path.join(dest.staging, RUNNING_DIR), ignore_errors=True)
    records = [done[s.index] for s in shards]
    if not dest.remote:
        finalize_outputs(cfg, dest.staging, records)
    manifest = build_manifest(cfg, records)
    dest.write_manifest(manifest_text(manifest))
    return manifest


def _run(cfg, url, dest, todo, done, shards, workers, address, progress) -> None:
    started_here = init_ray(address, workers, cfg)
    try:
        check_cluster(cfg, url, joined=address is not None)
        task = ray.remote(
            num_cpus=cfg.cluster.num_cpus,
            num_gpus=cfg.cluster.num_gpus,
            max_retries=cfg.cluster.max_retries,
        )(_shard_task)
        counter = Progress.remote()
        pending = {task.remote(cfg, url, s, counter): s for s in todo}
        total = sum(s.hi - s.lo for s in todo)
        bar = tqdm(total=len(shards), initial=len(shards) - len(todo), unit="shard", disable=not progress,
                   dynamic_ncols=True)
        t0 = time.perf_counter()
        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
                for ref in ready:
                    s = pending.pop(ref)
                    done[s.index] = ray.get(ref)
                    bar.update(1)
                n, frames, ok = ray.get(counter.snapshot.remote())
                bar.set_postfix_str(progress_text(n, total, frames, ok, time.perf_counter() - t0))
        finally:
            bar.close()
    finally:
        if started_here:
            ray.shutdown()
