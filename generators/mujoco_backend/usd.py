"""One recorded episode as a USD stage, written from the MuJoCo model it was rendered from
(``syngrasp export-usd``; the driver is interop/usd_export.py).

The scene is rebuilt from the episode's stored SceneSpec with the run's config
(the same MuJoCo model the episode was rendered from) and posed, frame by
frame, from the recorded data:

- arm joints from ``observation.state[:, :7]``, each finger at half the recorded
  opening ``observation.state[:, 7]``;
- the target object at ``annotation.object_pose`` (position [m] + quaternion w, x, y, z);
- the other objects at their settled poses (they are not recorded per frame).

Stage layout (Z up, metres, ``timeCodesPerSecond`` = the episode's fps, time code t = frame t)::

    /World                          default prim
      /World/Looks/<material>       UsdPreviewSurface per MuJoCo material or geom colour
      /World/static/<geom>          table, floor, pedestal, walls (world-body geoms)
      /World/bodies/<body>          one Xform per moving body (robot links, objects): translate + orient
                                    time-sampled at every frame, world (= robot base) frame
        <geom>                      its visual geoms (mesh, box, sphere, cylinder, capsule), body frame
      /World/ee_site                the grasp site, time-sampled (compare with observation.ee_pose)
      /World/lights/<light>         DistantLight (directional) or SphereLight (spot: with a cone, point)
      /World/lights/ambient         DomeLight with the scene's ambient colour
      /World/cameras/<cam>          UsdGeom.Camera: pose, focal length and apertures from the vertical FoV
                                    and image size; ``syngrasp:intrinsics`` (3x3 K, pixels) as recorded

Prims are written with pxr directly rather than with ``mujoco.usd.USDExporter``: that
exporter poses each geom from the visualiser scene in world coordinates and writes frames
and texture files into an output folder, while Isaac Sim wants a body hierarchy whose
transforms can be checked against the recorded poses. Textures are not exported (materials
carry their base colour, specular and roughness).
"""

from __future__ import annotations

import os

import mujoco
import numpy as np

from ...core.schema import EPISODE_INDEX, FPS, INSTRUCTION, OBJECT_POSE, STATE

_VISIBLE_GROUPS = (0, 1, 2)  # what the renderer draws (mujoco_backend/render.py)


def _name(s: str, prefix: str) -> str:
    from pxr import Tf

    return Tf.MakeValidIdentifier(s) if s else prefix


def posed_qpos(sim, episode) -> np.ndarray:
    """(T, nq) generalized positions that reproduce the recorded frames (module docstring)."""
    frames = episode.frames
    state = np.asarray(frames[STATE], np.float64)
    obj = np.asarray(frames[OBJECT_POSE], np.float64)
    q0 = sim.data.qpos.copy()
    ti = sim.scene.target_index
    out = np.repeat(q0[None], len(state), axis=0)
    out[:, sim.arm_qadr] = state[:, : sim.n_arm]
    robot = sim.robot  # the opening [m] back to each gripper joint through the robot's own width curve
    out[:, sim.finger_qadr] = [robot.finger_qpos(robot.command_from_width(w)) for w in state[:, sim.n_arm]]
    a = sim.obj_qadr[ti]
    out[:, a : a + 7] = obj
    return out


