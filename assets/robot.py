"""Robot specifications: everything robot-specific lives in a robot's JSON spec.

Shared code reads home pose, joint and actuator names, gripper geometry and
limits from :class:`RobotSpec`, never from ``if robot == ...`` branches.
"""

from __future__ import annotations

import dataclasses
import json
import os

import numpy as np

from ..core.errors import ConfigError
from ..core.schema import ACTION_JOINT, STATE

ROBOTS_DIR = os.path.join(os.path.dirname(__file__), "robots")
ROBOTS_ENV = "SYNGRASP_ROBOTS"
PATH_PREFIX = "path:"


@dataclasses.dataclass(frozen=True)
class GripperBox:
    """An oriented box of gripper geometry, in the grasp frame.

    Grasp frame: origin midway between the fingertip pads, +z the approach
    direction (out of the palm), +y the closing axis. ``center`` [m] is offset
    by ``at_opening * width / 2`` along +y (fingers move with the opening).
    """

    name: str
    center: tuple[float, float, float]
    half_extents: tuple[float, float, float]
    at_opening: int


@dataclasses.dataclass(frozen=True)
class Pedestal:
    """The visual-only box the robot stands on, from the floor up to the base (z = 0).

    ``center_xy`` [m] is its centre in the base frame, ``half_xy`` [m] its half sizes,
    ``rgba`` its colour.
    """

    center_xy: tuple[float, float]
    half_xy: tuple[float, float]
    rgba: tuple[float, float, float, float] = (0.25, 0.25, 0.27, 1.0)


@dataclasses.dataclass(frozen=True)
class WristCameraSpec:
    """A camera fixed to one of the robot's bodies.

    ``pos`` [m] and ``quat`` (w, x, y, z) place the MuJoCo camera frame (x right,
    y up, looking along -z) in the frame of body ``body``; ``fovy`` [deg].
    """

    body: str
    pos: tuple[float, float, float]
    quat: tuple[float, float, float, float]
    fovy: float


@dataclasses.dataclass(frozen=True)
class UrdfSpec:
    """The same robot as a URDF, for backends that load URDF (the PyBullet cross-check).

    Attributes:
        path: absolute path of the URDF file.
        arm_joints: URDF joint names, in the order of RobotSpec.arm_joints.
        gripper_joints: URDF finger joint names, in the order of RobotSpec.gripper_joints; each
            finger joint is driven to the gripper actuator value (open / closed).
        ee_link: URDF link whose frame is the grasp frame (RobotSpec.ee_site).
        finger_links: URDF links of the fingers (their contact coefficients are set below).
        finger_friction: (lateral, spinning, rolling) friction of the finger links, the values the
            MJCF gives the finger pads.
    """

    path: str
    arm_joints: tuple[str, ...]
    gripper_joints: tuple[str, ...]
    ee_link: str
    finger_links: tuple[str, ...]
    finger_friction: tuple[float, float, float]


