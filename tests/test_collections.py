"""A scanned collection shaped like LIBERO's assets, written in code: MuJoCo ``.msh`` meshes, MJCF,
OBJ/MTL/PNG, collision and marker stand-ins, a multi-part object, furniture in centimetres, colour
words in folder names and an object that cannot load. Each file must get the outcome a user expects."""

import json
import os
import re

import mujoco
import numpy as np
import pytest
import trimesh

from syngrasp.app.cli import main
from syngrasp.app.config import load_config
from syngrasp.assets import load_robot
from syngrasp.assets.catalog import AssetCatalog
from syngrasp.assets.catalog_dir import load_catalog_dir
from syngrasp.assets.names import category_and_attributes
from syngrasp.assets.readers import read_msh
from syngrasp.assets.sizes import guess_units, size_prior
from syngrasp.core.rng import episode_rng
from syngrasp.randomization.scene import sample_scene

from .collection import _box_uv, _texture, _write, _write_obj

KETCHUP = (0.06, 0.04, 0.15)  # m, the .msh object
CHEESE_CM = (10.0, 6.0, 3.0)  # cm, the OBJ/MTL/PNG object
CABINET_CM = (40.0, 30.0, 45.0)  # cm
BOTTLE_R, BOTTLE_H = 0.035, 0.25  # m, wine bottle body (centred at the origin)
CORK_R, CORK_H, CORK_Z = 0.012, 0.04, 0.135  # m, cork (a second body), centre height
DECAL = (0.003, 0.003, 1e-7)  # m: a label decal, thin enough that its hull has ~1e-12 m^3
STAND_IN = re.compile(r"(_col|_coll|_collision|_site)\.\w+$|/collision/")


def write_msh(path: str, v: np.ndarray, f: np.ndarray, uv: np.ndarray | None = None) -> None:
    """A MuJoCo binary .msh (UVs given in OpenGL's convention, stored in MuJoCo's: v flipped)."""
    with open(path, "wb") as fh:
        np.array([len(v), 0, 0 if uv is None else len(v), len(f)], "<i4").tofile(fh)
        np.asarray(v, "<f4").tofile(fh)
        if uv is not None:
            np.column_stack([uv[:, 0], 1.0 - uv[:, 1]]).astype("<f4").tofile(fh)
        np.asarray(f, "<i4").tofile(fh)


