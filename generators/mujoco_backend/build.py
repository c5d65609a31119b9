"""SceneSpec -> compiled MuJoCo model (robot MJCF + table, objects, cameras, lights)."""

from __future__ import annotations

import os

import mujoco
import numpy as np

from ...assets.catalog import AssetCatalog
from ...assets.lod import LodParams, lod_mesh
from ...assets.meshes import load_mesh, load_render_mesh, object_geometry
from ...assets.robot import RobotSpec
from ...core.errors import ConfigError
from ...core.scene import LightSpec, SceneSpec
from ..config import RenderConfig
from .materials import MaterialRegistry, add_environment
from ..physics_params import OBJECT_FRICTION, TABLE_FRICTION, TABLE_THICKNESS

FLOOR_BELOW_TABLE = 0.75  # m
SHADOW_RADIUS = 0.7  # m: shadow maps cover the workspace and the arm above it, not the room
SPOT_CUTOFF_DEG = 60.0
CREASE_DEG = 40.0  # textured meshes: faces meeting at a sharper angle than this are not smoothed into each other


def _add_mesh(spec: mujoco.MjSpec, name: str, mesh) -> None:
    m = spec.add_mesh()
    m.name = name
    m.uservert = np.asarray(mesh.vertices, dtype=np.float32).ravel().tolist()
    m.userface = np.asarray(mesh.faces, dtype=np.int32).ravel().tolist()


def _corner_normals(v: np.ndarray, f: np.ndarray) -> np.ndarray:
    """(F, 3, 3) unit normal per face corner: the angle-weighted mean of the normals of the faces
    around the corner's position (welded across UV seams) that lean at most CREASE_DEG away from
    the corner's own face; so smooth surfaces shade smoothly across seams and creases stay sharp."""
    _, inverse = np.unique(np.round(v, 7), axis=0, return_inverse=True)
    pid = inverse.ravel()[f].ravel()  # (3F,) position id of each corner
    p = v[f]  # (F, 3, 3)
    fn = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    unit = fn / np.maximum(np.linalg.norm(fn, axis=1, keepdims=True), 1e-12)  # (F, 3); degenerate faces: 0
    e1, e2 = np.roll(p, -1, axis=1) - p, np.roll(p, 1, axis=1) - p  # the two edges leaving each corner
    cosang = np.einsum("fck,fck->fc", e1, e2) / np.maximum(np.linalg.norm(e1, axis=2) * np.linalg.norm(e2, axis=2), 1e-24)
    weighted = (np.arccos(np.clip(cosang, -1.0, 1.0)).ravel()[:, None] * np.repeat(unit, 3, axis=0))  # (3F, 3)
    face = np.repeat(np.arange(len(f)), 3)
    # every pair of corners at one position: (a, b) for all a, b sharing a position id
    order = np.argsort(pid, kind="stable")
    count = np.bincount(pid)
    size = count[pid[order]]
    a = np.repeat(order, size)
    offset = np.arange(int(size.sum())) - np.repeat(np.cumsum(size) - size, size)
    b = order[np.repeat((np.cumsum(count) - count)[pid[order]], size) + offset]
    ok = np.einsum("ik,ik->i", unit[face[a]], unit[face[b]]) >= np.cos(np.radians(CREASE_DEG))
    n = np.stack([np.bincount(a[ok], weights=weighted[b[ok], k], minlength=3 * len(f)) for k in range(3)], axis=1)
    length = np.linalg.norm(n, axis=1, keepdims=True)
    n = np.where(length > 1e-12, n / np.maximum(length, 1e-12), np.repeat(unit, 3, axis=0))
    return n.reshape(-1, 3, 3)


