"""Local process-pool executor: one worker process per core, no cluster services.

On one machine a pool of spawned processes does what Ray does for a run, and
starts in about a second instead of Ray's several (on 2 slow cores, Ray's
start-up alone was a third of a 20-episode run). Each worker keeps one
EpisodeGenerator and one GL (or Filament) context for up to
``cluster.worker_max_shards`` shards, then a fresh worker takes its place, and
renders with one llvmpipe thread (``worker_env``). A worker that dies (OOM killer, kill -9)
breaks the pool; its shards come back to the driver as lost, the next submit
starts a new pool, and the driver re-runs them up to ``cluster.max_retries``
times each. Shards are written atomically and an episode is a pure function of
(seed, index, config), so a re-run writes byte-identical files. When the driver
dies, its workers are killed with it (Linux parent-death signal); a re-run resumes.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import queue
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from ..core.errors import ConfigError
from .config import RunSettings
from .driver import run
from .shards import Shard, pid_marker, run_shard, worker_env

_STATE: dict = {}


def _init_worker(env: dict[str, str], progress_queue) -> None:
    os.environ.update(env)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver handles Ctrl-C and stops the pool
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    _STATE["queue"] = progress_queue


def _shard_task(cfg: RunSettings, out_dir: str, shard: Shard) -> dict:
    from ..generators.episode import EpisodeGenerator

    gen = _STATE.get("gen")
    if gen is None:
        gen = _STATE["gen"] = EpisodeGenerator(cfg)
    q = _STATE["queue"]

    def on_episode(res) -> None:
        q.put((res.episode.num_frames if res.episode else 0, bool(res.success), res.failure_reason.startswith("error:")))

    with pid_marker(out_dir, shard):
        return run_shard(cfg, out_dir, shard, gen, on_episode)


class ProcessPoolShardExecutor:
    """Shards on a pool of ``workers`` spawned processes writing into a local folder."""

    def __init__(self, cfg: RunSettings, dest, progress, workers: int | None = None):
        if dest.remote:
            raise ConfigError("cluster.executor", "processes write to a local --out on this machine; use ray")
        self.slots = workers or os.cpu_count() or 1
        self.cfg, self.dest, self.progress = cfg, dest, progress
        self.ctx = mp.get_context("spawn")  # never fork a process that may hold a GL context
        self.queue = self.ctx.Queue()
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict = {}

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.slots, mp_context=self.ctx, initializer=_init_worker,
                                            initargs=(worker_env(self.cfg), self.queue),
                                            max_tasks_per_child=self.cfg.cluster.worker_max_shards or None)
        return self.pool

    def submit(self, shard: Shard) -> None:
        self.futures[self._pool().submit(_shard_task, self.cfg, self.dest.staging, shard)] = shard

    def poll(self, timeout_s: float) -> list[tuple[Shard, dict | None]]:
        out = []
        try:
            finished, _ = wait(list(self.futures), timeout=timeout_s, return_when=FIRST_COMPLETED)
            broken = False
            for fut in finished:
                shard = self.futures.pop(fut)
                try:
                    out.append((shard, fut.result()))
                except BrokenProcessPool:
                    out.append((shard, None))
                    broken = True
            if broken:  # every other future of this pool fails the same way; start afresh
                for fut, shard in list(self.futures.items()):
                    out.append((shard, None))
                self.futures.clear()
                self.pool.shutdown(wait=True, cancel_futures=True)
                self.pool = None
        except BaseException:
            self._terminate()
            raise
        finally:
            self._drain()
        return out

    def _drain(self) -> None:
        while True:
            try:
                frames, ok, err = self.queue.get_nowait()
            except queue.Empty:
                break
            self.progress.episode(frames, ok, err)

    def _terminate(self) -> None:
        # Ctrl-C or an error: stop now rather than wait for running shards; their *.tmp files
        # are removed by the driver, and a re-run redoes those shards.
        procs = getattr(self.pool, "_processes", None) or {}  # no public way to stop a busy pool
        for proc in list(procs.values()):
            proc.terminate()

    def close(self) -> None:
        if self.pool is not None:
            if self.futures:
                self._terminate()
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self._drain()


def generate_processes(cfg: RunSettings, out_dir: str, workers: int | None = None, progress: bool = True,
                       verify: bool = False) -> dict:
    """Generate (or resume) the run with ``workers`` local processes; returns the manifest summary."""
    return run(cfg, out_dir, lambda c, d, p: ProcessPoolShardExecutor(c, d, p, workers), progress=progress,
               verify=verify)
