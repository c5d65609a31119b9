"""Where shards end up: the output folder itself, or a bucket fed from a local staging folder.

Resume reads one listing: a shard is complete when its record ``shard-XXXXXX.json``
is at the destination (records are published last, after every file of the
shard is in place and verified) and its files match the record (``file_problem``:
size and sha256 for a local folder, size from the listing for a bucket). ``verify``
additionally re-hashes each listed shard's files in a bucket, in parallel threads.
"""

from __future__ import annotations

import json
import os
import stat
from array import array
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

from ..core import layout
from ..core.atomic import atomic_write_text, sha256_file
from ..core.errors import ConfigError
from .bounded import bounded_map
from .config import RunSettings
from .manifest import parse_rows
from .outdir import config_text, prepare_out_dir, private_staging, splits_text
from .publish import publish_shard
from .retry import with_retries
from .store import filesystem, is_remote, refuse_credentials, safe_url, sha256_remote, stored_sha256


class Destination:
    """A run's output location.

    ``staging`` is the local folder a shard task writes into. For a local
    destination it is the output folder; for a bucket it is a per-run temp
    folder (private to this process, see outdir.private_staging) whose finished
    shards are uploaded, verified, then marked complete by uploading their record.
    """

    def __init__(self, url: str):
        refuse_credentials(url)
        self.url = url
        self.remote = is_remote(url)
        self.lock = None
        self._sizes: dict[str, array] = {}  # bucket listing: file suffix -> size of shard k's file (-1: absent)
        if self.remote:
            self.fs, self.root = filesystem(url)
            self.staging = private_staging()
        else:
            self.staging = url[len("file://"):] if url.startswith("file://") else url

    def prepare(self, cfg: RunSettings) -> None:
        """Lock a local folder and check its config (see outdir.prepare_out_dir); a bucket: check its config."""
        if not self.remote:
            self.lock = prepare_out_dir(cfg, self.staging)
            return
        text = config_text(cfg)
        path = f"{self.root}/{layout.CONFIG}"
        if with_retries(lambda: self.fs.exists(path), what=f"listing {path}"):
            if with_retries(lambda: self.fs.cat_file(path), what=f"reading {path}").decode() != text:
                raise ConfigError("--out", f"{safe_url(self.url)} holds a run with a different config; use a new prefix")
        else:
            with_retries(lambda: self.fs.pipe_file(path, text.encode()), what=f"writing {path}")
            splits = splits_text(cfg)
            if splits is not None:
                spath = f"{self.root}/{layout.SPLITS}"
                with_retries(lambda: self.fs.pipe_file(spath, splits.encode()), what=f"writing {spath}")

    def release(self) -> None:
        """Drop the output folder's lock (a local run); call once the run is over."""
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    # ---- resume -------------------------------------------------------------------------------
    def listed_records(self, n_shards: int) -> bytearray:
        """One listing of the destination: flags[k] = 1 when shard k's record is there (1 byte per shard)."""
        flags = bytearray(n_shards)
        if self.remote:
            self.fs.invalidate_cache(self.root)
            entries = with_retries(lambda: self.fs.ls(self.root, detail=True), what=f"listing {safe_url(self.url)}")
            names = (self._note_size(e, n_shards) for e in entries)
        else:
            if not os.path.isdir(self.staging):
                return flags
            names = (e.name for e in os.scandir(self.staging))
        for name in names:
            k = layout.record_index(name)
            if k is not None and k < n_shards:
                flags[k] = 1
        return flags

    def _note_size(self, entry: dict, n_shards: int) -> str:
        """Remember the listed size of a shard's data file (8 bytes per shard and suffix); return its name."""
        name = entry["name"].rsplit("/", 1)[-1]
        m = layout.SHARD_FILE_RE.match(name)
        if m and not layout.RECORD_RE.match(name) and int(m.group(1)) < n_shards:
            sizes = self._sizes.setdefault(m.group(2), array("q", [-1]) * n_shards)
            sizes[int(m.group(1))] = int(entry.get("size") or 0)
        return name

    def file_problem(self, files: dict[str, dict]) -> str | None:
        """Why a complete shard's files do not match its record, else None: a local file by size and
        sha256, a bucket's by the size its listing gave (a file in a sub-folder: asked for)."""
        for rel, meta in files.items():
            if self.remote:
                m = layout.SHARD_FILE_RE.match(rel)
                if m and m.group(2) in self._sizes and int(m.group(1)) < len(self._sizes[m.group(2)]):
                    size = self._sizes[m.group(2)][int(m.group(1))]
                else:
                    try:
                        size = with_retries(lambda: self.fs.size(f"{self.root}/{rel}"), what=f"size of {rel}")
                    except FileNotFoundError:
                        size = -1
                if size < 0:
                    return f"{rel} is missing"
            else:
                path = os.path.join(self.staging, rel)
                try:
                    st = os.stat(path, follow_symlinks=False)
                except FileNotFoundError:
                    return f"{rel} is missing"
                if not stat.S_ISREG(st.st_mode):
                    return f"{rel} is not a regular file"
                size = st.st_size
            if size != meta["bytes"]:
                return f"{rel} has {size} bytes, its record says {meta['bytes']}"
            if not self.remote and sha256_file(path) != meta["sha256"]:
                return f"{rel} does not match the sha256 in its record"
        return None

    def read_record(self, k: int) -> dict | None:
        name = layout.record_name(k)
        try:
            if self.remote:
                text = with_retries(lambda: self.fs.cat_file(f"{self.root}/{name}"), what=f"reading {name}")
            else:
                with open(os.path.join(self.staging, name), "rb") as f:
                    text = f.read()
            rec = json.loads(text)
        except (OSError, ValueError):
            return None
        return rec if isinstance(rec, dict) and isinstance(rec.get("files"), dict) else None

    def record_ok(self, rec: dict | None, lo: int, hi: int, verify: bool) -> bool:
        """``rec`` is shard [lo, hi)'s; with ``verify``, each file has the recorded size and sha256."""
        if rec is None or rec.get("episode_range") != [lo, hi]:
            return False
        if not verify:
            return True
        for rel, meta in rec["files"].items():
            if self.remote:
                path = f"{self.root}/{rel}"
                try:
                    if self.fs.size(path) != meta["bytes"]:
                        return False
                    got = stored_sha256(self.fs, path) or sha256_remote(self.fs, path)
                except OSError:
                    return False
            else:
                path = os.path.join(self.staging, rel)
                if not os.path.isfile(path) or os.path.getsize(path) != meta["bytes"]:
                    return False
                got = sha256_file(path)
            if got != meta["sha256"]:
                return False
        return True

    def verify_listed(self, flags: bytearray, shard_range, threads: int = 8) -> int:
        """Clear the flag of every listed shard whose files do not match its record; returns how many."""
        def check(k: int) -> tuple[int, bool]:
            s = shard_range(k)
            return k, self.record_ok(self.read_record(k), s.lo, s.hi, verify=True)

        bad = 0
        with ThreadPoolExecutor(max_workers=threads) as pool:
            listed = (k for k in range(len(flags)) if flags[k])
            for k, ok in bounded_map(pool, check, listed, 4 * threads):
                if not ok:
                    flags[k] = 0
                    bad += 1
        return bad

    # ---- publication ----------------------------------------------------------------------------
    def publish(self, rec: dict) -> None:
        """Make a finished shard visible at the destination (no-op for a local folder)."""
        if not self.remote:
            return
        publish_shard(self.fs, self.root, self.staging, rec)
        for rel in rec["files"]:
            os.unlink(os.path.join(self.staging, rel))
        os.unlink(os.path.join(self.staging, rec["record"]))

    def table_path(self) -> str:
        """The local copy of the shard table the driver appends to."""
        return os.path.join(self.staging, layout.SHARD_TABLE)

    def old_table_rows(self) -> Iterator[dict]:
        """Rows of the shard table an earlier run left (the local copy, else the bucket's)."""
        path = self.table_path()
        if os.path.isfile(path):
            with open(path) as f:
                yield from parse_rows(f)
        elif self.remote:
            remote = f"{self.root}/{layout.SHARD_TABLE}"
            try:
                text = with_retries(lambda: self.fs.cat_file(remote), what=f"reading {remote}").decode()
            except (FileNotFoundError, OSError):
                return
            yield from parse_rows(text.splitlines())

    def write_manifest(self, text: str) -> None:
        """Publish the shard table, then the summary (``manifest.json`` last: it marks a finished run)."""
        if self.remote:
            with_retries(lambda: self.fs.put_file(self.table_path(), f"{self.root}/{layout.SHARD_TABLE}"),
                         what=f"uploading {layout.SHARD_TABLE}")
            with_retries(lambda: self.fs.pipe_file(f"{self.root}/{layout.MANIFEST}", text.encode()),
                         what=f"uploading {layout.MANIFEST}")
        else:
            atomic_write_text(os.path.join(self.staging, layout.MANIFEST), text)
