"""Faults cost one episode, not a shard or a run: a catalog mesh deleted after the build, and a store
that fails some requests (a real HTTP proxy on loopback in front of the moto S3 server)."""

import hashlib
import http.client
import json
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from syngrasp.assets.ingest import build_catalog_dir
from syngrasp.assets.procedural import procedural_object
from syngrasp.cluster.driver import error_share_exceeded
from syngrasp.cluster.manifest import shard_rows_sorted
from syngrasp.cluster.retry import is_transient, with_retries
from syngrasp.app.cli import main
from syngrasp.app.config import load_config

from .helpers import check_complete


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.sim
def test_deleted_mesh_costs_its_episodes_only(tmp_path, capsys):
    src, cat = tmp_path / "src", tmp_path / "cat"
    for category, seeds in (("can", (0, 1, 2)), ("cup", (0,))):  # one can is deleted, the rest stay healthy
        os.makedirs(src / category)
        for seed in seeds:
            procedural_object(category, seed)[0].export(src / category / f"{seed}.obj")
    built = build_catalog_dir(str(src), str(cat), workers=1, log=lambda *_: None)
    gone = next(o["id"] for o in built["objects"] if o["category"] == "can")
    os.unlink(cat / "objects" / f"{gone}.npz")  # deleted after the build
    out = tmp_path / "run"
    overrides = [f"scene.asset_sources=['catalog:{cat}']", "scene.objects.num_distractors=[0,0]",
                 "scene.image_size=[64,64]", "writer.shard_size=3"]
    rc = main(["generate", "--out", str(out), "--episodes", "6", "--seed", "0", "--workers", "0", "--quiet", *overrides])
    err = capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text())  # written although errors exceed the share
    assert manifest["errors"] >= 1 and manifest["failures"].get("error:AssetError") == manifest["errors"], manifest["failures"]
    assert rc == 1 and "cluster.max_error_share" in err
    check_complete(str(out), manifest, 6)  # every episode attempted once; every other one written
    errored = []
    for row in shard_rows_sorted(str(out)):
        rec = json.loads((out / row["record"]).read_text())
        for e in rec["errors"]:
            assert e["error"] == "AssetError" and gone in e["traceback"]
            assert e["episode_index"] not in rec["episodes_written"]
            errored.append(e["episode_index"])
    assert len(errored) == manifest["errors"] < 6
    assert manifest["successes"] >= 1, "no episode without the deleted mesh was written"
    cfg = load_config(None, overrides + ["cluster.max_error_share=0.5"], seed=0, episodes=6)
    assert error_share_exceeded(manifest, cfg) is None


def test_retry_helper_retries_transient_errors_only():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise OSError("An error occurred (SlowDown) when calling the PutObject operation: Please reduce your request rate")
        return "ok"

    assert with_retries(flaky, sleep=lambda s: None) == "ok" and len(calls) == 3
    with pytest.raises(FileNotFoundError):
        with_retries(lambda: (_ for _ in ()).throw(FileNotFoundError("no such key")), sleep=lambda s: None)
    assert is_transient(ConnectionResetError()) and not is_transient(PermissionError("denied"))


class _FlakyProxy(BaseHTTPRequestHandler):
    """Forwards to the S3 server; every ``fail_every``-th request gets a 503 SlowDown or a dropped connection."""

    protocol_version = "HTTP/1.1"  # answers "Expect: 100-continue", which botocore sends with uploads
    upstream = ""
    fail_every = 4
    lock = threading.Lock()
    count = [0]
    injected = {"503": 0, "drop": 0}

    def log_message(self, *args):
        pass

    def _handle(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        with self.lock:
            self.count[0] += 1
            n = self.count[0]
        if n % self.fail_every == 0:
            if (n // self.fail_every) % 2:
                self.injected["503"] += 1
                payload = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
                self.send_response(503)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            else:
                self.injected["drop"] += 1
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        host, port = self.upstream.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "proxy-connection")}
        conn.request(self.command, self.path, body=body or None, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _handle


@pytest.fixture
def flaky_s3(monkeypatch):
    import boto3
    import s3fs
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    _FlakyProxy.upstream = f"127.0.0.1:{port}"
    _FlakyProxy.count[0] = 0
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _FlakyProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                 "AWS_ENDPOINT_URL": f"http://127.0.0.1:{proxy.server_address[1]}"}.items():
        monkeypatch.setenv(k, v)
    direct = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}")
    direct.create_bucket(Bucket="flaky-bucket")
    s3fs.S3FileSystem.clear_instance_cache()
    yield direct, "flaky-bucket"
    proxy.shutdown()
    server.stop()


@pytest.mark.sim
def test_run_to_a_flaky_store_completes_verified(flaky_s3, tmp_path):
    from syngrasp.cluster.ray_driver import generate_ray

    client, bucket = flaky_s3
    cfg = load_config(None, ["scene.image_size=[64,64]", "scene.objects.num_distractors=[0,2]", "writer.shard_size=1"],
                      seed=7, episodes=2)
    manifest = generate_ray(cfg, f"s3://{bucket}/flaky", workers=1, progress=False)
    assert sum(_FlakyProxy.injected.values()) >= 2, "the proxy injected no fault: the test did not exercise retries"
    rows = [json.loads(line) for line in
            client.get_object(Bucket=bucket, Key="flaky/shards.jsonl")["Body"].read().decode().splitlines()]
    assert sorted(r["shard_index"] for r in rows) == [0, 1] and manifest["shards"] == 2
    for r in rows:
        for rel, meta in r["files"].items():
            key = f"flaky/{rel}"
            body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            assert hashlib.sha256(body).hexdigest() == meta["sha256"]
            # uploaded with a store-side checksum, which is what verified it (no read-back needed)
            head = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
            assert head.get("ChecksumSHA256")
        assert client.head_object(Bucket=bucket, Key=f"flaky/{r['record']}")
    remote = json.loads(client.get_object(Bucket=bucket, Key="flaky/manifest.json")["Body"].read())
    assert remote == manifest and manifest["episodes_attempted"] == 2


def test_progress_prints_log_lines_when_not_a_terminal():
    import io

    from syngrasp.cluster.progress import Progress

    stream = io.StringIO()  # not a TTY: plain lines, no redrawn bar
    p = Progress(shards_total=4, shards_done=1, episodes_todo=6, interval_s=1e-9, stream=stream)
    p.episode(50, True)
    p.episode(0, False, error=True)
    p.shard_done()
    p.show()
    p.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in stream.getvalue()
    assert lines[-1].startswith("syngrasp: shards 2/4, 2/6 ep,") and "success 50%" in lines[-1]
    assert "1 errors" in lines[-1] and "ETA" in lines[-1] and "frames/s" in lines[-1]
