"""Sample one SceneSpec from (config, catalog, robot, rng). Pure: no simulator."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..assets.catalog import AssetCatalog
from ..assets.meshes import load_mesh
from ..assets.robot import RobotSpec
from .config import SceneConfig
from .spec import CameraSpec, LightSpec, ObjectSpec, SceneSpec, TableSpec

# Named colours for instructions; rgb in [0, 1].
PALETTE: dict[str, tuple[float, float, float]] = {
    "red": (0.85, 0.12, 0.10),
    "green": (0.15, 0.65, 0.20),
    "blue": (0.12, 0.25, 0.85),
    "yellow": (0.95, 0.85, 0.10),
    "orange": (0.95, 0.50, 0.08),
    "purple": (0.55, 0.20, 0.70),
    "pink": (0.95, 0.45, 0.70),
    "cyan": (0.10, 0.80, 0.85),
    "white": (0.93, 0.93, 0.93),
    "black": (0.08, 0.08, 0.08),
    "brown": (0.50, 0.30, 0.12),
}

DENSITY = 500.0  # kg/m^3, for masses of the scaled convex hulls
MASS_RANGE = (0.03, 0.5)  # kg


def random_quat(rng: np.random.Generator) -> np.ndarray:
    """Uniform random unit quaternion (w, x, y, z)."""
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


def _sample_color(rng: np.random.Generator, names: list[str]) -> tuple[str, tuple[float, float, float, float]]:
    """Draw and remove a colour name from ``names``; return it with a jittered rgba."""
    name = names.pop(int(rng.integers(len(names))))
    rgb = np.clip(np.asarray(PALETTE[name]) + rng.uniform(-0.04, 0.04, 3), 0.0, 1.0)
    return name, (float(rgb[0]), float(rgb[1]), float(rgb[2]), 1.0)


def _place(rng, cfg: SceneConfig, radius: float, placed: list[tuple[float, float, float]]):
    """Rejection-sample an (x, y) whose footprint circle clears earlier ones; None after 200 tries."""
    for _ in range(200):
        x = rng.uniform(*cfg.spawn_x)
        y = rng.uniform(*cfg.spawn_y)
        if all(np.hypot(x - px, y - py) >= radius + pr + cfg.min_separation for px, py, pr in placed):
            return x, y
    return None


def sample_scene(cfg: SceneConfig, catalog: AssetCatalog, robot: RobotSpec, rng: np.random.Generator) -> SceneSpec:
    """Draw a table, a target and distractors, cameras, a light and a start pose.

    Object poses are drop poses above the table; the generator settles them with
    physics. Every object gets its own colour, so "pick up the <colour>
    <category>" is unambiguous whichever object ends up the target. Object 0 is
    the target; the generator may move the target to another object that has
    grasps (``with_target``).
    """
    n_obj = 1 + int(rng.integers(cfg.num_distractors[0], cfg.num_distractors[1] + 1))
    if n_obj > len(PALETTE):
        raise RuntimeError(f"at most {len(PALETTE)} objects have distinct colours; lower scene.num_distractors")
    colors = list(PALETTE)
    placed: list[tuple[float, float, float]] = []
    objects: list[ObjectSpec] = []
    drop_z = cfg.table_top_z + 0.005
    for i in range(n_obj):
        for _ in range(100):
            asset = catalog.objects[int(rng.integers(len(catalog)))]
            base = load_mesh(asset.collision_mesh, asset.mesh_scale)
            size = rng.uniform(*cfg.object_size)
            s = float(size / max(base.extents))
            ext = np.sort(base.extents * s)
            if i > 0 or (ext[0] >= cfg.target_min_thickness and ext[1] <= cfg.target_max_width):
                break
        else:
            raise RuntimeError("no catalog object fits scene.target_min_thickness/target_max_width; relax them")
        scale = tuple(float(s * k) for k in asset.mesh_scale)
        radius = 0.5 * size
        xy = _place(rng, cfg, radius, placed)
        if xy is None:
            if i == 0:
                raise RuntimeError("spawn region too small for even one object; widen scene.spawn_x/spawn_y")
            break
        placed.append((xy[0], xy[1], radius))
        color, rgba = _sample_color(rng, colors)
        quat = random_quat(rng)
        mass = float(np.clip(DENSITY * base.convex_hull.volume * s**3, *MASS_RANGE))
        objects.append(
            ObjectSpec(
                name=f"obj{i}",
                asset_id=asset.asset_id,
                category=asset.category,
                scale=scale,
                rgba=rgba,
                color_name=color,
                pos=(float(xy[0]), float(xy[1]), float(drop_z + radius)),
                quat=tuple(float(v) for v in quat),
                mass=mass,
            )
        )
    h, w = cfg.image_size
    cams = tuple(CameraSpec(c.name, c.pos, c.lookat, c.fovy, h, w) for c in cfg.cameras)
    table_x = cfg.table_near_x + cfg.table_size[0] / 2
    table = TableSpec((table_x, 0.0), cfg.table_size, cfg.table_top_z, (0.55, 0.42, 0.30, 1.0))
    lights = (LightSpec((0.4, 0.3, 1.6), (-0.3, 0.2, -1.0), (0.6, 0.6, 0.6), True, False),)
    noise = rng.uniform(-1.0, 1.0, robot.n_arm) * robot.start_noise * cfg.robot_start_noise
    start = tuple(float(v) for v in np.asarray(robot.home_qpos) + noise)
    scene = SceneSpec(robot.name, start, table, tuple(objects), 0, cams, lights, "")
    return with_target(scene, 0)


def instruction_for(obj: ObjectSpec) -> str:
    return f"pick up the {obj.color_name} {obj.category}"


def with_target(scene: SceneSpec, index: int) -> SceneSpec:
    """The same scene with ``objects[index]`` as the target and its instruction."""
    return dataclasses.replace(scene, target_index=index, instruction=instruction_for(scene.objects[index]))
