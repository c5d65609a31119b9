"""The simulator and renderer boundary: small Protocols and two registries of backends.

Rollout, episode generation, visibility, replay and the cross-check talk to a
simulator only through :class:`PhysicsSim` (:class:`SceneSim` where planning
needs kinematics and collision checks too) and to cameras only through
:class:`Renderer`. A :class:`SimBackend` makes both from a SceneSpec; backends are
registered by name (``register_backend``) and chosen with ``rollout.backend``.
MuJoCo (``generators/mujoco_backend/``) is the default and only full backend;
PyBullet (``generators/pybullet_backend/``) is registered as a cross-check engine
(``register_check_backend``) that re-executes recorded episodes to cross-check
their outcome. Nothing outside the backend packages imports them (an import-linter
contract): they are imported by name, on first use.

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
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ..assets.robot import RobotSpec
from ..core.errors import ConfigError
from ..core.scene import SceneSpec
from ..planners.protocols import CollisionChecker, Kinematics

if TYPE_CHECKING:
    from ..assets.catalog import AssetCatalog
    from .config import RenderConfig


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


class SceneSim(PhysicsSim, Kinematics, CollisionChecker, Protocol):
    """What episode generation needs of a simulated scene: physics, plus the arm's kinematics and
    collision checks that the planners use (``planners/protocols.py``), plus a changeable target.

    Attributes:
        joint_limits: (n_arm, 2) lower / upper arm joint limits [rad].
    """

    def set_target(self, scene: SceneSpec) -> None:
        """Adopt ``scene`` (the same objects, maybe another ``target_index``) for every target query."""


@runtime_checkable
class Renderer(Protocol):
    """Cameras of one scene; every image shows the current state of the sim passed in.

    Pixel (u, v): u right, v down, row 0 at the top. ``intrinsics`` (3, 3) K in pixels;
    ``extrinsics`` (4, 4) maps base-frame points to the OpenCV camera frame (x right, y
    down, z forward).

    Attributes:
        names: every camera, in the order given when the renderer was made.
        static: the cameras fixed in the world (``names`` less ``moving``).
        moving: the cameras mounted on the robot (e.g. a wrist camera); their extrinsics change per frame.
        height, width: the default image size [px]; ``size(camera)`` gives each camera's own.
    """

    names: tuple[str, ...]
    static: tuple[str, ...]
    moving: tuple[str, ...]
    height: int
    width: int

    @property
    def far(self) -> float:
        """Far clip distance [m]: depth pixels where nothing is drawn read this value."""

    def size(self, camera: str) -> tuple[int, int]:
        """(H, W) [px] of ``camera``'s images."""

    def render(self, sim: Any, camera: str) -> np.ndarray:
        """(H, W, 3) uint8 RGB image of ``sim``'s current state, row 0 at the top."""

    def render_rgbd(self, sim: Any, camera: str) -> tuple[np.ndarray, np.ndarray]:
        """(H, W, 3) uint8 RGB and (H, W) float32 depth from one pass: z along the optical axis [m]
        (OpenCV camera frame), ``far`` where nothing is drawn. The RGB equals ``render``'s."""

    def segmentation(self, sim: Any, camera: str) -> np.ndarray:
        """(H, W) int32 backend ids of what each pixel shows (-1: nothing); an :class:`InstanceMap`
        of the same sim turns them into stable instance ids."""

    def intrinsics(self, camera: str) -> np.ndarray:
        """(3, 3) pinhole K [px] of ``camera``: principal point at the image centre."""

    def extrinsics(self, sim: Any, camera: str) -> np.ndarray:
        """(4, 4) base -> OpenCV camera transform of ``camera`` at ``sim``'s current state."""

    def bbox(self, sim: Any, camera: str, points_world: np.ndarray) -> np.ndarray:
        """(4,) box (x_min, y_min, x_max, y_max) [px] of base-frame points (N, 3); -1s when out of view."""

    def restart(self) -> None:
        """Start afresh: frames drawn next do not depend on frames drawn before."""

    def close(self) -> None:
        """Free the renderer's context and buffers."""


