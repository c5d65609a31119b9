"""Pick motion: transit to the pre-grasp pose -> straight approach -> close -> straight lift -> shake -> hold.

Each control tick is labelled with its ``core.phases.Phase``: APPROACH (the transit), PRE_GRASP (the
straight approach), GRASP (closing), LIFT, SHAKE, HOLD; rollout records these values as ``annotation.phase``.

Output is a joint-space trajectory sampled at the control rate. Transit is the
straight joint path when it is collision-free, otherwise an RRT-Connect path
(shortcut-smoothed); either is time-parameterised with ruckig under scaled
velocity, acceleration and jerk limits. Approach, lift and the shake (a small
horizontal circle of the end effector, a test of grasp stability) are
Cartesian paths solved waypoint by waypoint with IK. Every sample is
collision-checked through the protocol.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..core.phases import Phase
from .config import MotionConfig
from .grasp import Grasp
from .ik import solve_ik
from .protocols import CollisionChecker, Kinematics
from .rrt import rrt_connect, shortcut
from .timing import time_parameterize

@dataclasses.dataclass(frozen=True)
class JointLimits:
    """Per-joint limits (n,) each: position [rad], velocity [rad/s], acceleration [rad/s^2], jerk [rad/s^3]."""

    lower: np.ndarray
    upper: np.ndarray
    velocity: np.ndarray
    acceleration: np.ndarray
    jerk: np.ndarray


class PlanningFailure(Exception):
    """Planning could not produce a motion; ``reason`` is a short failure label."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclasses.dataclass(frozen=True)
class JointTrajectory:
    """Arm joint targets at the control rate.

    q: (T, n) [rad]; gripper: (T,) command, 0 open / 1 closed; phase: (T,) int8 ``core.phases.Phase``
    values; dt: control period [s]. Sample t is the target at time t * dt.
    """

    q: np.ndarray
    gripper: np.ndarray
    phase: np.ndarray
    dt: float

    def __len__(self) -> int:
        return len(self.q)


def _line(kin: Kinematics, T0: np.ndarray, T1: np.ndarray, q0: np.ndarray, n: int, posture: np.ndarray):
    """IK along a straight line from T0 to T1 (fixed orientation of T1) in n steps; None on failure."""
    qs = []
    q = q0
    for k in range(1, n + 1):
        T = T1.copy()
        T[:3, 3] = T0[:3, 3] + (T1[:3, 3] - T0[:3, 3]) * (k / n)
        q = solve_ik(kin, T, q, posture)
        if q is None:
            return None
        qs.append(q)
    return np.array(qs)


def _flipped(pose: np.ndarray) -> np.ndarray:
    """The same grasp with the fingers swapped (180 deg about the approach axis)."""
    out = pose.copy()
    out[:3, 0] *= -1
    out[:3, 1] *= -1
    return out


def _shake(kin: Kinematics, T0: np.ndarray, q0: np.ndarray, n: int, radius: float, posture: np.ndarray):
    """IK along one horizontal circle of ``radius`` [m] around T0's position in n steps; None on failure."""
    qs = []
    q = q0
    for k in range(1, n + 1):
        a = 2 * np.pi * k / n
        T = T0.copy()
        T[:3, 3] = T0[:3, 3] + radius * np.array([np.sin(a), 1 - np.cos(a), 0.0])
        q = solve_ik(kin, T, q, posture)
        if q is None:
            return None
        qs.append(q)
    return np.array(qs)


