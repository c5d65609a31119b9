"""The appearance distribution: realistic and wild scenes, their materials and light, and the environment's direction."""

import dataclasses

import mujoco
import numpy as np
import pytest

from syngrasp.app.config import load_config
from syngrasp.assets import build_catalog, load_robot
from syngrasp.core.rng import episode_rng
from syngrasp.generators.mujoco_backend.materials import add_environment
from syngrasp.randomization.pbr import category_materials, family_params
from syngrasp.randomization.scene import redraw_view, sample_scene
from syngrasp.core.scene import EnvironmentSpec, SceneSpec

from .test_environment import write_hdr


def _scenes(share: float, n: int, seed: int = 5, extra=()):
    cfg = load_config(None, [f"scene.appearance.realistic_share={share}", *extra], seed=seed, episodes=n)
    catalog, robot = build_catalog(cfg.scene.asset_sources), load_robot(cfg.rollout.robot)
    return cfg, [sample_scene(cfg.scene, catalog, robot, episode_rng(seed, i)) for i in range(n)]


def _surfaces(scene: SceneSpec):
    return [scene.table.material, scene.background.floor, *(w.material for w in scene.background.walls)]


def test_realistic_share_chooses_the_look():
    cfg, wild = _scenes(0.0, 12)
    _, real = _scenes(1.0, 12)
    _, mixed = _scenes(0.5, 60)
    assert {s.appearance for s in wild} == {"wild"} and {s.appearance for s in real} == {"realistic"}
    n = sum(s.appearance == "realistic" for s in mixed)
    assert 16 <= n <= 44  # binomial(60, 0.5): outside this range with probability < 1e-3
    app = cfg.scene.appearance
    for s in real:
        assert s.table.material.texture.family in app.table
        assert s.background.floor.texture.family in app.floor
        assert all(w.material.texture.family in app.walls for w in s.background.walls)
        assert all(m.texture.pbr and m.physical and 0 <= m.roughness <= 1 and 0 <= m.metallic <= 1 for m in _surfaces(s))
        assert s.environment is not None and s.environment.kind in app.environments and s.environment.intensity > 0
        assert all(li.intensity > 0 for li in s.lights) and s.lights[0].castshadow
        assert s.background.sky is None  # the environment is the sky
    for s in wild:
        assert s.environment is None and all(li.intensity == 0 for li in s.lights)
        assert all(m.texture is None or not m.texture.pbr for m in _surfaces(s))


def test_appearance_leaves_the_geometry_alone():
    """The same index is the same scene geometry whether it is drawn realistic or wild."""
    _, wild = _scenes(0.0, 6, extra=("scene.objects.own_appearance_prob=1.0",))
    _, real = _scenes(1.0, 6)
    for a, b in zip(wild, real):
        assert [(o.asset_id, o.pos, o.quat, o.scale, o.color_name) for o in a.objects] == \
               [(o.asset_id, o.pos, o.quat, o.scale, o.color_name) for o in b.objects]
        assert a.cameras == b.cameras and a.table.size == b.table.size and a.robot_start_qpos == b.robot_start_qpos


def test_objects_wear_their_category_materials():
    _, real = _scenes(1.0, 20)
    for s in real:
        for o in s.objects:
            fams = category_materials(o.category)
            ranges = [(family_params(f, 0).roughness, family_params(f, 0).metallic) for f in fams]
            assert o.material.physical
            # the drawn roughness is one of the category's families' (seeds vary within a family's range)
            assert any(abs(o.material.metallic - m) <= 0.5 for _, m in ranges)


def test_realistic_scene_round_trips_and_repeats():
    _, a = _scenes(1.0, 3)
    _, b = _scenes(1.0, 3)
    assert a == b
    for s in a:
        assert SceneSpec.from_json(s.to_json()) == s
        assert s.camera_effects and {fx.camera for fx in s.camera_effects} <= {c.name for c in s.cameras}


def test_redraw_keeps_a_realistic_scene_realistic():
    cfg, (scene,) = _scenes(1.0, 1)
    again = redraw_view(cfg.scene, scene, np.random.default_rng(3))
    assert again.appearance == "realistic" and again.environment != scene.environment
    assert again.table == scene.table and again.objects == scene.objects
    assert all(li.intensity > 0 for li in again.lights)