def _add_uv_mesh(spec: mujoco.MjSpec, name: str, v: np.ndarray, f: np.ndarray, uv: np.ndarray) -> None:
    """A mesh with texture coordinates: ``v`` (N, 3) vertices [m], ``f`` (M, 3) faces indexing
    ``v``, ``uv`` (N, 2) per vertex in OpenGL's convention (v = 0 at the image bottom), flipped here
    because MuJoCo maps v = 0 to the first image row.

    Normals come from ``_corner_normals`` (smooth across UV seams, sharp across CREASE_DEG creases).
    MuJoCo 4.0 ignores ``userfacenormal``: it reads ``usernormal`` as one normal per vertex (its
    face-normal index is the face's vertex index, times len(normals) // len(vertices)). So every
    distinct (vertex, corner normal) pair becomes its own vertex here, and normals and texture
    coordinates are given per vertex, indexed by the face array itself.
    """
    v = np.asarray(v, float)
    f = np.asarray(f, dtype=np.int64)
    uv = np.asarray(uv, float)
    normals = _corner_normals(v, f).reshape(-1, 3)
    key = np.column_stack([f.ravel(), np.round(normals * 1e6).astype(np.int64)])  # (3M, 4)
    _, first, corner_vertex = np.unique(key, axis=0, return_index=True, return_inverse=True)
    src = f.ravel()[first]  # input vertex of each output vertex
    faces = corner_vertex.reshape(-1, 3).astype(np.int32).ravel().tolist()
    m = spec.add_mesh()
    m.name = name
    m.uservert = v[src].astype(np.float32).ravel().tolist()
    m.userface = faces
    m.usernormal = normals[first].astype(np.float32).ravel().tolist()
    m.userfacenormal = faces
    m.usertexcoord = np.column_stack([uv[src, 0], 1.0 - uv[src, 1]]).astype(np.float32).ravel().tolist()
    m.userfacetexcoord = faces


_LIGHT_TYPES = {
    "directional": mujoco.mjtLightType.mjLIGHT_DIRECTIONAL,
    "spot": mujoco.mjtLightType.mjLIGHT_SPOT,
    "point": mujoco.mjtLightType.mjLIGHT_POINT,
}


def shadow_casters(lights: tuple[LightSpec, ...], quality: RenderConfig) -> list[bool]:
    """Which lights cast shadows: those the scene allows, brightest first, at most ``quality.shadow_lights``."""
    if not quality.shadows:
        return [False] * len(lights)
    order = sorted(range(len(lights)), key=lambda i: (-lights[i].intensity, -sum(lights[i].diffuse)))
    chosen = [i for i in order if lights[i].castshadow][: quality.shadow_lights]
    return [i in chosen for i in range(len(lights))]


def filament_flags(quality: RenderConfig, exposure_ev: float = 0.0) -> dict[str, list[float] | str]:
    """Filament's ``filament.*`` model flags (MuJoCo custom numeric/text) for ``quality``.

    Read by Filament when it configures a scene from the model; the classic engine ignores them.
    SSAO runs at "low" quality (a quarter of "ultra"'s cost on the CPU, see README "Render presets").
    """
    flags: dict[str, list[float] | str] = {
        "filament.ao.enabled": [float(quality.ssao)],
        "filament.shadows.type": quality.shadow_type,
        "filament.shadows.map_size": [float(min(quality.shadow_size, 2048))],
        "filament.cg.tone_mapping": quality.tone_mapping,
        "filament.cg.exposure": [float(exposure_ev)],
    }
    if quality.ssao:
        for k in ("quality", "low_pass_filter", "upsampling"):
            flags[f"filament.ao.{k}"] = quality.ssao_quality
    return flags


def _add_flags(spec: mujoco.MjSpec, flags: dict[str, list[float] | str]) -> None:
    for name, value in flags.items():
        if isinstance(value, str):
            spec.add_text(name=name, data=value)
        else:
            spec.add_numeric(name=name, data=list(value), size=len(value))


def visual_only_meshes(spec: mujoco.MjSpec) -> set[str]:
    """Names of meshes used only by geoms that never collide (contype = conaffinity = 0)."""
    visual, colliding = set(), set()
    for g in spec.geoms:
        if g.meshname:
            (visual if g.contype == 0 and g.conaffinity == 0 else colliding).add(g.meshname)
    return visual - colliding


