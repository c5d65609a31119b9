"""``syngrasp export DIR URL``: copy a finished dataset to a bucket, verified and resumable.

Order of publication: every file of a shard is uploaded and read back
(sha256), then the shard's record ``shard-XXXXXX.json`` is uploaded as the
marker that it is in place; dataset-level files (LeRobot ``meta/``, ``data/``),
``config.yaml`` and ``manifest.json`` go last, only after every shard the
manifest lists has a marker. A re-run skips shards whose remote marker matches
the local record and whose remote files have the recorded sizes.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor

from ..core.errors import SyngraspError
from .local import CONFIG, MANIFEST
from .store import filesystem, upload_verified


class ExportError(SyngraspError):
    pass


def _remote_marker_ok(fs, root: str, rec: dict) -> bool:
    """The shard's record is at the destination, equal to ours, and every file has its size."""
    try:
        marker = f"{root}/{rec['record']}"
        if not fs.exists(marker) or json.loads(fs.cat_file(marker)).get("files") != rec["files"]:
            return False
        return all(fs.exists(f"{root}/{rel}") and fs.size(f"{root}/{rel}") == m["bytes"] for rel, m in rec["files"].items())
    except (OSError, ValueError):
        return False


def publish_shard(fs, root: str, local_dir: str, rec: dict) -> None:
    """Upload and verify every file of a shard, then its record (the completion marker)."""
    for rel, meta in rec["files"].items():
        remote = f"{root}/{rel}"
        fs.makedirs(remote.rsplit("/", 1)[0], exist_ok=True)
        upload_verified(fs, os.path.join(local_dir, rel), remote, meta["sha256"])
    fs.put_file(os.path.join(local_dir, rec["record"]), f"{root}/{rec['record']}")


def export_dataset(local_dir: str, url: str, threads: int = 4, log=print) -> dict:
    """Upload ``local_dir`` (a complete run) to ``url``; returns counts of uploaded and skipped shards."""
    man_path = os.path.join(local_dir, MANIFEST)
    if not os.path.isfile(man_path):
        raise ExportError(f"{man_path} not found: export a finished run (syngrasp generate writes it last)")
    with open(man_path) as f:
        manifest = json.load(f)
    fs, root = filesystem(url)
    fs.makedirs(root, exist_ok=True)
    records = []
    for s in manifest["shards"]:
        with open(os.path.join(local_dir, s["record"])) as f:
            records.append(json.load(f))

    def one(rec: dict) -> str:
        if _remote_marker_ok(fs, root, rec):
            return "skipped"
        publish_shard(fs, root, local_dir, rec)
        return "uploaded"

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(one, records))
    missing = [r["record"] for r in records if not _remote_marker_ok(fs, root, r)]
    if missing:
        raise ExportError(f"shards not verified at the destination: {missing}; re-run the export")
    for rel in dataset_level_files(local_dir):
        remote = f"{root}/{rel}"
        fs.makedirs(remote.rsplit("/", 1)[0], exist_ok=True)
        fs.put_file(os.path.join(local_dir, rel), remote)
    fs.put_file(os.path.join(local_dir, CONFIG), f"{root}/{CONFIG}")
    fs.put_file(man_path, f"{root}/{MANIFEST}")
    summary = {"uploaded": results.count("uploaded"), "skipped": results.count("skipped"), "shards": len(records)}
    log(json.dumps(summary))
    return summary


def dataset_level_files(local_dir: str) -> list[str]:
    """Files written by a finalize step (e.g. LeRobot's meta/ and data/), relative paths, sorted."""
    out = []
    for top in ("meta", "data"):
        base = os.path.join(local_dir, top)
        for dirpath, _, names in os.walk(base):
            out.extend(os.path.relpath(os.path.join(dirpath, n), local_dir) for n in names if not n.endswith(".tmp"))
    return sorted(out)
