"""``syngrasp robots check`` and tests/test_robots.py: a robot's spec (robot.json) against its compiled MJCF.

Each check returns a :class:`CheckResult` whose :class:`Finding` s name the wrong fact (a robot.json
key or an MJCF element), the measured and expected values, and the fix. Frames: the robot base
frame (= the MJCF world frame, +z up, the table along +x); lengths [m], angles [rad] unless named.
The tiny generation run and the preview sheet live in the app layer (they need the drivers);
:func:`check_run` judges the run's manifest.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

import mujoco
import numpy as np

from ...assets.robot import RobotSpec
from ...core.errors import ConfigError
from ...core.geometry import look_at
from ...randomization.config import SceneConfig

WIDTH_TOL_M = 0.0015  # gripper_width_curve vs the finger geoms' distance
CURVE_SAMPLES = 7  # commands checked across the gripper range
CLOSED_MAX_M = 0.005  # widest allowed width at gripper_ctrl_closed
SELF_CONTACT_TOL_M = 0.001  # robot geoms may touch this deep (MuJoCo's soft contacts) before it counts
AXIS_TOL_DEG = 10.0  # the grasp frame's +y vs the pads' closing axis
REMEASURE = "re-measure with `syngrasp robots add {name} --urdf FILE --force` or edit {json}"


@dataclasses.dataclass(frozen=True)
class Finding:
    """One wrong fact: ``key`` is the robot.json key or MJCF element, ``message`` says what was
    measured, what was expected and how to fix it; ``measured`` / ``expected`` are the raw values
    (SI units) for the JSON report, None where there is no number."""

    key: str
    message: str
    measured: Any = None
    expected: Any = None


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """Outcome of one check: ``status`` is "pass", "fail" or "skip" (``reason`` says why);
    ``details`` holds measured values (JSON-serialisable)."""

    name: str
    status: str
    findings: tuple[Finding, ...] = ()
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    reason: str = ""
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "pass"

    def text(self) -> str:
        head = f"[{self.status.upper()}] {self.name}" + (f": {self.reason}" if self.reason else "")
        return "\n".join([head] + [f"  - {f.message}" for f in self.findings] + [f"  note: {n}" for n in self.notes])

    def to_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "reason": self.reason, "details": dict(self.details),
                "notes": list(self.notes),
                "findings": [dataclasses.asdict(f) for f in self.findings]}


def _result(name: str, findings: list[Finding], **details) -> CheckResult:
    return CheckResult(name, "fail" if findings else "pass", tuple(findings), details)


@dataclasses.dataclass(frozen=True)
class RobotModel:
    """A robot's spec, its MJCF compiled alone (no scene) and the robot.json it came from."""

    robot: RobotSpec
    model: mujoco.MjModel
    robot_json: str

    def id(self, kind: mujoco.mjtObj, name: str) -> int:
        """Id of the named MJCF element, -1 when absent."""
        return mujoco.mj_name2id(self.model, kind, name)

    def fix(self) -> str:
        return REMEASURE.format(name=self.robot.name, json=self.robot_json)

    def posed(self, command: float) -> mujoco.MjData:
        """MjData at home_qpos with the gripper at ``command``, forward kinematics done."""
        m, r = self.model, self.robot
        d = mujoco.MjData(m)
        for j, q in zip(r.arm_joints, r.home_qpos):
            d.qpos[m.jnt_qposadr[self.id(mujoco.mjtObj.mjOBJ_JOINT, j)]] = q
        d.qpos[self.gripper_qadr()] = r.finger_qpos(command)
        mujoco.mj_forward(m, d)
        return d

    def gripper_qadr(self) -> np.ndarray:
        return np.array([self.model.jnt_qposadr[self.id(mujoco.mjtObj.mjOBJ_JOINT, j)] for j in self.robot.gripper_joints])

    def finger_geoms(self) -> list[list[int]]:
        """Collision geoms (contype or conaffinity set) of each of ``finger_bodies``."""
        m = self.model
        out = []
        for b in self.robot.finger_bodies:
            bid = self.id(mujoco.mjtObj.mjOBJ_BODY, b)
            out.append([g for g in range(m.ngeom) if bid >= 0 and m.geom_bodyid[g] == bid
                        and (m.geom_contype[g] or m.geom_conaffinity[g])])
        return out

    def pad_points(self, d: mujoco.MjData) -> tuple[np.ndarray, np.ndarray, float]:
        """Nearest points (3,) of the left and right finger bodies' collision geoms in ``d``, and their
        signed distance [m] (negative when they overlap)."""
        best, fromto = np.inf, np.zeros(6)
        left, right = self.finger_geoms()
        for a in left:
            for b in right:
                ft = np.zeros(6)
                dist = mujoco.mj_geomDistance(self.model, d, a, b, 1.0, ft)
                if dist < best:
                    best, fromto = dist, ft
        return fromto[:3].copy(), fromto[3:].copy(), float(best)


