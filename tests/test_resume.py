"""Sharded runs: a crashed or interrupted run resumes with no duplicate and no missing episode."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from syngrasp.cluster.local import generate_local
from syngrasp.cluster.manifest import shard_rows_sorted
from syngrasp.cluster.shards import num_shards, shard_at
from syngrasp.core.layout import RUNNING_DIR
from syngrasp.core.atomic import sha256_file
from syngrasp.app.config import load_config

from .conftest import TINY
from .helpers import alive
from .helpers import check_complete as _check_complete

pytestmark = pytest.mark.sim


def test_plan_shards_covers_every_index_once():
    shards = [shard_at(k, 23, 5) for k in range(num_shards(23, 5))]
    assert [(s.lo, s.hi) for s in shards] == [(0, 5), (5, 10), (10, 15), (15, 20), (20, 23)]


def test_crashed_shard_is_redone_identically(tmp_path):
    cfg = load_config(None, TINY + ["writer.shard_size=2"], seed=7, episodes=4)
    out = str(tmp_path / "run")
    first = generate_local(cfg, out, progress=False)
    _check_complete(out, first, 4)
    s0 = os.path.join(out, "shard-000000.hdf5")
    mtime0 = os.stat(s0).st_mtime_ns
    # simulate a crash during shard 1: its files gone, a half-written temp file left behind
    for suffix in (".hdf5", ".json"):
        os.unlink(os.path.join(out, f"shard-000001{suffix}"))
    with open(os.path.join(out, ".syngrasp-tmp-999-shard-000001.hdf5"), "wb") as f:
        f.write(b"partial")
    second = generate_local(cfg, out, progress=False)
    assert second == first
    assert os.stat(s0).st_mtime_ns == mtime0, "a complete shard was rewritten"
    _check_complete(out, second, 4)


def test_corrupted_shard_is_detected_and_redone_on_resume(tmp_path):
    cfg = load_config(None, TINY + ["writer.shard_size=2"], seed=7, episodes=2)
    out = str(tmp_path / "run")
    first = generate_local(cfg, out, progress=False)
    path = os.path.join(out, "shard-000000.hdf5")
    good = sha256_file(path)
    with open(path, "r+b") as f:  # same size, other bytes: only the sha256 tells
        f.seek(100)
        f.write(b"\x00" * 16)
    # a local resume checks every complete shard's size and sha256 and redoes the corrupted one
    again = generate_local(cfg, out, progress=False)
    assert again.pop("redone") == [{"shard": 0, "problem": "shard-000000.hdf5 does not match the sha256 in its record"}]
    assert again == first
    assert sha256_file(path) == good
    assert generate_local(cfg, out, progress=False, verify=True) == first  # nothing left to redo


def test_other_config_in_same_dir_is_refused(tmp_path):
    from syngrasp.core.errors import ConfigError

    out = str(tmp_path / "run")
    generate_local(load_config(None, TINY, seed=7, episodes=0), out, progress=False)
    with pytest.raises(ConfigError, match="different config"):
        generate_local(load_config(None, TINY, seed=8, episodes=0), out, progress=False)


def _running_pids(out) -> list[int]:
    """Pids in ``.running/*.pid`` (markers come and go while we look)."""
    pids = []
    for p in (out / RUNNING_DIR).glob("*.pid"):
        try:
            pids.append(int(p.read_text()))
        except (OSError, ValueError):
            continue
    return pids


@pytest.mark.parametrize("workers_arg", ["0", "2"], ids=["in_process", "process_pool"])
def test_ctrl_c_then_rerun_matches_uninterrupted(tmp_path, workers_arg):
    args = ["--episodes", "4", "--seed", "7", "--quiet", "--workers", workers_arg, *TINY, "writer.shard_size=1"]
    cmd = [sys.executable, "-m", "syngrasp.app.cli", "generate"]
    out = tmp_path / "interrupted"
    proc = subprocess.Popen([*cmd, "--out", str(out), *args], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    workers: list[int] = []
    # interrupt once a shard is complete and (for the pool) a worker is inside another one
    while not (out / "shard-000000.json").exists() or (workers_arg != "0" and not workers):
        assert proc.poll() is None, proc.stderr.read()
        assert time.time() < deadline
        time.sleep(0.05)
        workers = _running_pids(out)
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(timeout=120)
    err = proc.stderr.read()
    assert rc in (0, 130), err
    if rc == 130:
        assert "interrupted" in err
    time.sleep(1.0)
    assert not [pid for pid in workers if alive(pid)], "worker processes outlived an interrupted run"
    names = os.listdir(out)
    assert not [n for n in names if n.startswith(".syngrasp-tmp-")]
    for n in names:
        if n.startswith("shard-") and n.endswith(".json"):
            rec = json.load(open(out / n))
            for rel, meta in rec["files"].items():
                assert sha256_file(str(out / rel)) == meta["sha256"], f"{n} does not match {rel}"
    subprocess.run([*cmd, "--out", str(out), *args], check=True, capture_output=True)
    ref = tmp_path / "reference"
    subprocess.run([*cmd, "--out", str(ref), *args], check=True, capture_output=True)
    a = json.load(open(out / "manifest.json"))
    b = json.load(open(ref / "manifest.json"))
    assert a == b
    assert shard_rows_sorted(str(out)) == shard_rows_sorted(str(ref))
    _check_complete(str(out), a, 4)
