"""The environment's world: the generation sections of a run config, read from a dataset folder or built.

A dataset's ``config.yaml`` is the resolved config that ``syngrasp generate`` saved; the
environment reads the sections that decide what a scene looks like and how it moves (scene,
grasp, motion, rollout, render, visibility, observations, eval), the run seed, the episode
count and ``writer.action``. Writer file settings and ``cluster`` do not change the world and
are not read. Both this loader and the app's ``RunConfig`` resolve through
``generators.config.resolve_generation``, so the same keys give the same world.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from typing import Any

import yaml

from ..core import layout
from ..core.dataconf import apply_override, from_dict, to_dict
from ..core.errors import ConfigError
from ..generators.config import (EvalConfig, ObservationsConfig, RenderConfig, RolloutConfig, VisibilityConfig,
                                 resolve_generation)
from ..planners.config import GraspConfig, MotionConfig
from ..randomization.config import SceneConfig
from ..randomization.holdout import Holdout

ACTIONS = ("ee_delta", "joint")
_IGNORED = ("cluster",)  # top-level sections of a run config that do not change the world


@dataclasses.dataclass(frozen=True)
class WorldConfig:
    """What one environment samples and steps (a ``generators.config.GenerationConfig``).

    Attributes:
        seed: the run seed; the scene of episode index i is drawn from SeedSequence([seed, i]).
        episodes: the dataset's episode indices are [0, episodes); ``unseen_*`` splits draw past them.
        action: the action definition ``step`` takes, ``ee_delta`` or ``joint`` (a dataset's
            ``writer.action``; exporters/actions.py).
    """

    seed: int = 0
    episodes: int = 0
    action: str = "ee_delta"
    scene: SceneConfig = dataclasses.field(default_factory=SceneConfig)
    grasp: GraspConfig = dataclasses.field(default_factory=GraspConfig)
    motion: MotionConfig = dataclasses.field(default_factory=MotionConfig)
    rollout: RolloutConfig = dataclasses.field(default_factory=RolloutConfig)
    render: RenderConfig = dataclasses.field(default_factory=RenderConfig)
    visibility: VisibilityConfig = dataclasses.field(default_factory=VisibilityConfig)
    observations: ObservationsConfig = dataclasses.field(default_factory=ObservationsConfig)
    eval: EvalConfig = dataclasses.field(default_factory=EvalConfig)

    def __post_init__(self):
        if self.action not in ACTIONS:
            raise ConfigError("action",  # not a schema key: config key
                              f"'{self.action}' is not one of {', '.join(ACTIONS)} (writer.action)")
        if self.seed < 0 or self.episodes < 0:
            raise ConfigError("seed/episodes", "must be integers >= 0")
        scene, rollout = resolve_generation(self.scene, self.render, self.rollout, self.motion)
        object.__setattr__(self, "scene", scene)  # not a schema key: config section
        object.__setattr__(self, "rollout", rollout)


def _tree_of(config: Any) -> dict:
    """A plain config tree from None, a YAML path, a mapping or a config object with ``to_dict``."""
    if config is None:
        return {}
    if isinstance(config, (str, os.PathLike)):
        if not os.path.isfile(config):
            raise ConfigError("config", f"file '{config}' does not exist; pass a YAML run config or a dataset_dir")
        with open(config) as f:
            tree = yaml.safe_load(f) or {}
        if not isinstance(tree, dict):
            raise ConfigError("config", f"{config} must hold a mapping of keys at the top level")
        return tree
    if isinstance(config, Mapping):
        return json.loads(json.dumps(dict(config)))  # a deep, plain copy
    if dataclasses.is_dataclass(config):
        return to_dict(config)
    raise ConfigError("config", f"expected None, a YAML path, a mapping or a run config object, got "
                                f"{type(config).__name__}")


def world_config(tree: dict, overrides: tuple[str, ...] = ()) -> WorldConfig:
    """A WorldConfig from a run-config tree (``writer.action`` becomes ``action``) with ``key=value`` overrides."""
    tree = dict(tree)
    for item in overrides:
        apply_override(tree, item)
    writer = tree.pop("writer", None) or {}
    if "action" in writer and "action" not in tree:  # not a schema key: config key writer.action
        tree["action"] = writer["action"]  # not a schema key: config key
    for key in _IGNORED:
        tree.pop(key, None)
    return from_dict(WorldConfig, tree)


def load_world(dataset_dir: str | None, config: Any = None, overrides: tuple[str, ...] = ()) -> WorldConfig:
    """The world of ``dataset_dir`` (its config.yaml; ``config`` must then be None) or of ``config``."""
    if dataset_dir is None:
        return world_config(_tree_of(config), overrides)
    if config is not None:
        raise ConfigError("config", f"give dataset_dir or config, not both: a dataset's world is its {layout.CONFIG}")
    path = os.path.join(dataset_dir, layout.CONFIG)
    if not os.path.isfile(path):
        raise ConfigError("dataset_dir", f"{path} not found: pass a folder written by syngrasp generate")
    return world_config(_tree_of(path), overrides)


def load_written(dataset_dir: str | None) -> list[int] | None:
    """Sorted episode indices the dataset holds (``episodes_written`` of its ``shard-*.json`` records),
    or None without a dataset or records."""
    if dataset_dir is None:
        return None
    paths = layout.record_paths(dataset_dir)
    if not paths:
        return None
    written: list[int] = []
    for p in paths:
        with open(p) as f:
            written.extend(int(i) for i in json.load(f).get("episodes_written", ()))
    return sorted(written)


def load_splits(dataset_dir: str | None) -> Holdout | None:
    """The dataset's recorded ``splits.json``, or None when it has none (``eval.holdout_fraction`` was 0)."""
    if dataset_dir is None:
        return None
    path = os.path.join(dataset_dir, layout.SPLITS)
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return Holdout.from_json(json.load(f))
