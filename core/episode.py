"""The episode schema shared by generators (producers) and exporters (consumers).

Per-frame arrays are stacked over time, shape (T, ...). Key names follow
ARCHITECTURE.md ("Episode schema") and LeRobot conventions.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

SCHEMA_VERSION = "1.0"

ACTION_DIM = 7  # EE delta pos [m] (3) + delta rotation axis-angle [rad] (3) + gripper command
POSE_DIM = 7  # position [m] (3) + quaternion (w, x, y, z)


def image_key(cam: str) -> str:
    return f"observation.images.{cam}"


def bbox_key(cam: str) -> str:
    return f"annotation.bbox.{cam}"


@dataclasses.dataclass
class Episode:
    """One recorded episode.

    Attributes:
        frames: per-frame arrays keyed by schema name, each (T, ...):
            observation.images.<cam> uint8 (T,H,W,3); observation.state float32 (T,n_arm+1)
            arm joints [rad] + gripper opening [m] (n_arm from the robot spec);
            observation.ee_pose float32 (T,7) position [m] + quat (w,x,y,z), base frame;
            action float32 (T,7); action.joint float32 (T,n_arm+1); annotation.bbox.<cam>
            float32 (T,4) pixels, -1s when out of view; annotation.object_pose float32 (T,7).
        cameras: name -> {"intrinsics": (3,3), "extrinsics": (4,4) base->OpenCV camera}.
        meta: instruction, seed, episode_index, success, failure_reason,
            grasp_pose (4,4), grasp_width [m], scene (SceneSpec JSON), version, fps.
    """

    frames: dict[str, np.ndarray]
    cameras: dict[str, dict[str, np.ndarray]]
    meta: dict[str, Any]

    @property
    def num_frames(self) -> int:
        return len(self.frames["observation.state"])

    @property
    def camera_names(self) -> tuple[str, ...]:
        return tuple(sorted(self.cameras))
