"""Seeded appearance of procedural objects: label textures and the UVs that place them.

Cans and bottles get a wrap-around label (bands, stripes and a badge), boxes a
printed face on every side, mugs and cups a glaze (a colour with speckles and
a lighter rim band). Images are generated from (category, seed); UVs come
from the mesh's shape: a cylindrical wrap (u around z, v up) or a box
projection (each side shows the whole image). Faces get their own vertices so
that a seam never smears the image.
"""

from __future__ import annotations

import functools

import numpy as np

LABEL_SIZE = 256  # px
STYLES = {"can": "label", "bottle": "label", "box": "print", "mug": "glaze", "cup": "glaze"}


def _palette(rng: np.random.Generator, n: int) -> np.ndarray:
    hues = (rng.random() + np.arange(n) / n + rng.uniform(-0.08, 0.08, n)) % 1.0
    sat, val = rng.uniform(0.5, 0.95, n), rng.uniform(0.45, 0.95, n)
    k = (np.array([5.0, 3.0, 1.0])[None, :] + hues[:, None] * 6) % 6
    rgb = val[:, None] - val[:, None] * sat[:, None] * np.clip(np.minimum(k, 4 - k), 0, 1)
    return (rgb * 255).astype(np.uint8)


def _label(rng: np.random.Generator, s: int) -> np.ndarray:
    c = _palette(rng, 4)
    img = np.empty((s, s, 3), np.uint8)
    img[:] = c[0]
    y = np.arange(s)[:, None]
    x = np.arange(s)[None, :]
    b0, b1 = sorted(rng.uniform(0.2, 0.8, 2) * s)
    img[int(b0):int(b1)] = c[1]
    period = int(rng.integers(12, 40))
    stripe = ((x + y * rng.uniform(-0.5, 0.5)) % period) < period * 0.3
    img[((y < s * 0.08) | (y > s * 0.92)) & stripe] = c[2]
    cy, cx, r = (b0 + b1) / 2, rng.uniform(0.2, 0.8) * s, (b1 - b0) * rng.uniform(0.3, 0.45)
    img[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = c[3]
    return img


def _print(rng: np.random.Generator, s: int) -> np.ndarray:
    c = _palette(rng, 3)
    img = np.empty((s, s, 3), np.uint8)
    img[:] = c[0]
    y = np.arange(s)[:, None]
    x = np.arange(s)[None, :]
    m = int(s * rng.uniform(0.06, 0.12))
    inner = (x >= m) & (x < s - m) & (y >= m) & (y < s - m)
    img[~inner] = c[1]
    lines = int(rng.integers(2, 5))
    for k in range(lines):
        y0 = int(s * (0.3 + 0.45 * k / lines))
        w = int(s * rng.uniform(0.3, 0.65))
        img[y0:y0 + max(2, s // 40), m * 2:m * 2 + w] = c[2]
    img[int(s * 0.15):int(s * 0.28), m * 2:int(s * 0.6)] = c[1]
    return img


def _glaze(rng: np.random.Generator, s: int) -> np.ndarray:
    base = _palette(rng, 1)[0].astype(np.float32)
    img = np.broadcast_to(base, (s, s, 3)).copy()
    img *= rng.uniform(0.9, 1.1, (s, s, 1)).astype(np.float32)
    speck = rng.random((s, s)) < 0.01
    img[speck] *= 0.5
    img[: int(s * 0.1)] = np.clip(base * 1.3 + 30, 0, 255)  # rim band at the top (v = 1)
    return np.clip(img, 0, 255).astype(np.uint8)


_MAKERS = {"label": _label, "print": _print, "glaze": _glaze}


@functools.lru_cache(maxsize=128)
def label_image(category: str, seed: int) -> np.ndarray:
    """(LABEL_SIZE, LABEL_SIZE, 3) uint8 image of procedural object ``seed`` of ``category``."""
    rng = np.random.default_rng([9173, sorted(STYLES).index(category), seed])
    return _MAKERS[STYLES[category]](rng, LABEL_SIZE)


def uv_mapped(vertices: np.ndarray, faces: np.ndarray, style: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unwelded (3F, 3) vertices, (F, 3) faces and (3F, 2) UVs for ``style`` ("print": box
    projection; otherwise a cylindrical wrap about z, with flat lids and bottoms on a plain texel).
    Row 0 of the image is the top (v = 1)."""
    tri = np.asarray(vertices, float)[np.asarray(faces)]  # (F, 3, 3)
    lo, hi = tri.reshape(-1, 3).min(axis=0), tri.reshape(-1, 3).max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    t = (tri - lo) / span
    if style == "print":
        n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        axis = np.argmax(np.abs(n), axis=1)
        pairs = np.array([[1, 2], [0, 2], [0, 1]])[axis]  # (F, 2): the two coordinates in the side's plane
        uv = np.take_along_axis(t, np.repeat(pairs[:, None, :], 3, axis=1), axis=2)
    else:
        centre = (lo + hi) / 2
        ang = np.arctan2(tri[..., 1] - centre[1], tri[..., 0] - centre[0]) / (2 * np.pi) + 0.5
        wrap = (ang.max(axis=1) - ang.min(axis=1)) > 0.5
        ang[wrap] = np.where(ang[wrap] < 0.5, ang[wrap] + 1.0, ang[wrap])  # no face spans the seam
        uv = np.stack([ang, t[..., 2]], axis=-1)
        n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        cap = np.abs(n[:, 2]) > 0.9 * np.linalg.norm(n, axis=1)  # lids and bottoms: one plain texel
        uv[cap] = (0.5, 0.86 if style == "label" else 0.5)  # label rows 0.08-0.2 from the top are plain
    f = np.arange(3 * len(tri), dtype=np.int32).reshape(-1, 3)
    return tri.reshape(-1, 3), f, uv.reshape(-1, 2)
