"""Per-frame keys: every array of ``Episode.frames``, declared once in ``FRAME_KEYS``.

Each ``KeySpec`` holds the key's name (``{cam}`` stands for a camera name), dtype, per-frame shape
as a function of the robot's arm size ``n_arm``, a camera's image size ``(H, W)`` and the point
count ``N``, unit, frame, meaning and storage kind (``STORAGE``: what writers branch on). An
episode's array of a key is (T, *shape). Everything else here is generated from ``FRAME_KEYS``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

from ..phases import PHASE_NAMES

# ---- key names -------------------------------------------------------------------------------------
STATE = "observation.state"
EE_POSE = "observation.ee_pose"
ACTION = "action"
ACTION_JOINT = "action.joint"
OBJECT_POSE = "annotation.object_pose"
PHASE = "annotation.phase"
POINT_CLOUD = "observation.point_cloud"
# per camera: ``camera_key(IMAGES, "front") == "observation.images.front"``
IMAGES = "observation.images.{cam}"
BBOX = "annotation.bbox.{cam}"
DEPTH = "observation.depth.{cam}"
SEGMENTATION = "observation.segmentation.{cam}"
BBOX_VISIBLE = "annotation.bbox_visible.{cam}"
EXTRINSICS = "observation.extrinsics.{cam}"

POSE_NAMES = ("x", "y", "z", "qw", "qx", "qy", "qz")
EE_DELTA_NAMES = ("dx", "dy", "dz", "drx", "dry", "drz", "gripper")

# ---- storage kinds ---------------------------------------------------------------------------------
COLUMN = "column"
VIDEO = "video"
DEPTH_VIDEO = "depth_video"
PIXELS = "pixels"
ARRAY = "array"
STORAGE: dict[str, str] = {
    COLUMN: "low-dimensional: an HDF5 dataset (T, *shape); a LeRobot data column (flattened when lerobot_flat)",
    VIDEO: "RGB image: HDF5 chunked one frame per chunk; a LeRobot MP4 video",
    DEPTH_VIDEO: "depth image: HDF5 chunked one frame per chunk, byte-shuffled; a LeRobot 12-bit depth video "
                 "(exporters/observations.py)",
    PIXELS: "per-pixel array: HDF5 chunked one frame per chunk, byte-shuffled; a LeRobot nested data column",
    ARRAY: "large per-frame array: HDF5 chunked one frame per chunk; a LeRobot nested data column",
}
VIDEO_STORAGE = (VIDEO, DEPTH_VIDEO)  # stored as videos, not data columns, by LeRobot


@dataclasses.dataclass(frozen=True)
class Dims:
    """What shapes depend on: arm joints ``n_arm``, one camera's image ``hw`` = (H, W) [px], points ``n_points``."""

    n_arm: Any
    hw: tuple = (0, 0)
    n_points: Any = 0


class _Sym:
    """A named dimension for ``KeySpec.shape_text``: supports the arithmetic shape functions use."""

    def __init__(self, text: str):
        self.text = text

    def __add__(self, other):
        return _Sym(f"{self.text}+{other}")

    def __mul__(self, other):
        return _Sym(f"{self.text}*{other}")

    __radd__ = __add__
    __rmul__ = __mul__

    def __repr__(self) -> str:
        return self.text


@dataclasses.dataclass(frozen=True)
class KeySpec:
    """One declared per-frame key.

    Attributes:
        pattern: key name; ``{cam}`` is replaced by a camera name.
        dtype: numpy dtype name of the stored array.
        shape: Dims -> per-frame shape (``shape_text`` renders it with symbols n_arm, H, W, N).
        unit / frame / meaning: documentation (unit "" when dimensionless, frame "" when none).
        storage: a ``STORAGE`` kind: how writers store the key.
        option: the observation option that adds the key (None: always present).
        per_camera: "all" (every camera), "moving" (cameras whose pose moves) or "" (not per camera).
        lerobot_flat: LeRobot stores the key flattened to one dimension (4x4 matrices).
        names: per-dimension names, when fixed by the schema (robot-shaped keys get theirs from the robot).
        action: the action definition the key holds ("ee_delta", "joint"), "" for a non-action key; a
            writer's ``action`` option picks which definition is written as ``action``.
    """

    pattern: str
    dtype: str
    shape: Callable[[Dims], tuple]
    unit: str
    frame: str
    meaning: str
    storage: str = COLUMN
    option: str | None = None
    per_camera: str = ""
    lerobot_flat: bool = False
    names: tuple[str, ...] | None = None
    action: str = ""

    @property
    def name(self) -> str:
        """The key's name (the pattern, ``{cam}`` included)."""
        return self.pattern

    @property
    def shape_text(self) -> str:
        """The per-frame shape with symbols: ``(n_arm+1,)``, ``(H, W, 3)``, ``(N, 6)``, ``()``."""
        dims = self.shape(Dims(_Sym("n_arm"), (_Sym("H"), _Sym("W")), _Sym("N")))
        return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"

    @property
    def prefix(self) -> str:
        """The name before ``{cam}`` (the whole name when not per camera)."""
        return self.pattern.split("{cam}")[0]