def _material(stage, looks, cache: dict, model, geom: int):
    from pxr import Gf, Sdf, UsdShade

    mat_id = int(model.geom_matid[geom])
    if mat_id >= 0:
        key = f"mat{mat_id}_{mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_MATERIAL, mat_id) or ''}"
        rgba = model.mat_rgba[mat_id]
        spec, shin, refl = float(model.mat_specular[mat_id]), float(model.mat_shininess[mat_id]), float(model.mat_reflectance[mat_id])
    else:
        rgba = model.geom_rgba[geom]
        key = "rgba_" + "_".join(f"{int(round(v * 255)):03d}" for v in rgba)
        spec, shin, refl = 0.5, 0.5, 0.0
    key = _name(key, "mat")
    if key not in cache:
        mat = UsdShade.Material.Define(stage, looks.AppendChild(key))
        sh = UsdShade.Shader.Define(stage, mat.GetPath().AppendChild("surface"))
        sh.CreateIdAttr("UsdPreviewSurface")
        sh.CreateInput("diffuseColor", Sdf.ValueTypeNames.Color3f).Set(Gf.Vec3f(*map(float, rgba[:3])))
        sh.CreateInput("opacity", Sdf.ValueTypeNames.Float).Set(float(rgba[3]))
        sh.CreateInput("roughness", Sdf.ValueTypeNames.Float).Set(float(1.0 - shin))
        sh.CreateInput("metallic", Sdf.ValueTypeNames.Float).Set(float(refl))
        sh.CreateInput("useSpecularWorkflow", Sdf.ValueTypeNames.Int).Set(1)
        sh.CreateInput("specularColor", Sdf.ValueTypeNames.Color3f).Set(Gf.Vec3f(spec, spec, spec))
        mat.CreateSurfaceOutput().ConnectToSource(sh.ConnectableAPI(), "surface")
        cache[key] = mat
    return cache[key]


def _geom_prim(stage, parent, model, g: int, name: str):
    """A prim for geom ``g`` under ``parent``, in the parent body's frame; None for unsupported types."""
    from pxr import Gf, UsdGeom, Vt

    t = int(model.geom_type[g])
    size = model.geom_size[g]
    path = parent.AppendChild(name)
    G = mujoco.mjtGeom
    if t == int(G.mjGEOM_MESH):
        mid = int(model.geom_dataid[g])
        v0, nv = model.mesh_vertadr[mid], model.mesh_vertnum[mid]
        f0, nf = model.mesh_faceadr[mid], model.mesh_facenum[mid]
        prim = UsdGeom.Mesh.Define(stage, path)
        prim.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(model.mesh_vert[v0 : v0 + nv].astype(np.float32)))
        prim.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(model.mesh_face[f0 : f0 + nf].reshape(-1).astype(np.int32)))
        prim.CreateFaceVertexCountsAttr(Vt.IntArray.FromNumpy(np.full(nf, 3, np.int32)))
        prim.CreateSubdivisionSchemeAttr("none")
        scale = (1.0, 1.0, 1.0)
    elif t in (int(G.mjGEOM_BOX), int(G.mjGEOM_PLANE)):
        prim = UsdGeom.Cube.Define(stage, path)
        prim.CreateSizeAttr(2.0)
        scale = (size[0], size[1], size[2] if t == int(G.mjGEOM_BOX) else 1e-3)
    elif t == int(G.mjGEOM_SPHERE):
        prim = UsdGeom.Sphere.Define(stage, path)
        prim.CreateRadiusAttr(float(size[0]))
        scale = (1.0, 1.0, 1.0)
    elif t in (int(G.mjGEOM_CYLINDER), int(G.mjGEOM_CAPSULE)):
        cls = UsdGeom.Cylinder if t == int(G.mjGEOM_CYLINDER) else UsdGeom.Capsule
        prim = cls.Define(stage, path)
        prim.CreateRadiusAttr(float(size[0]))
        prim.CreateHeightAttr(float(2 * size[1]))
        prim.CreateAxisAttr("Z")
        scale = (1.0, 1.0, 1.0)
    else:
        return None
    x = UsdGeom.Xformable(prim)
    x.AddTranslateOp(UsdGeom.XformOp.PrecisionDouble).Set(Gf.Vec3d(*map(float, model.geom_pos[g])))
    w, qx, qy, qz = map(float, model.geom_quat[g])
    x.AddOrientOp(UsdGeom.XformOp.PrecisionDouble).Set(Gf.Quatd(w, qx, qy, qz))
    if scale != (1.0, 1.0, 1.0):
        x.AddScaleOp(UsdGeom.XformOp.PrecisionDouble).Set(Gf.Vec3d(*map(float, scale)))
    return prim


