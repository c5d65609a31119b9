import pytest

from syngrasp.assets import asset_sources, build_catalog, load_robot
from syngrasp.assets.robot import available_robots
from syngrasp.assets.meshes import load_mesh
from syngrasp.core.errors import AssetError, ConfigError


@pytest.mark.parametrize("name", asset_sources())
def test_every_source_loads_valid_meshes(name):
    cat = build_catalog((name,))
    assert len(cat) > 0
    for obj in cat.objects[:: max(1, len(cat) // 10)]:
        m = load_mesh(obj.collision_mesh, obj.mesh_scale)
        assert m.convex_hull.volume > 0


def test_pybullet_random_has_1000_objects():
    assert len(build_catalog(("pybullet_random",))) == 1000


def test_unknown_source_named():
    with pytest.raises(ConfigError, match="nope"):
        build_catalog(("nope",))


def test_broken_and_missing_meshes_name_the_file(tmp_path):
    bad = tmp_path / "broken.obj"
    bad.write_text("v 0 0 0\nv nan 0 0\nv 0 1 0\nf 1 2 3\n")
    with pytest.raises(AssetError, match="broken.obj"):
        load_mesh(str(bad))
    flat = tmp_path / "flat.obj"
    flat.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nf 1 2 3\nf 2 4 3\n")
    with pytest.raises(AssetError, match="flat.obj"):
        load_mesh(str(flat))
    with pytest.raises(AssetError, match="missing.obj"):
        load_mesh(str(tmp_path / "missing.obj"))


def test_robot_spec_is_consistent():
    for name in available_robots():
        r = load_robot(name)
        assert len(r.home_qpos) == len(r.arm_joints) == len(r.max_joint_velocity) == r.n_arm
    with pytest.raises(ConfigError, match="unknown robot 'no_such_robot'; available: panda"):
        load_robot("no_such_robot")
