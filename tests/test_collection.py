"""A mixed, real-world-shaped collection: every file gets an outcome, textures render, sizes hold,
duplicates are imported once, primitive-geom objects import and are grasped."""

import dataclasses
import json
import os

import mujoco
import numpy as np
import pytest
from PIL import Image

from syngrasp.assets import load_robot
from syngrasp.assets.catalog import AssetCatalog
from syngrasp.assets.ingest import build_catalog_dir, detect_units, load_catalog_dir
from syngrasp.assets.names import display_name
from syngrasp.app.cli import main
from syngrasp.app.config import load_config
from syngrasp.core.rng import episode_rng
from syngrasp.generators.mujoco_backend.build import build_model
from syngrasp.generators.mujoco_backend.render import SceneRenderer
from syngrasp.randomization.scene import sample_scene

from .collection import write_collection


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("coll")
    facts = write_collection(str(root / "src"))
    assert main(["assets", "build", str(root / "src"), "--out", str(root / "cat"), "--workers", "1"]) == 0
    cat = json.loads((root / "cat" / "catalog.json").read_text())
    return root, cat, facts


def _by_name(cat):
    return {os.path.basename(o["source"]): o for o in cat["objects"]}


def test_every_file_has_one_outcome_with_a_reason(built):
    root, cat, _ = built
    rep = cat["report"]
    files = {os.path.normpath(os.path.join(d, n)) for d, _, ns in os.walk(root / "src") for n in ns}
    outcomes = [o["source"] for o in cat["objects"]] + [r["source"] for r in rep["rejected"] + rep["skipped"] + rep["variants"]]
    assert sorted(outcomes) == sorted(files)  # each file exactly once
    assert all(r["reason"] for r in rep["rejected"] + rep["skipped"])
    reasons = {os.path.basename(r["source"]): r["reason"] for r in rep["rejected"] + rep["skipped"]}
    assert "too large for a tabletop" in reasons["table.stl"]
    assert "not an object file" in reasons["README.txt"]
    assert "visual twin of carton.xml" in reasons["carton-visual.xml"]
    assert "collision stand-in" in reasons["bracket_vhacd.obj"]
    assert "part of can.xml" in reasons["can.msh"]


def test_duplicates_twins_and_stand_ins_are_imported_once(built):
    _, cat, _ = built
    objs = _by_name(cat)
    sources = [os.path.basename(o["source"]) for o in cat["objects"]]
    # the ball exists as ball.obj, ball.stl and copy_of_ball.ply: one object
    assert sum(s.startswith(("ball", "copy_of_ball")) for s in sources) == 1
    ball = objs.get("ball.obj") or objs["copy_of_ball.ply"]
    assert any("not imported twice" in n for n in ball["notes"])
    assert "carton-visual.xml" not in sources and any("visual twin" in n for n in objs["carton.xml"]["notes"])
    assert "bracket_vhacd.obj" not in sources and objs["bracket.obj"]["parts"] == 2
    assert any("read sibling can.obj" in n for n in objs["can.xml"]["notes"])
    # a scanned-object MJCF: textured visual class, two collision meshes as its parts, rotated 90 deg (radian)
    bowl = objs["model.xml"]
    assert bowl["has_texture"] and bowl["parts"] == 2 and bowl["category"] == "bowl"
    np.testing.assert_allclose(sorted(bowl["extents"]), [0.05, 0.12, 0.12], rtol=0.01)


def test_keep_mode_preserves_metric_extents_and_detects_units(built):
    root, cat, facts = built
    objs = _by_name(cat)
    np.testing.assert_allclose(sorted(objs["mm_block.stl"]["extents"]), facts["mm_extents"], rtol=0.01)
    np.testing.assert_allclose(sorted(objs["carton.xml"]["extents"]), sorted(facts["carton_extents"]), rtol=0.01)
    assert any("mm" in n for n in objs["mm_block.stl"]["notes"])
    # the size survives into a sampled scene
    assets = {a.asset_id.rsplit("/", 1)[1]: a for a in load_catalog_dir(str(root / "cat"))}
    block = assets[objs["mm_block.stl"]["id"]]
    cfg = load_config(None, ["scene.objects.num_distractors=[0,0]", "scene.objects.target_max_width=0.2"], seed=0, episodes=1)
    s = sample_scene(cfg.scene, AssetCatalog((block,)), load_robot("panda"), episode_rng(0, 0))
    mesh = np.load(block.visual_mesh.split(":")[1])["visual_v"] * np.asarray(s.target.scale)
    np.testing.assert_allclose(sorted(np.ptp(mesh, axis=0)), facts["mm_extents"], rtol=0.01)
    assert detect_units(160.0, False) == (0.001, "mm") and detect_units(16.0, False) == (0.01, "cm")
    assert detect_units(2.0, False) == (1.0, "m") and detect_units(50.0, True) == (1.0, "m")


def test_graspability_and_names(built, capsys):
    root, cat, _ = built
    objs = _by_name(cat)
    tray = objs["tray.stl"]
    assert tray["role"] == "distractor" and "80 mm opening" in tray["role_reason"]  # the Panda spec's width
    assert objs["carton.xml"]["role"] == "target" and objs["hex_nut.xml"]["role"] == "target"
    assert {"milk carton", "toy", "nut", "plate", "tray"} <= set(cat["categories"])
    assert main(["assets", "inspect", str(root / "cat")]) == 0
    out = capsys.readouterr().out
    assert "distractor-only" in out and "fits the gripper in no orientation" in out
    assert [display_name(n) for n in ("toys", "door_handles", "boxes", "berries", "glass", "knives")] == [
        "toy", "door handle", "box", "berry", "glass", "knife"]
    # distractor-only objects are never targets
    assets = load_catalog_dir(str(root / "cat"))
    cfg = load_config(None, [f"scene.asset_sources=['catalog:{root / 'cat'}']", "scene.objects.target_max_width=0.3"],
                      seed=0, episodes=1)
    robot = load_robot("panda")
    catalog = AssetCatalog(tuple(assets))
    for i in range(15):
        s = sample_scene(cfg.scene, catalog, robot, episode_rng(4, i))
        assert not catalog.by_id(s.target.asset_id).distractor_only
        assert s.instruction == (f"pick up the {s.target.color_name} {s.target.category}" if s.target.color_name
                                 else f"pick up the {s.target.category}")


