"""Robot specifications: everything robot-specific lives in a robot's JSON spec.

Shared code reads home pose, joint and actuator names, gripper geometry and
limits from :class:`RobotSpec`, never from ``if robot == ...`` branches.
"""

from __future__ import annotations

import dataclasses
import json
import os

from ..core.errors import ConfigError

ROBOTS_DIR = os.path.join(os.path.dirname(__file__), "robots")


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
    urdf: UrdfSpec | None = None

    @property
    def n_arm(self) -> int:
        return len(self.arm_joints)


def _resolve_dir(spec: str, robot_dir: str) -> str:
    if spec.startswith("pybullet_data:"):
        import pybullet_data

        return os.path.join(pybullet_data.getDataPath(), spec.split(":", 1)[1])
    return os.path.join(robot_dir, spec)


def load_robot(name: str) -> RobotSpec:
    """Load ``assets/robots/<name>/robot.json``."""
    robot_dir = os.path.join(ROBOTS_DIR, name)
    path = os.path.join(robot_dir, "robot.json")
    if not os.path.isfile(path):
        known = sorted(d for d in os.listdir(ROBOTS_DIR) if os.path.isfile(os.path.join(ROBOTS_DIR, d, "robot.json")))
        raise ConfigError("robot", f"unknown robot '{name}'; available: {', '.join(known)}")
    with open(path) as f:
        raw = json.load(f)
    boxes = tuple(
        GripperBox(b["name"], tuple(b["center"]), tuple(b["half_extents"]), int(b["at_opening"]))
        for b in raw.pop("gripper_boxes")
    )
    meshdir = _resolve_dir(raw.pop("meshdir"), robot_dir)
    urdf = None
    if "urdf" in raw:
        u = dict(raw.pop("urdf"))
        try:
            urdf = UrdfSpec(path=_resolve_dir(u.pop("path"), robot_dir), **{k: tuple(v) if isinstance(v, list) else v
                                                                             for k, v in u.items()})
        except (KeyError, TypeError) as e:
            raise ConfigError("robot", f"{path}: bad 'urdf' section ({e}); keys: path, arm_joints, gripper_joints, "
                                       "ee_link, finger_links, finger_friction") from None
        if len(urdf.arm_joints) != len(raw["arm_joints"]) or len(urdf.gripper_joints) != len(raw["gripper_joints"]):
            raise ConfigError("robot", f"{path}: urdf.arm_joints / urdf.gripper_joints must pair one-to-one with "
                                       "arm_joints / gripper_joints")
    mjcf = os.path.join(robot_dir, raw.pop("mjcf"))
    tuples = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    return RobotSpec(mjcf_path=mjcf, meshdir=meshdir, gripper_boxes=boxes, urdf=urdf, **tuples)
