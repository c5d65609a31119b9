"""Bucket export against a real S3 API: moto in server mode on 127.0.0.1."""

import hashlib
import json
import socket

import boto3
import pytest

from syngrasp.cluster import publish as publish_mod
from syngrasp.cluster.export import ExportError, export_dataset
from syngrasp.cluster.local import generate_local
from syngrasp.cluster.manifest import shard_rows_sorted
from syngrasp.app.cli import main
from syngrasp.app.config import load_config

from .conftest import TINY

SECRET = "syngrasp-test-secret-key-0123456789"


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    client = boto3.client("s3", endpoint_url=s3_server)
    name = f"bucket-{abs(hash(monkeypatch)) % 10**8}"
    client.create_bucket(Bucket=name)
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    return client, name


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("ds")
    cfg = load_config(None, TINY + ["writer.shard_size=1"], seed=7, episodes=3)
    manifest = generate_local(cfg, str(out), progress=False)
    return out, manifest, shard_rows_sorted(str(out))


def _remote_sha(client, bucket, key):
    return hashlib.sha256(client.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest()


@pytest.mark.sim
def test_export_uploads_and_verifies(s3, dataset, capsys):
    client, bucket = s3
    out, manifest, rows = dataset
    assert main(["export", str(out), f"s3://{bucket}/runs/a"]) == 0
    for s in rows:
        for rel, meta in s["files"].items():
            assert _remote_sha(client, bucket, f"runs/a/{rel}") == meta["sha256"]
    remote_manifest = json.loads(client.get_object(Bucket=bucket, Key="runs/a/manifest.json")["Body"].read())
    assert remote_manifest == manifest
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    assert SECRET not in json.dumps(remote_manifest)
    # second run: nothing re-uploaded
    summary = export_dataset(str(out), f"s3://{bucket}/runs/a", log=lambda *_: None)
    assert summary == {"uploaded": 0, "skipped": manifest["shards"], "shards": manifest["shards"]}


@pytest.mark.sim
def test_interrupted_upload_resumes_without_manifest_first(s3, dataset, monkeypatch):
    client, bucket = s3
    out, manifest, rows = dataset
    real = publish_mod.upload_verified
    calls = []

    def flaky(fs, local, remote, sha):
        calls.append(remote)
        if len(calls) == 2:
            raise ConnectionError("connection reset during upload")
        return real(fs, local, remote, sha)

    monkeypatch.setattr(publish_mod, "upload_verified", flaky)
    with pytest.raises(ConnectionError):
        export_dataset(str(out), f"s3://{bucket}/b", threads=1, log=lambda *_: None)
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix="b/").get("Contents", [])}
    assert "b/manifest.json" not in keys
    assert "b/shard-000000.json" in keys
    monkeypatch.setattr(publish_mod, "upload_verified", real)
    # also corrupt the one shard that did land: the resume must notice and re-upload it
    client.put_object(Bucket=bucket, Key="b/shard-000000.hdf5", Body=b"garbage")
    summary = export_dataset(str(out), f"s3://{bucket}/b", log=lambda *_: None)
    # the corrupted shard 0 and the failed shard 1 go up again; anything verified is skipped
    assert summary["uploaded"] >= 2
    assert summary["uploaded"] + summary["skipped"] == manifest["shards"]
    for s in rows:
        for rel, meta in s["files"].items():
            assert _remote_sha(client, bucket, f"b/{rel}") == meta["sha256"]
    assert json.loads(client.get_object(Bucket=bucket, Key="b/manifest.json")["Body"].read()) == manifest


def test_export_of_unfinished_run_is_refused(tmp_path):
    with pytest.raises(ExportError, match="manifest.json"):
        export_dataset(str(tmp_path), "file://" + str(tmp_path / "dest"))


@pytest.mark.sim
def test_generate_straight_to_bucket_with_ray(s3, tmp_path):
    from syngrasp.cluster.ray_driver import generate_ray

    client, bucket = s3
    cfg = load_config(None, TINY + ["writer.shard_size=1"], seed=7, episodes=2)
    manifest = generate_ray(cfg, f"s3://{bucket}/live", workers=1, progress=False)
    ref = generate_local(cfg, str(tmp_path / "ref"), progress=False)
    assert manifest == ref
    rows = [json.loads(line) for line in
            client.get_object(Bucket=bucket, Key="live/shards.jsonl")["Body"].read().decode().splitlines()]
    assert sorted(rows, key=lambda r: r["shard_index"]) == shard_rows_sorted(str(tmp_path / "ref"))
    for s in rows:
        for rel, meta in s["files"].items():
            assert _remote_sha(client, bucket, f"live/{rel}") == meta["sha256"]
    remote = json.loads(client.get_object(Bucket=bucket, Key="live/manifest.json")["Body"].read())
    assert remote == manifest
