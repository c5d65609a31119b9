"""The episode container shared by generators (producers) and exporters (consumers).

Per-frame arrays are stacked over time, shape (T, ...). Every key's dtype, shape, unit and
meaning is declared once in core/schema.py; the helpers here build the key names.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .schema import SCHEMA_VERSION  # noqa: F401  (re-exported)

ACTION_DIM = 7  # EE delta pos [m] (3) + delta rotation axis-angle [rad] (3) + gripper command
POSE_DIM = 7  # position [m] (3) + quaternion (w, x, y, z)


PHASE_KEY = "annotation.phase"  # int64 (T,) index into the episode's phase names
POINT_CLOUD_KEY = "observation.point_cloud"  # float32 (T, N, 6): xyz [m] base frame + rgb [0, 1]
# Phase names of ``annotation.phase``, one per planner phase (planners.motion.PHASES, same order):
# transit -> approach, straight approach -> pre-grasp, close -> grasp.
PHASE_NAMES = ("approach", "pre-grasp", "grasp", "lift", "shake", "hold")


def image_key(cam: str) -> str:
    return f"observation.images.{cam}"


def bbox_key(cam: str) -> str:
    return f"annotation.bbox.{cam}"


def depth_key(cam: str) -> str:
    """float32 (T, H, W) z-depth [m] along the camera's optical axis."""
    return f"observation.depth.{cam}"


def segmentation_key(cam: str) -> str:
    """int32 (T, H, W) instance ids (episode meta ``segmentation_ids``)."""
    return f"observation.segmentation.{cam}"


def bbox_visible_key(cam: str) -> str:
    """float32 (T, 4) box of the target's visible pixels (x_min, y_min, x_max, y_max) [px]; -1s when unseen."""
    return f"annotation.bbox_visible.{cam}"


def extrinsics_key(cam: str) -> str:
    """float32 (T, 4, 4) base -> OpenCV camera, per frame (cameras that move, e.g. the wrist camera)."""
    return f"observation.extrinsics.{cam}"


@dataclasses.dataclass
class Episode:
    """One recorded episode.

    Attributes:
        frames: per-frame arrays keyed by schema name, each (T, ...):
            observation.images.<cam> uint8 (T,H,W,3); observation.state float32 (T,n_arm+1)
            arm joints [rad] + gripper opening [m] (n_arm from the robot spec);
            observation.ee_pose float32 (T,7) position [m] + quat (w,x,y,z), base frame;
            action float32 (T,7); action.joint float32 (T,n_arm+1); annotation.bbox.<cam>
            float32 (T,4) pixels, -1s when out of view; annotation.object_pose float32 (T,7);
            annotation.phase int64 (T,). Optional: observation.depth.<cam> float32 (T,H,W) [m],
            observation.segmentation.<cam> int32 (T,H,W), annotation.bbox_visible.<cam> float32 (T,4),
            observation.extrinsics.<cam> float32 (T,4,4) for moving cameras,
            observation.point_cloud float32 (T,N,6).
        cameras: name -> {"intrinsics": (3,3), "extrinsics": (4,4) base->OpenCV camera}; for a
            moving camera the extrinsics are those of frame 0.
        meta: instruction, seed, episode_index, success, failure_reason,
            grasp_pose (4,4), grasp_width [m], scene (SceneSpec JSON), version, fps,
            phase_names (JSON list), subtasks (JSON list, one instruction per phase),
            language (JSON: how the instruction was composed), task_aug (JSON list: paraphrases
            of the instruction), the target's object_id, object_category, object_scale (3,),
            object_mass [kg], object_friction (3,) (sliding, torsional, rolling), and with
            segmentation segmentation_ids (JSON, see generators.mujoco_backend.instances.InstanceIds).
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
