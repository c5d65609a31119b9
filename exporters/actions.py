"""Which action definition the written ``action`` key holds (``writer.action``).

Episodes (core.episode) always carry both definitions:

    action        float32 (T, 7)  EE delta: position [m] (3) + rotation axis-angle [rad] (3), base
                                  frame, from frame t to t+1 as achieved, + gripper command (0 open, 1 closed)
    action.joint  float32 (T, n_arm+1)  absolute arm joint targets [rad] reached at t+1 + gripper command

Writers rename them on the way out: with ``writer.action=ee_delta`` (default)
the keys stay as they are; with ``writer.action=joint`` the joint targets are
written as ``action`` and the EE delta as ``action.ee_delta``. Every writer
records the choice (HDF5 ``data.attrs["action"]``, LeRobot field metadata) so
readers map the keys back.
"""

from __future__ import annotations

import numpy as np

from ..core.schema import ACTION_SOURCE

ACTION_MODES = ("ee_delta", "joint")

# internal Episode key holding each definition (declared once, in the episode schema)
_SOURCE = ACTION_SOURCE

# element names of the EE delta; the joint definition's names come from the robot spec
EE_DELTA_NAMES = ["dx", "dy", "dz", "drx", "dry", "drz", "gripper"]

DEFINITIONS = {
    "ee_delta": "end-effector delta from frame t to t+1 as achieved: position [m] (3) + rotation axis-angle [rad] (3) "
                "in the robot base frame, + gripper command (0 open, 1 closed)",
    "joint": "absolute arm joint targets [rad] reached at frame t+1 (n_arm) + gripper command (0 open, 1 closed)",
}


def output_keys(mode: str) -> dict[str, str]:
    """Output key -> action mode: ``action`` holds ``mode``, the other definition its own key."""
    other = "joint" if mode == "ee_delta" else "ee_delta"
    return {"action": mode, f"action.{other}": other}


def to_output(frames: dict[str, np.ndarray], mode: str) -> dict[str, np.ndarray]:
    """Episode frames with the action keys renamed for writing under ``mode``; other keys unchanged."""
    out = {k: v for k, v in frames.items() if k not in _SOURCE.values()}
    for key, definition in output_keys(mode).items():
        out[key] = frames[_SOURCE[definition]]
    return out


def from_output(frames: dict[str, np.ndarray], mode: str) -> dict[str, np.ndarray]:
    """The inverse of ``to_output``: written frames back to Episode keys."""
    keys = output_keys(mode)
    out = {k: v for k, v in frames.items() if k not in keys}
    for key, definition in keys.items():
        out[_SOURCE[definition]] = frames[key]
    return out


def hdf5_action_name(key: str) -> str:
    """robomimic dataset name of an output action key: ``action`` -> ``actions``, ``action.x`` -> ``actions_x``."""
    return "actions" if key == "action" else "actions_" + key.split(".", 1)[1]
