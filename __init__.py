"""syngrasp: a synthetic grasp-data factory.

The stage packages follow the data flow of ARCHITECTURE.md:
``assets`` (catalogs, robots) -> ``randomization`` (SceneSpec sampling, pure data)
-> ``generators`` (MuJoCo build, rollout, render) with ``planners`` (grasp, IK,
motion) -> ``exporters`` (shard writers) -> ``cluster`` (shard planning, Ray).
"""

__version__ = "0.1.0"

import os as _os

# Headless CPU/GPU rendering through EGL unless the user chose a backend (osmesa, glfw).
_os.environ.setdefault("MUJOCO_GL", "egl")
