"""The declared episode schema (core/schema.py) matches what episodes carry and what the writers write."""

import dataclasses
import json

import numpy as np
import pytest

from syngrasp.app.config import load_config
from syngrasp.assets.robot import available_robots, load_robot
from syngrasp.core import schema
from syngrasp.core.episode import Episode
from syngrasp.exporters.config import WriterConfig
from syngrasp.exporters.hdf5 import HDF5ShardWriter, hdf5_name
from syngrasp.exporters.formats.lerobot.finalize import finalize_lerobot
from syngrasp.exporters.formats.lerobot.layout import INDEX_FEATURES
from syngrasp.exporters.formats.lerobot.writer import LeRobotShardWriter
from syngrasp.exporters.validate import validate
from syngrasp.generators.episode import EpisodeGenerator

from .conftest import TINY

pytestmark = pytest.mark.sim


def _cameras(ep):
    return {c: ep.frames[f"observation.images.{c}"].shape[1:3] for c in ep.camera_names}


def _episode(name):
    """A recorded episode of robot ``name`` (failures kept, so the first planned grasp will do)."""
    cfg = load_config(None, TINY + [f"rollout.robot={name}", "rollout.keep_failures=true"], seed=3, episodes=8)
    gen = EpisodeGenerator(cfg)
    for idx in range(8):
        res = gen.generate(cfg.seed, idx)
        if res.episode is not None:
            return res.episode
    pytest.fail(f"{name}: no recorded episode in 8 indices of seed 3")


@pytest.mark.parametrize("name", available_robots())
def test_schema_shapes_follow_the_robot(name):
    ep = _episode(name)
    robot = load_robot(name)
    keys = schema.frame_keys(robot.n_arm, _cameras(ep), {})
    assert {k.name for k in keys} == set(ep.frames)
    T = ep.num_frames
    for k in keys:
        arr = ep.frames[k.name]
        assert arr.shape == (T, *k.shape), k.name
        assert str(arr.dtype) == k.dtype, k.name
    assert schema.check_frames(ep.frames) == []


def test_hdf5_env_args_and_schema(success_result, tiny_cfg, tmp_path):
    ep = success_result.episode
    HDF5ShardWriter(str(tmp_path), WriterConfig()).write(0, [ep], {"run_config": tiny_cfg.to_dict()})
    import h5py

    with h5py.File(tmp_path / hdf5_name(0)) as f:
        env = json.loads(f["data"].attrs["env_args"])
        declared = json.loads(f["data"].attrs["schema"])
    assert env["env_name"] == "syngrasp" and isinstance(env["type"], int)
    assert env["env_kwargs"]["robot"] == tiny_cfg.rollout.robot
    assert env["env_kwargs"]["control_freq"] == ep.meta["fps"]
    assert env["env_kwargs"]["cameras"] == {c: list(hw) for c, hw in _cameras(ep).items()}
    assert {k["key"]: k["shape"] for k in declared["frame_keys"]} == {k: list(v.shape[1:]) for k, v in ep.frames.items()}
    assert validate(str(tmp_path)) == []


def test_lerobot_features_come_from_the_schema(success_result, tiny_cfg, tmp_path):
    ep = success_result.episode
    robot = load_robot(tiny_cfg.rollout.robot)
    for mode in ("ee_delta", "joint"):
        out = tmp_path / mode
        opts = dataclasses.replace(WriterConfig(), action=mode)
        # the writer records the robot the run config names; finalize reads it from the shard
        LeRobotShardWriter(str(out), opts).write(0, [ep], {"shard_index": 0, "run_config": tiny_cfg.to_dict()})
        info = finalize_lerobot(str(out), [0], opts).info
        assert info["robot_type"] == robot.name
        low = {k: v for k, v in info["features"].items() if v["dtype"] != "video" and k not in INDEX_FEATURES}
        assert low == schema.lerobot_features(robot.n_arm, _cameras(ep), {}, robot.feature_names(), mode)
        assert info["features"]["action"]["shape"] == ([7] if mode == "ee_delta" else [robot.n_arm + 1])
        card = (out / "README.md").read_text()
        assert "| `observation.state` | float32 | [%d] |" % (robot.n_arm + 1) in card


def test_validate_names_a_wrong_shaped_key(success_result, tmp_path):
    ep = success_result.episode
    frames = dict(ep.frames)
    frames["annotation.object_pose"] = np.zeros((ep.num_frames, 6), np.float32)
    frames["observation.mystery"] = np.zeros((ep.num_frames, 2), np.float32)
    HDF5ShardWriter(str(tmp_path), WriterConfig()).write(0, [Episode(frames, ep.cameras, dict(ep.meta))], {})
    problems = validate(str(tmp_path))
    assert any("annotation.object_pose" in p and "(6,)" in p and "(7,)" in p for p in problems), problems
    assert any("observation.mystery" in p and "not a declared" in p for p in problems), problems
