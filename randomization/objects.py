"""Objects: which assets, how big, what colour and material, where they are dropped."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np

from ..assets.catalog import AssetCatalog
from ..assets.meshes import object_geometry
from ..core.errors import ConfigError
from ..core.geometry import quat_to_mat
from .config import MaterialsConfig, ObjectsConfig
from .palette import PALETTE
from ..core.scene import ObjectSpec, TextureSpec
from .surfaces import sample_material

# Named colours for instructions; rgb in [0, 1].

MASS_RANGE = (0.03, 0.5)  # kg


def _draw_asset(catalog: AssetCatalog, rng: np.random.Generator):
    """A category uniformly, then an object of it uniformly (so a large source does not drown small ones)."""
    cats = catalog.categories()
    members = catalog.in_category(cats[int(rng.integers(len(cats)))])
    return members[int(rng.integers(len(members)))]


def _mass(asset, geometry, s: float) -> float:
    return float(np.clip(asset.density * geometry.volume * s**3, *MASS_RANGE))


def random_quat(rng: np.random.Generator) -> np.ndarray:
    """Uniform random unit quaternion (w, x, y, z) with w >= 0."""
    u1, u2, u3 = rng.random(3)
    q = np.array(
        [
            np.sqrt(u1) * np.cos(2 * np.pi * u3),
            np.sqrt(1 - u1) * np.sin(2 * np.pi * u2),
            np.sqrt(1 - u1) * np.cos(2 * np.pi * u2),
            np.sqrt(u1) * np.sin(2 * np.pi * u3),
        ]
    )
    return q if q[0] >= 0 else -q


def _place(rng, cfg: ObjectsConfig, radius: float, placed: list[tuple[float, float, float]]):
    """Rejection-sample an (x, y) whose footprint circle clears earlier ones; None after 200 tries."""
    for _ in range(200):
        x = rng.uniform(*cfg.spawn_x)
        y = rng.uniform(*cfg.spawn_y)
        if all(np.hypot(x - px, y - py) >= radius + pr + cfg.min_separation for px, py, pr in placed):
            return x, y
    return None


def _with_appearance(objects: list[ObjectSpec], catalog: AssetCatalog, prob: float, rng: np.random.Generator):
    """Objects whose asset has its own look keep it with probability ``prob`` (one draw per object,
    always made, so the stream does not depend on the catalog), unless their category appears twice.
    An object keeping its main look is named by the asset's ``colour_words`` ("pink and yellow"), or
    by its category alone when it has none.

    Of an asset's several looks (colour variants), the same draw picks one uniformly: given
    u < prob, u / prob is uniform in [0, 1), so no extra draw shifts the stream."""
    counts = Counter(o.category for o in objects)
    out = []
    for o in objects:
        u = float(rng.random())
        asset = catalog.by_id(o.asset_id)
        looks = asset.appearances()
        k = min(int(u / prob * len(looks)), len(looks) - 1) if u < prob else 0
        look = looks[k]
        if u < prob and look.has_look and counts[o.category] == 1:
            tex = TextureSpec("file", 0, look.texture) if look.texture and look.render_mesh else None
            rgba = look.rgba if look.rgba is not None else (1.0, 1.0, 1.0, 1.0)
            mat = dataclasses.replace(o.material, rgba=tuple(float(c) for c in rgba), texture=tex, texrepeat=(1.0, 1.0))
            # the main look's colour words (from the folder name) describe it; other looks are unnamed
            colour = " and ".join(asset.colour_words) if k == 0 else ""
            o = dataclasses.replace(o, appearance="own", color_name=colour, material=mat, variant=k)
        out.append(o)
    return tuple(out)


def sample_objects(
    cfg: ObjectsConfig,
    mat_cfg: MaterialsConfig,
    catalog: AssetCatalog,
    rng: np.random.Generator,
    mat_rng: np.random.Generator,
    app_rng: np.random.Generator,
    top_z: float,
    robot_max_width: float,
) -> tuple[ObjectSpec, ...]:
    """Target (index 0) and distractors with distinct colours, dropped just above the table top ``top_z``.

    ``rng`` draws assets, sizes, colours and poses; ``mat_rng`` the surface properties;
    ``app_rng`` whether each object keeps its own appearance (``cfg.own_appearance_prob``).
    Distractor-only assets are never the target.
    ``robot_max_width`` [m] bounds the target's middle extent unless ``cfg.target_max_width`` is set.
    """
    max_width = cfg.target_max_width if cfg.target_max_width is not None else robot_max_width
    colors = list(PALETTE)
    if not cfg.enabled:
        asset = catalog.objects[0]
        base = object_geometry(asset, asset.mesh_scale)
        size = float(np.mean(asset.size_range or cfg.size))
        s = size / float(max(base.visual.extents))
        lowest = float(np.min(base.visual.vertices[:, 2])) * s
        pos = (float(np.mean(cfg.spawn_x)), float(np.mean(cfg.spawn_y)), top_z + 0.005 - lowest)
        mass = _mass(asset, base, s)
        mat = sample_material(mat_cfg, mat_rng, PALETTE["red"])
        scale = tuple(float(s * k) for k in asset.mesh_scale)
        return (ObjectSpec("obj0", asset.asset_id, asset.category, scale, "red", mat, pos, (1.0, 0.0, 0.0, 0.0), mass,
                           synonyms=asset.synonyms),)
    n_obj = 1 + int(rng.integers(cfg.num_distractors[0], cfg.num_distractors[1] + 1))
    placed: list[tuple[float, float, float]] = []
    objects: list[ObjectSpec] = []
    for i in range(n_obj):
        for _ in range(100):
            asset = _draw_asset(catalog, rng)
            base = object_geometry(asset, asset.mesh_scale)
            size = rng.uniform(*(asset.size_range or cfg.size))
            s = float(size / max(base.visual.extents))
            ext = np.sort(base.visual.extents * s)
            if i > 0 or (not asset.distractor_only and ext[0] >= cfg.target_min_thickness and ext[1] <= max_width):
                break
        else:
            raise ConfigError("scene.objects.target_min_thickness", "no catalog object fits target_min_thickness/"
                              "target_max_width in 100 draws; relax them")
        verts = base.visual.vertices * s
        radius = float(np.max(np.linalg.norm(verts, axis=1)))  # footprint about the body origin, any orientation
        xy = _place(rng, cfg, radius, placed)
        if xy is None:
            if i == 0:
                raise ConfigError("scene.objects.spawn_x", "spawn region too small for even one object; widen "
                                  "scene.objects.spawn_x/spawn_y")
            break
        placed.append((xy[0], xy[1], radius))
        name = colors.pop(int(rng.integers(len(colors))))
        rgb = np.clip(np.asarray(PALETTE[name]) + rng.uniform(-0.04, 0.04, 3), 0.0, 1.0)
        mass = _mass(asset, base, s)
        quat = random_quat(rng)
        lowest = float(np.min((verts @ quat_to_mat(quat).T)[:, 2]))  # drop with the lowest point 5 mm up
        objects.append(
            ObjectSpec(
                name=f"obj{i}",
                asset_id=asset.asset_id,
                category=asset.category,
                scale=tuple(float(s * k) for k in asset.mesh_scale),
                color_name=name,
                material=sample_material(mat_cfg, mat_rng, rgb),
                pos=(float(xy[0]), float(xy[1]), float(top_z + 0.005 - lowest)),
                quat=tuple(float(v) for v in quat),
                mass=mass,
                synonyms=asset.synonyms,
            )
        )
    return _with_appearance(objects, catalog, cfg.own_appearance_prob, app_rng)