FRAME_KEYS: tuple[KeySpec, ...] = (
    KeySpec(STATE, "float32", lambda d: (d.n_arm + 1,), "rad (arm), m (gripper)", "joint space",
            "arm joint positions + gripper opening (distance between the fingers)"),
    KeySpec(EE_POSE, "float32", lambda d: (7,), "m, quaternion", "robot base",
            "grasp-site position + orientation quaternion (w, x, y, z)", names=POSE_NAMES),
    KeySpec(ACTION, "float32", lambda d: (7,), "m, rad, command", "robot base",
            "end-effector delta from frame t to t+1 as achieved: position [m] (3) + rotation axis-angle [rad] (3) "
            "in the robot base frame, + gripper command (0 open, 1 closed)", names=EE_DELTA_NAMES, action="ee_delta"),
    KeySpec(ACTION_JOINT, "float32", lambda d: (d.n_arm + 1,), "rad, command", "joint space",
            "absolute arm joint targets [rad] reached at frame t+1 (n_arm) + gripper command (0 open, 1 closed)",
            action="joint"),
    KeySpec(OBJECT_POSE, "float32", lambda d: (7,), "m, quaternion", "robot base",
            "target object position + orientation quaternion (w, x, y, z)", names=POSE_NAMES),
    KeySpec(PHASE, "int64", lambda d: (), "", "",
            f"index into the episode's phase_names: {', '.join(PHASE_NAMES)} (core/phases.py)"),
    KeySpec(IMAGES, "uint8", lambda d: (*d.hw, 3), "", "camera image", "RGB image", storage=VIDEO, per_camera="all"),
    KeySpec(BBOX, "float32", lambda d: (4,), "px", "camera image",
            "target box (x_min, y_min, x_max, y_max) from its projected points; -1s when out of view", per_camera="all"),
    KeySpec(DEPTH, "float32", lambda d: d.hw, "m", "camera",
            "z-depth along the camera's optical axis", storage=DEPTH_VIDEO, option="depth", per_camera="all"),
    KeySpec(SEGMENTATION, "int32", lambda d: d.hw, "", "camera image",
            "instance ids (meta segmentation_ids maps them)", storage=PIXELS, option="segmentation", per_camera="all"),
    KeySpec(BBOX_VISIBLE, "float32", lambda d: (4,), "px", "camera image",
            "box of the target's visible pixels (x_min, y_min, x_max, y_max); -1s when unseen",
            option="segmentation", per_camera="all"),
    KeySpec(EXTRINSICS, "float32", lambda d: (4, 4), "m", "robot base -> OpenCV camera",
            "camera pose per frame (cameras that move, e.g. the wrist camera)", per_camera="moving", lerobot_flat=True),
    KeySpec(POINT_CLOUD, "float32", lambda d: (d.n_points, 6), "m, rgb in [0, 1]", "robot base",
            "fused points of the static cameras: xyz + rgb", storage=ARRAY, option="point_cloud"),
)


def _declared() -> tuple[KeySpec, ...]:
    # read at call time, so that a declaration added to FRAME_KEYS (tests) reaches every function
    return FRAME_KEYS


def spec(pattern: str) -> KeySpec:
    """The declaration named ``pattern`` (``{cam}`` included); a KeyError naming core/schema when undeclared."""
    for s in _declared():
        if s.pattern == pattern:
            return s
    raise KeyError(f"{pattern!r} is not a declared frame key (core/schema/frames.py FRAME_KEYS)")


def camera_key(pattern: str, cam: str) -> str:
    """The concrete key of per-camera ``pattern`` for camera ``cam``."""
    return pattern.format(cam=cam)


