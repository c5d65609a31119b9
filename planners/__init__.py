"""Grasp and motion planning against small simulator-neutral protocols."""

from .config import GraspConfig, MotionConfig
from .grasp import Grasp, sample_grasps
from .ik import solve_ik
from .motion import JointTrajectory, PlanningFailure, plan_pick
from .protocols import CollisionChecker, Kinematics

__all__ = [
    "CollisionChecker",
    "Grasp",
    "GraspConfig",
    "JointTrajectory",
    "Kinematics",
    "MotionConfig",
    "PlanningFailure",
    "plan_pick",
    "sample_grasps",
    "solve_ik",
]