def _posed_xform(stage, path, pos: np.ndarray, quat: np.ndarray):
    """Xform at ``path`` with translate + orient (w, x, y, z) time samples, one per row of pos (T,3) / quat (T,4)."""
    from pxr import Gf, UsdGeom

    x = UsdGeom.Xform.Define(stage, path)
    tr = x.AddTranslateOp(UsdGeom.XformOp.PrecisionDouble)
    orient = x.AddOrientOp(UsdGeom.XformOp.PrecisionDouble)
    for t in range(len(pos)):
        tr.Set(Gf.Vec3d(*map(float, pos[t])), float(t))
        orient.Set(Gf.Quatd(*map(float, quat[t])), float(t))
    return x


def write_stage(sim, episode, out: str) -> dict:
    """Write the posed episode (``sim`` built from its SceneSpec, settled) to ``out``; returns a summary."""
    from pxr import Gf, Sdf, Usd, UsdGeom, UsdLux, UsdShade

    m = sim.model
    d = mujoco.MjData(m)
    qpos = posed_qpos(sim, episode)
    T = len(qpos)
    body_pos = np.empty((T, m.nbody, 3))
    body_quat = np.empty((T, m.nbody, 4))
    site_pos = np.empty((T, 3))
    site_quat = np.empty((T, 4))
    for t in range(T):
        d.qpos[:] = qpos[t]
        mujoco.mj_kinematics(m, d)
        body_pos[t], body_quat[t] = d.xpos, d.xquat
        site_pos[t] = d.site_xpos[sim.ee_site]
        mujoco.mju_mat2Quat(site_quat[t], d.site_xmat[sim.ee_site])
    d.qpos[:] = qpos[0]
    mujoco.mj_kinematics(m, d)
    mujoco.mj_camlight(m, d)

    if os.path.exists(out):
        os.unlink(out)
    stage = Usd.Stage.CreateNew(out)
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z)
    UsdGeom.SetStageMetersPerUnit(stage, 1.0)
    fps = float(episode.meta.get(FPS, 10.0))
    stage.SetTimeCodesPerSecond(fps)
    stage.SetFramesPerSecond(fps)
    stage.SetStartTimeCode(0)
    stage.SetEndTimeCode(T - 1)
    world = UsdGeom.Xform.Define(stage, "/World")
    stage.SetDefaultPrim(world.GetPrim())
    world.GetPrim().SetCustomDataByKey(f"syngrasp:{EPISODE_INDEX}", int(episode.meta[EPISODE_INDEX]))
    world.GetPrim().SetCustomDataByKey(f"syngrasp:{INSTRUCTION}", str(episode.meta[INSTRUCTION]))
    looks = Sdf.Path("/World/Looks")
    UsdGeom.Scope.Define(stage, looks)
    mats: dict = {}
    UsdGeom.Scope.Define(stage, "/World/static")
    UsdGeom.Scope.Define(stage, "/World/bodies")
    body_paths = {}
    for b in range(1, m.nbody):
        name = _name(mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_BODY, b) or f"body{b}", f"body{b}")
        x = _posed_xform(stage, Sdf.Path(f"/World/bodies/{name}"), body_pos[:, b], body_quat[:, b])
        x.GetPrim().SetCustomDataByKey("syngrasp:mujoco_body", b)
        body_paths[b] = x.GetPath()
    n_geoms = 0
    for g in range(m.ngeom):
        if int(m.geom_group[g]) not in _VISIBLE_GROUPS or m.geom_rgba[g][3] == 0:
            continue
        b = int(m.geom_bodyid[g])
        parent = body_paths.get(b, Sdf.Path("/World/static"))
        prim = _geom_prim(stage, parent, m, g, _name(mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_GEOM, g) or f"geom{g}", f"geom{g}"))
        if prim is None:
            continue
        UsdShade.MaterialBindingAPI.Apply(prim.GetPrim()).Bind(_material(stage, looks, mats, m, g))
        n_geoms += 1
    _posed_xform(stage, Sdf.Path("/World/ee_site"), site_pos, site_quat)

    UsdGeom.Scope.Define(stage, "/World/lights")
    scene = sim.scene
    for i, li in enumerate(scene.lights):
        path = Sdf.Path(f"/World/lights/light{i}")
        light = UsdLux.DistantLight.Define(stage, path) if li.type == "directional" else UsdLux.SphereLight.Define(stage, path)
        light.CreateColorAttr(Gf.Vec3f(*[float(c) / max(max(li.diffuse), 1e-9) for c in li.diffuse]))
        light.CreateIntensityAttr(float(max(li.diffuse)) * (3000.0 if li.type == "directional" else 30000.0))
        if li.type != "directional":
            light.CreateRadiusAttr(0.05)
        if li.type == "spot":
            shaping = UsdLux.ShapingAPI.Apply(light.GetPrim())
            shaping.CreateShapingConeAngleAttr(45.0)
        # USD lights shine along their local -Z: rotate -Z onto the light's direction
        z = -np.asarray(li.dir, float) / np.linalg.norm(li.dir)
        xa = np.cross([0.0, 0.0, 1.0] if abs(z[2]) < 0.9 else [1.0, 0.0, 0.0], z)
        xa /= np.linalg.norm(xa)
        R = np.column_stack([xa, np.cross(z, xa), z])
        q = np.empty(4)
        mujoco.mju_mat2Quat(q, R.reshape(-1))
        xf = UsdGeom.Xformable(light)
        xf.AddTranslateOp(UsdGeom.XformOp.PrecisionDouble).Set(Gf.Vec3d(*map(float, li.pos)))
        xf.AddOrientOp(UsdGeom.XformOp.PrecisionDouble).Set(Gf.Quatd(*map(float, q)))
        light.GetPrim().SetCustomDataByKey("syngrasp:type", li.type)
    dome = UsdLux.DomeLight.Define(stage, "/World/lights/ambient")
    amb = np.asarray(scene.ambient, float)
    dome.CreateColorAttr(Gf.Vec3f(*map(float, amb / max(amb.max(), 1e-9))))
    dome.CreateIntensityAttr(float(amb.max()) * 1000.0)

    UsdGeom.Scope.Define(stage, "/World/cameras")
    for c in scene.cameras:
        cid = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_CAMERA, c.name)
        cam = UsdGeom.Camera.Define(stage, Sdf.Path(f"/World/cameras/{_name(c.name, 'camera')}"))
        # MuJoCo and USD cameras both look along their local -Z with +Y up
        q = np.empty(4)
        mujoco.mju_mat2Quat(q, d.cam_xmat[cid])
        xf = UsdGeom.Xformable(cam)
        xf.AddTranslateOp(UsdGeom.XformOp.PrecisionDouble).Set(Gf.Vec3d(*map(float, d.cam_xpos[cid])))
        xf.AddOrientOp(UsdGeom.XformOp.PrecisionDouble).Set(Gf.Quatd(*map(float, q)))
        h_ap = 20.955  # [mm], USD's default horizontal aperture
        v_ap = h_ap * c.height / c.width
        focal = v_ap / (2.0 * np.tan(np.deg2rad(c.fovy) / 2.0))
        cam.CreateHorizontalApertureAttr(float(h_ap))
        cam.CreateVerticalApertureAttr(float(v_ap))
        cam.CreateFocalLengthAttr(float(focal))
        cam.CreateClippingRangeAttr(Gf.Vec2f(0.01, 50.0))
        K = np.asarray(episode.cameras[c.name]["intrinsics"], float)
        cam.GetPrim().CreateAttribute("syngrasp:intrinsics", Sdf.ValueTypeNames.Matrix3d).Set(Gf.Matrix3d(*K.reshape(-1)))
        cam.GetPrim().CreateAttribute("syngrasp:resolution", Sdf.ValueTypeNames.Int2).Set(Gf.Vec2i(c.width, c.height))
    stage.GetRootLayer().Save()
    return {"out": out, "frames": T, "bodies": m.nbody - 1, "geoms": n_geoms, "lights": len(scene.lights),
            "cameras": len(scene.cameras)}
