"""``syngrasp export DIR URL``: copy a finished dataset to a bucket, verified and resumable.

Order of publication: every file of a shard is uploaded and read back
(sha256), then the shard's record ``shard-XXXXXX.json`` is uploaded as the
marker that it is in place; dataset-level files (LeRobot ``meta/``, ``data/``,
packed ``videos/``), ``config.yaml``, the shard table and ``manifest.json`` go
last, only after every shard the shard table lists has a marker. Shards are
streamed from the shard table, so memory does not grow with their number. A re-run skips shards whose remote marker matches
the local record and whose remote files have the recorded sizes.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor

from ..core import layout
from ..core.errors import SyngraspError
from .bounded import bounded_map
from .manifest import read_shard_table
from .publish import publish_shard
from .retry import with_retries
from .store import filesystem, refuse_credentials


class ExportError(SyngraspError):
    """``syngrasp export`` cannot start (no finished run in DIR) or could not verify every shard at the
    destination; the message names the file or the shards and what to do."""


def _remote_marker_ok(fs, root: str, rec: dict) -> bool:
    """The shard's record is at the destination, equal to ours, and every file has its size."""
    try:
        marker = f"{root}/{rec['record']}"
        if not fs.exists(marker) or json.loads(with_retries(lambda: fs.cat_file(marker))).get("files") != rec["files"]:
            return False
        return all(fs.exists(f"{root}/{rel}") and fs.size(f"{root}/{rel}") == m["bytes"] for rel, m in rec["files"].items())
    except (OSError, ValueError):
        return False


def export_dataset(local_dir: str, url: str, threads: int = 4, log=print) -> dict:
    """Upload ``local_dir`` (a complete run) to ``url``; returns counts of uploaded and skipped shards."""
    refuse_credentials(url, key="URL")
    man_path = os.path.join(local_dir, layout.MANIFEST)
    if not os.path.isfile(man_path):
        raise ExportError(f"{man_path} not found: export a finished run (syngrasp generate writes it last)")
    fs, root = filesystem(url, key="URL")
    fs.makedirs(root, exist_ok=True)

    def records():
        for row in read_shard_table(local_dir):
            with open(os.path.join(local_dir, row["record"])) as f:
                yield json.load(f)

    def one(rec: dict) -> tuple[str, str]:
        if _remote_marker_ok(fs, root, rec):
            return "skipped", ""
        publish_shard(fs, root, local_dir, rec)
        return ("uploaded", "") if _remote_marker_ok(fs, root, rec) else ("uploaded", rec["record"])

    counts = {"uploaded": 0, "skipped": 0}
    missing = []
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for what, bad in bounded_map(pool, one, records(), 4 * threads):
            counts[what] += 1
            if bad:
                missing.append(bad)
    if missing:
        raise ExportError(f"shards not verified at the destination: {missing[:20]}; re-run the export")
    for rel in dataset_level_files(local_dir):
        remote = f"{root}/{rel}"
        fs.makedirs(remote.rsplit("/", 1)[0], exist_ok=True)
        with_retries(lambda: fs.put_file(os.path.join(local_dir, rel), remote), what=f"uploading {rel}")
    splits = (layout.SPLITS,) if os.path.isfile(os.path.join(local_dir, layout.SPLITS)) else ()
    for name in (layout.CONFIG, layout.SHARD_TABLE, layout.MANIFEST) + splits:
        with_retries(lambda: fs.put_file(os.path.join(local_dir, name), f"{root}/{name}"), what=f"uploading {name}")
    summary = {**counts, "shards": counts["uploaded"] + counts["skipped"]}
    log(json.dumps(summary))
    return summary


def dataset_level_files(local_dir: str) -> list[str]:
    """Files written by a finalize step (e.g. LeRobot's meta/ and data/), relative paths, sorted."""
    out = []
    for top in layout.FINALIZED_DIRS:
        base = os.path.join(local_dir, top)
        for dirpath, _, names in os.walk(base):
            out.extend(os.path.relpath(os.path.join(dirpath, n), local_dir) for n in names
                       if not layout.is_own_tmp(n))
    return sorted(out)
