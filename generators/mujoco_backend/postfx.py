"""Cheap CPU post-process anti-aliasing for rendered frames (replaces MSAA)."""

from __future__ import annotations

import numpy as np

EDGE_THRESHOLD = 1.0 / 8.0  # relative: skip pixels whose luma range < EDGE_THRESHOLD * local max luma
EDGE_THRESHOLD_MIN = 1.0 / 16.0  # absolute: skip pixels whose luma range < this (luma in [0, 1])
SUBPIX = 0.5  # FXAA sub-pixel strength: 0.75 is its default, 0.5 its "sharper" limit (less texture blur)
SEARCH_OFFSETS = (1, 2, 4, 8)  # along-edge offsets (pixels) probed by the edge-end search, each way
SEARCH_MISS = 12  # distance assumed when no edge end is found within the offsets


def fxaa(img: np.ndarray, edge_threshold: float = EDGE_THRESHOLD, edge_threshold_min: float = EDGE_THRESHOLD_MIN,
         subpix: float = SUBPIX, search_offsets=SEARCH_OFFSETS, search_miss=SEARCH_MISS) -> np.ndarray:
    """FXAA-style anti-aliasing of one rendered frame, vectorized numpy (no per-pixel loops).

    ``img``: (H, W, 3) uint8 RGB, sRGB-encoded as the renderer writes it (no linearization).
    Returns a new (H, W, 3) uint8 array; the input is untouched; deterministic.

    Variant: FXAA 3.11 "quality" with a short edge-end search (a few fixed offsets instead
    of the GPU's stepped loop). Luma: Rec.601 weights on the sRGB values, quantized to 8 bits
    (like FXAA's luma-in-alpha); thresholds are in luma units of [0, 1]. A pixel is processed
    only if the luma range over it and its 4-neighbours is >= max(``edge_threshold_min``,
    ``edge_threshold`` * their max luma) (defaults 1/16 and 1/8); every other pixel (flat
    areas, low-contrast texture) is returned bit-exact. The edge direction (horizontal or
    vertical) comes from FXAA's 3x3 second differences, the partner pixel is the 4-neighbour
    across the edge with the larger luma step. The edge ends are searched along the edge at
    the increasing ``search_offsets`` each way (``search_miss`` if none is found) and the
    pixel is blended with its partner by FXAA's edge offset 0.5 - d_near / (d_neg + d_pos)
    (0 unless this pixel's staircase step ends at the nearer end, FXAA's "good span") or by
    FXAA's sub-pixel amount ``subpix`` * smoothstep(|mean3x3 - centre| / range)^2, whichever
    is larger. Each output pixel is a convex combination of the pixel and one 4-neighbour,
    so it stays within the input's 3x3 min/max. Clamp-to-edge at borders.
    """
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"expected (H, W, 3) uint8, got {img.shape} {img.dtype}")
    h, w = img.shape[:2]
    # few, small temporaries: in a fresh process page faults on new buffers cost like the maths
    acc, tmp = np.multiply(img[..., 0], 77, dtype=np.uint16), np.multiply(img[..., 1], 150, dtype=np.uint16)
    acc += tmp
    acc += np.multiply(img[..., 2], 29, out=tmp, dtype=np.uint16)
    acc += 128
    luma = np.right_shift(acc, 8).astype(np.uint8)
    del acc, tmp

    # early exit: luma range over the 4-neighbourhood (in place; clamp-to-edge leaves borders alone)
    mx, mn = luma.copy(), luma.copy()
    for op, a in ((np.maximum, mx), (np.minimum, mn)):
        op(a[1:], luma[:-1], out=a[1:])
        op(a[:-1], luma[1:], out=a[:-1])
        op(a[:, 1:], luma[:, :-1], out=a[:, 1:])
        op(a[:, :-1], luma[:, 1:], out=a[:, :-1])
    rng = np.subtract(mx, mn, out=mn)
    lut = np.ceil(np.maximum(np.arange(256) * edge_threshold, edge_threshold_min * 255) - 1e-6)
    idx = np.flatnonzero(rng >= np.take(lut.astype(np.uint16), mx))
    out = img.copy()
    if idx.size == 0:
        return out

    # everything below runs on the compacted edge pixels only; luma in 8-bit integer units
    offs = [int(o) for o in search_offsets]
    p = offs[-1] + 1
    hp, wp = h + 2 * p, w + 2 * p
    lpad = np.pad(luma, p, mode="edge")
    lt = np.ascontiguousarray(lpad.T)
    # sums of vertically / horizontally adjacent lumas (2x FXAA's bilinear tap midway across an
    # edge); the vertical-edge pairs are stored transposed so "along the edge" is always +-1
    nh = (hp - 1) * wp
    pairs = np.empty(nh + (wp - 1) * hp, np.int16)
    np.add(lpad[:-1], lpad[1:], out=pairs[:nh].reshape(hp - 1, wp), dtype=np.int16)
    np.add(lt[:-1], lt[1:], out=pairs[nh:].reshape(wp - 1, hp), dtype=np.int16)
    ys, xs = np.divmod(idx, w)
    i = (ys + p) * wp + (xs + p)
    nbr = np.array([0, -wp, wp, -1, 1, -wp - 1, -wp + 1, wp - 1, wp + 1])[:, None]
    lm, ln, ls, lw, le, lnw, lne, lsw, lse = np.take(lpad.astype(np.int16), i + nbr)

    # sub-pixel term: |mean(3x3, FXAA weights) - centre| / range, smoothstepped and squared
    sub = np.abs((2 * (ln + ls + lw + le) + (lnw + lne + lsw + lse)) - 12 * lm).astype(np.float32)
    sub /= 12 * np.take(rng, idx).astype(np.float32)
    sub = ((3 - 2 * np.minimum(sub, 1.0, out=sub)) * sub * sub) ** 2 * np.float32(subpix)

    # edge orientation (horizontal edge: luma changes along y) and partner pixel across it
    edge_h = 2 * np.abs(ln + ls - 2 * lm) + np.abs(lne + lse - 2 * le) + np.abs(lnw + lsw - 2 * lw)
    edge_v = 2 * np.abs(lw + le - 2 * lm) + np.abs(lnw + lne - 2 * ln) + np.abs(lsw + lse - 2 * ls)
    horz = edge_h >= edge_v
    g_neg, g_pos = np.abs(np.where(horz, ln, lw) - lm), np.abs(np.where(horz, ls, le) - lm)
    sgn = np.where(g_neg >= g_pos, -1, 1)  # partner on the negative (N / W) or positive side
    s0 = np.minimum(sgn, 0)
    base = np.where(horz, (ys + p + s0) * wp + (xs + p), nh + (xs + p + s0) * hp + (ys + p))

    # edge-end search both ways along the edge: the end is where the mid-edge luma has moved
    # by >= gradient / 4 (FXAA); d = distance of the first such sample, search_miss if none
    mid = np.take(pairs, base)
    thr = (np.maximum(g_neg, g_pos) + 1) >> 1  # |2 * delta mid| >= grad / 4
    m_below = 2 * lm < mid
    dst, good = [], []
    for side in (-1, 1):
        d = np.full(idx.size, search_miss, np.int16)
        for o in offs[::-1]:  # farthest first, nearer ends overwrite
            d -= (d - o) * (np.abs(np.take(pairs, base + side * o) - mid) >= thr)  # copyto(where=) is slower
        end = np.take(pairs, base + side * np.minimum(d, offs[-1])) < mid  # not found: last sample
        dst.append(d)
        good.append(end != m_below)
    near = dst[0] >= dst[1]  # nearer end on the positive side (FXAA's tie-break)
    offset = 0.5 - np.minimum(dst[0], dst[1]) / (dst[0] + dst[1]).astype(np.float32)
    offset[~np.where(near, good[1], good[0])] = 0
    amount = np.maximum(offset, sub)[:, None]

    # blend with the partner pixel (the bilinear tap FXAA would take at this offset)
    j = np.where(horz, np.clip(ys + sgn, 0, h - 1) * w + xs, ys * w + np.clip(xs + sgn, 0, w - 1))
    flat_in = img.reshape(-1, 3)
    c = np.take(flat_in, idx, axis=0).astype(np.float32)
    res = c + amount * (np.take(flat_in, j, axis=0) - c)
    out.reshape(-1).view("V3")[idx] = np.rint(res).astype(np.uint8).reshape(-1).view("V3")
    return out
