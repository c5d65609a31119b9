"""The command line's one error boundary: an expected failure becomes one line and an exit code.

Exit 2: bad input (a config key, a flag, malformed YAML, an ``--out`` that is a file or cannot be
written). Exit 1: a run that failed on the way (a full disk, a store that cannot be reached,
workers that keep dying); finished shards are kept and the same command resumes. Anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import sys
from typing import Callable

import yaml

from ..core.errors import SyngraspError
from ..core.text import safe_text

_STORE_MODULES = ("botocore", "aiobotocore", "s3fs", "gcsfs", "aiohttp", "google.", "fsspec")
_RESUME = "finished shards are kept: run the same command again to resume"


def _name(e: OSError) -> str:
    return e.filename if e.filename is not None else "a file"


def _os_error(e: OSError) -> tuple[str, int]:
    what, code = _name(e), e.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left on the device holding {what}: free some space (or raise the quota); {_RESUME}", 1
    if code == errno.EROFS:
        return f"{what} is on a read-only filesystem: choose a folder on a writable disk (--out)", 2
    if code in (errno.EACCES, errno.EPERM):
        return f"permission denied for {what}: choose a folder you can write (--out), or fix its permissions", 2
    if code in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        return f"{what}: a file stands where a folder should be (or the reverse): give --out a folder path", 2
    if code == errno.ENOENT:
        return f"{what} does not exist: check the path", 2
    if isinstance(e, (ConnectionError, TimeoutError)):
        return f"could not reach the store ({e}): check the URL, the network and AWS_ENDPOINT_URL; {_RESUME}", 1
    return f"{e.strerror or e} ({what}); {_RESUME}", 1


def describe(exc: BaseException) -> tuple[str, int] | None:
    """(one-line message, exit code) for an expected failure, else None (a bug: keep the traceback)."""
    if isinstance(exc, SyngraspError):
        return str(exc), exc.exit_code
    if isinstance(exc, yaml.YAMLError):
        return f"malformed YAML: {exc}; fix the file or quote the override's value", 2
    module = type(exc).__module__ or ""
    if module.startswith(_STORE_MODULES):
        return (f"store error ({type(exc).__name__}: {exc}): check the bucket URL, the network and the credentials "
                f"in the environment; {_RESUME}"), 1
    if isinstance(exc, OSError):
        return _os_error(exc)
    if isinstance(exc, MemoryError):
        return f"out of memory: lower cluster.num_cpus/--workers or scene.image_size; {_RESUME}", 1
    return None


def guarded(fn: Callable[[], int]) -> int:
    """Run ``fn``; an expected failure prints ``syngrasp: error: <one line>`` on stderr and returns its exit code."""
    try:
        return fn()
    except KeyboardInterrupt:
        print("syngrasp: interrupted; completed shards are kept, the partial shard was discarded", file=sys.stderr)
        return 130
    except Exception as e:
        found = describe(e)
        if found is None:
            raise
        msg, code = found
        notes = "; ".join(getattr(e, "__notes__", ()))
        line = f"{msg} ({notes})" if notes else msg
        print(f"syngrasp: error: {safe_text(' '.join(line.split()))}", file=sys.stderr)
        return code
