"""The one run driver: plan, resume, keep a bounded number of shard tasks in flight, record, finalize.

Executors (in-process, a local process pool, Ray) only run shards; everything
else exists once, here:

- **Plan** lazily: shard k is made when it is submitted, so a 1M-shard run is never a list.
- **Resume** from one listing of the destination: a shard whose record is there is complete
  (records are published last) when its files match the record: size and sha256 in a local
  folder, size in a bucket (``Destination.file_problem``). A shard that does not match is
  regenerated and named in the returned summary (``redone``, not in ``manifest.json``).
  ``verify=True`` also re-hashes every listed shard's files in a bucket.
- **Bounded in flight**: at most ``cluster.max_in_flight`` shard tasks (default 2 per worker
  slot); more are submitted as they finish. The driver holds 2 bytes per planned shard (a
  done flag and a seen-in-table flag) plus the in-flight shards, whatever N is.
- **Record**: each finished shard's row is appended to ``shards.jsonl`` and added to
  streaming totals; ``manifest.json`` (the summary) is written last.
- **Faults**: an episode that raises costs that episode (``error:<Type>``, see run_shard); a
  worker that dies has its shard re-run, at most ``cluster.max_retries`` times.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Protocol

from ..core import layout, schema
from ..core.errors import ConfigError, SyngraspError
from .bounded import bounded_map
from .config import RunSettings
from .destination import Destination
from .manifest import Totals, manifest_text, row_line, summary, table_row
from .outdir import remove_own_tmp
from .progress import Progress
from ..exporters.formats import resolve
from .shards import Shard, num_shards, shard_at


class Executor(Protocol):
    """Runs shard tasks. ``slots``: shards it runs at once. ``poll`` returns finished shards with
    their record, or None as the record of a shard whose worker died (the driver re-submits it)."""

    slots: int

    def submit(self, shard: Shard) -> None: ...

    def poll(self, timeout_s: float) -> list[tuple[Shard, dict | None]]: ...

    def close(self) -> None: ...


class WorkerRetriesExhausted(SyngraspError):
    """A shard's worker process died more than ``cluster.max_retries`` times."""

    exit_code = 1


def error_share_exceeded(manifest: dict, cfg: RunSettings) -> str | None:
    """A message when the run's errors exceed ``cluster.max_error_share`` of attempted episodes, else None."""
    attempted = max(manifest.get("episodes_attempted", 0), 1)
    share = manifest.get("errors", 0) / attempted
    if share > cfg.cluster.max_error_share:
        return (f"{manifest['errors']} of {attempted} episodes raised errors ({share:.1%} > cluster.max_error_share="
                f"{cfg.cluster.max_error_share}); the tracebacks are in the shard records (\"errors\")")
    return None


def _reconcile_table(dest: Destination, flags: bytearray, cfg: RunSettings, totals: Totals, redone: list):
    """Rewrite the shard table to hold exactly one row per complete shard, streaming; open it for appending.

    Rows of an earlier run are kept when their shard is still listed; listed shards without a row
    (a driver killed between publish and append) have their record read. Every such shard's files
    are checked against its row (``Destination.file_problem``). Shards whose record does not match
    their plan, or whose files do not match their record, lose their flag, are redone and are
    added to ``redone`` as ``{"shard": k, "problem": ...}``.
    """
    n, size = len(flags), cfg.writer.shard_size
    seen = bytearray(n)
    path = dest.table_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = layout.tmp_name(path)

    def old_rows():
        for row in dest.old_table_rows():
            k = row[schema.SHARD_INDEX]
            if 0 <= k < n and flags[k] and not seen[k]:
                s = shard_at(k, cfg.episodes, size)
                if row.get("episode_range") == [s.lo, s.hi]:
                    seen[k] = 1
                    yield k, row
        # listed shards without a row; evaluated after every old row was seen
        yield from ((k, None) for k in range(n) if flags[k] and not seen[k])

    def check(item):
        k, row = item
        if row is None:
            s = shard_at(k, cfg.episodes, size)
            rec = dest.read_record(k)
            if not dest.record_ok(rec, s.lo, s.hi, verify=False):
                return k, None, f"its record {layout.record_name(k)} is unreadable or not this run's"
            row = table_row(rec)
        return k, row, dest.file_problem(row["files"])

    with open(tmp, "w") as out, ThreadPoolExecutor(max_workers=8 if dest.remote else 2) as pool:
        for k, row, problem in bounded_map(pool, check, old_rows(), 64):
            if problem is not None:
                flags[k] = 0
                redone.append({"shard": k, "problem": problem})
                continue
            out.write(row_line(row))
            totals.add(row)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    return open(path, "a")


