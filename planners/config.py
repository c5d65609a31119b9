"""Planner configuration. Lengths [m], speeds [m/s], times [s], angles [deg]."""

from __future__ import annotations

import dataclasses

from ..core.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class GraspConfig:
    """Antipodal grasp sampling.

    Attributes:
        num_surface_samples: surface points drawn on the target's convex hull.
        friction_mu: friction coefficient of the force-closure test. For two contacts this is
            the antipodal condition: the line between the contacts lies inside both friction
            cones (Nguyen 1988). 0.15 as in SynGrasp-1B, far below the pads' simulated 1.5.
        width_margin: clearance kept on each side of the object inside the open gripper [m].
        approach_tilts_deg: tilts of the approach about the closing axis away from straight down.
        depth_offsets: grasp centres are also tried this far back toward the palm [m].
        top_k: ranked candidates handed to motion planning.
        clearance_cap: gripper clearance to other objects counts toward the score up to this [m].
        max_attempts: physics-validated execution attempts per episode.
    """

    num_surface_samples: int = 400
    friction_mu: float = 0.15
    width_margin: float = 0.008
    approach_tilts_deg: tuple[float, ...] = (0.0, 20.0, -20.0, 40.0, -40.0)
    depth_offsets: tuple[float, ...] = (0.0, 0.01, 0.02, 0.03)
    top_k: int = 8
    clearance_cap: float = 0.03
    max_attempts: int = 3
    dedup_distance: float = 0.008
    dedup_angle_deg: float = 15.0

    def __post_init__(self):
        if self.num_surface_samples < 10:
            raise ConfigError("grasp.num_surface_samples", "must be >= 10")
        if not 0.0 < self.friction_mu < 2.0:
            raise ConfigError("grasp.friction_mu", f"{self.friction_mu} is outside (0, 2)")
        if self.top_k < 1:
            raise ConfigError("grasp.top_k", "must be >= 1")
        if self.max_attempts < 1:
            raise ConfigError("grasp.max_attempts", "must be >= 1")


@dataclasses.dataclass(frozen=True)
class MotionConfig:
    """Pick motion: transit to pre-grasp, straight approach, close, straight lift, hold.

    Attributes:
        control_hz: rate of recorded frames and joint targets [Hz].
        pregrasp_offset: distance behind the grasp along the approach axis [m].
        approach_speed / lift_speed: Cartesian speeds of the straight segments [m/s].
        lift_height: vertical lift after closing [m].
        joint_speed_scale: fraction of the robot's joint velocity, acceleration and jerk limits
            used in transit.
        close_time / hold_time: gripper closing and post-lift hold durations [s].
        success_height: rise above rest height that counts as lifted [m].
        collision_check_step: joint-space resolution of path collision checks [rad].
        shake_radius / shake_time: after the lift the end effector runs one horizontal circle
            of this radius [m] in this time [s] (about 0.6 m/s^2 by default) to test the grasp.
        rrt_max_iters: RRT-Connect iterations before the transit is declared not found.
    """

    control_hz: float = 10.0
    pregrasp_offset: float = 0.10
    approach_speed: float = 0.06
    lift_speed: float = 0.06
    lift_height: float = 0.10
    joint_speed_scale: float = 0.35
    close_time: float = 0.8
    hold_time: float = 1.0
    success_height: float = 0.08
    collision_check_step: float = 0.05
    shake_radius: float = 0.015
    shake_time: float = 1.0
    rrt_max_iters: int = 1500

    def __post_init__(self):
        if not 1.0 <= self.control_hz <= 100.0:
            raise ConfigError("motion.control_hz", f"{self.control_hz} is outside [1, 100]")
        if self.success_height > self.lift_height:
            raise ConfigError("motion.success_height", "must not exceed motion.lift_height")
        for k in ("pregrasp_offset", "approach_speed", "lift_speed", "lift_height", "joint_speed_scale"):
            if getattr(self, k) <= 0:
                raise ConfigError(f"motion.{k}", "must be > 0")
