"""The run configuration tree and its loader (file + ``key=value`` overrides)."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import yaml

from ..cluster.config import ClusterConfig
from ..exporters.config import WriterConfig
from ..generators.config import (EvalConfig, ObservationsConfig, RenderConfig, RolloutConfig, VisibilityConfig,
                                 resolve_generation)
from ..planners.config import GraspConfig, MotionConfig
from ..randomization.config import SceneConfig
from ..core import layout
from ..core.dataconf import apply_override, from_dict, to_dict
from ..core.errors import ConfigError

MAX_SHARDS = 10**8  # shards one run may plan: its driver then holds 200 MB of flags (+ 800 MB of sizes for a bucket)

@dataclasses.dataclass(frozen=True)
class RunConfig:
    """One generation run.

    Attributes:
        seed: run seed; episode i uses SeedSequence([seed, i]).
        episodes: number of episode indices to attempt (failures are counted, not written).
    """

    seed: int
    episodes: int
    scene: SceneConfig = dataclasses.field(default_factory=SceneConfig)
    grasp: GraspConfig = dataclasses.field(default_factory=GraspConfig)
    motion: MotionConfig = dataclasses.field(default_factory=MotionConfig)
    rollout: RolloutConfig = dataclasses.field(default_factory=RolloutConfig)
    render: RenderConfig = dataclasses.field(default_factory=RenderConfig)
    visibility: VisibilityConfig = dataclasses.field(default_factory=VisibilityConfig)
    observations: ObservationsConfig = dataclasses.field(default_factory=ObservationsConfig)
    writer: WriterConfig = dataclasses.field(default_factory=WriterConfig)
    cluster: ClusterConfig = dataclasses.field(default_factory=ClusterConfig)
    eval: EvalConfig = dataclasses.field(default_factory=EvalConfig)

    def __post_init__(self):
        scene, rollout = resolve_generation(self.scene, self.render, self.rollout, self.motion)
        object.__setattr__(self, "scene", scene)  # not a schema key: config section
        object.__setattr__(self, "rollout", rollout)
        if self.episodes < 0:
            raise ConfigError("episodes", f"{self.episodes} is negative; pass a count >= 0")
        if self.seed < 0:
            raise ConfigError("seed", f"{self.seed} is negative; seeds are integers >= 0")  # not a schema key
        shards = -(-self.episodes // self.writer.shard_size)
        if shards > MAX_SHARDS:
            raise ConfigError("episodes", f"{self.episodes} episodes in shards of writer.shard_size="
                                          f"{self.writer.shard_size} make {shards} shards; a run plans at most "
                                          f"{MAX_SHARDS} (its driver keeps 2 bytes per shard): raise "
                                          "writer.shard_size, or split the run into several seeds")

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    def data_dict(self) -> dict[str, Any]:
        """The keys that determine the episodes written: everything but ``cluster`` and
        ``rollout.robots_dir`` (the robot's resolved folder is in ``rollout.robot``); the ``eval``
        section only when it holds something out, ``writer.options`` only when it holds a section and
        ``rollout.backend`` only when it is not the default, so folders written before they existed resume."""
        d = to_dict(self)
        d.pop("cluster")
        d["rollout"].pop("robots_dir", None)
        if d.get("eval") == to_dict(EvalConfig()):
            d.pop("eval")
        if not d["writer"].get("options"):  # plugin formats' sections: only when given (older folders resume)
            d["writer"].pop("options", None)
        if d["rollout"]["backend"] == RolloutConfig.backend:
            d["rollout"].pop("backend")
        return d


def load_config(path: str | None = None, overrides: list[str] | tuple[str, ...] = (), **fixed: Any) -> RunConfig:
    """Load a YAML/JSON config file (optional), apply overrides and keyword values, validate.

    ``fixed`` keys (e.g. seed=0, episodes=20 from CLI flags) win over the file;
    ``key=value`` overrides win over both.
    """
    tree: dict[str, Any] = {}
    if path is not None:
        if not os.path.isfile(path):
            raise ConfigError("--config", f"file '{path}' does not exist")
        with open(path) as f:
            try:
                loaded = yaml.safe_load(f)
            except yaml.YAMLError as e:
                raise ConfigError("--config", f"{path} is not valid YAML: {e}") from e
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError("--config", f"{path} must hold a mapping of keys at the top level")
        tree.update(loaded)
    for k, v in fixed.items():
        if v is not None:
            tree[k] = v
    for item in overrides:
        apply_override(tree, item)
    return from_dict(RunConfig, tree)


def load_run_config(out_dir: str, overrides: list[str] | tuple[str, ...] = (), only: str | None = None,
                    command: str = "this") -> RunConfig:
    """The RunConfig that ``syngrasp generate`` saved in ``out_dir`` (its ``config.yaml``), with overrides.

    ``only``: a key prefix (e.g. ``rollout.pybullet.``) that every override must start with; the
    rest of the config is the one the episodes were generated with and may not change.
    """
    path = os.path.join(out_dir, layout.CONFIG)
    if not os.path.isfile(path):
        raise ConfigError("dir", f"{path} not found: run {command} on a folder written by syngrasp generate")
    with open(path) as f:
        try:
            tree = yaml.safe_load(f)
        except yaml.YAMLError as e:
            raise ConfigError("dir", f"{path} is not valid YAML ({e}); it is not a config syngrasp wrote") from None
    if not isinstance(tree, dict):
        raise ConfigError("dir", f"{path} does not hold a config mapping; it is not a config syngrasp wrote")
    for item in overrides:
        if only is not None and not item.startswith(only):
            raise ConfigError(item.split("=", 1)[0], f"{command} accepts only {only}* overrides; the rest "
                                                     "of the config is the one the episodes were generated with")
        apply_override(tree, item)
    return from_dict(RunConfig, tree)


def load_check_config(out_dir: str, overrides: list[str] | tuple[str, ...] = ()) -> RunConfig:
    """The run's saved config with ``rollout.pybullet.*`` overrides, for ``syngrasp crosscheck``."""
    return load_run_config(out_dir, overrides, only="rollout.pybullet.", command="crosscheck")