def _robot_mesh(robot: RobotSpec, mesh, lod: bool, quality: RenderConfig) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (V, 3) [m] and faces (F, 3) of one robot mesh file: its LOD when ``lod``, else
    the mesh as loaded. Only visual-only meshes get an LOD: physics keeps its exact shapes."""
    path = os.path.join(robot.meshdir, mesh.file)
    scale = tuple(float(v) for v in mesh.scale)
    if lod:
        return lod_mesh(path, scale, LodParams(keep=quality.lod_keep))
    tm = load_mesh(path, scale, robot.visual_max_faces)
    return np.asarray(tm.vertices), np.asarray(tm.faces)


WRIST_CAMERA = "wrist"


def build_model(
    scene: SceneSpec,
    catalog: AssetCatalog,
    robot: RobotSpec,
    quality: RenderConfig,
    wrist_size: tuple[int, int] | None = None,
) -> mujoco.MjModel:
    """Compile the scene. Object visual meshes are rendered; their convex pieces collide.

    ``quality`` sets what the renderer bakes into the model: robot mesh level of
    detail, MSAA samples, shadow-map size, shadow-casting lights and texture size.

    Body names: ``table``, ``obj<i>`` (scene.objects[i]); cameras carry the
    SceneSpec camera names; every object has a free joint ``obj<i>_joint`` and
    collision geoms ``obj<i>_col<k>``. With ``wrist_size`` (height, width) [px], the
    robot's wrist camera (``robot.wrist_camera``) is added as camera ``wrist``.
    """
    spec = mujoco.MjSpec.from_file(robot.mjcf_path)
    spec.meshdir = robot.meshdir
    lod_names = visual_only_meshes(spec) if quality.robot_lod else set()
    for mesh in spec.meshes:
        # Load file meshes through trimesh: MuJoCo's OBJ decoder mis-shades some
        # multi-part OBJ files, and trimesh's cache makes later episodes cheap.
        if mesh.file:
            v, f = _robot_mesh(robot, mesh, mesh.name in lod_names, quality)
            mesh.file = ""
            mesh.scale = [1.0, 1.0, 1.0]
            mesh.uservert = np.asarray(v, dtype=np.float32).ravel().tolist()
            mesh.userface = np.asarray(f, dtype=np.int32).ravel().tolist()
    h = max(c.height for c in scene.cameras)
    w = max(c.width for c in scene.cameras)
    if wrist_size is not None:
        cam = robot.wrist_camera
        if cam is None:
            raise ConfigError("observations.wrist_camera", f"robot '{robot.name}' has no wrist_camera in its robot.json")
        body = spec.body(cam.body)
        if body is None:
            raise ConfigError("observations.wrist_camera", f"robot '{robot.name}': wrist_camera body '{cam.body}' is not in its MJCF")
        body.add_camera(name=WRIST_CAMERA, pos=list(cam.pos), quat=list(cam.quat), fovy=cam.fovy)
        h, w = max(h, wrist_size[0]), max(w, wrist_size[1])
    spec.visual.global_.offwidth = max(w, 64)
    spec.visual.global_.offheight = max(h, 64)
    spec.visual.quality.offsamples = quality.msaa
    spec.visual.quality.shadowsize = quality.shadow_size
    spec.visual.headlight.ambient = list(scene.ambient)
    spec.visual.headlight.diffuse = [0.1, 0.1, 0.1]
    spec.visual.headlight.specular = [0.0, 0.0, 0.0]
    spec.option.timestep = 0.002
    for mat in spec.materials:
        if mat.name in robot.tint_materials:
            mat.rgba = [scene.robot_shade] * 3 + [1.0]
    world = spec.worldbody
    materials = MaterialRegistry(spec, pbr_layers=quality.engine == "filament")
    near, far = quality.texture_size, max(16, quality.texture_size // 2)  # floor and walls sit >= 1 m away

    t = scene.table
    floor_z = t.top_z - FLOOR_BELOW_TABLE
    world.add_geom(
        name="table",
        type=mujoco.mjtGeom.mjGEOM_BOX,
        size=[t.size[0] / 2, t.size[1] / 2, TABLE_THICKNESS / 2],
        pos=[t.center[0], t.center[1], t.top_z - TABLE_THICKNESS / 2],
        material=materials.add("table", t.material, near),
        friction=list(TABLE_FRICTION),
    )
    world.add_geom(
        name="floor",
        type=mujoco.mjtGeom.mjGEOM_PLANE,
        size=[6.0, 6.0, 0.1],
        pos=[0.0, 0.0, floor_z],
        material=materials.add("floor", scene.background.floor, far),
        contype=0,
        conaffinity=0,
    )
    ped = robot.pedestal
    if ped is not None and floor_z < 0.0:
        world.add_geom(  # robot pedestal from the floor up to the base, visual only
            name="pedestal",
            type=mujoco.mjtGeom.mjGEOM_BOX,
            size=[ped.half_xy[0], ped.half_xy[1], (0.0 - floor_z) / 2],
            pos=[ped.center_xy[0], ped.center_xy[1], floor_z / 2],
            rgba=list(ped.rgba),
            contype=0,
            conaffinity=0,
        )
    for i, wall in enumerate(scene.background.walls):
        world.add_geom(
            name=f"wall{i}",
            type=mujoco.mjtGeom.mjGEOM_BOX,
            size=list(wall.half),
            pos=list(wall.pos),
            material=materials.add(f"wall{i}", wall.material, far),
            contype=0,
            conaffinity=0,
        )
    if scene.background.sky is not None:
        a, b = scene.background.sky
        spec.add_texture(
            name="sky",
            type=mujoco.mjtTexture.mjTEXTURE_SKYBOX,
            builtin=mujoco.mjtBuiltin.mjBUILTIN_GRADIENT,
            rgb1=list(a),
            rgb2=list(b),
            width=64,
            height=64,
        )

    for o in scene.objects:
        asset = catalog.by_id(o.asset_id)
        geo = object_geometry(asset, tuple(o.scale))
        render_mesh = asset.appearances()[o.variant].render_mesh if o.appearance == "own" else ""
        uv_mapped = bool(render_mesh) and o.material.texture is not None
        if uv_mapped:
            _add_uv_mesh(spec, f"{o.name}_vis", *load_render_mesh(render_mesh, tuple(o.scale)))
        else:
            _add_mesh(spec, f"{o.name}_vis", geo.visual)
        body = world.add_body(name=o.name, pos=list(o.pos), quat=list(o.quat))
        body.add_freejoint(name=f"{o.name}_joint")
        for k, hull in enumerate(geo.hulls):
            _add_mesh(spec, f"{o.name}_col{k}", hull)
            body.add_geom(
                name=f"{o.name}_col{k}",
                type=mujoco.mjtGeom.mjGEOM_MESH,
                meshname=f"{o.name}_col{k}",
                mass=o.mass * hull.volume / geo.volume,
                friction=list(OBJECT_FRICTION),
                condim=4,
                rgba=list(o.material.rgba),
                group=3,
            )
        body.add_geom(
            type=mujoco.mjtGeom.mjGEOM_MESH,
            meshname=f"{o.name}_vis",
            contype=0,
            conaffinity=0,
            mass=0.0,
            density=0.0,
            material=materials.add(o.name, o.material, near, uniform=not uv_mapped),
            group=2,
        )

    for c in scene.cameras:
        world.add_camera(name=c.name, pos=list(c.pos), quat=list(c.quat), fovy=c.fovy)
    casters = shadow_casters(scene.lights, quality)
    for li, shadow in zip(scene.lights, casters):
        world.add_light(
            pos=list(li.pos),
            dir=list(li.dir),
            diffuse=list(li.diffuse),
            specular=[0.2, 0.2, 0.2],
            castshadow=shadow,
            cutoff=SPOT_CUTOFF_DEG,
            type=_LIGHT_TYPES[li.type],
            intensity=li.intensity,
            bulbradius=li.bulbradius,
        )
    env = scene.environment
    if env is not None:
        add_environment(spec, env, physical=quality.engine == "filament")
    if quality.engine == "filament":
        _add_flags(spec, filament_flags(quality, env.exposure if env is not None else 0.0))
    model = spec.compile()
    _fit_shadow_maps(model, scene, casters)
    return model


def _fit_shadow_maps(model: mujoco.MjModel, scene: SceneSpec, casters: list[bool]) -> None:
    """Aim every shadow map at the workspace (SHADOW_RADIUS around the table centre), not the room.

    A directional light's map covers a disc of radius shadowclip * extent, and the floor
    and walls make the extent metres wide; a spot light's map covers shadowscale * cutoff,
    and a 60 deg cone spreads the texels over the room. Both would draw blocky shadows.
    """
    model.vis.map.shadowclip = min(1.0, SHADOW_RADIUS / max(model.stat.extent, 1e-6))
    scale = 0.1
    for li, casts in zip(scene.lights, casters):
        if casts and li.type == "spot":
            dist = float(np.linalg.norm(np.subtract((*scene.table.center, scene.table.top_z), li.pos)))
            scale = max(scale, np.degrees(np.arctan2(SHADOW_RADIUS, dist)) / SPOT_CUTOFF_DEG)
    model.vis.map.shadowscale = min(1.0, scale)
