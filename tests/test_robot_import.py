"""`syngrasp robots add`: vendor files become robots that match independent references.

The references are independent of the importer: the hand-written built-in robots (made
from the same pybullet_data files), the URDFs parsed here with ElementTree, and tiny arm
and gripper MJCFs written below whose widths follow from their dimensions by arithmetic.
"""

import json
import os
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
from syngrasp.generators.mujoco_backend import robot_check as rc
from .conftest import TINY

PB = pybullet_data.getDataPath()
VENDOR = {"xarm6": os.path.join(PB, "xarm", "xarm6_with_gripper.urdf"),
          "panda": os.path.join(PB, "franka_panda", "panda.urdf")}


# ----------------------------------------------------------------------------- helpers

def _model(robot) -> mujoco.MjModel:
    """The robot's MJCF alone, compiled as `syngrasp robots check` compiles it."""
    return rc.load_robot_model(robot, robot.mjcf_path).model


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


# ----------------------------------------------------------------------------- composition: arm MJCF + gripper MJCF

# A 5-joint arm of capsules whose last body, the flange, is empty (no joint, no geom).
ARM = """<mujoco model="tinyarm"><compiler angle="radian"/>
<worldbody><body name="base"><geom type="cylinder" size="0.06 0.05" pos="0 0 0.05"/>
 <body name="link1" pos="0 0 0.1"><joint name="j1" axis="0 0 1" range="-3 3"/>
  <geom type="capsule" fromto="0 0 0 0 0 0.1" size="0.04"/>
  <body name="link2" pos="0 0 0.1"><joint name="j2" axis="0 1 0" range="-2 2"/>
   <geom type="capsule" fromto="0 0 0.05 0 0 0.3" size="0.03"/>
   <body name="link3" pos="0 0 0.3"><joint name="j3" axis="0 1 0" range="-2.6 2.6"/>
    <geom type="capsule" fromto="0 0 0.05 0 0 0.3" size="0.025"/>
    <body name="link4" pos="0 0 0.3"><joint name="j4" axis="0 1 0" range="-2.6 2.6"/>
     <geom type="capsule" fromto="0 0 0.03 0 0 0.06" size="0.02"/>
     <body name="link5" pos="0 0 0.06"><joint name="j5" axis="0 0 1" range="-3 3"/>
      <geom type="cylinder" size="0.03 0.01" pos="0 0 0.01"/>
      <body name="flange" pos="0 0 0.02"/>
</body></body></body></body></body></body></worldbody></mujoco>"""

# Slide fingers: each pad's inner face is GAP0 / 2 from the centre line when closed (q = 0) and moves
# out by q, so the pad distance is GAP0 + 2 q. PAD: pad half sizes [m].
GAP0, STROKE, PAD = 0.002, 0.04, (0.01, 0.005, 0.02)


def _slide_gripper(mirrored_ranges: bool) -> str:
    """Two slide fingers, each with its own position actuator. ``mirrored_ranges``: robosuite's
    panda_gripper.xml style, both axes +y, the right finger's range [-STROKE, 0]; else the right
    finger's axis is -y and both ranges are [0, STROKE]."""
    r_axis, r_range, r_ctrl = ("0 1 0", f"{-STROKE} 0", f"{-STROKE} 0") if mirrored_ranges else \
        ("0 -1 0", f"0 {STROKE}", f"0 {STROKE}")
    y = GAP0 / 2 + PAD[1]
    return f"""<mujoco model="tinygrip">
<worldbody><body name="hand"><geom type="box" size="0.03 0.06 0.015" pos="0 0 0.015"/>
 <body name="left" pos="0 0 0.06"><joint name="fl" type="slide" axis="0 1 0" range="0 {STROKE}"/>
  <geom type="box" size="{PAD[0]} {PAD[1]} {PAD[2]}" pos="0 {y} 0"/></body>
 <body name="right" pos="0 0 0.06"><joint name="fr" type="slide" axis="{r_axis}" range="{r_range}"/>
  <geom type="box" size="{PAD[0]} {PAD[1]} {PAD[2]}" pos="0 {-y} 0"/></body>
</body></worldbody>
<actuator><position name="al" joint="fl" kp="100" ctrlrange="0 {STROKE}"/>
 <position name="ar" joint="fr" kp="100" ctrlrange="{r_ctrl}"/></actuator></mujoco>"""


