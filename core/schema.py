"""The episode schema, declared once: every per-frame key and per-episode meta key of an Episode.

Each frame key is declared with its name (``{cam}`` stands for a camera name), dtype, per-frame
shape as a function of the robot's arm size ``n_arm``, the camera's image size ``(H, W)`` and the
point count ``N``, unit, frame and meaning. Writers and checkers are generated from it:
the HDF5 writer's ``data.attrs["schema"]`` and robomimic ``env_args`` (``hdf5_attrs``), LeRobot
``info.json`` features of the non-video keys (``lerobot_features``), the dataset card's key table
(``describe``) and ``syngrasp validate``'s dtype and shape checks (``check_frames``).

Per-frame arrays are stacked over time: an entry's ``shape`` here is that of ONE frame; the array
is (T, *shape). core is the ground floor: this module imports nothing from the stages.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Callable, Mapping

SCHEMA_VERSION = "1.0"
ENV_NAME = "syngrasp"
# robomimic's env types are robosuite (1), gym (2) and iGibson MOMART (3); syngrasp is none of them and
# robomimic cannot build it, so the generic gym type is recorded: offline training reads the
# shapes from the data, and robomimic rollouts must stay off.
ROBOMIMIC_ENV_TYPE = 2

# Episode key holding each action definition; a writer's ``action`` option picks which one is
# written as ``action`` (the other is written as ``action.<definition>``).
ACTION_SOURCE = {"ee_delta": "action", "joint": "action.joint"}

POSE_NAMES = ["x", "y", "z", "qw", "qx", "qy", "qz"]
EE_DELTA_NAMES = ["dx", "dy", "dz", "drx", "dry", "drz", "gripper"]


@dataclasses.dataclass(frozen=True)
class Dims:
    """What shapes depend on: arm joints ``n_arm``, one camera's image ``hw`` = (H, W) [px], points ``n_points``."""

    n_arm: int
    hw: tuple[int, int] = (0, 0)
    n_points: int = 0


@dataclasses.dataclass(frozen=True)
class KeySpec:
    """One declared frame key.

    Attributes:
        pattern: key name; ``{cam}`` is replaced by a camera name.
        dtype: numpy dtype name of the stored array.
        shape: Dims -> per-frame shape.
        unit / frame / meaning: documentation (unit "" when dimensionless, frame "" when none).
        option: the observation option that adds the key (None: always present).
        per_camera: "all" (every camera), "moving" (cameras whose pose moves) or "" (not per camera).
        lerobot_flat: LeRobot stores the key flattened to one dimension (4x4 matrices).
        names: per-dimension names, when fixed by the schema (robot-shaped keys get theirs from the robot).
    """

    pattern: str
    dtype: str
    shape: Callable[[Dims], tuple[int, ...]]
    unit: str
    frame: str
    meaning: str
    option: str | None = None
    per_camera: str = ""
    lerobot_flat: bool = False
    names: tuple[str, ...] | None = None


FRAME_KEYS: tuple[KeySpec, ...] = (
    KeySpec("observation.state", "float32", lambda d: (d.n_arm + 1,), "rad (arm), m (gripper)", "joint space",
            "arm joint positions + gripper opening (distance between the fingers)"),
    KeySpec("observation.ee_pose", "float32", lambda d: (7,), "m, quaternion", "robot base",
            "grasp-site position + orientation quaternion (w, x, y, z)", names=tuple(POSE_NAMES)),
    KeySpec("action", "float32", lambda d: (7,), "m, rad, command", "robot base",
            "end-effector delta from frame t to t+1 as achieved: position (3) + rotation axis-angle (3), "
            "+ gripper command (0 open, 1 closed)", names=tuple(EE_DELTA_NAMES)),
    KeySpec("action.joint", "float32", lambda d: (d.n_arm + 1,), "rad, command", "joint space",
            "absolute arm joint targets reached at frame t+1 + gripper command (0 open, 1 closed)"),
    KeySpec("annotation.object_pose", "float32", lambda d: (7,), "m, quaternion", "robot base",
            "target object position + orientation quaternion (w, x, y, z)", names=tuple(POSE_NAMES)),
    KeySpec("annotation.phase", "int64", lambda d: (), "", "",
            "index into the episode's phase_names (approach, pre-grasp, grasp, lift, shake, hold)"),
    KeySpec("observation.images.{cam}", "uint8", lambda d: (*d.hw, 3), "", "camera image",
            "RGB image", per_camera="all"),
    KeySpec("annotation.bbox.{cam}", "float32", lambda d: (4,), "px", "camera image",
            "target box (x_min, y_min, x_max, y_max) from its projected points; -1s when out of view", per_camera="all"),
    KeySpec("observation.depth.{cam}", "float32", lambda d: d.hw, "m", "camera",
            "z-depth along the camera's optical axis", option="depth", per_camera="all"),
    KeySpec("observation.segmentation.{cam}", "int32", lambda d: d.hw, "", "camera image",
            "instance ids (meta segmentation_ids maps them)", option="segmentation", per_camera="all"),
    KeySpec("annotation.bbox_visible.{cam}", "float32", lambda d: (4,), "px", "camera image",
            "box of the target's visible pixels (x_min, y_min, x_max, y_max); -1s when unseen",
            option="segmentation", per_camera="all"),
    KeySpec("observation.extrinsics.{cam}", "float32", lambda d: (4, 4), "m", "robot base -> OpenCV camera",
            "camera pose per frame (cameras that move, e.g. the wrist camera)", per_camera="moving", lerobot_flat=True),
    KeySpec("observation.point_cloud", "float32", lambda d: (d.n_points, 6), "m, rgb in [0, 1]", "robot base",
            "fused points of the static cameras: xyz + rgb", option="point_cloud"),
)

