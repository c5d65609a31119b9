"""``syngrasp robots add``: a robot folder from a vendor's URDF or MJCF (plus an optional gripper file).

Everything that can be derived is measured on the model (see the package modules); the
folder holds robot.xml (MJCF), robot.json (RobotSpec), the meshes and textures it uses,
robot.urdf for the PyBullet cross-check when the source is a URDF, and import_report.json
(what was measured, what was assumed, the source files and their sha256).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import warnings
import xml.etree.ElementTree as ET

import mujoco
import numpy as np

from ....core.atomic import sha256_file
from ....core.errors import ConfigError
from . import model as mdl
from .gripper import find_coupling, find_fingers, grasp_frame, gripper_boxes, width_curve
from .home import home_pose
from .source import Source, read_source
from .structure import find_flange, find_layout, find_root, subtree

DEFAULT_VELOCITY = 2.0     # [rad/s] when the file states none (MJCF has no velocity limits)
ACCEL_PER_VELOCITY = 4.0   # [1/s]   acceleration limit = 4 x velocity limit
JERK_PER_VELOCITY = 2000.0  # [1/s^2] jerk limit = 2000 x velocity limit
START_NOISE = 0.15          # [rad]
GRASP_SITE = "grasp_site"
MARKER = "import_report.json"
GRIPPER_PREFIX = "gripper_"  # names of an attached gripper file's elements


@dataclasses.dataclass(frozen=True)
class ImportOptions:
    """What the user states: the robot's name and files; base/flange links only when the
    automatic split of arm and gripper gets them wrong."""

    name: str
    robot_file: str
    gripper_file: str | None = None
    base: str | None = None
    flange: str | None = None
    home: tuple[float, ...] | None = None
    seed: int = 0


def _compile(spec: mujoco.MjSpec) -> mujoco.MjModel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            return spec.compile()
        except ValueError as e:
            raise ConfigError("robot model", f"MuJoCo cannot compile the imported robot: {e}") from None


def _driven(src: Source, prefix: str = "") -> list[str]:
    """Joint names the file's own actuators drive directly."""
    return [prefix + a.target for a in src.spec.actuators if a.trntype == mujoco.mjtTrn.mjTRN_JOINT]


def _compose(arm: Source, grip: Source | None, flange: str | None) -> tuple[mujoco.MjSpec, str | None, list[str]]:
    """The arm with the gripper attached at its flange (robosuite-style composition)."""
    spec = arm.spec
    driven = _driven(arm)
    if grip is None:
        return spec, None, driven
    m = _compile(spec)
    fl = m.body(flange).id if flange else find_flange(m, find_root(m, None))
    root = grip.spec.worldbody.first_body()
    if root is None:
        raise ConfigError(grip.path, "the gripper file has no body")
    hand = GRIPPER_PREFIX + root.name
    driven = driven + _driven(grip, GRIPPER_PREFIX)
    spec.body(m.body(fl).name).add_frame().attach_body(root, GRIPPER_PREFIX, "")
    return spec, hand, driven


def _copy_assets(spec: mujoco.MjSpec, out: str) -> dict[str, str]:
    """Copy every mesh and texture file into out/meshes and out/textures; point the model at the
    copies. Returns {source mesh path: its copy, relative to ``out``}."""
    meshes = {}
    for sub, items, key in (("meshes", spec.meshes, "file"), ("textures", spec.textures, "file")):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
        for el in items:
            src = getattr(el, key)
            if not src:
                continue
            name = hashlib.sha1(os.path.abspath(src).encode()).hexdigest()[:8] + "_" + os.path.basename(src)
            dst = os.path.join(out, sub, name)
            if not os.path.exists(dst):
                shutil.copyfile(src, dst)
            if sub == "meshes":
                meshes[src] = os.path.join(sub, name)
            setattr(el, key, name)
    return meshes


def _rpy(R: np.ndarray) -> tuple[float, float, float]:
    """URDF roll-pitch-yaw of rotation ``R`` (R = Rz(yaw) Ry(pitch) Rx(roll))."""
    pitch = float(np.arcsin(-np.clip(R[2, 0], -1, 1)))
    roll = float(np.arctan2(R[2, 1], R[2, 2]))
    yaw = float(np.arctan2(R[1, 0], R[0, 0]))
    return roll, pitch, yaw


def _write_urdf(src: Source, out: str, hand: str, frame, mesh_map: dict[str, str]) -> str:
    """robot.urdf: the cleaned URDF with mesh paths to the copies, plus a fixed grasp link."""
    tree = ET.parse(src.clean_urdf)
    root = tree.getroot()
    for mesh in root.iter("mesh"):
        f = mesh.get("filename")
        mesh.set("filename", mesh_map.get(f, f))
    ET.SubElement(root, "link", name="syngrasp_grasp")
    j = ET.SubElement(root, "joint", name="syngrasp_grasp_joint", type="fixed")
    ET.SubElement(j, "parent", link=hand)
    ET.SubElement(j, "child", link="syngrasp_grasp")
    ET.SubElement(j, "origin", xyz=" ".join(f"{v:.6f}" for v in frame.pos),
                  rpy=" ".join(f"{v:.6f}" for v in _rpy(frame.rot)))
    path = os.path.join(out, "robot.urdf")
    tree.write(path)
    return "robot.urdf"


