"""Gripper facts measured on the model: joint coupling, fingers, width curve, grasp frame, boxes.

The gripper becomes one *drive* joint that every other gripper joint follows linearly:
``q_j = scale_j * q_drive`` (URDF mimic multipliers, MJCF joint equalities, or, for passive
linkage joints the file leaves undetermined, the parallel-jaw rule: a joint below a driven
joint turns back by the same angle so the pad keeps its orientation; one beside a driven
joint turns with it). The gripper command is the drive joint's position.
"""

from __future__ import annotations

import dataclasses

import mujoco
import numpy as np

from ....core.errors import ConfigError
from .structure import body_points, is_collision, subtree

CLOSED_GAP = 0.006  # [m] pads at most this far apart count as closed
MIN_STROKE = 0.01   # [m]


@dataclasses.dataclass(frozen=True)
class Coupling:
    """``drive`` joint name; ``scales`` joint name -> q_j / q_drive; ``assumed`` joints set by the parallel-jaw rule."""

    drive: str
    scales: dict[str, float]
    assumed: tuple[str, ...]


def _axis(m: mujoco.MjModel, d: mujoco.MjData, j: int) -> np.ndarray:
    return d.xaxis[j] / np.linalg.norm(d.xaxis[j])


def _snap(x: float) -> float:
    for v in (-1.0, 1.0, 0.0):
        if abs(x - v) < 0.02:
            return v
    return round(float(x), 4)


def find_coupling(m: mujoco.MjModel, gripper_joints: tuple[str, ...], driven=()) -> Coupling:
    """How the gripper joints move together, from the file's actuators (``driven``: joint names
    the file's actuators drive), mimic joints and joint equalities.

    Raises:
        ConfigError: when a relation has an offset (q_j = a + s q) or two drives cannot be synchronised.
    """
    d = mujoco.MjData(m)
    mujoco.mj_kinematics(m, d)
    ids = [m.joint(n).id for n in gripper_joints]
    name = {j: m.joint(j).name for j in ids}
    dependent = {int(m.eq_obj1id[e]): (int(m.eq_obj2id[e]), m.eq_data[e][:5])
                 for e in range(m.neq) if m.eq_type[e] == mujoco.mjtEq.mjEQ_JOINT and m.eq_obj2id[e] >= 0}
    actuated = [m.joint(n).id for n in driven if m.joint(n).id in ids]
    drivers = list(dict.fromkeys(actuated)) or [j for j in ids if j not in dependent]
    if not drivers:
        raise ConfigError("gripper", "every gripper joint depends on another: no drive joint found")
    p = drivers[0]
    lo_p, hi_p = m.jnt_range[p]
    scales = {p: 1.0}
    for j in drivers[1:]:  # other driven joints move in step over their ranges
        lo, hi = m.jnt_range[j]
        s = (hi - lo) / (hi_p - lo_p)
        if abs(lo - s * lo_p) < 1e-4:    # lo -> lo, hi -> hi
            scales[j] = _snap(s)
        elif abs(hi + s * lo_p) < 1e-4:  # mirrored: lo -> hi, hi -> lo (e.g. [0, 0.04] and [-0.04, 0])
            scales[j] = _snap(-s)
        # else: ranges that do not map onto each other; the joint is placed by the rule below
    assumed = []
    for _ in range(len(ids)):
        for j, (ref, coef) in dependent.items():
            if j in ids and j not in scales and ref in scales:
                if abs(coef[0]) > 1e-4 or np.any(np.abs(coef[2:]) > 1e-6):
                    raise ConfigError("gripper", f"joint '{name[j]}' follows '{m.joint(ref).name}' with an offset or "
                                                 "a non-linear polynomial; only q = multiplier * q_drive is supported")
                scales[j] = _snap(coef[1] * scales[ref])
    known = [j for j in ids if j in scales]
    centre = np.mean([d.xanchor[j] for j in ids], axis=0)
    for j in ids:  # passive joints the file leaves free: the parallel-jaw rule
        if j in scales:
            continue
        anc, b = None, int(m.body_parentid[m.jnt_bodyid[j]])
        while b > 0 and anc is None:
            anc = next((k for k in ids if m.jnt_bodyid[k] == b and k in scales), None)
            b = int(m.body_parentid[b])
        if anc is not None:  # below a moving joint: turn back so the pad keeps its orientation
            scales[j] = _snap(-float(np.dot(_axis(m, d, j), _axis(m, d, anc))) * scales[anc])
        else:  # beside one: turn with it on the same side, mirrored on the other side
            near = min(known, key=lambda k: np.linalg.norm(d.xanchor[k] - d.xanchor[j]) if k != j else np.inf)
            same = float(np.dot(d.xanchor[j] - centre, d.xanchor[near] - centre)) > 0
            align = float(np.dot(_axis(m, d, j), _axis(m, d, near)))
            scales[j] = _snap((align if same else -align) * scales[near])
        assumed.append(name[j])
    return Coupling(name[p], {name[j]: scales[j] for j in ids}, tuple(assumed))


