"""``syngrasp export DIR URL``: copy a finished dataset to a bucket, verified and resumable.

Order of publication: every shard is uploaded and read back (sha256), then its
record ``shard-XXXXXX.json`` is uploaded as the marker that it is in place;
``config.yaml`` and ``manifest.json`` go last, only after every shard the
manifest lists has a marker. A re-run skips shards whose remote marker matches
the local record and whose remote size matches.
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
    marker = f"{root}/{rec['file'].replace('.hdf5', '.json')}"
    data = f"{root}/{rec['file']}"
    try:
        if not fs.exists(marker) or not fs.exists(data):
            return False
        remote = json.loads(fs.cat_file(marker))
        return remote.get("sha256") == rec["sha256"] and fs.size(data) == rec["bytes"]
    except (OSError, ValueError):
        return False


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
        with open(os.path.join(local_dir, s["file"].replace(".hdf5", ".json"))) as f:
            records.append(json.load(f))

    def one(rec: dict) -> str:
        if _remote_marker_ok(fs, root, rec):
            return "skipped"
        upload_verified(fs, os.path.join(local_dir, rec["file"]), f"{root}/{rec['file']}", rec["sha256"])
        name = rec["file"].replace(".hdf5", ".json")
        fs.put_file(os.path.join(local_dir, name), f"{root}/{name}")
        return "uploaded"

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(one, records))
    missing = [r["file"] for r in records if not _remote_marker_ok(fs, root, r)]
    if missing:
        raise ExportError(f"shards not verified at the destination: {missing}; re-run the export")
    fs.put_file(os.path.join(local_dir, CONFIG), f"{root}/{CONFIG}")
    fs.put_file(man_path, f"{root}/{MANIFEST}")
    summary = {"uploaded": results.count("uploaded"), "skipped": results.count("skipped"), "shards": len(records)}
    log(json.dumps(summary))
    return summary
