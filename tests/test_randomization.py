"""Scene samplers: deterministic, inside their ranges, constant when switched off. No simulator."""

import hashlib

import numpy as np
import pytest
from PIL import Image

from syngrasp.assets import build_catalog, load_robot
from syngrasp.app.cli import main
from syngrasp.app.config import load_config
from syngrasp.core.errors import ConfigError
from syngrasp.core.geometry import quat_to_mat
from syngrasp.core.rng import episode_rng
from syngrasp.randomization.config import TEXTURE_FAMILIES, TexturesConfig
from syngrasp.randomization.scene import sample_scene
from syngrasp.core.scene import SceneSpec, TextureSpec
from syngrasp.randomization.textures import BACKGROUND_SEED_BASE, TABLE_SEED_BASE, sample_texture, texture_image

SEEDS = range(25)


@pytest.fixture(scope="module")
def world():
    return build_catalog(("pybullet_random", "pybullet_named")), load_robot("panda")


def _scenes(world, overrides=(), seeds=SEEDS):
    """Scenes of the wild randomization (the dimensions these tests switch; tests/test_appearance.py
    covers realistic scenes)."""
    cfg = load_config(None, ["scene.appearance.realistic_share=0", *overrides], seed=0, episodes=1)
    catalog, robot = world
    return cfg, [sample_scene(cfg.scene, catalog, robot, episode_rng(3, i)) for i in seeds]


def test_same_seed_same_scene(world):
    _, a = _scenes(world, seeds=range(5))
    _, b = _scenes(world, seeds=range(5))
    assert [s.to_json() for s in a] == [s.to_json() for s in b]
    assert len({s.to_json() for s in a}) == 5


def test_scene_json_round_trip(world):
    _, scenes = _scenes(world, seeds=range(5))
    for s in scenes:
        back = SceneSpec.from_json(s.to_json())
        assert back == s


def test_samples_respect_ranges(world):
    cfg, scenes = _scenes(world)
    sc = cfg.scene
    for s in scenes:
        assert sc.table.height[0] <= s.table.top_z <= sc.table.height[1]
        assert sc.table.size_x[0] <= s.table.size[0] <= sc.table.size_x[1]
        assert sc.lighting.count[0] <= len(s.lights) <= sc.lighting.count[1]
        assert all(li.type in sc.lighting.types for li in s.lights)
        assert all(max(li.diffuse) <= sc.lighting.intensity[1] + 1e-9 for li in s.lights)
        assert sc.lighting.ambient[0] - 1e-9 <= max(s.ambient) <= sc.lighting.ambient[1] + 1e-9
        assert 1 + sc.objects.num_distractors[0] <= len(s.objects) <= 1 + sc.objects.num_distractors[1]
        for o in s.objects:
            assert sc.objects.spawn_x[0] <= o.pos[0] <= sc.objects.spawn_x[1]
            assert sc.materials.specular[0] <= o.material.specular <= sc.materials.specular[1]
        # every object is told apart: a distinct colour, or its own look and a category of its own
        drawn = [o for o in s.objects if o.appearance == "random"]
        assert len({o.color_name for o in drawn}) == len(drawn) and all(o.color_name for o in drawn)
        for o in s.objects:
            if o.appearance == "own":
                assert o.color_name == "" and [p.category for p in s.objects].count(o.category) == 1
        for cam, nominal in zip(s.cameras, sc.cameras):
            nom = np.asarray(nominal.pos) + [0, 0, s.table.top_z]
            assert np.linalg.norm(np.asarray(cam.pos) - nom) <= sc.camera_jitter.pos_radius + 1e-9
            assert nominal.fovy + sc.camera_jitter.fovy_delta[0] - 1e-9 <= cam.fovy <= nominal.fovy + sc.camera_jitter.fovy_delta[1] + 1e-9
            # the jittered camera still looks within sqrt(3) * rot_deg of its look-at point
            fwd = -quat_to_mat(cam.quat)[:, 2]
            want = np.asarray(nominal.lookat) + [0, 0, s.table.top_z] - np.asarray(cam.pos)
            ang = np.degrees(np.arccos(np.clip(fwd @ want / np.linalg.norm(want), -1, 1)))
            assert ang <= np.sqrt(3) * sc.camera_jitter.rot_deg + 1e-6
        q = np.asarray(s.robot_start_qpos)
        assert np.all(np.abs(q - np.asarray(world[1].home_qpos)) <= world[1].start_noise + 1e-9)
        for tex in [s.table.material.texture, s.background.floor.texture]:
            assert tex is not None and tex.family in TEXTURE_FAMILIES


def _part(scene: SceneSpec, dim: str):
    """The part of a scene a dimension controls."""
    return {
        "table": lambda s: (s.table.top_z, s.table.size),
        "lighting": lambda s: (s.lights, s.ambient),
        "textures": lambda s: (s.table.material.texture, s.background.floor.texture, [w.material.texture for w in s.background.walls]),
        "materials": lambda s: (s.objects[0].material.specular, s.table.material.shininess, s.robot_shade),
        "background": lambda s: s.background,
        "camera_jitter": lambda s: [(c.pos, c.quat, c.fovy) for c in s.cameras],
        "robot_start": lambda s: s.robot_start_qpos,
        "objects": lambda s: [(o.asset_id, o.scale, o.pos, o.quat, o.mass) for o in s.objects],
    }[dim](scene)


