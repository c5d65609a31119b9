"""Every registered robot runs through the same code: its spec matches its model, its gripper
width curve matches its kinematics, and a generated dataset succeeds with the robot's shapes and names."""

import dataclasses
import json
import os

import numpy as np
import pytest

from syngrasp.assets.robot import available_robots, find_robot, load_robot
from syngrasp.cluster.local import generate_local
from syngrasp.app.cli import main
from syngrasp.app.config import load_config
from syngrasp.core.errors import ConfigError
from syngrasp.generators.mujoco_backend import robot_check as rc
from syngrasp.randomization.config import SceneConfig

from .conftest import TINY

ROBOTS = available_robots()


def _robot_model(name: str, **changes) -> rc.RobotModel:
    """Robot ``name``'s compiled MJCF with its spec, optionally with spec fields replaced."""
    r = dataclasses.replace(load_robot(name), **changes)
    return rc.load_robot_model(r, os.path.join(find_robot(name), "robot.json"))


def test_more_than_one_robot_is_registered():
    assert "panda" in ROBOTS and len(ROBOTS) >= 2


def test_robots_command_lists_every_robot(capsys):
    assert main(["robots", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == ROBOTS
    for row in rows:
        r = load_robot(row["name"])
        assert row["arm_dof"] == r.n_arm
        assert row["gripper_stroke_m"] == pytest.approx(r.gripper_stroke, abs=1e-4)


def test_spec_length_mismatch_names_the_key():
    r = load_robot(ROBOTS[0])
    with pytest.raises(ConfigError, match="home_qpos"):
        dataclasses.replace(r, home_qpos=r.home_qpos[:-1])


# The same checks as `syngrasp robots check NAME` (generators/mujoco_backend/robot_check.py), per robot.
@pytest.mark.parametrize("name", ROBOTS)
def test_spec_matches_model(name):
    res = rc.check_spec(_robot_model(name))
    assert res.ok, res.text()


@pytest.mark.parametrize("name", ROBOTS)
def test_width_curve_matches_kinematics(name):
    """The spec's width at a command equals the distance between the finger bodies' collision geoms."""
    res = rc.check_width_curve(_robot_model(name))
    assert res.ok, res.text()
    rows = np.array(res.details["command_spec_measured_m"])
    assert len(rows) == rc.CURVE_SAMPLES and np.ptp(rows[:, 2]) > 0.03  # the fingers really moved


@pytest.mark.parametrize("name", ROBOTS)
def test_grasp_site_is_between_the_pads(name):
    res = rc.check_grasp_site(_robot_model(name))
    assert res.ok, res.text()


@pytest.mark.parametrize("name", ROBOTS)
def test_home_pose_is_over_the_table_and_in_view(name):
    res = rc.check_home_view(_robot_model(name), SceneConfig())
    assert res.ok, res.text()


@pytest.mark.parametrize("name", ROBOTS)
def test_no_self_collision_at_home(name):
    res = rc.check_self_collision(_robot_model(name))
    assert res.ok, res.text()


def test_wrong_facts_are_named_with_measured_values_and_fix():
    """Each check fails on a corrupted spec, naming the key, the numbers and the fix."""
    r = load_robot("panda")
    wide = tuple((u, 1.3 * w) for u, w in r.gripper_width_curve)
    res = rc.check_width_curve(_robot_model("panda", gripper_width_curve=wide))
    assert not res.ok and res.findings[0].key == "gripper_width_curve"
    assert "at command 0.04 says 104.0 mm, the finger geoms are 79.8 mm apart" in res.findings[-1].message
    assert "robot.json" in res.findings[0].message
    spec = rc.check_spec(_robot_model("panda", gripper_width_curve=wide, home_qpos=(0.0, -0.785, 0.0, 0.5, 0.0, 1.571, 0.785)))
    keys = {f.key for f in spec.findings}
    assert {"gripper_max_width", "home_qpos[3]"} <= keys, spec.text()
    assert "joint 'joint4' range" in spec.text()
    missing = rc.check_spec(_robot_model("panda", ee_site="no_such_site"))
    assert any(f.key == "ee_site" and "site 'no_such_site'" in f.message for f in missing.findings)
    low = rc.check_home_view(_robot_model("panda", home_qpos=(0.0, 1.6, 0.0, -0.3, 0.0, 1.571, 0.785)), SceneConfig())
    assert not low.ok and "not above the highest table top (0.200 m, scene.table.height)" in low.text()
    behind = rc.check_home_view(_robot_model("panda", home_qpos=(2.8, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785)),
                                SceneConfig())
    assert "not over the table" in behind.text() and "outside the image" in behind.text()
    bent = rc.check_self_collision(_robot_model("panda", home_qpos=(0.0, -0.785, 0.0, -2.356, 0.0, 0.0, 0.785)))
    assert [f.message.split(":")[0] for f in bent.findings] == [
        "MJCF bodies 'link5' and 'link7' overlap 5.6 mm at home_qpos with the gripper open and closed"]
    assert rc.check_run({"episodes": 4, "successes": 0, "errors": 0, "failures": {"ik_failed": 4}}).findings[0].message \
        .startswith("0 of 4 episodes succeeded (failures: ik_failed x4)")


@pytest.mark.sim
@pytest.mark.parametrize("name", ROBOTS)
def test_generated_dataset_follows_the_robot(name, tmp_path):
    """A tiny run succeeds at least once in a handful of episodes; state, action.joint and the
    LeRobot feature names have the robot's size and names."""
    r = load_robot(name)
    cfg = load_config(None, TINY + [f"rollout.robot={name}", "writer.format=both", "writer.shard_size=6"],
                      seed=3, episodes=6)
    manifest = generate_local(cfg, str(tmp_path), progress=False)
    run = rc.check_run(manifest)
    assert run.ok, run.text()
    info = json.loads((tmp_path / "meta/info.json").read_text())
    assert info["robot_type"] == name
    for key, names in r.feature_names().items():
        assert info["features"][key]["shape"] == [r.n_arm + 1]
        assert info["features"][key]["names"] == names

    from syngrasp.exporters.formats.hdf5.reader import read_episode, shard_episode_indices

    shard = str(tmp_path / "shard-000000.hdf5")
    idx = shard_episode_indices(shard)
    assert len(idx) == manifest["successes"]
    m = _robot_model(name).model
    lims = np.array([m.jnt_range[m.joint(j).id] for j in r.arm_joints])
    for i in idx:
        ep = read_episode(shard, i)
        state, joint = ep.frames["observation.state"], ep.frames["action.joint"]
        assert state.shape == joint.shape == (ep.num_frames, r.n_arm + 1)
        assert np.all(state[:, : r.n_arm] >= lims[:, 0] - 1e-3) and np.all(state[:, : r.n_arm] <= lims[:, 1] + 1e-3)
        # open at the start, closed on the object (neither fully open nor fully shut) at the end
        assert state[0, -1] == pytest.approx(r.gripper_max_width, abs=0.002)
        assert 0.003 < state[-1, -1] < r.gripper_max_width - 0.003
        assert set(np.unique(joint[:, -1])) == {0.0, 1.0}
