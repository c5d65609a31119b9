"""Scanned, UV-mapped objects (OBJ + MTL + PNG, positions and UVs indexed separately) render their
texture region by region, with normals MuJoCo really uses; colour variants of one mesh are kept."""

import dataclasses
import json
import os

import mujoco
import numpy as np
import pytest
import trimesh

from syngrasp.assets import load_robot
from syngrasp.assets.catalog import AssetCatalog
from syngrasp.assets.ingest import build_catalog_dir, load_catalog_dir
from syngrasp.app.config import load_config
from syngrasp.core.rng import episode_rng
from syngrasp.generators.mujoco_backend.build import CREASE_DEG, _add_uv_mesh, build_model
from syngrasp.generators.mujoco_backend.camera import CameraRig
from syngrasp.randomization.scene import sample_scene

from .texture_regions import FACE_RGB, View, region_colour_errors, write_atlas_box

SCENE = ["scene.image_size=[160,160]", "scene.objects.num_distractors=[0,0]",
         "scene.objects.own_appearance_prob=1.0", "scene.objects.target_max_width=0.2",
         "scene.appearance.realistic_share=0", "render.preset=balanced"]
# Filament, shading in linear light: a linear tone curve and no anti-aliasing, so colour ratios survive
FILAMENT = ["render.preset=photoreal", "render.tone_mapping=linear", "render.fxaa=false"]


def _mujoco_render(catalog, robot, cfg):
    """``cfg.render``'s engine (classic raster or Filament) as a ``render(scene) -> {camera: View}`` callable."""

    def render(scene):
        model = build_model(scene, catalog, robot, cfg.render)
        data = mujoco.MjData(model)
        mujoco.mj_forward(model, data)
        names = tuple(c.name for c in scene.cameras)
        h, w = scene.cameras[0].height, scene.cameras[0].width
        rig = CameraRig(model, names, h, w, cfg.render)
        try:
            gid = next(i for i in range(model.ngeom) if model.geom_bodyid[i] == model.body("obj0").id and model.geom_group[i] == 2)
            return {n: View(rig.render(data, n), rig.segmentation(data, n) == gid, rig.intrinsics(n), rig.extrinsics(data, n))
                    for n in names}
        finally:
            rig.close()

    return render


GREY = 0.5


def _scenes(catalog, cfg, robot, seed, index=0):
    """(own appearance, flat GREY) scenes of the catalog's one object; no specular or reflection on
    either, so the ratio of the two is the texture colour over GREY."""
    s = sample_scene(cfg.scene, catalog, robot, episode_rng(seed, index))
    o = s.target
    assert o.appearance == "own" and o.material.texture is not None
    matte = dataclasses.replace(o.material, specular=0.0, reflectance=0.0)
    textured = dataclasses.replace(s, objects=(dataclasses.replace(o, material=matte),))
    white = dataclasses.replace(o, appearance="random", material=dataclasses.replace(matte, texture=None, rgba=(GREY, GREY, GREY, 1)))
    return textured, dataclasses.replace(s, objects=(white,))


@pytest.fixture(scope="module")
def atlas_box(tmp_path_factory):
    root = tmp_path_factory.mktemp("scan")
    regions = write_atlas_box(str(root / "src" / "ketchup" / "ketchup.obj"))
    cat = build_catalog_dir(str(root / "src"), str(root / "cat"), log=lambda *_: None)
    assert [o["has_texture"] for o in cat["objects"]] == [True]
    return root, regions


@pytest.mark.parametrize("engine", ["classic", "filament"])
@pytest.mark.parametrize("seed", [0, 3])
def test_atlas_box_renders_each_face_in_its_texture_colour(atlas_box, seed, engine):
    """Each visible face's textured / grey ratio is its atlas cell's colour within 0.05 per channel
    (MuJoCo's own normals on the grey box against ours on the textured one), in both engines."""
    root, regions = atlas_box
    catalog, robot = AssetCatalog(tuple(load_catalog_dir(str(root / "cat")))), load_robot("panda")
    cfg = load_config(None, SCENE + (FILAMENT if engine == "filament" else []), seed=0, episodes=1)
    textured, white = _scenes(catalog, cfg, robot, seed)
    errors = region_colour_errors(_mujoco_render(catalog, robot, cfg), textured, white, regions, GREY,
                                  linear=engine == "filament")
    assert len(errors) >= 2, f"too few faces visible: {sorted(errors)}"
    worst = max(e["error"] for e in errors.values())
    assert worst < 0.05, {k: (np.round(e["got"], 3).tolist(), np.round(e["expected"], 3).tolist()) for k, e in errors.items()}


