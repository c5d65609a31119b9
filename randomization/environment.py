"""Image-based-lighting environment maps: procedural skies and rooms from seeds, or the user's .hdr files.

An :class:`EnvironmentMap` holds six cube faces of LINEAR radiance (relative
units: a clear sky's zenith is about 1) in the world frame, +Z up.

Cube-face convention (the OpenGL / glTF cube-map layout, faces in the order
``GL_TEXTURE_CUBE_MAP_POSITIVE_X + i``, which is also MuJoCo's cube-texture
order Right, Left, Up, Down, Front, Back = +X, -X, +Y, -Y, +Z, -Z): with
a = 2 (col + 0.5) / size - 1 and b = 2 (row + 0.5) / size - 1, texel (row, col)
of face f looks along the (unnormalised) direction

    +X: ( 1, -b, -a)     -X: (-1, -b,  a)
    +Y: ( a,  1,  b)     -Y: ( a, -1, -b)
    +Z: ( a, -b,  1)     -Z: (-a, -b, -1)

so row 0 is the texture's t = 0 row as ``glTexImage2D`` receives it. The
directions are world directions with +Z up: the sky is on face +Z (index 4).
MuJoCo draws a *skybox* rotated by 90 deg about +X (its docs: "we render the
skybox rotated"), so a renderer that uses these faces as MuJoCo's skybox must
apply that rotation; as a ``cube`` texture on objects they apply directly.

Equirectangular images (``load_environment``): column c, row r of a W x H
image look along azimuth phi = pi - 2 pi (c + 0.5) / W (the centre column looks
along +X, a quarter to its right along -Y: a panorama seen from inside, not
mirrored) and elevation theta = pi / 2 - pi (r + 0.5) / H (row 0 = zenith).
"""

from __future__ import annotations

import functools
import os
import zlib
from dataclasses import dataclass

import numpy as np

from ..core.errors import AssetError
from .hdr import read_hdr
from .pbr_noise import fbm, kelvin_rgb, linear_to_srgb, luminance, smoothstep

ENVIRONMENT_KINDS: tuple[str, ...] = ("sky", "room")
ENVIRONMENT_SUFFIXES: tuple[str, ...] = (".hdr", ".exr")


@dataclass(frozen=True)
class EnvironmentMap:
    """Cube-mapped linear radiance and its dominant light.

    faces: (6, size, size, 3) float32 linear RGB radiance, faces +X, -X, +Y, -Y, +Z, -Z
        (texel directions in the module docstring; world frame, +Z up).
    sun_dir: (3,) unit vector from the viewer toward the dominant light, or None when
        no light stands out (the brightest region holds under 2% of the power).
    sun_rgb: (3,) linear RGB irradiance the dominant light delivers at normal incidence
        (its radiance integrated over its solid angle [radiance units x sr]).
    sun_share: the dominant light's fraction of the map's total radiant power
        (luminance integrated over the sphere), in [0, 1].
    """

    faces: np.ndarray
    sun_dir: np.ndarray | None
    sun_rgb: np.ndarray
    sun_share: float

    @property
    def size(self) -> int:
        return int(self.faces.shape[1])

    @property
    def mean_radiance(self) -> float:
        """Solid-angle-weighted mean luminance over the sphere (Rec. 709, linear)."""
        return mean_radiance(self)


# ---------------------------------------------------------------- cube geometry
@functools.lru_cache(maxsize=16)
def cube_directions(size: int) -> tuple[np.ndarray, np.ndarray]:
    """(6, size, size, 3) float32 unit directions of the texel centres and (6, size, size) solid angles [sr]."""
    t = (np.arange(size, dtype=np.float32) + 0.5) / size * 2 - 1
    a, b = np.meshgrid(t, t)  # a along columns, b down rows
    one = np.ones_like(a)
    d = np.stack([np.stack(x, -1) for x in ((one, -b, -a), (-one, -b, a), (a, one, b), (a, -one, -b),
                                            (a, -b, one), (-a, -b, -one))])
    r2 = 1 + a * a + b * b
    d /= np.sqrt(r2)[None, ..., None]
    omega = np.broadcast_to((2.0 / size) ** 2 / r2 ** 1.5, (6, size, size)).astype(np.float32)
    d.setflags(write=False)
    return d.astype(np.float32), omega


