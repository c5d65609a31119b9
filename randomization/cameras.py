"""Camera extrinsics and FoV jitter around nominal look-at poses."""

from __future__ import annotations

import numpy as np

from ..core.geometry import look_at, mat_to_quat
from .config import CameraConfig, CameraJitterConfig
from ..core.scene import CameraSpec


def _rot_xyz(rx: float, ry: float, rz: float) -> np.ndarray:
    cx, sx, cy, sy, cz, sz = np.cos(rx), np.sin(rx), np.cos(ry), np.sin(ry), np.cos(rz), np.sin(rz)
    Rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    Ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    Rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return Rz @ Ry @ Rx


def sample_cameras(
    cams: tuple[CameraConfig, ...],
    cfg: CameraJitterConfig,
    image_size: tuple[int, int],
    rng: np.random.Generator,
    top_z: float,
) -> tuple[CameraSpec, ...]:
    """One CameraSpec per nominal camera; nominal poses move with the table height ``top_z`` [m]."""
    h, w = image_size
    out = []
    for c in cams:
        pos = np.asarray(c.pos, dtype=float) + [0.0, 0.0, top_z]
        target = np.asarray(c.lookat, dtype=float) + [0.0, 0.0, top_z]
        R = look_at(pos, target)
        fovy = c.fovy
        if cfg.enabled:
            d = rng.normal(size=3)
            d *= cfg.pos_radius * rng.random() ** (1 / 3) / np.linalg.norm(d)
            pos = pos + d
            R = look_at(pos, target) @ _rot_xyz(*np.deg2rad(rng.uniform(-cfg.rot_deg, cfg.rot_deg, 3)))
            fovy = float(np.clip(c.fovy + rng.uniform(*cfg.fovy_delta), 10.0, 120.0))
        out.append(CameraSpec(c.name, tuple(float(v) for v in pos), tuple(float(v) for v in mat_to_quat(R)), fovy, h, w))
    return tuple(out)
