"""Packed LeRobot finalize: 30 shards written by the real shard writer go into a few data and video
files (videos remuxed, not re-encoded); every episode's rows and frames are found where meta/episodes
says, across file boundaries; a later finalize over more shards rewrites only what changed."""

import json
import os
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from syngrasp.core.atomic import sha256_file
from syngrasp.app.config import load_config
from syngrasp.core.episode import Episode
from syngrasp.exporters.formats.lerobot.finalize import finalize_lerobot
from syngrasp.exporters.formats.lerobot.layout import staging_rel
from syngrasp.exporters.formats.lerobot.writer import LeRobotShardWriter
from syngrasp.exporters.validate import validate
from syngrasp.exporters.video import decode_video

CAMS = ("front", "side")
SHARDS = 30


def _level(ep: int, t: int, cam: int) -> int:
    """Grey level of frame t of episode ep in camera cam: distinct for neighbouring frames."""
    return 16 + ((ep * 37 + t * 11 + cam * 5) % 200)


def _episode(ep: int, length: int) -> Episode:
    rng = np.random.default_rng(ep)
    frames = {"observation.state": rng.normal(size=(length, 8)).astype(np.float32),
              "action": rng.normal(size=(length, 7)).astype(np.float32),
              "action.joint": rng.normal(size=(length, 8)).astype(np.float32),
              "observation.ee_pose": rng.normal(size=(length, 7)).astype(np.float32),
              "annotation.object_pose": rng.normal(size=(length, 7)).astype(np.float32),
              "annotation.phase": np.minimum(np.arange(length), 5).astype(np.int64)}
    for c, cam in enumerate(CAMS):
        img = np.zeros((length, 32, 32, 3), np.uint8)
        for t in range(length):
            img[t] = _level(ep, t, c)
        frames[f"observation.images.{cam}"] = img
        frames[f"annotation.bbox.{cam}"] = np.tile(np.float32([4, 4, 20, 20]), (length, 1))
    meta = {"episode_index": ep, "instruction": f"pick up the {('red', 'blue', 'green')[ep % 3]} mug", "success": True,
            "failure_reason": "", "attempts": 1, "seed": 0, "grasp_width": 0.04, "grasp_pose": np.eye(4),
            "scene": json.dumps({"objects": []}), "version": "test", "schema_version": "1.0", "fps": 10.0,
            "max_penetration_m": 0.0, "visibility_redraws": 0}
    return Episode(frames, {cam: {"intrinsics": np.eye(3), "extrinsics": np.eye(4)} for cam in CAMS}, meta)


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """30 shards of 1-3 episodes of 3-9 frames, by the real LeRobot shard writer (libx264, 32x32)."""
    root = tmp_path_factory.mktemp("packed") / "staging"
    opts = load_config(None, ["writer.video_codec=libx264", "writer.video_gop=4"], seed=0, episodes=0).writer
    writer = LeRobotShardWriter(str(root), opts)
    source = {}
    ep = 0
    for k in range(SHARDS):
        eps = []
        for _ in range(1 + k % 3):
            e = _episode(ep, 3 + (ep * 5) % 7)
            e.meta["shard_index"] = k
            eps.append(e)
            source[ep] = e
            ep += 1
        writer.write(k, eps, {"shard_index": k})
    # a column another writer adds to the per-shard episodes table is carried into meta/episodes
    path = root / staging_rel("episodes", 0)
    t = pq.read_table(path)
    pq.write_table(t.append_column("annotator/quality", pa.array([[0.5] * 8] * t.num_rows)), path)
    return root, source


def _finalize(root, indices, data_mb=0.02, video_mb=0.012):
    opts = load_config(None, [f"writer.data_files_size_in_mb={data_mb}", f"writer.video_files_size_in_mb={video_mb}"],
                       seed=0, episodes=0).writer
    # the shards record no robot (written without a run config): finalize names it from the run config
    return finalize_lerobot(str(root), indices, opts, {"rollout": {"robot": "panda"}})


def _rows(root):
    rows = []
    for name in sorted(os.listdir(root / "meta/episodes/chunk-000")):
        rows += pq.read_table(root / "meta/episodes/chunk-000" / name).to_pylist()
    return rows


