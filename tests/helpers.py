"""Checks shared by the run-level tests."""

import json
import os

import h5py

from syngrasp.cluster.manifest import shard_rows_sorted
from syngrasp.core.atomic import sha256_file
from syngrasp.core.layout import is_own_tmp


def _episodes_on_disk(out):
    seen = []
    for name in sorted(os.listdir(out)):
        if name.endswith(".hdf5"):
            with h5py.File(os.path.join(out, name)) as f:
                rng = json.loads(f["data"].attrs["episode_range"]) if isinstance(f["data"].attrs["episode_range"], str) else list(f["data"].attrs["episode_range"])
                for k in f["data"]:
                    idx = int(k.split("_")[1])
                    assert rng[0] <= idx < rng[1]
                    seen.append(idx)
    return seen


def check_complete(out, manifest, episodes):
    """Every planned shard once in the shard table, files matching their sha256, no episode lost or doubled."""
    rows = shard_rows_sorted(out)
    assert [r["shard_index"] for r in rows] == list(range(manifest["shards_planned"])) and manifest["shards"] == len(rows)
    attempted = []
    for s in rows:
        for rel, meta in s["files"].items():
            assert sha256_file(os.path.join(out, rel)) == meta["sha256"]
        rec = json.load(open(os.path.join(out, s["record"])))
        attempted.extend(range(*rec["episode_range"]))
        assert len(rec["episodes_written"]) + sum(rec["failures"].values()) == rec["episode_range"][1] - rec["episode_range"][0]
    assert sorted(attempted) == list(range(episodes))
    on_disk = _episodes_on_disk(out)
    assert len(on_disk) == len(set(on_disk)) == manifest["successes"]
    assert not [n for n in os.listdir(out) if is_own_tmp(n)]




def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
