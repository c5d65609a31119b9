"""A real Ray cluster of two nodes on this machine (``ray start`` on 127.0.0.1, 1 CPU each, no GPU):
infeasible requests and scattered outputs fail at once with exit 2; ``--address auto`` joins it;
a plain ``syngrasp generate`` next to it starts its own Ray."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time

import pytest

from syngrasp.cluster.local import generate_local
from syngrasp.cluster.ray_setup import check_output_is_shared, check_resources
from syngrasp.app.config import load_config
from syngrasp.core.errors import ConfigError

from .conftest import TINY
from .helpers import check_complete

CLI = [sys.executable, "-m", "syngrasp.app.cli", "generate"]
RAY = os.path.join(os.path.dirname(sys.executable), "ray")
AUTH = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}  # this cluster's own token


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env.update(AUTH, **extra)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_start(args: list[str], log) -> subprocess.Popen:
    """``ray start --block`` in its own session: terminating it stops every process it started."""
    ports = [f"--{k}={_free_port()}" for k in ("dashboard-agent-listen-port", "metrics-export-port")]
    return subprocess.Popen(
        [RAY if os.path.exists(RAY) else "ray", "start", "--block", "--node-ip-address=127.0.0.1", "--num-cpus=1",
         "--num-gpus=0", "--disable-usage-stats", *ports, *args],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, env=_env(),
    )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def two_node_cluster(tmp_path_factory):
    """Head and one worker node on 127.0.0.1; yields the head's address; stops both by PID."""
    log_dir = tmp_path_factory.mktemp("ray-cluster")
    port = _free_port()
    head = _ray_start(["--head", f"--port={port}", "--include-dashboard=false",
                       f"--ray-client-server-port={_free_port()}"], open(log_dir / "head.log", "w"))
    procs = [head]
    try:
        address = f"127.0.0.1:{port}"
        deadline = time.time() + 180
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert head.poll() is None and time.time() < deadline, (log_dir / "head.log").read_text()
                time.sleep(0.2)
        procs.append(_ray_start([f"--address={address}"], open(log_dir / "worker.log", "w")))
        status = ""
        while status.count("node_") < 2:  # both raylets registered
            assert time.time() < deadline, status
            time.sleep(1)
            status = subprocess.run([RAY, "status", f"--address={address}"], capture_output=True, text=True,
                                    env=_env()).stdout
        yield address
    finally:
        for p in reversed(procs):
            _stop(p)


def test_gpu_request_on_cpu_only_cluster_exits_2(two_node_cluster, tmp_path):
    t0 = time.perf_counter()
    r = subprocess.run([*CLI, "--address", "auto", "--out", f"file://{tmp_path}/run", "--episodes", "2", "--seed", "0", "--quiet",
                        *TINY, "cluster.num_gpus=0.25"],
                       capture_output=True, text=True, timeout=300, env=_env(RAY_ADDRESS=two_node_cluster))
    took = time.perf_counter() - t0
    assert r.returncode == 2, r.stderr[-3000:]
    assert "cluster.num_gpus" in r.stderr and "2 node(s) with 1 CPUs and 0 GPUs each" in r.stderr, r.stderr[-3000:]
    print(f"GPU request on the CPU-only cluster refused in {took:.1f} s")


def test_local_out_on_two_nodes_is_refused(two_node_cluster, tmp_path):
    r = subprocess.run([*CLI, "--address", "auto", "--out", str(tmp_path / "run"), "--episodes", "2", "--seed", "0", "--quiet",
                        *TINY],
                       capture_output=True, text=True, timeout=300, env=_env(RAY_ADDRESS=two_node_cluster))
    assert r.returncode == 2, r.stderr[-3000:]
    assert "'--out'" in r.stderr and "2 node(s)" in r.stderr and "s3://" in r.stderr and "file:///" in r.stderr


@pytest.mark.sim
def test_address_auto_joins_the_cluster(two_node_cluster, tmp_path):
    """Joins without passing CPU or GPU counts; a file:// folder both nodes see is a shared output."""
    out = tmp_path / "run"
    r = subprocess.run([*CLI, "--address", "auto", "--out", f"file://{out}", "--episodes", "2", "--seed", "7",
                        "--quiet", *TINY, "writer.shard_size=1"],
                       capture_output=True, text=True, timeout=600, env=_env(RAY_ADDRESS=two_node_cluster))
    assert r.returncode == 0, r.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text())
    check_complete(str(out), manifest, 2)
    ref = generate_local(load_config(None, TINY + ["writer.shard_size=1"], seed=7, episodes=2), str(tmp_path / "ref"),
                         progress=False)
    assert manifest == ref


@pytest.mark.sim
def test_generate_next_to_a_running_cluster(two_node_cluster, tmp_path):
    """RAY_ADDRESS points at the cluster; without --address a Ray run still starts its own instance
    (joining would fail twice over: num_cpus given, and a local --out on two nodes)."""
    out = tmp_path / "run"
    r = subprocess.run([*CLI, "--out", str(out), "--episodes", "2", "--seed", "7", "--quiet", "--workers", "1", *TINY,
                        "cluster.executor=ray"],
                       capture_output=True, text=True, timeout=600, env=_env(RAY_ADDRESS=two_node_cluster))
    assert r.returncode == 0, r.stderr[-3000:]
    check_complete(str(out), json.loads((out / "manifest.json").read_text()), 2)
    status = subprocess.run([RAY, "status", f"--address={two_node_cluster}"], capture_output=True, text=True,
                            env=_env()).stdout
    assert status.count("node_") == 2, status  # the cluster was left as it was


def test_check_resources_names_the_key_and_what_the_cluster_has():
    cfg = load_config(None, ["cluster.num_gpus=1"], seed=0, episodes=1)
    cpu_nodes = [{"CPU": 8.0, "memory": 1e9}]
    with pytest.raises(ConfigError) as e:
        check_resources(cfg, nodes=cpu_nodes, launchable=[])
    assert e.value.key == "cluster.num_gpus" and "1 node(s) with 8 CPUs and 0 GPUs each" in str(e.value)
    check_resources(cfg, nodes=cpu_nodes, launchable=[{"CPU": 8.0, "GPU": 1.0}])  # the autoscaler can add one
    big = load_config(None, ["cluster.num_cpus=16"], seed=0, episodes=1)
    with pytest.raises(ConfigError) as e:
        check_resources(big, nodes=cpu_nodes, launchable=[])
    assert e.value.key == "cluster.num_cpus"
    check_resources(load_config(None, ["cluster.num_cpus=8"], seed=0, episodes=1), nodes=cpu_nodes, launchable=[])


def test_check_output_is_shared():
    check_output_is_shared("/data/run", nodes=1, max_nodes=0)  # ray start by hand: no autoscaler config
    check_output_is_shared("/data/run", nodes=1, max_nodes=1)  # a launcher cluster of the head alone
    for url in ("s3://bucket/run", "gs://bucket/run", "file:///mnt/shared/run"):
        check_output_is_shared(url, nodes=8, max_nodes=float("inf"))
    for nodes, max_nodes in ((2, 0), (1, 3), (1, float("inf"))):
        with pytest.raises(ConfigError) as e:
            check_output_is_shared("/data/run", nodes=nodes, max_nodes=max_nodes)
        assert e.value.key == "--out" and "s3://" in str(e.value)
    with pytest.raises(ConfigError, match="may grow to more"):
        check_output_is_shared("/data/run", nodes=1, max_nodes=161)
