"""Realistic appearance: PBR material families, photometric lights and an environment light.

A realistic scene is a wild scene (same geometry, objects, poses and cameras)
whose looks are redrawn from ``AppearanceConfig``: table, floor and walls get
PBR families (randomization/pbr.py) tiled at a physical scale, objects without
their own texture get a material family from their category (a mug is glazed
ceramic, a can is metal) in their palette colour, and the light is a key light
that casts the shadow, a few fill lights and an image-based environment (a
procedural sky or room, or one of the user's HDR files). Everything drawn is
plain data in the SceneSpec; the engines turn it into pixels.

Units: illuminance [lux] at the table top; directional lights take it as their
intensity, spot and point lights get luminous intensity [cd] = lux x distance^2.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from .config import AppearanceConfig
from .lighting import kelvin_to_rgb
from .pbr import category_materials, family_params
from .pbr_files import load_material_folder, material_folders
from ..core.scene import BackgroundSpec, EnvironmentSpec, LightSpec, MaterialSpec, ObjectSpec, SceneSpec, TableSpec, TextureSpec

REALISTIC_SEED_BASE = 2_000_000  # material seeds of realistic surfaces (wild libraries use 0 and 1,000,000)
AWB_RESIDUAL = 0.35  # share of a light's colour cast (in log terms) a camera's auto white balance leaves
EXPOSURE_REFERENCE_LUX = 220000.0  # total illuminance [lux] that Filament renders at its base exposure (calibrated: median frame about 0.4 in sRGB)
# texture tile size relative to the drawn ``tile_size``: a family's features have their own physical scale
# (a weave is millimetres, granite grains centimetres, concrete mottle and wood planks decimetres)
FAMILY_TILE_SCALE = {"fabric": 0.25, "stone": 0.15, "paper": 0.5, "cardboard": 0.5, "brushed_metal": 0.5,
                     "concrete": 1.5, "marble": 1.2}


def hdr_files(folder: str) -> tuple[str, ...]:
    """Sorted ``.hdr`` environment maps in ``folder`` (sorted, so file ids are stable)."""
    return tuple(sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(".hdr")))


def _surface_terms(p) -> dict[str, float]:
    """A material's scalar PBR terms (``PbrParams`` p) and the classic Phong values derived from them:
    smooth surfaces are shinier, metals more specular; no mirror reflections."""
    gloss = 1.0 - p.roughness
    return dict(roughness=p.roughness, metallic=p.metallic, specular=float(0.1 + 0.5 * gloss + 0.3 * p.metallic),
                shininess=float(gloss), reflectance=0.0)


def pbr_material(family: str, seed: int, repeat: tuple[float, float], file: str = "") -> MaterialSpec:
    """A PBR material of ``family`` from ``seed`` (or family "folder": the user's texture set ``file``):
    its texture maps in their own colours, with the scalar terms of ``_surface_terms``."""
    p = load_material_folder(file, 64).params if family == "folder" else family_params(family, seed)
    return MaterialSpec(rgba=(1.0, 1.0, 1.0, 1.0), texture=TextureSpec(family, seed, file, pbr=True),
                        texrepeat=tuple(float(v) for v in repeat), **_surface_terms(p))


def _surface(cfg: AppearanceConfig, families: tuple[str, ...], tile: float, rng: np.random.Generator) -> MaterialSpec:
    """A surface material: one of ``families`` (or, with ``cfg.material_prob``, a user texture set),
    one texture tile ``tile`` [m] across (times the family's own scale); three draws, always made."""
    family = families[int(rng.integers(len(families)))]
    seed = REALISTIC_SEED_BASE + int(rng.integers(1_000_000))
    from_folder = rng.random() < cfg.material_prob
    file = ""
    if from_folder:
        folders = material_folders(cfg.material_folder)
        family, file = "folder", folders[seed % len(folders)]
    repeat = 1.0 / (tile * FAMILY_TILE_SCALE.get(family, 1.0))
    return pbr_material(family, seed, (repeat, repeat), file=file)


def realistic_surfaces(cfg: AppearanceConfig, table: TableSpec, background: BackgroundSpec, rng: np.random.Generator
                       ) -> tuple[TableSpec, BackgroundSpec]:
    """Table, floor and walls with PBR families; texture tiles ``cfg.tile_size`` [m] across.

    Textures on boxes and planes are mapped by world size (``texuniform``), so ``texrepeat``
    is repeats per metre there: 1 / tile size.
    """
    tile = float(rng.uniform(*cfg.tile_size))
    table = dataclasses.replace(table, material=_surface(cfg, cfg.table, tile, rng))
    floor = _surface(cfg, cfg.floor, float(rng.uniform(*cfg.tile_size)), rng)
    wall_tile = float(rng.uniform(*cfg.tile_size)) * 2.0
    walls = tuple(dataclasses.replace(w, material=_surface(cfg, cfg.walls, wall_tile, rng)) for w in background.walls)
    return table, BackgroundSpec(floor, walls, None)


def realistic_objects(cfg: AppearanceConfig, objects: tuple[ObjectSpec, ...], rng: np.random.Generator
                      ) -> tuple[ObjectSpec, ...]:
    """Objects with a material family from their category (one draw per object, always made).

    Objects that keep their own look ("own") keep their texture and colour and get the
    family's roughness and metallic; the others keep their palette colour, so instructions
    still name it ("the red mug" is red glazed ceramic).
    """
    out = []
    for o in objects:
        fams = category_materials(o.category)
        family = fams[int(rng.integers(len(fams)))]
        p = family_params(family, REALISTIC_SEED_BASE + int(rng.integers(1_000_000)))
        out.append(dataclasses.replace(o, material=dataclasses.replace(o.material, **_surface_terms(p))))
    return tuple(out)


def _balanced(kelvin: float) -> np.ndarray:
    """Light colour at ``kelvin`` as a white-balanced camera records it: AWB_RESIDUAL of its cast, max 1."""
    c = np.asarray(kelvin_to_rgb(kelvin)) ** AWB_RESIDUAL
    return c / c.max()


def _toward(pos: np.ndarray, aim: np.ndarray) -> tuple[float, float, float]:
    d = aim - pos
    return tuple(float(v) for v in d / np.linalg.norm(d))


def realistic_lights(cfg: AppearanceConfig, rng: np.random.Generator, table_center: tuple[float, float], top_z: float
                     ) -> tuple[tuple[LightSpec, ...], tuple[float, float, float], EnvironmentSpec]:
    """(lights, ambient rgb for the classic engine, environment).

    The key light casts the shadow: the sun (directional, from 25-65 deg elevation) under a
    sky, a ceiling lamp (spot, 1.2-2.2 m above the table) in a room. Fill lights are point
    lights without shadows. Colours are as a camera with auto white balance records them
    (``_balanced``). The environment's exposure compensation keeps the scene's total
    illuminance at the camera's reference level, as an auto-exposing camera would.
    """
    files = hdr_files(cfg.hdri_folder) if cfg.hdri_folder else ()
    use_file = bool(files) and rng.random() < cfg.hdri_prob
    kind = "file" if use_file else cfg.environments[int(rng.integers(len(cfg.environments)))]
    kelvin = float(rng.uniform(*cfg.temperature_k))
    key_lux = float(rng.uniform(*cfg.key_illuminance))
    env_lux = float(rng.uniform(*cfg.environment_illuminance))
    aim = np.array([table_center[0] + rng.uniform(-0.15, 0.15), table_center[1] + rng.uniform(-0.15, 0.15), top_z])
    az = rng.uniform(0.0, 2.0 * np.pi)
    colour = _balanced(kelvin)
    radius = float(rng.uniform(*cfg.bulbradius))
    if kind == "room":
        dist = rng.uniform(1.2, 2.2)
        off = rng.uniform(0.0, 0.8)
        pos = aim + np.array([off * np.cos(az), off * np.sin(az), dist])
        key = LightSpec("spot", tuple(float(v) for v in pos), _toward(pos, aim), tuple(float(v) for v in colour * 0.8),
                        True, key_lux * float(np.linalg.norm(pos - aim)) ** 2, radius)
    else:
        elev = np.radians(rng.uniform(25.0, 65.0))
        d = -np.array([np.cos(elev) * np.cos(az), np.cos(elev) * np.sin(az), np.sin(elev)])
        pos = aim - 3.0 * d
        key = LightSpec("directional", tuple(float(v) for v in pos), tuple(float(v) for v in d),
                        tuple(float(v) for v in colour * 0.8), True, key_lux, radius)
    lights = [key]
    for _ in range(int(rng.integers(cfg.fill_count[0], cfg.fill_count[1] + 1))):
        a = rng.uniform(0.0, 2.0 * np.pi)
        r = rng.uniform(0.8, 2.0)
        pos = aim + np.array([r * np.cos(a), r * np.sin(a), rng.uniform(0.8, 1.8)])
        lux = key_lux * float(rng.uniform(*cfg.fill_ratio))
        fill_rgb = _balanced(kelvin + rng.uniform(-500.0, 500.0))
        lights.append(LightSpec("point", tuple(float(v) for v in pos), _toward(pos, aim),
                                tuple(float(v) for v in fill_rgb * 0.25), False,
                                lux * float(np.linalg.norm(pos - aim)) ** 2, 0.05))
    total = key_lux + env_lux + sum(li.intensity / float(np.linalg.norm(np.subtract(li.pos, aim))) ** 2 for li in lights[1:])
    env = EnvironmentSpec(
        kind=kind,
        seed=int(rng.integers(1_000_000)),
        intensity=env_lux,
        rotation=float(np.degrees(az)),
        file=files[int(rng.integers(len(files)))] if use_file else "",
        exposure=float(np.log2(EXPOSURE_REFERENCE_LUX / total)),
    )
    ambient = colour * float(np.clip(0.2 + 0.25 * env_lux / 10000.0, 0.25, 0.5))
    return tuple(lights), tuple(float(v) for v in ambient), env


def make_realistic(cfg: AppearanceConfig, scene: SceneSpec, rng: np.random.Generator) -> SceneSpec:
    """``scene`` with realistic surfaces, object materials, lights and environment (from ``rng``'s children)."""
    surf_rng, obj_rng, light_rng = rng.spawn(3)
    table, background = realistic_surfaces(cfg, scene.table, scene.background, surf_rng)
    objects = realistic_objects(cfg, scene.objects, obj_rng)
    lights, ambient, env = realistic_lights(cfg, light_rng, table.center, table.top_z)
    return dataclasses.replace(scene, table=table, background=background, objects=objects, lights=lights,
                               ambient=ambient, environment=env, appearance="realistic")
