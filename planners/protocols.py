"""The interfaces planners need from a simulator; any backend can implement them."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Kinematics(Protocol):
    """Forward kinematics of the arm's grasp frame, base frame.

    Attributes:
        joint_limits: (n, 2) lower/upper joint limits [rad].
    """

    joint_limits: np.ndarray

    def fk(self, q: np.ndarray) -> np.ndarray:
        """(4, 4) grasp-frame pose for joints ``q`` (n,) [rad]."""
        ...

    def jacobian(self, q: np.ndarray) -> np.ndarray:
        """(6, n) Jacobian, rows [linear (m/rad); angular (rad/rad)], base frame."""
        ...


@runtime_checkable
class CollisionChecker(Protocol):
    def in_collision(self, q: np.ndarray, opening: float, allow_target: bool) -> bool:
        """True when the robot at ``q`` with its pads ``opening`` [m] apart (0 = closed) touches
        the table or an object (the target excepted when ``allow_target``)."""
        ...
