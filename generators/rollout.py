"""Execute a joint trajectory in physics at the control rate, recording its states; render a recording."""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from ..core.episode import (ACTION_DIM, PHASE_KEY, POINT_CLOUD_KEY, POSE_DIM, bbox_key, bbox_visible_key,
                            depth_key, extrinsics_key, image_key, segmentation_key)
from ..core.geometry import mat_to_quat, pose_to_vec7, rotvec_from_mat
from ..core.phases import Phase
from ..core.schema import ACTION, ACTION_JOINT, EE_POSE, OBJECT_POSE, STATE
from ..planners.motion import JointTrajectory
from .backend import InstanceMap, PhysicsSim, Renderer
from .camera_effects import apply_camera_effects
from .observations import fuse_point_cloud, mask_bbox


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
    def end_of(p: Phase) -> float | None:
        idx = np.flatnonzero(phase == p)
        return rise[idx[-1] + 1] if len(idx) else None

    lift_end, shake_end = end_of(Phase.LIFT), end_of(Phase.SHAKE)
    hold = np.flatnonzero(phase == Phase.HOLD)
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
class ObservationPlan:
    """What ``render_recording`` records beyond RGB, boxes and low-dimensional keys.

    depth / segmentation: per camera (``ids`` maps geoms to instance ids when segmenting).
    moving: cameras whose extrinsics are recorded per frame (the wrist camera).
    cloud_cameras: the cameras fused into ``observation.point_cloud`` (N = ``cloud_points``,
        0 = off), cropped to ``cloud_bounds`` (lo (3,), hi (3,)) [m], averaged on a
        ``cloud_voxel`` [m] grid, sampled with ``rng``.
    """

    depth: bool = False
    segmentation: bool = False
    ids: InstanceMap | None = None
    moving: tuple[str, ...] = ()
    cloud_cameras: tuple[str, ...] = ()
    cloud_points: int = 0
    cloud_bounds: tuple[np.ndarray, np.ndarray] | None = None
    cloud_voxel: float = 0.005
    rng: np.random.Generator | None = None


@dataclasses.dataclass
class Recording:
    """What the physics pass keeps of an attempt, enough to render it without simulating again.

    qpos: (T, nq) generalized positions at each control tick, before that tick's
        control is applied (frame t shows this state).
    max_penetration: deepest contact [m] between the robot and the table or a
        non-target object at any tick.
    ticks: (T,) control-tick index of each row in the whole attempt (None: 0..T-1); a
        trimmed recording keeps the ticks of its rows, so each frame keeps its sensor noise.
    """

    qpos: np.ndarray
    max_penetration: float
    ticks: np.ndarray | None = None


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


IDLE_WIDTH_TOL = 5e-4  # [m] finger opening change below which a close-phase frame counts as idle


def trim_idle(sim: PhysicsSim, traj: JointTrajectory, rec: Recording) -> tuple[JointTrajectory, Recording]:
    """The attempt without its idle frames (``rollout.trim_idle``), to render instead of the whole of it.

    Dropped: close-phase ticks after the first whose gripper opening (``sim.gripper_width()`` [m]
    at each recorded state) changed by less than IDLE_WIDTH_TOL since the previous tick, and
    every hold-phase tick but the first. What remains is rendered as consecutive frames, so
    each action goes from one written frame to the next.
    """
    width = np.empty(len(rec.qpos))
    for t, q in enumerate(rec.qpos):
        sim.set_positions(q)
        width[t] = sim.gripper_width()
    moved = np.abs(np.diff(width, prepend=width[0])) >= IDLE_WIDTH_TOL
    close, hold = Phase.GRASP, Phase.HOLD
    first = np.r_[True, traj.phase[1:] != traj.phase[:-1]]
    keep = ~(((traj.phase == close) & ~first & ~moved) | ((traj.phase == hold) & ~first))
    out = JointTrajectory(traj.q[keep], traj.gripper[keep], traj.phase[keep], traj.dt)
    ticks = np.arange(len(rec.qpos)) if rec.ticks is None else rec.ticks
    return out, Recording(rec.qpos[keep], rec.max_penetration, ticks[keep])


def render_recording(
    sim: PhysicsSim,
    traj: JointTrajectory,
    rec: Recording,
    rig: Renderer,
    target_points: np.ndarray,
    timings: dict | None = None,
    plan: ObservationPlan | None = None,
) -> dict[str, np.ndarray]:
    """Per-frame arrays of a recorded attempt: restore each tick's state (kinematics only), label, render.

    ``target_points`` (N, 3), target-local, give the 2D boxes; ``plan`` adds depth,
    segmentation, moving-camera extrinsics and point clouds. Returns the episode's
    per-frame keys (core.episode), each (T, ...).
    """
    plan = plan or ObservationPlan()
    T = len(traj)
    cams = rig.names
    images = {c: np.empty((T, *rig.size(c), 3), np.uint8) for c in cams}
    boxes = {c: np.empty((T, 4), np.float32) for c in cams}
    need_depth = set(cams) if plan.depth else set()
    need_depth |= set(plan.cloud_cameras) if plan.cloud_points else set()
    depths = {c: np.empty((T, *rig.size(c)), np.float32) for c in need_depth}
    segs = {c: np.empty((T, *rig.size(c)), np.int32) for c in cams} if plan.segmentation else {}
    vis_boxes = {c: np.empty((T, 4), np.float32) for c in segs}
    moving = {c: np.empty((T, 4, 4), np.float32) for c in plan.moving}
    cloud = np.empty((T, plan.cloud_points, 6), np.float32) if plan.cloud_points else None
    far = rig.far * 0.999  # [m]: deeper pixels show nothing (far plane) and are not fused
    effects = {fx.camera: fx for fx in sim.scene.camera_effects if fx.camera in cams}
    ticks = np.arange(T) if rec.ticks is None else rec.ticks
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
            if c in depths:
                images[c][t], depths[c][t] = rig.render_rgbd(sim, c)
            else:
                images[c][t] = rig.render(sim, c)
            if c in effects:  # the camera's sensor: optics, exposure, white balance, noise
                images[c][t] = apply_camera_effects(images[c][t], effects[c], int(ticks[t]))
            boxes[c][t] = rig.bbox(sim, c, world_pts)
            if c in segs:
                segs[c][t] = plan.ids(rig.segmentation(sim, c))
                vis_boxes[c][t] = mask_bbox(segs[c][t] == plan.ids.target_id)
            if c in moving:
                moving[c][t] = rig.extrinsics(sim, c)
        if cloud is not None:
            cc = plan.cloud_cameras
            cloud[t] = fuse_point_cloud(
                [images[c][t] for c in cc], [depths[c][t] for c in cc], [rig.intrinsics(c) for c in cc],
                [rig.extrinsics(sim, c) for c in cc], plan.cloud_bounds, plan.cloud_points, plan.cloud_voxel,
                far, plan.rng,
            )
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
        STATE: state,
        EE_POSE: ee.astype(np.float32),
        ACTION: action,
        ACTION_JOINT: joint,
        OBJECT_POSE: obj,
    }
    frames[PHASE_KEY] = np.asarray(traj.phase, np.int64)
    for c in cams:
        frames[image_key(c)] = images[c]
        frames[bbox_key(c)] = boxes[c]
        if plan.depth:
            frames[depth_key(c)] = depths[c]
        if c in segs:
            frames[segmentation_key(c)] = segs[c]
            frames[bbox_visible_key(c)] = vis_boxes[c]
        if c in moving:
            frames[extrinsics_key(c)] = moving[c]
    if cloud is not None:
        frames[POINT_CLOUD_KEY] = cloud
    return frames
