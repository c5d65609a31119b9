"""Camera rendering, calibration (OpenCV convention) and target 2D boxes."""

from __future__ import annotations

import importlib

import mujoco
import numpy as np

from ..config import RenderConfig

# render.engine -> "module:class" of a renderer with SceneRenderer's methods (rgb, rgbd, segmentation, close),
# imported on first use so that a classic run never loads Filament
_ENGINES: dict[str, str] = {}


def register_engine(name: str, target: str) -> None:
    """Register a render engine under ``name`` (``target`` = "module:class", relative to this package)."""
    if name in _ENGINES:
        raise ValueError(f"render engine '{name}' is already registered")
    _ENGINES[name] = target


def engine_class(name: str):
    """The renderer class registered as ``name``; KeyError names the known ones."""
    if name not in _ENGINES:
        raise KeyError(f"unknown render engine '{name}'; available: {', '.join(sorted(_ENGINES))}")
    module, attr = _ENGINES[name].split(":")
    return getattr(importlib.import_module(module, __package__), attr)


register_engine("classic", ".render:SceneRenderer")
register_engine("filament", ".filament:FilamentRenderer")

_GL_TO_CV = np.diag([1.0, -1.0, -1.0])


def _data(src) -> mujoco.MjData:
    """The MjData to draw: ``src`` itself, or the ``data`` of a MuJoCo Sim (the Renderer Protocol passes the sim)."""
    return getattr(src, "data", src)


def _extrinsics(data: mujoco.MjData, cid: int) -> np.ndarray:
    R_wc = data.cam_xmat[cid].reshape(3, 3) @ _GL_TO_CV
    T = np.eye(4)
    T[:3, :3] = R_wc.T
    T[:3, 3] = -R_wc.T @ data.cam_xpos[cid]
    return T


def camera_extrinsics(sim, name: str) -> np.ndarray:
    """(4, 4) base->OpenCV-camera transform of the model's camera ``name`` at the current state of
    ``sim`` (a MuJoCo Sim or its MjData), without building a renderer."""
    data = _data(sim)
    return _extrinsics(data, mujoco.mj_name2id(data.model, mujoco.mjtObj.mjOBJ_CAMERA, name))


class CameraRig:
    """Renders every camera of a model and projects points into its images (the MuJoCo ``backend.Renderer``).

    Methods that draw or project take the MuJoCo Sim (or its MjData) whose current state they show.

    Conventions: ``intrinsics`` (3, 3) K in pixels, principal point at the image
    centre, pixel (u, v) with v down. ``extrinsics`` (4, 4) maps base-frame
    points to the OpenCV camera frame (x right, y down, z forward).
    """

    def __init__(
        self,
        model: mujoco.MjModel,
        names: tuple[str, ...],
        height: int,
        width: int,
        quality: RenderConfig,
        sizes: dict[str, tuple[int, int]] | None = None,
        moving: tuple[str, ...] = (),
    ):
        """``height``/``width`` [px] is every camera's image size, except those ``sizes`` names (H, W).

        ``moving`` names cameras mounted on the robot; ``static`` holds the others.
        """
        self.model = model
        self.names = names
        self.moving = tuple(moving)
        self.static = tuple(n for n in names if n not in self.moving)
        self.height, self.width = height, width
        self.sizes = {n: (sizes or {}).get(n, (height, width)) for n in names}
        self.cam_ids = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_CAMERA, n) for n in names]
        self.quality = quality
        self.renderer = engine_class(quality.engine)(model, height, width, quality)

    def restart(self) -> None:
        """A fresh renderer for what follows: the frames drawn next do not depend on what this rig
        drew before (Filament's temporal noise advances with every frame a context draws)."""
        self.renderer.close()
        self.renderer = engine_class(self.quality.engine)(self.model, self.height, self.width, self.quality)

    @property
    def far(self) -> float:
        """Far clip distance [m] of the render engine: depth pixels where nothing is drawn read it."""
        return self.renderer.far

    def size(self, name: str) -> tuple[int, int]:
        """(height, width) [px] of camera ``name``'s images."""
        return self.sizes[name]

    def intrinsics(self, name: str) -> np.ndarray:
        cid = self.cam_ids[self.names.index(name)]
        h, w = self.sizes[name]
        fy = 0.5 * h / np.tan(np.deg2rad(self.model.cam_fovy[cid]) / 2.0)
        return np.array([[fy, 0.0, w / 2.0], [0.0, fy, h / 2.0], [0.0, 0.0, 1.0]])

    def extrinsics(self, data: mujoco.MjData, name: str) -> np.ndarray:
        return _extrinsics(_data(data), self.cam_ids[self.names.index(name)])

    def render(self, data: mujoco.MjData, name: str) -> np.ndarray:
        """(H, W, 3) uint8 RGB image, row 0 at the top."""
        return self.renderer.rgb(_data(data), self.cam_ids[self.names.index(name)], self.sizes[name])

    def render_rgbd(self, data: mujoco.MjData, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(H, W, 3) uint8 RGB and (H, W) float32 z-depth [m] from one render pass, row 0 at the top."""
        return self.renderer.rgbd(_data(data), self.cam_ids[self.names.index(name)], self.sizes[name])

    def segmentation(self, data: mujoco.MjData, name: str) -> np.ndarray:
        """(H, W) int32 geom id seen at each pixel (-1: background), row 0 at the top."""
        return self.renderer.segmentation(_data(data), self.cam_ids[self.names.index(name)], self.sizes[name])

    def project(self, data: mujoco.MjData, name: str, points_world: np.ndarray) -> np.ndarray:
        """(N, 2) pixel coordinates (u, v) of base-frame points (N, 3); NaN behind the camera."""
        T = self.extrinsics(data, name)
        K = self.intrinsics(name)
        pc = points_world @ T[:3, :3].T + T[:3, 3]
        uv = (pc[:, :2] / pc[:, 2:3]) * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
        uv[pc[:, 2] <= 1e-3] = np.nan
        return uv

    def bbox(self, data: mujoco.MjData, name: str, points_world: np.ndarray) -> np.ndarray:
        """(4,) float box (x_min, y_min, x_max, y_max) [px] of ``points_world`` (N, 3), clipped to the image.

        All -1 when no point projects in front of the camera and inside the
        image. Occlusion by other geometry is not considered.
        """
        uv = self.project(data, name, points_world)
        uv = uv[np.isfinite(uv[:, 0])]
        if len(uv) == 0:
            return np.full(4, -1.0, dtype=np.float32)
        h, w = self.sizes[name]
        x0, y0 = uv.min(axis=0)
        x1, y1 = uv.max(axis=0)
        if x1 < 0 or y1 < 0 or x0 > w or y0 > h:
            return np.full(4, -1.0, dtype=np.float32)
        return np.array([max(x0, 0.0), max(y0, 0.0), min(x1, w), min(y1, h)], dtype=np.float32)

    def close(self) -> None:
        self.renderer.close()
