"""Replay recorded joint actions in a fresh simulation rebuilt from the stored SceneSpec."""

from __future__ import annotations

import numpy as np

from ..core.scene import SceneSpec
from .episode import EpisodeGenerator
from .rollout import held_through_hold, run_joint_actions


def replay_actions(gen: EpisodeGenerator, scene: SceneSpec, action_joint: np.ndarray) -> np.ndarray:
    """Execute ``action_joint`` (T, n_arm + 1): row t holds the arm targets reached at t+1 [rad]
    and the gripper command (0 open, 1 closed), ramped exactly as the rollout does.

    Returns (T + 1,) the target's rise above its settled height [m] at each tick.
    """
    sim = gen.make_sim(scene)
    return run_joint_actions(sim, scene.robot_start_qpos, action_joint, 1.0 / gen.cfg.motion.control_hz,
                             gen.cfg.rollout.ctrl_blocks)


def replay_succeeds(gen: EpisodeGenerator, scene: SceneSpec, action_joint: np.ndarray) -> bool:
    """True when the replayed target stays lifted by motion.success_height through the final hold."""
    rise = replay_actions(gen, scene, action_joint)
    m = gen.cfg.motion
    return held_through_hold(rise, m.hold_time, m.control_hz, m.success_height)
