"""Target visibility: pixel counts against projection, redraws recorded in the scene and replayable."""

import json

import numpy as np
import pytest

from syngrasp.app.config import load_config
from syngrasp.generators.episode import EpisodeGenerator
from syngrasp.generators.replay import replay_succeeds
from syngrasp.generators.visibility import target_views
from syngrasp.core.scene import SceneSpec

from .conftest import TINY

pytestmark = pytest.mark.sim


def test_target_pixels_lie_inside_the_projected_box(generator, tiny_cfg):
    """Segmentation pixels of the target (occlusion included) sit inside its projected-hull box,
    and never outnumber the box's area."""
    scene, sim, grasps, _ = generator.setup(tiny_cfg.seed, 0, {})
    local = generator.collision_points(scene, scene.target_index)
    rig = generator.camera_rig(sim)
    views = target_views(sim, rig, generator.backend.instance_map(sim), local, ring_px=2)
    P = sim.object_pose(scene.target_index)
    target_geoms = np.flatnonzero(sim.model.geom_bodyid == sim.target_body)
    for v in views:
        box = rig.bbox(sim.data, v.camera, local @ P[:3, :3].T + P[:3, 3])
        ys, xs = np.nonzero(np.isin(rig.segmentation(sim.data, v.camera), target_geoms))
        assert v.pixels == len(xs)
        if len(xs):
            assert xs.min() + 0.5 >= box[0] - 1 and xs.max() + 0.5 <= box[2] + 1
            assert ys.min() + 0.5 >= box[1] - 1 and ys.max() + 0.5 <= box[3] + 1
            assert v.pixels <= (box[2] - box[0] + 2) * (box[3] - box[1] + 2)
            assert v.contrast > 0.0
    rig.close()
    assert any(v.pixels > 0 for v in views)


def _first_success(gen, seed):
    for idx in range(10):
        res = gen.generate(seed, idx)
        if res.success:
            return res
    pytest.fail("no successful episode in 10 indices")


def test_redraws_are_recorded_deterministic_and_replayable():
    """An impossible box threshold forces every redraw: the final cameras and lights differ from
    the sampled ones, are stored in the SceneSpec, repeat for the same seed, and replay succeeds."""
    over = TINY + ["visibility.min_box_px=10000", "visibility.max_redraws=2", "visibility.require=false"]
    cfg = load_config(None, over, seed=7, episodes=1)
    gen = EpisodeGenerator(cfg)
    res = _first_success(gen, cfg.seed)
    assert res.visibility_redraws == 2 and res.episode.meta["visibility_redraws"] == 2
    scene = SceneSpec.from_json(res.episode.meta["scene"])
    sampled, _, _, _ = gen.setup(cfg.seed, res.episode_index, {})
    assert scene.cameras != sampled.cameras and scene.lights != sampled.lights
    assert scene.objects == sampled.objects and scene.table == sampled.table
    again = EpisodeGenerator(cfg).generate(cfg.seed, res.episode_index)
    assert again.episode.meta["scene"] == res.episode.meta["scene"]
    for k, v in res.episode.frames.items():
        np.testing.assert_array_equal(v, again.episode.frames[k], err_msg=k)
    assert replay_succeeds(gen, scene, res.episode.frames["action.joint"])


def test_invisible_targets_fail_and_redraws_are_counted(tmp_path):
    """With ``visibility.require`` an episode whose target stays invisible after every redraw
    fails as target_not_visible; the shard record counts the redraws."""
    from syngrasp.cluster.shards import Shard, run_shard

    over = TINY + ["visibility.min_box_px=10000", "visibility.max_redraws=1"]
    cfg = load_config(None, over, seed=7, episodes=2)
    rec = run_shard(cfg, str(tmp_path), Shard(0, 0, 2))
    with_grasps = 2 - rec["failures"].get("no_grasp_candidates", 0)
    assert with_grasps >= 1
    assert rec["failures"].get("target_not_visible", 0) == with_grasps and rec["episodes_written"] == []
    assert rec["visibility_redraws"] == with_grasps
    assert json.loads((tmp_path / rec["record"]).read_text())["visibility_redraws"] == with_grasps
