"""The episode schema, declared once: every per-frame key, per-episode meta key and camera calibration.

Declarations (public, iterable; each carries its name, type, unit and meaning):

- ``FRAME_KEYS`` (frames.py): ``KeySpec`` per per-frame key of ``Episode.frames``: dtype, per-frame
  shape as a function of the robot and cameras (``shape_text`` renders it), unit, frame, meaning,
  storage kind (``STORAGE``), the option that adds it, and the action definition it holds.
- ``META`` (meta.py): ``MetaKey`` per key of ``Episode.meta``: type, unit, meaning, required, and where
  writers put it (HDF5 attribute or dataset, LeRobot ``meta/episodes`` column, side-table column,
  LeRobot language rows; ``where`` says it in words).
- ``CAMERA_KEYS`` (meta.py): ``CameraKey`` per entry of ``Episode.cameras[cam]``.
- ``PHASES`` (core/phases.py): what ``annotation.phase`` indices mean.

Generated from them: the HDF5 writer's and readers' keys and attributes (``hdf5_attrs`` describes the
schema in the file), LeRobot's ``info.json`` features (``lerobot_features``) and ``meta/episodes``
columns (``EPISODE_COLUMNS``), the side table's columns (``side_values``), the dataset card's tables,
``syngrasp validate``'s checks (``frame_problems``, ``meta_problems``) and ``check_episode``, which every
writer runs before writing. Key names are constants here (``STATE``, ``SCENE`` ...; per camera
``image_key(cam)`` ...): code outside the schema uses them, never the string (tests/test_schema_literals.py).

To add a key, declare it in frames.py or meta.py; nothing else lists keys. core is the ground floor:
this package imports nothing from the stages.
"""

from __future__ import annotations

from ..phases import PHASE_NAMES, PHASES, Phase
from . import frames, meta
from .checks import check_episode, check_episodes, episode_problems, phase_problems
from .describe import ENV_NAME, ROBOMIMIC_ENV_TYPE, SCHEMA_VERSION, hdf5_attrs, meta_description
from .frames import (ACTION, ACTION_JOINT, ARRAY, BBOX, BBOX_VISIBLE, COLUMN, DEPTH, DEPTH_VIDEO, EE_DELTA_NAMES,
                     EE_POSE, EXTRINSICS, IMAGES, OBJECT_POSE, PHASE, PIXELS, POINT_CLOUD, POSE_NAMES, SEGMENTATION,
                     STATE, STORAGE, VIDEO, VIDEO_STORAGE, Dims, FrameKey, KeySpec, action_definitions, action_mode_of,
                     action_source,
                     bbox_key, bbox_visible_key, camera_key, check_frames, depth_key, describe, episode_name,
                     extrinsics_key, frame_keys, frame_problems, image_key, infer_layout, is_action, lerobot_features,
                     match, output_name, segmentation_key, spec, storage_of)
from .language import (EVENT_ROW_FIELDS, LANGUAGE_EVENTS, LANGUAGE_KEYS, LANGUAGE_PERSISTENT, PERSISTENT_ROW_FIELDS,
                       PERSISTENT_STYLES, lerobot_language_features)
from .meta import (ATTEMPTS, CAMERA_EXTRINSICS, CAMERA_KEYS, EPISODE_INDEX, EPISODES_COLUMN_PREFIX, FAILURE_REASON,
                   FPS, GRASP_POSE, GRASP_WIDTH, HDF5_ATTR, HDF5_DATASET, INSTRUCTION, INTRINSICS, LANGUAGE,
                   MAX_PENETRATION, OBJECT_CATEGORY, OBJECT_FRICTION, OBJECT_ID, OBJECT_MASS, OBJECT_SCALE,
                   PHASE_NAMES_KEY, SCENE, SCHEMA_VERSION_KEY, SEED, SEGMENTATION_IDS, SHARD_INDEX, SOURCE_EPISODE_INDEX,
                   SUBTASKS,
                   SUCCESS, TASK_AUG, TYPES, VERSION, VISIBILITY_REDRAWS, CameraKey, EpisodeColumn, MetaKey,
                   camera_problems, coerce, episode_column_values, episode_columns, episode_meta, meta_key,
                   meta_problems, side_values)

# The declaration tuples live in frames.py and meta.py and are read from there on every access (PEP 562),
# so a declaration added there (a test's monkeypatch of ``schema.frames.FRAME_KEYS``) is what every
# generated function and every ``schema.FRAME_KEYS`` reader sees.
_LIVE = {
    "FRAME_KEYS": lambda: frames.FRAME_KEYS,
    "META": lambda: meta.META,
    "EPISODE_COLUMNS": episode_columns,
    "ACTION_SOURCE": action_source,
    "META_KEYS": lambda: {m.name: m.meaning for m in meta.META},
}


def __getattr__(name: str):
    if name in _LIVE:
        return _LIVE[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LIVE))
