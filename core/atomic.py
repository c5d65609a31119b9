"""File helpers: atomic output (write beside the target, fsync, rename) and content checksums.

Temporary files are named by ``core.layout.tmp_name`` (``.syngrasp-tmp-<pid>-<name>``), beside their
target: a name only syngrasp uses, so clean-up (``core.layout.is_own_tmp``) never touches a user's ``*.tmp`` file.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from typing import Iterator

from .layout import tmp_name


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