# Hinged fingers (no <compiler angle>: MuJoCo's default unit is degrees, these ranges are radians).
# Each finger turns about x through its pivot at y = +-PIV; its spherical pad (radius RAD) sits A
# outwards and L along the approach (+z) axis from the pivot. Turning by t brings the pad centre to
# |y| = PIV + A cos t - L sin t, so the pad distance is 2 (PIV + A cos t - L sin t) - 2 RAD.
PIV, A, L, RAD, T_MAX = 0.01, 0.03, 0.06, 0.008, 0.48

HINGE_GRIPPER = f"""<mujoco model="hingegrip">
<worldbody><body name="hand"><geom type="box" size="0.02 0.05 0.01" pos="0 0 0.01"/>
 <body name="left" pos="0 {PIV} 0.03"><joint name="hl" axis="1 0 0" range="0 {T_MAX}"/>
  <geom type="sphere" size="{RAD}" pos="0 {A} {L}"/></body>
 <body name="right" pos="0 {-PIV} 0.03"><joint name="hr" axis="-1 0 0" range="0 {T_MAX}"/>
  <geom type="sphere" size="{RAD}" pos="0 {-A} {L}"/></body>
</body></worldbody>
<actuator><position name="al" joint="hl" kp="5" ctrlrange="0 {T_MAX}"/>
 <position name="ar" joint="hr" kp="5" ctrlrange="0 {T_MAX}"/></actuator></mujoco>"""


def _hinge_width(t: float) -> float:
    return max(2 * (PIV + A * np.cos(t) - L * np.sin(t)) - 2 * RAD, 0.0)


def _write(path, text) -> str:
    path.write_text(text)
    return str(path)


@pytest.fixture(scope="module")
def composed(tmp_path_factory):
    """The tiny arm with each tiny gripper, added through the CLI: variant -> robot folder."""
    root = tmp_path_factory.mktemp("composed")
    arm = _write(root / "arm.xml", ARM)
    grippers = {"slide": _slide_gripper(False), "robosuite_slide": _slide_gripper(True), "hinge": HINGE_GRIPPER}
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, root)
        for variant, text in grippers.items():
            grip = _write(root / f"{variant}.xml", text)
            assert main(["robots", "add", variant, "--mjcf", arm, "--gripper", grip, "--dir", str(root / "robots")]) == 0
            out[variant] = str(root / "robots" / variant)
    return out


@pytest.mark.parametrize("variant", ["slide", "robosuite_slide", "hinge"])
def test_gripper_is_attached_under_the_flange_with_prefixed_names(composed, variant):
    r = load_robot(f"path:{composed[variant]}")
    m = _model(r)
    assert r.arm_joints == ("j1", "j2", "j3", "j4", "j5") and r.root_body == "base"
    assert m.body_parentid[m.body("gripper_hand").id] == m.body("flange").id
    assert set(r.finger_bodies) == {"gripper_left", "gripper_right"}
    assert all(j.startswith("gripper_") for j in r.gripper_joints) and len(r.gripper_joints) == 2
    assert m.site_bodyid[m.site(r.ee_site).id] == m.body("gripper_hand").id
    # the file's own actuators are replaced by one gripper actuator and one per arm joint
    assert m.nu == len(r.arm_joints) + 1


@pytest.mark.parametrize("variant", ["slide", "robosuite_slide"])
def test_slide_gripper_width_is_the_pad_arithmetic(composed, variant):
    r = load_robot(f"path:{composed[variant]}")
    assert r.gripper_joint_scale == ((1.0, 1.0) if variant == "slide" else (1.0, -1.0))
    assert r.gripper_max_width == pytest.approx(GAP0 + 2 * STROKE, abs=5e-4)
    for u in np.linspace(0, STROKE, 5):
        assert r.width_from_command(u) == pytest.approx(GAP0 + 2 * u, abs=5e-4), u


def test_gripper_without_compiler_angle_reads_hinge_ranges_as_radians(composed):
    r = load_robot(f"path:{composed['hinge']}")
    m = _model(r)
    for j in r.gripper_joints:
        assert m.jnt_range[m.joint(j).id] == pytest.approx([0, T_MAX])
    assert {r.gripper_ctrl_open, r.gripper_ctrl_closed} == {0.0, T_MAX}
    for t in np.linspace(0, T_MAX, 6):
        assert r.width_from_command(t) == pytest.approx(_hinge_width(t), abs=0.001), t


@pytest.mark.parametrize("variant", ["slide", "robosuite_slide", "hinge"])
def test_composed_robots_pass_the_builtin_robot_checks(composed, variant, monkeypatch, tmp_path):
    _isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("SYNGRASP_ROBOTS", os.path.dirname(composed[variant]))
    shared.test_spec_matches_model(variant)
    shared.test_width_curve_matches_kinematics(variant)


