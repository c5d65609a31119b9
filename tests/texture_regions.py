"""Does a textured object render its texture? An atlas-mapped box written as a scanner exports it,
and a per-region colour check that any render engine can run.

``write_atlas_box(path, ...)`` writes ``<stem>.obj`` + ``.mtl`` + ``.png``: a box whose six faces
map to six flat-coloured cells of one texture atlas. Like exported scans, positions and texture
coordinates are indexed separately (8 ``v``, 24 ``vt``, in shuffled order), so the importer splits
corners at the UV seams and its vertex order differs from its face order.

``region_colour_errors(render, textured, reference, regions, grey)`` renders a scene with the
object in its own appearance and the same scene with the object a flat grey; within each visible
face region the ratio textured / grey (times the grey level) cancels the lighting and must equal the
region's texture colour.
``render(scene) -> {camera: View}`` is the engine under test.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Callable

import numpy as np
from PIL import Image

from syngrasp.core.geometry import quat_to_mat

# one colour per box face (rgb 0-255): +x, -x, +y, -y, +z, -z
FACE_RGB = ((210, 50, 40), (40, 170, 60), (50, 80, 210), (220, 200, 50), (170, 60, 200), (40, 190, 200))
ATLAS = (3, 2)  # cells across, down
CELL_PX = 32
INSET = 0.15  # fraction of a cell left between a face's UVs and the cell border (no bleeding)


@dataclasses.dataclass(frozen=True)
class Region:
    """One flat-coloured face: its corners (4, 3) in the object frame [file units = m], outward
    normal (3,) and texture colour rgb in [0, 1]."""

    name: str
    corners: np.ndarray
    normal: np.ndarray
    rgb: np.ndarray


@dataclasses.dataclass(frozen=True)
class View:
    """One camera's image of a scene: ``rgb`` (H, W, 3) uint8, ``mask`` (H, W) bool pixels of the
    target's visual, ``K`` (3, 3) intrinsics [px], ``T`` (4, 4) world -> OpenCV camera."""

    rgb: np.ndarray
    mask: np.ndarray
    K: np.ndarray
    T: np.ndarray


def _atlas(colours) -> np.ndarray:
    cols, rows = ATLAS
    img = np.zeros((rows * CELL_PX, cols * CELL_PX, 3), np.uint8)
    for i, rgb in enumerate(colours):
        r, c = divmod(i, cols)
        img[r * CELL_PX:(r + 1) * CELL_PX, c * CELL_PX:(c + 1) * CELL_PX] = rgb
    return img


def write_atlas_box(path: str, extents=(0.06, 0.05, 0.04), seed: int = 0, colours=FACE_RGB) -> list[Region]:
    """Write the atlas box as OBJ (``path``) + MTL + PNG (same stem); returns its six regions.

    ``colours``: six rgb 0-255, one per face (+x, -x, +y, -y, +z, -z); ``seed`` shuffles the order
    of the ``v`` and ``vt`` lines."""
    rng = np.random.default_rng(seed)
    half = np.asarray(extents, float) / 2
    cols, rows = ATLAS
    stem = os.path.splitext(os.path.basename(path))[0]
    png = f"{stem}.png"
    positions = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], float) * half
    regions, corners_v, corners_t, uvs = [], [], [], []
    for i, (axis, sign) in enumerate([(0, 1), (0, -1), (1, 1), (1, -1), (2, 1), (2, -1)]):
        u_ax, v_ax = [a for a in range(3) if a != axis]
        if sign < 0:
            u_ax, v_ax = v_ax, u_ax  # keep the quad counter-clockwise seen from outside
        n = np.zeros(3)
        n[axis] = sign
        quad = []
        for du, dv in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
            p = np.zeros(3)
            p[axis], p[u_ax], p[v_ax] = sign, du, dv
            quad.append(p * half)
        quad = np.array(quad)
        if np.dot(np.cross(quad[1] - quad[0], quad[2] - quad[0]), n) < 0:
            quad = quad[::-1]
        r, c = divmod(i, cols)
        u0, u1 = (c + INSET) / cols, (c + 1 - INSET) / cols
        v1, v0 = 1 - (r + INSET) / rows, 1 - (r + 1 - INSET) / rows  # OBJ: v = 0 at the image bottom
        quad_uv = np.array([[u0, v0], [u1, v0], [u1, v1], [u0, v1]])
        pid = [int(np.argmin(np.linalg.norm(positions - q, axis=1))) for q in quad]
        tid = list(range(len(uvs), len(uvs) + 4))
        uvs.extend(quad_uv)
        for a, b, cc in ((0, 1, 2), (0, 2, 3)):
            corners_v.append((pid[a], pid[b], pid[cc]))
            corners_t.append((tid[a], tid[b], tid[cc]))
        regions.append(Region(f"face{i}", quad, n, np.asarray(colours[i], float) / 255))
    # shuffled v and vt lines: nothing lines up with the face order
    pv, pt = rng.permutation(len(positions)), rng.permutation(len(uvs))
    new_v, new_t = np.argsort(pv), np.argsort(pt)
    lines = [f"mtllib {stem}.mtl", "usemtl skin"]
    lines += [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in positions[pv]]
    lines += [f"vt {u:.6f} {v:.6f}" for u, v in np.asarray(uvs)[pt]]
    for fv, ft in zip(corners_v, corners_t):
        lines.append("f " + " ".join(f"{new_v[a] + 1}/{new_t[b] + 1}" for a, b in zip(fv, ft)))
    d = os.path.dirname(path)
    os.makedirs(d, exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(d, f"{stem}.mtl"), "w") as f:
        f.write(f"newmtl skin\nKa 1 1 1\nKd 1 1 1\nmap_Kd {png}\n")
    Image.fromarray(_atlas(colours)).save(os.path.join(d, png))
    return regions