def plan_pick(
    kin: Kinematics,
    checker: CollisionChecker,
    q_start: np.ndarray,
    q_posture: np.ndarray,
    grasp: Grasp,
    open_width: float,
    cfg: MotionConfig,
    limits: JointLimits,
    rng: np.random.Generator,
) -> JointTrajectory:
    """Plan the whole pick for one grasp; raises PlanningFailure with a reason label.

    Args:
        q_start: (n,) current joints [rad]. q_posture: (n,) preferred posture for IK.
        open_width: distance between the pads while the gripper is open [m].
        limits: joint position, velocity, acceleration and jerk limits.
        rng: draws of the RRT (only used when the straight transit collides).
    """
    vmax = limits.velocity
    dt = 1.0 / cfg.control_hz
    best = None
    for pose in (grasp.pose, _flipped(grasp.pose)):
        pre = pose.copy()
        pre[:3, 3] -= cfg.pregrasp_offset * pose[:3, 2]
        q_pre = solve_ik(kin, pre, q_posture, q_posture, max_iters=300)
        if q_pre is None:
            continue
        cost = float(np.max(np.abs(q_pre - q_start) / vmax))
        if best is None or cost < best[0]:
            best = (cost, pose, pre, q_pre)
    if best is None:
        raise PlanningFailure("ik_failed", "no IK solution for the pre-grasp pose")
    _, pose, pre, q_pre = best
    if checker.in_collision(q_pre, open_width, allow_target=False):
        raise PlanningFailure("collision_during_approach", "pre-grasp pose collides")

    n_app = max(2, int(np.ceil(cfg.pregrasp_offset / cfg.approach_speed / dt)))
    q_app = _line(kin, pre, pose, q_pre, n_app, q_posture)
    if q_app is None:
        raise PlanningFailure("ik_failed", "approach line leaves the workspace")
    for q in q_app:
        if checker.in_collision(q, open_width, allow_target=True):
            raise PlanningFailure("collision_during_approach", "approach collides with the table or a distractor")
    q_grasp = q_app[-1]

    lift = pose.copy()
    lift[2, 3] += cfg.lift_height
    n_lift = max(2, int(np.ceil(cfg.lift_height / cfg.lift_speed / dt)))
    q_lift = _line(kin, pose, lift, q_grasp, n_lift, q_posture)
    if q_lift is None:
        raise PlanningFailure("ik_failed", "lift line leaves the workspace")
    n_shake = int(np.ceil(cfg.shake_time / dt))
    q_shake = _shake(kin, lift, q_lift[-1], n_shake, cfg.shake_radius, q_posture) if n_shake else np.zeros((0, len(q_start)))
    if q_shake is None:
        raise PlanningFailure("ik_failed", "shake circle leaves the workspace")
    for q in np.vstack([q_lift, q_shake]):
        if checker.in_collision(q, 0.0, allow_target=True):
            raise PlanningFailure("collision_during_approach", "lift or shake collides with the table or a distractor")

    def free(q: np.ndarray) -> bool:
        return not checker.in_collision(q, open_width, allow_target=False)

    path = rrt_connect(q_start, q_pre, limits.lower, limits.upper, free, rng,
                       resolution=cfg.collision_check_step, max_iters=cfg.rrt_max_iters)
    if path is None:
        raise PlanningFailure("path_not_found", f"RRT-Connect found no transit in {cfg.rrt_max_iters} iterations")
    if len(path) > 2:
        path = shortcut(path, free, rng, resolution=cfg.collision_check_step)
    s = cfg.joint_speed_scale
    q_tr = time_parameterize(path, vmax * s, limits.acceleration * s, limits.jerk * s, dt)

    n_close = int(np.ceil(cfg.close_time / dt))
    n_hold = int(np.ceil(cfg.hold_time / dt))
    segments = [
        (np.vstack([q_start[None], q_tr]), 0.0, Phase.APPROACH),
        (q_app, 0.0, Phase.PRE_GRASP),
        (np.repeat(q_grasp[None], n_close, axis=0), 1.0, Phase.GRASP),
        (q_lift, 1.0, Phase.LIFT),
        (q_shake, 1.0, Phase.SHAKE),
        (np.repeat((q_shake[-1] if len(q_shake) else q_lift[-1])[None], n_hold, axis=0), 1.0, Phase.HOLD),
    ]
    q = np.vstack([s[0] for s in segments])
    grip = np.concatenate([np.full(len(s[0]), s[1]) for s in segments])
    phase = np.concatenate([np.full(len(s[0]), s[2], dtype=np.int8) for s in segments])
    return JointTrajectory(q, grip, phase, dt)
