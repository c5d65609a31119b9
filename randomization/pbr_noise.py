"""Periodic noise, height-to-normal conversion and colour helpers for the PBR textures.

Everything here is seamless on the unit torus: a texture of ``size`` x ``size``
texels covers one tile, u = (col + 0.5) / size to the right and v = (row + 0.5) /
size downwards, and every field continues across the left/right and top/bottom
edges. Noise is a cubic B-spline through a periodic lattice of Gaussian values,
evaluated as two matrix products ``My @ G @ Mx.T`` (the interpolation matrices
are cached per (size, cells)), which is both cache-friendly and fast: a 512 px
octave with a 256-cell lattice costs a few milliseconds. Lattice sizes are
fixed by the caller, not by ``size``, so one seed gives the same material at
every resolution.
"""

from __future__ import annotations

import functools

import numpy as np

_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)  # Rec. 709 luminance weights (linear RGB)


@functools.lru_cache(maxsize=128)
def _bspline_matrix(size: int, cells: int) -> np.ndarray:
    """(size, cells) float32: periodic cubic B-spline weights of lattice values at texel centres."""
    t = (np.arange(size, dtype=np.float64) + 0.5) / size * cells - 0.5
    i = np.floor(t).astype(np.int64)
    f = t - i
    w = np.stack([(1 - f) ** 3, 3 * f ** 3 - 6 * f ** 2 + 4, -3 * f ** 3 + 3 * f ** 2 + 3 * f + 1, f ** 3], 1) / 6.0
    m = np.zeros((size, cells), np.float64)
    rows = np.repeat(np.arange(size), 4)
    cols = ((i[:, None] + np.arange(-1, 3)[None, :]) % cells).ravel()
    np.add.at(m, (rows, cols), w.ravel())
    m.setflags(write=False)
    return m.astype(np.float32)


def lattice_noise(rng: np.random.Generator, size: int, cells_v: int, cells_u: int) -> np.ndarray:
    """(size, size) float32 smooth periodic noise, zero mean and unit standard deviation.

    ``cells_v`` lattice cells down the rows and ``cells_u`` across the columns:
    unequal counts give stretched (anisotropic) features, e.g. (256, 2) makes
    streaks running along u.
    """
    g = rng.standard_normal((cells_v, cells_u)).astype(np.float32)
    n = _bspline_matrix(size, cells_v) @ g @ _bspline_matrix(size, cells_u).T
    n -= n.mean()
    return n / max(float(n.std()), 1e-6)


def fbm(rng: np.random.Generator, size: int, cells: int, octaves: int, gain: float = 0.5,
        aspect: tuple[int, int] = (1, 1)) -> np.ndarray:
    """(size, size) float32 fractal sum of ``octaves`` lattice noises, unit std.

    Octave k has ``cells * 2**k`` cells, times ``aspect`` = (v factor, u factor),
    and amplitude ``gain**k``.
    """
    out = np.zeros((size, size), np.float32)
    for k in range(octaves):
        c = cells * 2 ** k
        out += np.float32(gain ** k) * lattice_noise(rng, size, c * aspect[0], c * aspect[1])
    return out / max(float(out.std()), 1e-6)


def uv(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Texel-centre coordinates (u, v), each (size, size) float32 in [0, 1): u along columns, v down rows."""
    t = (np.arange(size, dtype=np.float32) + 0.5) / size
    return np.broadcast_to(t[None, :], (size, size)), np.broadcast_to(t[:, None], (size, size))


def cell_noise(rng: np.random.Generator, size: int, cells_v: int, cells_u: int) -> np.ndarray:
    """(size, size) float32 piecewise-constant uniform [0, 1) values on a cells_v x cells_u grid (periodic)."""
    g = rng.random((cells_v, cells_u)).astype(np.float32)
    iv = (np.arange(size) * cells_v) // size
    iu = (np.arange(size) * cells_u) // size
    return g[iv[:, None], iu[None, :]]


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def height_to_normal(height: np.ndarray, depth: float) -> np.ndarray:
    """(H, W, 3) uint8 tangent-space normal map from a periodic height field.

    ``height`` is dimensionless with unit-ish amplitude; ``depth`` is its relief
    in tile lengths (slope = depth * dh/du with u in tiles). OpenGL convention:
    red = +u (right), green = +v up the image (rows run down), blue = out of the
    surface; a flat texel encodes as (128, 128, 255).
    """
    size = height.shape[0]
    s = np.float32(0.5 * depth * size)
    dhdu = (np.roll(height, -1, 1) - np.roll(height, 1, 1)) * s
    dhdrow = (np.roll(height, -1, 0) - np.roll(height, 1, 0)) * s
    n = np.empty(height.shape + (3,), np.float32)
    n[..., 0] = -dhdu
    n[..., 1] = dhdrow  # up the image is -row, so n_y = -dh/dy_up = +dh/drow
    n[..., 2] = 1.0
    n /= np.sqrt(np.einsum("...i,...i->...", n, n))[..., None]
    return np.round(n * 127.5 + 127.5).astype(np.uint8)


def to_u8(x: np.ndarray) -> np.ndarray:
    """Floats in [0, 1] -> uint8, rounded, clipped."""
    return np.round(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)


def srgb_to_linear(c):
    """sRGB-encoded values in [0, 1] -> linear (IEC 61966-2-1)."""
    c = np.asarray(c, np.float32)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(c):
    """Linear values in [0, 1] -> sRGB-encoded (values outside [0, 1] are clipped)."""
    c = np.clip(np.asarray(c, np.float32), 0.0, 1.0)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055).astype(np.float32)


def kelvin_rgb(kelvin: float) -> np.ndarray:
    """(3,) float32 linear sRGB chromaticity of a black body at ``kelvin`` [K], luminance 1.

    The Planckian locus in CIE 1931 xy (Kim et al. cubic fit, 1667-25000 K), then
    XYZ -> linear sRGB (D65), negative components clipped.
    """
    t = float(np.clip(kelvin, 1667.0, 25000.0))
    if t <= 4000:
        x = -0.2661239e9 / t ** 3 - 0.2343589e6 / t ** 2 + 0.8776956e3 / t + 0.179910
    else:
        x = -3.0258469e9 / t ** 3 + 2.1070379e6 / t ** 2 + 0.2226347e3 / t + 0.240390
    if t <= 2222:
        y = -1.1063814 * x ** 3 - 1.34811020 * x ** 2 + 2.18555832 * x - 0.20219683
    elif t <= 4000:
        y = -0.9549476 * x ** 3 - 1.37418593 * x ** 2 + 2.09137015 * x - 0.16748867
    else:
        y = 3.0817580 * x ** 3 - 5.87338670 * x ** 2 + 3.75112997 * x - 0.37001483
    xyz = np.array([x / y, 1.0, (1 - x - y) / y])
    m = np.array([[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]])
    rgb = np.clip(m @ xyz, 0.0, None)
    return (rgb / float(rgb @ _LUMA)).astype(np.float32)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 709 luminance of linear RGB (..., 3) -> (...)."""
    return rgb @ _LUMA
