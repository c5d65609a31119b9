"""Rewrite an imported robot model into syngrasp's conventions (MjSpec edits).

- visual geoms (no collisions) in group 2, collision geoms in group 3; a body with
  collision geoms only gets visual copies of them;
- gravity compensation on every robot body;
- the gripper: one drive joint, the others tied to it by joint equalities, one position
  actuator; pads get the built-in robots' finger friction and contact softness;
- arm position actuators with gains from the joint-space inertia;
- contact exclusions for robot body pairs that touch by construction.
"""

from __future__ import annotations

import mujoco
import numpy as np

from .gripper import Coupling, set_gripper
from .structure import is_collision, subtree

VISUAL_GROUP, COLLISION_GROUP = 2, 3
FINGER_FRICTION = (1.5, 0.05, 0.001)
FINGER_SOLREF = (0.004, 1.0)
SOLIMP = (0.95, 0.99, 0.001, 0.5, 2.0)
EQ_SOLREF = (0.005, 1.0)
ARM_ARMATURE, ARM_DAMPING, ARM_FRICTIONLOSS = 0.1, 1.0, 0.1
ARM_OMEGA = 80.0            # [rad/s] natural frequency of the arm position servos
ARM_KP_RANGE = (300.0, 6000.0)
ARM_KV_RATIO = 0.1          # kv = 0.1 kp, as the built-in robots
DEFAULT_ARM_EFFORT = 50.0   # [N m] when the file states none
GRIP_FORCE = 35.0           # [N] squeeze between the pads at full command error
GRIP_SATURATION = 0.25      # the grip force saturates at this share of the stroke of command error
GRIPPER_ACTUATOR = "gripper"


def strip_controls(spec: mujoco.MjSpec) -> None:
    """Delete the file's actuators, tendons, equalities, sensors and keyframes (replaced by ours)."""
    for group in (spec.sensors, spec.actuators, spec.equalities, spec.tendons, spec.keys):
        for el in list(group):
            spec.delete(el)


def split_geoms(spec: mujoco.MjSpec, robot_bodies: set[str]) -> None:
    """Visual geoms to group 2, collision geoms to group 3; add visual copies where a body has none."""
    for body in spec.bodies:
        if body.name not in robot_bodies:
            continue
        geoms = list(body.geoms)
        visual = [g for g in geoms if g.contype == 0 and g.conaffinity == 0]
        colliding = [g for g in geoms if not (g.contype == 0 and g.conaffinity == 0)]
        for g in visual:
            g.group = VISUAL_GROUP
        for g in colliding:
            g.group = COLLISION_GROUP
            if not visual:
                v = body.add_geom(type=g.type, size=list(g.size), pos=list(g.pos), quat=list(g.quat),
                                  meshname=g.meshname, material=g.material, rgba=list(g.rgba),
                                  contype=0, conaffinity=0, group=VISUAL_GROUP, density=0.0)
                if g.fromto is not None and not np.isnan(g.fromto[0]):
                    v.fromto = list(g.fromto)


def _damping(joint, at_least: float) -> None:
    """Raise the joint's linear damping coefficient to ``at_least`` (MuJoCo 4 holds a polynomial)."""
    d = np.atleast_1d(np.array(joint.damping, dtype=float))
    d[0] = max(d[0], at_least)
    joint.damping = d if np.ndim(joint.damping) else float(d[0])


def tune_joints(spec: mujoco.MjSpec, arm_joints, gripper_joints, robot_bodies: set[str]) -> None:
    """Armature, damping and friction loss for stable position servoing; gravity compensation."""
    for name in arm_joints:
        j = spec.joint(name)
        j.armature = max(j.armature, ARM_ARMATURE)
        _damping(j, ARM_DAMPING)
        j.frictionloss = max(j.frictionloss, ARM_FRICTIONLOSS)
    for name in gripper_joints:
        j = spec.joint(name)
        slide = j.type == mujoco.mjtJoint.mjJNT_SLIDE
        j.armature = max(j.armature, 0.01 if slide else 0.001)
        _damping(j, 5.0 if slide else 0.05)
        j.frictionloss = 0.0
    for body in spec.bodies:
        if body.name in robot_bodies:
            body.gravcomp = 1.0


