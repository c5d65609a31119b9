"""The robot a LeRobot dataset names: ``robot_type`` and the per-dimension names of robot-shaped keys.

The shard writer reads them once per shard from the robot spec the run config names (the spec the
episodes were generated with, in the worker that generated them) and records them in the shard's
frames file (schema metadata ``syngrasp``, with the schema version). Finalize takes them from the
shards, so neither the run driver nor ``syngrasp finalize`` loads a robot; shards written before
this record existed fall back to the recorded run config.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Mapping

import pyarrow as pa

from ....core.errors import ConfigError, DatasetError
from ....core.schema import SCHEMA_VERSION_KEY

SHARD_META = b"syngrasp"  # frames-file schema metadata key (JSON: robot_type, feature_names, schema_version)


@dataclasses.dataclass(frozen=True)
class RobotNames:
    """``robot_type``: the robot spec's name; ``feature_names``: Episode key -> per-dimension names
    (the spec's ``feature_names()``: observation.state, action.joint)."""

    robot_type: str
    feature_names: dict[str, list[str]]


def from_run_config(run_config: Mapping[str, Any] | None) -> RobotNames | None:
    """The names of the robot ``rollout.robot`` of a run config (plain data) names; None without one.
    A robot that cannot be found is a DatasetError naming it."""
    robot = ((run_config or {}).get("rollout") or {}).get("robot")
    if not robot:
        return None
    from ....assets.robot import load_robot

    try:
        spec = load_robot(robot)
    except ConfigError as e:
        raise DatasetError(f"the run config's rollout.robot '{robot}' cannot be loaded to name the LeRobot "
                           f"features ({e}); make the robot findable (rollout.robots_dir, $SYNGRASP_ROBOTS)") from e
    return RobotNames(spec.name, spec.feature_names())


def with_shard_meta(table: pa.Table, robot: RobotNames | None, schema_version: str) -> pa.Table:
    """``table`` with the shard record in its schema metadata (other metadata kept)."""
    record = {"robot_type": robot.robot_type if robot else "",
              "feature_names": robot.feature_names if robot else {}, SCHEMA_VERSION_KEY: schema_version}
    meta = dict(table.schema.metadata or {})
    meta[SHARD_META] = json.dumps(record).encode()
    return table.replace_schema_metadata(meta)


def without_shard_meta(table: pa.Table) -> pa.Table:
    """``table`` without the shard record (packed data files carry only LeRobot's columns)."""
    meta = {k: v for k, v in (table.schema.metadata or {}).items() if k != SHARD_META}
    return table.replace_schema_metadata(meta or None)


def shard_meta(schema: pa.Schema) -> dict | None:
    """The shard record of a frames file's schema, None when the shard predates it."""
    raw = (schema.metadata or {}).get(SHARD_META)
    return json.loads(raw) if raw else None


def names_of(record: dict | None) -> RobotNames | None:
    """RobotNames of a shard record; None without a robot."""
    if not record or not record.get("robot_type"):
        return None
    return RobotNames(record["robot_type"], {k: list(v) for k, v in record.get("feature_names", {}).items()})
