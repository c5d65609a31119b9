"""Scene sampling: (config, catalog, robot, rng) -> SceneSpec, pure data, no simulator.

One sampler per dimension, each a function of (its config section, rng):
``sample_table``, ``sample_background``, ``sample_material``, ``sample_texture``,
``sample_objects``, ``sample_lights``, ``sample_cameras``, ``sample_robot_start``.
Names are imported on first use, so reading ``randomization.config`` stays light.
"""

import importlib

_EXPORTS = {
    "CameraConfig": ".config",
    "SceneConfig": ".config",
    "sample_scene": ".scene",
    "with_target": ".scene",
    **{n: ".spec" for n in ("CameraSpec", "LightSpec", "MaterialSpec", "ObjectSpec", "SceneSpec", "TableSpec",
                            "TextureSpec")},
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
