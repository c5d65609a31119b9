"""Procedural objects in named categories, generated from seeds (nothing is stored or downloaded).

Each category function maps a generator to (visual mesh, convex parts) in
metres, resting on z = 0. Parts are built alongside the shape (wedges of a
revolved wall, capsules of a handle), so no decomposition runs at scene time.
Reference: ``procedural:<category>:<seed>:visual`` or ``...:part<k>``.
"""

from __future__ import annotations

import functools

import numpy as np
import trimesh

from .catalog import ObjectAsset, register_asset_source
from .categories import CATEGORIES
from .labels import STYLES, label_image, uv_mapped
from .meshes import register_image_scheme, register_mesh_scheme, register_uv_scheme

PER_CATEGORY = 100
SECTIONS = 24
WALL_WEDGES = 12


def _revolve(profile) -> trimesh.Trimesh:
    return trimesh.creation.revolve(np.asarray(profile, dtype=float), sections=SECTIONS)


def _shell_parts(r_out_bottom, r_out_top, wall, height, bottom) -> list[trimesh.Trimesh]:
    """Convex pieces of an open-top shell of revolution: a bottom disk and wall wedges."""
    parts = [trimesh.creation.cylinder(radius=r_out_bottom, height=bottom).apply_translation([0, 0, bottom / 2])]
    for i in range(WALL_WEDGES):
        a0, a1 = 2 * np.pi * i / WALL_WEDGES, 2 * np.pi * (i + 1) / WALL_WEDGES
        pts = []
        for a in (a0, a1):
            for r, z in ((r_out_bottom, bottom), (r_out_top, height), (r_out_bottom - wall, bottom), (r_out_top - wall, height)):
                pts.append([r * np.cos(a), r * np.sin(a), z])
        parts.append(trimesh.convex.convex_hull(np.asarray(pts)))
    return parts


def _capsule_between(p0, p1, radius) -> trimesh.Trimesh:
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    d = p1 - p0
    length = float(np.linalg.norm(d))
    cap = trimesh.creation.capsule(height=length, radius=radius, count=[8, 8])
    z = d / length
    x = np.cross(z, [0, 0, 1.0]) if abs(z[2]) < 0.9 else np.cross(z, [1.0, 0, 0])
    x /= np.linalg.norm(x)
    T = np.eye(4)
    T[:3, :3] = np.stack([x, np.cross(z, x), z], axis=1)
    T[:3, 3] = (p0 + p1) / 2
    return cap.apply_transform(T)


def _cup_like(rng, r_range, h_range, taper, handle: bool):
    rb = rng.uniform(*r_range)
    rt = rb * rng.uniform(*taper)
    h = rng.uniform(*h_range)
    wall = rng.uniform(0.003, 0.005)
    bottom = rng.uniform(0.004, 0.008)
    prof = [[0, 0], [rb, 0], [rt, h], [rt - wall, h], [rb - wall, bottom], [0, bottom]]
    parts = _shell_parts(rb, rt, wall, h, bottom)
    visual = [_revolve(prof)]
    if handle:
        hr = rng.uniform(0.004, 0.006)
        reach = rng.uniform(0.012, 0.018)
        z0, z1 = h * 0.25, h * 0.8
        x_wall = lambda z: rb + (rt - rb) * z / h - hr  # noqa: E731
        pts = [[x_wall(z0), 0, z0], [x_wall(z0) + reach, 0, z0 + 0.1 * h], [x_wall(z1) + reach, 0, z1 - 0.1 * h], [x_wall(z1), 0, z1]]
        for a, b in zip(pts, pts[1:]):
            c = _capsule_between(a, b, hr)
            parts.append(c)
            visual.append(c)
    return trimesh.util.concatenate(visual), parts


def _mug(rng):
    return _cup_like(rng, (0.022, 0.028), (0.07, 0.09), (1.0, 1.05), handle=True)


def _cup(rng):
    return _cup_like(rng, (0.020, 0.026), (0.07, 0.10), (1.1, 1.3), handle=False)


def _bowl(rng):
    rb = rng.uniform(0.025, 0.035)
    rt = rng.uniform(0.055, 0.07)
    h = rng.uniform(0.04, 0.06)
    wall, bottom = 0.004, 0.006
    prof = [[0, 0], [rb, 0], [rt, h], [rt - wall, h], [rb - wall, bottom], [0, bottom]]
    return _revolve(prof), _shell_parts(rb, rt, wall, h, bottom)


def _plate(rng):
    r = rng.uniform(0.06, 0.09)
    h = rng.uniform(0.012, 0.02)
    prof = [[0, 0], [r * 0.7, 0], [r, h], [0, h * 0.5]]
    m = _revolve(prof)
    return m, [m.convex_hull]


def _bottle(rng):
    r = rng.uniform(0.02, 0.03)
    h = rng.uniform(0.14, 0.22)
    rn = rng.uniform(0.009, 0.013)
    body = h * rng.uniform(0.55, 0.7)
    prof = [[0, 0], [r, 0], [r, body], [rn, body + h * 0.15], [rn, h], [0, h]]
    m = _revolve(prof)
    neck = trimesh.convex.convex_hull(m.vertices[m.vertices[:, 2] >= body])
    base = trimesh.convex.convex_hull(m.vertices[m.vertices[:, 2] <= body + 1e-6])
    return m, [base, neck]