def image_key(cam: str) -> str:
    """uint8 (T, H, W, 3) RGB of camera ``cam``."""
    return camera_key(IMAGES, cam)


def bbox_key(cam: str) -> str:
    """float32 (T, 4) target box [px] in camera ``cam``; -1s when out of view."""
    return camera_key(BBOX, cam)


def depth_key(cam: str) -> str:
    """float32 (T, H, W) z-depth [m] along the camera's optical axis."""
    return camera_key(DEPTH, cam)


def segmentation_key(cam: str) -> str:
    """int32 (T, H, W) instance ids (episode meta ``segmentation_ids``)."""
    return camera_key(SEGMENTATION, cam)


def bbox_visible_key(cam: str) -> str:
    """float32 (T, 4) box of the target's visible pixels (x_min, y_min, x_max, y_max) [px]; -1s when unseen."""
    return camera_key(BBOX_VISIBLE, cam)


def extrinsics_key(cam: str) -> str:
    """float32 (T, 4, 4) base -> OpenCV camera, per frame (cameras that move, e.g. the wrist camera)."""
    return camera_key(EXTRINSICS, cam)


# ---- action definitions ----------------------------------------------------------------------------
def action_source() -> dict[str, str]:
    """Action definition -> the Episode key holding it (``{"ee_delta": "action", "joint": "action.joint"}``)."""
    return {s.action: s.pattern for s in _declared() if s.action}


def action_definitions() -> dict[str, str]:
    """Action definition -> its meaning (the declaration of the key holding it)."""
    return {s.action: s.meaning for s in _declared() if s.action}


def output_name(key: str, action_mode: str) -> str:
    """The written name of Episode key ``key`` under a writer's ``action`` mode (ee_delta or joint):
    the chosen definition is written as ``action``, another one as ``action.<definition>``."""
    source = action_source()
    if action_mode not in source:
        raise ValueError(f"action mode {action_mode!r} is not one of {sorted(source)}")
    inverse = {src: d for d, src in source.items()}
    if key not in inverse:
        return key
    return ACTION if inverse[key] == action_mode else f"{ACTION}.{inverse[key]}"


def episode_name(written: str, action_mode: str) -> str:
    """The inverse of ``output_name``: the Episode key of written name ``written``."""
    back = {output_name(k, action_mode): k for k in action_source().values()}
    return back.get(written, written)


def action_mode_of(written: Any) -> str:
    """The ``action`` mode a set of written key names was written with: the one definition that has no
    ``action.<definition>`` key of its own (ee_delta when that is ambiguous)."""
    modes = [d for d in action_source() if f"{ACTION}.{d}" not in written]
    return modes[0] if len(modes) == 1 else "ee_delta"


def is_action(name: str) -> bool:
    """Whether ``name`` is a written action key (``action`` or ``action.<definition>``) or an Episode action key."""
    return name == ACTION or name.startswith(ACTION + ".")


