"""Antipodal grasp candidates for a parallel-jaw gripper.

Candidates come from surface points of the target's convex hull (what physics
collides with): a ray cast inward along the negative normal (trimesh, with
embree when installed) finds the opposite contact; both contact normals must
lie inside the friction cone around the closing axis. Each contact pair is
expanded into approach directions tilted about the closing axis, filtered by
opening width and by gripper-box collision with the table plane and with
points sampled on every object, then scored and deduplicated.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import trimesh

from ..assets.robot import GripperBox
from .config import GraspConfig


@dataclasses.dataclass(frozen=True)
class Grasp:
    """A grasp in the base frame.

    pose: (4, 4) grasp frame; origin midway between the contacts, +z approach
    (from palm to object), +y closing axis. width: contact distance [m].
    """

    pose: np.ndarray
    width: float
    score: float


def sample_surface(mesh: trimesh.Trimesh, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Area-weighted surface points (n, 3) and their outward face normals (n, 3)."""
    areas = mesh.area_faces
    faces = rng.choice(len(areas), size=n, p=areas / areas.sum())
    r = rng.random((n, 2))
    flip = r.sum(axis=1) > 1.0
    r[flip] = 1.0 - r[flip]
    tri = mesh.triangles[faces]
    pts = tri[:, 0] + r[:, :1] * (tri[:, 1] - tri[:, 0]) + r[:, 1:] * (tri[:, 2] - tri[:, 0])
    return pts, mesh.face_normals[faces]


def _rot_about(axis: np.ndarray, angle: float) -> np.ndarray:
    axis = axis / np.linalg.norm(axis)
    K = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * K + (1 - np.cos(angle)) * K @ K


def boxes_hit(
    pose: np.ndarray, opening: float, boxes: tuple[GripperBox, ...], points: np.ndarray, table_z: float, margin: float
) -> bool:
    """True when any gripper box at ``pose`` (fingers ``opening`` apart [m]) contains a point of
    ``points`` (N, 3) or dips below the table plane ``table_z`` [m]."""
    R, p = pose[:3, :3], pose[:3, 3]
    local = (points - p) @ R
    for b in boxes:
        c = np.asarray(b.center, dtype=float).copy()
        h = np.asarray(b.half_extents, dtype=float)
        c[1] += b.at_opening * (opening / 2 + h[1])
        if len(local) and np.any(np.all(np.abs(local - c) <= h + margin, axis=1)):
            return True
        corners = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]) * h + c
        if np.min(corners @ R.T[:, 2] + p[2]) < table_z + margin:
            return True
    return False


def sample_grasps(
    target: trimesh.Trimesh,
    obstacles: np.ndarray,
    table_z: float,
    boxes: tuple[GripperBox, ...],
    max_width: float,
    cfg: GraspConfig,
    rng: np.random.Generator,
) -> list[Grasp]:
    """Ranked, deduplicated grasps on ``target`` (a convex mesh in the base frame).

    Args:
        obstacles: (N, 3) points on non-target objects, base frame [m].
        table_z: table-top height [m]; gripper boxes must stay above it.
        boxes: the gripper's boxes in the grasp frame (from the robot spec).
        max_width: widest gripper opening [m].
    Returns:
        at most ``cfg.top_k`` grasps, best first (empty when none survive).
    """
    pts, normals = sample_surface(target, cfg.num_surface_samples, rng)
    origins = pts - normals * 1e-4
    locs, ray_idx, tri_idx = target.ray.intersects_location(origins, -normals, multiple_hits=False)
    cos_cone = np.cos(np.arctan(cfg.friction_mu))
    check_pts = np.vstack([sample_surface(target, 300, rng)[0], obstacles]) if len(obstacles) else sample_surface(target, 300, rng)[0]
    com = target.center_mass if target.is_volume else target.centroid
    size = float(max(target.extents))
    down = np.array([0.0, 0.0, -1.0])
    cands: list[Grasp] = []
    for p2, i, t in zip(locs, ray_idx, tri_idx):
        p1, n1, n2 = pts[i], normals[i], target.face_normals[t]
        axis = p2 - p1
        width = float(np.linalg.norm(axis))
        if width < 0.004 or width > max_width - 2 * cfg.width_margin:
            continue
        y = axis / width
        q_fc = min(float(-n1 @ y), float(n2 @ y))
        if q_fc < cos_cone:
            continue
        z0 = down - (down @ y) * y
        if np.linalg.norm(z0) < 0.25:
            continue  # closing axis near vertical: no approach from above
        z0 /= np.linalg.norm(z0)
        centre = (p1 + p2) / 2
        for tilt in cfg.approach_tilts_deg:
            z = _rot_about(y, np.deg2rad(tilt)) @ z0
            x = np.cross(y, z)
            pose = np.eye(4)
            pose[:3, :3] = np.stack([x, y, z], axis=1)
            pose[:3, 3] = centre
            if boxes_hit(pose, max_width, boxes, check_pts, table_z, 0.002):
                continue
            score = 1.0 * float(z @ down) + 0.5 * q_fc - 1.0 * float(np.linalg.norm(centre - com)) / size
            cands.append(Grasp(pose, width, score))
    cands.sort(key=lambda g: -g.score)
    kept: list[Grasp] = []
    cos_dedup = np.cos(np.deg2rad(cfg.dedup_angle_deg))
    for g in cands:
        if any(
            np.linalg.norm(g.pose[:3, 3] - k.pose[:3, 3]) < cfg.dedup_distance
            and abs(g.pose[:3, 1] @ k.pose[:3, 1]) > cos_dedup
            and g.pose[:3, 2] @ k.pose[:3, 2] > cos_dedup
            for k in kept
        ):
            continue
        kept.append(g)
        if len(kept) >= cfg.top_k:
            break
    return kept
