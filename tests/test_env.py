"""gym_syngrasp/Grasp-v0: the generator's world as an environment (envs/)."""


import gymnasium
import numpy as np
import pytest

from syngrasp.core.errors import ConfigError
from syngrasp.envs import ENV_ID, make_env
from syngrasp.envs.config import load_world
from syngrasp.envs.evaluate import wilson
from syngrasp.randomization.holdout import holdout

from .conftest import TINY  # noqa: F401

pytestmark = pytest.mark.sim


def _replay(env, index, actions):
    obs, info = env.reset(options={"index": index})
    first = obs
    for a in actions:
        obs, _, term, trunc, info = env.step(a)
        if term or trunc:
            break
    return first, info


@pytest.mark.parametrize("mode", ["ee_delta", "joint"])
def test_replay_reproduces_the_recorded_episode(success_result, tiny_cfg, mode):
    """Same (seed, index): the same first frame, instruction and state; the recorded actions succeed again."""
    ep = success_result.episode
    env = make_env(config=tiny_cfg, action=mode)
    actions = ep.frames["action" if mode == "ee_delta" else "action.joint"]
    first, info = _replay(env, success_result.episode_index, actions)
    assert env.unwrapped.task == ep.meta["instruction"] == info["task"]
    np.testing.assert_allclose(first["agent_pos"], ep.frames["observation.state"][0], atol=1e-6)
    for cam, img in first["pixels"].items():
        assert img.shape == ep.frames[f"observation.images.{cam}"].shape[1:]
        np.testing.assert_array_equal(img, ep.frames[f"observation.images.{cam}"][0])
    assert info["is_success"] and info["failure_reason"] == "" and info["phase"] == "hold"
    assert env.action_space.shape == actions.shape[1:]
    env.close()


def test_spaces_reset_determinism_and_failure_info(tiny_cfg):
    env = make_env(config=tiny_cfg, action="joint", max_steps=3)
    obs, info = env.reset(seed=1)
    assert env.observation_space.contains(obs)
    assert obs["agent_pos"].dtype == np.float32 and obs["agent_pos"].shape == (env.unwrapped.robot.n_arm + 1,)
    again, _ = env.reset(seed=1)
    for cam in obs["pixels"]:
        np.testing.assert_array_equal(obs["pixels"][cam], again["pixels"][cam])
    hold = np.r_[obs["agent_pos"][:-1], 0.0].astype(np.float32)  # stay at the start pose, open
    with pytest.raises(ConfigError, match="config key 'action'.*shape"):  # a policy of another action definition
        env.step(hold[:3])
    for _ in range(3):
        obs, reward, term, trunc, info = env.step(hold)
    assert trunc and not term and reward == 0.0
    assert not info["is_success"] and info["failure_reason"] == "not_reached" and info["phase"] == "approach"
    env.close()


def test_registered_and_config_errors(tiny_cfg, tmp_path):
    env = gymnasium.make(ENV_ID, config=tiny_cfg, action="joint", disable_env_checker=True)
    assert env.unwrapped.world.seed == tiny_cfg.seed
    env.close()
    with pytest.raises(ConfigError, match="unseen_objects.*eval.holdout_fraction"):
        make_env(config=tiny_cfg, split="unseen_objects")
    with pytest.raises(ConfigError, match="config.yaml not found"):
        make_env(dataset_dir=str(tmp_path))
    with pytest.raises(ConfigError, match="action"):
        make_env(config=tiny_cfg, action="torque")


def test_world_matches_the_run_config(tiny_cfg):
    """The env's loader resolves the same world as the app's RunConfig (config.yaml round trip)."""
    w = load_world(None, tiny_cfg.data_dict())
    for section in ("scene", "grasp", "motion", "rollout", "render", "visibility", "observations", "eval"):
        assert getattr(w, section) == getattr(tiny_cfg, section)
    assert (w.seed, w.episodes, w.action) == (tiny_cfg.seed, tiny_cfg.episodes, tiny_cfg.writer.action)


def test_holdout_rule_and_unseen_split(generator, tiny_cfg):
    h = holdout(generator.catalog, 7, 0.2)
    assert h.categories and h.objects and not (h.categories & h.train_categories)
    assert not (h.objects & h.train_objects)
    assert holdout(generator.catalog, 7, 0.2) == h and holdout(generator.catalog, 8, 0.2) != h
    env = make_env(config=tiny_cfg, overrides=["eval.holdout_fraction=0.2"], split="unseen_categories")
    _, info = env.reset(seed=0)
    assert info["target_category"] in h.categories and info["episode_index"] >= tiny_cfg.episodes
    # generation never records that scene: its final target is held out
    res = env.unwrapped.gen.generate(tiny_cfg.seed, info["episode_index"], record=False)
    assert res.failure_reason == "held_out" and res.target_category == info["target_category"]
    env.close()


def test_run_folder_records_its_splits(tmp_path):
    from syngrasp.app.config import load_config
    from syngrasp.cluster.outdir import prepare_out_dir
    from syngrasp.envs.config import load_splits

    cfg = load_config(None, [*TINY, "eval.holdout_fraction=0.2"], seed=5, episodes=2)
    prepare_out_dir(cfg, str(tmp_path)).release()  # the lock is held until released
    rec = load_splits(str(tmp_path))
    env = make_env(dataset_dir=str(tmp_path), split="unseen_objects")
    assert rec == env.unwrapped.gen.holdout(5) == env.unwrapped.picker.holdout and rec.objects
    assert env.unwrapped.world.episodes == 2 and env.unwrapped.world.action == cfg.writer.action
    env.close()
    (tmp_path / "shard-000000.json").write_text('{"episodes_written": [1, 0]}')
    env = make_env(dataset_dir=str(tmp_path), split="seen", action="joint")
    written = {env.reset(seed=k)[1]["episode_index"] for k in range(2)}
    target = env.unwrapped.scene.target
    assert written <= {0, 1} and not rec.held_out(target.asset_id, target.category)
    env.close()
    plain = load_config(None, TINY, seed=5, episodes=2)
    prepare_out_dir(plain, str(tmp_path / "plain")).release()
    assert load_splits(str(tmp_path / "plain")) is None


def test_wilson_interval():
    lo, hi = wilson(8, 10)
    assert 0.44 < lo < 0.8 < hi < 0.98
    assert wilson(0, 0) == (0.0, 1.0)


def _tiny_env():
    from syngrasp.envs import make_env as mk

    return mk(overrides=[*TINY, "seed=7", "episodes=4"], action="joint", max_steps=2)


def test_async_vector_env_forkserver():
    """LeRobot's AsyncVectorEnv (forkserver): each worker makes its own renderer, lazily, and steps."""
    vec = gymnasium.vector.AsyncVectorEnv([_tiny_env, _tiny_env], context="forkserver")
    try:
        obs, info = vec.reset(seed=[0, 1])
        assert obs["agent_pos"].shape == (2, 8) and obs["pixels"]["front"].shape == (2, 64, 64, 3)
        assert not np.array_equal(obs["pixels"]["front"][0], obs["pixels"]["front"][1])
        obs, _, _, _, info = vec.step(np.r_[obs["agent_pos"][:, :-1].T, np.zeros((1, 2))].T.astype(np.float32))
        assert list(info["task"]) and all(isinstance(t, str) and t for t in info["task"])
    finally:
        vec.close()
