"""The episode container shared by generators (producers) and exporters (consumers).

Per-frame arrays are stacked over time, shape (T, ...). Every key's dtype, shape, unit, meaning and
storage is declared once in core/schema (frame keys, meta keys, camera calibration); the key names
and helpers re-exported here come from there.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .phases import PHASE_NAMES  # noqa: F401  (re-exported)
from .schema import (PHASE, POINT_CLOUD, SCHEMA_VERSION, STATE, bbox_key, bbox_visible_key,  # noqa: F401
                     check_episode, check_episodes, depth_key, extrinsics_key, image_key, segmentation_key)

ACTION_DIM = 7  # EE delta pos [m] (3) + delta rotation axis-angle [rad] (3) + gripper command
POSE_DIM = 7  # position [m] (3) + quaternion (w, x, y, z)

PHASE_KEY = PHASE  # int64 (T,) index into the episode's phase names (core/phases.py)
POINT_CLOUD_KEY = POINT_CLOUD  # float32 (T, N, 6): xyz [m] base frame + rgb [0, 1]


@dataclasses.dataclass
class Episode:
    """One recorded episode.

    Attributes:
        frames: per-frame arrays keyed by declared frame key, each (T, *shape): the keys, dtypes,
            shapes (as functions of the robot's n_arm and the cameras), units and meanings are
            ``core.schema.FRAME_KEYS``; ``core.schema.describe(n_arm, cameras, options)`` lists an
            episode's concrete ones.
        cameras: name -> calibration, ``core.schema.CAMERA_KEYS``: ``intrinsics`` (3, 3) [px] and
            ``extrinsics`` (4, 4) base -> OpenCV camera [m]; for a moving camera, that of frame 0.
        meta: per-episode values keyed by declared meta key, ``core.schema.META`` (type, unit,
            meaning, required, where each is written); build it with ``core.schema.episode_meta``.
    """

    frames: dict[str, np.ndarray]
    cameras: dict[str, dict[str, np.ndarray]]
    meta: dict[str, Any]

    @property
    def num_frames(self) -> int:
        return len(self.frames[STATE])

    @property
    def camera_names(self) -> tuple[str, ...]:
        return tuple(sorted(self.cameras))
