"""Apply a CameraEffectsSpec to rendered RGB frames: optics blur, vignetting, exposure, white balance, noise.

Images are (H, W, 3) uint8 sRGB. Processing happens in linear light, in float32: an sRGB
decode through a 256-entry table, then, in the order light meets a camera,
defocus / motion blur (optics) -> vignetting -> exposure and white balance -> shot and read
noise -> quantisation back to 8-bit sRGB through a 4096-entry table indexed by sqrt(linear)
(fine steps in the shadows, where sRGB is steep). Pixel sizes in a spec are stated at 256x256
and scale with the image's geometric-mean side ``sqrt(H*W)/256``; so do the noise levels, as
for a sensor read out at a different resolution (``full_well`` per pixel falls with pixel area).

Deterministic: frame ``k`` of a camera draws its noise from
``SeedSequence([spec.noise_seed, k])``, whatever order frames are processed in.
"""

from __future__ import annotations

import functools
import threading

import numpy as np
from scipy.special import ndtri

from ..core.scene import CameraEffectsSpec

_S = 4095.0  # working unit: linear light * _S**2, so that sqrt(value) is the encode-table index directly
_DN_PER_LINEAR_IN_BLACKS = 255.0 * 12.92  # slope of 8-bit sRGB at black


def srgb_to_linear(v: np.ndarray) -> np.ndarray:
    """sRGB-encoded values in [0, 1] -> linear light in [0, 1] (IEC 61966-2-1), float64."""
    v = np.asarray(v, dtype=np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v: np.ndarray) -> np.ndarray:
    """Linear light in [0, 1] -> sRGB-encoded values in [0, 1] (IEC 61966-2-1), float64; clips to [0, 1]."""
    v = np.clip(np.asarray(v, dtype=np.float64), 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


_DECODE = (srgb_to_linear(np.arange(256) / 255.0) * _S**2).astype(np.float32)  # uint8 -> working units
_ENCODE = np.rint(linear_to_srgb((np.arange(4096) / _S) ** 2) * 255.0).astype(np.uint8)  # sqrt index -> uint8


def _normal_pairs() -> np.ndarray:
    """(65536, 2) float32: a 16-bit random word -> two standard-normal deviates, 8 bits each.

    Each byte picks one of 256 equal-probability standard-normal quantiles (tails cut at 2.9 sigma,
    rescaled to unit variance); a table look-up is several times cheaper than drawing normals.
    """
    q = ndtri((np.arange(256) + 0.5) / 256.0)
    q = q / q.std()
    i = np.arange(65536)
    return np.stack([q[i & 255], q[i >> 8]], axis=1).astype(np.float32)


_NORMAL_PAIRS = _normal_pairs()


class _Workspace:
    """Reusable float32 and int32 buffers for one image shape: fresh large arrays cost page faults per frame."""

    def __init__(self, shape: tuple[int, int, int]):
        self.shape = shape
        n = int(np.prod(shape))
        self.a = np.empty(shape, np.float32)
        self.b = np.empty(shape, np.float32)
        self.t = np.empty(shape, np.float32)
        self.i = np.empty(shape, np.int32)
        self.z = np.empty(2 * ((n + 1) // 2), np.float32)
        self.padded: dict = {}  # edge-padded copies by (ry, rx), and named scratch buffers

    def buffer(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A float32 scratch array of ``shape`` kept under ``name``."""
        b = self.padded.get(name)
        if b is None or b.shape != shape:
            b = self.padded[name] = np.empty(shape, np.float32)
        return b

    def pad(self, ry: int, rx: int) -> np.ndarray:
        h, w, c = self.shape
        if (ry, rx) not in self.padded:
            self.padded[(ry, rx)] = np.empty((h + 2 * ry, w + 2 * rx, c), np.float32)
        return self.padded[(ry, rx)]


_local = threading.local()


def _workspace(shape: tuple[int, int, int]) -> _Workspace:
    cache = getattr(_local, "workspaces", None)
    if cache is None or len(cache) > 4:
        cache = _local.workspaces = {}
    if shape not in cache:
        cache[shape] = _Workspace(shape)
    return cache[shape]


def _edge_padded(ws: _Workspace, x: np.ndarray, ry: int, rx: int) -> np.ndarray:
    """``x`` padded by ry rows and rx columns of its edge values, in a reused buffer."""
    h, w = x.shape[:2]
    p = ws.pad(ry, rx)
    p[ry:ry + h, rx:rx + w] = x
    if ry:
        p[:ry, rx:rx + w] = x[:1]
        p[ry + h:, rx:rx + w] = x[-1:]
    if rx:
        p[:, :rx] = p[:, rx:rx + 1]
        p[:, rx + w:] = p[:, rx + w - 1:rx + w]
    return p


def _pixel_scale(h: int, w: int) -> float:
    return float(np.sqrt(h * w)) / 256.0


@functools.lru_cache(maxsize=32)
def _gain(h: int, w: int, vignetting: float, exposure_ev: float, wb_gains: tuple[float, float, float]):
    """Per-pixel linear gain, (H, W, 3) float32 (a full field: numpy broadcasts a (3,) vector slowly);
    None when it is 1 everywhere."""
    g = np.asarray(wb_gains, dtype=np.float64) * 2.0**exposure_ev
    if vignetting == 0.0 and np.all(g == 1.0):
        return None
    # cos^4 law of a pinhole: 1 / (1 + k r^2)^2 with r = 1 at the corner pixel centres, k set so that the
    # corners keep (1 - vignetting) of the centre's light.
    k = (1.0 - vignetting) ** -0.5 - 1.0
    y = (np.arange(h) - (h - 1) / 2.0) ** 2
    x = (np.arange(w) - (w - 1) / 2.0) ** 2
    r2 = (y[:, None] + x[None, :]) / max(y.max() + x.max(), 1e-12)
    field = 1.0 / (1.0 + k * r2) ** 2
    out = (field[:, :, None] * g).astype(np.float32)
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=32)
def _gaussian_taps(sigma_px: float) -> np.ndarray:
    """Half of a normalised symmetric Gaussian kernel: taps (w0, w1, ..., wr), radius r = ceil(2.5 sigma)."""
    r = max(1, int(np.ceil(2.5 * sigma_px)))
    w = np.exp(-0.5 * (np.arange(r + 1) / sigma_px) ** 2)
    return (w / (w[0] + 2.0 * w[1:].sum())).astype(np.float32)


def _blur_axis(ws: _Workspace, src: np.ndarray, dst: np.ndarray, taps: np.ndarray, axis: int) -> None:
    """dst = symmetric 1-D convolution of (H, W, 3) ``src`` along ``axis`` (0 rows, 1 columns), edges clamped.

    Works on the flattened edge-padded image, where a neighbour along ``axis`` is a fixed flat offset
    (a row, or a pixel), so every step is one contiguous ufunc call. Along columns the flat run also crosses
    the padding between rows; those outputs are dropped, and the kept ones read only their own row.
    """
    r = len(taps) - 1
    h, w, c = src.shape
    p = _edge_padded(ws, src, r, 0) if axis == 0 else _edge_padded(ws, src, 0, r)
    pf = p.reshape(-1)
    step = w * c if axis == 0 else c
    n = pf.size - 2 * r * step
    acc = dst if axis == 0 else ws.buffer("blur_acc", p.shape)
    af = acc.reshape(-1)[: n] if axis == 0 else acc.reshape(-1)[r * step:r * step + n]
    tmp = ws.buffer("blur_tmp", (pf.size,)).reshape(-1)[:n]
    np.multiply(pf[r * step:r * step + n], taps[0], out=af)
    for k in range(1, r + 1):
        np.add(pf[(r - k) * step:(r - k) * step + n], pf[(r + k) * step:(r + k) * step + n], out=tmp)
        tmp *= taps[k]
        af += tmp
    if axis == 1:
        dst[...] = acc[:, r:r + w]


@functools.lru_cache(maxsize=32)
def _streak_taps(length_px: float, angle_deg: float) -> tuple[int, tuple[tuple[int, int, float], ...]]:
    """A straight streak as (radius, ((dy, dx, weight), ...)): samples every <= 0.5 px, splatted bilinearly."""
    n = max(2, int(np.ceil(2.0 * length_px)) + 1)
    t = np.linspace(-length_px / 2.0, length_px / 2.0, n)
    a = np.deg2rad(angle_deg)
    xs, ys = t * np.cos(a), -t * np.sin(a)  # image rows grow downwards
    r = int(np.ceil(length_px / 2.0)) + 1
    k = np.zeros((2 * r + 1, 2 * r + 1))
    for yy, xx in zip(ys + r, xs + r):
        y0, x0 = int(np.floor(yy)), int(np.floor(xx))
        fy, fx = yy - y0, xx - x0
        k[y0, x0] += (1 - fy) * (1 - fx)
        k[y0, x0 + 1] += (1 - fy) * fx
        k[y0 + 1, x0] += fy * (1 - fx)
        k[y0 + 1, x0 + 1] += fy * fx
    k /= k.sum()
    taps = tuple((int(dy) - r, int(dx) - r, float(k[dy, dx])) for dy, dx in zip(*np.nonzero(k > 1e-4)))
    return r, taps


def _motion_blur(ws: _Workspace, src: np.ndarray, dst: np.ndarray, length_px: float, angle_deg: float) -> None:
    """dst = ``src`` smeared along a straight streak (edges clamped)."""
    r, taps = _streak_taps(round(length_px, 3), round(angle_deg, 2))
    h, w = src.shape[:2]
    p = _edge_padded(ws, src, r, r)
    dst[...] = 0.0
    for dy, dx, wt in taps:
        np.multiply(p[r + dy:r + dy + h, r + dx:r + dx + w], np.float32(wt), out=ws.t)
        dst += ws.t


def apply_camera_effects(img: np.ndarray, fx: CameraEffectsSpec, frame_index: int) -> np.ndarray:
    """Camera-effected copy of one rendered frame.

    Args:
        img: (H, W, 3) uint8 sRGB frame.
        fx: the camera's spec for this episode.
        frame_index: the frame's index in the episode; seeds this frame's noise together with ``fx.noise_seed``.

    Returns:
        A new (H, W, 3) uint8 sRGB array; an identity spec returns ``img`` itself (no copy).
        Thread-safe: each thread reuses its own work buffers.
    """
    if fx.is_identity:
        return img
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"apply_camera_effects takes an (H, W, 3) uint8 sRGB image, got {img.dtype} {img.shape}")
    h, w = img.shape[:2]
    scale = _pixel_scale(h, w)
    ws = _workspace(img.shape)
    x, spare = ws.a, ws.b
    np.take(_DECODE, img, out=x, mode="wrap")
    if fx.defocus_sigma > 0.0:
        taps = _gaussian_taps(round(fx.defocus_sigma * scale, 4))
        _blur_axis(ws, x, spare, taps, 0)
        _blur_axis(ws, spare, x, taps, 1)
    if fx.motion_length > 0.0:
        _motion_blur(ws, x, spare, fx.motion_length * scale, fx.motion_angle_deg)
        x, spare = spare, x
    g = _gain(h, w, fx.vignetting, fx.exposure_ev, tuple(fx.wb_gains))
    if g is not None:
        x *= g
    if fx.full_well > 0.0 or fx.read_noise_dn > 0.0:
        _add_noise(ws, x, fx, frame_index, scale)
        np.maximum(x, 0.0, out=x)
    np.sqrt(x, out=x)  # the encode table's index, since working units are linear * 4095^2
    x += 0.5
    np.copyto(ws.i, x, casting="unsafe")
    out = np.empty(img.shape, np.uint8)
    np.take(_ENCODE, ws.i, out=out, mode="clip")
    return out


def _add_noise(ws: _Workspace, x: np.ndarray, fx: CameraEffectsSpec, frame_index: int, scale: float) -> None:
    """Add shot and read noise to ``x`` (working units) in place, drawn from (fx.noise_seed, frame_index).

    Variance in working units (linear * S^2): shot S^2 x / full_well_px + read (S^2 sigma_read)^2, where a
    pixel's full well shrinks with its area (``full_well / scale^2``) and read noise in DN grows with
    ``scale`` (fewer native pixels averaged per output pixel).
    """
    n = x.size
    bits = np.random.default_rng(np.random.SeedSequence([fx.noise_seed, frame_index])).bit_generator
    words = bits.random_raw((n + 7) // 8).view(np.uint16)[: len(ws.z) // 2]
    np.take(_NORMAL_PAIRS, words, axis=0, out=ws.z.reshape(-1, 2), mode="wrap")
    z = ws.z[:n].reshape(x.shape)
    read = np.float32(fx.read_noise_dn * scale / _DN_PER_LINEAR_IN_BLACKS * _S**2)
    if fx.full_well > 0.0:
        std = ws.t
        np.multiply(x, np.float32(_S**2 * scale**2 / fx.full_well), out=std)  # x >= 0: blur weights, gains > 0
        std += read * read
        np.sqrt(std, out=std)
        std *= z
        x += std
    else:
        z *= read
        x += z