# Per-episode meta keys (Episode.meta; HDF5 demo attrs; LeRobot side table): name -> meaning.
META_KEYS: dict[str, str] = {
    "instruction": "language instruction (str)",
    "seed": "run seed (int)",
    "episode_index": "generation index (int); the episode RNG is SeedSequence([seed, episode_index])",
    "success": "the grasp held through lift, shake and hold (bool)",
    "failure_reason": "why it failed, '' on success (str)",
    "attempts": "grasp candidates tried (int)",
    "grasp_pose": "(4, 4) float64 grasp pose, robot base frame [m]",
    "grasp_width": "planned gripper opening at the grasp [m]",
    "scene": "SceneSpec JSON",
    "version": "syngrasp version that wrote the episode",
    "schema_version": "this schema's version",
    "fps": "control rate [Hz]",
    "max_penetration_m": "deepest penetration recorded [m]",
    "visibility_redraws": "scenes redrawn to keep the target visible (int)",
    "phase_names": "JSON list: names of annotation.phase values",
    "subtasks": "JSON list: one instruction per phase",
    "language": "JSON: how the instruction was composed",
    "segmentation_ids": "JSON: instance id of each object (with segmentation only)",
    "task_aug": "JSON list: paraphrases of the instruction (same referring phrase, other wording)",
    "object_id": "target object's catalog asset id (str)",
    "object_category": "target object's category noun (str)",
    "object_scale": "(3,) float64 target scale factors along its mesh axes",
    "object_mass": "target mass [kg]",
    "object_friction": "(3,) float64 target contact friction (sliding, torsional [m], rolling [m]), MuJoCo's geom friction",
}


# ---- LeRobot language columns ---------------------------------------------------------------------
# LeRobot (0.6) stores language annotations in two per-frame columns of the data parquet, each a list of
# rows (lerobot/datasets/language.py): ``language_persistent`` holds, on EVERY frame of an episode, the
# episode's whole persistent slice (rows of styles subtask, plan, memory, motion, task_aug, each with the
# ``timestamp`` [s] at which it becomes active; the row active at frame time t is the latest one with
# timestamp <= t, ``active_at``); ``language_events`` holds on each frame the event rows fired at that
# frame (no timestamp). info.json declares both as ``{"dtype": "language", "shape": [1]}``; they get no stats.
LANGUAGE_PERSISTENT = "language_persistent"
LANGUAGE_EVENTS = "language_events"
# (field, Arrow type name, nullable) of one row, in LeRobot's order; "json" is Arrow's JSON extension type.
PERSISTENT_ROW_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("role", "string", False), ("content", "string", True), ("style", "string", True),
    ("timestamp", "float32", False), ("camera", "string", True), ("tool_calls", "list<json>", True),
)
EVENT_ROW_FIELDS: tuple[tuple[str, str, bool], ...] = tuple(f for f in PERSISTENT_ROW_FIELDS if f[0] != "timestamp")
PERSISTENT_STYLES = ("subtask", "plan", "memory", "motion", "task_aug")
LANGUAGE_KEYS: dict[str, str] = {
    LANGUAGE_PERSISTENT: "every frame: the episode's task_aug rows (role user, t = 0: the instruction, then its "
                         "paraphrases, meta task_aug) and one subtask row (role assistant) per phase, at the "
                         "phase's first frame, holding that phase's subtask text (meta subtasks)",
    LANGUAGE_EVENTS: "every frame: an empty list (syngrasp fires no language events)",
}