def test_packed_layout_reads_back_across_files(shards, tmp_path):
    src, source = shards
    root = tmp_path / "ds"
    shutil.copytree(src, root)
    info = _finalize(root, range(SHARDS)).info
    rows = _rows(root)
    assert info["robot_type"] == "panda"
    assert info["total_episodes"] == len(rows) == len(source)
    assert validate(str(root)) == []
    data_files = {(r["data/chunk_index"], r["data/file_index"]) for r in rows}
    assert 3 <= len(data_files) < SHARDS, "shards were not packed into a few data files"
    side = pq.read_table(root / "meta/syngrasp/episodes/chunk-000/file-000.parquet").to_pydict()
    by_dense = dict(zip(side["episode_index"], side["source_episode_index"]))
    assert rows[0]["annotator/quality"] == [0.5] * 8 and rows[-1]["annotator/quality"] is None
    for r in rows:  # the shard writer's per-episode stats columns travel with each episode
        ep = source[by_dense[r["episode_index"]]]
        np.testing.assert_allclose(r["stats/observation.state/mean"], ep.frames["observation.state"].astype(np.float64).mean(0), rtol=1e-6, atol=1e-6)
    for c, cam in enumerate(CAMS):
        key = f"observation.images.{cam}"
        files = {(r[f"videos/{key}/chunk_index"], r[f"videos/{key}/file_index"]) for r in rows}
        assert 2 <= len(files) < SHARDS, "shards were not packed into a few video files"
        decoded = {f: decode_video(str(root / f"videos/{key}/chunk-{f[0]:03d}/file-{f[1]:03d}.mp4")) for f in files}
        for r in rows:
            frames, times = decoded[(r[f"videos/{key}/chunk_index"], r[f"videos/{key}/file_index"])]
            ep = by_dense[r["episode_index"]]
            for t in range(r["length"]):
                i = int(np.argmin(np.abs(times - (r[f"videos/{key}/from_timestamp"] + t / 10))))
                assert abs(times[i] - (r[f"videos/{key}/from_timestamp"] + t / 10)) < 1e-4
                assert abs(float(frames[i].mean()) - _level(ep, t, c)) < 3, (cam, r["episode_index"], t)
    for r in rows:
        rel = info["data_path"].format(chunk_index=r["data/chunk_index"], file_index=r["data/file_index"])
        data = pq.read_table(root / rel).to_pydict()
        lo = r["dataset_from_index"] - data["index"][0]
        state = np.asarray(data["observation.state"][lo: lo + r["length"]], np.float32)
        np.testing.assert_array_equal(state, source[by_dense[r["episode_index"]]].frames["observation.state"])
        assert data["episode_index"][lo: lo + r["length"]] == [r["episode_index"]] * r["length"]
    stats = json.loads((root / "meta/stats.json").read_text())
    allstate = np.concatenate([e.frames["observation.state"] for e in source.values()]).astype(np.float64)
    np.testing.assert_allclose(stats["observation.state"]["mean"], allstate.mean(0), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(stats["observation.state"]["std"], allstate.std(0), rtol=1e-9)
    np.testing.assert_allclose(stats["observation.state"]["q50"], np.quantile(allstate, 0.5, axis=0), rtol=0.01, atol=0.02)
    assert stats["observation.state"]["count"] == [len(allstate)]


def test_incremental_finalize_touches_only_what_changed(shards, tmp_path):
    src, _ = shards
    inc, fresh = tmp_path / "inc", tmp_path / "fresh"
    shutil.copytree(src, inc)
    shutil.copytree(src, fresh)
    first = _finalize(inc, range(SHARDS - 6))
    before = {}
    for d, _, names in os.walk(inc):
        for n in names:
            p = os.path.join(d, n)
            if "/data/" in p or "/videos/" in p:
                before[p] = os.stat(p).st_mtime_ns
    second = _finalize(inc, range(SHARDS))
    kept = [p for p, m in before.items() if os.path.exists(p) and os.stat(p).st_mtime_ns == m]
    assert second.files_kept >= 3 and len(kept) >= 3, (first, second)
    assert second.files_written < first.files_written + second.files_kept
    _finalize(fresh, range(SHARDS))
    for d, _, names in os.walk(fresh):
        for n in names:
            rel = os.path.relpath(os.path.join(d, n), fresh)
            if rel.startswith(("data/", "videos/", "meta/episodes/", "meta/info.json", "meta/tasks", "meta/syngrasp/episodes")):
                assert sha256_file(str(inc / rel)) == sha256_file(str(fresh / rel)), rel
    a = json.loads((inc / "meta/stats.json").read_text())
    b = json.loads((fresh / "meta/stats.json").read_text())
    for feat in b:
        for stat in b[feat]:
            np.testing.assert_allclose(a[feat][stat], b[feat][stat], rtol=1e-9, atol=1e-12, err_msg=f"{feat}/{stat}")
    # nothing new: nothing rewritten
    assert _finalize(inc, range(SHARDS)).files_written == 0
