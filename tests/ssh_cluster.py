"""End-to-end run of Ray's cluster launcher over SSH on loopback (used by test_cluster_launcher.py).

``python tests/ssh_cluster.py WORKDIR OUT`` does what a user does with ``cluster/gen-local.yaml``,
aimed at this machine:

1. start ``sshd`` bound to 127.0.0.1 on a free port, with throwaway host and user keys;
   its sessions get ``HOME=WORKDIR/home``, a fresh home directory for the "node";
2. ``ray up`` a copy of ``gen-local.yaml`` whose head is 127.0.0.1 (Ray's node address
   pinned to 127.0.0.1, its ports chosen free); the shipped setup commands run
   ``scripts/setup.sh`` in ``~/syngrasp``, which builds the node's own venv from the
   system Python, and activate it in ``~/.bashrc``;
3. ``ray submit … app/submit.py -- --out OUT --episodes 4 …``, twice (the second
   resumes: every shard is already complete), then once asking for a GPU;
4. ``ray down``; stop sshd by its PID; remove the node's home directory (the mount,
   venv, bootstrap config and key, ``submit.py``, ``.bashrc``) and Ray's ssh and state files.

It writes ``WORKDIR/result.json`` (exit codes, output tails, what the home held).
Run it as PID 1 of a new PID namespace (``unshare --pid --fork --mount-proc``): ``ray
stop``, which ``ray down`` and the start commands call, then sees only this run's Ray
processes, and anything left at exit dies with the namespace.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
import uuid

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY_ARGS = ["scene.image_size=[64,64]", "scene.objects.num_distractors=[0,2]", "writer.shard_size=2"]

PROXY = """import os, socket, sys, threading
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
def up():
    while True:
        b = os.read(0, 65536)
        if not b:
            s.shutdown(socket.SHUT_WR)
            return
        s.sendall(b)
