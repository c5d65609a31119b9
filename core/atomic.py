"""File helpers: atomic output (write beside the target, fsync, rename) and content checksums.

Temporary files are named ``.syngrasp-tmp-<pid>-<name>`` (``tmp_name``), beside their target: a
name only syngrasp uses, so clean-up (``is_own_tmp``) never touches a user's ``*.tmp`` file.
"""

from __future__ import annotations

import hashlib
import os
import re
from contextlib import contextmanager
from typing import Iterator

TMP_PREFIX = ".syngrasp-tmp-"
_TMP_RE = re.compile(r"^\.syngrasp-tmp-\d+-.+")


def tmp_name(path: str, suffix: str = "") -> str:
    """The temporary path this process writes ``path`` through: ``DIR/.syngrasp-tmp-<pid>-<name>``, or
    ``DIR/.syngrasp-tmp-<pid>-<name>.tmp<suffix>`` with a ``suffix`` (a writer such as ``np.savez`` that
    appends ``.npz`` is then given the name without it and lands on this one)."""
    d, name = os.path.split(path)
    return os.path.join(d, f"{TMP_PREFIX}{os.getpid()}-{name}" + (f".tmp{suffix}" if suffix else ""))


def is_own_tmp(name: str) -> bool:
    """True when the file name ``name`` is one ``tmp_name`` makes (never a user's ``x.tmp``)."""
    return bool(_TMP_RE.match(name))


@contextmanager
def atomic_output(path: str, suffix: str = "") -> Iterator[str]:
    """Yield a temporary path next to ``path``; on success it is fsynced and renamed onto ``path``,
    on any error (KeyboardInterrupt included) it is removed. ``suffix`` keeps an extension that a
    writer insists on (``np.savez`` appends ``.npz``)."""
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    tmp = tmp_name(path, suffix)
    try:
        yield tmp
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def sha256_file(path: str) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def atomic_write_text(path: str, text: str) -> None:
    with atomic_output(path) as tmp:
        with open(tmp, "w") as f:
            f.write(text)
