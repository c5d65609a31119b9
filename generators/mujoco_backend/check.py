"""Does a catalog object load and simulate in MuJoCo? The build-time check of ``syngrasp assets build``.

``object_load_error(asset)`` compiles the object the way ``build.build_model``
adds it to a scene (visual mesh, each look's UV-mapped render mesh, convex
collision pieces with their masses, a free joint) on a ground plane, at the
smallest and largest size its category allows, then drops it and steps the
physics for a moment. It returns "" when all of that works and the reason
otherwise, so the build rejects the object instead of a later ``generate``
failing on it.
"""

from __future__ import annotations

import mujoco
import numpy as np

from ...assets.catalog import ObjectAsset
from ...assets.meshes import load_render_mesh, object_geometry
from ...randomization.objects import MASS_RANGE
from .build import _add_mesh, _add_uv_mesh

SETTLE_STEPS = 200  # 0.4 s at MuJoCo's default 2 ms step


def _scales(asset: ObjectAsset) -> list[float]:
    """Uniform scales from the object's mesh to the two ends of its size range."""
    base = object_geometry(asset, tuple(asset.mesh_scale))
    largest = float(np.max(base.visual.extents))
    lo, hi = asset.size_range or (largest, largest)
    return sorted({float(lo) / largest, float(hi) / largest})


def _compile_and_drop(asset: ObjectAsset, s: float) -> str:
    scale = tuple(float(s * k) for k in asset.mesh_scale)
    geo = object_geometry(asset, scale)
    spec = mujoco.MjSpec()
    world = spec.worldbody
    world.add_geom(type=mujoco.mjtGeom.mjGEOM_PLANE, size=[1.0, 1.0, 0.1])
    for k, look in enumerate(asset.appearances()):
        if look.render_mesh:
            _add_uv_mesh(spec, f"look{k}", *load_render_mesh(look.render_mesh, scale))
    _add_mesh(spec, "vis", geo.visual)
    lowest = float(np.min(geo.visual.vertices[:, 2]))
    body = world.add_body(name="obj", pos=[0.0, 0.0, 0.01 - lowest])
    body.add_freejoint()
    mass = float(np.clip(asset.density * geo.volume, *MASS_RANGE))
    for k, hull in enumerate(geo.hulls):
        _add_mesh(spec, f"col{k}", hull)
        body.add_geom(type=mujoco.mjtGeom.mjGEOM_MESH, meshname=f"col{k}", mass=mass * hull.volume / geo.volume, condim=4)
    body.add_geom(type=mujoco.mjtGeom.mjGEOM_MESH, meshname="vis", contype=0, conaffinity=0, mass=0.0, density=0.0)
    model = spec.compile()
    data = mujoco.MjData(model)
    mujoco.mj_step(model, data, nstep=SETTLE_STEPS)
    if not np.all(np.isfinite(data.qpos)):
        return f"the physics diverged when the object (largest extent {float(np.max(geo.visual.extents)):.3f} m) was dropped"
    return ""


def object_load_error(asset: ObjectAsset) -> str:
    """"" when ``asset`` compiles in a MuJoCo scene and settles on a plane at both ends of its size
    range; otherwise the reason (the loader's or MuJoCo's message)."""
    try:
        for s in _scales(asset):
            reason = _compile_and_drop(asset, s)
            if reason:
                return reason
    except Exception as e:  # noqa: BLE001 - any failure to load is the reason to reject
        msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
        return f"{type(e).__name__}: {msg}"
    return ""
