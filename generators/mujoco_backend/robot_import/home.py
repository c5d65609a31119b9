"""A home pose by inverse kinematics: the hand above the workspace, pointing down, in view.

Targets are grasp-site positions in the robot base frame [m], tried in order; the first
target reached (position within 2 mm, approach within 2 degrees of straight down) with
no self-collision and the largest margin to the joint limits wins.
"""

from __future__ import annotations

import mujoco
import numpy as np

from ....core.errors import ConfigError

# Above the object spawn region (x 0.40-0.62 m, table top -0.1 to +0.2 m): the built-in
# robots' homes put the grasp site at x 0.31-0.33 m, z 0.38-0.49 m.
HOME_TARGETS = ((0.36, 0.0, 0.40), (0.32, 0.0, 0.42), (0.40, 0.0, 0.38), (0.30, 0.0, 0.46), (0.28, 0.0, 0.36))
DOWN = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])  # grasp x forward, y left->right, z down


def _solve(m, d, site, qadr, dof, lo, hi, target, rot, q0, iters=300):
    q = q0.copy()
    jp, jr = np.zeros((3, m.nv)), np.zeros((3, m.nv))
    mid = (lo + hi) / 2
    for _ in range(iters):
        d.qpos[qadr] = q
        mujoco.mj_kinematics(m, d)
        mujoco.mj_comPos(m, d)
        R = d.site_xmat[site].reshape(3, 3)
        ep = target - d.site_xpos[site]
        er = 0.5 * sum(np.cross(R[:, k], rot[:, k]) for k in range(3))
        if np.linalg.norm(ep) < 1e-3 and np.linalg.norm(er) < 0.01:
            return q, True
        mujoco.mj_jacSite(m, d, jp, jr, site)
        J = np.vstack([jp[:, dof], jr[:, dof]])
        e = np.concatenate([ep, er])
        JJ = J @ J.T + 1e-4 * np.eye(6)
        dq = J.T @ np.linalg.solve(JJ, e)
        null = np.eye(len(q)) - J.T @ np.linalg.solve(JJ, J)
        dq += null @ (0.05 * (mid - q) / np.maximum(hi - lo, 1e-3))
        q = np.clip(q + np.clip(dq, -0.2, 0.2), lo, hi)
    return q, False


def _self_collision(m, d, robot_bodies) -> bool:
    mujoco.mj_forward(m, d)
    for c in d.contact[: d.ncon]:
        b1, b2 = m.geom_bodyid[c.geom1], m.geom_bodyid[c.geom2]
        if b1 in robot_bodies and b2 in robot_bodies and c.dist < -1e-3:
            return True
    return False


def home_pose(m: mujoco.MjModel, arm_joints: tuple[str, ...], site: str, robot_bodies: set[int],
              rng: np.random.Generator, targets=HOME_TARGETS) -> tuple[np.ndarray, tuple[float, float, float]]:
    """(n_arm,) home joint positions [rad or m] and the target reached (base frame [m]).

    Raises:
        ConfigError: when no target is reachable; the message lists the targets tried.
    """
    d = mujoco.MjData(m)
    jids = [m.joint(n).id for n in arm_joints]
    qadr = np.array([m.jnt_qposadr[j] for j in jids])
    dof = np.array([m.jnt_dofadr[j] for j in jids])
    lo = np.array([m.jnt_range[j, 0] if m.jnt_limited[j] else -np.pi for j in jids])
    hi = np.array([m.jnt_range[j, 1] if m.jnt_limited[j] else np.pi for j in jids])
    lo, hi = np.maximum(lo, -2 * np.pi), np.minimum(hi, 2 * np.pi)
    sid = m.site(site).id
    flip = np.diag([-1.0, -1.0, 1.0])  # the same grasp turned half a turn about the approach axis
    seeds = [np.clip(np.zeros(len(jids)), lo, hi), (lo + hi) / 2] + [rng.uniform(lo, hi) for _ in range(14)]
    for target in targets:
        best = None
        for rot in (DOWN, DOWN @ flip):
            for q0 in seeds:
                q, ok = _solve(m, d, sid, qadr, dof, lo, hi, np.asarray(target), rot, q0)
                if not ok:
                    continue
                d.qpos[qadr] = q
                if _self_collision(m, d, robot_bodies):
                    continue
                margin = float(np.min(np.minimum(q - lo, hi - q) / (hi - lo)))
                if best is None or margin > best[0]:
                    best = (margin, q)
        if best is not None:
            return np.round(best[1], 4), tuple(target)
    raise ConfigError("home pose", f"no collision-free arm configuration puts the grasp site at any of "
                                   f"{list(targets)} [m, base frame] pointing down; is the base at the origin "
                                   "with +z up and the table along +x? Give --home q1,q2,... to state it")
