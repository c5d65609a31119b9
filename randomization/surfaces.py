"""Materials, table and background (floor, walls, sky)."""

from __future__ import annotations

import dataclasses

import numpy as np

from .config import BackgroundConfig, MaterialsConfig, TableConfig, TexturesConfig
from ..core.scene import BackgroundSpec, MaterialSpec, TableSpec, TextureSpec, WallSpec
from .textures import sample_texture


@dataclasses.dataclass(frozen=True)
class SurfaceStreams:
    """Separate generators for a surface's geometry, texture and material draws, so that
    switching textures or materials off does not shift the other draws."""

    geometry: np.random.Generator
    textures: np.random.Generator
    materials: np.random.Generator

    @classmethod
    def spawn(cls, rng: np.random.Generator) -> "SurfaceStreams":
        return cls(*rng.spawn(3))


def sample_material(
    cfg: MaterialsConfig, rng: np.random.Generator, rgb, texture: TextureSpec | None = None, repeat=(1.0, 1.0)
) -> MaterialSpec:
    """A material of colour ``rgb`` (3,) in [0, 1] with sampled specular, shininess and reflectance."""
    rgba = (float(rgb[0]), float(rgb[1]), float(rgb[2]), 1.0)
    if not cfg.enabled:
        return MaterialSpec(rgba, 0.3, 0.3, 0.0, texture, tuple(repeat))
    return MaterialSpec(
        rgba,
        float(rng.uniform(*cfg.specular)),
        float(rng.uniform(*cfg.shininess)),
        float(rng.uniform(*cfg.reflectance)),
        texture,
        tuple(float(v) for v in repeat),
    )


def _textured(mat_cfg, tex_cfg, streams, library, plain_rgb) -> MaterialSpec:
    tex = sample_texture(tex_cfg, library, streams.textures)
    if tex is None:
        return sample_material(mat_cfg, streams.materials, plain_rgb)
    k = float(streams.textures.uniform(*tex_cfg.repeat))
    return sample_material(mat_cfg, streams.materials, (1.0, 1.0, 1.0), tex, (k, k))


def sample_table(
    cfg: TableConfig, mat_cfg: MaterialsConfig, tex_cfg: TexturesConfig, streams: SurfaceStreams
) -> TableSpec:
    """Table top height [m] relative to the robot base, size, and surface."""
    if cfg.enabled:
        top_z = float(streams.geometry.uniform(*cfg.height))
        size = (float(streams.geometry.uniform(*cfg.size_x)), float(streams.geometry.uniform(*cfg.size_y)))
    else:
        top_z, size = 0.0, (0.8, 1.2)
    material = _textured(mat_cfg, tex_cfg, streams, "table", (0.55, 0.42, 0.30))
    return TableSpec((cfg.near_x + size[0] / 2, 0.0), size, top_z, material)


def sample_background(
    cfg: BackgroundConfig, mat_cfg: MaterialsConfig, tex_cfg: TexturesConfig, streams: SurfaceStreams, table: TableSpec
) -> BackgroundSpec:
    """Floor below the table, walls behind and beside it, a gradient sky."""
    if not cfg.enabled:
        return BackgroundSpec(MaterialSpec((0.35, 0.36, 0.38, 1.0)), (), None)
    rng = streams.geometry
    floor = _textured(mat_cfg, tex_cfg, streams, "background", rng.uniform(0.2, 0.7, 3))
    walls = []
    if cfg.walls:
        cx, cy = table.center
        floor_z = table.top_z - 0.75
        height = 3.0
        for axis, sign in ((0, 1.0), (1, 1.0), (1, -1.0)):
            d = float(rng.uniform(*cfg.wall_distance))
            pos = [cx, cy, floor_z + height / 2]
            pos[axis] += sign * d
            half = [0.02, 4.0, height / 2] if axis == 0 else [4.0, 0.02, height / 2]
            mat = _textured(mat_cfg, tex_cfg, streams, "background", rng.uniform(0.2, 0.9, 3))
            walls.append(WallSpec(tuple(float(v) for v in pos), tuple(half), mat))
    sky = None
    if cfg.skybox:
        a, b = rng.uniform(0.0, 1.0, 3), rng.uniform(0.0, 1.0, 3)
        sky = (tuple(float(v) for v in a), tuple(float(v) for v in b))
    return BackgroundSpec(floor, tuple(walls), sky)
