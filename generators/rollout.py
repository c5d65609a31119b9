"""Execute a joint trajectory in physics at the control rate, recording its states; render a recording."""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from ..core.episode import ACTION_DIM, POSE_DIM, bbox_key, image_key
from ..core.geometry import mat_to_quat, pose_to_vec7, rotvec_from_mat
from ..planners.motion import PHASES, JointTrajectory
from .backend import PhysicsSim, Renderer


def _ramp(sim: PhysicsSim, q0, q1, grip_ctrl: float, n_steps: int, blocks: int) -> None:
    """Step physics for one control period, moving arm targets linearly from q0 to q1."""
    sim.set_gripper_target(grip_ctrl)
    per = n_steps // blocks
    for b in range(blocks):
        sim.set_arm_targets(q0 + (q1 - q0) * ((b + 1) / blocks))
        sim.step(per if b < blocks - 1 else n_steps - per * (blocks - 1))


def target_height(sim: PhysicsSim) -> float:
    """Height [m] of the target's body-frame origin in the base frame."""
    return float(sim.object_pose(sim.scene.target_index)[2, 3])


def run_joint_actions(
    sim: PhysicsSim, q_start, action_joint: np.ndarray, control_dt: float, blocks: int, track: list | None = None
) -> np.ndarray:
    """Execute ``action_joint`` (T, n_arm + 1) from the current state, ramped exactly as the rollout does.

    Row t holds the arm targets reached at t+1 [rad] and the gripper command (0 open, 1 closed);
    ``q_start`` (n_arm,) is the arm target before row 0, ``control_dt`` the control period [s].
    Returns (T + 1,) the target's height above its height at the start [m], one value per tick;
    ``track``, when given, receives (grasp-frame pose, target pose), both (4, 4), at each tick.
    """
    robot = sim.robot
    n_steps = int(round(control_dt / sim.timestep))
    rest = target_height(sim)
    q_prev = np.asarray(q_start, dtype=np.float64)
    rise = [0.0]
    if track is not None:
        track.append((sim.ee_pose(), sim.object_pose(sim.scene.target_index)))
    for row in np.asarray(action_joint, dtype=np.float64):
        target = row[: robot.n_arm]
        grip = robot.gripper_ctrl_closed if row[robot.n_arm] > 0.5 else robot.gripper_ctrl_open
        _ramp(sim, q_prev, target, grip, n_steps, blocks)
        q_prev = target
        rise.append(target_height(sim) - rest)
        if track is not None:
            track.append((sim.ee_pose(), sim.object_pose(sim.scene.target_index)))
    return np.asarray(rise)


def held_through_hold(rise: np.ndarray, hold_time: float, control_hz: float, height: float) -> bool:
    """True when the target stays lifted by ``height`` [m] at every tick of the final hold ``hold_time`` [s]."""
    hold = int(round(hold_time * control_hz)) + 1
    return bool(np.all(rise[-hold:] >= height))


def classify(phase: np.ndarray, rise: np.ndarray, height: float) -> tuple[bool, str]:
    """(success, failure reason) from the target's rise [m] at each control tick (T+1 values).

    Success: lifted by ``height`` at the end of the lift and of the shake, at every
    hold tick and after the last step. Otherwise "slipped" (never lifted, or lost
    while lifting or holding) or "dropped_during_shake".
    """
    def end_of(name: str) -> float | None:
        idx = np.flatnonzero(phase == PHASES.index(name))
        return rise[idx[-1] + 1] if len(idx) else None

    lift_end, shake_end = end_of("lift"), end_of("shake")
    hold = np.flatnonzero(phase == PHASES.index("hold"))
    if lift_end is not None and lift_end < height:
        return False, "slipped"
    if shake_end is not None and shake_end < height:
        return False, "dropped_during_shake"
    if np.any(rise[hold] < height) or rise[-1] < height:
        return False, "slipped"
    return True, ""


def joint_actions(traj: JointTrajectory) -> np.ndarray:
    """(T, n_arm + 1) float32 ``action.joint``: row t = arm targets reached at t+1 [rad] + gripper command."""
    T, n = traj.q.shape
    joint = np.empty((T, n + 1), np.float32)
    joint[:-1, :n] = traj.q[1:]
    joint[-1, :n] = traj.q[-1]
    joint[:, n] = traj.gripper
    return joint


