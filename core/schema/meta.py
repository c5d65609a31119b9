"""Per-episode keys: every entry of ``Episode.meta`` and ``Episode.cameras``, declared once.

``META`` declares each meta key with its type, unit, meaning, whether every episode must have it,
and where writers put it: an HDF5 demo attribute or dataset (``hdf5``), a column of LeRobot's
``meta/episodes`` (``column``), a column of the syngrasp side table ``meta/syngrasp/episodes``
(``side``) and LeRobot's ``language_persistent`` rows (``language``). ``CAMERA_KEYS`` declares
each camera's calibration. Everything else here is generated from them.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any, Mapping

import numpy as np

# ---- key names -------------------------------------------------------------------------------------
EPISODE_INDEX = "episode_index"
SHARD_INDEX = "shard_index"
INSTRUCTION = "instruction"
SUCCESS = "success"
FAILURE_REASON = "failure_reason"
ATTEMPTS = "attempts"
SEED = "seed"
GRASP_WIDTH = "grasp_width"
GRASP_POSE = "grasp_pose"
SCENE = "scene"
VERSION = "version"
FPS = "fps"
MAX_PENETRATION = "max_penetration_m"
VISIBILITY_REDRAWS = "visibility_redraws"
PHASE_NAMES_KEY = "phase_names"
LANGUAGE = "language"
SEGMENTATION_IDS = "segmentation_ids"
SCHEMA_VERSION_KEY = "schema_version"
SUBTASKS = "subtasks"
TASK_AUG = "task_aug"
OBJECT_ID = "object_id"
OBJECT_CATEGORY = "object_category"
OBJECT_SCALE = "object_scale"
OBJECT_MASS = "object_mass"
OBJECT_FRICTION = "object_friction"
SOURCE_EPISODE_INDEX = "source_episode_index"  # the generation index's column name where LeRobot numbers densely

# ---- where a meta key is written -------------------------------------------------------------------
HDF5_ATTR = "attr"  # an attribute of the HDF5 demo group, named as the key
HDF5_DATASET = "dataset"  # a dataset of the HDF5 demo group, named as the key
EPISODES_COLUMN_PREFIX = "syngrasp/"  # LeRobot meta/episodes columns of syngrasp's own keys

# value types: python type of the value (``array``: float64 numpy array of ``shape``; ``json``: a str of JSON)
TYPES = ("str", "int", "float", "bool", "json", "array")


@dataclasses.dataclass(frozen=True)
class MetaKey:
    """One declared per-episode meta key.

    Attributes:
        name: the key of ``Episode.meta`` (and of the HDF5 attribute or dataset).
        type: one of ``TYPES``: "str", "int", "float", "bool", "json" (a str holding JSON, of kind
            ``json``) or "array" (float64 of ``shape``).
        unit / meaning: documentation (unit "" when dimensionless).
        required: every episode has it (False: episodes written before the key existed, or
            without ``option``, lack it).
        shape: an array's shape.
        json: "list" or "object": the JSON value's kind, for type "json".
        option: the observation option whose episodes must have the key (None: not option-bound).
        hdf5: ``HDF5_ATTR`` or ``HDF5_DATASET`` (of the demo group).
        side: the side table's column name, "" when it is not there.
        column: the LeRobot ``meta/episodes`` column (``syngrasp/<name>``), "" when it is not there.
        language: LeRobot stores it as ``language_persistent`` rows instead of a column.
    """

    name: str
    type: str
    unit: str
    meaning: str
    required: bool = True
    shape: tuple[int, ...] = ()
    json: str = ""
    option: str | None = None
    hdf5: str = HDF5_ATTR
    side: str = ""
    column: str = ""
    language: bool = False

    @property
    def type_name(self) -> str:
        """The type in words: ``int``, ``JSON list``, ``float64 (4, 4)`` ..."""
        if self.type == "json":
            return f"JSON {self.json}"
        if self.type == "array":
            return f"float64 {self.shape}"
        return self.type

    @property
    def where(self) -> tuple[str, ...]:
        """Where writers put the key, in words (documentation)."""
        out = [f"HDF5 demo {'attribute' if self.hdf5 == HDF5_ATTR else 'dataset'} `{self.name}`"]
        if self.column:
            out.append(f"LeRobot meta/episodes column `{self.column}`")
        if self.side:
            out.append(f"side table column `{self.side}`")
        if self.language:
            out.append("LeRobot language_persistent rows")
        return tuple(out)


def _col(name: str) -> str:
    return EPISODES_COLUMN_PREFIX + name


META: tuple[MetaKey, ...] = (
    MetaKey(EPISODE_INDEX, "int", "", "generation index in the run; the episode's RNG is "
            "SeedSequence([seed, episode_index]). LeRobot numbers episodes densely in its own episode_index",
            side=SOURCE_EPISODE_INDEX, column=_col(SOURCE_EPISODE_INDEX)),
    MetaKey(SHARD_INDEX, "int", "", "the shard the run wrote the episode in (set by the run, not the generator)",
            required=False, side=SHARD_INDEX),
    MetaKey(INSTRUCTION, "str", "", "language instruction (LeRobot: the episode's task)", side=INSTRUCTION),
    MetaKey(SUCCESS, "bool", "", "the grasp held through lift, shake and hold", side=SUCCESS, column=_col(SUCCESS)),
    MetaKey(FAILURE_REASON, "str", "", "why it failed, '' on success", side=FAILURE_REASON, column=_col(FAILURE_REASON)),
    MetaKey(ATTEMPTS, "int", "", "grasp candidates executed in physics", side=ATTEMPTS),
    MetaKey(SEED, "int", "", "run seed", side=SEED, column=_col(SEED)),
    MetaKey(GRASP_WIDTH, "float", "m", "planned gripper opening at the grasp", side=GRASP_WIDTH,
            column=_col(GRASP_WIDTH)),
    MetaKey(GRASP_POSE, "array", "m", "planned grasp pose (4x4), robot base frame; flattened row-major in "
            "LeRobot columns", shape=(4, 4), hdf5=HDF5_DATASET, side=GRASP_POSE, column=_col(GRASP_POSE)),
    MetaKey(SCENE, "json", "", "the episode's SceneSpec (core/scene.py), enough to rebuild the scene",
            json="object", side=SCENE),
    MetaKey(VERSION, "str", "", "syngrasp version that wrote the episode", side=VERSION),
    MetaKey(FPS, "float", "Hz", "control rate", side=FPS),
    MetaKey(MAX_PENETRATION, "float", "m", "deepest contact between the robot and the table or a non-target object",
            side=MAX_PENETRATION),
    MetaKey(VISIBILITY_REDRAWS, "int", "", "camera and light redraws that kept the target visible",
            side=VISIBILITY_REDRAWS),
    MetaKey(PHASE_NAMES_KEY, "json", "", "names of the annotation.phase values in index order (core/phases.py)",
            required=False, json="list", side=PHASE_NAMES_KEY),
    MetaKey(LANGUAGE, "json", "", "how the instruction was composed (template, verb, referring phrase)",
            required=False, json="object", side=LANGUAGE),
    MetaKey(SEGMENTATION_IDS, "json", "", "instance id of each object and the target's id (observation.segmentation)",
            required=False, json="object", option="segmentation", side=SEGMENTATION_IDS),
    MetaKey(SCHEMA_VERSION_KEY, "str", "", "version of the episode schema (core/schema)"),
    MetaKey(SUBTASKS, "json", "", "one instruction per phase, in phase order", required=False, json="list",
            language=True),
    MetaKey(TASK_AUG, "json", "", "paraphrases of the instruction (same referring phrase, other wording)",
            required=False, json="list", language=True),
    MetaKey(OBJECT_ID, "str", "", "target object's catalog asset id", required=False, column=_col(OBJECT_ID)),
    MetaKey(OBJECT_CATEGORY, "str", "", "target object's category noun", required=False,
            column=_col(OBJECT_CATEGORY)),
    MetaKey(OBJECT_SCALE, "array", "", "target scale factors along its mesh axes (x, y, z)", required=False,
            shape=(3,), column=_col(OBJECT_SCALE)),
    MetaKey(OBJECT_MASS, "float", "kg", "target mass", required=False, column=_col(OBJECT_MASS)),
    MetaKey(OBJECT_FRICTION, "array", "-, m, m", "target contact friction: sliding, torsional, rolling "
            "(MuJoCo geom friction)", required=False, shape=(3,), column=_col(OBJECT_FRICTION)),
)


def _declared() -> tuple[MetaKey, ...]:
    # read at call time, so that a declaration added to META (tests) reaches every function
    return META


def meta_key(name: str) -> MetaKey:
    """The declaration of meta key ``name``; a KeyError naming core/schema when undeclared."""
    for m in _declared():
        if m.name == name:
            return m
    raise KeyError(f"{name!r} is not a declared meta key (core/schema/meta.py META)")


# ---- camera calibration ----------------------------------------------------------------------------
INTRINSICS = "intrinsics"
CAMERA_EXTRINSICS = "extrinsics"


@dataclasses.dataclass(frozen=True)
class CameraKey:
    """One declared entry of ``Episode.cameras[cam]``: a float64 array of ``shape``.

    ``side``: the side table's column, ``{cam}`` standing for the camera (flattened row-major)."""

    name: str
    shape: tuple[int, ...]
    unit: str
    frame: str
    meaning: str
    side: str


