"""SceneSpec -> compiled MuJoCo model (robot MJCF + table, objects, cameras, lights)."""

from __future__ import annotations

import os

import mujoco
import numpy as np

from ..assets.catalog import AssetCatalog
from ..assets.meshes import load_mesh
from ..assets.robot import RobotSpec
from ..core.geometry import look_at, mat_to_quat
from ..randomization.spec import SceneSpec

TABLE_THICKNESS = 0.04  # m
FLOOR_BELOW_TABLE = 0.75  # m


def _add_mesh(spec: mujoco.MjSpec, name: str, mesh) -> None:
    m = spec.add_mesh()
    m.name = name
    m.uservert = np.asarray(mesh.vertices, dtype=np.float32).ravel().tolist()
    m.userface = np.asarray(mesh.faces, dtype=np.int32).ravel().tolist()


def build_model(scene: SceneSpec, catalog: AssetCatalog, robot: RobotSpec) -> mujoco.MjModel:
    """Compile the scene. Object visual meshes are rendered; their convex hulls collide.

    Body names: ``table``, ``obj<i>`` (scene.objects[i]); cameras carry the
    SceneSpec camera names; every object has a free joint ``obj<i>_joint``.
    """
    spec = mujoco.MjSpec.from_file(robot.mjcf_path)
    spec.meshdir = robot.meshdir
    for mesh in spec.meshes:
        # Load file meshes through trimesh: MuJoCo's OBJ decoder mis-shades some
        # multi-part OBJ files, and trimesh's cache makes later episodes cheap.
        if mesh.file:
            tm = load_mesh(
                os.path.join(robot.meshdir, mesh.file), tuple(float(v) for v in mesh.scale), robot.visual_max_faces
            )
            mesh.file = ""
            mesh.scale = [1.0, 1.0, 1.0]
            mesh.uservert = np.asarray(tm.vertices, dtype=np.float32).ravel().tolist()
            mesh.userface = np.asarray(tm.faces, dtype=np.int32).ravel().tolist()
    h = max(c.height for c in scene.cameras)
    w = max(c.width for c in scene.cameras)
    spec.visual.global_.offwidth = max(w, 64)
    spec.visual.global_.offheight = max(h, 64)
    spec.visual.headlight.ambient = [0.35, 0.35, 0.35]
    spec.visual.headlight.diffuse = [0.35, 0.35, 0.35]
    spec.visual.headlight.specular = [0.0, 0.0, 0.0]
    spec.option.timestep = 0.002
    world = spec.worldbody

    t = scene.table
    world.add_geom(
        name="table",
        type=mujoco.mjtGeom.mjGEOM_BOX,
        size=[t.size[0] / 2, t.size[1] / 2, TABLE_THICKNESS / 2],
        pos=[t.center[0], t.center[1], t.top_z - TABLE_THICKNESS / 2],
        rgba=list(t.rgba),
        friction=[1.0, 0.005, 0.0001],
    )
    world.add_geom(
        name="floor",
        type=mujoco.mjtGeom.mjGEOM_PLANE,
        size=[3.0, 3.0, 0.1],
        pos=[0.0, 0.0, t.top_z - FLOOR_BELOW_TABLE],
        rgba=[0.35, 0.36, 0.38, 1.0],
        contype=0,
        conaffinity=0,
    )

    for o in scene.objects:
        asset = catalog.by_id(o.asset_id)
        vis = load_mesh(asset.visual_mesh, tuple(o.scale))
        col = load_mesh(asset.collision_mesh, tuple(o.scale)).convex_hull
        _add_mesh(spec, f"{o.name}_vis", vis)
        _add_mesh(spec, f"{o.name}_col", col)
        body = world.add_body(name=o.name, pos=list(o.pos), quat=list(o.quat))
        body.add_freejoint(name=f"{o.name}_joint")
        body.add_geom(
            name=f"{o.name}_col",
            type=mujoco.mjtGeom.mjGEOM_MESH,
            meshname=f"{o.name}_col",
            mass=o.mass,
            friction=[1.0, 0.01, 0.0001],
            condim=4,
            rgba=list(o.rgba),
            group=3,
        )
        body.add_geom(
            type=mujoco.mjtGeom.mjGEOM_MESH,
            meshname=f"{o.name}_vis",
            contype=0,
            conaffinity=0,
            mass=0.0,
            density=0.0,
            rgba=list(o.rgba),
            group=2,
        )

    for c in scene.cameras:
        R = look_at(c.pos, c.lookat)
        world.add_camera(name=c.name, pos=list(c.pos), quat=mat_to_quat(R).tolist(), fovy=c.fovy)
    for li in scene.lights:
        world.add_light(
            pos=list(li.pos),
            dir=list(li.dir),
            diffuse=list(li.diffuse),
            specular=[0.2, 0.2, 0.2],
            castshadow=li.castshadow,
            type=mujoco.mjtLightType.mjLIGHT_DIRECTIONAL if li.directional else mujoco.mjtLightType.mjLIGHT_SPOT,
        )
    return spec.compile()
