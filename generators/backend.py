"""The simulator and renderer boundary: two small Protocols and a registry of physics backends.

Rollout, episode generation, replay and the cross-check talk to a simulator
only through :class:`PhysicsSim` and to cameras only through
:class:`Renderer`. MuJoCo (``generators/sim.py``, ``generators/camera.py``) is
the default backend; PyBullet (``generators/pybullet_sim.py``) re-executes
recorded episodes to cross-check their outcome.

Conventions shared by every backend:
- Frames: everything is in the robot base frame (= the simulator's world
  frame), metres, radians; poses are (4, 4) homogeneous matrices.
- Arm joints follow the robot spec's ``arm_joints`` order, shape (n_arm,).
- The gripper is commanded with the spec's actuator values
  (``gripper_ctrl_open`` / ``gripper_ctrl_closed``).
- Object ``i`` is ``scene.objects[i]`` of the SceneSpec the sim was built from.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..assets.robot import RobotSpec
from ..core.scene import SceneSpec


@dataclasses.dataclass(frozen=True)
class Contact:
    """One contact between two bodies.

    ``body_a`` / ``body_b`` are names: a robot link name, ``table``, or an
    object name (``obj<i>``); ``depth`` [m] is the penetration (> 0 when the
    shapes overlap); ``robot_a`` / ``robot_b`` say whether each side is part of the robot.
    """

    body_a: str
    body_b: str
    depth: float
    robot_a: bool
    robot_b: bool


@runtime_checkable
class PhysicsSim(Protocol):
    """A simulated scene with one position-controlled robot.

    Attributes:
        robot: the robot's spec.
        scene: the SceneSpec the sim was built from (its ``target_index`` is the target).
        n_arm: number of arm joints.
        timestep: physics step [s].
    """

    robot: RobotSpec
    scene: SceneSpec
    n_arm: int

    @property
    def timestep(self) -> float: ...

    def reset_robot(self, q_arm: np.ndarray, gripper_ctrl: float) -> None:
        """Place the arm at ``q_arm`` (n_arm,) [rad], fingers at ``gripper_ctrl``, at rest, targets there too."""

    def get_state(self) -> Any:
        """An opaque snapshot of the full dynamic state (positions, velocities, controls)."""

    def set_state(self, state: Any) -> None:
        """Restore a snapshot from ``get_state`` of this same sim."""

    def positions(self) -> np.ndarray:
        """Generalized positions (backend-defined length): what a recorded frame keeps to be drawn again."""

    def set_positions(self, qpos: np.ndarray) -> None:
        """Show ``qpos`` from ``positions()``: kinematics only, velocities untouched (for rendering a recording)."""

    def step(self, n: int) -> None:
        """Advance physics by ``n`` steps of ``timestep``."""

    def set_arm_targets(self, q: np.ndarray) -> None:
        """Position targets (n_arm,) [rad] of the arm's joint controllers."""

    def set_gripper_target(self, ctrl: float) -> None:
        """Gripper command in the spec's actuator units (open / closed values from the spec)."""

    def arm_qpos(self) -> np.ndarray:
        """(n_arm,) current arm joint positions [rad]."""

    def gripper_width(self) -> float:
        """Current distance between the finger pads [m]."""

    def ee_pose(self) -> np.ndarray:
        """(4, 4) pose of the robot's grasp frame (the spec's ``ee_site``) in the base frame."""

    def object_pose(self, i: int) -> np.ndarray:
        """(4, 4) pose of scene object ``i``'s body frame in the base frame."""

    def set_object_pose(self, i: int, pose: np.ndarray) -> None:
        """Teleport object ``i`` to ``pose`` (4, 4), at rest."""

    def object_speed(self) -> float:
        """Largest linear speed of any scene object [m/s]."""

    def settle(self, max_time: float, speed_tol: float = 0.005) -> float:
        """Let objects come to rest with the robot holding its pose; returns simulated time [s]."""

    def contacts(self) -> list[Contact]:
        """Current contacts between distinct bodies."""

    def robot_penetration(self) -> float:
        """Deepest current contact [m] between the robot and anything but the target (0 when none)."""


@runtime_checkable
class Renderer(Protocol):
    """Cameras of one scene; images show the state of the PhysicsSim passed in.

    ``intrinsics`` (3, 3) K in pixels; ``extrinsics`` (4, 4) maps base-frame
    points to the OpenCV camera frame (x right, y down, z forward).
    """

    names: tuple[str, ...]
    height: int
    width: int

    def render(self, sim: Any, camera: str) -> np.ndarray:
        """(H, W, 3) uint8 RGB image of ``sim``'s current state, row 0 at the top."""

    def intrinsics(self, camera: str) -> np.ndarray: ...

    def extrinsics(self, sim: Any, camera: str) -> np.ndarray: ...

    def bbox(self, sim: Any, camera: str, points_world: np.ndarray) -> np.ndarray:
        """(4,) box (x_min, y_min, x_max, y_max) [px] of base-frame points (N, 3); -1s when out of view."""

    def restart(self) -> None:
        """Start afresh: frames drawn next do not depend on frames drawn before."""

    def close(self) -> None: ...


class InstanceMap(Protocol):
    """Maps a backend's segmentation image to stable per-episode instance ids.

    ``target_id`` is the target object's id; calling it on an (H, W) int32 image from
    ``Renderer.segmentation`` gives (H, W) int32 instance ids (0 background, 1 table).
    """

    target_id: int

    def __call__(self, segmentation: np.ndarray) -> np.ndarray: ...

    def to_json(self, target_name: str) -> str:
        """The episode's ``segmentation_ids`` JSON: {"ids": {name: id}, "target_id": id, "target": name}."""


# name -> "module:attribute" of a factory ``(scene, catalog, robot, rollout_cfg) -> PhysicsSim`` with ``close()``;
# imported on first use so that a run without the cross-check never imports that engine.
_CHECK_BACKENDS: dict[str, str] = {}
_NEEDS_URDF: set[str] = set()  # engines that load the robot from its robot.json ``urdf`` section


def register_check_backend(name: str, target: str, needs_urdf: bool = False) -> None:
    """Register a cross-check physics backend under ``name`` (``target`` = "module:attribute");
    ``needs_urdf``: it builds the robot from the ``urdf`` section of its robot.json."""
    if name in _CHECK_BACKENDS:
        raise ValueError(f"cross-check backend '{name}' is already registered")
    _CHECK_BACKENDS[name] = target
    if needs_urdf:
        _NEEDS_URDF.add(name)


def check_backend_needs_urdf(name: str) -> bool:
    """Whether cross-check engine ``name`` loads the robot from its robot.json ``urdf`` section."""
    return name in _NEEDS_URDF


def check_backends() -> tuple[str, ...]:
    return tuple(sorted(_CHECK_BACKENDS))


def check_backend(name: str) -> Callable[..., Any]:
    """The factory registered as ``name``; KeyError names the known ones."""
    if name not in _CHECK_BACKENDS:
        raise KeyError(f"unknown cross-check engine '{name}'; available: {', '.join(check_backends())}")
    module, attr = _CHECK_BACKENDS[name].split(":")
    return getattr(importlib.import_module(module, __package__), attr)


register_check_backend("pybullet", ".pybullet_backend.sim:make_pybullet", needs_urdf=True)
