"""rollout.trim_idle: the written episode loses its idle close and hold frames, nothing else."""

import dataclasses

import numpy as np
import pytest

from syngrasp.app.config import load_config
from syngrasp.generators.episode import EpisodeGenerator

from .conftest import TINY

pytestmark = pytest.mark.sim


def test_trim_idle_drops_idle_frames_only(success_result, tiny_cfg):
    # the classic engine draws each state the same whatever it drew before, so kept frames are the
    # full episode's bytes; Filament's temporal dithering follows the frame count (README "Determinism")
    classic = ["render.preset=balanced"]
    full = EpisodeGenerator(load_config(None, TINY + classic, seed=tiny_cfg.seed, episodes=tiny_cfg.episodes)).generate(
        tiny_cfg.seed, success_result.episode_index).episode
    cfg = load_config(None, TINY + classic + ["rollout.trim_idle=true"], seed=tiny_cfg.seed, episodes=tiny_cfg.episodes)
    res = EpisodeGenerator(cfg).generate(cfg.seed, success_result.episode_index)
    assert res.success and res.attempts == success_result.attempts
    ep = res.episode
    a, b = full.frames["observation.state"], ep.frames["observation.state"]
    n_hold = int(np.ceil(cfg.motion.hold_time * cfg.motion.control_hz))
    assert len(b) < len(a) - (n_hold - 1) + 1
    # the kept frames are the full episode's frames, in order, images included
    idx, j = [], 0
    for row in b:
        while not np.array_equal(a[j], row):
            j += 1
        idx.append(j)
        j += 1
    idx = np.array(idx)
    for key in ("observation.images.front", "observation.ee_pose", "annotation.object_pose"):
        np.testing.assert_array_equal(ep.frames[key], full.frames[key][idx])
    # the hold's last n_hold - 1 frames are gone; the episode ends on the first hold frame
    assert idx[-1] == len(a) - n_hold
    # every dropped frame is idle: its joint targets are those of the kept frame before it (target at
    # frame t = action.joint[t - 1]) and the fingers moved less than 0.5 mm per frame
    dropped = np.setdiff1d(np.arange(len(a)), idx)
    assert len(dropped) >= n_hold
    prev = np.array([idx[idx < d].max() for d in dropped])
    target = full.frames["action.joint"]
    np.testing.assert_array_equal(target[dropped - 1], target[prev - 1])
    assert np.abs(a[dropped, -1] - a[dropped - 1, -1]).max() < 5e-4
    # actions go from one written frame to the next
    ee = ep.frames["observation.ee_pose"]
    np.testing.assert_allclose(ep.frames["action"][:-1, :3], ee[1:, :3] - ee[:-1, :3], atol=1e-6)
    np.testing.assert_array_equal(ep.frames["action.joint"][:-1, -1], full.frames["action.joint"][idx[:-1], -1])
    assert dataclasses.asdict(cfg.rollout)["trim_idle"] is True
