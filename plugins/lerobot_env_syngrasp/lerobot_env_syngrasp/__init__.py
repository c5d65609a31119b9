"""LeRobot 0.6 environment plugin: ``lerobot-eval --env.type=syngrasp`` runs syngrasp's ``gym_syngrasp/Grasp-v0``.

LeRobot imports this module at start-up because the distribution's name starts with
``lerobot_env_`` (``lerobot.utils.import_utils.register_third_party_plugins``); importing it
registers :class:`SyngraspEnvConfig` as the ``syngrasp`` choice of ``--env.type``.

The environment is the world of one dataset written by ``syngrasp generate`` (``--env.dataset_dir``):
same robot, cameras, image size, render settings and action definition. Its features are read
from the dataset's ``meta/info.json``, so a policy trained on that dataset with ``lerobot-train``
finds the keys it was trained on:

    env observation            policy key (lerobot.envs.utils.preprocess_observation)
    pixels[cam] uint8 (H,W,3)  observation.images.<cam>, float (3,H,W) in [0, 1]
    agent_pos float32 (n+1,)   observation.state (n arm joints [rad] + gripper opening [m])
    action (7,) or (n+1,)      the dataset's ``action`` column (EE delta or joint targets)

The instruction reaches the policy as ``observation["task"]``: lerobot-eval reads the sub-envs'
``task_description`` (here ``env.unwrapped.task``) every step. Success is ``info["is_success"]``.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field

import gymnasium as gym
from lerobot.configs import FeatureType, PolicyFeature
from lerobot.envs.configs import EnvConfig
from lerobot.utils.constants import ACTION, OBS_IMAGES, OBS_STATE

from syngrasp.core.errors import ConfigError  # a ValueError too, as LeRobot's config parsing expects
from syngrasp.core.layout import CONFIG

__all__ = ["SyngraspEnvConfig", "make_one_env", "features_from_info"]

GYM_ID = "gym_syngrasp/Grasp-v0"  # registered by importing syngrasp.envs
SPLITS = ("seen", "unseen_scenes", "unseen_objects", "unseen_categories")


def features_from_info(info: dict) -> tuple[dict[str, PolicyFeature], dict[str, str]]:
    """(features, features_map) of the env from a LeRobot ``meta/info.json`` dict.

    features are keyed by the env's observation paths (``pixels/<cam>``, ``agent_pos``) and
    ``action``; features_map sends each to the policy key LeRobot's preprocess_observation makes.
    Image shapes stay (H, W, 3) as the env returns them (lerobot transposes them itself).
    """
    feats = info["features"]
    for key in (ACTION, OBS_STATE):
        if key not in feats:
            raise ConfigError("--env.dataset_dir", f"meta/info.json has no '{key}' feature: is this a dataset written "
                                                   "by syngrasp generate?")
    features = {
        ACTION: PolicyFeature(type=FeatureType.ACTION, shape=tuple(feats[ACTION]["shape"])),
        "agent_pos": PolicyFeature(type=FeatureType.STATE, shape=tuple(feats[OBS_STATE]["shape"])),
    }
    features_map = {ACTION: ACTION, "agent_pos": OBS_STATE}
    prefix = OBS_IMAGES + "."
    for key, ft in feats.items():
        if key.startswith(prefix) and ft["dtype"] in ("video", "image"):
            cam = key[len(prefix):]
            features[f"pixels/{cam}"] = PolicyFeature(type=FeatureType.VISUAL, shape=tuple(ft["shape"]))
            features_map[f"pixels/{cam}"] = key
    return features, features_map


class _LeRobotTimeLimit(gym.wrappers.TimeLimit):
    """TimeLimit (lerobot-eval reads ``_max_episode_steps``) with the instruction as ``task_description``.

    lerobot-eval asks every sub-env for ``task_description`` first and for ``task`` only when that
    raises; under AsyncVectorEnv the raise closes the vector env, so the attribute must exist.
    """

    @property
    def task_description(self) -> str:
        return self.env.unwrapped.task


def make_one_env(episode_length: int, **make_env_kwargs) -> gym.Env:
    """One ``syngrasp.envs.make_env`` env, truncated after ``episode_length`` steps.

    Module level, so that AsyncVectorEnv workers (forkserver) unpickle it by reference.
    """
    from syngrasp.envs import make_env

    env = make_env(max_steps=episode_length, **make_env_kwargs)
    return _LeRobotTimeLimit(env, max_episode_steps=episode_length)


@EnvConfig.register_subclass("syngrasp")
@dataclass
class SyngraspEnvConfig(EnvConfig):
    """``--env.type=syngrasp``: evaluate in the world of a syngrasp dataset.

    Attributes:
        dataset_dir: folder written by ``syngrasp generate`` with LeRobot output (``meta/info.json``,
            ``config.yaml``); required. Its camera, state and action features become the env's.
        split: which scenes ``reset(seed=k)`` draws: ``seen`` (the dataset's own episode indices),
            ``unseen_scenes`` (indices past the dataset's range; the default: held-out scenes),
            ``unseen_objects`` or ``unseen_categories`` (held-out targets; datasets generated with
            ``eval.holdout_fraction``).
        action: ``ee_delta`` or ``joint``; None (default) takes the dataset's own ``action``
            definition, the one a policy trained on the dataset outputs.
        episode_length: steps before truncation (control steps, 1/fps s each); None reads the
            dataset's ``rollout.max_frames`` (150 by default), the longest demonstration it allows.
        render_preset: override the dataset's ``render.preset`` (e.g. ``fast`` or ``balanced`` to
            evaluate cheaply on CPUs); None keeps the dataset's, so the pixels look like training.
        overrides: further syngrasp ``key=value`` config overrides for the env (e.g.
            ``scene.camera_jitter.enabled=false``).
        task: the gym task name (``Grasp-v0``); the language instruction is per episode and comes
            from the env (``env.unwrapped.task``), not from this field.
        fps: control rate [Hz]; set from the dataset's ``meta/info.json``.
    """

    task: str | None = "Grasp-v0"
    fps: int = 10
    dataset_dir: str | None = None
    split: str = "unseen_scenes"
    action: str | None = None
    episode_length: int | None = None
    render_preset: str | None = None
    overrides: list[str] = field(default_factory=list)

    def __post_init__(self):
        if self.split not in SPLITS:
            raise ConfigError("--env.split", f"{self.split!r} is not one of {', '.join(SPLITS)}")
        if self.dataset_dir is None:
            return  # draccus may build a bare instance; create_envs says what is missing
        info_path = os.path.join(self.dataset_dir, "meta", "info.json")
        if not os.path.isfile(info_path):
            raise ConfigError("--env.dataset_dir", f"{info_path} not found: give a folder written by "
                                                   "`syngrasp generate --format lerobot` (or `syngrasp convert`)")
        with open(info_path) as f:
            info = json.load(f)
        self.fps = int(info["fps"])
        self.features, self.features_map = features_from_info(info)
        if self.episode_length is None:
            self.episode_length = _max_frames(self.dataset_dir)

    @property
    def package_name(self) -> str:
        return "syngrasp.envs"

    @property
    def gym_id(self) -> str:
        return GYM_ID

    @property
    def gym_kwargs(self) -> dict:
        """Keyword arguments of :func:`make_one_env` (``syngrasp.envs.make_env``'s, plus ``episode_length``)."""
        overrides = list(self.overrides)
        if self.render_preset is not None:
            overrides.append(f"render.preset={self.render_preset}")
        return {"episode_length": self.episode_length, "dataset_dir": self.dataset_dir, "split": self.split,
                "action": self.action, "overrides": tuple(overrides)}

    def create_envs(self, n_envs: int, use_async_envs: bool = False) -> dict[str, dict[int, gym.vector.VectorEnv]]:
        """{"syngrasp": {0: VectorEnv of n_envs envs}}; AsyncVectorEnv (forkserver) only for n_envs > 1."""
        if self.dataset_dir is None:
            raise ConfigError("--env.dataset_dir", "is required: the folder of the syngrasp dataset the policy was "
                                                   "trained on (its robot, cameras and action definition make the env)")
        fns = [functools.partial(make_one_env, **self.gym_kwargs)] * n_envs
        mode = {"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP}
        if use_async_envs and n_envs > 1:
            vec = gym.vector.AsyncVectorEnv(fns, context="forkserver", **mode)
        else:
            vec = gym.vector.SyncVectorEnv(fns, **mode)
        # lerobot-eval writes its videos at metadata["render_fps"]; PyAV needs an int (or Fraction)
        vec.metadata["render_fps"] = self.fps
        return {self.type: {0: vec}}


def _max_frames(dataset_dir: str) -> int:
    """``rollout.max_frames`` of the run (its ``config.yaml``); 150, syngrasp's default, when absent."""
    import yaml

    path = os.path.join(dataset_dir, CONFIG)
    if not os.path.isfile(path):
        return 150
    with open(path) as f:
        cfg = yaml.safe_load(f) or {}
    return int((cfg.get("rollout") or {}).get("max_frames", 150))
