"""Settled scenes are physically plausible, and a stored SceneSpec rebuilds the same images."""

import numpy as np
import pytest

from syngrasp.app.config import load_config
from syngrasp.core.rng import episode_rng
from syngrasp.generators.mujoco_backend.camera import CameraRig
from syngrasp.generators.episode import EpisodeGenerator
from syngrasp.randomization.scene import sample_scene
from syngrasp.core.scene import SceneSpec

pytestmark = pytest.mark.sim

MAX_PENETRATION = 0.002  # m


@pytest.fixture(scope="module")
def cluttered():
    cfg = load_config(None, ["scene.image_size=[64,64]", "scene.objects.num_distractors=[4,4]"], seed=0, episodes=1)
    return cfg, EpisodeGenerator(cfg)


@pytest.mark.parametrize("index", range(6))
def test_settled_objects_rest_on_something_without_penetrating(cluttered, index):
    cfg, gen = cluttered
    scene = sample_scene(cfg.scene, gen.catalog, gen.robot, episode_rng(11, index))
    sim = gen.make_sim(scene)
    m, d = sim.model, sim.data
    assert sim.object_speed() < 0.05
    touching = set()
    for i in range(d.ncon):
        c = d.contact[i]
        assert c.dist > -MAX_PENETRATION, f"penetration {-c.dist * 1000:.1f} mm"
        touching.update(int(m.geom_bodyid[g]) for g in c.geom)
    for i, body in enumerate(sim.obj_bodies):
        P = sim.object_pose(i)
        lowest = float(np.min((gen.collision_points(scene, i) @ P[:3, :3].T + P[:3, 3])[:, 2]))
        assert lowest > scene.table.top_z - MAX_PENETRATION, f"obj{i} sank {scene.table.top_z - lowest:.4f} m"
        assert body in touching, f"obj{i} floats: touches nothing"


def test_rebuilt_scene_renders_identically(cluttered):
    cfg, gen = cluttered
    scene = sample_scene(cfg.scene, gen.catalog, gen.robot, episode_rng(11, 0))
    images = []
    for spec in (scene, SceneSpec.from_json(scene.to_json())):
        sim = gen.make_sim(spec)
        rig = CameraRig(sim.model, tuple(c.name for c in spec.cameras), 64, 64, cfg.render)
        images.append([rig.render(sim.data, c.name) for c in spec.cameras])
        rig.close()
    for a, b in zip(*images):
        np.testing.assert_array_equal(a, b)


def test_preview_grid_panels_differ(tmp_path):
    from PIL import Image

    from syngrasp import preview_scene

    out = tmp_path / "grid.png"
    assert preview_scene.main(["--seed", "0", "--grid", "4", "--out", str(out), "scene.image_size=[48,48]"]) == 0
    img = np.asarray(Image.open(out))
    assert img.shape[1] == 2 * 48
    panels = [img[r * 62 : r * 62 + 48, c * 48 : (c + 1) * 48].astype(int) for r in range(2) for c in range(2)]
    diffs = [np.abs(panels[i] - panels[j]).mean() for i in range(4) for j in range(i + 1, 4)]
    assert min(diffs) > 5


def test_preview_sheet_and_interactive_without_display(tmp_path, monkeypatch):
    from syngrasp import preview_scene

    out = tmp_path / "sheet.png"
    assert preview_scene.main(["--seed", "0", "--index", "1", "--out", str(out), "scene.image_size=[48,48]"]) == 0
    assert out.stat().st_size > 0
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert preview_scene.main(["--interactive"]) == 2
