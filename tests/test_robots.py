"""Every registered robot runs through the same code: its spec matches its model, its gripper
width curve matches its kinematics, and a generated dataset succeeds with the robot's shapes and names."""

import dataclasses
import json
import warnings

import mujoco
import numpy as np
import pytest

from syngrasp.assets.robot import available_robots, load_robot
from syngrasp.cluster.local import generate_local
from syngrasp.app.cli import main
from syngrasp.app.config import load_config
from syngrasp.core.errors import ConfigError

from .conftest import TINY

ROBOTS = available_robots()


def _model(robot) -> mujoco.MjModel:
    """The robot's MJCF alone, compiled by MuJoCo's own mesh decoders."""
    spec = mujoco.MjSpec.from_file(robot.mjcf_path)
    spec.meshdir = robot.meshdir
    with warnings.catch_warnings():  # MuJoCo's OBJ decoder drops some of the Panda's texture coordinates
        warnings.simplefilter("ignore", UserWarning)
        return spec.compile()


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


@pytest.mark.parametrize("name", ROBOTS)
def test_spec_matches_model(name):
    r = load_robot(name)
    m = _model(r)
    assert len(r.arm_joints) == len(r.arm_actuators) == len(r.home_qpos) == len(r.max_joint_velocity) == r.n_arm
    for j, a, q in zip(r.arm_joints, r.arm_actuators, r.home_qpos):
        jid = m.joint(j).id
        assert m.jnt_range[jid, 0] <= q <= m.jnt_range[jid, 1], (j, q)
        assert m.actuator_trnid[m.actuator(a).id, 0] == jid
    lo, hi = m.actuator_ctrlrange[m.actuator(r.gripper_actuator).id]
    assert lo <= r.gripper_ctrl_open <= hi and lo <= r.gripper_ctrl_closed <= hi
    assert r.width_from_command(r.gripper_ctrl_open) == pytest.approx(r.gripper_max_width, abs=1e-4)
    assert r.width_from_command(r.gripper_ctrl_closed) < 0.005
    assert r.target_max_width < r.gripper_max_width
    assert m.site(r.ee_site).id >= 0 and m.body(r.root_body).id >= 0


@pytest.mark.parametrize("name", ROBOTS)
def test_width_curve_matches_kinematics(name):
    """The spec's width at a command equals the distance between the finger bodies' collision geoms."""
    r = load_robot(name)
    m = _model(r)
    d = mujoco.MjData(m)
    adr = [m.jnt_qposadr[m.joint(j).id] for j in r.gripper_joints]
    fingers = [m.body(b).id for b in r.finger_bodies]
    geoms = [[g for g in range(m.ngeom) if m.geom_bodyid[g] == b and m.geom_contype[g]] for b in fingers]
    assert len(fingers) == 2 and all(geoms)
    lo, hi = sorted((r.gripper_ctrl_open, r.gripper_ctrl_closed))
    for u in np.linspace(lo, hi, 7):
        d.qpos[adr] = r.finger_qpos(u)
        mujoco.mj_forward(m, d)
        gap = min(mujoco.mj_geomDistance(m, d, a, b, 0.5, None) for a in geoms[0] for b in geoms[1])
        assert gap == pytest.approx(r.width_from_command(u), abs=0.0015), (u, gap)
        assert r.command_from_qpos(d.qpos[adr]) == pytest.approx(u)


@pytest.mark.sim
@pytest.mark.parametrize("name", ROBOTS)
def test_generated_dataset_follows_the_robot(name, tmp_path):
    """A tiny run succeeds at least once in a handful of episodes; state, action.joint and the
    LeRobot feature names have the robot's size and names."""
    r = load_robot(name)
    cfg = load_config(None, TINY + [f"rollout.robot={name}", "writer.format=both", "writer.shard_size=6"],
                      seed=3, episodes=6)
    manifest = generate_local(cfg, str(tmp_path), progress=False)
    assert manifest["successes"] >= 1, manifest
    info = json.loads((tmp_path / "meta/info.json").read_text())
    assert info["robot_type"] == name
    for key, names in r.feature_names().items():
        assert info["features"][key]["shape"] == [r.n_arm + 1]
        assert info["features"][key]["names"] == names

    from syngrasp.exporters.hdf5 import read_episode, shard_episode_indices

    shard = str(tmp_path / "shard-000000.hdf5")
    idx = shard_episode_indices(shard)
    assert len(idx) == manifest["successes"]
    m = _model(r)
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
