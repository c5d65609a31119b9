"""Grasp sampling on meshes built in code; no simulator involved."""

import numpy as np
import pytest
import trimesh

from syngrasp.assets import load_robot
from syngrasp.assets.robot import available_robots
from syngrasp.planners.config import GraspConfig
from syngrasp.planners.grasp import sample_grasps


def _box_on_table(extents=(0.04, 0.06, 0.05), xy=(0.5, 0.0)):
    m = trimesh.creation.box(extents=extents)
    m.apply_translation([xy[0], xy[1], extents[2] / 2])
    return m


@pytest.mark.parametrize("name", available_robots())
def test_box_grasps_are_antipodal_and_fit(name):
    robot = load_robot(name)
    cfg = GraspConfig()
    box = _box_on_table()
    grasps = sample_grasps(box, np.zeros((0, 3)), 0.0, robot.gripper_boxes, robot.gripper_max_width, cfg, np.random.default_rng(0))
    assert 1 <= len(grasps) <= cfg.top_k
    for g in grasps:
        R = g.pose[:3, :3]
        assert np.allclose(R.T @ R, np.eye(3), atol=1e-6)
        assert g.width < robot.gripper_max_width
        # closing axis is horizontal and along a box face normal (x or y) for an axis-aligned box
        y = R[:, 1]
        assert abs(y[2]) < 0.2
        assert max(abs(y[0]), abs(y[1])) > np.cos(np.arctan(cfg.friction_mu))
        # approach points downward-ish and the grasp centre is inside the box footprint
        assert R[2, 2] < -0.5
        assert box.bounds[0][0] - 1e-6 <= g.pose[0, 3] <= box.bounds[1][0] + 1e-6
    scores = [g.score for g in grasps]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("name", available_robots())
def test_same_rng_same_grasps(name):
    robot = load_robot(name)
    box = _box_on_table()
    a = sample_grasps(box, np.zeros((0, 3)), 0.0, robot.gripper_boxes, robot.gripper_max_width, GraspConfig(), np.random.default_rng(3))
    b = sample_grasps(box, np.zeros((0, 3)), 0.0, robot.gripper_boxes, robot.gripper_max_width, GraspConfig(), np.random.default_rng(3))
    assert len(a) == len(b) and all(np.array_equal(x.pose, y.pose) for x, y in zip(a, b))


@pytest.mark.parametrize("name", available_robots())
def test_too_wide_object_has_no_grasp(name):
    robot = load_robot(name)
    wide = _box_on_table(extents=(0.12, 0.12, 0.05))
    assert sample_grasps(wide, np.zeros((0, 3)), 0.0, robot.gripper_boxes, robot.gripper_max_width, GraspConfig(), np.random.default_rng(0)) == []


@pytest.mark.parametrize("name", available_robots())
def test_clutter_blocks_grasps(name):
    robot = load_robot(name)
    box = _box_on_table()
    # a dense ring of obstacle points hugging the box on every side
    ang = np.linspace(0, 2 * np.pi, 400)
    ring = np.concatenate(
        [np.stack([0.5 + r * np.cos(ang), r * np.sin(ang), np.full_like(ang, z)], 1) for r in (0.045, 0.055) for z in (0.01, 0.03, 0.05)]
    )
    free = sample_grasps(box, np.zeros((0, 3)), 0.0, robot.gripper_boxes, robot.gripper_max_width, GraspConfig(), np.random.default_rng(0))
    blocked = sample_grasps(box, ring, 0.0, robot.gripper_boxes, robot.gripper_max_width, GraspConfig(), np.random.default_rng(0))
    assert free and not blocked
