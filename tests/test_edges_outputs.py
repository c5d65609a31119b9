"""Trust at the edges, output side: what ``generate`` writes, deletes and trusts, attacked with inputs
built here.

Credentials in a URL are refused and never printed; a bucket run stages in a private folder; a second
run into a locked ``--out`` is refused at once and the first completes; stale locks are taken over
(this host) or reported (another host); a user's ``*.tmp`` files survive runs and refused runs; a
truncated or deleted shard is regenerated on resume and reported; a full disk, an ``--out`` that is a
file, a read-only folder, malformed YAML and out-of-range config values are one line and an exit code;
a ConfigError raised in a pool worker reaches the user as itself; a private Ray exposes no metrics.
"""

import errno
import json
import os
import pickle
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time

import pytest

from syngrasp.app.cli import main
from syngrasp.app.config import load_config
from syngrasp.app.errors import describe
from syngrasp.core.layout import LOCK as LOCK_NAME
from syngrasp.cluster.store import safe_url
from syngrasp.core.errors import ConfigError

from .conftest import TINY
from .helpers import check_complete

CLI = [sys.executable, "-m", "syngrasp.app.cli", "generate"]
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY"


def _generate(out, *extra, episodes=2, seed=7):
    return ["generate", "--out", str(out), "--episodes", str(episodes), "--seed", str(seed), "--workers", "0",
            "--quiet", *TINY, "writer.shard_size=1", *extra]


