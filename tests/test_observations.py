"""Rich observations end to end: `syngrasp generate` with wrist camera, depth, segmentation and a
1,024-point cloud writes both formats; depth, ids and poses agree with independent geometry."""

import json

import h5py
import numpy as np
import pyarrow.parquet as pq
import pytest
import trimesh

from syngrasp.assets import build_catalog
from syngrasp.assets.meshes import load_mesh
from syngrasp.app.cli import main
from syngrasp.app.config import load_config
from syngrasp.core.errors import ConfigError
from syngrasp.core.geometry import quat_to_mat
from syngrasp.exporters.observations import DEPTH_MAX, DEPTH_MIN, decode_depth_video, dequantize_depth
from syngrasp.exporters.validate import validate
from syngrasp.core.scene import SceneSpec

from .conftest import TINY

pytestmark = pytest.mark.sim

ALL_ON = [
    "observations.wrist_camera=true",
    "observations.wrist_height=80",
    "observations.wrist_width=96",
    "observations.depth=true",
    "observations.segmentation=true",
    "observations.point_cloud=1024",
]
CAMS = ("front", "side", "wrist")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("obs") / "ds"
    args = ["generate", "--out", str(out), "--seed", "7", "--episodes", "2", "--workers", "0", "--quiet",
            "--format", "both", *TINY, *ALL_ON]
    assert main(args) == 0
    shard = out / "shard-000000.hdf5"
    with h5py.File(shard) as f:
        demos = sorted(f["data"])
    assert demos, "no successful episode to check"
    return out, shard, demos


def _read(shard, demo):
    with h5py.File(shard) as f:
        g = f["data"][demo]
        obs = {k: g["obs"][k][()] for k in g["obs"]}
        cams = {c: {k: g["cameras"][c][k][()] for k in ("intrinsics", "extrinsics")} for c in g["cameras"]}
        attrs = dict(g.attrs)
    return obs, cams, attrs


def _target_mesh(attrs, obs, t):
    """The target's catalog visual mesh (a trimesh) at its recorded pose of frame t."""
    scene = SceneSpec.from_json(attrs["scene"])
    obj = scene.target
    asset = build_catalog(load_config(None, TINY, seed=0, episodes=1).scene.asset_sources).by_id(obj.asset_id)
    mesh = load_mesh(asset.visual_mesh, tuple(obj.scale)).copy()  # file or procedural reference, metres
    pose = obs["annotation.object_pose"][t].astype(np.float64)
    T = np.eye(4)
    T[:3, :3] = quat_to_mat(pose[3:])
    T[:3, 3] = pose[:3]
    mesh.apply_transform(T)
    return mesh


