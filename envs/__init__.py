"""The generator's world as a gymnasium environment (ARCHITECTURE promise 6), ``gym_syngrasp/Grasp-v0``.

Public API (what ``lerobot_env_syngrasp`` wraps; keep it stable)::

    from syngrasp.envs import make_env
    env = make_env(dataset_dir=None, config=None, overrides=(), split="seen", action=None, max_steps=None)
    obs, info = env.reset(seed=k)                 # the split's k-th scene, sampled as `generate` samples it
    obs, info = env.reset(options={"index": i})   # generation episode index i exactly (replay, debugging)
    obs, reward, terminated, truncated, info = env.step(action)

make_env arguments:
    dataset_dir: a folder written by ``syngrasp generate``; its ``config.yaml`` (run seed, scene
        distribution, robot, cameras, render preset, ``writer.action``, ``motion.control_hz``) and
        ``splits.json`` define the world. None: ``config`` / ``overrides`` alone (no held-out splits
        but ``seen`` and ``unseen_scenes``).
    config: None (defaults), a path to a YAML config file, a mapping, or a run config object
        (e.g. ``syngrasp.app.config.RunConfig``) with the generation sections.
    overrides: ``key=value`` strings applied on top (e.g. ``render.preset=balanced``).
    split: ``seen`` (the dataset's written episodes), ``unseen_scenes`` (indices past the dataset's
        range), ``unseen_objects`` / ``unseen_categories`` (indices past the range whose target object /
        category was held out of the dataset, ``eval.holdout_fraction``).
    action: ``ee_delta`` or ``joint``; None takes the dataset's ``writer.action``.
    max_steps: truncation after this many steps; None: ``rollout.max_frames``.

Spaces (one env = one robot; n = n_arm joints, cameras as the dataset records them):
    observation: Dict{"pixels": Dict{cam: Box uint8 (H, W, 3)}, "agent_pos": Box float32 (n + 1,)}
        pixels = the dataset's ``observation.images.{cam}`` (same cameras, size, engine, camera effects);
        agent_pos = ``observation.state``: n arm joint positions [rad] + gripper opening [m].
    action: Box float32, the dataset's own ``action`` (exporters/actions.py), one step = 1/control_hz s:
        ee_delta (7,): EE delta position [m] (3) + axis-angle [rad] (3), robot base frame, + gripper
            command (0 open, 1 closed; > 0.5 closes);
        joint (n + 1,): absolute arm joint targets [rad] + gripper command.
    reward: 1.0 on the step where the task is first achieved, else 0.0.
    terminated: the task succeeded (lifted ``motion.success_height`` and held ``motion.hold_time``).

info (every reset and step):
    task: the instruction (also ``env.unwrapped.task``); is_success: bool; failure_reason: "" on
    success, else what the episode would fail with if it ended now: "not_reached" (the grasp frame
    never came near the target), "not_grasped", "not_lifted" or "slipped" (lifted, then lost);
    phase: the furthest phase reached, "approach" < "pre-grasp" < "grasp" < "lift" < "hold"
    (the labels of core/phases.py, judged from the state); episode_index, run_seed, split,
    target_category, target_asset, step.

Rendering: the renderer is created lazily, in the process that steps, one GL context per process
(safe under ``gymnasium.vector.AsyncVectorEnv`` with ``context="forkserver"``); ``render()`` returns
the first camera's frame (render_mode "rgb_array").

Importing this package registers ``gym_syngrasp/Grasp-v0`` (entry point ``syngrasp.envs.grasp_env:GraspEnv``,
kwargs as ``make_env``).
"""

from __future__ import annotations

ENV_ID = "gym_syngrasp/Grasp-v0"
SPLITS = ("seen", "unseen_objects", "unseen_categories", "unseen_scenes")


def make_env(dataset_dir=None, config=None, overrides=(), split="seen", action=None, max_steps=None):
    """The environment of ``dataset_dir`` (or of ``config`` + ``overrides``); see the module docstring."""
    from .grasp_env import GraspEnv

    return GraspEnv(dataset_dir=dataset_dir, config=config, overrides=tuple(overrides), split=split, action=action,
                    max_steps=max_steps)


def _register() -> None:
    import gymnasium

    if ENV_ID not in gymnasium.registry:
        gymnasium.register(ENV_ID, entry_point="syngrasp.envs.grasp_env:GraspEnv")


_register()