def load_robot_model(robot: RobotSpec, robot_json: str) -> RobotModel:
    """Compile ``robot``'s MJCF alone (meshes from its meshdir); ConfigError names the file on failure."""
    try:
        spec = mujoco.MjSpec.from_file(robot.mjcf_path)
        spec.meshdir = robot.meshdir
        with warnings.catch_warnings():  # MuJoCo's OBJ decoder drops some of the Panda's texture coordinates
            warnings.simplefilter("ignore", UserWarning)
            model = spec.compile()
    except (ValueError, mujoco.FatalError) as e:
        raise ConfigError(f"{robot_json}: mjcf", f"{robot.mjcf_path} does not compile ({e}); fix the MJCF or "
                                                 f"the meshdir ({robot.meshdir})") from None
    return RobotModel(robot, model, robot_json)


def missing_elements(rm: RobotModel) -> list[Finding]:
    """robot.json names that the MJCF lacks (each makes the kinematic checks impossible)."""
    r, T = rm.robot, mujoco.mjtObj
    names = [("arm_joints", T.mjOBJ_JOINT, j) for j in r.arm_joints]
    names += [("arm_actuators", T.mjOBJ_ACTUATOR, a) for a in r.arm_actuators]
    names += [("gripper_joints", T.mjOBJ_JOINT, j) for j in r.gripper_joints]
    names += [("gripper_actuator", T.mjOBJ_ACTUATOR, r.gripper_actuator), ("ee_site", T.mjOBJ_SITE, r.ee_site),
              ("root_body", T.mjOBJ_BODY, r.root_body)]
    names += [("finger_bodies", T.mjOBJ_BODY, b) for b in r.finger_bodies]
    if r.wrist_camera is not None:
        names.append(("wrist_camera.body", T.mjOBJ_BODY, r.wrist_camera.body))
    kinds = {T.mjOBJ_JOINT: "joint", T.mjOBJ_ACTUATOR: "actuator", T.mjOBJ_SITE: "site", T.mjOBJ_BODY: "body"}
    out = [Finding(key, f"{key} names {kinds[kind]} '{n}', which {r.mjcf_path} does not have: fix the name in "
                        f"{rm.robot_json} or add the <{kinds[kind]} name=\"{n}\"> to the MJCF", n, kinds[kind])
           for key, kind, n in names if rm.id(kind, n) < 0]
    if len(r.finger_bodies) != 2:
        out.append(Finding("finger_bodies", f"finger_bodies lists {len(r.finger_bodies)} bodies; give the two "
                                            f"(left, right) whose collision geoms close on an object in {rm.robot_json}",
                           len(r.finger_bodies), 2))
    elif not any(f.key == "finger_bodies" for f in out):
        for b, geoms in zip(r.finger_bodies, rm.finger_geoms()):
            if not geoms:
                out.append(Finding("finger_bodies", f"finger body '{b}' has no collision geom (contype/conaffinity "
                                                    f"0) in {r.mjcf_path}: give it a colliding pad geom", b))
    return out