class InstanceMap(Protocol):
    """Maps a backend's segmentation image to stable per-episode instance ids.

    ``target_id`` is the target object's id; calling it on an (H, W) int32 image from
    ``Renderer.segmentation`` gives (H, W) int32 instance ids (0 background, 1 table).
    """

    target_id: int

    def __call__(self, segmentation: np.ndarray) -> np.ndarray: ...

    def to_json(self, target_name: str) -> str:
        """The episode's ``segmentation_ids`` JSON: {"ids": {name: id}, "target_id": id, "target": name}."""


class SimBackend(Protocol):
    """A full simulation backend: it compiles a SceneSpec into a :class:`SceneSim` and draws it.

    Attributes:
        wrist_camera: name of the camera the backend mounts on the robot's wrist when asked to
            (``compile``'s ``wrist``); renderers list it among their ``moving`` cameras.
    """

    wrist_camera: str

    def compile(self, scene: SceneSpec, catalog: "AssetCatalog", robot: RobotSpec, render: "RenderConfig",
                wrist: tuple[int, int] | None = None, physics_dt: float | None = None) -> SceneSim:
        """The scene at its drop poses, nothing simulated yet. ``render`` sets what the model's look
        depends on (textures, robot meshes); ``wrist`` (H, W) [px] adds the wrist camera;
        ``physics_dt`` [s] is the physics step (None: the backend's own)."""

    def renderer(self, sim: SceneSim, names: tuple[str, ...], height: int, width: int, render: "RenderConfig",
                 sizes: dict[str, tuple[int, int]] | None = None, moving: tuple[str, ...] = ()) -> Renderer:
        """Cameras ``names`` of ``sim``'s scene drawn with ``render``: (height, width) [px] images, but
        (H, W) for the cameras ``sizes`` names; ``moving`` names the robot-mounted ones."""

    def instance_map(self, sim: SceneSim) -> InstanceMap:
        """Stable instance ids for ``sim``'s segmentation images (0 background, 1 table, robot, target, others)."""

    def camera_extrinsics(self, sim: SceneSim, camera: str) -> np.ndarray:
        """(4, 4) base -> OpenCV camera transform of scene camera ``camera`` at ``sim``'s current
        state, without making a renderer."""


# name -> zero-argument factory of a SimBackend, or its "module:attribute" (relative to this package),
# imported on first use: nothing imports a backend package but its registration here.
_BACKENDS: dict[str, str | Callable[[], SimBackend]] = {}
_BACKEND_CACHE: dict[str, SimBackend] = {}


def register_backend(name: str, target: str | Callable[[], SimBackend]) -> None:
    """Register a simulation backend under ``name``; ``rollout.backend`` names it. ``target`` is a
    zero-argument factory of a :class:`SimBackend`, or its "module:attribute" to import on first use."""
    if name in _BACKENDS:
        raise ValueError(f"simulation backend '{name}' is already registered")
    _BACKENDS[name] = target


def backends() -> tuple[str, ...]:
    """Names of the registered simulation backends."""
    return tuple(sorted(_BACKENDS))


def get_backend(name: str) -> SimBackend:
    """The simulation backend registered as ``name`` (made once per process).

    Raises:
        ConfigError: naming ``rollout.backend`` and the registered names when ``name`` is unknown.
    """
    if name not in _BACKENDS:
        raise ConfigError("rollout.backend", f"'{name}' is not one of: {', '.join(backends())}")
    if name not in _BACKEND_CACHE:
        target = _BACKENDS[name]
        if isinstance(target, str):
            module, attr = target.split(":")
            target = getattr(importlib.import_module(module, __package__), attr)
        _BACKEND_CACHE[name] = target()
    return _BACKEND_CACHE[name]


register_backend("mujoco", ".mujoco_backend.backend:MuJoCoBackend")


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
    """The factory registered as ``name``.

    Raises:
        ConfigError: naming ``rollout.crosscheck`` and the registered engines when ``name`` is unknown.
    """
    if name not in _CHECK_BACKENDS:
        raise ConfigError("rollout.crosscheck", f"'{name}' is not one of: {', '.join(check_backends())}")
    module, attr = _CHECK_BACKENDS[name].split(":")
    return getattr(importlib.import_module(module, __package__), attr)


register_check_backend("pybullet", ".pybullet_backend.sim:make_pybullet", needs_urdf=True)
