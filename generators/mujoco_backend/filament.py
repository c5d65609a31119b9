"""MuJoCo's Filament PBR renderer (``mujoco.mjrf``) behind the same interface as ``SceneRenderer``.

Filament is retained-mode: a compiled model's meshes, textures, lights and
renderables are uploaded once (``ModelResources``, ``ModelLights``,
``ModelRenderables``) and each frame only updates poses from ``MjData``. RGB,
depth and segmentation all come from Filament itself (draw modes DEFAULT,
DEPTH and SEGMENTATION_BY_ID), so the three line up pixel for pixel.

One Filament context (engine, Vulkan device, render thread) per process, made
on first use and kept for the process's life: creating it and compiling its
shaders costs seconds, a frame tens of milliseconds. Headless, through Vulkan:
on Mesa's lavapipe (``software_rendering``) on CPU nodes, on the GPU's own
Vulkan driver on GPU nodes. ``mujoco.studio.window`` must be imported before
the context is made, or Filament's material packages (``pbr.filamat``) are
not found.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import sys

import mujoco
import mujoco.studio.window  # noqa: F401  registers Filament's material packages
import numpy as np
from mujoco import mjrf

from ...core.errors import ConfigError
from ..config import RenderConfig
from .postfx import fxaa

_ICD_DIRS = ("/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d")


def gpu_vulkan_available() -> bool:
    """True when an NVIDIA Vulkan driver (ICD manifest) is installed on this machine."""
    return any(glob.glob(os.path.join(d, "nvidia*.json")) for d in _ICD_DIRS)


def resolve_device(device: str) -> str:
    """``cpu`` or ``gpu`` for ``render.filament_device`` (``auto`` picks the GPU when its driver is there)."""
    if device == "auto":
        return "gpu" if gpu_vulkan_available() else "cpu"
    return device


@contextlib.contextmanager
def _stdout_to_stderr():
    """Send what C code writes to file descriptor 1 to descriptor 2 while the block runs."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def filament_context(device: str = "auto") -> mjrf.Context:
    """A new Filament context on ``device`` (``cpu``, ``gpu`` or ``auto``), headless, through Vulkan."""
    dev = resolve_device(device)
    cfg = mjrf.ContextConfig(graphics_api=mjrf.GraphicsApi.GRAPHICS_API_VULKAN, software_rendering=dev == "cpu")
    _check_vulkan(dev)
    with _stdout_to_stderr():  # Filament logs its start-up to the C stdout, where JSON summaries go
        ctx = mjrf.Context(cfg)
    ctx.set_clear_color([0.0, 0.0, 0.0])
    return ctx


def _check_vulkan(dev: str) -> None:
    """Raise a ConfigError (``render.engine``) that says what to install when Vulkan is missing: without a
    loader or a driver, Filament aborts the whole process instead of raising."""
    fix = ("install the Vulkan loader and a driver (Debian/Ubuntu: apt install libvulkan1 mesa-vulkan-drivers; "
           "scripts/setup.sh does), or render with the classic engine: render.preset=balanced")
    try:
        ctypes.CDLL("libvulkan.so.1")
    except OSError:
        raise ConfigError("render.engine", f"filament needs Vulkan, and libvulkan.so.1 is not installed: {fix}") from None
    listed = [p for k in ("VK_DRIVER_FILES", "VK_ICD_FILENAMES") for p in os.environ.get(k, "").split(os.pathsep) if p]
    icds = [p for p in listed if os.path.isfile(p)] if listed else [p for d in _ICD_DIRS for p in glob.glob(f"{d}/*.json")]
    if not icds:
        raise ConfigError("render.engine", f"filament on the {dev} finds no Vulkan driver (no ICD file"
                                           f"{' in VK_DRIVER_FILES/VK_ICD_FILENAMES' if listed else ' in ' + ', '.join(_ICD_DIRS)}): {fix}")


_FORMATS = {
    "rgb": (mjrf.PixelFormat.PIXEL_FORMAT_RGB8, np.uint8, 3),
    "depth": (mjrf.PixelFormat.PIXEL_FORMAT_R32F, np.float32, 1),
    "seg": (mjrf.PixelFormat.PIXEL_FORMAT_RGBA8, np.uint8, 4),
}
_MODES = {
    "rgb": mjrf.DrawMode.DRAW_MODE_DEFAULT,
    "depth": mjrf.DrawMode.DRAW_MODE_DEPTH,
    "seg": mjrf.DrawMode.DRAW_MODE_SEGMENTATION_BY_ID,
}