def _urdf_findings(rm: RobotModel) -> list[Finding]:
    u, where = rm.robot.urdf, f"{rm.robot_json} urdf"
    if u is None:
        return []
    if not os.path.isfile(u.path):
        return [Finding("urdf.path", f"{where}.path: {u.path} does not exist: fix the path (pybullet_data:SUB, "
                                     "pkg:MODULE/SUB, absolute, or relative to robot.json)", u.path)]
    try:
        root = ET.parse(u.path).getroot()
    except ET.ParseError as e:
        return [Finding("urdf.path", f"{u.path} is not valid XML ({e}): fix the URDF", u.path)]
    joints = {j.get("name") for j in root.iter("joint")}
    links = {link.get("name") for link in root.iter("link")}
    out = []
    for key, names, have, kind in (("urdf.arm_joints", u.arm_joints, joints, "joint"),
                                   ("urdf.gripper_joints", u.gripper_joints, joints, "joint"),
                                   ("urdf.ee_link", (u.ee_link,), links, "link"),
                                   ("urdf.finger_links", u.finger_links, links, "link")):
        for n in names:
            if n not in have:
                out.append(Finding(key, f"{where}: {key} names {kind} '{n}', which {u.path} does not have: use "
                                        f"one of its {kind}s ({', '.join(sorted(have)[:12])}...)", n, kind))
    return out


def check_spec(rm: RobotModel) -> CheckResult:
    """Names exist and pair, home pose in range, gripper commands in range, widths consistent, URDF names."""
    r, m, J = rm.robot, rm.model, rm.robot_json
    findings = missing_elements(rm) + _urdf_findings(rm)
    T = mujoco.mjtObj
    for i, (j, a, q) in enumerate(zip(r.arm_joints, r.arm_actuators, r.home_qpos)):
        jid, aid = rm.id(T.mjOBJ_JOINT, j), rm.id(T.mjOBJ_ACTUATOR, a)
        if jid >= 0 and m.jnt_limited[jid] and not m.jnt_range[jid, 0] <= q <= m.jnt_range[jid, 1]:
            lo, hi = m.jnt_range[jid]
            findings.append(Finding(f"home_qpos[{i}]", f"home_qpos[{i}] = {q:.3f} rad is outside joint '{j}' range "
                                    f"[{lo:.3f}, {hi:.3f}] rad: change home_qpos in {J} or the joint's range in the MJCF",
                                    q, [float(lo), float(hi)]))
        if jid >= 0 and aid >= 0 and (m.actuator_trntype[aid] != mujoco.mjtTrn.mjTRN_JOINT
                                      or m.actuator_trnid[aid, 0] != jid):
            findings.append(Finding(f"arm_actuators[{i}]", f"actuator '{a}' does not drive joint '{j}' "
                                    f"(arm_joints[{i}]): list arm_actuators in the order of arm_joints in {J}", a, j))
    gid = rm.id(T.mjOBJ_ACTUATOR, r.gripper_actuator)
    if gid >= 0 and m.actuator_ctrllimited[gid]:
        lo, hi = m.actuator_ctrlrange[gid]
        for key in ("gripper_ctrl_open", "gripper_ctrl_closed"):
            v = getattr(r, key)
            if not lo - 1e-9 <= v <= hi + 1e-9:
                findings.append(Finding(key, f"{key} = {v:g} is outside actuator '{r.gripper_actuator}' ctrlrange "
                                             f"[{lo:g}, {hi:g}]: fix {key} in {J} or the actuator's ctrlrange", v,
                                        [float(lo), float(hi)]))
    w_open, w_closed = r.width_from_command(r.gripper_ctrl_open), r.width_from_command(r.gripper_ctrl_closed)
    if abs(w_open - r.gripper_max_width) > 1e-4:
        findings.append(Finding("gripper_max_width", f"gripper_max_width says {r.gripper_max_width * 1e3:.1f} mm but "
                                f"gripper_width_curve gives {w_open * 1e3:.1f} mm at gripper_ctrl_open "
                                f"{r.gripper_ctrl_open:g}: make them agree in {J}", r.gripper_max_width, w_open))
    if w_closed >= CLOSED_MAX_M:
        findings.append(Finding("gripper_ctrl_closed", f"gripper_width_curve gives {w_closed * 1e3:.1f} mm at "
                                f"gripper_ctrl_closed {r.gripper_ctrl_closed:g}; closed must be under "
                                f"{CLOSED_MAX_M * 1e3:.0f} mm: set gripper_ctrl_closed to the fully closed command in {J}",
                                w_closed, CLOSED_MAX_M))
    if r.target_max_width >= r.gripper_max_width:
        findings.append(Finding("target_max_width", f"target_max_width {r.target_max_width * 1e3:.1f} mm is not below "
                                f"gripper_max_width {r.gripper_max_width * 1e3:.1f} mm: lower it (or drop it for the "
                                f"default, 15 mm less) in {J}", r.target_max_width, r.gripper_max_width))
    for mat in r.tint_materials:
        if rm.id(T.mjOBJ_MATERIAL, mat) < 0:
            findings.append(Finding("tint_materials", f"tint_materials names material '{mat}', which {r.mjcf_path} "
                                                      f"does not have: fix the name in {J}", mat))
    return _result("spec", findings)