def set_gripper(m: mujoco.MjModel, d: mujoco.MjData, coupling: Coupling, u: float) -> None:
    """Put the gripper joints at command ``u`` (drive position) and run kinematics."""
    for n, s in coupling.scales.items():
        d.qpos[m.jnt_qposadr[m.joint(n).id]] = s * u
    mujoco.mj_kinematics(m, d)
    mujoco.mj_collision(m, d)


def gap(m: mujoco.MjModel, d: mujoco.MjData, a: int, b: int) -> float:
    """Smallest distance [m] between the collision geoms of bodies ``a`` and ``b`` (negative: overlap)."""
    ga = [g for g in range(m.ngeom) if m.geom_bodyid[g] == a and is_collision(m, g)]
    gb = [g for g in range(m.ngeom) if m.geom_bodyid[g] == b and is_collision(m, g)]
    return min(mujoco.mj_geomDistance(m, d, x, y, 0.5, None) for x in ga for y in gb)


@dataclasses.dataclass(frozen=True)
class Fingers:
    """The two finger bodies (left: +y of the grasp frame), the open and closed commands."""

    left: str
    right: str
    u_open: float
    u_closed: float


def find_fingers(m: mujoco.MjModel, hand: str, coupling: Coupling) -> Fingers:
    """The pair of gripper bodies whose collision geoms close on each other over the widest stroke;
    among pairs within 90% of that stroke, the one farthest from the hand (the fingertips).

    Raises:
        ConfigError: when no pair of bodies closes to within 6 mm over a stroke of at least 10 mm.
    """
    d = mujoco.MjData(m)
    h = m.body(hand).id
    lo, hi = m.jnt_range[m.joint(coupling.drive).id]
    bodies = [b for b in subtree(m, h) if b != h and any(
        m.geom_bodyid[g] == b and is_collision(m, g) for g in range(m.ngeom))]
    gaps = {}
    for u in (lo, hi):
        set_gripper(m, d, coupling, u)
        for i, a in enumerate(bodies):
            for b in bodies[i + 1:]:
                gaps.setdefault((a, b), []).append(gap(m, d, a, b))
    pairs = [(k, v) for k, v in gaps.items() if min(v) < CLOSED_GAP and max(v) - min(v) > MIN_STROKE]
    if not pairs:
        raise ConfigError("gripper", "no two finger bodies close on each other (within 6 mm, over >= 10 mm of "
                                     "stroke); check the gripper joints' ranges and collision geoms")
    best = max(max(v) - min(v) for _, v in pairs)
    set_gripper(m, d, coupling, lo)

    def reach(pair):
        return sum(np.linalg.norm(d.xipos[b] - d.xpos[h]) for b in pair)

    (a, b), v = max(((k, v) for k, v in pairs if max(v) - min(v) >= 0.9 * best), key=lambda kv: reach(kv[0]))
    u_open, u_closed = (lo, hi) if v[0] > v[1] else (hi, lo)
    set_gripper(m, d, coupling, u_open)
    ya, yb = body_points(m, d, [a], h).mean(0), body_points(m, d, [b], h).mean(0)
    # left is +y of the grasp frame; the frame's y is decided later from left - right, so any order works
    return Fingers(m.body(a).name, m.body(b).name, float(u_open), float(u_closed)) if ya[1] >= yb[1] else \
        Fingers(m.body(b).name, m.body(a).name, float(u_open), float(u_closed))


def width_curve(m: mujoco.MjModel, coupling: Coupling, fingers: Fingers, n: int = 11) -> list[tuple[float, float]]:
    """((command, width [m]), ...) over the stroke, commands increasing: the pad distance at each command.

    When the pads meet before the drive's end of range, the stroke ends where they meet
    (the first of 41 samples from the open end whose width stops falling, or the command where
    the pads come within 0.5 mm, found by bisection).

    Raises:
        ConfigError: when the width does not fall from the open command.
    """
    d = mujoco.MjData(m)
    a, b = m.body(fingers.left).id, m.body(fingers.right).id

    def width(u):
        set_gripper(m, d, coupling, float(u))
        return max(gap(m, d, a, b), 0.0)

    u_end = fingers.u_closed
    fine = np.linspace(fingers.u_open, fingers.u_closed, 41)
    w_prev = width(fine[0])
    for k, u in enumerate(fine[1:], start=1):
        w = width(u)
        if w <= 0.0005 or w >= w_prev - 1e-6:
            u_end = fine[k - 1]
            if w <= 0.0005 and w < w_prev:  # the pads meet between two samples: find where
                a_u, b_u = fine[k - 1], u
                for _ in range(20):
                    mid = (a_u + b_u) / 2
                    a_u, b_u = (mid, b_u) if width(mid) > 0.0005 else (a_u, mid)
                u_end = a_u
            break
        w_prev = w
    if abs(u_end - fingers.u_open) < 1e-9 or abs(fine[1] - fingers.u_open) > abs(u_end - fingers.u_open) + 1e-12:
        raise ConfigError("gripper", f"the pad distance does not fall when the drive '{coupling.drive}' moves from "
                                     f"{fingers.u_open} towards {fingers.u_closed}; check the finger joint directions")
    us = np.linspace(min(fingers.u_open, u_end), max(fingers.u_open, u_end), n)
    rows = [(round(float(u), 6), round(width(u), 5)) for u in us]
    w = np.array([r[1] for r in rows])
    if not (np.all(np.diff(w) > 0) or np.all(np.diff(w) < 0)):
        raise ConfigError("gripper", f"the pad distance is not monotonic in the drive '{coupling.drive}': "
                                     f"{[round(float(x) * 1000, 1) for x in w]} mm; check the finger joint directions")
    return rows


