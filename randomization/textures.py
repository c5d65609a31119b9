"""Procedural textures from seeds (numpy only), plus image files from a folder.

A texture is plain data, ``TextureSpec(family, seed, size)``; ``texture_image``
turns it into pixels deterministically, so libraries of thousands of distinct
textures need no files. Library ids map to (family, seed): id i of a library
uses family ``families[i % len(families)]`` and seed ``base + i``.
"""

from __future__ import annotations

import functools

import numpy as np
from PIL import Image

from .config import TEXTURE_FAMILIES, TexturesConfig, image_files
from .spec import TextureSpec

TABLE_SEED_BASE = 0
BACKGROUND_SEED_BASE = 1_000_000


def sample_texture(cfg: TexturesConfig, library: str, rng: np.random.Generator) -> TextureSpec | None:
    """Draw a texture id from the ``library`` ("table" or "background"); None when disabled."""
    if not cfg.enabled:
        return None
    if cfg.folder is not None and rng.random() < cfg.folder_prob:
        files = image_files(cfg.folder)
        i = int(rng.integers(len(files)))
        return TextureSpec("file", i, cfg.size, files[i])
    n, base = (cfg.table_library, TABLE_SEED_BASE) if library == "table" else (cfg.background_library, BACKGROUND_SEED_BASE)
    i = int(rng.integers(n))
    return TextureSpec(cfg.families[i % len(cfg.families)], base + i, cfg.size)


def _colors(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform(0.05, 0.95, (n, 3))


def _noise(rng: np.random.Generator, size: int, octaves: int = 4) -> np.ndarray:
    """Tileable-ish value noise in [0, 1], (size, size)."""
    out = np.zeros((size, size))
    amp, total = 1.0, 0.0
    for o in range(octaves):
        cells = 2 ** (o + 2)
        grid = rng.random((cells + 1, cells + 1))
        t = np.linspace(0, cells, size, endpoint=False)
        i = t.astype(int)
        f = t - i
        f = f * f * (3 - 2 * f)
        a = grid[i][:, i] * (1 - f)[None, :] + grid[i][:, i + 1] * f[None, :]
        b = grid[i + 1][:, i] * (1 - f)[None, :] + grid[i + 1][:, i + 1] * f[None, :]
        out += amp * (a * (1 - f)[:, None] + b * f[:, None])
        total += amp
        amp *= 0.5
    return out / total


def _uv(size: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(size) / size
    return np.meshgrid(t, t)


def _checker(rng, size):
    c = _colors(rng, 2)
    n = int(rng.integers(2, 12))
    u, v = _uv(size)
    mask = ((np.floor(u * n) + np.floor(v * n)) % 2).astype(bool)
    return np.where(mask[..., None], c[0], c[1])


def _stripes(rng, size):
    k = int(rng.integers(2, 4))
    c = _colors(rng, k)
    freq = rng.integers(2, 16)
    ang = rng.uniform(0, np.pi)
    u, v = _uv(size)
    phase = (u * np.cos(ang) + v * np.sin(ang)) * freq
    return c[(np.floor(phase * k) % k).astype(int)]


def _marble(rng, size):
    c = _colors(rng, 2)
    n = _noise(rng, size, 5)
    u, v = _uv(size)
    f = rng.uniform(2, 10)
    veins = 0.5 + 0.5 * np.sin((u + v * rng.uniform(-1, 1)) * f * np.pi + n * rng.uniform(4, 12))
    veins = veins ** rng.uniform(0.5, 3)
    return c[0] * veins[..., None] + c[1] * (1 - veins[..., None])


def _wood(rng, size):
    base = np.array([0.45, 0.28, 0.12]) * rng.uniform(0.6, 1.5) + rng.uniform(-0.08, 0.08, 3)
    dark = base * rng.uniform(0.4, 0.7)
    n = _noise(rng, size, 4)
    u, v = _uv(size)
    cx, cy = rng.uniform(-1, 2, 2)
    r = np.sqrt(((u - cx) * rng.uniform(0.2, 1.0)) ** 2 + (v - cy) ** 2)
    rings = 0.5 + 0.5 * np.sin(r * rng.uniform(20, 60) + n * rng.uniform(2, 8))
    return np.clip(dark + (base - dark) * rings[..., None], 0, 1)


def _gradient(rng, size):
    c = _colors(rng, 2)
    ang = rng.uniform(0, 2 * np.pi)
    u, v = _uv(size)
    t = u * np.cos(ang) + v * np.sin(ang)
    t = (t - t.min()) / max(np.ptp(t), 1e-9)
    return c[0] * t[..., None] + c[1] * (1 - t[..., None])


def _tiles(rng, size):
    n = int(rng.integers(2, 10))
    base = _colors(rng, 1)[0]
    grout = _colors(rng, 1)[0] * rng.uniform(0.3, 1.0)
    jitter = rng.uniform(-0.12, 0.12, (n, n, 3))
    u, v = _uv(size)
    iu, iv = np.floor(u * n).astype(int), np.floor(v * n).astype(int)
    fu, fv = u * n - iu, v * n - iv
    w = rng.uniform(0.03, 0.12)
    line = (fu < w) | (fv < w)
    tile = np.clip(base + jitter[iv, iu], 0, 1)
    return np.where(line[..., None], grout, tile)


_FAMILIES = {
    "checker": _checker,
    "stripes": _stripes,
    "marble": _marble,
    "wood": _wood,
    "gradient": _gradient,
    "tiles": _tiles,
}
assert tuple(_FAMILIES) == TEXTURE_FAMILIES


@functools.lru_cache(maxsize=64)
def texture_image(spec: TextureSpec) -> np.ndarray:
    """(size, size, 3) uint8 RGB pixels of ``spec``; identical for identical specs."""
    if spec.family == "file":
        with Image.open(spec.file) as im:
            return np.asarray(im.convert("RGB").resize((spec.size, spec.size)), dtype=np.uint8)
    rng = np.random.default_rng([TEXTURE_FAMILIES.index(spec.family), spec.seed])
    img = _FAMILIES[spec.family](rng, spec.size)
    img = np.clip(img * rng.uniform(0.85, 1.15), 0, 1)
    return (img * 255).astype(np.uint8)