CAMERA_KEYS: tuple[CameraKey, ...] = (
    CameraKey(INTRINSICS, (3, 3), "px", "camera image", "pinhole intrinsics K (fx, fy, cx, cy)",
              "camera.{cam}.intrinsics"),
    CameraKey(CAMERA_EXTRINSICS, (4, 4), "m", "robot base -> OpenCV camera",
              "camera pose; a moving camera's is that of frame 0 (observation.extrinsics.<cam> per frame)",
              "camera.{cam}.extrinsics"),
)


# ---- LeRobot meta/episodes columns -----------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class EpisodeColumn:
    """One per-episode column of LeRobot's ``meta/episodes``, generated from a ``MetaKey`` with a ``column``.

    Attributes:
        name: the column name, ``syngrasp/<name>`` (finalize carries every ``a/b``-named column of a
            shard's episodes table into meta/episodes).
        meta_key: the Episode.meta key it holds.
        dtype: "int64", "float64", "bool" or "string" (of each element for list columns).
        length: 0 for a scalar, else the fixed length of the list (arrays flattened row-major).
        unit / meaning: documentation.
    """

    name: str
    meta_key: str
    dtype: str
    length: int
    unit: str
    meaning: str


_COLUMN_DTYPE = {"int": "int64", "float": "float64", "bool": "bool", "str": "string", "json": "string",
                 "array": "float64"}