def _shuffled(mesh: trimesh.Trimesh, uv: np.ndarray, seed: int):
    """(V, F, UV) of ``mesh`` with its vertices in a random order (faces re-indexed)."""
    p = np.random.default_rng(seed).permutation(len(mesh.vertices))
    inv = np.argsort(p)
    return np.asarray(mesh.vertices)[p], inv[np.asarray(mesh.faces)], uv[p]


def _seamed_cylinder():
    """A 16-sided cylinder whose side wraps u once: the seam column of vertices is doubled (u = 0 and
    u = 1), and caps are their own UV islands (positions shared with the side)."""
    n, r, h = 16, 0.03, 0.08
    v, uv, f = [], [], []
    for k in range(n + 1):  # side: n + 1 columns, the first and last at the same position
        a = 2 * np.pi * (k % n) / n
        for z in (-h / 2, h / 2):
            v.append((r * np.cos(a), r * np.sin(a), z))
            uv.append((k / n, 0.5 + (z > 0) * 0.5))
    for k in range(n):
        b, t, b2, t2 = 2 * k, 2 * k + 1, 2 * k + 2, 2 * k + 3
        f += [(b, b2, t2), (b, t2, t)]
    for z, flip in ((-h / 2, True), (h / 2, False)):  # caps: a centre fan
        c = len(v)
        v.append((0, 0, z))
        uv.append((0.25, 0.25))
        ring = list(range(len(v), len(v) + n))
        for k in range(n):
            a = 2 * np.pi * k / n
            v.append((r * np.cos(a), r * np.sin(a), z))
            uv.append((0.25 + 0.2 * np.cos(a), 0.25 + 0.2 * np.sin(a)))
        for k in range(n):
            tri = (c, ring[k], ring[(k + 1) % n])
            f.append(tri[::-1] if flip else tri)
    return trimesh.Trimesh(np.array(v), np.array(f), process=False), np.array(uv)


@pytest.mark.parametrize("shape", ["box", "cylinder"])
def test_uv_mesh_normals_are_the_ones_mujoco_shades_with(shape):
    """Per face corner, the normal the compiled model holds (mesh_normal[mesh_facenormal]) is the face
    normal across creases (box edges, cylinder rims) and the radial normal on the smooth side, the
    same on both sides of a UV seam; texture coordinates stay attached to their corners (v flipped)."""
    if shape == "box":
        box = trimesh.creation.box(extents=(0.06, 0.05, 0.04))
        tri = box.triangles.reshape(-1, 3)
        mesh, uv = trimesh.Trimesh(tri, np.arange(len(tri)).reshape(-1, 3), process=False), np.random.default_rng(1).random((len(tri), 2))
    else:
        mesh, uv = _seamed_cylinder()
    v, f, uv = _shuffled(mesh, uv, seed=2)
    spec = mujoco.MjSpec()
    _add_uv_mesh(spec, "m", v, f, uv)
    spec.worldbody.add_geom(type=mujoco.mjtGeom.mjGEOM_MESH, meshname="m", contype=0, conaffinity=0, mass=0, density=0)
    model = spec.compile()
    # the compiled mesh is re-centred and rotated; undo with the geom's pose to compare in the input frame
    R = np.zeros(9)
    mujoco.mju_quat2Mat(R, model.geom_quat[0])
    R = R.reshape(3, 3)
    verts = model.mesh_vert @ R.T + model.geom_pos[0]
    corner_pos = verts[model.mesh_face]  # (F, 3, 3)
    corner_n = model.mesh_normal[model.mesh_facenormal] @ R.T
    corner_uv = model.mesh_texcoord[model.mesh_facetexcoord]
    # every compiled corner is an input corner: same position, same (v-flipped) texture coordinate
    given = np.hstack([v[f].reshape(-1, 3), np.column_stack([uv[:, 0], 1 - uv[:, 1]])[f].reshape(-1, 2)])
    got = np.hstack([corner_pos.reshape(-1, 3), corner_uv.reshape(-1, 2)])
    assert np.abs(got[:, None, :] - given[None]).max(axis=2).min(axis=1).max() < 1e-5
    fn = np.cross(corner_pos[:, 1] - corner_pos[:, 0], corner_pos[:, 2] - corner_pos[:, 0])
    fn /= np.linalg.norm(fn, axis=1, keepdims=True)
    cos = np.einsum("fck,fk->fc", corner_n, fn)
    if shape == "box":
        np.testing.assert_allclose(cos, 1.0, atol=1e-4)  # every box corner keeps its face's normal
    else:
        side = np.abs(fn[:, 2]) < 0.5
        radial = corner_pos[side].copy()
        radial[..., 2] = 0
        radial /= np.linalg.norm(radial, axis=-1, keepdims=True)
        np.testing.assert_allclose(corner_n[side], radial, atol=1e-4)  # smooth side, seam included
        np.testing.assert_allclose(cos[~side], 1.0, atol=1e-4)  # flat caps, sharp rims
        assert np.all(cos[side] > np.cos(np.radians(CREASE_DEG)))


