"""Scene-sampling configuration. Lengths in metres, angles in degrees, base frame."""

from __future__ import annotations

import dataclasses

from ..core.dataconf import check_range
from ..core.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class CameraConfig:
    """A nominal camera: position and look-at point in the robot base frame [m]; vertical FoV [deg]."""

    name: str
    pos: tuple[float, float, float]
    lookat: tuple[float, float, float]
    fovy: float = 50.0

    def __post_init__(self):
        if not 10.0 <= self.fovy <= 120.0:
            raise ConfigError(f"cameras.{self.name}.fovy", f"{self.fovy} deg is outside [10, 120]")


def _default_cameras() -> tuple[CameraConfig, ...]:
    return (
        CameraConfig("front", (1.30, 0.0, 0.75), (0.38, 0.0, 0.12), 55.0),
        CameraConfig("side", (0.55, -1.00, 0.70), (0.38, 0.0, 0.12), 55.0),
    )


@dataclasses.dataclass(frozen=True)
class SceneConfig:
    """What a scene may contain and where.

    Attributes:
        asset_sources: registered asset source names the catalog is built from.
        num_distractors: inclusive (min, max) count of non-target objects.
        object_size: (min, max) of an object's largest extent after scaling [m].
        spawn_x / spawn_y: ranges of object drop positions, base frame [m].
        target_min_thickness: the target's smallest extent after scaling must reach this [m]
            (thinner objects cannot be pinched off a table); redrawn otherwise.
        target_max_width: the target's middle extent must fit the gripper [m]; redrawn otherwise.
        min_separation: minimum gap between object footprints at drop time [m].
        table_size: table top (x, y) extents [m]; the table's near edge is at x = table_near_x.
        table_top_z: height of the table top in the base frame [m].
        robot_start_noise: scale of the robot spec's start-pose noise (0 = always home).
        image_size: (height, width) of every camera [px].
    """

    asset_sources: tuple[str, ...] = ("pybullet_random", "pybullet_named")
    num_distractors: tuple[int, int] = (0, 4)
    object_size: tuple[float, float] = (0.05, 0.075)
    spawn_x: tuple[float, float] = (0.38, 0.62)
    spawn_y: tuple[float, float] = (-0.22, 0.22)
    target_min_thickness: float = 0.018
    target_max_width: float = 0.065
    min_separation: float = 0.02
    table_size: tuple[float, float] = (0.8, 1.2)
    table_near_x: float = 0.15
    table_top_z: float = 0.0
    robot_start_noise: float = 1.0
    image_size: tuple[int, int] = (256, 256)
    cameras: tuple[CameraConfig, ...] = dataclasses.field(default_factory=_default_cameras)

    def __post_init__(self):
        if not self.asset_sources:
            raise ConfigError("scene.asset_sources", "must name at least one asset source")
        lo, hi = self.num_distractors
        check_range("scene.num_distractors", lo, hi, min_value=0)
        check_range("scene.object_size", *self.object_size, min_value=0.01)
        check_range("scene.spawn_x", *self.spawn_x)
        check_range("scene.spawn_y", *self.spawn_y)
        if min(self.image_size) < 16:
            raise ConfigError("scene.image_size", f"{self.image_size} is too small; use at least 16x16 pixels")
        if not self.cameras:
            raise ConfigError("scene.cameras", "at least one camera is required")
        names = [c.name for c in self.cameras]
        if len(set(names)) != len(names):
            raise ConfigError("scene.cameras", f"camera names must be unique, got {names}")
        if self.robot_start_noise < 0:
            raise ConfigError("scene.robot_start_noise", "must be >= 0")
