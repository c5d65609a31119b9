"""The simulator Protocol's second backend: PyBullet rebuilds scenes and cross-checks recorded grasps."""

import dataclasses
import json
import os

import numpy as np
import pybullet as p
import pytest
from syngrasp.cluster.crosscheck import read_side_table, summarize
from syngrasp.core.layout import CROSSCHECK_TABLE as SIDE_TABLE
from syngrasp.cluster.local import generate_local
from syngrasp.app.cli import main
from syngrasp.app.config import load_config
from syngrasp.core.errors import ConfigError
from syngrasp.core.rng import episode_rng
from syngrasp.exporters.formats.hdf5.reader import shard_episode_indices
from syngrasp.generators.backend import PhysicsSim
from syngrasp.generators.config import PyBulletConfig
from syngrasp.generators.crosscheck import check_grasp
from syngrasp.generators.episode import EpisodeGenerator
from syngrasp.generators.pybullet_backend.sim import PyBulletSim
from syngrasp.randomization.scene import sample_scene
from syngrasp.core.scene import SceneSpec

from .conftest import TINY

pytestmark = pytest.mark.sim


def _angle_deg(Ra, Rb) -> float:
    return float(np.degrees(np.arccos(np.clip((np.trace(Ra.T @ Rb) - 1.0) / 2.0, -1.0, 1.0))))


def test_pybullet_rebuilds_scene_at_mujoco_settled_poses(generator, tiny_cfg):
    scene = sample_scene(tiny_cfg.scene, generator.catalog, generator.robot, episode_rng(tiny_cfg.seed, 1))
    sim = generator.make_sim(scene)
    assert isinstance(sim, PhysicsSim)
    settled = [sim.object_pose(i) for i in range(len(scene.objects))]
    pb = PyBulletSim(scene, generator.catalog, generator.robot, tiny_cfg.rollout.pybullet)
    try:
        assert isinstance(pb, PhysicsSim)
        q0 = np.asarray(scene.robot_start_qpos)
        pb.reset_robot(q0, generator.robot.gripper_ctrl_open)
        for i, pose in enumerate(settled):
            pb.set_object_pose(i, pose)
        pb.step(int(round(0.5 / pb.timestep)))  # objects placed where MuJoCo settled them stay there
        for i, pose in enumerate(settled):
            got = pb.object_pose(i)
            assert np.linalg.norm(got[:3, 3] - pose[:3, 3]) < 0.005, scene.objects[i]
            assert _angle_deg(got[:3, :3], pose[:3, :3]) < 5.0, scene.objects[i]
        assert pb.object_speed() < 0.01
        np.testing.assert_allclose(pb.arm_qpos(), q0, atol=2e-3)
        # same kinematics: the URDF's grasp frame sits within 2 mm of the MJCF grasp site
        assert np.linalg.norm(pb.ee_pose()[:3, 3] - sim.ee_pose()[:3, 3]) < 0.002
        assert _angle_deg(pb.ee_pose()[:3, :3], sim.ee_pose()[:3, :3]) < 0.5
        assert pb.gripper_width() == pytest.approx(2 * generator.robot.gripper_ctrl_open, abs=1e-3)
        # objects rest on the table: the contacts name it, and the robot touches nothing
        names = {(c.body_a, c.body_b) for c in pb.contacts()}
        assert any("table" in pair for pair in names)
        assert pb.robot_penetration() < 1e-3
        cid = pb.cid
    finally:
        pb.close()
    assert not p.isConnected(cid)


def test_zero_friction_grasp_is_detected_as_dropped(generator, tiny_cfg, success_result):
    ep = success_result.episode
    scene = SceneSpec.from_json(ep.meta["scene"])
    sim = generator.make_sim(scene)
    settled = {i: sim.object_pose(i) for i in range(len(scene.objects))}
    frictionless = dataclasses.replace(
        tiny_cfg, rollout=dataclasses.replace(tiny_cfg.rollout, pybullet=PyBulletConfig(friction_scale=0.0))
    )
    slippery = check_grasp("pybullet", scene, generator.catalog, generator.robot, ep.frames["action.joint"],
                           frictionless, settled)
    assert not slippery.held
    assert slippery.final_rise < 0.01
    normal = check_grasp("pybullet", scene, generator.catalog, generator.robot, ep.frames["action.joint"],
                         tiny_cfg, settled)
    assert normal.final_rise > slippery.final_rise + tiny_cfg.motion.success_height / 2