class FilamentRenderer:
    """Renders a compiled model's fixed cameras with Filament into (H, W) images, row 0 at the top.

    Same methods and conventions as ``render.SceneRenderer``: geom groups 0-2 are
    drawn, group 3 (collision geometry) stays hidden; cameras are the model's
    own, with its near/far planes and vertical field of view.
    One camera per render call: on lavapipe, two views side by side in one call cost
    the same CPU time as two calls (measured).
    """

    def __init__(self, model: mujoco.MjModel, height: int, width: int, quality: RenderConfig):
        self.model = model
        self.height, self.width = height, width
        self.quality = quality
        self._ctx = filament_context(quality.filament_device)
        self._resources = mjrf.ModelResources(self._ctx, model)
        self._scene = self._ctx.create_scene(mjrf.SceneParams())
        self._scene.configure_from_model(model)
        self._lights = mjrf.ModelLights(self._scene, self._resources)
        self._renderables = mjrf.ModelRenderables(self._scene, self._resources)
        opt = mujoco.MjvOption()
        opt.geomgroup[:] = 0
        opt.geomgroup[:3] = 1
        opt.sitegroup[:] = 0
        self._renderables.set_options(opt)
        # (kind, H, W) -> (render target, its read request, the buffer it reads into); the binding
        # objects hold raw pointers to one another, so this keeps every one of them alive
        self._targets: dict[tuple[str, int, int], tuple[mjrf.RenderTarget, mjrf.ReadRequest, np.ndarray]] = {}
        self._posed: bytes | None = None
        self.near = float(model.vis.map.znear * model.stat.extent)
        self.far = float(model.vis.map.zfar * model.stat.extent)

    def _target(self, kind: str, h: int, w: int) -> tuple[mjrf.RenderTarget, mjrf.ReadRequest, np.ndarray]:
        key = (kind, h, w)
        if key not in self._targets:
            fmt, dtype, ch = _FORMATS[kind]
            tgt = self._ctx.create_render_target(mjrf.RenderTargetConfig(color_format=fmt, width=w, height=h))
            buf = np.zeros((h, w, ch) if ch > 1 else (h, w), dtype)
            read = mjrf.ReadRequest(target=tgt)
            read.set_buffer(buf)
            self._targets[key] = (tgt, read, buf)
        return self._targets[key]

    def camera(self, data: mujoco.MjData, cam_id: int, h: int, w: int) -> mjrf.Camera:
        """The Filament camera of model camera ``cam_id``: its pose in ``data``, vertical FoV, near/far."""
        R = data.cam_xmat[cam_id].reshape(3, 3)
        top = self.near * np.tan(np.deg2rad(self.model.cam_fovy[cam_id]) / 2.0)
        return mjrf.Camera(
            pos=data.cam_xpos[cam_id].astype(np.float32),
            forward=(-R[:, 2]).astype(np.float32),
            up=R[:, 1].astype(np.float32),
            frustum_center=0.0,
            frustum_width=top * w / h,
            frustum_bottom=-top,
            frustum_top=top,
            frustum_near=self.near,
            frustum_far=self.far,
        )

    def _sync(self, data: mujoco.MjData) -> None:
        """Update Filament's lights and renderables when ``data``'s poses changed (once per recorded
        state, however many cameras and draw modes are drawn from it)."""
        pose = b"".join(a.tobytes() for a in (data.xpos, data.xquat, data.cam_xpos, data.cam_xmat))
        if pose != self._posed:
            self._lights.update(data)
            self._renderables.update(data)
            self._posed = pose

    def _draw(self, data: mujoco.MjData, cam_id: int, kind: str, size: tuple[int, int] | None) -> np.ndarray:
        h, w = size or (self.height, self.width)
        self._sync(data)
        tgt, read, buf = self._target(kind, h, w)
        rgb = kind == "rgb"
        req = mjrf.RenderRequest()
        req.scene = self._scene
        req.target = tgt
        cam = self.camera(data, cam_id, h, w)  # kept alive until the frame is done
        req.camera = cam
        req.viewport.left, req.viewport.bottom, req.viewport.width, req.viewport.height = 0, 0, w, h
        req.draw_mode = _MODES[kind]
        req.post_processing = rgb
        req.shadows = rgb and bool(self.quality.shadows)
        req.reflections = rgb and bool(self.quality.reflections)
        req.skybox = rgb
        req.haze = False
        frame = self._ctx.render([req], [read])
        self._ctx.wait_for_frame(frame)
        return buf

    def rgb(self, data: mujoco.MjData, cam_id: int, size: tuple[int, int] | None = None) -> np.ndarray:
        """(H, W, 3) uint8 sRGB image (tone-mapped) from camera ``cam_id``, FXAA applied when
        configured (the same numpy pass as the classic engine's); ``size`` (H, W) [px]."""
        img = self._draw(data, cam_id, "rgb", size)
        return fxaa(img) if self.quality.fxaa else img.copy()

    def depth(self, data: mujoco.MjData, cam_id: int, size: tuple[int, int] | None = None) -> np.ndarray:
        """(H, W) float32 z-depth [m] along the optical axis; ``self.far`` where nothing is drawn.

        Filament writes reversed-Z depth d in [0, 1] (1 at the near plane, 0 at the far plane):
        z = near * far / (near + d (far - near)).
        """
        d = self._draw(data, cam_id, "depth", size).astype(np.float64)
        z = self.near * self.far / (self.near + d * (self.far - self.near))
        return z.astype(np.float32)

    def rgbd(self, data: mujoco.MjData, cam_id: int, size: tuple[int, int] | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
        """RGB (H, W, 3) uint8 and z-depth (H, W) float32 [m] of the same state and camera."""
        return self.rgb(data, cam_id, size), self.depth(data, cam_id, size)

    def segmentation(self, data: mujoco.MjData, cam_id: int, size: tuple[int, int] | None = None) -> np.ndarray:
        """(H, W) int32 id of the geom seen at each pixel; -1 for background (sky).

        Filament writes geom id + 1 as a 24-bit little-endian number in RGB (0: nothing drawn).
        """
        px = self._draw(data, cam_id, "seg", size).astype(np.int32)
        return px[..., 0] + (px[..., 1] << 8) + (px[..., 2] << 16) - 1

    def close(self) -> None:
        """Destroy this rig's Filament objects, then its context (dependents first)."""
        if getattr(self, "_ctx", None) is None:  # closed, or its __init__ failed before the context
            return
        self._targets.clear()
        for name in ("_renderables", "_lights", "_scene", "_resources", "_ctx"):
            setattr(self, name, None)  # the last reference: destroyed here, in this order

    def __del__(self):
        self.close()