# ----------------------------------------------------------------------------- errors say what to do

TINY_URDF = """<robot name="r"><link name="base"><visual><geometry><mesh filename="meshes/gone.stl"/></geometry>
</visual></link></robot>"""


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.urdf.*no such file; give the robot's URDF"):
        import_robot(ImportOptions("x", str(tmp_path / "nope.urdf")), str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_missing_mesh_names_the_mesh_and_the_urdf(tmp_path):
    urdf = _write(tmp_path / "r.urdf", TINY_URDF)
    with pytest.raises(ConfigError, match=r"r\.urdf.*mesh 'meshes/gone\.stl' not found"):
        import_robot(ImportOptions("x", urdf), str(tmp_path / "out"))


def test_arm_without_gripper_asks_for_one(tmp_path):
    arm = _write(tmp_path / "arm.xml", ARM)
    with pytest.raises(ConfigError, match=r"no gripper found: the chain from 'base' ends at 'link5' without "
                                          r"two jointed fingers; add the gripper with --gripper FILE"):
        import_robot(ImportOptions("x", arm), str(tmp_path / "out"))


def test_cli_refuses_builtin_names_and_folders_it_did_not_make(tmp_path, monkeypatch, capsys):
    _isolate(monkeypatch, tmp_path)
    urdf = VENDOR["xarm6"]
    assert main(["robots", "add", "panda", "--urdf", urdf, "--dir", str(tmp_path)]) == 2
    assert "'panda' is a built-in robot; choose another name" in capsys.readouterr().err
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "robot.json").write_text("{}")
    assert main(["robots", "add", "mine", "--urdf", urdf, "--dir", str(tmp_path)]) == 2
    assert "exists; pass --force to replace it" in capsys.readouterr().err
    assert main(["robots", "add", "mine", "--urdf", urdf, "--dir", str(tmp_path), "--force"]) == 2
    assert "was not made by `syngrasp robots add` (no import_report.json); it is left alone" in capsys.readouterr().err
    assert sorted(os.listdir(mine)) == ["robot.json"] and (mine / "robot.json").read_text() == "{}"


# ----------------------------------------------------------------------------- CLI

def test_cli_adds_lists_and_replaces_a_robot(tmp_path, monkeypatch, capsys):
    _isolate(monkeypatch, tmp_path)
    robots = tmp_path / "robots"
    monkeypatch.setenv("SYNGRASP_ROBOTS", str(robots))
    assert main(["robots", "add", "x", "--urdf", VENDOR["xarm6"], "--dir", str(robots)]) == 0
    out = capsys.readouterr().out
    assert "next: syngrasp robots check x   then   syngrasp generate ... rollout.robot=x" in out
    assert "gripper opening 88.9 mm" in out
    assert main(["robots", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["x"]["arm_dof"] == 6 and {"panda", "xarm6"} <= set(rows)
    # --force replaces what robots add made; the report's source hash follows the new file
    assert main(["robots", "add", "x", "--urdf", VENDOR["panda"], "--dir", str(robots), "--force"]) == 0
    capsys.readouterr()
    assert load_robot("x").n_arm == 7
    assert not [n for n in os.listdir(robots) if n != "x"]  # no .old / .tmp folder left behind
    assert not (tmp_path / "xdg").exists()  # nothing written to the default folder


# ----------------------------------------------------------------------------- a run with the imported robot

@pytest.mark.sim
def test_tiny_run_with_the_imported_xarm6(imported, tmp_path):
    from syngrasp.app.config import load_config
    from syngrasp.cluster.local import generate_local
    from syngrasp.exporters.formats.hdf5.reader import read_episode, shard_episode_indices

    r = load_robot(f"path:{imported['xarm6']}")
    cfg = load_config(None, TINY + [f"rollout.robot=path:{imported['xarm6']}", "writer.format=hdf5",
                                    "writer.shard_size=6"], seed=3, episodes=6)
    manifest = generate_local(cfg, str(tmp_path), progress=False)
    assert manifest["successes"] >= 1, manifest
    shard = str(tmp_path / "shard-000000.hdf5")
    for i in shard_episode_indices(shard):
        state = read_episode(shard, i).frames["observation.state"]
        assert state.shape[1] == r.n_arm + 1
        assert state[0, -1] == pytest.approx(r.gripper_max_width, abs=0.002)
        assert 0.003 < state[-1, -1] < r.gripper_max_width - 0.003
