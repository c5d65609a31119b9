"""Publishing a finished shard to a store: each file uploaded and verified, then its record.

The record (``shard-XXXXXX.json``) goes last: at the destination, a shard whose record is there
has every file in place and verified. Used by bucket runs (``Destination.publish``) and by
``syngrasp export``.
"""

from __future__ import annotations

import os

from .retry import with_retries
from .store import upload_verified


def publish_shard(fs, root: str, local_dir: str, rec: dict) -> None:
    """Upload and verify every file of a shard from ``local_dir`` to ``root`` on ``fs``, then its
    record (the completion marker)."""
    for rel, meta in rec["files"].items():
        remote = f"{root}/{rel}"
        fs.makedirs(remote.rsplit("/", 1)[0], exist_ok=True)
        upload_verified(fs, os.path.join(local_dir, rel), remote, meta["sha256"])
    with_retries(lambda: fs.put_file(os.path.join(local_dir, rec["record"]), f"{root}/{rec['record']}"),
                 what=f"uploading {rec['record']}")
