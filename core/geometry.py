"""Small rigid-transform helpers. Quaternions are (w, x, y, z); poses are (4, 4) homogeneous."""

from __future__ import annotations

import numpy as np


def quat_to_mat(q) -> np.ndarray:
    w, x, y, z = np.asarray(q, dtype=float) / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def mat_to_quat(R) -> np.ndarray:
    """Rotation matrix (3, 3) -> unit quaternion (w, x, y, z) with w >= 0."""
    R = np.asarray(R, dtype=float)
    t = np.trace(R)
    if t > 0:
        s = 2.0 * np.sqrt(t + 1.0)
        q = [0.25 * s, (R[2, 1] - R[1, 2]) / s, (R[0, 2] - R[2, 0]) / s, (R[1, 0] - R[0, 1]) / s]
    else:
        i = int(np.argmax(np.diag(R)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(1.0 + R[i, i] - R[j, j] - R[k, k])
        q = np.empty(4)
        q[0] = (R[k, j] - R[j, k]) / s
        q[1 + i] = 0.25 * s
        q[1 + j] = (R[j, i] + R[i, j]) / s
        q[1 + k] = (R[k, i] + R[i, k]) / s
    q = np.asarray(q, dtype=float)
    q /= np.linalg.norm(q)
    return q if q[0] >= 0 else -q


def make_pose(R, p) -> np.ndarray:
    T = np.eye(4)
    T[:3, :3] = R
    T[:3, 3] = p
    return T


def pose_to_vec7(T) -> np.ndarray:
    """(4, 4) pose -> (7,) position [m] + quaternion (w, x, y, z)."""
    return np.concatenate([T[:3, 3], mat_to_quat(T[:3, :3])])


def rotvec_from_mat(R) -> np.ndarray:
    """Axis-angle vector (3,) [rad] of a rotation matrix."""
    cos = np.clip((np.trace(R) - 1.0) / 2.0, -1.0, 1.0)
    angle = np.arccos(cos)
    if angle < 1e-9:
        return np.zeros(3)
    v = np.array([R[2, 1] - R[1, 2], R[0, 2] - R[2, 0], R[1, 0] - R[0, 1]])
    if np.pi - angle < 1e-6:
        # near pi: axis from the largest diagonal entry of (R + I) / 2
        M = (R + np.eye(3)) / 2.0
        axis = M[:, int(np.argmax(np.diag(M)))]
        return axis / np.linalg.norm(axis) * angle
    return v / (2.0 * np.sin(angle)) * angle


def pose_error(T_current, T_target) -> np.ndarray:
    """(6,) error [m, rad] from current to target: position difference and world-frame rotation vector."""
    dp = T_target[:3, 3] - T_current[:3, 3]
    dR = T_target[:3, :3] @ T_current[:3, :3].T
    return np.concatenate([dp, rotvec_from_mat(dR)])


def look_at(pos, target, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """Camera rotation (3, 3), columns (right, up, backward): MuJoCo/OpenGL camera axes in the world."""
    pos, target, up = (np.asarray(v, dtype=float) for v in (pos, target, up))
    f = target - pos
    f /= np.linalg.norm(f)
    right = np.cross(f, up)
    if np.linalg.norm(right) < 1e-6:
        right = np.cross(f, [1.0, 0.0, 0.0])
    right /= np.linalg.norm(right)
    true_up = np.cross(right, f)
    return np.stack([right, true_up, -f], axis=1)
