"""Robot level of detail: welding, simplification, the disk cache, and the render quality gate."""

import numpy as np
import pytest
import trimesh

from syngrasp.assets.lod import LodParams, lod_mesh, simplify_mesh, weld


def _soup(mesh: trimesh.Trimesh) -> tuple[np.ndarray, np.ndarray]:
    """Every triangle with its own three vertices, as an OBJ split by normals gives."""
    v = mesh.vertices[mesh.faces].reshape(-1, 3)
    return v, np.arange(len(v)).reshape(-1, 3)


def test_weld_turns_soup_back_into_a_closed_mesh():
    box = trimesh.creation.box((0.1, 0.2, 0.3))
    v, f = _soup(box)
    assert len(v) == 36
    wv, wf = weld(v, f, 1e-6)
    assert len(wv) == 8 and len(wf) == 12
    assert trimesh.Trimesh(wv, wf, process=False).is_watertight


def test_simplified_sphere_stays_closed_and_keeps_its_volume():
    sphere = trimesh.creation.icosphere(subdivisions=4, radius=0.05)  # 5120 faces
    v, f = _soup(sphere)
    sv, sf = simplify_mesh(v, f, LodParams(keep=0.15))
    out = trimesh.Trimesh(sv, sf, process=False)
    assert len(sf) <= 0.25 * len(sphere.faces)
    assert out.is_watertight
    assert abs(out.volume - sphere.volume) / sphere.volume < 0.02
    # without welding, the same decimation tears the surface apart
    torn_v, torn_f = __import__("fast_simplification").simplify(v, f, target_reduction=0.85)
    assert not trimesh.Trimesh(torn_v, torn_f, process=False).is_watertight


def test_lod_is_cached_on_disk_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNGRASP_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "ball.stl"
    trimesh.creation.icosphere(subdivisions=3, radius=0.04).export(path)
    a = lod_mesh(str(path), (1.0, 1.0, 1.0), LodParams(keep=0.3))
    cached = list((tmp_path / "cache" / "lod").glob("*.npz"))
    assert len(cached) == 1
    lod_mesh.cache_clear()
    b = lod_mesh(str(path), (1.0, 1.0, 1.0), LodParams(keep=0.3))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    lod_mesh(str(path), (1.0, 1.0, 1.0), LodParams(keep=0.5))  # other parameters: another entry
    assert len(list((tmp_path / "cache" / "lod").glob("*.npz"))) == 2
    cached[0].write_bytes(b"not an npz")  # a corrupt entry is recomputed, not fatal
    lod_mesh.cache_clear()
    c = lod_mesh(str(path), (1.0, 1.0, 1.0), LodParams(keep=0.3))
    np.testing.assert_array_equal(a[1], c[1])


@pytest.mark.sim
def test_lod_robot_renders_like_the_full_robot():
    """Quality gate: >= 20 random joint configurations x 2 cameras at 256^2; silhouette IoU >= 0.99
    and PSNR >= 35 dB over robot pixels, LOD against full meshes, same scene and settings."""
    import dataclasses

    from syngrasp.app.config import load_config
    from syngrasp.core.rng import episode_rng
    from syngrasp.generators.episode import EpisodeGenerator
    from syngrasp.randomization.scene import sample_scene

    cfg = load_config(None, ["scene.objects.num_distractors=[0,0]", "scene.appearance.realistic_share=0"], seed=0,
                      episodes=1)
    gen = EpisodeGenerator(cfg)
    scene = sample_scene(cfg.scene, gen.catalog, gen.robot, episode_rng(0, 0))
    sims, rigs = [], []
    for lod in (False, True):
        g = EpisodeGenerator(dataclasses.replace(cfg, render=dataclasses.replace(cfg.render, robot_lod=lod)))
        sim = g.compile(scene)
        sims.append(sim)
        rigs.append(g.camera_rig(sim))
    full, low = sims
    assert low.model.nmeshface < 0.3 * full.model.nmeshface
    robot_geoms = np.flatnonzero(np.isin(full.model.geom_bodyid, sorted(full.robot_bodies)))
    rng = np.random.default_rng(0)
    lo, hi = full.joint_limits[:, 0], full.joint_limits[:, 1]
    home = np.asarray(gen.robot.home_qpos)
    ious, psnrs, configs = [], [], 0
    for _ in range(300):  # random configurations until 20 show the robot in both cameras
        q = np.clip(home + rng.uniform(-1.2, 1.2, len(home)), lo, hi)
        opening = rng.uniform(*sorted((gen.robot.gripper_ctrl_closed, gen.robot.gripper_ctrl_open)))
        for sim in sims:
            sim.reset_robot(q, opening)
        views = []
        for cam in rigs[0].names:
            masks = [np.isin(r.segmentation(s.data, cam), robot_geoms) for r, s in zip(rigs, sims)]
            views.append((cam, masks))
        if min((m[0] | m[1]).sum() for _, m in views) < 500:
            continue
        configs += 1
        for cam, masks in views:
            union = masks[0] | masks[1]
            ious.append((masks[0] & masks[1]).sum() / union.sum())
            a, b = (r.render(s.data, cam)[union].astype(float) for r, s in zip(rigs, sims))
            mse = max(np.mean((a - b) ** 2), 1e-12)
            psnrs.append(10 * np.log10(255.0**2 / mse))
        if configs == 20:
            break
    for r in rigs:
        r.close()
    assert configs == 20
    assert min(ious) >= 0.99, f"worst silhouette IoU {min(ious):.4f}"
    assert min(psnrs) >= 35.0, f"worst PSNR {min(psnrs):.1f} dB"
