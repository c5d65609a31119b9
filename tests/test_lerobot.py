"""LeRobot v3.0 output: layout, frame fidelity, finalize, convert, validate and stats."""

import json
import os
import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from syngrasp.cluster.local import generate_local
from syngrasp.core.atomic import sha256_file
from syngrasp.app.cli import main
from syngrasp.app.config import load_config
from syngrasp.exporters.convert import convert
from syngrasp.exporters.formats.hdf5.reader import read_episode
from syngrasp.exporters.validate import validate
from syngrasp.exporters.video import decode_video, psnr

from .conftest import TINY

pytestmark = pytest.mark.sim


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    out = tmp_path_factory.mktemp("both") / "ds"
    cfg = load_config(None, TINY + ["writer.shard_size=2", "writer.format=both"], seed=7, episodes=5)
    manifest = generate_local(cfg, str(out), progress=False)
    assert manifest["successes"] >= 2, "too few successful episodes to test the format"
    return cfg, out, manifest


def _copy(src, tmp_path):
    dst = tmp_path / "copy"
    shutil.copytree(src, dst)
    return dst


def test_layout_and_metadata(both):
    _, out, manifest = both
    info = json.loads((out / "meta/info.json").read_text())
    assert info["codebase_version"] == "v3.0"
    assert info["total_episodes"] == manifest["successes"]
    assert info["total_frames"] == manifest["frames"]
    assert info["fps"] == 10 and info["robot_type"] == "panda"
    assert info["features"]["observation.images.front"]["dtype"] == "video"
    assert info["features"]["observation.images.front"]["info"]["video.codec"] == "av1"
    assert info["features"]["observation.state"]["shape"] == [8]
    for k in ("timestamp", "frame_index", "episode_index", "index", "task_index"):
        assert info["features"][k]["shape"] == [1]
    tasks = pd.read_parquet(out / "meta/tasks.parquet")
    assert list(tasks["task_index"]) == list(range(len(tasks))) and len(tasks) == info["total_tasks"]
    eps = pq.read_table(out / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    assert [e["episode_index"] for e in eps] == list(range(info["total_episodes"]))
    for a, b in zip(eps, eps[1:]):
        assert b["dataset_from_index"] == a["dataset_to_index"]
    for e in eps:
        for cam in ("front", "side"):
            k = f"videos/observation.images.{cam}"
            assert e[f"{k}/to_timestamp"] - e[f"{k}/from_timestamp"] == pytest.approx(e["length"] / 10)
    data = pq.read_table(out / "data/chunk-000/file-000.parquet")
    assert pa.types.is_fixed_size_list(data.schema.field("observation.state").type)
    stats = json.loads((out / "meta/stats.json").read_text())
    for key in ("observation.state", "action", "observation.images.front"):
        assert {"min", "max", "mean", "std", "count", "q01", "q10", "q50", "q90", "q99"} <= set(stats[key])
    assert np.asarray(stats["observation.images.front"]["mean"]).shape == (3, 1, 1)
    side = pq.read_table(out / "meta/syngrasp/episodes/chunk-000/file-000.parquet").to_pydict()
    assert side["episode_index"] == list(range(info["total_episodes"]))
    assert all(len(p) == 16 for p in side["grasp_pose"]) and all(json.loads(s)["objects"] for s in side["scene"])


def test_frames_match_the_render(both):
    _, out, _ = both
    side = pq.read_table(out / "meta/syngrasp/episodes/chunk-000/file-000.parquet").to_pydict()
    eps = pq.read_table(out / "meta/episodes/chunk-000/file-000.parquet").to_pylist()
    decoded = {}
    worst = np.inf
    for j, (src, shard) in enumerate(zip(side["source_episode_index"], side["shard_index"])):
        ref = read_episode(str(out / f"shard-{shard:06d}.hdf5"), src)
        e = eps[j]
        data = pq.read_table(out / f"data/chunk-000/file-{e['data/file_index']:03d}.parquet").to_pydict()
        lo = e["dataset_from_index"] - data["index"][0]
        state = np.asarray(data["observation.state"][lo : lo + e["length"]], np.float32)
        np.testing.assert_array_equal(state, ref.frames["observation.state"])
        for cam in ("front", "side"):
            key = f"observation.images.{cam}"
            path = out / f"videos/{key}/chunk-000/file-{e[f'videos/{key}/file_index']:03d}.mp4"
            if path not in decoded:
                decoded[path] = decode_video(str(path))
            frames, times = decoded[path]
            for t in (0, e["length"] // 2, e["length"] - 1):
                i = int(np.argmin(np.abs(times - (e[f"videos/{key}/from_timestamp"] + t / 10))))
                assert abs(times[i] - (e[f"videos/{key}/from_timestamp"] + t / 10)) < 1e-4
                q = psnr(frames[i], ref.frames[key][t])
                worst = min(worst, q)
                # where the scene moved more than the codec error, the decoded frame is render t, not a neighbour
                for dt in (-3, 3):
                    if 0 <= t + dt < e["length"] and psnr(ref.frames[key][t + dt], ref.frames[key][t]) < q - 2:
                        assert q > psnr(frames[i], ref.frames[key][t + dt]), (j, cam, t)
    assert worst > 24.0, worst  # 64x64 test images; benchmarks/video.py measures 256x256


def test_validate_clean_and_cli(both, capsys):
    _, out, _ = both
    assert validate(str(out)) == []
    assert main(["validate", str(out)]) == 0
    assert main(["stats", str(out), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out.split("OK\n")[-1])
    assert stats["lerobot"]["bytes_per_frame"] < stats["hdf5"]["bytes_per_frame"]
    assert stats["generation"]["episode_indices_attempted"] == 5


def _truncate_parquet(root):
    p = root / "data/chunk-000/file-000.parquet"
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _remove_video(root):
    os.unlink(root / "videos/observation.images.side/chunk-000/file-000.mp4")


def _gap_in_episodes(root):
    p = root / "meta/episodes/chunk-000/file-000.parquet"
    t = pq.read_table(p)
    idx = t["episode_index"].to_numpy().copy()
    idx[-1] += 1
    pq.write_table(t.set_column(t.column_names.index("episode_index"), "episode_index", pa.array(idx)), p)


def _corrupt_info(root):
    p = root / "meta/info.json"
    p.write_text(p.read_text()[:50])


@pytest.mark.parametrize(
    "damage,needle",
    [
        (_truncate_parquet, "data/chunk-000/file-000.parquet"),
        (_remove_video, "missing video"),
        (_gap_in_episodes, "not contiguous"),
        (_corrupt_info, "meta/info.json"),
    ],
)
def test_validate_catches(both, tmp_path, capsys, damage, needle):
    _, out, _ = both
    root = _copy(out, tmp_path)
    damage(root)
    problems = validate(str(root))
    assert any(needle in p for p in problems), problems
    assert main(["validate", str(root)]) == 1
    assert needle in capsys.readouterr().out


def test_finalize_after_a_kill_rebuilds_identical_metadata(both, tmp_path):
    _, out, _ = both
    root = _copy(out, tmp_path)
    shutil.rmtree(root / "meta")
    shutil.rmtree(root / "data")
    shutil.rmtree(root / "videos")
    assert main(["finalize", str(root)]) == 0
    for rel in ("meta/info.json", "meta/stats.json", "meta/tasks.parquet", "meta/episodes/chunk-000/file-000.parquet",
                "data/chunk-000/file-000.parquet", "meta/syngrasp/episodes/chunk-000/file-000.parquet",
                "videos/observation.images.front/chunk-000/file-000.mp4"):
        assert sha256_file(str(root / rel)) == sha256_file(str(out / rel)), rel
    assert validate(str(root)) == []


def test_convert_hdf5_to_lerobot(both, tmp_path):
    cfg, out, _ = both
    done = convert(str(out), str(tmp_path / "conv"), cfg)  # the HDF5 shards: the folder's other format is the target
    info = json.loads((tmp_path / "conv/meta/info.json").read_text())
    ref = json.loads((out / "meta/info.json").read_text())
    assert (done["lerobot"]["episodes"], done["lerobot"]["frames"]) == (ref["total_episodes"], ref["total_frames"])
    assert info == ref
    assert validate(str(tmp_path / "conv")) == []
    a = pq.read_table(tmp_path / "conv/data/chunk-000/file-000.parquet")
    b = pq.read_table(out / "data/chunk-000/file-000.parquet")
    assert a.equals(b)


def test_loads_with_lerobot(both):
    """The real lerobot 0.4.x loader, when installed (it is not part of CI: it pulls CUDA torch)."""
    pytest.importorskip("lerobot")
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    _, out, manifest = both
    ds = LeRobotDataset("local/syngrasp", root=str(out), video_backend="pyav")
    assert len(ds) == manifest["frames"]
    item = ds[len(ds) - 1]
    assert tuple(item["observation.images.front"].shape) == (3, 64, 64)


def _frames_path(root, k):
    return root / f"syngrasp/frames/shard-{k:06d}.parquet"


def _truncate_staged_frames(root):
    p = _frames_path(root, 1)
    p.write_bytes(p.read_bytes()[:100])
    return str(p), "run the run's `syngrasp generate` command again"


def _drop_a_column_in_one_shard(root):
    p = _frames_path(root, 1)
    t = pq.read_table(p)
    pq.write_table(t.drop_columns(["observation.ee_pose"]), p)
    return str(p), "differ from earlier shards'"


def _undeclared_column(root):
    for p in sorted((root / "syngrasp/frames").iterdir()):
        t = pq.read_table(p)
        pq.write_table(t.append_column("observation.mystery", pa.array(np.zeros(t.num_rows, np.float32))), p)
    return str(root / "syngrasp/frames"), "column 'observation.mystery' is not a declared episode key"


def _wrong_robot_names(root):
    p = _frames_path(root, 0)
    t = pq.read_table(p)
    record = json.loads(t.schema.metadata[b"syngrasp"])
    record["feature_names"]["observation.state"] = ["a", "b", "c"]
    pq.write_table(t.replace_schema_metadata({**t.schema.metadata, b"syngrasp": json.dumps(record).encode()}), p)
    return str(root / "syngrasp/frames"), "finalize only shards generated with one robot"


def _video_of_another_rate(root):
    from syngrasp.exporters.video import encode_video

    p = root / "syngrasp/videos/observation.images.front/shard-000001.mp4"
    frames, _ = decode_video(str(p))
    encode_video(frames, str(p), 7.0, "libx264", 20, 10, 10, "yuv420p")
    return str(p), "cannot be remuxed into one file"


@pytest.mark.parametrize("damage", [_truncate_staged_frames, _drop_a_column_in_one_shard, _undeclared_column,
                                    _wrong_robot_names, _video_of_another_rate])
def test_finalize_of_a_bad_folder_says_which_file_and_what_to_do(both, tmp_path, capsys, damage):
    """Every way the staged shards can fail LeRobot's finalize is one line naming the file and the fix, exit 2."""
    _, out, _ = both
    root = _copy(out, tmp_path)
    for d in ("meta", "data", "videos"):
        shutil.rmtree(root / d)
    where, fix = damage(root)
    assert main(["finalize", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("syngrasp: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert where in err and fix in err, err
    assert not (root / "meta/info.json").exists()


def test_the_reader_reads_staged_shards_back(both):
    """The LeRobot reader's episodes equal the HDF5 shards' in every data column, calibration and meta key;
    images within the codec's error."""
    from syngrasp.exporters.formats import get_format

    _, out, manifest = both
    hdf5, lerobot = get_format("hdf5").reader, get_format("lerobot").reader
    assert lerobot.shard_indices(str(out)) == hdf5.shard_indices(str(out)) == [0, 1, 2]
    n = 0
    for k in (0, 1, 2):
        for a, b in zip(hdf5.read_shard(str(out), k), lerobot.read_shard(str(out), k), strict=True):
            n += 1
            assert sorted(a.frames) == sorted(b.frames) and sorted(a.cameras) == sorted(b.cameras)
            for key, ref in a.frames.items():
                if key.startswith("observation.images."):
                    assert ref.shape == b.frames[key].shape and psnr(ref, b.frames[key]) > 24.0, key
                else:
                    assert ref.dtype == b.frames[key].dtype, key
                    np.testing.assert_array_equal(ref, b.frames[key], err_msg=key)
            for cam in a.cameras:
                for m in ("intrinsics", "extrinsics"):
                    np.testing.assert_array_equal(a.cameras[cam][m], b.cameras[cam][m])
            for key, ref in a.meta.items():
                assert key in b.meta, key
                if isinstance(ref, np.ndarray):
                    np.testing.assert_array_equal(ref, b.meta[key], err_msg=key)
                else:
                    assert b.meta[key] == ref, key
    assert n == manifest["successes"]


def test_convert_reads_and_writes_any_registered_format(both, tmp_path, capsys):
    """``syngrasp convert --from lerobot --to hdf5``: the staged LeRobot shards become HDF5 shards whose data
    equal the run's own HDF5 shards; a folder without shards is one line naming it."""
    from syngrasp.exporters.formats.hdf5.reader import shard_episode_indices

    _, out, _ = both
    dst = tmp_path / "h5"
    assert main(["convert", str(out), str(dst), "--from", "lerobot", "--to", "hdf5"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == {}  # HDF5 has no finalize step
    for k in range(3):
        name = f"shard-{k:06d}.hdf5"
        assert shard_episode_indices(str(dst / name)) == shard_episode_indices(str(out / name))
        for i in shard_episode_indices(str(out / name)):
            a, b = read_episode(str(out / name), i), read_episode(str(dst / name), i)
            for key in ("observation.state", "action", "action.joint", "annotation.phase"):
                np.testing.assert_array_equal(a.frames[key], b.frames[key])
    assert validate(str(dst)) == []
    (tmp_path / "empty").mkdir()
    assert main(["convert", str(tmp_path / "empty"), str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "empty") in err and "no shards of any format with a reader" in err
