"""`syngrasp robots add`: vendor files become robots that match independent references.

The references are independent of the importer: the hand-written built-in robots (made
from the same pybullet_data files), the URDFs parsed here with ElementTree, and tiny arm
and gripper MJCFs written below whose widths follow from their dimensions by arithmetic.
"""

import json
import os
import warnings
import xml.etree.ElementTree as ET

import mujoco
import numpy as np
import pybullet_data
import pytest

from syngrasp.app.cli import main
from syngrasp.assets.robot import load_robot
from syngrasp.core.errors import ConfigError
from syngrasp.generators.mujoco_backend.robot_import.importer import ImportOptions, import_robot

from . import test_robots as shared
from .conftest import TINY

PB = pybullet_data.getDataPath()
VENDOR = {"xarm6": os.path.join(PB, "xarm", "xarm6_with_gripper.urdf"),
          "panda": os.path.join(PB, "franka_panda", "panda.urdf")}


# ----------------------------------------------------------------------------- helpers

def _model(robot) -> mujoco.MjModel:
    return shared._model(robot)


def _urdf_joints(path: str) -> dict[str, ET.Element]:
    """The URDF's <joint> elements by name (not the <transmission>s' joint references)."""
    return {j.get("name"): j for j in ET.parse(path).getroot().findall("joint")}


def _qadr(m, names) -> list[int]:
    return [int(m.jnt_qposadr[m.joint(n).id]) for n in names]


def _geom_points(m, d, g) -> np.ndarray:
    """(N, 3) world points of geom ``g``: mesh vertices, or the 8 corners of its box / sphere bound."""
    R, p = d.geom_xmat[g].reshape(3, 3), d.geom_xpos[g]
    if m.geom_type[g] == mujoco.mjtGeom.mjGEOM_MESH:
        k = m.geom_dataid[g]
        local = m.mesh_vert[m.mesh_vertadr[k]:m.mesh_vertadr[k] + m.mesh_vertnum[k]]
    else:
        h = m.geom_size[g] if m.geom_type[g] == mujoco.mjtGeom.mjGEOM_BOX else np.full(3, m.geom_size[g][0])
        local = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]) * h
    return local @ R.T + p


def _finger_points(m, d, body: str) -> np.ndarray:
    b = m.body(body).id
    return np.vstack([_geom_points(m, d, g) for g in range(m.ngeom) if m.geom_bodyid[g] == b and m.geom_contype[g]])


def _isolate(mp: pytest.MonkeyPatch, root) -> None:
    """Nothing is read from or written to the real robot folders."""
    mp.setenv("XDG_DATA_HOME", str(root / "xdg"))
    mp.delenv("SYNGRASP_ROBOTS", raising=False)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """pybullet_data's xarm6 and Panda URDFs imported once: name -> robot folder."""
    root = tmp_path_factory.mktemp("vendor")
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, root)
        for name, urdf in VENDOR.items():
            out[name] = str(root / "robots" / f"my{name}")
            import_robot(ImportOptions(f"my{name}", urdf), out[name])
    return out


# ----------------------------------------------------------------------------- vendor URDFs vs built-ins

@pytest.mark.parametrize("name", sorted(VENDOR))
def test_imported_arm_matches_the_urdf_and_the_builtin(imported, name):
    r, ref = load_robot(f"path:{imported[name]}"), load_robot(name)
    m, m_ref = _model(r), _model(ref)
    joints = _urdf_joints(VENDOR[name])
    # the built-in names its URDF joints in urdf.arm_joints when its own names differ (panda_joint1 -> joint1)
    urdf_names = ref.urdf.arm_joints if ref.urdf else ref.arm_joints
    assert r.arm_joints == urdf_names
    for ji, jref in zip(r.arm_joints, ref.arm_joints):
        lim = joints[ji].find("limit")
        lo, hi = float(lim.get("lower")), float(lim.get("upper"))
        assert m.jnt_range[m.joint(ji).id] == pytest.approx([lo, hi], abs=1e-4)
        # the built-in Panda uses the URDF's safety_controller soft limits, 0.0698 rad inside the hard ones
        lo_ref, hi_ref = m_ref.jnt_range[m_ref.joint(jref).id]
        assert lo - 1e-4 <= lo_ref <= lo + 0.07 and hi - 0.07 <= hi_ref <= hi + 1e-4
    assert r.max_joint_velocity == pytest.approx([float(joints[j].find("limit").get("velocity")) for j in r.arm_joints])
    assert r.max_joint_acceleration == pytest.approx([4 * v for v in r.max_joint_velocity])


