"""FXAA post-process: untouched flat/low-contrast areas, closer to supersampling, no overshoot."""

import numpy as np
import pytest

from syngrasp.generators.mujoco_backend.postfx import fxaa


def _coverage(inside, ss: int, h: int = 64, w: int = 64) -> np.ndarray:
    """Fraction of each pixel inside a shape, from ss x ss samples per pixel (ss=1: aliased)."""
    o = (np.arange(ss) + 0.5) / ss
    y = np.arange(h)[:, None, None, None] + o[None, None, :, None]
    x = np.arange(w)[None, :, None, None] + o[None, None, None, :]
    return inside(y, x).mean(axis=(2, 3))


def _paint(cov: np.ndarray, fg, bg) -> np.ndarray:
    fg, bg = np.asarray(fg, float), np.asarray(bg, float)
    return np.rint(bg + cov[..., None] * (fg - bg)).astype(np.uint8)


def _disc(y, x):
    return (y - 31.3) ** 2 + (x - 33.7) ** 2 < 20.2**2


def _half_plane(angle):
    return lambda y, x: (y - 32.2) * np.cos(angle) - (x - 32.0) * np.sin(angle) > 0


def _mae(a, b):
    return np.abs(a.astype(np.float64) - b.astype(np.float64)).mean()


def test_flat_gradient_and_low_contrast_texture_unchanged():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:96, 0:128]
    images = [
        np.full((48, 64, 3), (120, 130, 140), np.uint8),
        np.stack([xx * 2, yy * 2, (xx + yy)], axis=-1).astype(np.uint8),  # smooth colour ramps
        (128 + rng.integers(-6, 7, (64, 64, 1))).repeat(3, axis=2).astype(np.uint8),  # dark-ish noise
        (215 + rng.integers(-10, 11, (64, 64, 3))).astype(np.uint8),  # bright noise, below 1/8 relative
    ]
    for img in images:
        assert np.array_equal(fxaa(img), img)


@pytest.mark.parametrize("fg,bg", [((40, 40, 40), (220, 220, 220)), ((170, 30, 20), (200, 200, 200))])
def test_aliased_disc_gets_closer_to_supersampled(fg, bg):
    aliased, ref = _paint(_coverage(_disc, 1), fg, bg), _paint(_coverage(_disc, 8), fg, bg)
    err_before, err_after = _mae(aliased, ref), _mae(fxaa(aliased), ref)
    assert err_before > 0.5
    assert err_after < 0.8 * err_before  # measured ~0.65


@pytest.mark.parametrize("angle", [0.1, 0.3, 1.2])  # radians: shallow, medium, steep
def test_aliased_slanted_edge_gets_closer_to_supersampled(angle):
    shape = _half_plane(angle)
    aliased = _paint(_coverage(shape, 1), (30, 30, 30), (230, 230, 230))
    ref = _paint(_coverage(shape, 8), (30, 30, 30), (230, 230, 230))
    assert _mae(fxaa(aliased), ref) < 0.55 * _mae(aliased, ref)  # measured ~0.31, 0.32, 0.37


def test_dtype_shape_no_overshoot_and_input_untouched():
    rng = np.random.default_rng(3)
    img = _paint(_coverage(_disc, 1, 48, 80), (40, 60, 200), (230, 210, 90))
    img[::7, 3::11] = rng.integers(0, 256, img[::7, 3::11].shape)  # isolated high-contrast pixels
    img[30:, 50:] = rng.integers(0, 256, (18, 30, 3))  # a patch of strong noise
    before = img.copy()
    out = fxaa(img)
    assert out.dtype == np.uint8 and out.shape == img.shape
    assert np.array_equal(img, before)
    assert (out != img).any(axis=2).mean() > 0.05
    pad = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
    win = np.lib.stride_tricks.sliding_window_view(pad, (3, 3), axis=(0, 1))  # (H, W, 3, 3, 3)
    assert (out >= win.min(axis=(-2, -1))).all() and (out <= win.max(axis=(-2, -1))).all()
    assert np.array_equal(fxaa(img), out)  # deterministic


def test_non_square_and_views_match_the_full_image_interior():
    img = _paint(_coverage(_disc, 1), (40, 40, 40), (220, 220, 220))
    full = fxaa(img)
    # pixels >= 10 px from a crop border see the same neighbourhood and edge-end search
    assert np.array_equal(fxaa(img[:40])[:30], full[:30])
    assert np.array_equal(fxaa(img[5:50, 3:60])[10:35, 10:47], full[15:40, 13:50])


def test_rejects_wrong_input():
    with pytest.raises(ValueError):
        fxaa(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(ValueError):
        fxaa(np.zeros((8, 8, 4), np.uint8))