@dataclasses.dataclass(frozen=True)
class RobotSpec:
    """Joint names, limits, home pose and gripper geometry of one robot.

    Attributes:
        mjcf_path: absolute path of the robot's MJCF file.
        meshdir: absolute mesh directory used when compiling the MJCF.
        home_qpos: (n_arm,) home arm configuration [rad].
        start_noise: half-width [rad] of the uniform noise added to home for start poses.
        gripper_max_width: widest opening between the pads [m].
        gripper_ctrl_open / gripper_ctrl_closed: actuator targets for open / closed.
        max_joint_velocity / max_joint_acceleration / max_joint_jerk: (n_arm,) [rad/s, rad/s^2, rad/s^3].
        tint_materials: MJCF materials whose grey level the scene's ``robot_shade`` sets.
        visual_max_faces: meshes above this face count are decimated when loaded (render speed).
        gripper_joint_scale: (n_gripper,) each gripper joint's position per unit of gripper
            command: joint = scale * command (a linkage's mimic multipliers). Default all 1.
        gripper_width_curve: ((command, width [m]), ...) the distance between the pads as a
            piecewise-linear function of the gripper command, measured on the model's
            kinematics. Default: width = sum(gripper_joint_scale) * command (prismatic fingers).
        pedestal: the box drawn under the base; None draws none.
        target_max_width: widest middle extent [m] of a target the scene sampler accepts;
            default ``gripper_max_width`` less 15 mm.
        finger_bodies: the two bodies whose collision geoms close on an object (left, right);
            their distance is what ``gripper_width_curve`` tabulates.
        wrist_camera: mount of the optional wrist camera; None when the robot has none.
        urdf: the robot as a URDF for the PyBullet cross-check; None when the robot has none.
    """

    name: str
    mjcf_path: str
    meshdir: str
    arm_joints: tuple[str, ...]
    arm_actuators: tuple[str, ...]
    gripper_joints: tuple[str, ...]
    gripper_actuator: str
    gripper_ctrl_open: float
    gripper_ctrl_closed: float
    gripper_max_width: float
    ee_site: str
    home_qpos: tuple[float, ...]
    start_noise: float
    max_joint_velocity: tuple[float, ...]
    max_joint_acceleration: tuple[float, ...]
    max_joint_jerk: tuple[float, ...]
    root_body: str
    gripper_boxes: tuple[GripperBox, ...]
    visual_max_faces: int | None = None
    tint_materials: tuple[str, ...] = ()
    gripper_joint_scale: tuple[float, ...] | None = None
    gripper_width_curve: tuple[tuple[float, float], ...] | None = None
    pedestal: Pedestal | None = None
    target_max_width: float | None = None
    finger_bodies: tuple[str, ...] = ()
    wrist_camera: WristCameraSpec | None = None
    urdf: UrdfSpec | None = None

    def __post_init__(self):
        n = self.n_arm
        for key in ("arm_actuators", "home_qpos", "max_joint_velocity", "max_joint_acceleration", "max_joint_jerk"):
            if len(getattr(self, key)) != n:
                raise ConfigError(f"robot {self.name}: {key}", f"has {len(getattr(self, key))} entries; "
                                  f"arm_joints has {n}: give one per arm joint")
        if self.gripper_joint_scale is None:
            object.__setattr__(self, "gripper_joint_scale", (1.0,) * len(self.gripper_joints))
        elif len(self.gripper_joint_scale) != len(self.gripper_joints):
            raise ConfigError(f"robot {self.name}: gripper_joint_scale", "give one scale per gripper joint")
        if self.gripper_width_curve is None:
            total = float(sum(self.gripper_joint_scale))
            lo, hi = sorted((self.gripper_ctrl_open, self.gripper_ctrl_closed))
            object.__setattr__(self, "gripper_width_curve", ((lo, total * lo), (hi, total * hi)))
        u = np.array([p[0] for p in self.gripper_width_curve])
        w = np.array([p[1] for p in self.gripper_width_curve])
        if len(u) < 2 or not (np.all(np.diff(u) > 0) and (np.all(np.diff(w) > 0) or np.all(np.diff(w) < 0))):
            raise ConfigError(f"robot {self.name}: gripper_width_curve",
                              "needs >= 2 (command, width) points, commands increasing, widths strictly monotonic")
        if self.target_max_width is None:
            object.__setattr__(self, "target_max_width", round(self.gripper_max_width - 0.015, 6))

    @property
    def n_arm(self) -> int:
        return len(self.arm_joints)

    @property
    def gripper_stroke(self) -> float:
        """Widest minus narrowest pad distance over the command range [m]."""
        w = [p[1] for p in self.gripper_width_curve]
        return float(max(w) - min(w))

    def width_from_command(self, command: float) -> float:
        """Pad distance [m] at gripper ``command`` (actuator units), from ``gripper_width_curve``."""
        u, w = zip(*self.gripper_width_curve)
        return float(np.interp(command, u, w))

    def command_from_width(self, width: float) -> float:
        """Gripper command (actuator units) that puts the pads ``width`` [m] apart (clipped to the stroke)."""
        u, w = np.array(self.gripper_width_curve).T
        order = np.argsort(w)
        return float(np.interp(width, w[order], u[order]))

    def finger_qpos(self, command: float) -> np.ndarray:
        """(n_gripper,) gripper joint positions at ``command``: scale * command."""
        return np.asarray(self.gripper_joint_scale, dtype=float) * float(command)

    def command_from_qpos(self, finger_q) -> float:
        """Gripper command implied by gripper joint positions ``finger_q`` (n_gripper,): their mean of q / scale."""
        return float(np.mean(np.asarray(finger_q, dtype=float) / np.asarray(self.gripper_joint_scale, dtype=float)))

    def feature_names(self) -> dict[str, list[str]]:
        """Per-dimension names of the robot-shaped episode keys (LeRobot ``features[...].names``)."""
        arm = list(self.arm_joints)
        return {STATE: arm + ["gripper_width"], ACTION_JOINT: arm + ["gripper"]}


def user_robots_dir() -> str:
    """The default folder of robots made by ``syngrasp robots add``:
    ``$XDG_DATA_HOME/syngrasp/robots`` (``~/.local/share/syngrasp/robots``)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "syngrasp", "robots")


def robot_dirs(extra: str | None = None) -> list[str]:
    """Folders searched for a robot name, first match wins: the built-in ``assets/robots``,
    ``extra`` (the ``rollout.robots_dir`` key), each folder of ``$SYNGRASP_ROBOTS``
    (``os.pathsep``-separated), then :func:`user_robots_dir`."""
    dirs = [ROBOTS_DIR]
    if extra:
        dirs.append(os.path.abspath(os.path.expanduser(extra)))
    dirs += [os.path.abspath(os.path.expanduser(d)) for d in os.environ.get(ROBOTS_ENV, "").split(os.pathsep) if d]
    dirs.append(user_robots_dir())
    return list(dict.fromkeys(dirs))


def resolve_dir(spec: str, robot_dir: str) -> str:
    """A folder named in a robot.json: ``pybullet_data:SUB`` (inside pybullet_data),
    ``pkg:MODULE/SUB`` (inside an installed Python package), an absolute path, or a path
    relative to the robot's folder."""
    if spec.startswith("pybullet_data:"):
        spec = "pkg:pybullet_data/" + spec.split(":", 1)[1]
    if spec.startswith("pkg:"):
        import importlib.util

        module, _, sub = spec[4:].partition("/")
        found = importlib.util.find_spec(module)
        if found is None or not found.submodule_search_locations:
            raise ConfigError("robot meshdir", f"'{spec}': Python package '{module}' is not installed; "
                                               f"pip install it or copy the meshes next to robot.json")
        return os.path.join(list(found.submodule_search_locations)[0], sub)
    return os.path.join(robot_dir, os.path.expanduser(spec))



