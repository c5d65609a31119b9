"""Is the target visible? Unoccluded pixels, contrast and box size per camera at the settled state."""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import ndimage

from .backend import InstanceMap, PhysicsSim, Renderer
from .config import VisibilityConfig


@dataclasses.dataclass(frozen=True)
class CameraView:
    """What one camera shows of the target: ``pixels`` unoccluded, ``contrast`` of their mean
    colour against the surrounding ring (RGB distance, [0, 1] channels), box longer side ``box_px``."""

    camera: str
    pixels: int
    contrast: float
    box_px: float


def target_views(sim: PhysicsSim, rig: Renderer, ids: InstanceMap, target_points: np.ndarray,
                 ring_px: int) -> list[CameraView]:
    """One CameraView per static camera of ``rig`` for the target at its current pose.

    ``ids`` is the instance map of ``sim`` (the target's pixels are those of ``ids.target_id``);
    ``target_points`` (N, 3) are the target's collision points in its body frame [m].
    """
    P = sim.object_pose(sim.scene.target_index)
    world = target_points @ P[:3, :3].T + P[:3, 3]
    out = []
    for cam in rig.static:
        mask = ids(rig.segmentation(sim, cam)) == ids.target_id
        n = int(mask.sum())
        contrast = 0.0
        if n:
            img = rig.render(sim, cam).astype(np.float32) / 255.0
            ring = ndimage.binary_dilation(mask, iterations=ring_px) & ~mask
            if ring.any():
                contrast = float(np.linalg.norm(img[mask].mean(axis=0) - img[ring].mean(axis=0)))
        x0, y0, x1, y1 = rig.bbox(sim, cam, world)
        box = float(max(x1 - x0, y1 - y0)) if x1 >= 0 else 0.0
        out.append(CameraView(cam, n, contrast, box))
    return out


def is_visible(views: list[CameraView], cfg: VisibilityConfig, image_side: int) -> bool:
    """Some camera sees enough contrasting target pixels, and some camera's box is large enough.

    ``cfg`` thresholds are for 256 px images; for ``image_side`` (the shorter image side [px])
    ``min_box_px`` scales with the side and ``min_pixels`` with the area.
    """
    k = image_side / 256.0
    seen = any(v.pixels >= cfg.min_pixels * k * k and v.contrast >= cfg.min_contrast for v in views)
    return seen and any(v.box_px >= cfg.min_box_px * k for v in views)
