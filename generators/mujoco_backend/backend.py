"""The MuJoCo simulation backend (``rollout.backend=mujoco``): the factory ``generators.backend`` registers.

It wires this package's pieces behind ``generators.backend.SimBackend``: ``build.build_model``
compiles the SceneSpec, ``sim.Sim`` simulates it, ``camera.CameraRig`` draws it with the render
engine ``render.engine`` names, and ``instances.InstanceIds`` maps geom ids to instance ids.
"""

from __future__ import annotations

import numpy as np

from ...assets.catalog import AssetCatalog
from ...assets.robot import RobotSpec
from ...core.scene import SceneSpec
from ..config import RenderConfig
from .build import WRIST_CAMERA, build_model
from .camera import CameraRig, camera_extrinsics
from .instances import InstanceIds
from .sim import Sim


class MuJoCoBackend:
    """MuJoCo physics (``Sim``) and cameras (``CameraRig``), per ``generators.backend.SimBackend``."""

    wrist_camera = WRIST_CAMERA

    def compile(self, scene: SceneSpec, catalog: AssetCatalog, robot: RobotSpec, render: RenderConfig,
                wrist: tuple[int, int] | None = None, physics_dt: float | None = None) -> Sim:
        model = build_model(scene, catalog, robot, render, wrist)
        if physics_dt is not None:
            model.opt.timestep = physics_dt
        return Sim(model, scene, robot)

    def renderer(self, sim: Sim, names: tuple[str, ...], height: int, width: int, render: RenderConfig,
                 sizes: dict[str, tuple[int, int]] | None = None, moving: tuple[str, ...] = ()) -> CameraRig:
        return CameraRig(sim.model, names, height, width, render, sizes=sizes, moving=moving)

    def instance_map(self, sim: Sim) -> InstanceIds:
        return InstanceIds(sim)

    def camera_extrinsics(self, sim: Sim, camera: str) -> np.ndarray:
        return camera_extrinsics(sim, camera)
