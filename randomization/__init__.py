"""Scene sampling: (config, catalog, robot, rng) -> SceneSpec, pure data, no simulator.

One sampler per dimension, each a function of (its config section, rng):
``sample_table``, ``sample_background``, ``sample_material``, ``sample_texture``,
``sample_objects``, ``sample_lights``, ``sample_cameras``, ``sample_robot_start``.
"""

from .config import CameraConfig, SceneConfig
from .scene import sample_scene, with_target
from .spec import CameraSpec, LightSpec, MaterialSpec, ObjectSpec, SceneSpec, TableSpec, TextureSpec

__all__ = [
    "CameraConfig",
    "CameraSpec",
    "LightSpec",
    "MaterialSpec",
    "ObjectSpec",
    "SceneConfig",
    "SceneSpec",
    "TableSpec",
    "TextureSpec",
    "sample_scene",
    "with_target",
]
