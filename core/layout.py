"""The layout of a run's output folder: every file name syngrasp gives there, in this one module.

Everything else asks this module for a name, a glob or a pattern; no other module spells one
(tests/test_layout.py walks the package and fails on such a literal)::

    DIR/
      config.yaml                the resolved run config (the keys that decide the data), written first
      splits.json                held-out / train targets (only with eval.holdout_fraction > 0)
      shard-000042.hdf5          shard 42's episodes, HDF5 writer (shard k holds episodes [k*S, (k+1)*S))
      shard-000042.json          shard 42's record: its files with bytes and sha256; written last, so a
                                 shard is complete exactly when its record is there
      shards.jsonl               the shard table: one JSON row per complete shard, completion order
      manifest.json              the run summary, written last of all
      crosscheck.parquet         ``syngrasp crosscheck``'s side table
      report.html                ``syngrasp report``'s default output
      .syngrasp-lock             the lock a running run holds (cluster/outdir.py)
      .running/shard-000042.pid  pid of the worker generating shard 42, while it does
      .syngrasp-tmp-<pid>-<name> a file being written (core/atomic.py), renamed onto <name> when complete
      meta/ data/ videos/        dataset-level files a format's finalize step writes (LeRobot v3.0)

Shard indices are zero-padded to ``SHARD_DIGITS`` digits (a run of a million shards or more gets
longer names), so within a million shards the names sort in shard order; readers match them by
pattern, never by position.
"""

from __future__ import annotations

import glob
import os
import re

SHARD_PREFIX = "shard-"
SHARD_DIGITS = 6

CONFIG = "config.yaml"
SPLITS = "splits.json"
MANIFEST = "manifest.json"
SHARD_TABLE = "shards.jsonl"
CROSSCHECK_TABLE = "crosscheck.parquet"
REPORT = "report.html"
LOCK = ".syngrasp-lock"
RUNNING_DIR = ".running"
TMP_PREFIX = ".syngrasp-tmp-"

RECORD_EXT = ".json"
HDF5_EXT = ".hdf5"
PID_EXT = ".pid"

FINALIZED_DIRS = ("meta", "data", "videos")  # top folders of the files a finalize step writes

# every fixed name above, and the prefix of every shard file: what no other module may spell
NAMES = (CONFIG, SPLITS, MANIFEST, SHARD_TABLE, CROSSCHECK_TABLE, REPORT, LOCK, RUNNING_DIR, TMP_PREFIX, SHARD_PREFIX)

HDF5_GLOB = f"{SHARD_PREFIX}*{HDF5_EXT}"
RECORD_GLOB = f"{SHARD_PREFIX}*{RECORD_EXT}"

SHARD_FILE_RE = re.compile(rf"^{SHARD_PREFIX}(\d{{{SHARD_DIGITS},}})(\..+)$")  # groups: index, extension
RECORD_RE = re.compile(rf"^{SHARD_PREFIX}(\d{{{SHARD_DIGITS},}}){re.escape(RECORD_EXT)}$")
TMP_RE = re.compile(rf"^{re.escape(TMP_PREFIX)}\d+-.+")


def shard_stem(k: int) -> str:
    """``shard-000042`` for shard 42: the name every file of shard ``k`` starts with."""
    return f"{SHARD_PREFIX}{k:0{SHARD_DIGITS}d}"


def shard_file(k: int, ext: str) -> str:
    """Shard ``k``'s file with extension ``ext`` (with its dot, e.g. ``.mp4``)."""
    return shard_stem(k) + ext


def record_name(k: int) -> str:
    """``shard-000042.json``: shard ``k``'s record, the marker that the shard is complete."""
    return shard_file(k, RECORD_EXT)


def hdf5_name(k: int) -> str:
    """``shard-000042.hdf5``: shard ``k``'s HDF5 file."""
    return shard_file(k, HDF5_EXT)


def pid_path(out_dir: str, k: int) -> str:
    """``DIR/.running/shard-000042.pid``: holds the pid of the process generating shard ``k``."""
    return os.path.join(out_dir, RUNNING_DIR, shard_file(k, PID_EXT))


def record_index(name: str) -> int | None:
    """Shard index of a record file name (``shard-000042.json`` -> 42), else None."""
    m = RECORD_RE.match(name)
    return int(m.group(1)) if m else None


def shard_index(name: str) -> int | None:
    """Shard index of any shard file's name (``shard-000042.hdf5`` -> 42; a path's folder is ignored), else None."""
    m = SHARD_FILE_RE.match(os.path.basename(name))
    return int(m.group(1)) if m else None


def hdf5_shards(out_dir: str) -> list[str]:
    """Paths of the HDF5 shards in ``out_dir``, in shard order."""
    return sorted(glob.glob(os.path.join(out_dir, HDF5_GLOB)))


def record_paths(out_dir: str) -> list[str]:
    """Paths of the shard records in ``out_dir``, in shard order."""
    return sorted(p for p in glob.glob(os.path.join(out_dir, RECORD_GLOB)) if record_index(os.path.basename(p)) is not None)


def tmp_name(path: str, suffix: str = "") -> str:
    """The temporary path this process writes ``path`` through: ``DIR/.syngrasp-tmp-<pid>-<name>``, or
    ``DIR/.syngrasp-tmp-<pid>-<name>.tmp<suffix>`` with a ``suffix`` (a writer such as ``np.savez`` that
    appends ``.npz`` is then given the name without it and lands on this one)."""
    d, name = os.path.split(path)
    return os.path.join(d, f"{TMP_PREFIX}{os.getpid()}-{name}" + (f".tmp{suffix}" if suffix else ""))


def is_own_tmp(name: str) -> bool:
    """True when the file name ``name`` is a syngrasp temp name (``.syngrasp-tmp-<pid>-<name>``), never a user's ``x.tmp``."""
    return bool(TMP_RE.match(name))
