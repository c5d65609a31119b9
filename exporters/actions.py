"""Which action definition the written ``action`` key holds (``writer.action``).

Episodes (core.episode) always carry every action definition declared in the episode schema
(core/schema ``FRAME_KEYS`` entries with an ``action``): ``action`` holds the EE delta
(``ee_delta``) and ``action.joint`` the joint targets (``joint``); ``action_definitions()`` gives
each one's meaning. Writers rename them on the way out: the definition chosen by
``writer.action`` is written as ``action``, each other one as ``action.<definition>`` (with
``writer.action=joint``: the joint targets as ``action``, the EE delta as ``action.ee_delta``).
Every writer records the choice (HDF5 ``data.attrs["action"]``, LeRobot field metadata) so readers
map the keys back.
"""

from __future__ import annotations

import numpy as np

from ..core import schema

ACTION_MODES = tuple(schema.action_source())

# element names of the EE delta; the joint definition's names come from the robot spec
EE_DELTA_NAMES = list(schema.EE_DELTA_NAMES)

DEFINITIONS = schema.action_definitions()


def output_keys(mode: str) -> dict[str, str]:
    """Output key -> action definition: ``action`` holds ``mode``, every other definition its own key."""
    return {schema.output_name(src, mode): d for d, src in schema.action_source().items()}


def to_output(frames: dict[str, np.ndarray], mode: str) -> dict[str, np.ndarray]:
    """Episode frames with the action keys renamed for writing under ``mode``; other keys unchanged."""
    return {schema.output_name(k, mode): v for k, v in frames.items()}


def from_output(frames: dict[str, np.ndarray], mode: str) -> dict[str, np.ndarray]:
    """The inverse of ``to_output``: written frames back to Episode keys; a KeyError when an action
    definition is missing."""
    missing = [k for k in output_keys(mode) if k not in frames]
    if missing:
        raise KeyError(missing[0])
    return {schema.episode_name(k, mode): v for k, v in frames.items()}


def hdf5_action_name(key: str) -> str:
    """robomimic dataset name of an output action key: ``action`` -> ``actions``, ``action.x`` -> ``actions_x``."""
    return "actions" if key == schema.ACTION else "actions_" + key.split(".", 1)[1]