def add_gripper_drive(spec: mujoco.MjSpec, coupling: Coupling, u_range: tuple[float, float],
                      max_slope: float) -> None:
    """Joint equalities q_j = scale_j q_drive and one position actuator on the drive.

    ``max_slope`` [m per command unit] is the largest |d width / d command|: the force limit
    is set so the pads squeeze with about GRIP_FORCE newtons.
    """
    for name, s in coupling.scales.items():
        if name == coupling.drive:
            continue
        spec.add_equality(type=mujoco.mjtEq.mjEQ_JOINT, name1=name, name2=coupling.drive,
                          data=[0.0, s, 0.0, 0.0, 0.0] + [0.0] * 7, solref=list(EQ_SOLREF), solimp=list(SOLIMP))
    lo, hi = sorted(u_range)
    force = GRIP_FORCE * max_slope
    kp = force / (GRIP_SATURATION * (hi - lo))
    spec.add_actuator(name=GRIPPER_ACTUATOR, target=coupling.drive, trntype=mujoco.mjtTrn.mjTRN_JOINT,
                      gaintype=mujoco.mjtGain.mjGAIN_FIXED, biastype=mujoco.mjtBias.mjBIAS_AFFINE,
                      gainprm=[kp] + [0.0] * 9, biasprm=[0.0, -kp, -0.03 * kp] + [0.0] * 7,
                      ctrlrange=[lo, hi], ctrllimited=True, forcerange=[-force, force], forcelimited=True)


def finger_contacts(spec: mujoco.MjSpec, finger_bodies) -> None:
    """The pads' friction and contact softness: the built-in robots' finger values."""
    for name in finger_bodies:
        for g in spec.body(name).geoms:
            if not (g.contype == 0 and g.conaffinity == 0):
                g.friction = list(FINGER_FRICTION)
                g.condim = 4
                g.solref = list(FINGER_SOLREF)
                g.solimp = list(SOLIMP)


def arm_actuators(spec: mujoco.MjSpec, m: mujoco.MjModel, arm_joints, home: np.ndarray,
                  efforts: list[float | None]) -> list[str]:
    """One position actuator per arm joint, ``act<i>``: kp = M_ii(home) * ARM_OMEGA^2 (clipped),
    kv = 0.1 kp; force limits from the file's efforts. Returns the actuator names."""
    d = mujoco.MjData(m)
    for n, q in zip(arm_joints, home):
        d.qpos[m.jnt_qposadr[m.joint(n).id]] = q
    mujoco.mj_forward(m, d)
    M = np.zeros((m.nv, m.nv))
    mujoco.mj_fullM(m, M, d.qM) if hasattr(d, "qM") else mujoco.mj_fullM(m, d, M)
    names = []
    for i, (n, effort) in enumerate(zip(arm_joints, efforts), start=1):
        j = m.joint(n).id
        kp = float(np.clip(M[m.jnt_dofadr[j], m.jnt_dofadr[j]] * ARM_OMEGA ** 2, *ARM_KP_RANGE))
        kp = float(np.round(kp, -1))
        f = effort if effort else DEFAULT_ARM_EFFORT
        lo, hi = m.jnt_range[j] if m.jnt_limited[j] else (-2 * np.pi, 2 * np.pi)
        spec.add_actuator(name=f"act{i}", target=n, trntype=mujoco.mjtTrn.mjTRN_JOINT,
                          gaintype=mujoco.mjtGain.mjGAIN_FIXED, biastype=mujoco.mjtBias.mjBIAS_AFFINE,
                          gainprm=[kp] + [0.0] * 9, biasprm=[0.0, -kp, -ARM_KV_RATIO * kp] + [0.0] * 7,
                          ctrlrange=[float(lo), float(hi)], ctrllimited=True,
                          forcerange=[-f, f], forcelimited=True)
        names.append(f"act{i}")
    return names


def touching_pairs(m: mujoco.MjModel, coupling: Coupling, u_range, hand: str, robot_bodies: set[int]) -> set[tuple[str, str]]:
    """Robot body pairs whose collision geoms touch at the model's zero pose with the gripper
    anywhere in its stroke, plus hand-finger and finger-finger pairs: parts that touch by
    construction, excluded from contacts."""
    d = mujoco.MjData(m)
    pairs = set()
    for u in np.linspace(*u_range, 5):
        set_gripper(m, d, coupling, float(u))
        mujoco.mj_forward(m, d)
        for c in d.contact[: d.ncon]:
            b1, b2 = int(m.geom_bodyid[c.geom1]), int(m.geom_bodyid[c.geom2])
            if b1 in robot_bodies and b2 in robot_bodies and b1 != b2:
                pairs.add(tuple(sorted((m.body(b1).name, m.body(b2).name))))
    h = m.body(hand).id
    grip = [b for b in subtree(m, h) if any(m.geom_bodyid[g] == b and is_collision(m, g) for g in range(m.ngeom))]
    for i, a in enumerate(grip):
        for b in grip[i + 1:]:
            pairs.add(tuple(sorted((m.body(a).name, m.body(b).name))))
    parent = int(m.body_parentid[h])
    if parent > 0:
        for b in grip:
            pairs.add(tuple(sorted((m.body(parent).name, m.body(b).name))))
    return pairs