def direction_to_texel(d: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse of the face convention: directions (..., 3) -> (face, row, col) int arrays."""
    d = np.asarray(d, np.float64)
    ax = np.argmax(np.abs(d), -1)
    m = np.take_along_axis(np.abs(d), ax[..., None], -1)[..., 0]
    x, y, z = d[..., 0] / m, d[..., 1] / m, d[..., 2] / m
    neg = np.take_along_axis(d, ax[..., None], -1)[..., 0] < 0
    face = 2 * ax + neg
    a = np.select([face == 0, face == 1, face == 2, face == 3, face == 4], [-z, z, x, x, x], -x)
    b = np.select([face == 0, face == 1, face == 2, face == 3, face == 4], [-y, -y, z, -z, -y], -y)
    col = np.clip(((a + 1) / 2 * size).astype(np.int64), 0, size - 1)
    row = np.clip(((b + 1) / 2 * size).astype(np.int64), 0, size - 1)
    return face, row, col


def mean_radiance(env: EnvironmentMap) -> float:
    """Solid-angle-weighted mean luminance of ``env`` over the sphere (Rec. 709, linear)."""
    _, omega = cube_directions(env.size)
    return float((luminance(env.faces) * omega).sum() / (4 * np.pi))


def to_ldr(env: EnvironmentMap, exposure: float | None = None) -> np.ndarray:
    """(6, size, size, 3) uint8 sRGB faces: radiance x ``exposure``, clipped to [0, 1], sRGB-encoded.

    ``exposure`` None picks 0.18 / (median texel luminance): the typical surface lands on mid grey
    while lamps, windows and the sun saturate, as a camera's auto-exposure would have it.
    """
    if exposure is None:
        exposure = 0.18 / max(float(np.median(luminance(env.faces))), 1e-9)
    return np.round(linear_to_srgb(env.faces * np.float32(exposure)) * 255).astype(np.uint8)


def dominant_light(faces: np.ndarray, cone_deg: float = 20.0) -> tuple[np.ndarray | None, np.ndarray, float]:
    """(sun_dir, sun_rgb, sun_share) of cube faces: the region within ``cone_deg`` of the brightest
    texel whose luminance is over a tenth of the peak; see :class:`EnvironmentMap`."""
    size = faces.shape[1]
    d, omega = cube_directions(size)
    lum = luminance(faces)
    power = lum * omega
    total = float(power.sum())
    peak = np.unravel_index(int(np.argmax(lum)), lum.shape)
    region = (lum >= 0.1 * lum[peak]) & (d @ d[peak] >= np.cos(np.radians(cone_deg)))
    share = float(power[region].sum() / max(total, 1e-12))
    rgb = (faces[region] * omega[region][:, None]).sum(0).astype(np.float32)
    if share < 0.02:
        return None, rgb, share
    v = (d[region] * power[region][:, None]).sum(0)
    return (v / np.linalg.norm(v)).astype(np.float32), rgb, share


def _env(faces: np.ndarray) -> EnvironmentMap:
    faces = np.ascontiguousarray(faces, np.float32)
    sun_dir, rgb, share = dominant_light(faces)
    return EnvironmentMap(faces, sun_dir, rgb, share)


# ---------------------------------------------------------------- procedural skies and rooms
def _rng(kind: str, seed: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([zlib.crc32(b"env:" + kind.encode()), int(seed)]))


def _unit(az: float, el: float) -> np.ndarray:
    return np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], np.float32)


def _sample_wrapped(img: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear lookup in a periodic (n, n) image at continuous texel coordinates."""
    n = img.shape[0]
    x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    fx, fy = (x - x0).astype(np.float32), (y - y0).astype(np.float32)
    x0, y0, x1, y1 = x0 % n, y0 % n, (x0 + 1) % n, (y0 + 1) % n
    top = img[y0, x0] * (1 - fx) + img[y0, x1] * fx
    return top * (1 - fy) + (img[y1, x0] * (1 - fx) + img[y1, x1] * fx) * fy


def _sky(rng: np.random.Generator, size: int) -> np.ndarray:
    d, _ = cube_directions(size)
    z = d[..., 2]
    el, az = np.radians(rng.uniform(8, 65)), rng.uniform(-np.pi, np.pi)
    sun = _unit(az, el)
    kelvin = np.interp(np.degrees(el), [8, 40], [3800, 5800]) + rng.uniform(-300, 300)
    sun_c = kelvin_rgb(kelvin)
    cover = rng.uniform(0.0, 0.7)
    zen = np.float32([0.30, 0.48, 1.0]) * np.float32(rng.uniform(0.8, 1.1))  # scattered skylight, ~12000 K
    hor = np.float32([0.85, 0.92, 1.0]) * np.float32(rng.uniform(1.6, 2.0)) * (0.6 + 0.4 * kelvin_rgb(kelvin + 1500))
    up = np.clip(z, 0, 1)
    sky = zen + (hor - zen) * ((1 - up) ** 4)[..., None]
    cos_s = np.clip(d @ sun, -1, 1)
    ang = np.arccos(cos_s)
    glow = 3.0 * np.exp(-ang / 0.12) + 0.8 * np.exp(-ang / 0.6)
    sky = sky + (glow[..., None] * sun_c) * np.float32(1 - 0.7 * cover)
    # clouds: a periodic noise sheet seen in perspective, fading toward the horizon
    sheet = fbm(rng, 256, 4, 5, gain=0.55)
    scale = rng.uniform(40, 90)
    zz = np.maximum(z, 0.02)
    c = _sample_wrapped(sheet, d[..., 0] / (zz + 0.1) * scale, d[..., 1] / (zz + 0.1) * scale)
    dens = smoothstep(1.2 - 2.4 * cover, 1.8 - 2.4 * cover, c) * smoothstep(0.0, 0.15, z)
    cloud_c = (0.9 + 0.1 * c[..., None]) * (1.4 + 0.6 * cover) * (0.7 + 0.3 * sun_c) + glow[..., None] * 0.3 * sun_c
    cloud_c = cloud_c * np.float32(1 - 0.45 * cover)
    sky = sky + (cloud_c - sky) * dens[..., None]
    # the sun: a small Gaussian disc (wider than a texel so the cube resolves it)
    sigma = max(0.012, 2.5 / size)
    e_sun = rng.uniform(25, 45) * (1 - 0.9 * cover ** 1.5) * np.sin(el) ** 0.3
    sky = sky + (e_sun / (2 * np.pi * sigma ** 2) * np.exp(-ang ** 2 / (2 * sigma ** 2)))[..., None] * sun_c
    # ground: diffuse albedo lit by sun and sky, hazing into the horizon colour
    ground_alb = np.float32([[0.10, 0.12, 0.05], [0.16, 0.13, 0.09], [0.09, 0.09, 0.09], [0.20, 0.18, 0.14]][
        int(rng.integers(4))])
    e = (e_sun * np.sin(el) * sun_c + np.pi * 0.5 * (zen + hor)) / np.pi
    gz = np.abs(z) + 0.05  # ground texture: the noise sheet projected onto the ground plane
    ground = ground_alb * e * (1 + 0.25 * _sample_wrapped(sheet, d[..., 0] / gz * 30, d[..., 1] / gz * 30))[..., None]
    haze = np.exp(-np.clip(-z, 0, 1) * 12)[..., None]
    ground = ground + (hor * 0.8 - ground) * haze
    return np.where((z >= 0)[..., None], sky, ground)


WALLS = ((0.80, 0.78, 0.74), (0.70, 0.70, 0.70), (0.62, 0.66, 0.68), (0.72, 0.66, 0.58), (0.55, 0.58, 0.52))
FLOORS = ((0.30, 0.20, 0.12), (0.20, 0.20, 0.20), (0.45, 0.35, 0.25), (0.55, 0.55, 0.53), (0.12, 0.10, 0.09))


def _room(rng: np.random.Generator, size: int) -> np.ndarray:
    d, _ = cube_directions(size)
    w, dep, h = rng.uniform(3, 8), rng.uniform(3, 8), rng.uniform(2.5, 3.4)
    eye = np.float32([rng.uniform(-0.25, 0.25) * w, rng.uniform(-0.25, 0.25) * dep, rng.uniform(1.0, 1.6)])
    lo, hi = np.float32([-w / 2, -dep / 2, 0]), np.float32([w / 2, dep / 2, h])
    with np.errstate(divide="ignore", invalid="ignore"):
        t_axes = np.where(d > 0, (hi - eye) / d, np.where(d < 0, (lo - eye) / d, np.inf))
    axis = np.argmin(t_axes, -1)
    t = np.min(t_axes, -1)
    p = eye + d * t[..., None]
    wall_srgb = np.asarray(WALLS[int(rng.integers(len(WALLS)))], np.float32) * np.float32(rng.uniform(0.9, 1.05))
    floor_srgb = np.asarray(FLOORS[int(rng.integers(len(FLOORS)))], np.float32)
    albedo = np.where((axis == 2)[..., None], np.where((d[..., 2] > 0)[..., None], np.float32(0.8),
                                                       floor_srgb ** 2.2), wall_srgb ** 2.2)
    normal = np.zeros_like(d)
    np.put_along_axis(normal, axis[..., None], -np.sign(np.take_along_axis(d, axis[..., None], -1)), -1)
    # ceiling panels: a grid of rectangles at z = h, facing down
    kelvin = rng.choice([2700, 3000, 3500, 4000, 5000, 6500]) + rng.uniform(-150, 150)
    panel_c = kelvin_rgb(kelvin) * np.float32(rng.uniform(25, 60))
    nx, ny = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    pw, pd = rng.uniform(0.3, 0.6), rng.uniform(0.3, 1.2)
    centres = [(w * (i + 0.5) / nx - w / 2, dep * (j + 0.5) / ny - dep / 2) for i in range(nx) for j in range(ny)]
    radiance = np.zeros_like(d)
    irr = np.zeros_like(d)
    on_ceiling = (axis == 2) & (d[..., 2] > 0)
    for cx, cy in centres:
        inside = on_ceiling & (np.abs(p[..., 0] - cx) < pw / 2) & (np.abs(p[..., 1] - cy) < pd / 2)
        radiance = np.where(inside[..., None], panel_c, radiance)
        to_l = np.float32([cx, cy, h - 0.01]) - p
        r2 = np.maximum((to_l * to_l).sum(-1), 0.05)
        cos_s = np.clip((normal * to_l).sum(-1) / np.sqrt(r2), 0, 1)
        cos_l = np.clip(to_l[..., 2] / np.sqrt(r2), 0, 1)  # the panel faces down
        irr += (pw * pd * cos_s * cos_l / r2)[..., None] * panel_c
    # a window of daylight on one wall (3/5 of rooms)
    if rng.random() < 0.6:
        wall = int(rng.integers(4))
        ax, sgn = wall // 2, (1, -1)[wall % 2]
        along = 1 - ax
        half = (w, dep)[along] / 2
        wc, ww = rng.uniform(-0.4, 0.4) * half, rng.uniform(0.25, 0.45) * half * 2
        z0, z1 = rng.uniform(0.8, 1.0), rng.uniform(2.0, h - 0.2)
        day = kelvin_rgb(rng.uniform(5500, 7500)) * np.float32(rng.uniform(60, 150))
        win = (axis == ax) & (np.sign(d[..., ax]) == sgn) & (np.abs(p[..., along] - wc) < ww / 2) & \
            (p[..., 2] > z0) & (p[..., 2] < z1)
        radiance = np.where(win[..., None], day, radiance)
        wpos = np.zeros(3, np.float32)
        wpos[ax], wpos[along], wpos[2] = sgn * (w, dep)[ax] / 2 * 0.999, wc, 0.5 * (z0 + z1)
        to_l = wpos - p
        r2 = np.maximum((to_l * to_l).sum(-1), 0.05)
        cos_s = np.clip((normal * to_l).sum(-1) / np.sqrt(r2), 0, 1)
        cos_l = np.clip(-sgn * to_l[..., ax] / np.sqrt(r2), 0, 1)
        irr += (ww * (z1 - z0) * cos_s * cos_l / r2)[..., None] * day
    ambient = irr.reshape(-1, 3).mean(0) * 0.35  # interreflections, roughly
    shade = albedo * (irr + ambient) / np.pi
    return np.where((radiance > 0).any(-1, keepdims=True), radiance, shade)


def procedural_environment(kind: str, seed: int, size: int) -> EnvironmentMap:
    """A seeded environment of ``kind`` "sky" (daylight: sun 3500-6100 K, blue sky, clouds, ground)
    or "room" (walls, floor, ceiling light panels at 2700-6500 K, maybe a daylight window).

    Deterministic per (kind, seed, size); ``size`` is the cube-face side [px], >= 8.
    """
    if kind not in ENVIRONMENT_KINDS:
        raise ValueError(f"unknown environment kind {kind!r}; choose one of {', '.join(ENVIRONMENT_KINDS)}")
    if int(size) < 8:
        raise ValueError(f"environment face size must be at least 8 px, got {size}")
    rng = _rng(kind, seed)
    return _env((_sky if kind == "sky" else _room)(rng, int(size)))


# ---------------------------------------------------------------- user files
def equirect_to_cube(img: np.ndarray, size: int) -> np.ndarray:
    """(H, W, 3) equirectangular radiance -> (6, size, size, 3) cube faces (bilinear, box-prefiltered)."""
    h, w = img.shape[:2]
    k = max(1, min(h // (2 * size), w // (4 * size)))
    if k > 1:  # box-filter down to about 4 texels per cube texel width, so small cubes do not alias
        img = img[:h // k * k, :w // k * k].reshape(h // k, k, w // k, k, 3).mean((1, 3))
        h, w = img.shape[:2]
    d, _ = cube_directions(size)
    phi = np.arctan2(d[..., 1], d[..., 0])
    theta = np.arcsin(np.clip(d[..., 2], -1, 1))
    x = (np.pi - phi) / (2 * np.pi) * w - 0.5
    y = np.clip((np.pi / 2 - theta) / np.pi * h - 0.5, 0, h - 1)
    x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    fx, fy = (x - x0)[..., None], (y - y0)[..., None]
    y1 = np.minimum(y0 + 1, h - 1)
    x1 = (x0 + 1) % w
    x0 %= w
    top = img[y0, x0] * (1 - fx) + img[y0, x1] * fx
    return (top * (1 - fy) + (img[y1, x0] * (1 - fx) + img[y1, x1] * fx) * fy).astype(np.float32)


def load_environment(path: str, size: int) -> EnvironmentMap:
    """An environment from an equirectangular Radiance ``.hdr`` file, resampled to cube faces of ``size`` px.

    ``.exr`` files need an EXR reader, which syngrasp does not ship: they raise an
    :class:`AssetError` naming the file and the fix (convert to .hdr). Unreadable
    or malformed files raise :class:`AssetError` naming the file.
    """
    ext = os.path.splitext(path)[1].lower()
    if ext == ".exr":
        raise AssetError(f"{path}: OpenEXR files are not supported (no EXR reader is installed); convert it to a "
                         f"Radiance .hdr file, e.g. `oiiotool {path} -o out.hdr` or Blender's Save As .hdr")
    if ext != ".hdr":
        raise AssetError(f"{path}: not an environment map (expected a .hdr file)")
    img = read_hdr(path)
    if img.shape[1] != 2 * img.shape[0]:
        raise AssetError(f"{path}: {img.shape[1]} x {img.shape[0]} px is not equirectangular (width must be twice "
                         "the height); export a lat-long / equirectangular panorama")
    if not np.isfinite(img).all() or (img < 0).any():
        raise AssetError(f"{path}: radiance values are negative or not finite; re-export the file")
    return _env(equirect_to_cube(img, int(size)))


def environment_files(folder: str) -> list[str]:
    """The .hdr and .exr files directly in ``folder``, sorted by name; AssetError if none or no folder."""
    if not os.path.isdir(folder):
        raise AssetError(f"{folder}: environment-map folder does not exist")
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder)
                   if os.path.splitext(f)[1].lower() in ENVIRONMENT_SUFFIXES)
    if not files:
        raise AssetError(f"{folder}: no .hdr or .exr environment maps in this folder")
    return files