def lerobot_language_features() -> dict[str, dict]:
    """info.json ``features`` of the two language columns, as LeRobot's ``language_feature_info()`` declares them."""
    return {k: {"dtype": "language", "shape": [1], "names": None} for k in LANGUAGE_KEYS}


# ---- per-episode columns of LeRobot's meta/episodes -------------------------------------------------
@dataclasses.dataclass(frozen=True)
class EpisodeColumn:
    """One declared per-episode column of LeRobot's ``meta/episodes``.

    Attributes:
        name: the column name, ``syngrasp/<name>`` (finalize carries every ``a/b``-named column of a
            shard's episodes table into meta/episodes).
        meta_key: the Episode.meta key it holds (HDF5 demo attr of the same name).
        dtype: "int64", "float64", "bool" or "string" (of each element for list columns).
        length: 0 for a scalar, else the fixed length of the list (4x4 poses are flattened row-major).
        unit / meaning: documentation.
    """

    name: str
    meta_key: str
    dtype: str
    length: int
    unit: str
    meaning: str


EPISODE_COLUMNS: tuple[EpisodeColumn, ...] = (
    EpisodeColumn("syngrasp/seed", "seed", "int64", 0, "",
                  "run seed; the episode RNG is SeedSequence([seed, source_episode_index])"),
    EpisodeColumn("syngrasp/source_episode_index", "episode_index", "int64", 0, "",
                  "generation index in the run (LeRobot's episode_index is the dense numbering)"),
    EpisodeColumn("syngrasp/success", "success", "bool", 0, "", "the grasp held through lift, shake and hold"),
    EpisodeColumn("syngrasp/failure_reason", "failure_reason", "string", 0, "", "why it failed, '' on success"),
    EpisodeColumn("syngrasp/object_id", "object_id", "string", 0, "", "target object's catalog asset id"),
    EpisodeColumn("syngrasp/object_category", "object_category", "string", 0, "", "target object's category noun"),
    EpisodeColumn("syngrasp/object_scale", "object_scale", "float64", 3, "", "target scale factors (x, y, z)"),
    EpisodeColumn("syngrasp/object_mass", "object_mass", "float64", 0, "kg", "target mass"),
    EpisodeColumn("syngrasp/object_friction", "object_friction", "float64", 3, "-, m, m",
                  "target contact friction: sliding, torsional, rolling (MuJoCo geom friction)"),
    EpisodeColumn("syngrasp/grasp_pose", "grasp_pose", "float64", 16, "m",
                  "planned grasp pose, 4x4 flattened row-major, robot base frame"),
    EpisodeColumn("syngrasp/grasp_width", "grasp_width", "float64", 0, "m", "planned gripper opening at the grasp"),
)


def episode_column_values(meta: Mapping[str, Any]) -> dict[str, Any]:
    """One episode's ``EPISODE_COLUMNS`` values from its meta, by column name: Python scalars, lists of
    ``length`` for list columns, None where the meta lacks the key (episodes written before it existed).
    A list-valued key of the wrong length is a ValueError naming the key."""
    out: dict[str, Any] = {}
    cast = {"int64": int, "float64": float, "bool": bool, "string": str}
    for c in EPISODE_COLUMNS:
        v = meta.get(c.meta_key)
        if v is None:
            out[c.name] = None
        elif c.length:
            flat = [cast[c.dtype](x) for x in _flatten(v)]
            if len(flat) != c.length:
                raise ValueError(f"episode meta '{c.meta_key}' has {len(flat)} values, the schema declares "
                                 f"{c.length} (core/schema.py EPISODE_COLUMNS); regenerate or fix the episode")
            out[c.name] = flat
        else:
            out[c.name] = cast[c.dtype](v)
    return out


def _flatten(v: Any) -> list:
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return [x for item in v for x in _flatten(item)]
    return [v]