def check_width_curve(rm: RobotModel) -> CheckResult:
    """``gripper_width_curve`` vs the distance between the finger bodies' collision geoms at CURVE_SAMPLES commands."""
    r = rm.robot
    lo, hi = sorted((r.gripper_ctrl_open, r.gripper_ctrl_closed))
    findings, rows = [], []
    for u in np.linspace(lo, hi, CURVE_SAMPLES):
        d = rm.posed(float(u))
        gap, says = rm.pad_points(d)[2], r.width_from_command(float(u))
        rows.append([round(float(u), 6), round(says, 5), round(gap, 5)])
        if abs(gap - says) > WIDTH_TOL_M:
            findings.append(Finding("gripper_width_curve", f"gripper_width_curve at command {u:.3g} says "
                                    f"{says * 1e3:.1f} mm, the finger geoms are {gap * 1e3:.1f} mm apart: {rm.fix()}",
                                    gap, says))
        back = r.command_from_qpos(d.qpos[rm.gripper_qadr()])
        if abs(back - u) > 1e-6:
            findings.append(Finding("gripper_joint_scale", f"gripper joints at command {u:.3g} read back as command "
                                    f"{back:.3g}: fix gripper_joint_scale in {rm.robot_json}", back, float(u)))
    return _result("width_curve", findings, command_spec_measured_m=rows, tolerance_m=WIDTH_TOL_M)


def check_grasp_site(rm: RobotModel) -> CheckResult:
    """At home with the gripper open, ``ee_site`` projects between the pads on the closing axis, and its +y
    is that axis (README: origin between the pads, +y the closing axis)."""
    r = rm.robot
    d = rm.posed(r.gripper_ctrl_open)
    a, b, _ = rm.pad_points(d)
    gap = float(np.linalg.norm(b - a))
    axis = (b - a) / max(gap, 1e-9)
    sid = rm.id(mujoco.mjtObj.mjOBJ_SITE, r.ee_site)
    site, y = d.site_xpos[sid], d.site_xmat[sid].reshape(3, 3)[:, 1]
    offset = float((site - (a + b) / 2) @ axis)
    angle = float(np.degrees(np.arccos(min(1.0, abs(float(y @ axis))))))
    findings = []
    where = f"MJCF <site name=\"{r.ee_site}\"> (ee_site in {rm.robot_json})"
    if abs(offset) >= gap / 2:
        findings.append(Finding("ee_site", f"{where} is {offset * 1e3:+.1f} mm from the middle of the open pads along "
                                f"the closing axis, outside the {gap * 1e3:.1f} mm between them: move the site midway "
                                "between the pads, or point ee_site at a site there", offset, [-gap / 2, gap / 2]))
    if angle > AXIS_TOL_DEG:
        findings.append(Finding("ee_site", f"{where}: its +y is {angle:.0f} deg from the pads' closing axis (at most "
                                f"{AXIS_TOL_DEG:.0f}): rotate the site so +y points from one pad to the other",
                                angle, AXIS_TOL_DEG))
    return _result("grasp_site", findings, offset_m=round(offset, 5), open_gap_m=round(gap, 5),
                   axis_angle_deg=round(angle, 2))


