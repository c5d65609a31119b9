"""Re-execute a grasp episode's joint actions in a second physics engine: does the grasp still hold?

The check rebuilds the episode's SceneSpec in the cross-check backend with the
robot at its start pose, puts objects at the settled poses MuJoCo reached (the
engine settles the scene itself first when some pose is missing), then runs ``action.joint`` ramped exactly as the rollout
does and applies replay's success rule: the target stays lifted by
``motion.success_height`` through the final hold.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

import numpy as np

from ..assets.catalog import AssetCatalog
from ..assets.robot import RobotSpec, UrdfSpec
from ..core.errors import ConfigError
from .config import GenerationConfig
from ..core.scene import SceneSpec
from .backend import check_backend, check_backend_needs_urdf
from .rollout import held_through_hold, run_joint_actions

LIFTED_M = 0.01  # the target counts as lifted (slip reference tick) once it rose this much [m]


def missing_urdf_error(engine: str, robot: RobotSpec, robot_json: str | None = None) -> ConfigError:
    """The error for a robot without a robot.json ``urdf`` section in an engine that needs one;
    ``robot_json`` defaults to the robot.json beside its MJCF."""
    robot_json = robot_json or os.path.join(os.path.dirname(robot.mjcf_path), "robot.json")
    keys = ", ".join(f.name for f in dataclasses.fields(UrdfSpec))
    return ConfigError(f"{robot_json}: urdf", f"robot '{robot.name}' has no 'urdf' section, which the {engine} "
                                              f"cross-check loads the robot from; add one with the keys {keys} "
                                              "(URDF file, its joint names in the order of arm_joints and "
                                              "gripper_joints, grasp-frame link, finger links and their friction), "
                                              f"or re-add the robot from its URDF with `syngrasp robots add "
                                              f"{robot.name} --urdf FILE`")


def require_engine_robot(engine: str, robot: RobotSpec, robot_json: str | None = None) -> None:
    """Raise :func:`missing_urdf_error` when ``engine`` needs a URDF that ``robot`` lacks (before any work)."""
    if check_backend_needs_urdf(engine) and robot.urdf is None:
        raise missing_urdf_error(engine, robot, robot_json)


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """Outcome of one cross-check.

    held: the target stayed lifted through the final hold.
    rise: (T + 1,) target height above its settled height at each control tick [m].
    slip_m: how far the target moved in the grasp frame [m] from the first tick it had
        risen ``LIFTED_M`` to the last tick; NaN when it never rose that much.
    """

    held: bool
    rise: np.ndarray
    slip_m: float

    @property
    def final_rise(self) -> float:
        return float(self.rise[-1])


def grasp_slip(ee_pos: np.ndarray, ee_R: np.ndarray, obj_pos: np.ndarray, rise: np.ndarray) -> float:
    """Slip [m] of a held object: its position in the grasp frame at the last tick minus at the first
    tick it had risen LIFTED_M. ``ee_pos`` (T, 3), ``ee_R`` (T, 3, 3), ``obj_pos`` (T, 3) base frame,
    ``rise`` (T,) [m]. NaN when the object never rose that much."""
    up = np.flatnonzero(rise >= LIFTED_M)
    if len(up) == 0:
        return float("nan")

    def local(t: int) -> np.ndarray:
        return ee_R[t].T @ (obj_pos[t] - ee_pos[t])

    return float(np.linalg.norm(local(len(rise) - 1) - local(int(up[0]))))


def check_grasp(
    engine: str,
    scene: SceneSpec,
    catalog: AssetCatalog,
    robot: RobotSpec,
    action_joint: np.ndarray,
    cfg: GenerationConfig,
    settled: Mapping[int, np.ndarray] | None = None,
) -> CheckResult:
    """Run ``action_joint`` (T, n_arm + 1) of ``scene`` in ``engine``; ``settled`` maps object index
    to its settled pose (4, 4) in the base frame (missing objects keep the engine's own settling)."""
    make = check_backend(engine)
    sim = make(scene, catalog, robot, cfg.rollout)
    try:
        sim.reset_robot(np.asarray(scene.robot_start_qpos), robot.gripper_ctrl_open)
        settled = settled or {}
        if len(settled) < len(scene.objects):  # the engine's own settling for objects without a pose
            sim.settle(cfg.rollout.settle_time)
        for i, pose in settled.items():
            sim.set_object_pose(i, np.asarray(pose, dtype=float))
        ticks: list[tuple[np.ndarray, np.ndarray]] = []
        rise = run_joint_actions(sim, scene.robot_start_qpos, action_joint, 1.0 / cfg.motion.control_hz,
                                 cfg.rollout.ctrl_blocks, track=ticks)
    finally:
        sim.close()
    m = cfg.motion
    held = held_through_hold(rise, m.hold_time, m.control_hz, m.success_height)
    ee = np.stack([e for e, _ in ticks])
    obj = np.stack([o for _, o in ticks])
    return CheckResult(held, rise, grasp_slip(ee[:, :3, 3], ee[:, :3, :3], obj[:, :3, 3], rise))