def test_generate_writes_every_observation_to_both_formats(dataset):
    out, shard, demos = dataset
    obs, cams, attrs = _read(shard, demos[0])
    T = len(obs["observation.state"])
    for c in CAMS:
        h, w = (80, 96) if c == "wrist" else (64, 64)
        assert obs[f"observation.images.{c}"].shape == (T, h, w, 3)
        assert obs[f"observation.depth.{c}"].shape == (T, h, w) and obs[f"observation.depth.{c}"].dtype == np.float32
        assert obs[f"observation.segmentation.{c}"].shape == (T, h, w)
        assert obs[f"observation.segmentation.{c}"].dtype == np.int32
        assert obs[f"annotation.bbox_visible.{c}"].shape == (T, 4)
    assert obs["observation.point_cloud"].shape == (T, 1024, 6) and obs["observation.point_cloud"].dtype == np.float32
    assert obs["observation.extrinsics.wrist"].shape == (T, 4, 4)
    # the wrist camera moves with the hand; its frame-0 calibration is the episode's
    assert np.ptp(obs["observation.extrinsics.wrist"][:, :3, 3], axis=0).max() > 0.05
    np.testing.assert_allclose(cams["wrist"]["extrinsics"], obs["observation.extrinsics.wrist"][0], atol=1e-5)
    phases = obs["annotation.phase"]
    names = json.loads(attrs["phase_names"])
    assert names == ["approach", "pre-grasp", "grasp", "lift", "shake", "hold"]
    assert np.all(np.diff(phases) >= 0) and phases[0] == 0 and phases[-1] == 5
    subtasks = json.loads(attrs["subtasks"])
    assert len(subtasks) == 6 and subtasks[2] == "close the gripper"
    lang = json.loads(attrs["language"])
    assert lang["text"] == attrs["instruction"] and lang["unique"]
    assert json.loads(attrs["scene"])["instruction"] == attrs["instruction"]
    ids = json.loads(attrs["segmentation_ids"])
    assert ids["ids"]["background"] == 0 and ids["ids"]["table"] == 1
    assert ids["ids"][f"object/{ids['target']}"] == ids["target_id"]
    assert (obs["observation.segmentation.side"] == ids["target_id"]).any()

    info = json.loads((out / "meta/info.json").read_text())
    f = info["features"]
    for c in CAMS:
        assert f[f"observation.depth.{c}"]["dtype"] == "video" and f[f"observation.depth.{c}"]["info"]["is_depth_map"]
        assert f[f"observation.segmentation.{c}"]["dtype"] == "int32"
    assert f["observation.images.wrist"]["shape"] == [80, 96, 3]
    assert f["observation.point_cloud"]["shape"] == [1024, 6]
    assert f["annotation.phase"]["dtype"] == "int64"
    data = pq.read_table(out / "data/chunk-000/file-000.parquet")
    first = data.slice(0, T)
    seg = np.asarray(first.column("observation.segmentation.side").combine_chunks().flatten().flatten()).reshape(T, 64, 64)
    np.testing.assert_array_equal(seg, obs["observation.segmentation.side"])
    stats = json.loads((out / "meta/stats.json").read_text())
    assert stats["observation.depth.front"]["min"][0][0][0] >= DEPTH_MIN
    assert validate(str(out)) == []


def test_depth_video_decodes_to_the_hdf5_depth_within_one_code(dataset):
    out, shard, demos = dataset
    obs, _, _ = _read(shard, demos[0])
    codes, times = decode_depth_video(str(out / "videos/observation.depth.front/chunk-000/file-000.mp4"))
    T = len(obs["observation.state"])
    z = np.clip(obs["observation.depth.front"], DEPTH_MIN, DEPTH_MAX)
    rel = np.abs(dequantize_depth(codes[:T]) - z) / z
    assert rel.max() < 0.0008  # half a step of the log quantizer is 0.073%
    np.testing.assert_allclose(times[:T], np.arange(T) / 10.0, atol=1e-6)


