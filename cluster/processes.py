"""Local process-pool driver: one worker process per core, no cluster services.

On one machine a pool of spawned processes does what Ray does for a run, and
starts in about a second instead of Ray's several (on 2 slow cores, Ray's
start-up alone was a third of a 20-episode run). Each worker keeps one
EpisodeGenerator and one GL context for the whole run and renders with one
llvmpipe thread (``worker_env``). A worker that dies (OOM killer, kill -9)
breaks the pool; the driver starts a new pool and re-runs the shards that were
not complete, up to ``cluster.max_retries`` times each. Shards are written
atomically and an episode is a pure function of (seed, index, config), so a
re-run writes byte-identical files. When the driver dies, its workers are
killed with it (Linux parent-death signal); a re-run resumes.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import queue
import shutil
import signal
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from tqdm import tqdm

from .config import RunSettings
from ..core.errors import SyngraspError
from .local import finalize_outputs, prepare_out_dir, remove_stale_tmp, write_manifest
from .shards import (
    RUNNING_DIR, Shard, load_complete_record, pid_marker, plan_shards, progress_text, run_shard, worker_env,
)

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
        q.put((res.episode.num_frames if res.episode else 0, bool(res.success)))

    with pid_marker(out_dir, shard):
        return run_shard(cfg, out_dir, shard, gen, on_episode)


class WorkerRetriesExhausted(SyngraspError):
    """A shard's worker process died more than ``cluster.max_retries`` times."""


def generate_processes(cfg: RunSettings, out_dir: str, workers: int | None = None, progress: bool = True) -> dict:
    """Generate (or resume) the run with ``workers`` local processes; returns the manifest."""
    workers = workers or os.cpu_count() or 1
    prepare_out_dir(cfg, out_dir)
    shards = plan_shards(cfg.episodes, cfg.writer.shard_size)
    done = {s.index: load_complete_record(out_dir, s) for s in shards}
    todo = [s for s in shards if done[s.index] is None]
    total = sum(s.hi - s.lo for s in todo)
    bar = tqdm(total=len(shards), initial=len(shards) - len(todo), unit="shard", disable=not progress,
               dynamic_ncols=True)
    ctx = mp.get_context("spawn")  # never fork a process that may hold a GL context
    progress_queue = ctx.Queue()
    counts = {"n": 0, "frames": 0, "ok": 0, "t0": time.perf_counter()}
    retries = {s.index: 0 for s in todo}
    try:
        while todo:
            todo = _run_pool(ctx, cfg, out_dir, todo, done, workers, progress_queue, bar, counts, total)
            for s in todo:
                retries[s.index] += 1
                if retries[s.index] > cfg.cluster.max_retries:
                    raise WorkerRetriesExhausted(
                        f"shard {s.index}: its worker process died {retries[s.index]} times; check memory "
                        "(dmesg) or raise cluster.max_retries; a script that calls this must guard its "
                        "entry point with `if __name__ == '__main__':` (workers are spawned)"
                    )
    finally:
        bar.close()
        remove_stale_tmp(out_dir)
        shutil.rmtree(os.path.join(out_dir, RUNNING_DIR), ignore_errors=True)
    records = [done[s.index] for s in shards]
    finalize_outputs(cfg, out_dir, records)
    return write_manifest(cfg, out_dir, records)


def _run_pool(ctx, cfg, out_dir, todo, done, workers, progress_queue, bar, counts, total) -> list[Shard]:
    """Run ``todo`` on a fresh pool; returns the shards left undone because a worker died."""
    env = worker_env(cfg)
    pool = ProcessPoolExecutor(min(workers, len(todo)), mp_context=ctx, initializer=_init_worker,
                               initargs=(env, progress_queue))
    futures = {pool.submit(_shard_task, cfg, out_dir, s): s for s in todo}
    left: list[Shard] = []
    try:
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in finished:
                s = futures[fut]
                try:
                    done[s.index] = fut.result()
                    bar.update(1)
                except BrokenProcessPool:
                    left.append(s)
            _drain(progress_queue, counts, bar, total)
    except BaseException:
        # Ctrl-C or an error: stop now rather than wait for running shards; their *.tmp files
        # are removed by the caller, and a re-run redoes those shards.
        procs = getattr(pool, "_processes", None) or {}  # no public way to stop a busy pool
        for proc in list(procs.values()):
            proc.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    _drain(progress_queue, counts, bar, total)
    return left


def _drain(progress_queue, counts, bar, total) -> None:
    while True:
        try:
            frames, ok = progress_queue.get_nowait()
        except queue.Empty:
            break
        counts["n"] += 1
        counts["frames"] += frames
        counts["ok"] += int(ok)
    bar.set_postfix_str(progress_text(counts["n"], total, counts["frames"], counts["ok"],
                                      time.perf_counter() - counts["t0"]))


