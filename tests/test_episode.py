"""Real MuJoCo episodes: determinism, physical validity, labels that match the images."""

import numpy as np
import pytest

from syngrasp.core.episode import bbox_key, image_key
from syngrasp.generators.camera_effects import apply_camera_effects
from syngrasp.generators.episode import EpisodeGenerator
from syngrasp.core.scene import SceneSpec

pytestmark = pytest.mark.sim


def test_same_seed_identical_arrays(tiny_cfg, success_result):
    idx = success_result.episode_index
    again = EpisodeGenerator(tiny_cfg).generate(tiny_cfg.seed, idx)
    a, b = success_result.episode, again.episode
    assert set(a.frames) == set(b.frames)
    for k in a.frames:
        np.testing.assert_array_equal(a.frames[k], b.frames[k], err_msg=k)
    assert a.meta["scene"] == b.meta["scene"]


def test_other_index_differs(generator, tiny_cfg, success_result):
    idx = success_result.episode_index
    other = generator.generate(tiny_cfg.seed, idx + 1)
    assert other.episode is None or other.episode.meta["scene"] != success_result.episode.meta["scene"]


def test_success_is_a_real_lift(success_result, tiny_cfg, generator):
    ep = success_result.episode
    z = ep.frames["annotation.object_pose"][:, 2]
    assert 30 <= ep.num_frames <= 150
    assert z[-1] - z[0] >= tiny_cfg.motion.success_height - 0.005
    assert ep.meta["success"] is True
    # the gripper closed on something: final opening above zero, below max
    robot = generator.robot
    w = ep.frames["observation.state"][-1, robot.n_arm]
    assert 0.002 < w < robot.gripper_max_width - 0.001


def test_states_finite_and_within_limits(success_result, generator):
    ep = success_result.episode
    scene = SceneSpec.from_json(ep.meta["scene"])
    sim = generator.make_sim(scene)
    q = ep.frames["observation.state"][:, : generator.robot.n_arm]
    for k, arr in ep.frames.items():
        if arr.dtype != np.uint8:
            assert np.all(np.isfinite(arr)), k
    lo, hi = sim.joint_limits[:, 0], sim.joint_limits[:, 1]
    assert np.all(q >= lo - 1e-3) and np.all(q <= hi + 1e-3)


def test_views_differ_and_box_covers_target(success_result, generator):
    """The recorded box of frame 0 encloses the target's pixels in a segmentation render of the rebuilt scene."""
    import mujoco

    ep = success_result.episode
    scene = SceneSpec.from_json(ep.meta["scene"])
    sim = generator.make_sim(scene)
    front = ep.frames[image_key("front")]
    side = ep.frames[image_key("side")]
    assert np.mean(np.abs(front[0].astype(int) - side[0].astype(int))) > 10
    target_geoms = {g for g in range(sim.model.ngeom) if sim.model.geom_bodyid[g] == sim.target_body}
    h, w = front.shape[1:3]
    r = mujoco.Renderer(sim.model, h, w)
    r.enable_segmentation_rendering()
    # the recorded frame 0 is a fresh rig's first draw of each camera, in the recording's camera order,
    # through the camera's drawn sensor effects (frame 0's noise)
    fresh = _render(sim, ("front", "side"), h, w, generator.cfg.render)
    fx = {e.camera: e for e in scene.camera_effects}
    for cam in ("front", "side"):
        want = apply_camera_effects(fresh[cam], fx[cam], 0) if cam in fx else fresh[cam]
        np.testing.assert_array_equal(ep.frames[image_key(cam)][0], want)
        r.update_scene(sim.data, camera=cam)
        seg = r.render()
        mask = (seg[..., 1] == int(mujoco.mjtObj.mjOBJ_GEOM)) & np.isin(seg[..., 0], list(target_geoms))
        ys, xs = np.nonzero(mask)
        assert len(xs) > 0, f"target not visible in {cam}"
        box = ep.frames[bbox_key(cam)][0]
        inside = (xs + 0.5 >= box[0] - 1) & (xs + 0.5 <= box[2] + 1) & (ys + 0.5 >= box[1] - 1) & (ys + 0.5 <= box[3] + 1)
        assert inside.mean() > 0.95, (cam, inside.mean())
        # and the box is not much larger than the visible target
        assert (box[2] - box[0]) <= (xs.max() - xs.min() + 1) * 1.6 + 3
    r.close()


def _render(sim, cams, h, w, quality):
    """A fresh rig's images of ``cams``, drawn in that order, without camera effects."""
    from syngrasp.generators.mujoco_backend.camera import CameraRig

    rig = CameraRig(sim.model, cams, h, w, quality)
    imgs = {cam: rig.render(sim.data, cam) for cam in cams}
    rig.close()
    return imgs


def test_scene_spec_json_round_trip(success_result):
    text = success_result.episode.meta["scene"]
    assert SceneSpec.from_json(text).to_json() == text
