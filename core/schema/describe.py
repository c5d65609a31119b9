"""Descriptions of the schema written into files (HDF5 ``data`` attributes)."""

from __future__ import annotations

import json
from typing import Any, Mapping

from . import frames, meta

# 1.0: first declared schema. 1.1: the file's ``schema`` attribute describes meta keys typed (type, unit,
# meaning, required) and frame keys with their storage kind; episodes carry the run's shard_index. Episodes
# of 1.0 read as before (same keys, dtypes, shapes and phase names).
SCHEMA_VERSION = "1.1"
ENV_NAME = "syngrasp"
# robomimic's env types are robosuite (1), gym (2) and iGibson MOMART (3); syngrasp is none of them and
# robomimic cannot build it, so the generic gym type is recorded: offline training reads the
# shapes from the data, and robomimic rollouts must stay off.
ROBOMIMIC_ENV_TYPE = 2


def meta_description() -> dict[str, dict]:
    """JSON-able description of every meta key: type, unit, meaning, required."""
    return {m.name: {"type": m.type_name, "unit": m.unit, "meaning": m.meaning, "required": m.required}
            for m in meta.META}


def hdf5_attrs(robot: str, n_arm: int, cameras: Mapping[str, tuple[int, int]], options: Any = None,
               fps: float = 0.0) -> dict[str, str]:
    """``data`` group attrs of an HDF5 shard: robomimic ``env_args`` and ``schema``, JSON strings each.

    ``env_args``: {"env_name": "syngrasp", "type", "env_kwargs": {robot, n_arm, cameras {name: [H, W]},
    control_freq [Hz]}}, as robomimic reads ``data.attrs["env_args"]``. ``schema``: {schema_version,
    frame_keys (``describe``), meta_keys (``meta_description``)}.
    """
    env_args = {
        "env_name": ENV_NAME,
        "type": ROBOMIMIC_ENV_TYPE,
        "env_kwargs": {"robot": robot, "n_arm": int(n_arm),
                       "cameras": {c: [int(h), int(w)] for c, (h, w) in sorted(cameras.items())},
                       "control_freq": float(fps)},
    }
    described = {"schema_version": SCHEMA_VERSION, "frame_keys": frames.describe(n_arm, cameras, options),
                 "meta_keys": meta_description()}
    return {"env_args": json.dumps(env_args), "schema": json.dumps(described)}
