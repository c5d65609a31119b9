"""SceneSpec: the plain-data description of one scene, stored with every episode.

All poses are in the robot base frame (metres; quaternions w, x, y, z). The
spec is JSON-serialisable and is all a backend needs to rebuild the scene.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from ..core.dataconf import from_dict, to_dict


@dataclasses.dataclass(frozen=True)
class ObjectSpec:
    """One object as dropped: ``pos``/``quat`` is the pose before settling."""

    name: str
    asset_id: str
    category: str
    scale: tuple[float, float, float]
    rgba: tuple[float, float, float, float]
    color_name: str
    pos: tuple[float, float, float]
    quat: tuple[float, float, float, float]
    mass: float


@dataclasses.dataclass(frozen=True)
class TableSpec:
    """Axis-aligned table: ``center`` (x, y) and ``size`` (x, y) [m], top at ``top_z``."""

    center: tuple[float, float]
    size: tuple[float, float]
    top_z: float
    rgba: tuple[float, float, float, float]


@dataclasses.dataclass(frozen=True)
class CameraSpec:
    """Pinhole camera; ``pos``/``lookat`` in the base frame [m], ``fovy`` [deg], image (height, width) [px]."""

    name: str
    pos: tuple[float, float, float]
    lookat: tuple[float, float, float]
    fovy: float
    height: int
    width: int


@dataclasses.dataclass(frozen=True)
class LightSpec:
    """A light: ``pos`` [m] and ``dir`` (unit) in the base frame; ``diffuse`` rgb in [0, 1]."""

    pos: tuple[float, float, float]
    dir: tuple[float, float, float]
    diffuse: tuple[float, float, float]
    directional: bool
    castshadow: bool


@dataclasses.dataclass(frozen=True)
class SceneSpec:
    """Everything needed to rebuild one scene; ``objects[target_index]`` is the target."""

    robot: str
    robot_start_qpos: tuple[float, ...]
    table: TableSpec
    objects: tuple[ObjectSpec, ...]
    target_index: int
    cameras: tuple[CameraSpec, ...]
    lights: tuple[LightSpec, ...]
    instruction: str

    @property
    def target(self) -> ObjectSpec:
        return self.objects[self.target_index]

    def to_json(self) -> str:
        return json.dumps(to_dict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "SceneSpec":
        data: dict[str, Any] = json.loads(text)
        return from_dict(cls, data)