def _mask_mean(scene, catalog, robot, cfg):
    """Mean rgb inside obj0's visual geom mask, from the camera that sees most of it."""
    model = build_model(scene, catalog, robot, cfg.render)
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    r = SceneRenderer(model, 128, 128, cfg.render)
    try:
        gid = next(i for i in range(model.ngeom) if model.geom_bodyid[i] == model.body("obj0").id and model.geom_group[i] == 2)
        cam = max(range(model.ncam), key=lambda c: int((r.segmentation(data, c) == gid).sum()))
        mask = r.segmentation(data, cam) == gid
        assert mask.sum() > 100
        return r.rgb(data, cam)[mask].astype(float).mean(axis=0)
    finally:
        r.close()


@pytest.mark.parametrize("source", ["carton.xml", "block.glb", "model.xml"])
def test_textured_objects_render_their_texture(built, source):
    """Own appearance vs the same scene with a white untextured object: the ratio of the masked mean
    colours is the texture's mean colour (lighting cancels), within 0.06 per channel."""
    root, cat, _ = built
    obj = _by_name(cat)[source]
    assert obj["has_texture"]
    asset = next(a for a in load_catalog_dir(str(root / "cat")) if a.asset_id.endswith(obj["id"]))
    catalog, robot = AssetCatalog((asset,)), load_robot("panda")
    # the classic engine shades linearly, so the ratio is exact (tests/test_scanned_textures.py checks Filament)
    cfg = load_config(None, ["scene.image_size=[128,128]", "scene.objects.num_distractors=[0,0]",
                             "scene.objects.own_appearance_prob=1.0", "scene.objects.target_max_width=0.2",
                             "render.preset=balanced", "scene.appearance.realistic_share=0"], seed=0, episodes=1)
    s = sample_scene(cfg.scene, catalog, robot, episode_rng(0, 0))
    o = s.target
    assert o.appearance == "own" and o.color_name == "" and s.instruction == f"pick up the {o.category}"
    white = dataclasses.replace(o, appearance="random", material=dataclasses.replace(o.material, texture=None, rgba=(1, 1, 1, 1)))
    textured = _mask_mean(s, catalog, robot, cfg)
    lit = _mask_mean(dataclasses.replace(s, objects=(white,)), catalog, robot, cfg)
    with Image.open(asset.texture) as im:
        tex_mean = np.asarray(im.convert("RGB"), float).reshape(-1, 3).mean(axis=0) / 255
    np.testing.assert_allclose(textured / lit, tex_mean, atol=0.06)


@pytest.mark.sim
def test_primitive_geom_object_is_grasped(tmp_path):
    from syngrasp.generators.episode import EpisodeGenerator

    write_collection(str(tmp_path / "all"))
    src = tmp_path / "src" / "pegs"
    src.mkdir(parents=True)
    (src / "peg.xml").write_text((tmp_path / "all" / "nuts" / "peg.xml").read_text())
    cat = build_catalog_dir(str(tmp_path / "src"), str(tmp_path / "cat"), log=lambda *_: None)
    assert [o["parts"] for o in cat["objects"]] == [2]  # capsule + sphere, kept as collision pieces
    cfg = load_config(None, ["scene.image_size=[64,64]", "scene.objects.num_distractors=[0,0]",
                             f"scene.asset_sources=['catalog:{tmp_path / 'cat'}']"], seed=3, episodes=3)
    gen = EpisodeGenerator(cfg)
    results = [gen.generate(cfg.seed, i) for i in range(3)]
    assert sum(r.success for r in results) >= 2, [r.failure_reason for r in results]


def test_mapping_file_and_category_size_mode(built, tmp_path):
    """A JSON mapping gives display names and synonyms; category mode rescales within size ranges
    and reports each object's final extents at both ends of its range."""
    root, _, _ = built
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"categories": {"nuts": {"name": "hex nut", "synonyms": ["nut", "fastener"]}},
                                   "size_ranges": {"toy": [0.06, 0.08]}}))
    cat = build_catalog_dir(str(root / "src"), str(tmp_path / "cat"), str(mapping), log=lambda *_: None,
                            size_mode="category")
    assert cat["categories"]["hex nut"]["synonyms"] == ["nut", "fastener"]
    assets = [a for a in load_catalog_dir(str(tmp_path / "cat")) if a.category == "hex nut"]
    assert assets and all(a.synonyms == ("nut", "fastener") for a in assets)
    toy = next(o for o in cat["objects"] if o["category"] == "toy")
    lo, hi = toy["final_extents"]
    assert max(lo) == pytest.approx(0.06) and max(hi) == pytest.approx(0.08)
    # category mode rescales whatever the metric size, and says so
    table = next(o for o in cat["objects"] if o["source"].endswith("table.stl"))
    assert any("not tabletop-sized" in n for n in table["notes"]) and max(table["final_extents"][1]) <= 0.1 + 1e-9