def find_robot(ref: str, extra_dir: str | None = None) -> str:
    """The folder of robot ``ref``: a name in :func:`robot_dirs` or ``path:DIR``.

    Raises:
        ConfigError: (key ``rollout.robot``) naming the folders searched and the robots found.
    """
    if ref.startswith(PATH_PREFIX):
        d = os.path.abspath(os.path.expanduser(ref[len(PATH_PREFIX):]))
        if not os.path.isfile(os.path.join(d, "robot.json")):
            raise ConfigError("rollout.robot", f"'{ref}': no robot.json in {d}; make one with "
                                               f"`syngrasp robots add NAME --urdf FILE --dir {os.path.dirname(d)}`")
        return d
    if not ref or os.sep in ref or ref.startswith("."):
        raise ConfigError("rollout.robot", f"'{ref}' is not a robot name; give a name or path:DIR")
    for d in robot_dirs(extra_dir):
        if os.path.isfile(os.path.join(d, ref, "robot.json")):
            return os.path.join(d, ref)
    raise ConfigError("rollout.robot", f"unknown robot '{ref}'; available: {', '.join(available_robots(extra_dir))} "
                                       f"(searched {', '.join(robot_dirs(extra_dir))}); add one with "
                                       "`syngrasp robots add NAME --urdf FILE`, or give path:DIR")


def load_robot(name: str, extra_dir: str | None = None) -> RobotSpec:
    """Load the robot.json of robot ``name`` (a name or ``path:DIR``, see :func:`find_robot`)."""
    robot_dir = find_robot(name, extra_dir)
    path = os.path.join(robot_dir, "robot.json")
    with open(path) as f:
        raw = json.load(f)
    boxes = tuple(
        GripperBox(b["name"], tuple(b["center"]), tuple(b["half_extents"]), int(b["at_opening"]))
        for b in raw.pop("gripper_boxes")
    )
    wrist = raw.pop("wrist_camera", None)
    if wrist is not None:
        try:
            wrist = WristCameraSpec(str(wrist["body"]), tuple(float(v) for v in wrist["pos"]),
                                    tuple(float(v) for v in wrist["quat"]), float(wrist["fovy"]))
        except (KeyError, TypeError, ValueError) as e:
            raise ConfigError(f"{path}: wrist_camera", f"needs body, pos (3), quat (4) and fovy ({e})") from e
    meshdir = resolve_dir(raw.pop("meshdir"), robot_dir)
    urdf = None
    if "urdf" in raw:
        u = dict(raw.pop("urdf"))
        try:
            urdf = UrdfSpec(path=resolve_dir(u.pop("path"), robot_dir), **{k: tuple(v) if isinstance(v, list) else v
                                                                             for k, v in u.items()})
        except (KeyError, TypeError) as e:
            raise ConfigError("robot", f"{path}: bad 'urdf' section ({e}); keys: path, arm_joints, gripper_joints, "
                                       "ee_link, finger_links, finger_friction") from None
        if len(urdf.arm_joints) != len(raw["arm_joints"]) or len(urdf.gripper_joints) != len(raw["gripper_joints"]):
            raise ConfigError("robot", f"{path}: urdf.arm_joints / urdf.gripper_joints must pair one-to-one with "
                                       "arm_joints / gripper_joints")
    mjcf = os.path.join(robot_dir, raw.pop("mjcf"))
    ped = raw.pop("pedestal", None)
    pedestal = None if ped is None else Pedestal(**{k: tuple(v) for k, v in ped.items()})
    if "gripper_width_curve" in raw:
        raw["gripper_width_curve"] = tuple(tuple(float(x) for x in p) for p in raw["gripper_width_curve"])
    tuples = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    known = {f.name for f in dataclasses.fields(RobotSpec)}
    unknown = sorted(set(tuples) - known)
    if unknown:
        raise ConfigError(f"{path}", f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return RobotSpec(mjcf_path=mjcf, meshdir=meshdir, gripper_boxes=boxes, pedestal=pedestal,
                     wrist_camera=wrist, urdf=urdf, **tuples)


def available_robots(extra_dir: str | None = None) -> list[str]:
    """Names of the robots in every folder of :func:`robot_dirs` (each sub-folder with a
    robot.json), sorted; a name found twice counts once (the first folder wins)."""
    names = set()
    for d in robot_dirs(extra_dir):
        if os.path.isdir(d):
            names.update(n for n in os.listdir(d) if os.path.isfile(os.path.join(d, n, "robot.json")))
    return sorted(names)
