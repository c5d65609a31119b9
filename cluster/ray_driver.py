"""Ray executor: one task per shard, retried when its worker dies, with live progress.

Locally, ``generate_ray(cfg, out, workers=N)`` starts a private Ray instance
with N CPUs; with ``address="auto"`` it joins the cluster that ``ray submit``
or ``ray start`` brought up. Tasks write into the destination's staging folder
(atomic rename), then publish. A killed worker leaves at most a ``*.tmp`` file,
never a visible shard; Ray re-runs the task and, since an episode is a pure
function of (seed, index, config), the re-run writes byte-identical files.
The driver (driver.py) keeps at most ``cluster.max_in_flight`` tasks submitted.
"""

from __future__ import annotations

import json
import os

import ray

from .config import RunSettings
from .destination import Destination
from .driver import run
from .ray_setup import check_cluster, init_ray
from .shards import Shard, pid_marker, run_shard, worker_env

_GENERATORS: dict[str, object] = {}


@ray.remote(num_cpus=0)
class Progress:
    """Episode counters reported by shard tasks, polled by the driver."""

    def __init__(self):
        self.counts = [0, 0, 0, 0]  # episodes, frames, successes, errors

    def report(self, frames: int, success: bool, error: bool = False) -> None:
        for i, v in enumerate((1, frames, int(success), int(error))):
            self.counts[i] += v

    def snapshot(self) -> list[int]:
        return self.counts


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
            progress.report.remote(res.episode.num_frames if res.episode else 0, res.success,
                                   res.failure_reason.startswith("error:"))

    with pid_marker(dest.staging, shard):
        rec = run_shard(cfg, dest.staging, shard, gen, on_episode)
        dest.publish(rec)
    return rec


class RayExecutor:
    """Shard tasks on Ray; ``slots`` is the cluster's CPUs divided by ``cluster.num_cpus``."""

    def __init__(self, cfg: RunSettings, dest: Destination, progress, workers: int | None = None,
                 address: str | None = None):
        self.started_here = init_ray(address, workers, cfg)
        self.cfg, self.dest, self.progress = cfg, dest, progress
        try:
            check_cluster(cfg, dest.url, joined=address is not None)
        except BaseException:
            if self.started_here:
                ray.shutdown()
            raise
        cpus = ray.cluster_resources().get("CPU", 1.0)
        self.slots = max(1, int(cpus // cfg.cluster.num_cpus))
        self.task = ray.remote(num_cpus=cfg.cluster.num_cpus, num_gpus=cfg.cluster.num_gpus,
                               max_retries=cfg.cluster.max_retries,
                               max_calls=cfg.cluster.worker_max_shards)(_shard_task)
        self.counter = Progress.remote()
        self.cfg_ref = ray.put(cfg)  # the config object itself: the cluster never imports the app's RunConfig
        self.pending: dict = {}

    def submit(self, shard: Shard) -> None:
        self.pending[self.task.remote(self.cfg_ref, self.dest.url, shard, self.counter)] = shard

    def poll(self, timeout_s: float) -> list[tuple[Shard, dict | None]]:
        ready, _ = ray.wait(list(self.pending), num_returns=len(self.pending), timeout=timeout_s)
        out = [(self.pending.pop(ref), ray.get(ref)) for ref in ready]
        self.progress.set_counts(*ray.get(self.counter.snapshot.remote()))
        return out

    def close(self) -> None:
        for ref in self.pending:
            try:
                ray.cancel(ref, force=True)
            except Exception:  # already finished or gone with its worker
                pass
        self.pending.clear()
        if self.started_here:
            ray.shutdown()


def generate_ray(
    cfg: RunSettings,
    url: str,
    workers: int | None = None,
    address: str | None = None,
    progress: bool = True,
    verify: bool = False,
) -> dict:
    """Generate (or resume) the run on Ray; returns the manifest summary (also written to the destination)."""
    return run(cfg, url, lambda c, d, p: RayExecutor(c, d, p, workers, address), progress=progress, verify=verify)
