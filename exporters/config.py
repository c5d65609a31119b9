"""Writer configuration: the keys every format shares, plus each built-in format's section.

A built-in format declares its keys in its own folder (``formats/hdf5/config.py``,
``formats/lerobot/config.py``); they sit directly under ``writer.`` (``writer.video_codec``), as
they always have. A plugin format's section is ``writer.options.<format>.<key>``, checked against
the plugin's config dataclass when the config is loaded.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..core.errors import ConfigError
from .formats import OPTIONS_KEY, format_names, format_spec, get_format
from .formats.hdf5.config import HDF5Config
from .formats.lerobot.config import LeRobotConfig


@dataclasses.dataclass(frozen=True)
class SharedWriterConfig:
    """The writer keys every format shares.

    Attributes:
        format: the output format(s): a registered format (``hdf5``, ``lerobot``, or one an installed
            plugin registers in the entry-point group ``syngrasp.writers``), the alias ``both``
            (hdf5 and lerobot), or several, comma-separated (``hdf5,lerobot``).
        shard_size: episodes per shard; shard k holds episodes [k*S, (k+1)*S).
        action: what the ``action`` key holds: ``ee_delta`` (default; EE delta position [m] +
            axis-angle [rad] + gripper, (T, 7)) or ``joint`` (absolute joint targets [rad] + gripper,
            (T, n_arm+1)). The other definition is written under its own key, ``action.joint`` or
            ``action.ee_delta`` (exporters/actions.py).
        options: config sections of plugin formats, ``{format: {key: value}}``
            (``writer.options.<format>.<key>=...``); each is checked against the plugin's config.
    """

    format: str = "hdf5"
    shard_size: int = 10
    action: str = "ee_delta"
    options: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class WriterConfig(LeRobotConfig, HDF5Config, SharedWriterConfig):
    """How shards are written: the shared keys, then each built-in format's (each documented where declared)."""

    def __post_init__(self):
        HDF5Config.__post_init__(self)
        LeRobotConfig.__post_init__(self)
        format_spec(self.format)
        if self.shard_size < 1:
            raise ConfigError("writer.shard_size", "must be >= 1")
        if self.action not in ("ee_delta", "joint"):
            raise ConfigError("writer.action", f"'{self.action}' is not one of ee_delta, joint")
        if not isinstance(self.options, dict):
            raise ConfigError(OPTIONS_KEY, f"expected a mapping of format -> section, got {self.options!r}")
        for name, section in self.options.items():
            if not isinstance(section, dict):
                raise ConfigError(f"{OPTIONS_KEY}.{name}", f"expected a mapping of keys, got {section!r}")
            if name not in format_names():
                raise ConfigError(f"{OPTIONS_KEY}.{name}", f"no format '{name}' is registered; registered formats: "
                                                           f"{', '.join(format_names())}")
            fmt = get_format(name)
            if fmt.config is None or isinstance(self, fmt.config):
                raise ConfigError(f"{OPTIONS_KEY}.{name}", "is not the section of a plugin format with its own "
                                                           "config; built-in formats' keys sit directly under writer.")
            fmt.settings(self)  # a wrong key or value: ConfigError naming writer.options.<name>.<key>