def _quat(R: np.ndarray) -> list[float]:
    q = np.zeros(4)
    mujoco.mju_mat2Quat(q, R.ravel())
    return [round(float(v), 6) for v in q]


def import_robot(opts: ImportOptions, out_dir: str) -> dict:
    """Build the robot folder ``out_dir`` (must not exist) and return the import report.

    Raises:
        ConfigError: naming the file, link or fact that could not be derived and what to state instead.
    """
    if os.path.exists(out_dir):
        raise ConfigError("robots add", f"{out_dir} exists; pass --force to replace a robot made by robots add, "
                                        "or choose another name")
    scratch = tempfile.mkdtemp(prefix="syngrasp-robot-")
    try:
        return _import(opts, out_dir, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _import(opts: ImportOptions, out_dir: str, scratch: str) -> dict:
    arm = read_source(opts.robot_file, os.path.join(scratch, "arm"))
    grip = read_source(opts.gripper_file, os.path.join(scratch, "gripper")) if opts.gripper_file else None
    spec, hand, driven = _compose(arm, grip, opts.flange)
    m0 = _compile(spec)
    layout = find_layout(m0, opts.base, hand or (opts.flange if grip is None else None))
    coupling = find_coupling(m0, layout.gripper_joints, [j for j in driven if j in layout.gripper_joints])
    lo, hi = m0.jnt_range[m0.joint(coupling.drive).id]
    robot_bodies = {m0.body(b).name for b in subtree(m0, m0.body(layout.root).id)}

    mdl.strip_controls(spec)
    mdl.split_geoms(spec, robot_bodies)
    mdl.tune_joints(spec, layout.arm_joints, layout.gripper_joints, robot_bodies)
    m1 = _compile(spec)
    fingers = find_fingers(m1, layout.hand, coupling)
    curve = width_curve(m1, coupling, fingers)
    widths = np.array([w for _, w in curve])
    cmds = np.array([u for u, _ in curve])
    slope = float(np.max(np.abs(np.diff(widths) / np.diff(cmds))))
    u_open = float(cmds[np.argmax(widths)])
    u_closed = float(cmds[np.argmin(widths)])
    fingers = dataclasses.replace(fingers, u_open=u_open, u_closed=u_closed)  # the stroke may end early
    mdl.add_gripper_drive(spec, coupling, (u_open, u_closed), slope)
    mdl.finger_contacts(spec, (fingers.left, fingers.right))
    frame = grasp_frame(m1, layout.hand, coupling, fingers, curve)
    spec.body(layout.hand).add_site(name=GRASP_SITE, pos=[float(v) for v in frame.pos], quat=_quat(frame.rot),
                                    size=[0.005, 0.005, 0.005], rgba=[1, 0, 0, 0], group=4)
    m2 = _compile(spec)
    max_width = float(widths.max())
    boxes = gripper_boxes(m2, layout.hand, coupling, fingers, frame, max_width)
    body_ids = {m2.body(n).id for n in robot_bodies}
    for a, b in sorted(mdl.touching_pairs(m2, coupling, (u_open, u_closed), layout.hand, body_ids)):
        spec.add_exclude(bodyname1=a, bodyname2=b)
    m3 = _compile(spec)
    if opts.home is not None:
        if len(opts.home) != len(layout.arm_joints):
            raise ConfigError("--home", f"give {len(layout.arm_joints)} joint values ({', '.join(layout.arm_joints)})")
        home, reached = np.asarray(opts.home, dtype=float), None
    else:
        home, reached = home_pose(m3, layout.arm_joints, GRASP_SITE, {m3.body(n).id for n in robot_bodies},
                                  np.random.default_rng(opts.seed))
    efforts = _efforts(arm, grip, m0, layout.arm_joints)
    actuators = mdl.arm_actuators(spec, m3, layout.arm_joints, home, efforts)
    final = _compile(spec)
    velocity = [(arm.limits.get(n).velocity if n in arm.limits and arm.limits[n].velocity else DEFAULT_VELOCITY)
                for n in layout.arm_joints]

    tmp = out_dir.rstrip(os.sep) + f".tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        mesh_map = _copy_assets(spec, tmp)
        for sp in [spec] + ([grip.spec] if grip else []):  # an attached file keeps its own asset folders
            sp.meshdir, sp.texturedir = os.path.join(tmp, "meshes"), os.path.join(tmp, "textures")
        with warnings.catch_warnings():  # MuJoCo's OBJ decoder warns about some vendor meshes' texture coordinates
            warnings.simplefilter("ignore", UserWarning)
            xml = spec.to_xml()
        xml = xml.replace(f'"{spec.meshdir}"', '"meshes"').replace(f'"{spec.texturedir}"', '"textures"')
        with open(os.path.join(tmp, "robot.xml"), "w") as f:
            f.write(xml)
        urdf = None
        if arm.kind == "urdf" and grip is None:
            urdf = {"path": _write_urdf(arm, tmp, layout.hand, frame, mesh_map),
                    "arm_joints": list(layout.arm_joints), "gripper_joints": list(layout.gripper_joints),
                    "ee_link": "syngrasp_grasp", "finger_links": [fingers.left, fingers.right],
                    "finger_friction": list(mdl.FINGER_FRICTION)}
        robot = _robot_json(opts.name, layout, coupling, fingers, curve, actuators, home, velocity, boxes,
                            final, urdf)
        with open(os.path.join(tmp, "robot.json"), "w") as f:
            json.dump(robot, f, indent=1)
        report = {
            "made_by": "syngrasp robots add",
            "sources": {p: sha256_file(p) for p in [arm.path] + ([grip.path] if grip else [])},
            "measured": {"gripper_width_curve": curve, "grasp_site_in_hand": [round(float(v), 5) for v in frame.pos],
                         "home_target_m": reached, "finger_bodies": [fingers.left, fingers.right],
                         "hand": layout.hand, "drive_joint": coupling.drive},
            "assumed": {"passive_joints_parallel_jaw_rule": list(coupling.assumed),
                        "velocity_default_rad_s": DEFAULT_VELOCITY if DEFAULT_VELOCITY in velocity else None,
                        "acceleration_per_velocity": ACCEL_PER_VELOCITY, "jerk_per_velocity": JERK_PER_VELOCITY,
                        "grip_force_n": mdl.GRIP_FORCE},
        }
        with open(os.path.join(tmp, MARKER), "w") as f:
            json.dump(report, f, indent=1)
        if os.path.exists(out_dir):
            raise ConfigError("robots add", f"{out_dir} appeared while the robot was being imported; nothing was "
                                            "written there: run the command again")
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return report


def _efforts(arm: Source, grip: Source | None, m0: mujoco.MjModel, arm_joints) -> list[float | None]:
    """Per arm joint: the URDF effort limit, else the file's actuator force/control range, else None."""
    out = []
    for n in arm_joints:
        lim = arm.limits.get(n)
        if lim is not None and lim.effort:
            out.append(lim.effort)
            continue
        j = m0.joint(n).id
        vals = [float(max(abs(m0.actuator_ctrlrange[a]).max() if m0.actuator_gaintype[a] == 0 and
                          m0.actuator_biastype[a] == 0 else abs(m0.actuator_forcerange[a]).max(), 0))
                for a in range(m0.nu) if m0.actuator_trnid[a, 0] == j]
        vals = [v for v in vals if v > 0] + ([float(abs(m0.jnt_actfrcrange[j]).max())] if m0.jnt_actfrclimited[j] else [])
        out.append(max(vals) if vals else None)
    return out


def _robot_json(name, layout, coupling, fingers, curve, actuators, home, velocity, boxes, m, urdf) -> dict:
    root = m.body(layout.root).id
    d = mujoco.MjData(m)
    mujoco.mj_forward(m, d)
    geoms = [g for g in range(m.ngeom) if m.geom_bodyid[g] == root]
    xy = np.array([d.geom_xpos[g][:2] for g in geoms]) if geoms else np.zeros((1, 2))
    half = float(np.clip(np.max(m.geom_rbound[geoms]) if geoms else 0.08, 0.08, 0.15))
    vel = [round(float(v), 4) for v in velocity]
    out = {
        "name": name,
        "mjcf": "robot.xml",
        "meshdir": "meshes",
        "arm_joints": list(layout.arm_joints),
        "arm_actuators": actuators,
        "gripper_joints": list(coupling.scales),
        "gripper_joint_scale": [float(s) for s in coupling.scales.values()],
        "gripper_actuator": mdl.GRIPPER_ACTUATOR,
        "gripper_ctrl_open": round(float(fingers.u_open), 6),
        "gripper_ctrl_closed": round(float(fingers.u_closed), 6),
        "gripper_width_curve": [list(p) for p in curve],
        "gripper_max_width": round(float(max(w for _, w in curve)), 5),
        "finger_bodies": [fingers.left, fingers.right],
        "ee_site": GRASP_SITE,
        "home_qpos": [float(v) for v in home],
        "start_noise": START_NOISE,
        "max_joint_velocity": vel,
        "max_joint_acceleration": [round(ACCEL_PER_VELOCITY * v, 3) for v in vel],
        "max_joint_jerk": [round(JERK_PER_VELOCITY * v, 1) for v in vel],
        "root_body": layout.root,
        "pedestal": {"center_xy": [round(float(v), 4) for v in xy.mean(0)], "half_xy": [round(half, 4)] * 2},
        "gripper_boxes": boxes,
    }
    if urdf:
        out["urdf"] = urdf
    return out