@pytest.mark.sim
@pytest.mark.parametrize("az,el,rotation", [(0.0, 35.0, 0.0), (120.0, 20.0, 0.0), (0.0, 35.0, 90.0)])
def test_the_skybox_shows_the_environment_where_it_is(tmp_path, az, el, rotation):
    """A bright spot at azimuth az, elevation el [deg] of an equirectangular .hdr, turned by ``rotation``
    about +z, appears to a camera looking that way in the world frame, and not to cameras looking elsewhere
    (independent of the cube conventions: azimuth is measured from +x toward +y)."""
    h, w = 64, 128
    img = np.full((h, w, 3), 0.05, np.float32)
    col = int((np.pi - np.radians(az)) / (2 * np.pi) * w) % w  # the file's own convention (README)
    row = int((np.pi / 2 - np.radians(el)) / np.pi * h)
    img[row - 2:row + 2, col - 2:col + 2] = 50.0
    write_hdr(tmp_path / "spot.hdr", img, rle=False)
    spec = mujoco.MjSpec()
    spec.visual.global_.offwidth = spec.visual.global_.offheight = 32
    add_environment(spec, EnvironmentSpec("file", 0, 1000.0, rotation, str(tmp_path / "spot.hdr")), size=32)
    world_az = np.radians(az + rotation)
    dirs = {"spot": (world_az, np.radians(el)), "behind": (world_az + np.pi, np.radians(el)),
            "side": (world_az + np.pi / 2, 0.0), "down": (0.0, -np.pi / 2 + 0.01)}
    for name, (a, e) in dirs.items():
        d = np.array([np.cos(e) * np.cos(a), np.cos(e) * np.sin(a), np.sin(e)])
        x = np.cross(d, [0.0, 0.0, 1.0]) if abs(d[2]) < 0.99 else np.array([1.0, 0.0, 0.0])
        x /= np.linalg.norm(x)
        y = np.cross(-d, x)  # camera looks along -z = d
        spec.worldbody.add_camera(name=name, pos=[0, 0, 0], xyaxes=[*x, *y], fovy=30)
    model = spec.compile()
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    r = mujoco.Renderer(model, 32, 32)
    means = {}
    for name in dirs:
        r.update_scene(data, camera=name)
        means[name] = float(r.render()[12:20, 12:20].mean())
    r.close()
    assert means["spot"] > 200 and max(means["behind"], means["side"], means["down"]) < 100, means


def _texture_sets(root):
    """Two texture sets named as CC0 libraries name them, a folder without a colour map, a stray file."""
    from PIL import Image

    oak = root / "oak_planks"
    oak.mkdir(parents=True)
    Image.new("RGB", (32, 32), (200, 100, 50)).save(oak / "oak_planks_Color_1K.png")
    normal = np.zeros((32, 32, 3), np.uint8) + [128, 60, 230]  # leans toward -y in DirectX, +y in OpenGL
    Image.fromarray(normal.astype(np.uint8)).save(oak / "oak_planks_NormalDX_1K.png")
    Image.new("L", (32, 32), 77).save(oak / "oak_planks_Roughness_1K.png")
    steel = root / "brushed_metal"
    steel.mkdir()
    Image.new("RGB", (16, 16), (150, 150, 160)).save(steel / "brushed_metal_basecolor.png")
    Image.new("RGB", (16, 16), (255, 90, 250)).save(steel / "brushed_metal_arm.png")
    (root / "empty").mkdir()
    (root / "notes.txt").write_text("not a material")


def test_material_folder_maps_and_sampling(tmp_path):
    from syngrasp.randomization.pbr_files import load_material_folder, material_folders

    _texture_sets(tmp_path / "mats")
    folders = material_folders(str(tmp_path / "mats"))
    assert [f.rsplit("/", 1)[1] for f in folders] == ["brushed_metal", "oak_planks"]
    oak = load_material_folder(folders[1], 16)
    assert oak.albedo.reshape(-1, 3).mean(0).round().tolist() == [200, 100, 50]
    assert oak.normal[0, 0].tolist() == [128, 255 - 60, 230]  # DirectX green flipped to OpenGL
    assert oak.orm[0, 0].tolist() == [255, 77, 0] and abs(oak.params.roughness - 77 / 255) < 1e-6
    steel = load_material_folder(folders[0], 16)
    assert steel.orm[0, 0].tolist() == [255, 90, 250] and steel.params.metallic > 0.9
    assert steel.normal[0, 0].tolist() == [128, 128, 255]
    cfg, scenes = _scenes(1.0, 4, extra=(f"scene.appearance.material_folder={tmp_path / 'mats'}",
                                         "scene.appearance.material_prob=1.0"))
    for s in scenes:
        for m in _surfaces(s):
            assert m.texture.family == "folder" and m.texture.file in folders and m.texture.pbr
            want = load_material_folder(m.texture.file, 64).params
            assert (m.roughness, m.metallic) == (want.roughness, want.metallic)


@pytest.mark.parametrize("override,key", [
    ("scene.appearance.material_folder=/nonexistent/mats", "scene.appearance.material_folder"),
    ("scene.appearance.material_prob=0.5", "scene.appearance.material_prob"),
    ("scene.appearance.hdri_prob=0.5", "scene.appearance.hdri_prob"),
    ("scene.appearance.hdri_folder=/", "scene.appearance.hdri_folder"),
    ("scene.appearance.realistic_share=1.5", "scene.appearance.realistic_share"),
    ("scene.appearance.table=[velvet]", "scene.appearance.table"),
])
def test_bad_appearance_config_names_the_key(override, key):
    from syngrasp.core.errors import ConfigError

    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(None, [override], seed=0, episodes=1)
