"""Grasp and motion planning against small simulator-neutral protocols.

Names are imported on first use, so reading a config section (``planners.config``)
does not load the planners' heavy dependencies.
"""

import importlib

_EXPORTS = {
    "CollisionChecker": ".protocols",
    "Grasp": ".grasp",
    "GraspConfig": ".config",
    "JointTrajectory": ".motion",
    "Kinematics": ".protocols",
    "MotionConfig": ".config",
    "PlanningFailure": ".motion",
    "plan_pick": ".motion",
    "sample_grasps": ".grasp",
    "solve_ik": ".ik",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