@dataclasses.dataclass(frozen=True)
class FrameKey:
    """A declared key made concrete for one robot and camera set: ``shape`` is per frame."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    unit: str
    frame: str
    meaning: str
    optional: bool
    spec: KeySpec = dataclasses.field(repr=False, compare=False)


def _option(options: Any, name: str, default: Any = None) -> Any:
    if options is None:
        return default
    if isinstance(options, Mapping):
        return options.get(name, default)
    return getattr(options, name, default)


def frame_keys(n_arm: int, cameras: Mapping[str, tuple[int, int]], options: Any = None) -> list[FrameKey]:
    """Every frame key an episode of this robot and these cameras carries, with concrete shapes.

    ``cameras``: name -> (H, W) [px]. ``options`` (mapping or object): ``depth`` (bool),
    ``segmentation`` (bool), ``point_cloud`` (N points, 0 = off), ``moving`` (names of the
    cameras whose extrinsics are recorded per frame).
    """
    moving = set(_option(options, "moving", ()) or ())
    n_points = int(_option(options, "point_cloud", 0) or 0)
    out = []
    for spec in FRAME_KEYS:
        if spec.option is not None and not _option(options, spec.option, False):
            continue
        if spec.per_camera:
            cams = sorted(cameras) if spec.per_camera == "all" else sorted(c for c in cameras if c in moving)
        else:
            cams = [None]
        for cam in cams:
            d = Dims(n_arm, tuple(cameras[cam]) if cam else (0, 0), n_points)
            name = spec.pattern.format(cam=cam) if cam else spec.pattern
            out.append(FrameKey(name, spec.dtype, tuple(int(x) for x in spec.shape(d)), spec.unit, spec.frame,
                                spec.meaning, spec.option is not None or spec.per_camera == "moving", spec))
    return out


def match(name: str) -> tuple[KeySpec, str | None] | None:
    """The declaration of a concrete key name and its camera (None when not per camera); None if undeclared."""
    for spec in FRAME_KEYS:
        if "{cam}" in spec.pattern:
            prefix = spec.pattern.split("{cam}")[0]
            if name.startswith(prefix) and len(name) > len(prefix) and "." not in name[len(prefix):]:
                return spec, name[len(prefix):]
        elif name == spec.pattern:
            return spec, None
    return None


def output_name(key: str, action_mode: str) -> str:
    """The written name of Episode key ``key`` under a writer's ``action`` mode (ee_delta or joint)."""
    if action_mode not in ACTION_SOURCE:
        raise ValueError(f"action mode {action_mode!r} is not one of {sorted(ACTION_SOURCE)}")
    inverse = {src: d for d, src in ACTION_SOURCE.items()}
    if key not in inverse:
        return key
    return "action" if inverse[key] == action_mode else f"action.{inverse[key]}"


def lerobot_features(n_arm: int, cameras: Mapping[str, tuple[int, int]], options: Any = None,
                     feature_names: Mapping[str, list[str]] | None = None,
                     action_mode: str = "ee_delta") -> dict[str, dict]:
    """info.json ``features`` of the non-video keys (everything but RGB images and depth), by written name,
    followed by the two language columns (``lerobot_language_features``).

    ``feature_names``: per-dimension names of robot-shaped keys (the robot spec's
    ``feature_names()``), keyed by Episode key; a list whose length differs from the key's width is
    a ValueError naming the key. Other one-dimensional keys without fixed names get ``<key>_<i>``;
    multi-dimensional ones ``None``. Integer scalars are ``int64`` of shape [1].
    """
    names_for = dict(feature_names or {})
    out: dict[str, dict] = {}
    for fk in frame_keys(n_arm, cameras, options):
        if fk.name.startswith(("observation.images.", "observation.depth.")):
            continue
        shape = [int(_prod(fk.shape))] if fk.spec.lerobot_flat else (list(fk.shape) or [1])
        written = output_name(fk.name, action_mode)
        names = names_for.get(fk.name)
        if names is None and fk.spec.names is not None:
            names = list(fk.spec.names)
        if names is not None and (len(shape) != 1 or len(names) != shape[0]):
            raise ValueError(f"'{fk.name}' has {shape} values per frame but {len(names)} names are given; "
                             "use the names of the robot the data was generated with")
        if names is None and len(shape) == 1:
            names = [f"{written}_{i}" for i in range(shape[0])]
        out[written] = {"dtype": fk.dtype, "shape": shape, "names": list(names) if names is not None else None}
    out.update(lerobot_language_features())
    return out


def _prod(shape) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