def run(cfg: RunSettings, url: str, make_executor: Callable[[RunSettings, Destination, Progress], Executor],
        progress: bool = True, verify: bool = False, finalize: bool = True) -> dict:
    """Generate (or resume) the run at ``url`` with the executor ``make_executor`` builds; returns
    the manifest summary (also written to ``url``). Raises nothing for episode errors: see
    ``error_share_exceeded``. ``finalize=False`` skips dataset-level files (``syngrasp finalize`` writes them later)."""
    dest = Destination(url)
    finalized = [f.name for f in resolve(cfg.writer.format) if f.finalize is not None]
    if dest.remote and finalized:
        raise ConfigError("writer.format", f"{', '.join(finalized)} output is finalized from a local folder: generate "
                                           "to a local --out, then syngrasp export")
    dest.prepare(cfg)
    try:
        manifest = _run_locked(cfg, dest, make_executor, progress, verify, finalize)
    finally:
        dest.release()
    return manifest


def _run_locked(cfg: RunSettings, dest: Destination, make_executor, progress: bool, verify: bool,
                finalize: bool) -> dict:
    """``run`` once the destination is prepared (a local folder: locked, config checked)."""
    n = num_shards(cfg.episodes, cfg.writer.shard_size)
    flags = dest.listed_records(n)
    redone: list[dict] = []
    if verify and dest.remote:  # a local folder is re-hashed on every resume (_reconcile_table)
        before = bytearray(flags)
        dest.verify_listed(flags, lambda k: shard_at(k, cfg.episodes, cfg.writer.shard_size))
        redone.extend({"shard": k, "problem": "its files do not match the sha256 in its record (--verify)"}
                      for k in range(n) if before[k] and not flags[k])
    totals = Totals()
    table = _reconcile_table(dest, flags, cfg, totals, redone)
    prog = Progress(n, totals.shards, cfg.episodes - totals.episodes, enabled=progress,
                    interval_s=cfg.cluster.log_interval_s)
    todo = (shard_at(k, cfg.episodes, cfg.writer.shard_size) for k in range(n) if not flags[k])
    executor = None
    try:
        pending = next(todo, None)
        if pending is not None:
            executor = make_executor(cfg, dest, prog)
            limit = cfg.cluster.max_in_flight or 2 * max(1, executor.slots)
            in_flight: dict[int, int] = {}  # shard index -> retries so far
            while True:
                while pending is not None and len(in_flight) < limit:
                    executor.submit(pending)
                    in_flight[pending.index] = 0
                    pending = next(todo, None)
                if not in_flight:
                    break
                for shard, rec in executor.poll(0.5):
                    if rec is None:
                        in_flight[shard.index] += 1
                        if in_flight[shard.index] > cfg.cluster.max_retries:
                            raise WorkerRetriesExhausted(
                                f"shard {shard.index}: its worker process died {in_flight[shard.index]} times; check "
                                "memory (dmesg) or raise cluster.max_retries; a script that calls this must guard "
                                "its entry point with `if __name__ == '__main__':` (workers are spawned)"
                            )
                        executor.submit(shard)
                        continue
                    del in_flight[shard.index]
                    row = table_row(rec)
                    table.write(row_line(row))
                    table.flush()
                    totals.add(row)
                    flags[shard.index] = 1
                    prog.shard_done()
                prog.show()
    finally:
        if executor is not None:
            executor.close()
        prog.close()
        table.close()
        if not dest.remote:
            remove_own_tmp(dest.staging)  # left by killed or interrupted workers; never published
            shutil.rmtree(os.path.join(dest.staging, layout.RUNNING_DIR), ignore_errors=True)
    if finalize and not dest.remote:
        finalize_outputs(cfg, dest.staging, lambda: (k for k in range(n) if flags[k]))
    manifest = summary(cfg, totals, n)
    dest.write_manifest(manifest_text(manifest))
    if redone:  # reported to the caller, not written: manifest.json equals an uninterrupted run's
        manifest["redone"] = sorted(redone, key=lambda r: r["shard"])
    return manifest


def finalize_outputs(cfg: RunSettings, out_dir: str, complete: Callable[[], Iterable[int]]) -> dict:
    """Dataset-level files that need every shard: each format's finalize hook (exporters/formats), given
    ``complete()``, the complete shards in order; returns {format: what its hook reports}."""
    run_config = cfg.to_dict()
    return {f.name: f.finalize(out_dir, complete(), cfg.writer, run_config)
            for f in resolve(cfg.writer.format) if f.finalize is not None}
