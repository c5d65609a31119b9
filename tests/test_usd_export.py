"""``syngrasp export-usd``: the episode's stage reopens with pxr; its transforms equal the recorded poses."""

import json

import numpy as np
import pytest
from pxr import Usd, UsdGeom, UsdLux, UsdShade  # usd-core, a declared dependency

from syngrasp.cluster.local import generate_local
from syngrasp.app.cli import main
from syngrasp.app.config import load_config
from syngrasp.core.geometry import quat_to_mat
from syngrasp.exporters.formats.hdf5.reader import read_episode

from .conftest import TINY

pytestmark = pytest.mark.sim


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("usd") / "ds"
    cfg = load_config(None, TINY + ["writer.shard_size=3"], seed=7, episodes=3)
    manifest = generate_local(cfg, str(out), progress=False)
    rec = json.loads((out / "shard-000000.json").read_text())
    assert rec["episodes_written"], "no episode to export"
    idx = rec["episodes_written"][-1]
    usd = out / "ep.usd"
    assert main(["export-usd", str(out), "--episode", str(idx), "--out", str(usd)]) == 0
    return read_episode(str(out / "shard-000000.hdf5"), idx), Usd.Stage.Open(str(usd)), manifest


def _pose(stage, path, t):
    M = UsdGeom.Xformable(stage.GetPrimAtPath(path)).ComputeLocalToWorldTransform(Usd.TimeCode(t))
    A = np.array(M).T  # Gf matrices are row-vector convention
    return A[:3, 3], A[:3, :3]


def test_stage_structure(exported):
    ep, stage, _ = exported
    scene = json.loads(ep.meta["scene"])
    T = ep.num_frames
    assert stage.GetDefaultPrim().GetPath() == "/World"
    assert UsdGeom.GetStageUpAxis(stage) == "Z" and UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    assert stage.GetStartTimeCode() == 0 and stage.GetEndTimeCode() == T - 1
    assert stage.GetTimeCodesPerSecond() == ep.meta["fps"]
    for path in ("/World/static/table", "/World/static/floor", "/World/bodies/link0", "/World/bodies/hand",
                 "/World/bodies/left_finger", "/World/bodies/right_finger"):
        assert stage.GetPrimAtPath(path).IsValid(), path
    for i in range(len(scene["objects"])):
        body = stage.GetPrimAtPath(f"/World/bodies/obj{i}")
        assert body.IsValid() and any(c.IsA(UsdGeom.Mesh) for c in body.GetChildren())
    walls = [p for p in stage.GetPrimAtPath("/World/static").GetChildren() if p.GetName().startswith("wall")]
    assert len(walls) == len(scene["background"]["walls"])
    meshes = [p for p in stage.Traverse() if p.IsA(UsdGeom.Mesh)]
    assert len(meshes) >= 11 and all(len(UsdGeom.Mesh(p).GetPointsAttr().Get()) > 3 for p in meshes)
    for p in meshes:
        mat, _ = UsdShade.MaterialBindingAPI(p).ComputeBoundMaterial()
        assert mat, p.GetPath()
    lights = [p for p in stage.GetPrimAtPath("/World/lights").GetChildren()]
    assert len(lights) == len(scene["lights"]) + 1 and any(p.IsA(UsdLux.DomeLight) for p in lights)
    for cam in scene["cameras"]:
        prim = stage.GetPrimAtPath(f"/World/cameras/{cam['name']}")
        c = UsdGeom.Camera(prim)
        K = ep.cameras[cam["name"]]["intrinsics"]
        fy = c.GetFocalLengthAttr().Get() / c.GetVerticalApertureAttr().Get() * cam["height"]
        fx = c.GetFocalLengthAttr().Get() / c.GetHorizontalApertureAttr().Get() * cam["width"]
        assert fy == pytest.approx(K[1, 1], rel=1e-5) and fx == pytest.approx(K[0, 0], rel=1e-5)
        np.testing.assert_allclose(np.array(prim.GetAttribute("syngrasp:intrinsics").Get()), K, atol=1e-9)
        # the camera's world pose: the recorded extrinsics map base -> OpenCV camera (x right, y down, z forward)
        p, R = _pose(stage, prim.GetPath(), 0)
        E = ep.cameras[cam["name"]]["extrinsics"]
        R_cv = R @ np.diag([1.0, -1.0, -1.0])
        np.testing.assert_allclose(E[:3, :3], R_cv.T, atol=1e-5)
        np.testing.assert_allclose(E[:3, 3], -R_cv.T @ p, atol=1e-5)


def test_transforms_equal_recorded_poses(exported):
    ep, stage, _ = exported
    scene = json.loads(ep.meta["scene"])
    T = ep.num_frames
    target = f"/World/bodies/obj{scene['target_index']}"
    xf = UsdGeom.Xformable(stage.GetPrimAtPath(target))
    ops = {op.GetOpName(): op for op in xf.GetOrderedXformOps()}
    assert len(ops["xformOp:translate"].GetTimeSamples()) == T == len(ops["xformOp:orient"].GetTimeSamples())
    obj = ep.frames["annotation.object_pose"].astype(np.float64)
    ee = ep.frames["observation.ee_pose"].astype(np.float64)
    worst = 0.0
    for t in range(T):
        p, R = _pose(stage, target, t)
        worst = max(worst, np.abs(p - obj[t, :3]).max(), np.abs(R - quat_to_mat(obj[t, 3:])).max())
        p, R = _pose(stage, "/World/ee_site", t)
        worst = max(worst, np.abs(p - ee[t, :3]).max(), np.abs(R - quat_to_mat(ee[t, 3:])).max())
    assert worst < 1e-5, worst
    # the target is lifted and the hand moves over the episode
    assert _pose(stage, target, T - 1)[0][2] - _pose(stage, target, 0)[0][2] > 0.05
    assert np.linalg.norm(_pose(stage, "/World/bodies/hand", 0)[0] - _pose(stage, "/World/bodies/hand", T // 2)[0]) > 0.05


def test_unknown_episode_is_a_clear_error(exported, tmp_path, capsys):
    ep, stage, manifest = exported
    root = stage.GetRootLayer().realPath.rsplit("/", 1)[0]
    assert main(["export-usd", root, "--episode", "999", "--out", str(tmp_path / "x.usd")]) == 2
    assert "episode 999" in capsys.readouterr().err
