"""Shared fixtures: a tiny 64x64 config and one real, successful episode (found, not hard-coded)."""

import os

os.environ.setdefault("MUJOCO_GL", "egl")

import pytest  # noqa: E402

from syngrasp.app.config import load_config  # noqa: E402
from syngrasp.generators.episode import EpisodeGenerator  # noqa: E402

# Run-level tests exercise the machinery (drivers, resume, writers) with the classic engine, the cheaper
# one; tests/test_filament.py runs the default Filament engine end to end, across executors.
TINY = ["scene.image_size=[64,64]", "scene.objects.num_distractors=[0,2]", "render.preset=balanced"]


@pytest.fixture(scope="session")
def tiny_cfg():
    return load_config(None, TINY, seed=7, episodes=4)


@pytest.fixture(scope="session")
def generator(tiny_cfg):
    return EpisodeGenerator(tiny_cfg)


@pytest.fixture(scope="session")
def success_result(generator, tiny_cfg):
    """The first successful episode of run seed 7 (searches at most 10 indices)."""
    for idx in range(10):
        res = generator.generate(tiny_cfg.seed, idx)
        if res.success:
            return res
    pytest.fail("no successful episode in the first 10 indices of seed 7")
