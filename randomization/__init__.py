"""Scene sampling: (config, catalog, rng) -> SceneSpec, pure data, no simulator."""

from .config import CameraConfig, SceneConfig
from .scene import sample_scene
from .spec import CameraSpec, LightSpec, ObjectSpec, SceneSpec, TableSpec

__all__ = [
    "CameraConfig",
    "CameraSpec",
    "LightSpec",
    "ObjectSpec",
    "SceneConfig",
    "SceneSpec",
    "TableSpec",
    "sample_scene",
]
