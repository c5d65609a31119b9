"""Real Ray and a real process pool: worker and driver deaths lose and duplicate nothing;
launcher configs validate offline."""

import copy
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import yaml

from syngrasp.cluster.local import generate_local
from syngrasp.cluster.manifest import shard_rows_sorted
from syngrasp.cluster.processes import generate_processes
from syngrasp.cluster.ray_driver import generate_ray
from syngrasp.core.layout import RUNNING_DIR
from syngrasp.app.config import load_config

from .conftest import TINY
from .helpers import alive, check_complete

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("name", ["gen.yaml", "gen-local.yaml"])
def test_launcher_config_validates(name):
    from ray.autoscaler._private.util import prepare_config, validate_config

    with open(os.path.join(ROOT, "cluster", name)) as f:
        raw = yaml.safe_load(f)
    cfg = prepare_config(copy.deepcopy(raw))
    validate_config(cfg)
    assert any("scripts/setup.sh" in c for c in cfg["setup_commands"])


def test_launcher_config_rejects_unknown_field():
    from ray.autoscaler._private.util import prepare_config, validate_config

    with open(os.path.join(ROOT, "cluster", "gen.yaml")) as f:
        raw = yaml.safe_load(f)
    raw["setup_comands"] = ["echo typo"]
    with pytest.raises(Exception):
        validate_config(prepare_config(raw))


@pytest.mark.sim
@pytest.mark.parametrize("driver", [generate_ray, generate_processes], ids=["ray", "processes"])
def test_kill_9_worker_mid_shard(tmp_path, driver):
    cfg = load_config(None, TINY + ["writer.shard_size=2"], seed=7, episodes=6)
    out = tmp_path / "run"
    running = out / RUNNING_DIR
    killed = []

    def killer():
        deadline = time.time() + 240
        while time.time() < deadline and not killed:
            if running.is_dir():
                for p in running.iterdir():
                    try:
                        pid = int(p.read_text())
                    except (ValueError, OSError):
                        continue
                    time.sleep(0.5)  # let it get into the shard
                    try:
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                    except ProcessLookupError:
                        continue
                    return
            time.sleep(0.05)

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    manifest = driver(cfg, str(out), workers=2, progress=False)
    t.join(timeout=5)
    assert killed, "no worker was killed: the test did not exercise a worker death"
    check_complete(str(out), manifest, 6)
    ref = generate_local(cfg, str(tmp_path / "ref"), progress=False)
    assert manifest == ref
    assert shard_rows_sorted(str(out)) == shard_rows_sorted(str(tmp_path / "ref"))  # same files, same sha256s


@pytest.mark.sim
@pytest.mark.parametrize("executor", ["ray", "processes"])
def test_kill_9_driver_then_rerun(tmp_path, executor):
    args = ["--episodes", "4", "--seed", "7", "--quiet", "--workers", "2", *TINY, "writer.shard_size=1",
            f"cluster.executor={executor}"]
    cmd = [sys.executable, "-m", "syngrasp.app.cli", "generate"]
    out = tmp_path / "run"
    proc = subprocess.Popen([*cmd, "--out", str(out), *args], stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while not (out / "shard-000000.json").exists():
        assert proc.poll() is None
        assert time.time() < deadline
        time.sleep(0.05)
    workers = [int(p.read_text()) for p in (out / RUNNING_DIR).glob("*.pid") if p.read_text()]
    proc.kill()
    proc.wait()
    assert not (out / "manifest.json").exists()
    if executor == "processes":  # workers die with their driver
        time.sleep(2.0)
        assert not [pid for pid in workers if alive(pid)]
    subprocess.run([*cmd, "--out", str(out), *args], check=True, capture_output=True)
    manifest = json.loads((out / "manifest.json").read_text())
    cfg = load_config(None, TINY + ["writer.shard_size=1", f"cluster.executor={executor}"], seed=7, episodes=4)
    ref = generate_local(cfg, str(tmp_path / "ref"), progress=False)
    assert manifest == ref
    assert shard_rows_sorted(str(out)) == shard_rows_sorted(str(tmp_path / "ref"))  # same files, same sha256s
    check_complete(str(out), manifest, 4)