def project(cam_pos, lookat, fovy_deg: float, size: tuple[int, int], point) -> tuple[float, float, float]:
    """Pixel (u, v) and depth [m] of ``point`` (3,) seen by a camera at ``cam_pos`` looking at ``lookat``
    (MuJoCo pinhole, vertical FoV ``fovy_deg``, image ``size`` (H, W), u right, v down)."""
    R = look_at(cam_pos, lookat)  # columns: right, up, backward
    p = R.T @ (np.asarray(point, float) - np.asarray(cam_pos, float))
    depth = -p[2]
    f = size[0] / 2 / np.tan(np.radians(fovy_deg) / 2)
    if depth <= 1e-9:
        return float("nan"), float("nan"), float(depth)
    return float(size[1] / 2 + f * p[0] / depth), float(size[0] / 2 - f * p[1] / depth), float(depth)


def check_home_view(rm: RobotModel, scene: SceneConfig) -> CheckResult:
    """At home_qpos the grasp site is above the highest table top, over the table (the sampler's placement:
    near edge ``scene.table.near_x``, the smallest size), and inside the front camera's nominal (unjittered)
    view with the table at mid height; out of view at the lowest or highest table is a note."""
    r, t = rm.robot, scene.table
    d = rm.posed(r.gripper_ctrl_open)
    x, y, z = (float(v) for v in d.site_xpos[rm.id(mujoco.mjtObj.mjOBJ_SITE, r.ee_site)])
    heights = tuple(t.height) if t.enabled else (0.0, 0.0)
    size = (t.size_x[0], t.size_y[0]) if t.enabled else (0.8, 1.2)
    fix = f"change home_qpos in {rm.robot_json} (look with `syngrasp preview rollout.robot={r.name} --grid 4`)"
    findings = []
    if z <= heights[1]:
        findings.append(Finding("home_qpos", f"at home_qpos the grasp site is {z:.3f} m above the base, not above the "
                                f"highest table top ({heights[1]:.3f} m, scene.table.height): {fix}", z, heights[1]))
    far = t.near_x + size[0]
    if not (t.near_x < x < far and abs(y) < size[1] / 2):
        findings.append(Finding("home_qpos", f"at home_qpos the grasp site is at x {x:.3f}, y {y:.3f} m, not over the "
                                f"table (x {t.near_x:.2f}..{far:.2f}, |y| < {size[1] / 2:.2f} m in front of the base): "
                                f"{fix}", [x, y], [[t.near_x, far], size[1] / 2]))
    cam = next((c for c in scene.cameras if c.name == "front"), scene.cameras[0])
    h, w = scene.image_size
    pixels, notes = {}, []
    mid = (heights[0] + heights[1]) / 2
    for top in sorted({heights[0], mid, heights[1]}):
        u, v, _ = project(np.add(cam.pos, (0, 0, top)), np.add(cam.lookat, (0, 0, top)), cam.fovy, (h, w), (x, y, z))
        pixels[f"{top:+.3f}"] = [round(u, 1), round(v, 1)]
        if 0 <= u < w and 0 <= v < h:
            continue
        where = f"pixel ({u:.0f}, {v:.0f}) of the {w}x{h} '{cam.name}' camera (table top {top:+.2f} m)"
        if top == mid:
            findings.append(Finding("home_qpos", f"at home_qpos the grasp site projects to {where}, outside the "
                                                 f"image: {fix}", [u, v], [w, h]))
        else:  # the camera moves with the table: at an extreme height the start pose may leave the frame
            notes.append(f"at the {'lowest' if top < mid else 'highest'} table the grasp site at home projects to "
                         f"{where}, outside the image")
    return dataclasses.replace(_result("home_view", findings, grasp_site_m=[round(x, 4), round(y, 4), round(z, 4)],
                                       camera=cam.name, pixels_by_table_top=pixels), notes=tuple(notes))


