"""Optional per-frame observations: visible-target boxes and fused point clouds.

Instance ids (segmentation) come from the backend: ``mujoco_backend.instances.InstanceIds``.
"""

from __future__ import annotations

import numpy as np


def mask_bbox(mask: np.ndarray) -> np.ndarray:
    """(4,) float32 box (x_min, y_min, x_max, y_max) [px] of the True pixels of an (H, W) mask.

    Pixel (row v, column u) covers [u, u+1) x [v, v+1), so a one-pixel mask at
    (0, 0) gives (0, 0, 1, 1). All -1 when the mask is empty.
    """
    rows = np.flatnonzero(mask.any(axis=1))
    if len(rows) == 0:
        return np.full(4, -1.0, np.float32)
    cols = np.flatnonzero(mask.any(axis=0))
    return np.array([cols[0], rows[0], cols[-1] + 1, rows[-1] + 1], np.float32)


def back_project(depth: np.ndarray, K: np.ndarray, T_cam_base: np.ndarray, max_depth: float) -> tuple[np.ndarray, np.ndarray]:
    """Base-frame points (M, 3) [m] of an (H, W) z-depth image, and the flat indices (M,) of their pixels.

    ``K`` (3, 3) intrinsics [px], ``T_cam_base`` (4, 4) base -> OpenCV camera; pixel
    centres at (u + 0.5, v + 0.5). Pixels at or beyond ``max_depth`` [m] are dropped.
    """
    h, w = depth.shape
    v, u = np.mgrid[0:h, 0:w]
    z = depth.reshape(-1).astype(np.float64)
    idx = np.flatnonzero(z < max_depth)
    z = z[idx]
    x = (u.reshape(-1)[idx] + 0.5 - K[0, 2]) / K[0, 0] * z
    y = (v.reshape(-1)[idx] + 0.5 - K[1, 2]) / K[1, 1] * z
    pc = np.stack([x, y, z], axis=1)
    R, t = T_cam_base[:3, :3], T_cam_base[:3, 3]
    return (pc - t) @ R, idx


def fuse_point_cloud(
    rgbs: list[np.ndarray],
    depths: list[np.ndarray],
    intrinsics: list[np.ndarray],
    extrinsics: list[np.ndarray],
    bounds: tuple[np.ndarray, np.ndarray],
    n: int,
    voxel: float,
    max_depth: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """(n, 6) float32 point cloud: xyz [m] in the base frame + rgb in [0, 1], from several RGB-D views.

    Points of every view are back-projected (``back_project``), cropped to the
    axis-aligned box ``bounds`` = (lo (3,), hi (3,)) [m], averaged on a ``voxel`` [m]
    grid and reduced to ``n`` by farthest-point sampling (open3d) from a start
    point drawn with ``rng``. With fewer than ``n`` voxels, points are repeated
    (drawn with ``rng``); with none, the result is all zeros.
    """
    import open3d as o3d

    xyz, col = [], []
    for rgb, depth, K, T in zip(rgbs, depths, intrinsics, extrinsics):
        p, idx = back_project(depth, K, T, max_depth)
        xyz.append(p)
        col.append(rgb.reshape(-1, 3)[idx].astype(np.float64) / 255.0)
    pcd = o3d.geometry.PointCloud()
    pcd.points = o3d.utility.Vector3dVector(np.concatenate(xyz))
    pcd.colors = o3d.utility.Vector3dVector(np.concatenate(col))
    pcd = pcd.crop(o3d.geometry.AxisAlignedBoundingBox(np.asarray(bounds[0], float), np.asarray(bounds[1], float)))
    pcd = pcd.voxel_down_sample(voxel)
    pts, cols = np.asarray(pcd.points), np.asarray(pcd.colors)
    out = np.zeros((n, 6), np.float32)
    if len(pts) == 0:
        return out
    order = np.lexsort(pts.T[::-1])  # a canonical order, whatever order the voxel map returned
    pts, cols = pts[order], cols[order]
    if len(pts) > n:
        start = int(rng.integers(len(pts)))
        perm = np.r_[start, np.delete(np.arange(len(pts)), start)]  # open3d starts at point 0
        sub = o3d.geometry.PointCloud()
        sub.points = o3d.utility.Vector3dVector(pts[perm])
        sub.colors = o3d.utility.Vector3dVector(cols[perm])
        sub = sub.farthest_point_down_sample(n)
        pts, cols = np.asarray(sub.points), np.asarray(sub.colors)
    else:
        extra = rng.integers(len(pts), size=n - len(pts))
        pts, cols = np.concatenate([pts, pts[extra]]), np.concatenate([cols, cols[extra]])
    out[:, :3] = pts
    out[:, 3:] = cols
    return out
