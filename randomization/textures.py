"""Procedural textures from seeds (numpy only), plus image files from a folder.

A texture is plain data, ``TextureSpec(family, seed)``; ``texture_image(spec,
size)`` turns it into ``size`` x ``size`` pixels deterministically, so
libraries of thousands of distinct textures need no files, and the renderer
chooses the resolution. Library ids map to (family, seed): id i of a library
uses family ``families[i % len(families)]`` and seed ``base + i``.

Patterns are anti-aliased where they have hard edges (checker, stripes,
tiles): each texel holds the pattern box-filtered over its footprint, so an
edge is a one-texel ramp instead of a staircase, and MuJoCo's mipmaps (built
from these texels) stay clean when the surface is minified. Checker, stripes
and tiles tile seamlessly, because surfaces repeat their texture. Smooth
families (marble, wood, gradient) are computed at up to 256 px and resized
with a bicubic filter: they hold no detail finer than that.
"""

from __future__ import annotations

import functools

import numpy as np
from PIL import Image

from ..assets.meshes import load_image
from .config import TEXTURE_FAMILIES, TexturesConfig, image_files
from .pbr_files import texture_maps
from ..core.scene import TextureSpec

TABLE_SEED_BASE = 0
BACKGROUND_SEED_BASE = 1_000_000
SMOOTH_MAX = 256  # px: smooth families are computed at most at this size, then resized


def sample_texture(cfg: TexturesConfig, library: str, rng: np.random.Generator) -> TextureSpec | None:
    """Draw a texture id from the ``library`` ("table" or "background"); None when disabled."""
    if not cfg.enabled:
        return None
    if cfg.folder is not None and rng.random() < cfg.folder_prob:
        files = image_files(cfg.folder)
        i = int(rng.integers(len(files)))
        return TextureSpec("file", i, files[i])
    n, base = (cfg.table_library, TABLE_SEED_BASE) if library == "table" else (cfg.background_library, BACKGROUND_SEED_BASE)
    i = int(rng.integers(n))
    return TextureSpec(cfg.families[i % len(cfg.families)], base + i)


