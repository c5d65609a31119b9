"""Damped-least-squares inverse kinematics with joint limits and a posture bias."""

from __future__ import annotations

import numpy as np

from ..core.geometry import pose_error
from .protocols import Kinematics


def solve_ik(
    kin: Kinematics,
    target: np.ndarray,
    q_init: np.ndarray,
    q_posture: np.ndarray | None = None,
    *,
    max_iters: int = 150,
    pos_tol: float = 1e-3,
    rot_tol: float = 1e-2,
    damping: float = 0.05,
    posture_gain: float = 0.05,
) -> np.ndarray | None:
    """Joints (n,) [rad] placing the grasp frame at ``target`` (4, 4), or None.

    Starts at ``q_init``; the null-space bias pulls toward ``q_posture`` (default
    ``q_init``). Joints are clipped to ``kin.joint_limits`` every iteration.
    Tolerances: position [m], rotation [rad].
    """
    lo, hi = kin.joint_limits[:, 0], kin.joint_limits[:, 1]
    q = np.clip(np.asarray(q_init, dtype=float).copy(), lo, hi)
    q_post = q.copy() if q_posture is None else np.asarray(q_posture, dtype=float)
    n = len(q)
    for _ in range(max_iters):
        err = pose_error(kin.fk(q), target)
        if np.linalg.norm(err[:3]) < pos_tol and np.linalg.norm(err[3:]) < rot_tol:
            return q
        J = kin.jacobian(q)
        JJt = J @ J.T + (damping**2) * np.eye(6)
        J_pinv = J.T @ np.linalg.solve(JJt, np.eye(6))
        dq = J_pinv @ err + (np.eye(n) - J_pinv @ J) @ (posture_gain * (q_post - q))
        step = np.max(np.abs(dq))
        if step > 0.3:
            dq *= 0.3 / step
        q = np.clip(q + dq, lo, hi)
    return None