def _can(rng):
    m = trimesh.creation.cylinder(radius=rng.uniform(0.025, 0.033), height=rng.uniform(0.08, 0.12), sections=SECTIONS)
    m.apply_translation([0, 0, m.extents[2] / 2])
    return m, [m.convex_hull]


def _box(rng):
    dims = [rng.uniform(0.03, 0.06), rng.uniform(0.04, 0.10), rng.uniform(0.03, 0.08)]
    m = trimesh.creation.box(extents=dims)
    m.apply_translation([0, 0, dims[2] / 2])
    return m, [m.convex_hull]


def _ball(rng):
    m = trimesh.creation.icosphere(subdivisions=2, radius=rng.uniform(0.02, 0.035))
    m.apply_translation([0, 0, m.extents[2] / 2])
    return m, [m.convex_hull]


def _banana(rng):
    n = 5
    length = rng.uniform(0.13, 0.18)
    bend = rng.uniform(0.3, 0.7)
    r0 = rng.uniform(0.014, 0.018)
    ts = np.linspace(-0.5, 0.5, n + 1)
    pts = [[t * length, 0.0, r0 + bend * length * (0.25 - t * t) * 0.5] for t in ts]
    radii = r0 * (1 - 0.5 * np.abs(ts[:-1] + ts[1:]))
    parts = [_capsule_between(a, b, rad) for a, b, rad in zip(pts, pts[1:], radii)]
    return trimesh.util.concatenate(parts), parts


def _tool_handle(rng):
    L = rng.uniform(0.10, 0.16)
    r = rng.uniform(0.012, 0.017)
    handle = _capsule_between([0, 0, r], [L, 0, r], r)
    if rng.random() < 0.5:  # hammer-like head
        head = trimesh.creation.box(extents=[rng.uniform(0.02, 0.03), rng.uniform(0.06, 0.09), 2 * r * 1.3])
        head.apply_translation([L + 0.01, 0, r * 1.3])
    else:  # screwdriver-like shaft
        head = trimesh.creation.cylinder(radius=r * 0.3, height=rng.uniform(0.05, 0.08), sections=12)
        head.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [0, 1, 0]))
        head.apply_translation([L + r + head.extents[0] / 2, 0, r])
    return trimesh.util.concatenate([handle, head]), [handle, head.convex_hull]


_BUILDERS = {
    "mug": _mug,
    "bottle": _bottle,
    "can": _can,
    "bowl": _bowl,
    "box": _box,
    "cup": _cup,
    "plate": _plate,
    "banana": _banana,
    "tool handle": _tool_handle,
    "ball": _ball,
}
assert tuple(_BUILDERS) == tuple(CATEGORIES)


@functools.lru_cache(maxsize=256)
def procedural_object(category: str, seed: int) -> tuple[trimesh.Trimesh, tuple[trimesh.Trimesh, ...]]:
    """(visual mesh, convex parts) of object ``seed`` of ``category``; deterministic."""
    rng = np.random.default_rng([list(CATEGORIES).index(category), seed])
    visual, parts = _BUILDERS[category](rng)
    return visual, tuple(parts)


@register_mesh_scheme("procedural")
def _procedural_ref(rest: str) -> trimesh.Trimesh:
    category, seed, part = rest.rsplit(":", 2)
    visual, parts = procedural_object(category, int(seed))
    return visual if part == "visual" else parts[int(part[len("part"):])]


@register_uv_scheme("procedural")
def _procedural_render(rest: str):
    """``<category>:<seed>:render``: the visual mesh with UVs for its label texture."""
    category, seed, _ = rest.rsplit(":", 2)
    visual, _ = procedural_object(category, int(seed))
    return uv_mapped(visual.vertices, visual.faces, STYLES[category])


@register_image_scheme("procedural")
def _procedural_image(rest: str) -> np.ndarray:
    """``<category>:<seed>``: the object's seeded label, print or glaze image."""
    category, seed = rest.rsplit(":", 1)
    return label_image(category, int(seed))


@register_asset_source("procedural")
@functools.lru_cache(maxsize=1)
def procedural_objects() -> list[ObjectAsset]:
    """PER_CATEGORY objects in each of the CATEGORIES; cans, bottles, boxes, mugs and cups carry
    their own seeded texture (``labels.py``), used when an episode keeps the object's appearance."""
    out = []
    for category, (size, density) in CATEGORIES.items():
        n_parts = len(procedural_object(category, 0)[1])  # the same for every seed of a category
        for seed in range(PER_CATEGORY):
            ref = f"procedural:{category}:{seed}"
            out.append(
                ObjectAsset(
                    asset_id=f"procedural/{category.replace(' ', '_')}/{seed:03d}",
                    category=category,
                    visual_mesh=f"{ref}:visual",
                    collision_mesh=f"{ref}:visual",
                    collision_parts=tuple(f"{ref}:part{k}" for k in range(n_parts)),
                    size_range=size,
                    density=density,
                    render_mesh=f"{ref}:render" if category in STYLES else "",
                    texture=ref if category in STYLES else "",
                )
            )
    return out
