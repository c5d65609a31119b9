"""Offscreen MuJoCo rendering with one GL context per process.

Creating an EGL context costs far more than drawing a frame, so a process
makes one (``gl_context``) and keeps it for its whole life; each compiled
model gets its own ``MjrContext`` (meshes, textures, framebuffers) on that
context, freed when the episode is done. Quality settings come from
``RenderConfig``: MSAA samples and shadow-map size are baked into the model by
``generators.mujoco_backend.build``; shadows, reflections and FXAA are applied here.

llvmpipe (Mesa's CPU rasteriser) reads ``LP_NUM_THREADS`` when the context is
created; one single-threaded process per core renders faster than one process
with a thread per core, so the cluster layer sets it per worker.
"""

from __future__ import annotations

import mujoco
import numpy as np

from ..config import RenderConfig
from .postfx import fxaa

_GL: list = []  # the process's GL context, created on first use


def gl_context():
    """The process-wide GL context (MUJOCO_GL backend), made current."""
    if not _GL:
        _GL.append(mujoco.GLContext(64, 64))
    ctx = _GL[0]
    ctx.make_current()
    return ctx


class SceneRenderer:
    """Renders a compiled model's fixed cameras into (H, W) images, row 0 at the top.

    Geom groups 0-2 are drawn (table, floor, walls, robot and object visuals);
    group 3 holds collision geometry and stays hidden.
    """

    def __init__(self, model: mujoco.MjModel, height: int, width: int, quality: RenderConfig):
        gl_context()
        self.model = model
        self.height, self.width = height, width
        self.quality = quality
        self._check_size(height, width)
        self._con = mujoco.MjrContext(model, mujoco.mjtFontScale.mjFONTSCALE_100)
        mujoco.mjr_setBuffer(mujoco.mjtFramebuffer.mjFB_OFFSCREEN, self._con)
        self._scene = mujoco.MjvScene(model, maxgeom=2000)
        self._cam = mujoco.MjvCamera()
        self._cam.type = mujoco.mjtCamera.mjCAMERA_FIXED
        self.opt = mujoco.MjvOption()
        self.opt.geomgroup[:] = 0
        self.opt.geomgroup[:3] = 1
        self.opt.sitegroup[:] = 0
        self._bufs: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        # near and far clip planes [m], as MuJoCo's renderer sets them
        self.near = float(model.vis.map.znear * model.stat.extent)
        self.far = float(model.vis.map.zfar * model.stat.extent)

    def _check_size(self, height: int, width: int) -> None:
        if height > self.model.vis.global_.offheight or width > self.model.vis.global_.offwidth:
            raise ValueError(f"image {height}x{width} exceeds the model's offscreen buffer")

    def _draw(self, data: mujoco.MjData, cam_id: int, segment: bool, size: tuple[int, int] | None,
              depth: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        h, w = size or (self.height, self.width)
        if (h, w) not in self._bufs:
            self._check_size(h, w)
            self._bufs[(h, w)] = (np.empty((h, w, 3), np.uint8), np.empty((h, w), np.float32))
        rgb, zbuf = self._bufs[(h, w)]
        self._cam.fixedcamid = cam_id
        mujoco.mjv_updateScene(self.model, data, self.opt, None, self._cam, mujoco.mjtCatBit.mjCAT_ALL, self._scene)
        f = self._scene.flags
        f[mujoco.mjtRndFlag.mjRND_SHADOW] = bool(self.quality.shadows) and not segment
        f[mujoco.mjtRndFlag.mjRND_REFLECTION] = bool(self.quality.reflections) and not segment
        f[mujoco.mjtRndFlag.mjRND_SKYBOX] = not segment
        f[mujoco.mjtRndFlag.mjRND_SEGMENT] = segment
        f[mujoco.mjtRndFlag.mjRND_IDCOLOR] = segment
        gl_context()
        # GL's framebuffer binding is global to the context: bind this model's buffer every time,
        # or a frame drawn after another SceneRenderer was made lands in that one's buffer.
        mujoco.mjr_setBuffer(mujoco.mjtFramebuffer.mjFB_OFFSCREEN, self._con)
        rect = mujoco.MjrRect(0, 0, w, h)
        mujoco.mjr_render(rect, self._scene, self._con)
        mujoco.mjr_readPixels(rgb, zbuf if depth else None, rect, self._con)
        return rgb, (zbuf if depth else None)

    def rgb(self, data: mujoco.MjData, cam_id: int, size: tuple[int, int] | None = None) -> np.ndarray:
        """(H, W, 3) uint8 sRGB image from camera ``cam_id`` (FXAA applied when configured).

        ``size`` (H, W) [px] defaults to the renderer's size."""
        img, _ = self._draw(data, cam_id, False, size)
        img = img[::-1]
        return fxaa(img) if self.quality.fxaa else img.copy()

    def rgbd(self, data: mujoco.MjData, cam_id: int, size: tuple[int, int] | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
        """RGB (H, W, 3) uint8 and z-depth (H, W) float32 [m] along the optical axis, from one pass.

        MuJoCo's depth buffer holds d in [0, 1] of a perspective projection with
        near/far planes ``self.near``/``self.far``; z = near / (1 - d (1 - near/far)).
        Pixels with nothing drawn (sky) read ``self.far``.
        """
        img, zbuf = self._draw(data, cam_id, False, size, depth=True)
        img = img[::-1]
        img = fxaa(img) if self.quality.fxaa else img.copy()
        d = zbuf[::-1].astype(np.float64)
        z = self.near / (1.0 - d * (1.0 - self.near / self.far))
        return img, z.astype(np.float32)

    def segmentation(self, data: mujoco.MjData, cam_id: int, size: tuple[int, int] | None = None) -> np.ndarray:
        """(H, W) int32 id of the geom seen at each pixel; -1 for background (sky)."""
        img, _ = self._draw(data, cam_id, True, size)
        px = img[::-1].astype(np.int64)
        seg = px[..., 0] + (px[..., 1] << 8) + (px[..., 2] << 16)  # segid + 1; 0 = nothing drawn
        n = self._scene.ngeom
        lut = np.full(n + 2, -1, np.int32)
        for g in self._scene.geoms[:n]:
            if g.segid >= 0 and g.objtype == mujoco.mjtObj.mjOBJ_GEOM:
                lut[g.segid + 1] = g.objid
        return lut[np.clip(seg, 0, n + 1)]

    def close(self) -> None:
        if self._con is not None:
            gl_context()
            self._con.free()
            self._con = None