@pytest.mark.parametrize("name", sorted(VENDOR))
def test_imported_gripper_matches_the_builtin(imported, name):
    r, ref = load_robot(f"path:{imported[name]}"), load_robot(name)
    assert r.gripper_max_width == pytest.approx(ref.gripper_max_width, abs=0.002)
    assert r.width_from_command(r.gripper_ctrl_open) == pytest.approx(ref.width_from_command(ref.gripper_ctrl_open),
                                                                      abs=0.002)
    assert r.width_from_command(r.gripper_ctrl_closed) < 0.005
    assert r.width_from_command(r.gripper_ctrl_closed) == pytest.approx(
        ref.width_from_command(ref.gripper_ctrl_closed), abs=0.002)
    if name == "xarm6":  # both command the same drive joint [rad]: compare the whole curve
        assert (r.gripper_ctrl_open, r.gripper_ctrl_closed) == (ref.gripper_ctrl_open, ref.gripper_ctrl_closed)
        for u in np.linspace(ref.gripper_ctrl_open, ref.gripper_ctrl_closed, 6):
            assert r.width_from_command(u) == pytest.approx(ref.width_from_command(u), abs=0.002), u


@pytest.mark.parametrize("name", sorted(VENDOR))
def test_gripper_joint_scale_is_the_urdf_mimic_multiplier(imported, name):
    r = load_robot(f"path:{imported[name]}")
    joints = _urdf_joints(VENDOR[name])
    mimic = {n: j.find("mimic") for n, j in joints.items() if j.find("mimic") is not None}
    drives = [n for n in r.gripper_joints if n not in mimic]
    assert len(drives) == 1 and set(r.gripper_joints) == set(mimic) | set(drives)
    for n, s in zip(r.gripper_joints, r.gripper_joint_scale):
        expect = 1.0 if n in drives else float(mimic[n].get("multiplier", "1"))
        assert mimic.get(n) is None or mimic[n].get("joint") == drives[0]
        assert s == pytest.approx(expect), n


@pytest.mark.parametrize("name", sorted(VENDOR))
def test_grasp_site_lies_between_the_pads(imported, name):
    """Projected on the site's y (closing) axis, the left pad's inner face is at +w/2 and the right's
    at -w/2; along the site's z both pads span the site."""
    r = load_robot(f"path:{imported[name]}")
    m = _model(r)
    d = mujoco.MjData(m)
    u = (r.gripper_ctrl_open + r.gripper_ctrl_closed) / 2
    d.qpos[_qadr(m, r.gripper_joints)] = r.finger_qpos(u)
    mujoco.mj_forward(m, d)
    s = m.site(r.ee_site).id
    R, p = d.site_xmat[s].reshape(3, 3), d.site_xpos[s]
    left, right = ((_finger_points(m, d, b) - p) @ R for b in r.finger_bodies)
    w = r.width_from_command(u)
    assert left[:, 1].min() == pytest.approx(w / 2, abs=0.002)
    assert right[:, 1].max() == pytest.approx(-w / 2, abs=0.002)
    for pts in (left, right):
        assert pts[:, 2].min() < 0 < pts[:, 2].max()
        assert pts[:, 0].min() < 0 < pts[:, 0].max()


@pytest.mark.parametrize("name", sorted(VENDOR))
def test_home_pose_is_above_the_table_pointing_down(imported, name):
    r = load_robot(f"path:{imported[name]}")
    m = _model(r)
    d = mujoco.MjData(m)
    d.qpos[_qadr(m, r.arm_joints)] = r.home_qpos
    d.qpos[_qadr(m, r.gripper_joints)] = r.finger_qpos(r.gripper_ctrl_open)
    mujoco.mj_forward(m, d)
    s = m.site(r.ee_site).id
    x, _, z = d.site_xpos[s]
    assert 0.2 <= x <= 0.5 and 0.3 <= z <= 0.6, d.site_xpos[s]
    assert float(d.site_xmat[s].reshape(3, 3)[:, 2] @ [0, 0, -1]) > 0.99
    for j, q in zip(r.arm_joints, r.home_qpos):
        lo, hi = m.jnt_range[m.joint(j).id]
        assert lo <= q <= hi, j
    assert d.ncon == 0, [(m.body(m.geom_bodyid[c.geom1]).name, m.body(m.geom_bodyid[c.geom2]).name)
                         for c in d.contact[:d.ncon]]


@pytest.mark.parametrize("name", sorted(VENDOR))
def test_imported_robots_pass_the_builtin_robot_checks(imported, name, monkeypatch, tmp_path):
    """tests/test_robots.py's checks, found by name through $SYNGRASP_ROBOTS."""
    _isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("SYNGRASP_ROBOTS", os.path.dirname(imported[name]))
    shared.test_spec_matches_model(f"my{name}")
    shared.test_width_curve_matches_kinematics(f"my{name}")


def test_import_report_names_sources_and_assumptions(imported):
    report = json.loads(open(os.path.join(imported["xarm6"], "import_report.json")).read())
    assert list(report["sources"]) == [VENDOR["xarm6"]]
    assert report["measured"]["drive_joint"] == "drive_joint"
    assert report["assumed"]["velocity_default_rad_s"] is None  # the URDF states every velocity
    assert os.path.isfile(os.path.join(imported["xarm6"], "robot.urdf"))