def _inside(px: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """(N,) bool: pixel centres ``px`` (N, 2) inside the convex polygon ``poly`` (M, 2), either winding."""
    edges = np.roll(poly, -1, axis=0) - poly
    rel = px[:, None, :] - poly[None]
    cross = edges[None, :, 0] * rel[..., 1] - edges[None, :, 1] * rel[..., 0]
    return np.all(cross >= 0, axis=1) | np.all(cross <= 0, axis=1)


def region_pixels(view: View, regions: list[Region], scale, pos, quat, shrink: float = 0.6) -> dict[str, np.ndarray]:
    """(H, W) bool pixels of each region facing the camera: its quad, shrunk about its centre by
    ``shrink``, posed by the object's ``scale`` (3,), ``pos`` (3,) [m] and ``quat`` (w, x, y, z),
    projected, and intersected with the target mask."""
    R = quat_to_mat(np.asarray(quat, float))
    cam = -view.T[:3, :3].T @ view.T[:3, 3]
    h, w = view.mask.shape
    grid = np.stack(np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5), axis=-1).reshape(-1, 2)
    out = {}
    for reg in regions:
        c = reg.corners.mean(axis=0)
        world = (c + shrink * (reg.corners - c)) * np.asarray(scale) @ R.T + np.asarray(pos)
        centre = (c * np.asarray(scale)) @ R.T + np.asarray(pos)
        n = R @ (reg.normal / np.asarray(scale))
        if np.dot(n, cam - centre) <= 0:
            continue
        pc = world @ view.T[:3, :3].T + view.T[:3, 3]
        uv = pc[:, :2] / pc[:, 2:3] * [view.K[0, 0], view.K[1, 1]] + [view.K[0, 2], view.K[1, 2]]
        out[reg.name] = _inside(grid, uv).reshape(h, w) & view.mask
    return out


RenderFn = Callable[[object], dict[str, View]]


def _srgb_to_linear(c):
    c = np.asarray(c, float)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _linear_to_srgb(c):
    c = np.clip(np.asarray(c, float), 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def region_colour_errors(render: RenderFn, textured, reference, regions: list[Region], grey: float,
                         min_pixels: int = 30, linear: bool = False) -> dict[str, dict]:
    """Per visible face region of the target (``scene.objects[0]``) in the camera that sees most of it:
    ``expected`` texture rgb in [0, 1], ``got`` grey * mean(textured) / mean(reference) over the
    region's unclipped pixels (no channel at 255 in either image), ``error`` max |got - expected|
    over channels, ``pixels``. ``textured`` and ``reference`` are SceneSpecs that differ only in
    the target's look (``reference``: a flat ``grey`` in [0, 1], the same specular), so lighting and
    shadows cancel in the ratio; grey below 1 keeps bright lights from clipping the reference.
    ``linear``: the renderer shades in linear light and writes sRGB (a physically based engine with
    linear tone mapping), so the ratio is taken of the sRGB-decoded means and encoded back.
    ``render(scene) -> {camera: View}``."""
    tex_views, ref_views = render(textured), render(reference)
    cam = max(tex_views, key=lambda k: int(tex_views[k].mask.sum()))
    tv, rv = tex_views[cam], ref_views[cam]
    o = textured.objects[0]
    by_name = {r.name: r for r in regions}
    out = {}
    for name, px in region_pixels(tv, regions, o.scale, o.pos, o.quat).items():
        px = px & rv.mask & (tv.rgb < 255).all(axis=2) & (rv.rgb < 255).all(axis=2)
        if px.sum() < min_pixels:
            continue
        if linear:
            t, r = (_srgb_to_linear(v.rgb[px].astype(float) / 255.0).mean(axis=0) for v in (tv, rv))
            got = _linear_to_srgb(_srgb_to_linear(grey) * t / np.maximum(r, 1e-4))
        else:
            got = grey * tv.rgb[px].astype(float).mean(axis=0) / np.maximum(rv.rgb[px].astype(float).mean(axis=0), 1.0)
        exp = by_name[name].rgb
        out[name] = {"expected": exp, "got": got, "error": float(np.max(np.abs(got - exp))), "pixels": int(px.sum())}
    return out
