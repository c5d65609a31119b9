"""``ray up`` / ``ray submit`` / ``ray down`` with cluster/gen-local.yaml, for real, over SSH on loopback.

The scenario lives in tests/ssh_cluster.py and runs as PID 1 of its own PID namespace, so the
``ray stop`` that the launcher runs cannot reach Ray processes other than its own.
"""

import filecmp
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from syngrasp.cluster.local import generate_local
from syngrasp.cluster.manifest import shard_rows_sorted
from syngrasp.app.config import load_config

from .helpers import alive, check_complete
from .ssh_cluster import ROOT, TINY_ARGS

TOOLS = ("sshd", "ssh", "ssh-keygen", "rsync", "unshare")


def _missing_tools() -> list[str]:
    return [t for t in TOOLS if not (shutil.which(t) or os.path.exists(f"/usr/sbin/{t}"))]


def _pid_namespaces_work() -> bool:
    return subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"], capture_output=True).returncode == 0


@pytest.mark.slow
@pytest.mark.sim
def test_ray_up_submit_down_over_ssh(tmp_path):
    missing = _missing_tools()
    if missing or not _pid_namespaces_work():
        why = f"missing {missing}" if missing else "no PID namespaces (unshare --pid needs root)"
        if os.environ.get("CI"):
            pytest.fail(f"{why}: .ci/run installs openssh-server and rsync and runs as root")
        pytest.skip(why)
    work, out = tmp_path / "work", tmp_path / "run"
    work.mkdir()
    t0 = time.perf_counter()
    r = subprocess.run(
        ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
         sys.executable, os.path.join(ROOT, "tests", "ssh_cluster.py"), str(work), str(out)],
        capture_output=True, text=True, timeout=1800, cwd=ROOT,
    )
    wall = time.perf_counter() - t0
    assert (work / "result.json").exists(), r.stdout[-2000:] + r.stderr[-4000:]
    res = json.loads((work / "result.json").read_text())
    steps = res["steps"]
    print(f"ssh end-to-end: {wall:.0f} s wall; steps " + ", ".join(f"{k} {v['seconds']} s" for k, v in steps.items()))

    assert steps["up"]["rc"] == 0, steps["up"]["tail"]
    assert ".git" not in res["mount_entries"] and "scripts" in res["mount_entries"], res["mount_entries"]
    assert ".venv" in res["mount_entries"], "setup.sh made no venv in ~/syngrasp"
    assert "source ~/syngrasp/.venv/bin/activate" in res["bashrc"]
    assert {"ray_bootstrap_config.yaml", "ray_bootstrap_key.pem", "submit.py"} <= set(res["home_after_submit"])

    assert steps["submit"]["rc"] == 0, steps["submit"]["tail"]
    manifest = json.loads((out / "manifest.json").read_text())
    check_complete(str(out), manifest, 4)
    cfg = load_config(None, TINY_ARGS, seed=7, episodes=4)
    ref = tmp_path / "ref"
    assert manifest == generate_local(cfg, str(ref), progress=False)
    rows = shard_rows_sorted(str(out))
    assert [r["files"] for r in rows] == [r["files"] for r in shard_rows_sorted(str(ref))]  # names, sizes, sha256
    for shard in rows:  # the records also hold each stage's wall time: compared via the shard table
        for rel in shard["files"]:
            assert filecmp.cmp(out / rel, ref / rel, shallow=False), rel
    assert filecmp.cmp(out / "manifest.json", ref / "manifest.json", shallow=False)

    assert steps["resubmit"]["rc"] == 0, steps["resubmit"]["tail"]
    assert json.loads((out / "manifest.json").read_text()) == manifest

    assert steps["gpu"]["rc"] != 0 and "cluster.num_gpus" in steps["gpu"]["tail"], steps["gpu"]["tail"]
    assert "0 GPUs" in steps["gpu"]["tail"], steps["gpu"]["tail"]

    assert steps["down"]["rc"] == 0, steps["down"]["tail"]
    assert res["sshd_exit"] is not None and not res["home_left"]
    assert r.returncode == 0, r.stderr[-3000:]
    assert not _processes_mentioning(str(work)), "processes of the run outlived it"


def _processes_mentioning(text: str) -> list[int]:
    """PIDs whose command line contains ``text`` (Ray's daemons run from the node's venv under WORKDIR)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if text.encode() in f.read() and alive(int(pid)):
                    found.append(int(pid))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("name", ["gen.yaml", "gen-local.yaml"])
def test_launcher_configs_run_ray_and_python_from_the_venv(name):
    import re

    import yaml

    text = open(os.path.join(ROOT, "cluster", name)).read()
    cfg = yaml.safe_load(text)
    for key in ("head_start_ray_commands", "worker_start_ray_commands"):
        for cmd in cfg[key]:
            ray_cmd = re.sub(r"^(\w+=\S+ )*", "", cmd)  # after any VAR=value prefixes
            assert ray_cmd.startswith("~/syngrasp/.venv/bin/ray "), cmd
    assert any("scripts/setup.sh" in c for c in cfg["setup_commands"])
    assert any(">> ~/.bashrc" in c and "~/syngrasp/.venv/bin/activate" in c for c in cfg["setup_commands"])
    assert cfg["file_mounts"]["~/syngrasp"] == "."
    assert {".git", ".venv", "__pycache__", "/build", "/out"} <= set(cfg["rsync_exclude"])
    assert not re.search(r"AKIA[0-9A-Z]{16}|aws_secret_access_key|AWS_SECRET_ACCESS_KEY:", text)
    for node_type in cfg.get("available_node_types", {}).values():
        assert node_type["node_config"]["ImageId"] != "latest_dlami"  # Ray's default: an old Python
