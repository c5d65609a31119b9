"""Antipodal grasp candidates for a parallel-jaw gripper.

Candidates come from surface points of the target's convex hull (what physics
collides with): a ray cast inward along the negative normal (trimesh, with
embree when installed) finds the opposite contact; both contact normals must
lie inside the friction cone around the closing axis. Each contact pair is
expanded into approach directions tilted about the closing axis, filtered by
opening width and by gripper-box collision with the table plane and with
points sampled on every object, then deduplicated and scored: approach against
the table normal, force-closure margin, distance of the grasp centre to the
centre of mass, and clearance to other objects.
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


def force_closure_2pt(n1: np.ndarray, n2: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Two-contact force closure (Nguyen): the contact line lies inside both friction cones.

    n1, n2: (N, 3) outward surface normals at contacts 1 and 2; axis: (N, 3) unit vectors
    from contact 1 to contact 2. Returns (N,) the cosine of the larger angle between the
    contact line and a (negated) normal: closure at friction mu holds where it is >= cos(atan(mu)).
    """
    return np.minimum(-(n1 * axis).sum(1), (n2 * axis).sum(1))


def box_clearance(pose: np.ndarray, opening: float, boxes: tuple[GripperBox, ...], points: np.ndarray) -> float:
    """Smallest distance [m] from ``points`` (N, 3) to the gripper boxes at ``pose``; inf without points."""
    if len(points) == 0:
        return float("inf")
    local = (points - pose[:3, 3]) @ pose[:3, :3]
    best = np.inf
    for b in boxes:
        c = np.asarray(b.center, dtype=float).copy()
        h = np.asarray(b.half_extents, dtype=float)
        c[1] += b.at_opening * (opening / 2 + h[1])
        d = np.linalg.norm(np.maximum(np.abs(local - c) - h, 0.0), axis=1)
        best = min(best, float(d.min()))
    return best


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


def _contacts_along(target: trimesh.Trimesh, centres: np.ndarray, axes: np.ndarray, reach: float):
    """Cast from both sides of each centre along +/-axis; return (p1, n1, p2, n2, hit mask)."""
    n = len(centres)
    origins = np.vstack([centres - axes * reach, centres + axes * reach])
    dirs = np.vstack([axes, -axes])
    locs, ray_idx, tri_idx = target.ray.intersects_location(origins, dirs, multiple_hits=False)
    pts = np.full((2 * n, 3), np.nan)
    nrm = np.full((2 * n, 3), np.nan)
    pts[ray_idx] = locs
    nrm[ray_idx] = target.face_normals[tri_idx]
    hit = ~np.isnan(pts[:n, 0]) & ~np.isnan(pts[n:, 0])
    return pts[:n], nrm[:n], pts[n:], nrm[n:], hit


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

    Each antipodal pair gives a closing axis; each approach tilt and grasp depth
    (the centre slid back toward the palm, contacts re-found by ray casting
    along the axis) gives a candidate. Candidates are scored, then checked for
    collision best-first until ``cfg.top_k`` survive deduplication.

    Args:
        obstacles: (N, 3) points on non-target objects, base frame [m].
        table_z: table-top height [m]; gripper boxes must stay above it.
        boxes: the gripper's boxes in the grasp frame (from the robot spec).
        max_width: widest gripper opening [m].
    Returns:
        at most ``cfg.top_k`` grasps, best first (empty when none survive).
    """
    pts, normals = sample_surface(target, cfg.num_surface_samples, rng)
    locs, ray_idx, tri_idx = target.ray.intersects_location(pts - normals * 1e-4, -normals, multiple_hits=False)
    cos_cone = np.cos(np.arctan(cfg.friction_mu))
    max_w = max_width - 2 * cfg.width_margin
    axes = locs - pts[ray_idx]
    widths = np.linalg.norm(axes, axis=1)
    keep = (widths > 0.004) & (widths < max_w)
    y = axes[keep] / widths[keep, None]
    q = force_closure_2pt(normals[ray_idx[keep]], target.face_normals[tri_idx[keep]], y)
    ok = q >= cos_cone
    y, centres = y[ok], ((pts[ray_idx[keep]] + locs[keep]) / 2)[ok]
    down = np.array([0.0, 0.0, -1.0])
    z0 = down - (y @ down)[:, None] * y
    z0n = np.linalg.norm(z0, axis=1)
    ok = z0n > 0.25  # closing axis near vertical: no approach from above
    y, centres, z0 = y[ok], centres[ok], z0[ok] / z0n[ok, None]
    if len(y) == 0:
        return []
    frames = []
    for tilt in cfg.approach_tilts_deg:
        zs = np.array([_rot_about(yy, np.deg2rad(tilt)) @ zz for yy, zz in zip(y, z0)])
        for depth in cfg.depth_offsets:
            frames.append((centres - depth * zs, y, zs))
    c_all = np.vstack([f[0] for f in frames])
    y_all = np.vstack([f[1] for f in frames])
    z_all = np.vstack([f[2] for f in frames])
    p1, n1, p2, n2, hit = _contacts_along(target, c_all, y_all, reach=max_width)
    w = np.linalg.norm(p2 - p1, axis=1)
    qfc = force_closure_2pt(n1, n2, y_all)
    valid = hit & (w < max_w) & (qfc >= cos_cone)
    com = target.center_mass if target.is_volume else target.centroid
    size = float(max(target.extents))
    c_all = np.where(hit[:, None], (p1 + p2) / 2, c_all)
    score = z_all @ down + 0.5 * qfc - np.linalg.norm(c_all - com, axis=1) / size
    order = [i for i in np.argsort(-score, kind="stable") if valid[i]]
    surf = sample_surface(target, 300, rng)[0]
    check_pts = np.vstack([surf, obstacles]) if len(obstacles) else surf
    cos_dedup = np.cos(np.deg2rad(cfg.dedup_angle_deg))
    kept: list[Grasp] = []
    pool = 3 * cfg.top_k  # collision-free candidates rescored with clearance, best top_k returned
    for i in order:
        pose = np.eye(4)
        pose[:3, :3] = np.stack([np.cross(y_all[i], z_all[i]), y_all[i], z_all[i]], axis=1)
        pose[:3, 3] = c_all[i]
        if any(
            np.linalg.norm(pose[:3, 3] - k.pose[:3, 3]) < cfg.dedup_distance
            and abs(pose[:3, 1] @ k.pose[:3, 1]) > cos_dedup
            and pose[:3, 2] @ k.pose[:3, 2] > cos_dedup
            for k in kept
        ):
            continue
        if boxes_hit(pose, max_width, boxes, check_pts, table_z, 0.002):
            continue
        clear = min(box_clearance(pose, max_width, boxes, obstacles), cfg.clearance_cap)
        kept.append(Grasp(pose, float(w[i]), float(score[i] + 0.5 * clear / cfg.clearance_cap)))
        if len(kept) >= pool:
            break
    kept.sort(key=lambda g: -g.score)
    return kept[: cfg.top_k]
