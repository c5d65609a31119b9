"""Replay recorded joint actions in a fresh simulation rebuilt from the stored SceneSpec."""

from __future__ import annotations

import numpy as np

from ..randomization.spec import SceneSpec
from .episode import EpisodeGenerator
from .rollout import _ramp


def replay_actions(gen: EpisodeGenerator, scene: SceneSpec, action_joint: np.ndarray) -> np.ndarray:
    """Execute ``action_joint`` (T, n_arm + 1): row t holds the arm targets reached at t+1 [rad]
    and the gripper command (0 open, 1 closed), ramped exactly as the rollout does.

    Returns (T + 1,) the target's rise above its settled height [m] at each tick.
    """
    sim = gen.make_sim(scene)
    robot = gen.robot
    n_steps = int(round(1.0 / gen.cfg.motion.control_hz / sim.model.opt.timestep))
    rest = float(sim.data.xpos[sim.target_body][2])
    q_prev = np.asarray(scene.robot_start_qpos, dtype=np.float64)
    rise = [0.0]
    for row in np.asarray(action_joint, dtype=np.float64):
        target = row[: robot.n_arm]
        grip = robot.gripper_ctrl_closed if row[robot.n_arm] > 0.5 else robot.gripper_ctrl_open
        _ramp(sim, q_prev, target, grip, n_steps, gen.cfg.rollout.ctrl_blocks)
        q_prev = target
        rise.append(float(sim.data.xpos[sim.target_body][2]) - rest)
    return np.asarray(rise)


def replay_succeeds(gen: EpisodeGenerator, scene: SceneSpec, action_joint: np.ndarray) -> bool:
    """True when the replayed target stays lifted by motion.success_height through the final hold."""
    rise = replay_actions(gen, scene, action_joint)
    hold = int(round(gen.cfg.motion.hold_time * gen.cfg.motion.control_hz)) + 1
    return bool(np.all(rise[-hold:] >= gen.cfg.motion.success_height))