# ---- concrete keys ---------------------------------------------------------------------------------
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
    camera: str | None = None


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
    cameras whose extrinsics are recorded per frame); a declaration's own ``option`` name is
    looked up the same way (true = present).
    """
    moving = set(_option(options, "moving", ()) or ())
    n_points = int(_option(options, "point_cloud", 0) or 0)
    out = []
    for s in _declared():
        if s.option is not None and not _option(options, s.option, False):
            continue
        if s.per_camera:
            cams = sorted(cameras) if s.per_camera == "all" else sorted(c for c in cameras if c in moving)
        else:
            cams = [None]
        for cam in cams:
            d = Dims(n_arm, tuple(cameras[cam]) if cam else (0, 0), n_points)
            name = camera_key(s.pattern, cam) if cam else s.pattern
            out.append(FrameKey(name, s.dtype, tuple(int(x) for x in s.shape(d)), s.unit, s.frame, s.meaning,
                                s.option is not None or s.per_camera == "moving", s, cam))
    return out


def match(name: str) -> tuple[KeySpec, str | None] | None:
    """The declaration of a concrete key name and its camera (None when not per camera); None if undeclared."""
    for s in _declared():
        if "{cam}" in s.pattern:
            prefix = s.prefix
            if name.startswith(prefix) and len(name) > len(prefix) and "." not in name[len(prefix):]:
                return s, name[len(prefix):]
        elif name == s.pattern:
            return s, None
    return None


def storage_of(name: str) -> str | None:
    """The storage kind of concrete key ``name`` (None if undeclared)."""
    m = match(name)
    return m[0].storage if m else None


def lerobot_features(n_arm: int, cameras: Mapping[str, tuple[int, int]], options: Any = None,
                     feature_names: Mapping[str, list[str]] | None = None,
                     action_mode: str = "ee_delta") -> dict[str, dict]:
    """info.json ``features`` of the keys LeRobot stores as data columns (every storage kind but the
    videos), by written name, followed by the two language columns (``lerobot_language_features``).

    ``feature_names``: per-dimension names of robot-shaped keys (the robot spec's
    ``feature_names()``), keyed by Episode key; a list whose length differs from the key's width is
    a ValueError naming the key. Other one-dimensional keys without fixed names get ``<key>_<i>``;
    multi-dimensional ones ``None``. Integer scalars are ``int64`` of shape [1].
    """
    from .language import lerobot_language_features

    names_for = dict(feature_names or {})
    out: dict[str, dict] = {}
    for fk in frame_keys(n_arm, cameras, options):
        if fk.spec.storage in VIDEO_STORAGE:
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
    """JSON-able description of every frame key (name, dtype, per-frame shape, unit, frame, meaning,
    storage, optional) for this robot and these cameras."""
    return [{"key": fk.name, "dtype": fk.dtype, "shape": list(fk.shape), "unit": fk.unit, "frame": fk.frame,
             "meaning": fk.meaning, "storage": fk.spec.storage, "optional": fk.optional}
            for fk in frame_keys(n_arm, cameras, options)]


def infer_layout(arrays: Mapping[str, Any]) -> tuple[int, dict[str, tuple[int, int]], dict]:
    """(n_arm, cameras, options) of an episode's frames (``arrays``: key -> object with .shape), read from
    ``observation.state`` and the per-camera keys; the inverse of ``frame_keys`` for well-formed episodes."""
    state = arrays.get(STATE)
    n_arm = int(state.shape[-1]) - 1 if state is not None and len(state.shape) == 2 else 0
    cameras: dict[str, tuple[int, int]] = {}
    opts: dict[str, Any] = {"moving": []}
    for name, arr in arrays.items():
        m = match(name)
        if m is None:
            continue
        s, cam = m
        if s.pattern == IMAGES and len(arr.shape) >= 3:
            cameras[cam] = (int(arr.shape[1]), int(arr.shape[2]))
        elif cam is not None and s.per_camera == "all" and cam not in cameras:
            cameras[cam] = (0, 0)  # a camera without an image: its image key is reported missing
        if s.per_camera == "moving":
            opts["moving"].append(cam)
        if s.pattern == POINT_CLOUD:
            opts[s.option] = int(arr.shape[1]) if len(arr.shape) > 1 else 0
        elif s.option:
            opts[s.option] = True
    return n_arm, cameras, opts


def frame_problems(arrays: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, problem) for every way ``arrays`` (Episode key -> anything with ``.shape`` and ``.dtype``)
    differs from the declarations: undeclared keys, missing keys, wrong dtype or per-frame shape, and
    keys whose frame count differs from ``observation.state``'s."""
    if STATE not in arrays:
        return [(STATE, f"{STATE} is missing")]
    problems = [(k, f"{k} is not a declared episode key (core/schema)") for k in sorted(arrays) if match(k) is None]
    n_arm, cameras, opts = infer_layout(arrays)
    T = int(arrays[STATE].shape[0])
    for fk in frame_keys(n_arm, cameras, opts):
        arr = arrays.get(fk.name)
        if arr is None:
            problems.append((fk.name, f"{fk.name} is missing"))
            continue
        got = tuple(int(x) for x in arr.shape)
        if str(arr.dtype) != fk.dtype:
            problems.append((fk.name, f"{fk.name} has dtype {arr.dtype}, the schema declares {fk.dtype}"))
        if got[1:] != fk.shape:
            problems.append((fk.name, f"{fk.name} has per-frame shape {got[1:]}, the schema declares {fk.shape}"))
        if got and got[0] != T:
            problems.append((fk.name, f"{fk.name} has {got[0]} frames, {STATE} {T}"))
    return problems


def check_frames(arrays: Mapping[str, Any], where: str = "episode") -> list[str]:
    """``frame_problems`` as messages prefixed with ``where`` (a file or episode name)."""
    return [f"{where}: {p}" for _, p in frame_problems(arrays)]