def write_libero_like(root: str) -> None:
    j = os.path.join
    # 1. scanned MJCF: visual .msh with UVs + MJCF texture, a referenced collision mesh, and the OBJ
    #    the .msh was made from one folder up under another name
    d = j(root, "ketchup")
    os.makedirs(j(d, "visual"), exist_ok=True)
    os.makedirs(j(d, "collision"), exist_ok=True)
    mesh, uv = _box_uv(KETCHUP)
    write_msh(j(d, "visual", "model_normalized_0.msh"), mesh.vertices, mesh.faces, uv)
    _write_obj(j(d, "ketchup_scan.obj"), mesh, uv)
    trimesh.creation.box(extents=KETCHUP).export(j(d, "collision", "model_normalized_collision_0.stl"))
    _texture(j(d, "texture.png"), (180, 30, 30), 3)
    _write(j(d, "ketchup.xml"),
           '<mujoco model="ketchup"><compiler meshdir="visual" texturedir="."/><asset>'
           '<texture type="2d" name="t" file="texture.png"/><material name="m" texture="t"/>'
           '<mesh name="vis" file="model_normalized_0.msh"/>'
           '<mesh name="col" file="../collision/model_normalized_collision_0.stl"/></asset>'
           '<worldbody><body name="ketchup"><geom mesh="vis" type="mesh" material="m" group="1" contype="0" '
           'conaffinity="0"/><geom mesh="col" type="mesh" group="0"/>'
           '<site name="top" pos="0 0 0.08"/></body></worldbody></mujoco>')
    # 2. textured OBJ + MTL + PNG in centimetres
    d = j(root, "cream_cheese")
    mesh, uv = _box_uv(CHEESE_CM)
    os.makedirs(d, exist_ok=True)
    _texture(j(d, "cream_cheese.png"), (230, 220, 120), 4)
    _write_obj(j(d, "cream_cheese.obj"), mesh, uv, "cream_cheese.mtl")
    _write(j(d, "cream_cheese.mtl"), "newmtl skin\nKd 1 1 1\nmap_Kd cream_cheese.png\n")
    # 3. multi-part MJCF: bottle body and its cork as two bodies, two meshes
    d = j(root, "wine_bottles")
    os.makedirs(j(d, "meshes"), exist_ok=True)
    trimesh.creation.cylinder(radius=BOTTLE_R, height=BOTTLE_H, sections=32).export(j(d, "meshes", "body.obj"))
    trimesh.creation.cylinder(radius=CORK_R, height=CORK_H, sections=16).export(j(d, "meshes", "cork.obj"))
    _write(j(d, "wine_bottle.xml"),
           '<mujoco><compiler meshdir="meshes"/><asset><mesh file="body.obj"/><mesh file="cork.obj"/></asset>'
           '<worldbody><body name="bottle"><geom type="mesh" mesh="body" rgba="0.1 0.3 0.1 1"/>'
           f'<body name="cork" pos="0 0 {CORK_Z}"><joint type="slide" axis="0 0 1"/>'
           '<geom type="mesh" mesh="cork" rgba="0.7 0.5 0.3 1"/></body></body></worldbody></mujoco>')
    # 4. collision and marker stand-ins beside visual meshes, and orphans of both
    d = j(root, "mugs")
    os.makedirs(j(d, "collision"), exist_ok=True)
    mug = trimesh.creation.cylinder(radius=0.03, height=0.09, sections=24)
    mug.export(j(d, "mug.obj"))
    mug.convex_hull.export(j(d, "mug_col.obj"))
    mug.convex_hull.export(j(d, "collision", "mug.stl"))
    trimesh.creation.icosphere(radius=0.004).export(j(d, "mug_site.obj"))
    trimesh.creation.box(extents=(0.01, 0.03, 0.05)).export(j(d, "handle_coll.obj"))  # no visual "handle"
    cup = trimesh.creation.cylinder(radius=0.028, height=0.07, sections=24)
    cup.export(j(d, "cup_vis.obj"))
    cup.convex_hull.export(j(d, "cup_coll.obj"))
    # 5. furniture in centimetres
    d = j(root, "cabinets")
    os.makedirs(d, exist_ok=True)
    trimesh.creation.box(extents=CABINET_CM).export(j(d, "cabinet.obj"))
    # 6. colour words in the folder name
    d = j(root, "pink_yellow_moka_pots")
    os.makedirs(d, exist_ok=True)
    moka = trimesh.creation.cylinder(radius=0.03, height=0.16, sections=24).export(file_type="obj")
    _write(j(d, "moka_pot.obj"), "mtllib moka_pot.mtl\nusemtl pink\n" + moka)  # its own look: a pink colour
    _write(j(d, "moka_pot.mtl"), "newmtl pink\nKd 0.9 0.5 0.7\n")
    # 7. a decal no simulator can load (its collision hull has no volume at all)
    d = j(root, "decals")
    os.makedirs(d, exist_ok=True)
    trimesh.creation.box(extents=DECAL).export(j(d, "decal.stl"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("libero")
    write_libero_like(str(root / "src"))
    assert main(["assets", "build", str(root / "src"), "--out", str(root / "cat"), "--workers", "1"]) == 0
    return root, json.loads((root / "cat" / "catalog.json").read_text())


def _objs(cat) -> dict:
    return {os.path.basename(o["source"]): o for o in cat["objects"]}


def _reasons(cat) -> dict:
    rep = cat["report"]
    return {os.path.relpath(r["source"], cat["source"]): r["reason"] for r in rep["rejected"] + rep["skipped"]}


def test_msh_reader_agrees_with_mujoco(tmp_path):
    """read_msh gives MuJoCo's own vertices: MuJoCo recentres a mesh at its centroid and rotates it
    to its inertia frame (mesh_pos, mesh_quat); undoing that must give back the file's vertices."""
    rng = np.random.default_rng(0)
    mesh = trimesh.convex.convex_hull(rng.normal(size=(40, 3)) * (0.03, 0.05, 0.08) + (0.1, -0.2, 0.3))
    write_msh(str(tmp_path / "m.msh"), mesh.vertices, mesh.faces)
    v, f, uv = read_msh(str(tmp_path / "m.msh"))
    assert uv is None and v.shape == mesh.vertices.shape and f.shape == mesh.faces.shape
    spec = mujoco.MjSpec.from_string(f'<mujoco><compiler meshdir="{tmp_path}"/><asset><mesh name="m" file="m.msh"/>'
                                     '</asset><worldbody><geom type="mesh" mesh="m"/></worldbody></mujoco>')
    model = spec.compile()
    assert model.mesh_vertnum[0] == len(v)
    R = np.zeros(9)
    mujoco.mju_quat2Mat(R, model.mesh_quat[0])
    theirs = model.mesh_vert[: model.mesh_vertnum[0]] @ R.reshape(3, 3).T + model.mesh_pos[0]
    np.testing.assert_allclose(theirs.min(axis=0), v.min(axis=0), atol=1e-5)
    np.testing.assert_allclose(theirs.max(axis=0), v.max(axis=0), atol=1e-5)
    # a file whose size disagrees with its header is refused with the file named
    (tmp_path / "bad.msh").write_bytes((tmp_path / "m.msh").read_bytes()[:-4])
    with pytest.raises(Exception, match="bad.msh: not a MuJoCo .msh file"):
        read_msh(str(tmp_path / "bad.msh"))


def test_stand_ins_are_never_objects_and_every_file_has_an_outcome(built):
    root, cat = built
    accepted = [o["source"] for o in cat["objects"]]
    assert not [s for s in accepted if STAND_IN.search(s)]
    rep = cat["report"]
    files = {os.path.normpath(os.path.join(d, n)) for d, _, ns in os.walk(root / "src") for n in ns}
    assert sorted(accepted + [r["source"] for r in rep["rejected"] + rep["skipped"]]) == sorted(files)
    why = _reasons(cat)
    assert why["mugs/mug_col.obj"] == "collision stand-in of mug.obj"
    assert why["mugs/collision/mug.stl"] == "collision stand-in of mug.obj"
    assert "marker mesh" in why["mugs/mug_site.obj"]
    assert "collision mesh" in why["mugs/handle_coll.obj"] and "not an object" in why["mugs/handle_coll.obj"]
    assert why["mugs/cup_coll.obj"] == "collision stand-in of cup_vis.obj"
    objs = _objs(cat)
    assert objs["mug.obj"]["parts"] == 2 and objs["cup_vis.obj"]["parts"] == 1


def test_msh_object_is_one_textured_object_at_true_size(built):
    _, cat = built
    o = _objs(cat)["ketchup.xml"]
    assert o["has_texture"] and o["category"] == "ketchup" and o["units"] == "m"
    np.testing.assert_allclose(o["extents"], KETCHUP, rtol=1e-4)
    why = _reasons(cat)
    assert "another form of a mesh ketchup.xml uses" in why["ketchup/ketchup_scan.obj"]
    assert why["ketchup/visual/model_normalized_0.msh"] == "part of ketchup.xml"
    assert why["ketchup/collision/model_normalized_collision_0.stl"] == "part of ketchup.xml"


def test_multi_part_file_is_one_object(built):
    _, cat = built
    bottles = [o for o in cat["objects"] if o["category"] == "wine bottle"]
    assert len(bottles) == 1
    top = max(BOTTLE_H / 2, CORK_Z + CORK_H / 2)
    np.testing.assert_allclose(bottles[0]["extents"], (2 * BOTTLE_R, 2 * BOTTLE_R, top + BOTTLE_H / 2), rtol=0.01)
    assert _reasons(cat)["wine_bottles/meshes/cork.obj"] == "part of wine_bottle.xml"


def test_units_follow_the_category(built):
    """Centimetre files: a cream cheese box and a cabinet, both read in cm at their true size (the cabinet
    would be 4.5 cm under a tabletop-only guess); the cabinet is distractor-only."""
    _, cat = built
    objs = _objs(cat)
    np.testing.assert_allclose(objs["cream_cheese.obj"]["extents"], np.array(CHEESE_CM) / 100, rtol=1e-4)
    assert objs["cream_cheese.obj"]["has_texture"]
    cab = objs["cabinet.obj"]
    np.testing.assert_allclose(cab["extents"], np.array(CABINET_CM) / 100, rtol=1e-4)
    assert cab["units"] == "cm" and cab["role"] == "distractor" and cab["category"] == "cabinet"
    assert guess_units(45.0, False, prior=size_prior("object")).unit == "mm"  # what a tabletop guess would do
    g = guess_units(200.0, False, prior=size_prior("cabinet"))  # 2 m in cm or 20 cm in mm: both furniture
    assert g.unit in ("cm", "mm") and g.uncertain.startswith("unit uncertain") and "cm" in g.uncertain + g.unit
    forced = guess_units(200.0, False, "cm", size_prior("cabinet"))
    assert (forced.factor, forced.unit, forced.uncertain) == (0.01, "cm", "")


def test_unloadable_object_is_rejected_with_its_reason(built):
    _, cat = built
    assert "decal.stl" not in _objs(cat)
    reason = _reasons(cat)["decals/decal.stl"]
    assert reason.startswith("does not load in the simulator") and "flat" in reason
    assert cat["report"]["load_checked"] is True


def test_colour_words_become_attributes_and_name_the_own_look(built):
    root, cat = built
    moka = _objs(cat)["moka_pot.obj"]
    assert moka["category"] == "moka pot" and moka["attributes"] == {"colour": ["pink", "yellow"]}
    assert category_and_attributes("orange_juice") == ("orange juice", (), ())
    assert category_and_attributes("short_cabinets") == ("cabinet", (), ("short",))
    asset = next(a for a in load_catalog_dir(str(root / "cat")) if a.category == "moka pot")
    robot = load_robot("panda")
    for own, expect in ((1.0, "pick up the pink and yellow moka pot"), (0.0, None)):
        cfg = load_config(None, ["scene.objects.num_distractors=[0,0]", f"scene.objects.own_appearance_prob={own}",
                                 "scene.appearance.realistic_share=0"], seed=0, episodes=1)
        s = sample_scene(cfg.scene, AssetCatalog((asset,)), robot, episode_rng(0, 0))
        if expect:
            assert s.instruction == expect
        else:  # a palette colour replaces the object's own look, and the instruction says that colour
            assert s.target.appearance == "random" and s.instruction == f"pick up the {s.target.color_name} moka pot"


def test_preview_draws_a_catalog_whose_first_object_is_distractor_only(built, tmp_path, capsys):
    root, cat = built
    assert cat["objects"][0]["role"] == "distractor"  # the cabinet sorts first
    out = tmp_path / "sheet.png"
    assert main(["assets", "preview", str(root / "cat"), "--out", str(out), "--limit", "2", "--tile", "48"]) == 0
    from PIL import Image

    with Image.open(out) as im:
        img = np.asarray(im.convert("RGB"))
    assert img.shape[:2] == (48, 48 * 6)
    assert np.ptp(img[:, :48].reshape(-1, 3), axis=0).max() > 20  # the first tile shows something