def episode_columns() -> tuple[EpisodeColumn, ...]:
    """The declared ``meta/episodes`` columns, in ``META`` order."""
    return tuple(EpisodeColumn(m.column, m.name, _COLUMN_DTYPE[m.type], int(np.prod(m.shape)) if m.shape else 0,
                               m.unit, m.meaning) for m in _declared() if m.column)


def episode_column_values(meta: Mapping[str, Any]) -> dict[str, Any]:
    """One episode's ``meta/episodes`` column values from its meta, by column name: Python scalars, lists of
    ``length`` for list columns, None where the meta lacks the key (episodes written before it existed).
    A list-valued key of the wrong length is a ValueError naming the key."""
    out: dict[str, Any] = {}
    cast = {"int64": int, "float64": float, "bool": bool, "string": str}
    for c in episode_columns():
        v = meta.get(c.meta_key)
        if v is None:
            out[c.name] = None
        elif c.length:
            flat = [cast[c.dtype](x) for x in np.asarray(v).reshape(-1).tolist()]
            if len(flat) != c.length:
                raise ValueError(f"episode meta '{c.meta_key}' has {len(flat)} values, the schema declares "
                                 f"{c.length} (core/schema META); regenerate or fix the episode")
            out[c.name] = flat
        else:
            out[c.name] = cast[c.dtype](v)
    return out


# ---- values ----------------------------------------------------------------------------------------
def coerce(key: MetaKey, value: Any) -> Any:
    """``value`` as its declared Python type (numpy scalars and h5py strings to int / float / bool / str,
    arrays to float64 numpy arrays); the value unchanged when it cannot be converted."""
    try:
        if key.type == "array":
            return np.asarray(value, np.float64)
        if hasattr(value, "item") and np.size(value) == 1:
            value = value.item()
        if isinstance(value, bytes):
            value = value.decode()
        if key.type == "int" and not isinstance(value, bool):
            return int(value)
        if key.type == "float":
            return float(value)
        if key.type == "bool" and isinstance(value, (bool, int)):
            return bool(value)
        if key.type in ("str", "json"):
            return str(value) if isinstance(value, str) else value
    except (TypeError, ValueError):
        pass
    return value


