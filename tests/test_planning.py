"""Motion planning pieces on toy problems, and physics checks of planned episodes."""

import numpy as np
import pytest

from syngrasp.generators.replay import replay_actions, replay_succeeds
from syngrasp.planners.grasp import force_closure_2pt
from syngrasp.core.phases import Phase
from syngrasp.planners.rrt import rrt_connect, shortcut
from syngrasp.planners.timing import time_parameterize
from syngrasp.generators.rollout import classify
from syngrasp.core.scene import SceneSpec


def _wall(q):
    """A 2D world with a wall at x in [0.4, 0.6] except for a gap at y > 0.8."""
    return not (0.4 <= q[0] <= 0.6 and q[1] < 0.8)


def test_rrt_connect_goes_around_the_wall_deterministically():
    lo, hi = np.array([-1.0, -1.0]), np.array([2.0, 2.0])
    a = rrt_connect(np.zeros(2), np.array([1.0, 0.0]), lo, hi, _wall, np.random.default_rng(3))
    b = rrt_connect(np.zeros(2), np.array([1.0, 0.0]), lo, hi, _wall, np.random.default_rng(3))
    assert a is not None and len(a) > 2
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    np.testing.assert_array_equal(a[0], [0, 0])
    np.testing.assert_array_equal(a[-1], [1, 0])
    dense = [p + (q - p) * t for p, q in zip(a, a[1:]) for t in np.linspace(0, 1, 50)]
    assert all(_wall(q) for q in dense)
    short = shortcut(a, _wall, np.random.default_rng(0))
    assert len(short) <= len(a)
    assert all(_wall(q) for p, r in zip(short, short[1:]) for q in (p + (r - p) * t for t in np.linspace(0, 1, 50)))


def test_rrt_connect_gives_up_when_walled_in():
    closed = lambda q: not (0.4 <= q[0] <= 0.6)  # noqa: E731
    assert rrt_connect(np.zeros(2), np.array([1.0, 0.0]), np.array([-1, -1.0]), np.array([2, 2.0]), closed,
                       np.random.default_rng(0), max_iters=200) is None


def test_time_parameterization_respects_limits():
    dt = 0.1
    w = [np.zeros(3), np.array([1.0, -0.5, 0.2]), np.array([0.2, 0.4, 0.9])]
    vmax, amax = np.array([1.0, 0.8, 1.2]), np.array([2.0, 2.0, 3.0])
    q = time_parameterize(w, vmax, amax, 20 * amax, dt)
    np.testing.assert_allclose(q[-1], w[-1])
    v = np.diff(np.vstack([w[0], q]), axis=0) / dt
    assert np.all(np.abs(v) <= vmax * 1.001)
    a = np.diff(v, axis=0) / dt
    assert np.all(np.abs(a) <= amax * 1.05 + 1e-9)


def test_force_closure_at_mu_015():
    y = np.array([[1.0, 0, 0]])
    assert force_closure_2pt(-y, y, y)[0] >= np.cos(np.arctan(0.15))
    tilted = np.array([[np.cos(0.3), np.sin(0.3), 0.0]])  # 17 deg off the contact line
    assert force_closure_2pt(-tilted, y, y)[0] < np.cos(np.arctan(0.15))
    assert force_closure_2pt(-tilted, y, y)[0] >= np.cos(np.arctan(0.5))


def _phases(counts):
    return np.concatenate([np.full(n, p, np.int8) for p, n in counts])


def test_outcome_classification():
    phase = _phases([(Phase.APPROACH, 3), (Phase.PRE_GRASP, 2), (Phase.GRASP, 2), (Phase.LIFT, 3), (Phase.SHAKE, 3),
                     (Phase.HOLD, 3)])
    up = np.r_[np.zeros(8), 0.03, 0.06, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
    assert classify(phase, up, 0.08) == (True, "")
    never = np.zeros(17)
    assert classify(phase, never, 0.08) == (False, "slipped")
    shaken = up.copy()
    shaken[13:] = 0.0
    assert classify(phase, shaken, 0.08) == (False, "dropped_during_shake")
    late = up.copy()
    late[-1] = 0.0
    assert classify(phase, late, 0.08) == (False, "slipped")


@pytest.mark.sim
def test_replay_reproduces_success(generator, success_result, tiny_cfg):
    ep = success_result.episode
    scene = SceneSpec.from_json(ep.meta["scene"])
    assert replay_succeeds(generator, scene, ep.frames["action.joint"])
    rise = replay_actions(generator, scene, ep.frames["action.joint"])
    recorded = ep.frames["annotation.object_pose"][:, 2] - ep.frames["annotation.object_pose"][0, 2]
    np.testing.assert_allclose(rise[: len(recorded)], recorded, atol=2e-3)
    # dropping the close commands must break the replay: the check can fail
    opened = ep.frames["action.joint"].copy()
    opened[:, -1] = 0.0
    assert not replay_succeeds(generator, scene, opened)


@pytest.mark.sim
def test_recorded_frames_do_not_penetrate(generator, tiny_cfg):
    """No recorded frame has the arm or gripper inside the table or a non-target object by > 5 mm."""
    checked = 0
    for idx in range(20, 26):
        res = generator.generate(tiny_cfg.seed, idx)
        if res.episode is None:
            continue
        checked += 1
        assert res.episode.meta["max_penetration_m"] <= 0.005, (idx, res.episode.meta["max_penetration_m"])
    assert checked >= 3


@pytest.mark.sim
def test_start_pose_is_collision_free_and_within_limits(generator, tiny_cfg):
    for idx in range(3):
        scene, sim, _, _ = generator.setup(tiny_cfg.seed, idx, {})
        q = np.asarray(scene.robot_start_qpos)
        assert np.all(q >= sim.joint_limits[:, 0]) and np.all(q <= sim.joint_limits[:, 1])
        open_width = generator.robot.width_from_command(generator.robot.gripper_ctrl_open)
        assert not sim.in_collision(q, open_width, allow_target=False)


@pytest.mark.sim
def test_replay_cli(tmp_path, capsys):
    import json

    from syngrasp.cluster.local import generate_local
    from syngrasp.app.cli import main
    from syngrasp.app.config import load_config

    from .conftest import TINY

    cfg = load_config(None, TINY, seed=7, episodes=3)
    manifest = generate_local(cfg, str(tmp_path / "ds"), progress=False)
    assert main(["replay", str(tmp_path / "ds")]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["replayed"] == manifest["successes"] and out["rate"] == 1.0


@pytest.mark.sim
def test_penetration_metric_sees_a_hand_in_the_table(generator, tiny_cfg):
    import mujoco

    from syngrasp.planners.ik import solve_ik

    scene, sim, _, _ = generator.setup(tiny_cfg.seed, 0, {})
    assert sim.robot_penetration() == 0.0
    T = sim.fk(np.asarray(scene.robot_start_qpos))
    T[:3, :3] = np.diag([1.0, -1.0, -1.0])  # pointing down
    T[:3, 3] = [0.45, 0.30, scene.table.top_z - 0.02]
    q = solve_ik(sim, T, np.asarray(generator.robot.home_qpos), max_iters=300)
    assert q is not None
    sim.data.qpos[sim.arm_qadr] = q
    mujoco.mj_forward(sim.model, sim.data)
    assert sim.robot_penetration() > 0.005