def describe(n_arm: int, cameras: Mapping[str, tuple[int, int]], options: Any = None) -> list[dict]:
    """JSON-able description of every frame key (name, dtype, per-frame shape, unit, frame, meaning, optional)."""
    return [{"key": fk.name, "dtype": fk.dtype, "shape": list(fk.shape), "unit": fk.unit, "frame": fk.frame,
             "meaning": fk.meaning, "optional": fk.optional} for fk in frame_keys(n_arm, cameras, options)]


def hdf5_attrs(robot: str, n_arm: int, cameras: Mapping[str, tuple[int, int]], options: Any = None,
               fps: float = 0.0) -> dict[str, str]:
    """``data`` group attrs of an HDF5 shard: robomimic ``env_args`` and ``schema``, JSON strings each.

    ``env_args``: {"env_name": "syngrasp", "type", "env_kwargs": {robot, n_arm, cameras {name: [H, W]},
    control_freq [Hz]}}, as robomimic reads ``data.attrs["env_args"]``.
    """
    env_args = {
        "env_name": ENV_NAME,
        "type": ROBOMIMIC_ENV_TYPE,
        "env_kwargs": {"robot": robot, "n_arm": int(n_arm),
                       "cameras": {c: [int(h), int(w)] for c, (h, w) in sorted(cameras.items())},
                       "control_freq": float(fps)},
    }
    schema = {"schema_version": SCHEMA_VERSION, "frame_keys": describe(n_arm, cameras, options),
              "meta_keys": META_KEYS}
    return {"env_args": json.dumps(env_args), "schema": json.dumps(schema)}


def infer_layout(arrays: Mapping[str, Any]) -> tuple[int, dict[str, tuple[int, int]], dict]:
    """(n_arm, cameras, options) of an episode's frames (``arrays``: key -> object with .shape), read from
    ``observation.state`` and the per-camera keys; the inverse of ``frame_keys`` for well-formed episodes."""
    state = arrays.get("observation.state")
    n_arm = int(state.shape[-1]) - 1 if state is not None and len(state.shape) == 2 else 0
    cameras: dict[str, tuple[int, int]] = {}
    opts: dict[str, Any] = {"moving": []}
    for name, arr in arrays.items():
        m = match(name)
        if m is None:
            continue
        spec, cam = m
        if spec.pattern == "observation.images.{cam}" and len(arr.shape) >= 3:
            cameras[cam] = (int(arr.shape[1]), int(arr.shape[2]))
        elif cam is not None and spec.per_camera == "all" and cam not in cameras:
            cameras[cam] = (0, 0)  # a camera without an image: its image key is reported missing
        if spec.per_camera == "moving":
            opts["moving"].append(cam)
        if spec.option == "point_cloud":
            opts["point_cloud"] = int(arr.shape[1]) if len(arr.shape) > 1 else 0
        elif spec.option:
            opts[spec.option] = True
    return n_arm, cameras, opts


def check_frames(arrays: Mapping[str, Any], where: str = "episode") -> list[str]:
    """Problems of an episode's frame keys against the schema: undeclared keys, missing keys, wrong dtype
    or per-frame shape, and keys whose frame count differs from ``observation.state``'s. ``arrays``:
    Episode key -> anything with ``.shape`` and ``.dtype`` (numpy arrays, h5py datasets)."""
    problems = []
    if "observation.state" not in arrays:
        return [f"{where}: observation.state is missing"]
    unknown = sorted(k for k in arrays if match(k) is None)
    problems += [f"{where}: {k} is not a declared episode key (core/schema.py)" for k in unknown]
    n_arm, cameras, opts = infer_layout(arrays)
    T = int(arrays["observation.state"].shape[0])
    for fk in frame_keys(n_arm, cameras, opts):
        arr = arrays.get(fk.name)
        if arr is None:
            problems.append(f"{where}: {fk.name} is missing")
            continue
        got = tuple(int(x) for x in arr.shape)
        if str(arr.dtype) != fk.dtype:
            problems.append(f"{where}: {fk.name} has dtype {arr.dtype}, the schema declares {fk.dtype}")
        if got[1:] != fk.shape:
            problems.append(f"{where}: {fk.name} has per-frame shape {got[1:]}, the schema declares {fk.shape}")
        if got and got[0] != T:
            problems.append(f"{where}: {fk.name} has {got[0]} frames, observation.state {T}")
    return problems