def check_self_collision(rm: RobotModel) -> CheckResult:
    """No two robot geoms penetrate (more than SELF_CONTACT_TOL_M) at home with the gripper open or closed;
    MuJoCo drops excluded pairs (<exclude>, parent-child) before they become contacts."""
    r, m = rm.robot, rm.model
    pairs: dict[tuple[str, str], tuple[float, list[str]]] = {}  # body pair -> deepest overlap [m], gripper states
    for label, u in (("open", r.gripper_ctrl_open), ("closed", r.gripper_ctrl_closed)):
        d = rm.posed(u)
        for i in range(d.ncon):
            c = d.contact[i]
            if c.dist >= -SELF_CONTACT_TOL_M:
                continue
            key = tuple(sorted(mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_BODY, int(m.geom_bodyid[g])) for g in c.geom))
            depth, labels = pairs.get(key, (0.0, []))
            pairs[key] = (max(depth, -float(c.dist)), labels + [label] * (label not in labels))
    findings = [Finding("home_qpos", f"MJCF bodies '{b1}' and '{b2}' overlap {depth * 1e3:.1f} mm at home_qpos with "
                        f"the gripper {' and '.join(labels)}: change home_qpos in {rm.robot_json}, or add <exclude "
                        f"body1=\"{b1}\" body2=\"{b2}\"/> to the MJCF's <contact> if they may touch", depth,
                        SELF_CONTACT_TOL_M) for (b1, b2), (depth, labels) in pairs.items()]
    return _result("self_collision", findings)


def check_run(manifest: Mapping[str, Any]) -> CheckResult:
    """A tiny generation run (its manifest summary): at least one success and no episode raising an error."""
    n, ok, errors = manifest["episodes"], manifest["successes"], manifest.get("errors", 0)
    failures = dict(manifest.get("failures", {}))
    why = ", ".join(f"{k} x{v}" for k, v in sorted(failures.items())) or "none"
    findings = []
    if ok < 1:
        findings.append(Finding("run", f"0 of {n} episodes succeeded (failures: {why}): look at the preview sheet; "
                                       "check home_qpos, gripper_boxes and target_max_width in robot.json", ok, 1))
    if errors:
        findings.append(Finding("run", f"{errors} of {n} episodes raised an error ({why}): run `syngrasp generate "
                                       "--workers 0` with the robot to see the traceback", errors, 0))
    res = _result("run", findings, episodes=n, successes=ok, errors=errors, failures=failures)
    return dataclasses.replace(res, notes=(f"{ok} of {n} episodes succeeded; failures: {why}",))


def check_robot(robot: RobotSpec, scene: SceneConfig, robot_json: str) -> list[CheckResult]:
    """Every static check of ``robot``; when its MJCF lacks elements the spec names, the kinematic checks
    are skipped (the spec check lists what is missing)."""
    checks = (("width_curve", check_width_curve), ("grasp_site", check_grasp_site),
              ("home_view", lambda x: check_home_view(x, scene)), ("self_collision", check_self_collision))
    try:
        rm = load_robot_model(robot, robot_json)
    except ConfigError as e:
        return [CheckResult("spec", "fail", (Finding("mjcf", str(e), robot.mjcf_path),))] + [
            CheckResult(name, "skip", reason="the MJCF does not compile") for name, _ in checks]
    results = [check_spec(rm)]
    blocked = missing_elements(rm)
    for name, fn in checks:
        if blocked:
            results.append(CheckResult(name, "skip", reason="the spec names MJCF elements that are missing"))
        else:
            results.append(fn(rm))
    return results