@dataclasses.dataclass
class Recording:
    """What the physics pass keeps of an attempt, enough to render it without simulating again.

    qpos: (T, nq) generalized positions at each control tick, before that tick's
        control is applied (frame t shows this state).
    max_penetration: deepest contact [m] between the robot and the table or a
        non-target object at any tick.
    """

    qpos: np.ndarray
    max_penetration: float


def execute(
    sim: PhysicsSim,
    traj: JointTrajectory,
    rest_z: float,
    success_height: float,
    blocks: int,
    timings: dict | None = None,
) -> tuple[bool, str, Recording]:
    """Run ``traj`` in physics from the current state; returns (success, failure_reason, recording).

    Success: the target's height stays >= rest_z + success_height [m] at every
    control tick of the hold phase and after its last step. Nothing is
    rendered here: ``render_recording`` draws a successful attempt afterwards
    from its recorded states.
    """
    robot = sim.robot
    n_steps = int(round(traj.dt / sim.timestep))
    grip_open, grip_closed = robot.gripper_ctrl_open, robot.gripper_ctrl_closed
    T = len(traj)
    rise = np.zeros(T + 1)
    qpos = []
    penetration = 0.0
    t0 = time.perf_counter()
    for t in range(T):
        rise[t] = target_height(sim) - rest_z
        qpos.append(sim.positions())
        penetration = max(penetration, sim.robot_penetration())
        q0 = traj.q[t]
        q1 = traj.q[min(t + 1, T - 1)]
        g = grip_closed if traj.gripper[t] > 0.5 else grip_open
        _ramp(sim, q0, q1, g, n_steps, blocks)
    rise[T] = target_height(sim) - rest_z
    if timings is not None:
        timings["physics"] = timings.get("physics", 0.0) + time.perf_counter() - t0
    success, reason = classify(traj.phase, rise, success_height)
    return success, reason, Recording(np.stack(qpos), penetration)


def render_recording(
    sim: PhysicsSim,
    traj: JointTrajectory,
    rec: Recording,
    rig: Renderer,
    target_points: np.ndarray,
    timings: dict | None = None,
) -> dict[str, np.ndarray]:
    """Per-frame arrays of a recorded attempt: restore each tick's state (kinematics only), label, render.

    ``target_points`` (N, 3), target-local, give the 2D boxes. Returns the
    episode's per-frame keys (core.episode), each (T, ...).
    """
    T = len(traj)
    cams = rig.names
    images = {c: np.empty((T, rig.height, rig.width, 3), np.uint8) for c in cams}
    boxes = {c: np.empty((T, 4), np.float32) for c in cams}
    state = np.empty((T, sim.n_arm + 1), np.float32)
    ee = np.empty((T, POSE_DIM), np.float64)
    ee_R = np.empty((T, 3, 3))
    obj = np.empty((T, POSE_DIM), np.float32)
    t_render = 0.0
    t0 = time.perf_counter()
    for t in range(T):
        sim.set_positions(rec.qpos[t])
        state[t, : sim.n_arm] = sim.arm_qpos()
        state[t, sim.n_arm] = sim.gripper_width()
        E = sim.ee_pose()
        ee[t] = pose_to_vec7(E)
        ee_R[t] = E[:3, :3]
        P = sim.object_pose(sim.scene.target_index)
        obj[t] = np.concatenate([P[:3, 3], mat_to_quat(P[:3, :3])])
        r0 = time.perf_counter()
        world_pts = target_points @ P[:3, :3].T + P[:3, 3]
        for c in cams:
            images[c][t] = rig.render(sim, c)
            boxes[c][t] = rig.bbox(sim, c, world_pts)
        t_render += time.perf_counter() - r0
    if timings is not None:
        timings["render"] = timings.get("render", 0.0) + t_render
        timings["labels"] = timings.get("labels", 0.0) + time.perf_counter() - t0 - t_render
    action = np.zeros((T, ACTION_DIM), np.float32)
    action[:-1, :3] = ee[1:, :3] - ee[:-1, :3]
    for t in range(T - 1):
        action[t, 3:6] = rotvec_from_mat(ee_R[t + 1] @ ee_R[t].T)
    action[:, 6] = traj.gripper
    joint = joint_actions(traj)
    frames = {
        "observation.state": state,
        "observation.ee_pose": ee.astype(np.float32),
        "action": action,
        "action.joint": joint,
        "annotation.object_pose": obj,
    }
    for c in cams:
        frames[image_key(c)] = images[c]
        frames[bbox_key(c)] = boxes[c]
    return frames