def test_target_pixels_back_project_onto_the_target_surface(dataset):
    _, shard, demos = dataset
    obs, cams, attrs = _read(shard, demos[0])
    tid = json.loads(attrs["segmentation_ids"])["target_id"]
    T = len(obs["observation.state"])
    checked = 0
    for t in (0, T // 2, T - 1):
        mesh = _target_mesh(attrs, obs, t)
        for c in CAMS:
            mask = obs[f"observation.segmentation.{c}"][t] == tid
            if mask.sum() < 5:
                continue
            v, u = np.nonzero(mask)
            z = obs[f"observation.depth.{c}"][t][v, u].astype(np.float64)
            K = cams[c]["intrinsics"]
            E = obs["observation.extrinsics.wrist"][t].astype(np.float64) if c == "wrist" else cams[c]["extrinsics"]
            pc = np.stack([(u + 0.5 - K[0, 2]) / K[0, 0] * z, (v + 0.5 - K[1, 2]) / K[1, 1] * z, z], axis=1)
            world = (pc - E[:3, 3]) @ E[:3, :3]
            _, dist, _ = trimesh.proximity.closest_point(mesh, world)
            assert dist.max() < 0.02, f"{c} frame {t}: a target pixel lands {dist.max():.4f} m off the surface"
            checked += 1
    assert checked >= 3


def test_point_cloud_points_near_the_target_lie_on_its_surface(dataset):
    _, shard, demos = dataset
    obs, _, attrs = _read(shard, demos[0])
    scene = SceneSpec.from_json(attrs["scene"])
    T = len(obs["observation.state"])
    near_total = 0
    for t in (0, T // 2, T - 1):
        mesh = _target_mesh(attrs, obs, t)
        pts = obs["observation.point_cloud"][t]
        assert np.all(pts[:, 3:] >= 0) and np.all(pts[:, 3:] <= 1)
        lo, hi = mesh.bounds[0] - 0.01, mesh.bounds[1] + 0.01
        lo[2] = max(lo[2], scene.table.top_z + 0.006)  # leave out the table under the object
        near = pts[np.all((pts[:, :3] >= lo) & (pts[:, :3] <= hi), axis=1), :3]
        # the gripper is near the target after the grasp: keep points nearer the target than its box margin
        if len(near):
            _, dist, _ = trimesh.proximity.closest_point(mesh, near)
            # points of the fingers inside the target's box may be off-surface; the object's own are on it
            on = dist < 0.02
            assert on.mean() > 0.9 if t == 0 else on.any()
            near_total += int(on.sum())
    assert near_total > 0


def test_point_cloud_is_deterministic(dataset, tmp_path):
    _, shard, demos = dataset
    out2 = tmp_path / "again"
    cfg_args = ["generate", "--out", str(out2), "--seed", "7", "--episodes", "1", "--workers", "0", "--quiet",
                "--format", "hdf5", *TINY, *ALL_ON]
    assert main(cfg_args) == 0
    with h5py.File(out2 / "shard-000000.hdf5") as f2, h5py.File(shard) as f1:
        common = sorted(set(f1["data"]) & set(f2["data"]))
        assert common
        for k in ("observation.point_cloud", "observation.depth.wrist", "observation.segmentation.front"):
            np.testing.assert_array_equal(f1["data"][common[0]]["obs"][k][()], f2["data"][common[0]]["obs"][k][()])


def test_observations_config_rejects_unknown_keys_and_bad_values():
    with pytest.raises(ConfigError, match="observations.colour"):
        load_config(None, ["observations.colour=true"], seed=0, episodes=1)
    with pytest.raises(ConfigError, match="observations.point_cloud"):
        load_config(None, ["observations.point_cloud=-4"], seed=0, episodes=1)


def test_validate_reports_ids_and_boxes_that_disagree(dataset, tmp_path):
    _, shard, demos = dataset
    bad = tmp_path / "shard-000000.hdf5"
    bad.write_bytes(shard.read_bytes())
    with h5py.File(bad, "r+") as f:
        obs = f["data"][demos[0]]["obs"]
        seg = obs["observation.segmentation.side"]
        frame = seg[0]
        frame[0, 0] = 999  # an id the episode's segmentation_ids do not name
        seg[0] = frame
        box = obs["annotation.bbox_visible.front"]
        b = box[1]
        b[0] = b[0] + 3 if b[0] >= 0 else 5  # no longer the mask's box
        box[1] = b
    problems = validate(str(tmp_path))
    assert any("observation.segmentation.side has ids [999]" in p for p in problems), problems
    assert any("annotation.bbox_visible.front disagrees with the mask in 1 frames" in p for p in problems), problems


def test_depth_quantizer_error_is_half_a_log_step():
    z = np.geomspace(DEPTH_MIN, DEPTH_MAX, 10_000)
    from syngrasp.exporters.observations import quantize_depth

    rel = np.abs(dequantize_depth(quantize_depth(z)) - z) / z
    step = np.log(DEPTH_MAX / DEPTH_MIN) / 4095
    assert rel.max() <= step / 2 * 1.01 and rel.max() > step / 4
    assert quantize_depth(np.array([100.0]))[0] == 4095 and quantize_depth(np.array([0.0]))[0] == 0