def test_colour_variants_are_appearances_of_one_object(tmp_path):
    """The same box in two prints (other texture, other vertex order) is one object with two looks;
    scenes draw both, name the texture they used and render it; an exact copy (same mesh, same
    image under another name) is still collapsed."""
    src = tmp_path / "src" / "ketchup"
    other = tuple(FACE_RGB[(i + 3) % 6] for i in range(6))
    write_atlas_box(str(src / "red.obj"), seed=0)
    green_regions = write_atlas_box(str(src / "green.obj"), seed=1, colours=other)
    write_atlas_box(str(src / "red_copy.obj"), seed=0)
    cat = build_catalog_dir(str(tmp_path / "src"), str(tmp_path / "cat"), log=lambda *_: None)
    (obj,) = cat["objects"]
    assert obj["source"].endswith("green.obj")  # sorted paths: green, red, red_copy
    assert [v["source"].rsplit("/", 1)[1] for v in obj["variants"]] == ["red.obj"]
    assert obj["variants"][0]["texture"] != obj["texture"]
    dupes = {os.path.basename(r["source"]): r["reason"] for r in cat["report"]["skipped"]}
    assert "identical mesh and look to" in dupes["red_copy.obj"] and dupes["red_copy.obj"].endswith("red.obj")
    assert cat["report"]["variants"] == [{"source": str(src / "red.obj"), "variant_of": obj["id"], "appearance": 1}]
    assert json.loads((tmp_path / "cat" / "catalog.json").read_text())["objects"] == cat["objects"]

    (asset,) = load_catalog_dir(str(tmp_path / "cat"))
    looks = asset.appearances()
    assert len(looks) == 2 and looks[0].texture != looks[1].texture and all(a.render_mesh for a in looks)
    catalog, robot = AssetCatalog((asset,)), load_robot("panda")
    cfg = load_config(None, SCENE, seed=0, episodes=1)
    drawn = {}
    for i in range(12):
        o = sample_scene(cfg.scene, catalog, robot, episode_rng(5, i)).target
        assert o.appearance == "own" and o.material.texture.file == looks[o.variant].texture
        drawn.setdefault(o.variant, i)
    assert sorted(drawn) == [0, 1]
    # the red variant, drawn from its own render mesh and image, shows red's atlas colours
    textured, grey = _scenes(catalog, cfg, robot, 5, index=drawn[1])
    assert textured.target.variant == 1
    red_regions = [dataclasses.replace(r, rgb=np.asarray(FACE_RGB[k], float) / 255) for k, r in enumerate(green_regions)]
    errors = region_colour_errors(_mujoco_render(catalog, robot, cfg), textured, grey, red_regions, GREY)
    assert len(errors) >= 2 and max(e["error"] for e in errors.values()) < 0.05, errors


def test_urdf_beside_its_textured_obj_is_imported(tmp_path):
    """``box.urdf`` naming ``box.obj`` (with ``box.mtl``), as pybullet_data ships its domino: one
    textured object, not two files that each claim the other."""
    src = tmp_path / "src" / "domino"
    write_atlas_box(str(src / "box.obj"))
    (src / "box.urdf").write_text('<robot name="box"><link name="base"><visual><geometry><mesh filename="box.obj"/>'
                                  '</geometry></visual></link></robot>')
    cat = build_catalog_dir(str(tmp_path / "src"), str(tmp_path / "cat"), log=lambda *_: None)
    assert [(os.path.basename(o["source"]), o["has_texture"]) for o in cat["objects"]] == [("box.urdf", True)]