def _error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.startswith("syngrasp: error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# ---------------------------------------------------------------- credentials and staging


@pytest.mark.parametrize("cmd", ["generate", "export"])
def test_credentials_in_a_url_are_refused_and_never_printed(tmp_path, capsys, cmd):
    url = f"s3://AKIAEXAMPLEKEYID:{SECRET}@bucket/run"
    argv = (["generate", "--out", url, "--episodes", "1", "--seed", "0"] if cmd == "generate"
            else ["export", str(tmp_path), url])
    assert main(argv) == 2
    out, err = capsys.readouterr()
    line = _error_line(err)
    assert "credentials written into the URL" in line and "AWS_ACCESS_KEY_ID" in line and "AWS_PROFILE" in line
    for piece in (SECRET, SECRET.split("/")[0], "AKIAEXAMPLEKEYID"):
        assert piece not in out + err
    assert safe_url("s3://K:a/b@c@bucket/p?X-Amz-Signature=1") == "s3://<credentials removed>@bucket/p"


def test_bucket_staging_is_private_and_unpredictable(monkeypatch):
    from syngrasp.cluster import outdir
    from syngrasp.cluster.destination import Destination

    monkeypatch.setattr(outdir, "_STAGING", {})
    bucket = f"edges-{os.getpid()}"
    parent = os.path.join(tempfile.gettempdir(), "syngrasp-staging")
    made_parent = not os.path.isdir(parent)
    old = os.path.join(parent, f"s3_{bucket}_run")  # the former, guessable staging path of this URL
    os.makedirs(parent, exist_ok=True)
    trap = tempfile.mkdtemp()
    try:
        os.symlink(trap, old)  # a planted link where the staging folder used to be
        dest = Destination(f"s3://{bucket}/run")
        st = os.lstat(dest.staging)
        assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o700 and st.st_uid == os.geteuid()
        assert os.path.realpath(dest.staging) == dest.staging != old and bucket not in dest.staging
        assert Destination(f"s3://{bucket}/other").staging == dest.staging  # one per process
        assert not os.listdir(trap)
    finally:
        os.unlink(old)
        if made_parent:
            os.rmdir(parent)
        shutil.rmtree(trap)


# ---------------------------------------------------------------- the output folder's lock


@pytest.mark.sim
def test_second_run_is_refused_at_once_and_the_first_completes(tmp_path, capsys):
    out = tmp_path / "run"
    args = _generate(out, episodes=4)[1:]
    first = subprocess.Popen([*CLI, *args], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while not (out / "shard-000000.json").exists():  # the first run is inside its second shard
        assert first.poll() is None, first.stderr.read()
        assert time.time() < deadline
        time.sleep(0.05)
    before = sorted(os.listdir(out))
    for other in (args, _generate(out, episodes=4, seed=8)[1:]):  # same config, then another config
        t0 = time.perf_counter()
        assert main(["generate", *other]) == 2
        assert time.perf_counter() - t0 < 5
        line = _error_line(capsys.readouterr().err)
        assert "is in use by another syngrasp run" in line and f"pid {first.pid}" in line
    kept = {n for n in before if not n.startswith(".syngrasp-tmp-")}  # temp files may be renamed by the first run
    assert LOCK_NAME in kept and kept <= set(os.listdir(out))  # the refused runs deleted nothing
    assert first.wait(timeout=300) == 0, first.stderr.read()
    manifest = json.loads((out / "manifest.json").read_text())
    check_complete(str(out), manifest, 4)
    assert not (out / LOCK_NAME).exists()


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_lock_of_this_host_is_taken_over_and_said(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    pid = _dead_pid()
    (out / LOCK_NAME).write_text(json.dumps({"host": socket.gethostname(), "pid": pid, "started": 1.0e9}))
    assert main(_generate(out, episodes=0)) == 0
    err = capsys.readouterr().err
    assert f"took over the stale lock {out / LOCK_NAME}" in err and f"pid {pid}" in err
    assert not (out / LOCK_NAME).exists()


def test_lock_of_another_host_is_reported_with_how_to_clear_it(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    lock = out / LOCK_NAME
    lock.write_text(json.dumps({"host": "node-7.example", "pid": 4242, "started": 1.0e9}))
    (out / "notes.tmp").write_text("mine")
    assert main(_generate(out, episodes=0)) == 2
    line = _error_line(capsys.readouterr().err)
    assert "node-7.example" in line and "pid 4242" in line and f"delete {lock}" in line
    assert sorted(os.listdir(out)) == sorted([LOCK_NAME, "notes.tmp"])  # touched nothing
    lock.unlink()
    assert main(_generate(out, episodes=0)) == 0


# ---------------------------------------------------------------- what a run deletes



@pytest.mark.sim
def test_user_tmp_files_survive_a_run_and_a_refused_run(tmp_path, capsys):
    out = tmp_path / "run"
    (out / "sub").mkdir(parents=True)
    users = {"notes.tmp": b"a", "sub/cache.tmp.npz": b"b", "shard-000000.hdf5.123.tmp": b"c", "x.syngrasp-tmp-1-y": b"d"}
    for rel, data in users.items():
        (out / rel).write_bytes(data)
    ours = out / ".syngrasp-tmp-999-shard-000001.hdf5"  # a killed run's leftover, under syngrasp's own name
    ours.write_bytes(b"partial")
    assert main(_generate(out)) == 0
    check_complete(str(out), json.loads((out / "manifest.json").read_text()), 2)
    assert not ours.exists()  # syngrasp's own leftover, in a folder holding this run: removed
    ours.write_bytes(b"partial")
    assert main(_generate(out, seed=8)) == 2  # another config: refused before anything is deleted
    assert "different config" in _error_line(capsys.readouterr().err)
    assert ours.exists() and not (out / LOCK_NAME).exists()
    for rel, data in users.items():
        assert (out / rel).read_bytes() == data, rel


# ---------------------------------------------------------------- resume checks what it trusts


@pytest.mark.sim
def test_truncated_and_deleted_shards_are_regenerated_and_reported(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(_generate(out, episodes=3)) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    ref = {n: (out / n).read_bytes() for n in ("shard-000000.hdf5", "shard-000001.hdf5")}
    full = len(ref["shard-000001.hdf5"])
    with open(out / "shard-000001.hdf5", "r+b") as f:
        f.truncate(full // 2)
    (out / "shard-000000.hdf5").unlink()
    mtime2 = os.stat(out / "shard-000002.hdf5").st_mtime_ns
    assert main(_generate(out, episodes=3)) == 0
    cap = capsys.readouterr()
    summary = json.loads(cap.out.strip().splitlines()[-1])
    assert summary == {**first, "redone_shards": 2}
    assert "shard 0 regenerated: shard-000000.hdf5 is missing" in cap.err
    assert f"shard 1 regenerated: shard-000001.hdf5 has {full // 2} bytes, its record says {full}" in cap.err
    for name, data in ref.items():
        assert (out / name).read_bytes() == data  # regenerated byte-identical
    assert os.stat(out / "shard-000002.hdf5").st_mtime_ns == mtime2  # the healthy shard was not rewritten
    check_complete(str(out), json.loads((out / "manifest.json").read_text()), 3)


def test_bucket_resume_checks_sizes_from_its_listing(monkeypatch):
    """A bucket's shard files are checked by the size one listing gave; a missing one is named."""
    import boto3
    import s3fs
    from moto.server import ThreadedMotoServer

    from syngrasp.cluster.destination import Destination

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                     "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}.items():
            monkeypatch.setenv(k, v)
        client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}")
        client.create_bucket(Bucket="edges")
        s3fs.S3FileSystem.clear_instance_cache()
        for k, body in ((0, b"x" * 100), (1, b"y" * 40)):
            client.put_object(Bucket="edges", Key=f"run/shard-{k:06d}.hdf5", Body=body)
            client.put_object(Bucket="edges", Key=f"run/shard-{k:06d}.json", Body=b"{}")
        client.put_object(Bucket="edges", Key="run/shard-000002.json", Body=b"{}")
        dest = Destination("s3://edges/run")
        assert list(dest.listed_records(3)) == [1, 1, 1]

        def rec(k, n):
            return {f"shard-{k:06d}.hdf5": {"bytes": n, "sha256": "0" * 64}}

        assert dest.file_problem(rec(0, 100)) is None
        assert dest.file_problem(rec(1, 100)) == "shard-000001.hdf5 has 40 bytes, its record says 100"
        assert dest.file_problem(rec(2, 100)) == "shard-000002.hdf5 is missing"
    finally:
        server.stop()


# ---------------------------------------------------------------- clear errors


@pytest.mark.sim
def test_full_disk_is_one_line_and_exit_1_and_the_run_resumes(tmp_path, capsys, monkeypatch):
    from syngrasp.exporters.formats.hdf5.writer import HDF5ShardWriter

    out = tmp_path / "run"
    real = HDF5ShardWriter.write_shard

    def full(self, paths, episodes, attrs):
        tmp = next(iter(paths.values()))
        with open(tmp, "wb") as f:
            f.write(b"half a shard")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), tmp)

    monkeypatch.setattr(HDF5ShardWriter, "write_shard", full)
    assert main(_generate(out)) == 1
    line = _error_line(capsys.readouterr().err)
    assert "no space left on the device holding" in line and ".syngrasp-tmp-" in line
    assert "run the same command again to resume" in line
    assert not [n for n in os.listdir(out) if n.startswith(".syngrasp-")]  # no temp file, no lock left
    monkeypatch.setattr(HDF5ShardWriter, "write_shard", real)
    assert main(_generate(out)) == 0
    check_complete(str(out), json.loads((out / "manifest.json").read_text()), 2)


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    f = tmp_path / "data.bin"
    f.write_bytes(b"keep me")
    assert main(_generate(f)) == 2
    assert f"{f} is a file, not a folder" in _error_line(capsys.readouterr().err)
    assert main(_generate(f / "run")) == 2  # a folder under a file
    assert "Not a directory" in _error_line(capsys.readouterr().err)
    assert f.read_bytes() == b"keep me"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file modes")
def test_read_only_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        assert main(_generate(out)) == 2
        line = _error_line(capsys.readouterr().err)
        assert f"cannot write in {out}" in line and "choose a folder you can write" in line
    finally:
        out.chmod(0o755)


@pytest.mark.parametrize("code,exit_code,words", [
    (errno.ENOSPC, 1, "no space left on the device holding /d/x"),
    (errno.EDQUOT, 1, "no space left"),
    (errno.EROFS, 2, "/d/x is on a read-only filesystem"),
    (errno.EACCES, 2, "permission denied for /d/x"),
    (errno.ENOTDIR, 2, "give --out a folder path"),
    (errno.EEXIST, 2, "give --out a folder path"),
    (errno.EIO, 1, "run the same command again"),
])
def test_os_errors_become_one_line_with_an_exit_code(code, exit_code, words):
    msg, got = describe(OSError(code, os.strerror(code), "/d/x"))
    assert got == exit_code and words in msg and "\n" not in msg


def test_store_errors_are_failed_runs():
    from botocore.exceptions import EndpointConnectionError

    msg, code = describe(EndpointConnectionError(endpoint_url="http://127.0.0.1:9"))
    assert code == 1 and "check the bucket URL" in msg and "127.0.0.1:9" in msg


@pytest.mark.parametrize("override,key,words", [
    ("scene.image_size=[64,64", "scene.image_size", "is not valid YAML"),
    ("grasp.top_k={a: [", "grasp.top_k", "is not valid YAML"),
    ("rollout.physics_dt=.nan", "rollout.physics_dt", "not a finite number"),
    ("motion.control_hz=.inf", "motion.control_hz", "not a finite number"),
    ("scene.image_size=[100000,100000]", "scene.image_size", "each side must be in [16, 4096] px"),
    ("writer.shard_size=1", "episodes", "a run plans at most 100000000"),
])
def test_malformed_and_out_of_range_config_is_refused_naming_the_key(tmp_path, capsys, override, key, words):
    episodes = 10**12 if key == "episodes" else 1
    argv = ["generate", "--out", str(tmp_path / "o"), "--episodes", str(episodes), "--seed", "0", override]
    assert main(argv) == 2
    line = _error_line(capsys.readouterr().err)
    assert f"config key '{key}'" in line and words in line
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("flag,value", [("--seed", 2**63), ("--episodes", 2**64)])
def test_counts_beyond_int64_are_refused(tmp_path, capsys, flag, value):
    argv = ["generate", "--out", str(tmp_path / "o"), "--episodes", "1", "--seed", "0", flag, str(value)]
    assert main(argv) == 2
    line = _error_line(capsys.readouterr().err)
    assert f"config key '{flag[2:]}'" in line and "does not fit in 64 bits" in line and str(2**63 - 1) in line


def test_config_errors_pickle_as_themselves():
    e = ConfigError("rollout.robot", "no robot.json in /x")
    e.add_note("while loading")
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is ConfigError and back.key == e.key and str(back) == str(e) and back.__notes__ == e.__notes__


@pytest.mark.sim
def test_config_error_in_a_pool_worker_reaches_the_user_as_itself(tmp_path):
    from syngrasp.assets.robot import ROBOTS_DIR
    from syngrasp.cluster.processes import generate_processes

    robot = tmp_path / "robot"
    robot.mkdir()
    shutil.copy(os.path.join(ROBOTS_DIR, "panda", "robot.json"), robot / "robot.json")
    cfg = load_config(None, TINY + [f"rollout.robot=path:{robot}"], seed=0, episodes=1)
    (robot / "robot.json").unlink()  # gone after the config was checked: the worker's load fails
    with pytest.raises(ConfigError, match="no robot.json") as info:
        generate_processes(cfg, str(tmp_path / "run"), workers=1, progress=False)
    assert info.value.key == "rollout.robot" and "died" not in str(info.value)


# ---------------------------------------------------------------- Ray


def _listeners_of_tree(root: int) -> list[tuple[str, int]]:
    """(hex address, port) of every TCP listener held by ``root`` or a process descended from it."""
    parent = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                parent[int(pid)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, grew = {root}, True
    while grew:
        new = {p for p, pp in parent.items() if pp in tree} - tree
        tree |= new
        grew = bool(new)
    inodes = set()
    for pid in tree:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
        except OSError:
            continue
    out = []
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(path) as f:
            for line in f.read().splitlines()[1:]:
                p = line.split()
                if p[3] == "0A" and p[9] in inodes:
                    addr, port = p[1].split(":")
                    out.append((addr, int(port, 16)))
    return out


_PRIVATE_RAY = """
import json, os, sys, time
from syngrasp.app.config import load_config
from syngrasp.cluster.ray_setup import init_ray
import ray
from ray._private.authentication.authentication_utils import is_token_auth_enabled
os.environ["RAY_AUTH_MODE"] = "disabled"  # the user's environment may say so; a private Ray ignores it
init_ray(None, 1, load_config(None, json.loads(sys.argv[1]) + ["cluster.object_store_mb=80"], seed=0, episodes=1))
time.sleep(2)
print(json.dumps({"token": is_token_auth_enabled(), "node": ray.util.get_node_ip_address(), "tasks": ray.get([ray.remote(lambda: 1).remote()])}), flush=True)
time.sleep(120)
"""


def test_private_ray_serves_no_metrics_and_requires_a_token():
    """A private Ray, probed from outside: token auth is on, and no listener it opened on a non-loopback
    address answers a plain HTTP ``GET /metrics`` (the Prometheus export is off; the dashboard too)."""
    import http.client

    proc = subprocess.Popen([sys.executable, "-c", _PRIVATE_RAY, json.dumps(TINY)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        info = json.loads(proc.stdout.readline())
        assert info["token"] is True and info["tasks"] == [1]  # token auth on, and the instance works
        ports = [port for addr, port in _listeners_of_tree(proc.pid)  # Ray's own processes only
                 if addr not in ("0100007F", "00000000000000000000000001000000")]
        assert ports, "a private Ray opened no listener at all: the probe saw nothing"
        for port in ports:
            conn = http.client.HTTPConnection(info["node"], port, timeout=3)
            try:
                conn.request("GET", "/metrics")
                resp = conn.getresponse()
                body = resp.read(1 << 16)
            except (OSError, http.client.HTTPException):
                continue  # not HTTP (gRPC, token-guarded) or refused
            finally:
                conn.close()
            assert not (resp.status == 200 and b"ray_" in body), f"port {port} serves metrics without a token"
    finally:
        os.killpg(proc.pid, 9)
        proc.wait()
