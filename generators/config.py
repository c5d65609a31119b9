"""Rollout configuration."""

from __future__ import annotations

import dataclasses

from ..core.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class RolloutConfig:
    """Physics and recording settings.

    Attributes:
        physics_dt: MuJoCo timestep [s]; must divide the control period.
        ctrl_blocks: joint targets are ramped in this many steps per control period.
        settle_time: longest drop-and-settle simulation before planning [s].
        keep_failures: also record and write episodes whose lift failed.
        robot: name of a robot under assets/robots/.
        max_frames: a plan longer than this many control steps is abandoned ("timeout").
    """

    physics_dt: float = 0.002
    ctrl_blocks: int = 5
    settle_time: float = 2.0
    keep_failures: bool = False
    robot: str = "panda"
    max_frames: int = 150

    def __post_init__(self):
        if not 1e-4 <= self.physics_dt <= 0.01:
            raise ConfigError("rollout.physics_dt", f"{self.physics_dt} is outside [0.0001, 0.01] s")
        if self.ctrl_blocks < 1:
            raise ConfigError("rollout.ctrl_blocks", "must be >= 1")
