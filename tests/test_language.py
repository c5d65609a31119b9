"""Varied instructions: seeded, and naming the target uniquely over many sampled scenes."""

import dataclasses

import numpy as np
import pytest

from syngrasp.assets import build_catalog, load_robot
from syngrasp.assets.meshes import object_geometry
from syngrasp.app.config import load_config
from syngrasp.core.geometry import quat_to_mat
from syngrasp.core.rng import episode_rng
from syngrasp.randomization.language import SIZE_WORDS, VERBS, describe_target, subtask_texts
from syngrasp.randomization.scene import sample_scene


@pytest.fixture(scope="module")
def world():
    cfg = load_config(None, ["scene.objects.num_distractors=[2,5]"], seed=3, episodes=1)
    return cfg, build_catalog(cfg.scene.asset_sources), load_robot(cfg.rollout.robot)


def _front(scene):
    """Base -> OpenCV camera (4, 4) of the scene's first camera, from its CameraSpec."""
    c = scene.cameras[0]
    R = quat_to_mat(c.quat) @ np.diag([1.0, -1.0, -1.0])
    T = np.eye(4)
    T[:3, :3] = R.T
    T[:3, 3] = -R.T @ np.asarray(c.pos)
    return T


def _fits(scene, i, d, pos, sizes, T):
    """Whether object i could be what the phrase describes (written here, independent of the module)."""
    o, tgt = scene.objects[i], scene.target
    if o.category != tgt.category or i == d.anchor:
        return False
    if "colour" in d.attributes and o.color_name != tgt.color_name:
        return False
    if "size" in d.attributes:
        peers = [sizes[j] for j, x in enumerate(scene.objects) if j != i and x.category == o.category]
        word = next(k for k, v in SIZE_WORDS.items() if any(f" {w} " in f" {d.phrase} " for w in v))
        smallest, largest = all(sizes[i] < s for s in peers), all(sizes[i] > s for s in peers)
        if not (smallest if word == "small" else largest):
            return False
    if d.relation:
        # camera axes on the table plane; image x grows to the right, depth away from the camera
        right = T[0, :3] * [1, 1, 0]
        fwd = T[2, :3] * [1, 1, 0]
        off = pos[i] - pos[d.anchor]
        dx, dz = off @ right / np.linalg.norm(right), off @ fwd / np.linalg.norm(fwd)
        if not {"left of": dx < 0, "right of": dx > 0, "in front of": dz < 0, "behind": dz > 0}[d.relation]:
            return False
    return True


def test_instructions_name_the_target_uniquely_over_many_scenes(world):
    cfg, catalog, robot = world
    relational = templates = 0
    seen = set()
    for idx in range(150):
        scene = sample_scene(cfg.scene, catalog, robot, episode_rng(11, idx))
        pos = np.array([o.pos for o in scene.objects])
        sizes = np.array([max(object_geometry(catalog.by_id(o.asset_id), tuple(o.scale)).visual.extents)
                          for o in scene.objects])
        T = _front(scene)
        d = describe_target(scene, pos, sizes, T, np.random.default_rng(idx))
        assert d.unique
        assert d.verb in VERBS and d.phrase in d.text
        others = [i for i in range(len(scene.objects)) if i != scene.target_index]
        assert not [i for i in others if _fits(scene, i, d, pos, sizes, T)], d.text
        assert _fits(scene, scene.target_index, d, pos, sizes, T)
        relational += bool(d.relation)
        seen.add(d.text)
        templates |= 1 << d.template
        assert subtask_texts(d)[0] == f"move to the {d.phrase}"
    assert relational > 10 and len(seen) > 100 and bin(templates).count("1") >= 5


def test_same_seed_same_instruction(world):
    cfg, catalog, robot = world
    scene = sample_scene(cfg.scene, catalog, robot, episode_rng(11, 0))
    pos = np.array([o.pos for o in scene.objects])
    sizes = np.ones(len(scene.objects))
    a = describe_target(scene, pos, sizes, _front(scene), np.random.default_rng(5))
    b = describe_target(scene, pos, sizes, _front(scene), np.random.default_rng(5))
    assert a == b


def test_objects_without_a_colour_name_are_told_apart_without_colour(world):
    """Two same-category objects keeping their own appearance (colour_name "") need a size word or a relation."""
    cfg, catalog, robot = world
    for idx in range(40):
        scene = sample_scene(cfg.scene, catalog, robot, episode_rng(13, idx))
        if len(scene.objects) < 3:
            continue
        tgt = scene.target
        objs = list(scene.objects)
        objs = [dataclasses.replace(o, color_name="") for o in objs]
        j = 1 if scene.target_index != 1 else 2
        objs[j] = dataclasses.replace(objs[j], category=tgt.category)
        twin = dataclasses.replace(scene, objects=tuple(objs))
        pos = np.array([o.pos for o in twin.objects])
        sizes = np.ones(len(objs))  # equal sizes: no size word can tell them apart
        T = _front(twin)
        d = describe_target(twin, pos, sizes, T, np.random.default_rng(idx))
        assert "colour" not in d.attributes
        if d.unique:
            assert d.relation, d.text
            assert not _fits(twin, j, d, pos, sizes, T)
        else:  # the twins are too close to each other for any relation to be clear
            assert not d.relation