DIMS = ["table", "lighting", "textures", "materials", "background", "camera_jitter", "robot_start", "objects"]


@pytest.mark.parametrize("dim", DIMS)
def test_disabled_dimension_is_constant(world, dim):
    over = [f"scene.{dim}.enabled=false"]
    if dim != "table":
        over.append("scene.table.enabled=false")  # cameras, lights and drop heights follow the table height
    _, on = _scenes(world, seeds=range(8))
    _, off = _scenes(world, over, seeds=range(8))
    assert len({repr(_part(s, dim)) for s in on}) > 1, f"{dim} does not vary when enabled"
    assert len({repr(_part(s, dim)) for s in off}) == 1, f"{dim} varies when disabled"


@pytest.mark.parametrize("dim", ["textures", "materials", "lighting"])
def test_disabling_one_dimension_leaves_others(world, dim):
    _, on = _scenes(world, seeds=range(6))
    _, off = _scenes(world, [f"scene.{dim}.enabled=false"], seeds=range(6))
    for a, b in zip(on, off):
        assert a.table.top_z == b.table.top_z
        assert a.cameras == b.cameras
        assert [o.asset_id for o in a.objects] == [o.asset_id for o in b.objects]
        assert [o.pos for o in a.objects] == [o.pos for o in b.objects]


def test_texture_libraries_are_large_and_distinct():
    cfg = TexturesConfig()
    fams = cfg.families

    def digest(seed_base, n):
        return {hashlib.sha1(texture_image(TextureSpec(fams[i % len(fams)], seed_base + i), 16).tobytes()).hexdigest() for i in range(n)}

    assert len(digest(TABLE_SEED_BASE, cfg.table_library)) >= 1000
    assert len(digest(BACKGROUND_SEED_BASE, cfg.background_library)) >= 1200


def test_textures_are_deterministic():
    for fam in TEXTURE_FAMILIES:
        a = texture_image(TextureSpec(fam, 42), 32)
        texture_image.cache_clear()
        b = texture_image(TextureSpec(fam, 42), 32)
        assert a.shape == (32, 32, 3) and a.dtype == np.uint8
        np.testing.assert_array_equal(a, b)


def test_texture_folder(tmp_path):
    for i, c in enumerate([(255, 0, 0), (0, 0, 255)]):
        Image.new("RGB", (20, 10), c).save(tmp_path / f"t{i}.png")
    cfg = TexturesConfig(folder=str(tmp_path), folder_prob=1.0)
    tex = sample_texture(cfg, "table", np.random.default_rng(0))
    assert tex.family == "file" and tex.file.endswith(".png")
    img = texture_image(tex, 8)
    assert img.shape == (8, 8, 3) and len(np.unique(img.reshape(-1, 3), axis=0)) == 1


@pytest.mark.parametrize(
    "override,key",
    [
        ("scene.table.height=[0.2,-0.1]", "scene.table.height"),
        ("scene.textures.families=[plaid]", "scene.textures.families"),
        ("scene.textures.folder=/no/such/folder", "scene.textures.folder"),
        ("scene.lighting.types=[laser]", "scene.lighting.types"),
        ("scene.lighting.count=[3,1]", "scene.lighting.count"),
    ],
)
def test_bad_randomization_config_names_key(override, key, capsys, tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(None, [override], seed=0, episodes=1)
    assert e.value.key == key
    assert main(["generate", "--out", str(tmp_path / "o"), "--episodes", "1", "--seed", "0", override]) == 2
    assert key in capsys.readouterr().err


@pytest.mark.parametrize("family", ["checker", "stripes", "tiles"])
def test_hard_edged_textures_are_antialiased_and_tile(family):
    """Each texel is the pattern box-filtered over its footprint: over 8 seeds it matches an
    8x8-supersampled rendering of the same pattern far better than point sampling does (point
    sampling is what draws staircases)."""
    from syngrasp.randomization.textures import _FAMILIES

    n, k = 60, 8  # 60 texels: cell edges of most patterns fall inside texels
    err_aa = err_point = 0.0
    for seed in range(8):
        fine = _FAMILIES[family](np.random.default_rng(seed), n * k).astype(np.float64)
        reference = fine.reshape(n, k, n, k, 3).mean(axis=(1, 3))
        texels = _FAMILIES[family](np.random.default_rng(seed), n).astype(np.float64)
        err_aa += np.abs(texels - reference).mean()
        err_point += np.abs(fine[k // 2 :: k, k // 2 :: k] - reference).mean()
        # seamless when repeated: the wrap-around step is no larger than steps inside the texture
        # (a quarter of slack: the tile that meets the wrap may differ most from the grout)
        for axis in (0, 1):
            inner = np.abs(np.diff(texels, axis=axis)).max()
            wrap = np.abs(np.take(texels, 0, axis=axis) - np.take(texels, -1, axis=axis)).max()
            assert wrap <= 1.25 * inner + 1e-6, (seed, axis)
    assert err_point > 0.01
    assert err_aa < 0.2 * err_point, (err_aa, err_point)
