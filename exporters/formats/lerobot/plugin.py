"""The LeRobot format's plugin declaration."""

from __future__ import annotations

from .. import Format
from .config import LeRobotConfig
from .finalize import finalize
from .reader import LeRobotReader
from .writer import LeRobotShardWriter

FORMAT = Format("lerobot", LeRobotShardWriter, LeRobotReader(), LeRobotConfig, finalize,
                doc="LeRobot v3.0: shards stage videos and tables, finalize packs data/, videos/ and meta/")