def _snap_axis(v: np.ndarray) -> np.ndarray:
    v = v / np.linalg.norm(v)
    k = int(np.argmax(np.abs(v)))
    if abs(v[k]) > np.cos(np.radians(10)):
        out = np.zeros(3)
        out[k] = np.sign(v[k])
        return out
    return v


@dataclasses.dataclass(frozen=True)
class GraspFrame:
    """The grasp site in the hand body's frame: ``pos`` [m], ``rot`` (3,3) columns x, y (closing), z (approach)."""

    pos: np.ndarray
    rot: np.ndarray


def grasp_frame(m: mujoco.MjModel, hand: str, coupling: Coupling, fingers: Fingers,
                curve: list[tuple[float, float]]) -> GraspFrame:
    """The grasp frame between the pads, measured at mid-stroke.

    z (approach) points from the hand origin to the fingers, y from the right finger to the
    left one (both snapped to a hand axis within 10 degrees). The origin lies midway between
    the pads' inner faces (finger points within 2 mm of each finger's innermost point along
    y), at the middle of the span along z where both inner faces overlap.
    """
    d = mujoco.MjData(m)
    h = m.body(hand).id
    u_mid = float(np.interp(0.5 * max(w for _, w in curve), sorted(w for _, w in curve),
                            [u for _, u in sorted((w, u) for u, w in curve)]))
    set_gripper(m, d, coupling, u_mid)
    L = body_points(m, d, [m.body(fingers.left).id], h)
    R = body_points(m, d, [m.body(fingers.right).id], h)
    z = _snap_axis((L.mean(0) + R.mean(0)) / 2)
    y = L.mean(0) - R.mean(0)
    y = _snap_axis(y - np.dot(y, z) * z)
    x = np.cross(y, z)
    rot = np.column_stack([x, y, z])
    Lf, Rf = L @ rot, R @ rot  # grasp-frame coordinates
    li = Lf[Lf[:, 1] <= Lf[:, 1].min() + 0.002]
    ri = Rf[Rf[:, 1] >= Rf[:, 1].max() - 0.002]
    z_lo, z_hi = max(li[:, 2].min(), ri[:, 2].min()), min(li[:, 2].max(), ri[:, 2].max())
    zc = (z_lo + z_hi) / 2 if z_hi >= z_lo else (li[:, 2].mean() + ri[:, 2].mean()) / 2
    local = np.array([(li[:, 0].mean() + ri[:, 0].mean()) / 2, (Lf[:, 1].min() + Rf[:, 1].max()) / 2, zc])
    return GraspFrame(rot @ local, rot)


def gripper_boxes(m: mujoco.MjModel, hand: str, coupling: Coupling, fingers: Fingers,
                  frame: GraspFrame, open_width: float) -> list[dict]:
    """One box per gripper body with collision geoms, in the grasp frame at the open command.

    The planner places a box at ``center + at_opening * (opening / 2 + half_y)`` along y:
    finger boxes (at_opening +1 left, -1 right) have their inner face at the pad, every
    other body (hand, linkage) is placed as measured at the open command (at_opening 0).
    """
    d = mujoco.MjData(m)
    h = m.body(hand).id
    set_gripper(m, d, coupling, fingers.u_open)
    lf, rf = m.body(fingers.left).id, m.body(fingers.right).id
    out = []
    for b in subtree(m, h):
        P = (body_points(m, d, [b], h) - frame.pos) @ frame.rot
        if not len(P):
            continue
        lo, hi = P.min(0), P.max(0)
        c, half = (lo + hi) / 2, (hi - lo) / 2
        side = 1 if b == lf else -1 if b == rf else 0
        c[1] -= side * (open_width / 2 + half[1])
        out.append({"name": m.body(b).name, "center": [round(float(v), 4) for v in c],
                    "half_extents": [round(float(v), 4) for v in half], "at_opening": side})
    return out
