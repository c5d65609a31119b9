"""Sample one SceneSpec from (config, catalog, robot, rng). Pure: no simulator.

Each dimension draws from its own child generator (``rng.spawn``), so switching
one dimension off leaves every other dimension's draws unchanged.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..assets.catalog import AssetCatalog
from ..assets.robot import RobotSpec
from .appearance import make_realistic, realistic_lights
from .camera_effects import sample_camera_effects
from .cameras import sample_cameras
from .config import RobotStartConfig, SceneConfig, resolve_realism
from .lighting import sample_lights
from .objects import sample_objects
from ..core.scene import ObjectSpec, SceneSpec
from .surfaces import SurfaceStreams, sample_background, sample_table

DIMENSIONS = ("table", "background", "objects", "lighting", "cameras", "robot", "appearance", "camera_effects")


def sample_robot_start(cfg: RobotStartConfig, robot: RobotSpec, rng: np.random.Generator) -> tuple[float, ...]:
    """Home pose plus uniform noise [rad]; the home pose itself when disabled."""
    home = np.asarray(robot.home_qpos)
    if not cfg.enabled:
        return tuple(float(v) for v in home)
    noise = rng.uniform(-1.0, 1.0, robot.n_arm) * robot.start_noise * cfg.noise_scale
    return tuple(float(v) for v in home + noise)


def sample_robot_shade(cfg, rng: np.random.Generator) -> float:
    return float(rng.uniform(*cfg.robot_shade)) if cfg.enabled else 0.92


def sample_scene(cfg: SceneConfig, catalog: AssetCatalog, robot: RobotSpec, rng: np.random.Generator) -> SceneSpec:
    """Draw table, background, objects, lights, cameras and the robot start pose.

    A share ``cfg.appearance.realistic_share`` of scenes is then given realistic looks
    (randomization/appearance.py) from the scene's "appearance" generator; the other
    dimensions' draws are the same either way.

    Object poses are drop poses just above the table; the generator settles them
    with physics. Every object has its own colour (or keeps its own look and is
    the only one of its category), so "pick up the [<colour>] <category>" is
    unambiguous whichever object ends up the target. Object 0 is
    the target; the generator may move the target to another object that has
    grasps (``with_target``).
    """
    if cfg.appearance.realistic_share is None or cfg.camera_effects.enabled is None:
        cfg = resolve_realism(cfg, physical=True)  # used without a run config: the default engine's choice
    r = dict(zip(DIMENSIONS, rng.spawn(len(DIMENSIONS))))
    choice_rng, look_rng = r["appearance"].spawn(2)
    realistic = bool(choice_rng.random() < cfg.appearance.realistic_share)
    obj_cfg = cfg.objects
    if realistic:  # objects keep their own texture by default in realistic scenes
        obj_cfg = dataclasses.replace(obj_cfg, own_appearance_prob=cfg.appearance.own_appearance_prob)
    table = sample_table(cfg.table, cfg.materials, cfg.textures, SurfaceStreams.spawn(r["table"]))
    background = sample_background(
        cfg.background, cfg.materials, cfg.textures, SurfaceStreams.spawn(r["background"]), table
    )
    objects = sample_objects(obj_cfg, cfg.materials, catalog, *r["objects"].spawn(3), table.top_z,
                             robot.target_max_width)
    lights, ambient = sample_lights(cfg.lighting, r["lighting"], table.center, table.top_z)
    cams = sample_cameras(cfg.cameras, cfg.camera_jitter, cfg.image_size, r["cameras"], table.top_z)
    robot_start_rng, robot_shade_rng = r["robot"].spawn(2)
    start = sample_robot_start(cfg.robot_start, robot, robot_start_rng)
    shade = sample_robot_shade(cfg.materials, robot_shade_rng)
    effects = sample_camera_effects(cfg.camera_effects, tuple(c.name for c in cams), r["camera_effects"])
    scene = SceneSpec(robot.name, start, shade, table, background, objects, 0, cams, lights, ambient, "",
                      camera_effects=tuple(fx for fx in effects if not fx.is_identity))
    if realistic:
        scene = make_realistic(cfg.appearance, scene, look_rng)
    return with_target(scene, 0)


def instruction_for(obj: ObjectSpec) -> str:
    return f"pick up the {obj.color_name} {obj.category}" if obj.color_name else f"pick up the {obj.category}"


def with_target(scene: SceneSpec, index: int) -> SceneSpec:
    """The same scene with ``objects[index]`` as the target and its instruction."""
    return dataclasses.replace(scene, target_index=index, instruction=instruction_for(scene.objects[index]))


def redraw_view(cfg: SceneConfig, scene: SceneSpec, rng: np.random.Generator) -> SceneSpec:
    """The same scene with new camera and light draws (used when the target is not visible); a
    realistic scene redraws its realistic lights and environment."""
    cams = sample_cameras(cfg.cameras, cfg.camera_jitter, cfg.image_size, rng, scene.table.top_z)
    if scene.appearance == "realistic":
        lights, ambient, env = realistic_lights(cfg.appearance, rng, scene.table.center, scene.table.top_z)
        return dataclasses.replace(scene, cameras=cams, lights=lights, ambient=ambient, environment=env)
    lights, ambient = sample_lights(cfg.lighting, rng, scene.table.center, scene.table.top_z)
    return dataclasses.replace(scene, cameras=cams, lights=lights, ambient=ambient)
