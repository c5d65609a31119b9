"""Ownership of a run's local folders: setting up the output folder (its lock, config and splits),
clean-up of syngrasp's own temp files, and the private staging folder of a bucket run.

Rules (README "Output folders, resume and credentials"):

- A run holds ``--out/.syngrasp-lock`` for its whole life: a file naming host, pid and start
  time, held with ``fcntl.flock`` where the filesystem supports it. A second run into the same
  folder refuses at once and touches nothing. A lock left by a process that died is taken over
  when it names this host (and says so); one naming another host is reported with that host,
  pid and time, and the user deletes it once that run is gone (this host cannot see its processes).
- Only files named ``.syngrasp-tmp-<pid>-<name>`` (``core.layout.tmp_name``) are ever deleted,
  and only while the lock is held and the folder holds this run's config.
- A bucket run stages shards in a folder made by ``tempfile.mkdtemp`` (mode 700, an
  unpredictable name), one per process, removed when the process exits.
"""

from __future__ import annotations

import atexit
import errno
import fcntl
import json
import os
import shutil
import socket
import sys
import tempfile
import time

import yaml

from ..core.atomic import atomic_write_text
from ..core.errors import ConfigError
from ..core.layout import CONFIG, LOCK, SPLITS, is_own_tmp
from .config import RunSettings

_NO_FLOCK = (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS)


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _describe(owner: dict) -> str:
    started = owner.get("started")
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)) if isinstance(started, (int, float)) else "?"
    return f"host {owner.get('host', '?')}, pid {owner.get('pid', '?')}, started {when}"


def _read_owner(fd: int) -> dict:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 4096)
    try:
        owner = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return {"host": "?", "pid": "?"}
    return owner if isinstance(owner, dict) else {"host": "?", "pid": "?"}


class RunLock:
    """The held lock of one output folder; ``release`` deletes the lock file and unlocks."""

    def __init__(self, path: str, fd: int):
        self.path, self.fd = path, fd

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            if os.path.exists(self.path) and os.stat(self.path).st_ino == os.fstat(self.fd).st_ino:
                os.unlink(self.path)
        finally:
            os.close(self.fd)  # closing the descriptor drops the flock
            self.fd = None


def acquire_lock(out_dir: str, log=_stderr) -> RunLock:
    """Lock ``out_dir`` for this run, or raise ConfigError naming who holds it and what to do."""
    path = os.path.join(out_dir, LOCK)
    host = socket.gethostname()
    for _ in range(5):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as e:
            if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise ConfigError("--out", f"cannot write in {out_dir} ({e.strerror}): choose a folder you can write, "
                                           "or fix its permissions") from None
            if e.errno == errno.ELOOP:
                raise ConfigError("--out", f"{path} is a symlink; syngrasp never follows one there: delete it") from None
            raise
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                flocked = True
            except OSError as e:
                if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise ConfigError("--out", f"{out_dir} is in use by another syngrasp run ({_describe(_read_owner(fd))}); "
                                               "wait for it to finish, or use another --out") from None
                if e.errno not in _NO_FLOCK:
                    raise
                flocked = False  # a filesystem without flock: the pid in the file decides
            try:
                same_file = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same_file = False
            if not same_file:  # the holder released (deleted) it between our open and flock: retry
                os.close(fd)
                continue
            owner = _read_owner(fd)
            if owner:
                if owner.get("host") != host:
                    raise ConfigError("--out", f"{path} says a run on another machine holds {out_dir} ({_describe(owner)}); "
                                               f"this machine cannot tell whether it still runs: if that run is gone, "
                                               f"delete {path} and run again")
                pid = owner.get("pid")
                if not flocked and isinstance(pid, int) and pid != os.getpid() and _pid_alive(pid):
                    raise ConfigError("--out", f"{out_dir} is in use by another syngrasp run ({_describe(owner)}); "
                                               "wait for it to finish, or use another --out")
                log(f"syngrasp: took over the stale lock {path} ({_describe(owner)}): that process no longer runs")
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps({"host": host, "pid": os.getpid(), "started": time.time()}).encode(), 0)
            os.fsync(fd)
            return RunLock(path, fd)
        except BaseException:
            os.close(fd)
            raise
    raise ConfigError("--out", f"could not lock {path}: it kept changing; is another run starting there?")


def remove_own_tmp(out_dir: str) -> int:
    """Delete syngrasp's temp files (``.syngrasp-tmp-<pid>-*``) under ``out_dir``; returns the count.

    Call only while holding ``out_dir``'s lock, after its config was found to be this run's.
    Any other file, ``*.tmp`` included, is left alone; symlinked folders are not entered.
    """
    n = 0
    for dirpath, _, names in os.walk(out_dir):
        for name in names:
            if is_own_tmp(name):
                os.unlink(os.path.join(dirpath, name))
                n += 1
    return n


_STAGING: dict[str, str] = {}


def private_staging() -> str:
    """This process's staging folder for bucket runs: ``tempfile.mkdtemp`` (mode 700), removed at exit."""
    d = _STAGING.get("dir")
    if d is None or not os.path.isdir(d):
        d = _STAGING["dir"] = tempfile.mkdtemp(prefix="syngrasp-staging-")
        atexit.register(shutil.rmtree, d, True)
    return d


def config_text(cfg: RunSettings) -> str:
    """The run's ``config.yaml``: the keys that decide the data (everything but ``cluster``), sorted YAML."""
    return yaml.safe_dump(cfg.data_dict(), sort_keys=True)


def splits_text(cfg: RunSettings) -> str | None:
    """The run's ``splits.json`` (held-out and train target categories and objects), or None when
    ``eval.holdout_fraction`` is 0. A few KB per thousand catalog objects."""
    if cfg.eval.holdout_fraction <= 0:
        return None
    from ..assets import build_catalog  # the asset stack only for runs that hold targets out
    from ..randomization.holdout import holdout

    rec = holdout(build_catalog(cfg.scene.asset_sources), cfg.seed, cfg.eval.holdout_fraction)
    return json.dumps(rec.to_json(), indent=1, sort_keys=True) + "\n"


def prepare_out_dir(cfg: RunSettings, out_dir: str) -> RunLock:
    """Create and lock ``out_dir``, save the resolved config, refuse a dir holding a different run;
    returns the held lock (the caller releases it).

    Only after the lock is held and the config is found to be this run's are leftover temp
    files of a killed earlier run deleted, and only syngrasp's own (``.syngrasp-tmp-*``).
    """
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ConfigError("--out", f"{out_dir} is a file, not a folder: give a new folder, or the folder of this run")
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        raise ConfigError("--out", f"cannot create {out_dir} ({e.strerror}): choose a folder you can write") from None
    lock = acquire_lock(out_dir)
    try:
        path = os.path.join(out_dir, CONFIG)
        text = config_text(cfg)
        if os.path.isfile(path):
            with open(path) as f:
                if f.read() != text:
                    raise ConfigError(
                        "--out", f"{out_dir} holds a run with a different config ({path}); use a new --out to start a new run"
                    )
        else:
            atomic_write_text(path, text)
            splits = splits_text(cfg)
            if splits is not None:
                atomic_write_text(os.path.join(out_dir, SPLITS), splits)
        remove_own_tmp(out_dir)
    except BaseException:
        lock.release()
        raise
    return lock