def test_require_agreement_turns_a_pybullet_drop_into_a_failure(tiny_cfg, success_result):
    strict = load_config(None, TINY + ["rollout.crosscheck=pybullet", "rollout.require_agreement=true",
                                       "rollout.pybullet.friction_scale=0"], seed=tiny_cfg.seed, episodes=4)
    res = EpisodeGenerator(strict).generate(strict.seed, success_result.episode_index, record=False)
    assert not res.success
    assert res.failure_reason == "crosscheck_dropped"
    assert res.crosscheck == "dropped"


def test_crosscheck_config_is_validated():
    with pytest.raises(ConfigError, match="pybullet"):
        load_config(None, ["rollout.crosscheck=bullet"], seed=0, episodes=1)
    with pytest.raises(ConfigError, match="rollout.require_agreement"):
        load_config(None, ["rollout.require_agreement=true"], seed=0, episodes=1)
    with pytest.raises(ConfigError, match="friction_scale"):
        load_config(None, ["rollout.pybullet.friction_scale=-1"], seed=0, episodes=1)


def test_robot_without_urdf_is_a_config_error_naming_its_robot_json(tmp_path, capsys):
    """xarm6 has no ``urdf`` section: crosscheck (and rollout.crosscheck) say so before any episode runs."""
    import yaml

    from syngrasp.assets.robot import find_robot, load_robot

    robot_json = os.path.join(find_robot("xarm6"), "robot.json")
    keys = "path, arm_joints, gripper_joints, ee_link, finger_links, finger_friction"
    cfg = load_config(None, ["rollout.robot=xarm6"], seed=0, episodes=1)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg.data_dict(), sort_keys=True))
    assert main(["crosscheck", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"config key '{robot_json}: urdf': robot 'xarm6' has no 'urdf' section" in err
    assert keys in err and "`syngrasp robots add xarm6 --urdf FILE`" in err
    assert not (tmp_path / SIDE_TABLE).exists()
    with pytest.raises(ConfigError, match=f"{robot_json}: urdf.*{keys}"):
        load_config(None, ["rollout.robot=xarm6", "rollout.crosscheck=pybullet"], seed=0, episodes=1)
    catalog, robot = EpisodeGenerator(cfg).catalog, load_robot("xarm6")
    with pytest.raises(ConfigError, match=f"{robot_json}: urdf"):  # the backend itself, called directly
        PyBulletSim(sample_scene(cfg.scene, catalog, robot, episode_rng(0, 0)), catalog, robot, cfg.rollout.pybullet)


def test_crosscheck_command_writes_one_row_per_episode(tmp_path, capsys):
    cfg = load_config(None, TINY + ["writer.shard_size=2"], seed=7, episodes=4)
    out = str(tmp_path / "run")
    generate_local(cfg, out, progress=False)
    written = sorted(i for n in os.listdir(out) if n.endswith(".hdf5")
                     for i in shard_episode_indices(os.path.join(out, n)))
    assert written, "the tiny run wrote no episode"
    assert main(["crosscheck", out, "--workers", "1", "--quiet"]) == 0
    printed = capsys.readouterr().out
    rows = read_side_table(out)
    assert sorted(r["episode_index"] for r in rows) == written
    assert all(r["error"] == "" and isinstance(r["engine_held"], bool) for r in rows)
    assert all(r["mujoco_held"] for r in rows)  # only successes are written by default
    assert all(r["resettle_error_m"] < 1e-3 for r in rows)  # MuJoCo re-settles to the recorded pose
    summary = json.loads(printed.strip().splitlines()[-1])
    agree = sum(r["engine_held"] == r["mujoco_held"] for r in rows)
    assert summary["agreement"] == pytest.approx(agree / len(rows), abs=1e-4)
    assert f"agreement MuJoCo vs pybullet: {summary['agreement']}" in printed
    assert set(summarize(rows)["by_category"]) == {r["category"] for r in rows}
    # a re-run checks nothing again; only rollout.pybullet.* may be overridden
    mtime = os.stat(os.path.join(out, SIDE_TABLE)).st_mtime_ns
    assert main(["crosscheck", out, "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["checked_now"] == 0
    assert os.stat(os.path.join(out, SIDE_TABLE)).st_mtime_ns >= mtime
    # other engine settings add their own rows: without friction no grasp holds
    assert main(["crosscheck", out, "rollout.pybullet.friction_scale=0", "--quiet", "--workers", "1"]) == 0
    frictionless = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert frictionless["checked_now"] == len(written)
    assert frictionless["mujoco_held_engine_dropped"] == len(written) and frictionless["agreement"] == 0.0
    assert len(read_side_table(out)) == 2 * len(written)
    assert main(["crosscheck", out, "grasp.top_k=2"]) == 2
    assert "rollout.pybullet" in capsys.readouterr().err