def _type_problem(key: MetaKey, value: Any) -> str:
    """Why ``value`` is not of ``key``'s declared type ("" when it is)."""
    t = key.type
    if t == "bool":
        ok = isinstance(value, (bool, np.bool_))
    elif t == "int":
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    elif t == "float":
        ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    elif t == "str":
        ok = isinstance(value, str)
    elif t == "json":
        if not isinstance(value, str):
            return f"is {type(value).__name__}, the schema declares a str of JSON {key.json}"
        try:
            parsed = json.loads(value)
        except ValueError as e:
            return f"is not JSON ({e})"
        want = {"list": list, "object": dict}[key.json]
        return "" if isinstance(parsed, want) else f"holds JSON {type(parsed).__name__}, the schema declares a {key.json}"
    else:
        arr = np.asarray(value)
        if arr.dtype.kind not in "fiu":
            return f"has dtype {arr.dtype}, the schema declares a float64 array"
        return "" if arr.shape == tuple(key.shape) else f"has shape {arr.shape}, the schema declares {tuple(key.shape)}"
    return "" if ok else f"is {type(value).__name__}, the schema declares {t}"


def meta_problems(meta: Mapping[str, Any], options: Any = None) -> list[tuple[str, str]]:
    """(key, problem) for every way ``meta`` differs from ``META``: undeclared keys, missing required keys
    (option-bound keys when ``options`` turns their option on) and values of the wrong type or shape."""
    declared = {m.name: m for m in _declared()}
    problems = [(k, f"meta '{k}' is not a declared meta key (core/schema META)") for k in sorted(meta)
                if k not in declared]
    for m in declared.values():
        needed = m.required or (m.option is not None and bool(_option_on(options, m.option)))
        if m.name not in meta:
            if needed:
                problems.append((m.name, f"meta '{m.name}' ({m.type_name}: {m.meaning}) is missing"))
            continue
        why = _type_problem(m, meta[m.name])
        if why:
            problems.append((m.name, f"meta '{m.name}' {why}"))
    return problems


def _option_on(options: Any, name: str) -> Any:
    if options is None:
        return False
    return options.get(name) if isinstance(options, Mapping) else getattr(options, name, False)


def camera_problems(cameras: Mapping[str, Mapping[str, Any]], names: list[str]) -> list[tuple[str, str]]:
    """(key, problem) of an episode's calibration: every camera of ``names`` (those of its images) has each
    ``CAMERA_KEYS`` entry with its declared shape; no other camera is listed."""
    problems = []
    for cam in sorted(set(cameras) - set(names)):
        problems.append((f"cameras.{cam}", f"camera '{cam}' is calibrated but has no images"))
    for cam in names:
        cal = cameras.get(cam)
        if cal is None:
            problems.append((f"cameras.{cam}", f"camera '{cam}' has images but no calibration"))
            continue
        for ck in CAMERA_KEYS:
            arr = cal.get(ck.name)
            if arr is None:
                problems.append((f"cameras.{cam}.{ck.name}", f"camera '{cam}' lacks its {ck.name}"))
            elif tuple(np.shape(arr)) != ck.shape or np.asarray(arr).dtype.kind != "f":
                arr = np.asarray(arr)
                problems.append((f"cameras.{cam}.{ck.name}", f"camera '{cam}' {ck.name} is {arr.dtype} {arr.shape}, "
                                                             f"the schema declares float {ck.shape}"))
    return problems


def side_values(meta: Mapping[str, Any]) -> dict[str, Any]:
    """One episode's side-table values from its meta, by side column name, in ``META`` order: Python
    scalars, arrays flattened row-major to lists; a key the episode lacks (older versions) reads NaN
    (float), 0 (int) or "" (str, JSON)."""
    out: dict[str, Any] = {}
    for m in _declared():
        if not m.side:
            continue
        v = meta.get(m.name)
        if v is None:
            out[m.side] = {"float": math.nan, "int": 0, "bool": False}.get(m.type, "")
        elif m.type == "array":
            out[m.side] = np.asarray(v, np.float64).reshape(-1).tolist()
        else:
            out[m.side] = {"int": int, "float": float, "bool": bool}.get(m.type, str)(coerce(m, v))
    return out


def episode_meta(**values: Any) -> dict[str, Any]:
    """An episode's meta from keyword arguments named as the declared keys, in ``META`` order; the
    schema's own facts (``schema_version``, ``phase_names``) are filled in. An undeclared name is a
    KeyError naming it; values are checked by ``check_episode`` when written."""
    from ..phases import PHASE_NAMES
    from .describe import SCHEMA_VERSION

    declared = {m.name for m in _declared()}
    unknown = sorted(set(values) - declared)
    if unknown:
        raise KeyError(f"{unknown} are not declared meta keys (core/schema/meta.py META); declare them there")
    values.setdefault(SCHEMA_VERSION_KEY, SCHEMA_VERSION)
    values.setdefault(PHASE_NAMES_KEY, json.dumps(list(PHASE_NAMES)))
    return {m.name: values[m.name] for m in _declared() if m.name in values}