def _colors(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform(0.05, 0.95, (n, 3)).astype(np.float32)


def _texel_centres(size: int) -> np.ndarray:
    """(size,) texel-centre coordinates in [0, 1)."""
    return ((np.arange(size) + 0.5) / size).astype(np.float32)


def _square_wave(x: np.ndarray, width: float) -> np.ndarray:
    """Box-filtered square wave: +1 on even cells, -1 on odd cells of ``x`` [cells], with
    edges ramped over a filter ``width`` [cells] (one texel's footprint)."""
    k = np.floor(x)
    f = x - k
    sign = 1.0 - 2.0 * (k % 2)
    return sign * np.clip(np.minimum(f, 1.0 - f) / (0.5 * width), 0.0, 1.0)


def _noise(rng: np.random.Generator, size: int, octaves: int = 4) -> np.ndarray:
    """Value noise in [0, 1], (size, size) float32."""
    out = np.zeros((size, size), np.float32)
    amp, total = 1.0, 0.0
    t0 = np.arange(size, dtype=np.float32) / size
    for o in range(octaves):
        cells = 2 ** (o + 2)
        grid = rng.random((cells + 1, cells + 1)).astype(np.float32)
        t = t0 * cells
        i = t.astype(int)
        f = t - i
        f = f * f * (3 - 2 * f)
        rows = grid[i] * (1 - f)[:, None] + grid[i + 1] * f[:, None]  # (size, cells + 1)
        out += amp * (rows[:, i] * (1 - f)[None, :] + rows[:, i + 1] * f[None, :])
        total += amp
        amp *= 0.5
    return out / total


def _uv(size: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(size, dtype=np.float32) / size
    return np.meshgrid(t, t)


def _mix(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """a * t + b * (1 - t) for colours (3,) and a weight map (H, W) -> (H, W, 3)."""
    return b + (a - b) * t[..., None]


def _checker(rng, size):
    c = _colors(rng, 2)
    n = 2 * int(rng.integers(1, 7))  # even cell count: seamless when repeated
    x = _texel_centres(size) * n
    sx = _square_wave(x, n / size)
    s = np.outer(sx, sx)  # box filter of a separable pattern = product of the filtered factors
    return _mix(c[0], c[1], 0.5 + 0.5 * s)


def _stripes(rng, size):
    k = int(rng.integers(2, 4))
    c = _colors(rng, k)
    a, b = int(rng.integers(0, 8)), int(rng.integers(1, 8)) * int(rng.choice([-1, 1]))
    if rng.random() < 0.5:
        a, b = b, a
    u, v = np.meshgrid(_texel_centres(size), _texel_centres(size))
    phase = (a * u + b * v) * k  # integer cycles per tile in u and v: seamless
    w = float(np.hypot(a, b)) * k / size  # phase change across one texel (filter width)
    i = np.floor(phase).astype(np.int64)
    f = phase - i
    up = np.clip((f - 1.0 + 0.5 * w) / w, 0.0, 0.5)  # share of the next stripe in the texel
    down = np.clip((0.5 * w - f) / w, 0.0, 0.5)  # share of the previous stripe
    own = 1.0 - up - down
    return (c[i % k] * own[..., None] + c[(i + 1) % k] * up[..., None] + c[(i - 1) % k] * down[..., None])


def _marble(rng, size):
    c = _colors(rng, 2)
    n = _noise(rng, size, 5)
    u, v = _uv(size)
    f = rng.uniform(2, 10)
    veins = 0.5 + 0.5 * np.sin((u + v * rng.uniform(-1, 1)) * f * np.pi + n * rng.uniform(4, 12))
    veins = veins ** rng.uniform(0.5, 3)
    return _mix(c[0], c[1], veins.astype(np.float32))


def _wood(rng, size):
    base = (np.array([0.45, 0.28, 0.12]) * rng.uniform(0.6, 1.5) + rng.uniform(-0.08, 0.08, 3)).astype(np.float32)
    dark = base * np.float32(rng.uniform(0.4, 0.7))
    n = _noise(rng, size, 4)
    u, v = _uv(size)
    cx, cy = rng.uniform(-1, 2, 2)
    r = np.sqrt(((u - cx) * rng.uniform(0.2, 1.0)) ** 2 + (v - cy) ** 2)
    rings = 0.5 + 0.5 * np.sin(r * rng.uniform(20, 60) + n * rng.uniform(2, 8))
    return np.clip(_mix(base, dark, rings.astype(np.float32)), 0, 1)


def _gradient(rng, size):
    c = _colors(rng, 2)
    ang = rng.uniform(0, 2 * np.pi)
    u, v = _uv(size)
    t = u * np.cos(ang) + v * np.sin(ang)
    t = (t - t.min()) / max(np.ptp(t), 1e-9)
    return _mix(c[0], c[1], t.astype(np.float32))


def _tiles(rng, size):
    n = int(rng.integers(2, 10))
    base = _colors(rng, 1)[0]
    grout = _colors(rng, 1)[0] * np.float32(rng.uniform(0.3, 1.0))
    jitter = rng.uniform(-0.12, 0.12, (n, n, 3)).astype(np.float32)
    x = _texel_centres(size) * n
    cell = np.floor(x).astype(int)
    frac = x - cell
    w = rng.uniform(0.03, 0.12)  # grout width [cells], at the start of each cell
    half = 0.5 * n / size  # half a texel [cells]
    lo, hi = frac - half, frac + half
    # grout coverage of the texel, per axis: overlap with this cell's grout and the next one's
    line = (np.clip(np.minimum(hi, w) - np.maximum(lo, 0.0), 0, None)
            + np.clip(np.minimum(hi, 1.0 + w) - np.maximum(lo, 1.0), 0, None)) / (2 * half)
    g = np.maximum(line[:, None], line[None, :])
    tile = np.clip(base + jitter[cell][:, cell], 0, 1)
    return tile * (1 - g[..., None]) + grout * g[..., None]


_FAMILIES = {
    "checker": _checker,
    "stripes": _stripes,
    "marble": _marble,
    "wood": _wood,
    "gradient": _gradient,
    "tiles": _tiles,
}
assert tuple(_FAMILIES) == TEXTURE_FAMILIES


_SMOOTH = ("marble", "wood", "gradient")


@functools.lru_cache(maxsize=64)
def texture_image(spec: TextureSpec, size: int) -> np.ndarray:
    """(size, size, 3) uint8 RGB pixels of ``spec`` (a PBR texture's albedo); identical for identical (spec, size)."""
    if spec.pbr:
        return texture_maps(spec, size).albedo
    if spec.family == "file":  # an image file, or an object's generated texture (``procedural:...``)
        img = Image.fromarray(load_image(spec.file))
        return np.asarray(img.resize((size, size), Image.Resampling.LANCZOS), dtype=np.uint8)
    rng = np.random.default_rng([TEXTURE_FAMILIES.index(spec.family), spec.seed])
    smooth = spec.family in _SMOOTH and size > SMOOTH_MAX
    img = _FAMILIES[spec.family](rng, SMOOTH_MAX if smooth else size)
    img = (np.clip(img * np.float32(rng.uniform(0.85, 1.15)), 0, 1) * 255 + 0.5).astype(np.uint8)
    if smooth:
        img = np.asarray(Image.fromarray(img).resize((size, size), Image.Resampling.BICUBIC))
    return img
