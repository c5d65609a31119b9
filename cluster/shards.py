"""Shard planning, the per-shard job and the per-shard record used for resume.

Shard k holds episode indices [k*S, (k+1)*S). A shard is complete when its
record ``shard-XXXXXX.json`` (written after its data files, all atomically)
exists; resume checks its files against it (``destination.Destination.file_problem``).
An exception inside one episode is recorded (failure ``error:<Type>``, traceback under
``errors``) and the shard goes on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import time
import traceback
from typing import Callable

from ..core import layout, schema
from ..core.atomic import atomic_write_text, sha256_file
from ..exporters.formats import resolve
from .config import RunSettings


@dataclasses.dataclass(frozen=True)
class Shard:
    index: int
    lo: int  # first episode index
    hi: int  # one past the last episode index


@contextlib.contextmanager
def pid_marker(out_dir: str, shard: "Shard"):
    """``.running/shard-XXXXXX.pid`` holds this process's pid while it generates ``shard``."""
    path = layout.pid_path(out_dir, shard.index)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(str(os.getpid()))
    try:
        yield
    finally:
        if os.path.exists(path):
            os.unlink(path)


def worker_env(cfg: RunSettings) -> dict[str, str]:
    """Environment of a worker process: llvmpipe renders with as many threads as the task has
    CPUs (one process per core beat one process with a thread per core), unless already set."""
    if "LP_NUM_THREADS" in os.environ:
        return {}
    return {"LP_NUM_THREADS": str(max(1, int(round(cfg.cluster.num_cpus))))}


def num_shards(episodes: int, shard_size: int) -> int:
    """Shards of a run of ``episodes`` episode indices, ``shard_size`` per shard (the last may be short)."""
    return (episodes + shard_size - 1) // shard_size


def shard_at(k: int, episodes: int, shard_size: int) -> Shard:
    """Shard ``k`` of the run: episode indices [k * shard_size, min((k + 1) * shard_size, episodes))."""
    return Shard(k, k * shard_size, min((k + 1) * shard_size, episodes))


def record_path(out_dir: str, shard: Shard) -> str:
    """Path of ``shard``'s record in ``out_dir`` (``core.layout.record_name``)."""
    return os.path.join(out_dir, layout.record_name(shard.index))


def error_result(idx: int, exc: BaseException):
    """The EpisodeResult of an episode whose generation raised ``exc``: failure ``error:<type>``."""
    from ..generators.episode import EpisodeResult

    return EpisodeResult(episode_index=idx, success=False, failure_reason=f"error:{type(exc).__name__}",
                         attempts=0, episode=None, timings={})


def run_shard(
    cfg: RunSettings,
    out_dir: str,
    shard: Shard,
    generator=None,
    on_episode: Callable | None = None,
) -> dict:
    """Generate every episode of ``shard``, write it atomically, then its record; return the record.

    ``generator``: an EpisodeGenerator to reuse (one is made when None); ``on_episode`` is
    called with each EpisodeResult. The generator module is imported here, not at the top,
    so that drivers start worker processes without first paying its import.
    """
    from ..generators.episode import EpisodeGenerator

    gen = generator or EpisodeGenerator(cfg)
    shard_writers = [f.writer(out_dir, cfg.writer) for f in resolve(cfg.writer.format)]
    episodes, failures, timings = [], {}, {}
    outcomes: dict[str, dict[str, int]] = {}  # target category -> outcome ("success" or failure reason) -> count
    redraws = 0
    checked: dict[str, int] = {}
    t0 = time.perf_counter()
    errors = []
    for idx in range(shard.lo, shard.hi):
        try:
            res = gen.generate(cfg.seed, idx)
        except Exception as e:  # a fault costs this episode, not the shard
            res = error_result(idx, e)
            errors.append({schema.EPISODE_INDEX: idx, "error": type(e).__name__,
                           "traceback": "".join(traceback.format_exception(e))[-4000:]})
        for k, v in res.timings.items():
            timings[k] = timings.get(k, 0.0) + v
        redraws += res.visibility_redraws
        if res.crosscheck:
            checked[res.crosscheck] = checked.get(res.crosscheck, 0) + 1
        if not res.success:
            failures[res.failure_reason] = failures.get(res.failure_reason, 0) + 1
        by_cat = outcomes.setdefault(res.target_category, {})
        outcome = "success" if res.success else res.failure_reason  # not a schema key: the outcome label
        by_cat[outcome] = by_cat.get(outcome, 0) + 1
        if res.episode is not None:
            res.episode.meta[schema.SHARD_INDEX] = shard.index
            episodes.append(res.episode)
        if on_episode is not None:
            on_episode(res)
    w0 = time.perf_counter()
    attrs = {
        "run_config": cfg.to_dict(),
        schema.SHARD_INDEX: shard.index,
        "episode_range": [shard.lo, shard.hi],
        schema.SCHEMA_VERSION_KEY: episodes[0].meta[schema.SCHEMA_VERSION_KEY] if episodes else "",
    }
    rels = [rel for w in shard_writers for rel in w.write(shard.index, episodes, attrs)]
    timings["write"] = timings.get("write", 0.0) + time.perf_counter() - w0
    files = {
        rel: {"bytes": os.path.getsize(os.path.join(out_dir, rel)), "sha256": sha256_file(os.path.join(out_dir, rel))}
        for rel in rels
    }
    rec = {
        schema.SHARD_INDEX: shard.index,
        "episode_range": [shard.lo, shard.hi],
        "record": os.path.basename(record_path(out_dir, shard)),
        "files": files,
        "episodes_written": [e.meta[schema.EPISODE_INDEX] for e in episodes],
        "frames": int(sum(e.num_frames for e in episodes)),
        "successes": int(sum(bool(e.meta[schema.SUCCESS]) for e in episodes)),
        "failures": failures,
        "outcomes_by_category": outcomes,
        "errors": errors,
        "visibility_redraws": redraws,  # not a schema key: the shard's total of the episodes' redraws
        "bytes": int(sum(f["bytes"] for f in files.values())),
        "seconds": round(time.perf_counter() - t0, 3),
        "timings": {k: round(v, 4) for k, v in timings.items()},
    }
    if cfg.rollout.crosscheck:  # MuJoCo successes re-executed in the cross-check engine: held / dropped
        rec["crosscheck"] = {"engine": cfg.rollout.crosscheck, "held": checked.get("held", 0),
                             "dropped": checked.get("dropped", 0)}
    atomic_write_text(record_path(out_dir, shard), json.dumps(rec, indent=1, sort_keys=True))
    return rec