threading.Thread(target=up, daemon=True).start()
while True:
    b = s.recv(65536)
    if not b:
        break
    os.write(1, b)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kernel_env() -> dict[str, str]:
    """This machine's OpenBLAS kernel settings (e.g. ``OPENBLAS_CORETYPE``), which sshd would strip.

    numpy's OpenBLAS picks its kernels by CPU unless told, and kernels differ in the last bit
    (a norm or a 3x3 product), which is enough to change an episode's bytes. The simulated node
    is this machine, so it gets this machine's kernels, as every node of one machine type does.
    """
    return {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_") and " " not in v}


def start_sshd(work: str, home: str) -> tuple[subprocess.Popen, int, str]:
    """sshd on 127.0.0.1:PORT accepting only a throwaway key; returns (process, port, private key path).

    Its sessions get ``HOME=home``: all that ``ray up`` leaves in the home directory lands
    there (the real home is not touched); ``PIP_CACHE_DIR`` keeps pip's downloads shared;
    ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` keeps Ray on 127.0.0.1.
    """
    for name in ("host_key", "user_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(work, name)], check=True)
    shutil.copy(os.path.join(work, "user_key.pub"), os.path.join(work, "authorized_keys"))
    pip_cache = subprocess.run([sys.executable, "-m", "pip", "cache", "dir"], capture_output=True, text=True).stdout.strip()
    port = free_port()
    conf = os.path.join(work, "sshd_config")
    with open(conf, "w") as f:
        f.write(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {work}/host_key\nPidFile {work}/sshd.pid\n"
            f"AuthorizedKeysFile {work}/authorized_keys\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
            f"KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nUsePAM no\nStrictModes no\n"
            f"AllowUsers {getpass.getuser()}\nMaxStartups 50\nMaxSessions 50\n"
            # Ray turns 127.0.0.1 (as --node-ip-address, or read back as the cluster's address) into the
            # machine's outward address unless told that this is a single-machine cluster, which this
            # variable (meant for macOS and Windows) does: Ray then binds and dials 127.0.0.1 only.
            f"SetEnv HOME={home} RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0"
            + (f" PIP_CACHE_DIR={pip_cache}" if pip_cache else "")
            + "".join(f" {k}={v}" for k, v in sorted(_kernel_env().items())) + "\n"
        )
    os.makedirs("/run/sshd", exist_ok=True)  # privilege-separation directory sshd expects
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    proc = subprocess.Popen([sshd, "-D", "-e", "-f", conf], stderr=open(os.path.join(work, "sshd.log"), "w"))
    deadline = time.time() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port, os.path.join(work, "user_key")
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"sshd did not start: {open(os.path.join(work, 'sshd.log')).read()}")
            time.sleep(0.2)


def launcher_config(work: str, port: int, key: str, name: str) -> str:
    """A copy of gen-local.yaml aimed at 127.0.0.1 through the sshd above; returns its path.

    Only the addresses, the user, the key and Ray's ports change; setup and start commands
    are the shipped ones (the head's ``ray start`` gains a pinned node address and free ports).
    """
    with open(os.path.join(ROOT, "cluster", "gen-local.yaml")) as f:
        cfg = yaml.safe_load(f)
    proxy = os.path.join(work, "proxy.py")
    with open(proxy, "w") as f:
        f.write(PROXY)
    cfg["cluster_name"] = name
    cfg["provider"].update(head_ip="127.0.0.1", worker_ips=[])
    cfg["auth"] = {
        "ssh_user": getpass.getuser(),
        "ssh_private_key": key,
        "ssh_proxy_command": f"{sys.executable} {proxy} 127.0.0.1 {port}",  # Ray's ssh has no port option
    }
    cfg["file_mounts"]["~/syngrasp"] = ROOT  # this checkout, wherever pytest runs from
    gcs, agent, client, metrics = (free_port() for _ in range(4))
    pin = (f"--node-ip-address=127.0.0.1 --port={gcs} --dashboard-agent-listen-port={agent} "
           f"--ray-client-server-port={client} --metrics-export-port={metrics} --include-dashboard=false "
           "--num-cpus=2 --num-gpus=0")
    cfg["head_start_ray_commands"] = [c.replace("--port=6379", pin) for c in cfg["head_start_ray_commands"]]
    path = os.path.join(work, "cluster.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f, sort_keys=False)
    return path


def _ray(args: list[str], log: str, timeout: float, env: dict) -> dict:
    ray_cli = os.path.join(os.path.dirname(sys.executable), "ray")
    t0 = time.perf_counter()
    with open(log, "w") as f:
        try:
            rc = subprocess.run([ray_cli, *args], stdout=f, stderr=subprocess.STDOUT, timeout=timeout,
                                stdin=subprocess.DEVNULL, env=env).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    return {"rc": rc, "seconds": round(time.perf_counter() - t0, 1), "tail": open(log).read()[-4000:]}


def _home_files(home: str) -> list[str]:
    return sorted(os.listdir(home)) if os.path.isdir(home) else []


def main(work: str, out: str) -> None:
    home = os.path.join(work, "home")  # the node's home, and ray up's own
    os.makedirs(home)
    name = f"syngrasp-e2e-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "HOME": home, "RAY_USAGE_STATS_ENABLED": "0"}
    env.pop("RAY_ADDRESS", None)
    result: dict = {"home": home, "steps": {}}
    sshd = None
    t_start = time.perf_counter()
    try:
        sshd, port, key = start_sshd(work, home)
        cfg = launcher_config(work, port, key, name)
        # README step: one Ray token for the cluster, which the launcher copies to every node
        subprocess.run([os.path.join(os.path.dirname(sys.executable), "ray"), "get-auth-token", "--generate"],
                       env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        steps = result["steps"]
        steps["up"] = _ray(["up", "-y", "--no-config-cache", "--disable-usage-stats", cfg], f"{work}/up.log", 1200, env)
        mount = os.path.join(home, "syngrasp")
        result["mount_entries"] = _home_files(mount)
        result["bashrc"] = open(os.path.join(home, ".bashrc")).read() if os.path.isfile(os.path.join(home, ".bashrc")) else None
        if steps["up"]["rc"] == 0:
            submit = ["submit", cfg, os.path.join(ROOT, "app", "submit.py"), "--"]
            run = ["--out", out, "--episodes", "4", "--seed", "7", "--quiet", *map(shlex.quote, TINY_ARGS)]
            steps["submit"] = _ray([*submit, *run], f"{work}/submit.log", 600, env)
            steps["resubmit"] = _ray([*submit, *run], f"{work}/resubmit.log", 300, env)
            gpu = ["--out", f"{out}-gpu", "--episodes", "2", "--seed", "0", "--quiet", "cluster.num_gpus=0.25"]
            steps["gpu"] = _ray([*submit, *gpu], f"{work}/gpu.log", 300, env)
        result["home_after_submit"] = _home_files(home)
        steps["down"] = _ray(["down", "-y", cfg], f"{work}/down.log", 300, env)
    finally:
        if sshd is not None:
            sshd.terminate()
            try:
                sshd.wait(10)
            except subprocess.TimeoutExpired:
                sshd.kill()
                sshd.wait()
            result["sshd_exit"] = sshd.returncode
        shutil.rmtree(home, ignore_errors=True)
        for p in (f"/tmp/cluster-{name}.state", f"/tmp/cluster-{name}.lock"):
            if os.path.exists(p):
                os.unlink(p)
        user_hash = hashlib.sha256(getpass.getuser().encode()).hexdigest()[:10]
        shutil.rmtree(f"/tmp/ray_ssh_{user_hash}/{hashlib.sha256(name.encode()).hexdigest()[:10]}", ignore_errors=True)
        result["home_left"] = os.path.exists(home)
        result["seconds"] = round(time.perf_counter() - t_start, 1)
        with open(os.path.join(work, "result.json"), "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
