"""Asset ingestion: every kind of broken file gets its documented outcome; catalogs feed generation."""

import json
import os

import numpy as np
import pytest
import trimesh

from syngrasp.assets import build_catalog, load_robot
from syngrasp.assets.ingest import build_catalog_dir, import_and_validate
from syngrasp.assets.procedural import CATEGORIES, procedural_object
from syngrasp.app.cli import main
from syngrasp.app.config import load_config
from syngrasp.core.rng import episode_rng
from syngrasp.randomization.scene import sample_scene

CUBE_V = "v 0 0 0\nv .05 0 0\nv .05 .05 0\nv 0 .05 0\nv 0 0 .05\nv .05 0 .05\nv .05 .05 .05\nv 0 .05 .05\n"
CUBE_F = "f 1 3 2\nf 1 4 3\nf 5 6 7\nf 5 7 8\nf 1 2 6\nf 1 6 5\nf 2 3 7\nf 2 7 6\nf 3 4 8\nf 3 8 7\nf 4 1 5\nf 4 5 8\n"


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return str(path)


def _cube(scale=1.0):
    lines = [f"v {float(a) * scale} {float(b) * scale} {float(c) * scale}" for a, b, c in (ln.split()[1:] for ln in CUBE_V.splitlines())]
    return "\n".join(lines) + "\n" + CUBE_F


@pytest.fixture
def broken(tmp_path):
    d = tmp_path / "src"
    files = {
        "nan": _write(d / "box/nan.obj", CUBE_V.replace("v .05 .05 .05", "v nan .05 .05") + CUBE_F),
        "all_nan": _write(d / "box/all_nan.obj", "v nan nan nan\nv nan 0 0\nv 0 nan 0\nv 0 0 nan\nf 1 2 3\nf 1 3 4\nf 1 2 4\nf 2 3 4\n"),
        "open": _write(d / "box/open.obj", CUBE_V + "\n".join(CUBE_F.splitlines()[:10]) + "\n"),
        "flat": _write(d / "box/flat.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nf 1 2 3\nf 2 4 3\n"),
        "millimetres": _write(d / "box/mm.obj", _cube(1000.0)),
        "absurd": _write(d / "box/absurd.obj", _cube(1e9)),
        "missing_texture": _write(d / "box/tex.obj", "mtllib tex.mtl\n" + _cube()),
        "garbage": _write(d / "box/garbage.stl", "this is not a mesh\x00\x01"),
        "missing_file": _write(d / "box/robotless.urdf", '<robot name="x"><link name="a"><visual><geometry><mesh filename="gone.obj"/></geometry></visual></link></robot>'),
    }
    _write(d / "box/tex.mtl", "newmtl m\nmap_Kd missing.png\n")
    dense = trimesh.creation.icosphere(subdivisions=6, radius=0.03)
    os.makedirs(d / "ball", exist_ok=True)
    dense.export(d / "ball/dense.stl")
    files["too_many_faces"] = str(d / "ball/dense.stl")
    return d, files


@pytest.mark.parametrize(
    "name,outcome,needle",
    [
        ("nan", "repaired", "NaN"),
        ("all_nan", "rejected", "NaN"),
        ("open", "repaired", "holes filled"),
        ("flat", "rejected", "zero volume"),
        ("millimetres", "accepted", ""),  # units are decided by the build (see test_collection.py)
        ("absurd", "rejected", "absurd size"),
        ("missing_texture", "repaired", "texture missing.png missing"),
        ("garbage", "rejected", "unreadable or empty"),
        ("missing_file", "rejected", "missing file"),
        ("too_many_faces", "repaired", "simplified"),
    ],
)
def test_broken_inputs_have_documented_outcomes(broken, name, outcome, needle):
    _, files = broken
    res = import_and_validate(files[name], "box")
    if outcome == "rejected":
        assert res.mesh is None and needle in res.rejected, res.rejected
    else:
        assert res.mesh is not None and not res.rejected
        assert not needle or any(needle in n for n in res.notes), res.notes
        assert np.all(np.isfinite(res.mesh.vertices)) and res.mesh.convex_hull.volume > 0


def test_one_bad_file_never_stops_the_build(broken, tmp_path, capsys):
    src, files = broken
    out = tmp_path / "cat"
    assert main(["assets", "build", str(src), "--out", str(out), "--workers", "1"]) == 0
    cat = json.loads((out / "catalog.json").read_text())
    rep = cat["report"]
    rejected = {os.path.basename(r["source"]) for r in rep["rejected"]}
    assert rejected == {"all_nan.obj", "flat.obj", "absurd.obj", "garbage.stl", "robotless.urdf"}
    # tex.obj, mm.obj (after units) and open.obj (after filling) are one 5 cm cube: imported once
    dupes = [r for r in rep["skipped"] if "identical mesh" in r["reason"]]
    assert rep["accepted"] == 3 and len(dupes) == 2 and len(rep["repaired"]) == 3
    assert any("mm" in n for r in cat["objects"] for n in r["notes"]) or any("mm.obj" in r["source"] for r in dupes)
    assert set(cat["categories"]) == {"box", "ball"}
    assert main(["assets", "inspect", str(out)]) == 0
    text = capsys.readouterr().out
    assert "rejected (sample)" in text and "absurd size" in text and "box" in text


def test_a_failing_repair_rejects_only_that_file(tmp_path, monkeypatch):
    """A repair step that raises (as fill_holes does without networkx) costs its file, not the build."""
    src = tmp_path / "src" / "box"
    src.mkdir(parents=True)
    box = trimesh.creation.box((0.05, 0.06, 0.08))
    trimesh.Trimesh(box.vertices, box.faces[:-2], process=False).export(src / "open.stl")
    trimesh.creation.icosphere(radius=0.03).export(src / "ball.stl")

    def broken_fill_holes(mesh):
        raise ModuleNotFoundError("No module named 'networkx'")

    monkeypatch.setattr(trimesh.repair, "fill_holes", broken_fill_holes)
    cat = build_catalog_dir(str(tmp_path / "src"), str(tmp_path / "cat"), None, workers=1, log=lambda *_: None)
    rejected = {os.path.basename(r["source"]): r["reason"] for r in cat["report"]["rejected"]}
    assert set(rejected) == {"open.stl"} and "networkx" in rejected["open.stl"]
    assert [os.path.basename(o["source"]) for o in cat["objects"]] == ["ball.stl"]


@pytest.mark.parametrize("kind", ["stl", "ply", "glb", "urdf", "mjcf"])
def test_importers(tmp_path, kind):
    mesh = trimesh.creation.box(extents=[0.04, 0.05, 0.06])
    d = tmp_path / "src" / "block"
    os.makedirs(d)
    if kind in ("stl", "ply", "glb"):
        mesh.export(d / f"b.{kind}")
        path = d / f"b.{kind}"
    else:
        mesh.export(d / "b.obj")
        path = d / ("b.urdf" if kind == "urdf" else "b.xml")
        text = (
            '<robot name="b"><link name="l"><visual><geometry><mesh filename="b.obj" scale="2 2 2"/></geometry></visual></link></robot>'
            if kind == "urdf"
            else '<mujoco><asset><mesh name="b" file="b.obj" scale="2 2 2"/></asset></mujoco>'
        )
        path.write_text(text)
    res = import_and_validate(str(path), "block")
    assert res.mesh is not None, res.rejected
    want = np.array([0.04, 0.05, 0.06]) * (2 if kind in ("urdf", "mjcf") else 1)
    np.testing.assert_allclose(np.sort(res.mesh.extents), np.sort(want), rtol=1e-6)


def test_procedural_categories():
    assert len(CATEGORIES) >= 10
    for cat in CATEGORIES:
        visual, parts = procedural_object(cat, 5)
        again, _ = procedural_object.__wrapped__(cat, 5)
        np.testing.assert_array_equal(visual.vertices, again.vertices)
        assert visual.is_watertight, cat
        for p in parts:
            assert p.is_convex, cat
        assert not np.array_equal(visual.vertices, procedural_object(cat, 6)[0].vertices)


@pytest.mark.sim
def test_catalog_build_caches_decompositions_and_feeds_generation(tmp_path):
    src = tmp_path / "src"
    for cat in ("mug", "can", "banana"):
        os.makedirs(src / cat)
        for seed in range(2):
            procedural_object(cat, seed)[0].export(src / cat / f"{seed}.obj")
    (tmp_path / "map.csv").write_text("path,category\ncan/1.obj,soda can\n")
    out = tmp_path / "cat"
    first = build_catalog_dir(str(src), str(out), str(tmp_path / "map.csv"), workers=2, log=lambda *_: None)
    concave = sum(o["parts"] > 1 for o in first["objects"])
    assert concave >= 2 and first["report"]["decompositions_from_cache"] == 0
    second = build_catalog_dir(str(src), str(out), str(tmp_path / "map.csv"), workers=2, log=lambda *_: None)
    assert second["report"]["decompositions_from_cache"] == concave
    assert set(first["categories"]) == {"mug", "can", "banana", "soda can"}
    cfg = load_config(None, [f"scene.asset_sources=['catalog:{out}']", "scene.objects.num_distractors=[0,0]",
                             "scene.objects.target_max_width=0.2"], seed=0, episodes=1)
    catalog = build_catalog(cfg.scene.asset_sources)
    robot = load_robot("panda")
    seen = set()
    for i in range(12):
        s = sample_scene(cfg.scene, catalog, robot, episode_rng(1, i))
        assert s.instruction.endswith(s.target.category)
        seen.add(s.target.category)
    assert len(seen) >= 3


def test_default_catalog_names_categories():
    cfg = load_config(None, [], seed=0, episodes=1)
    catalog = build_catalog(cfg.scene.asset_sources)
    assert set(CATEGORIES) <= set(catalog.categories()) and "object" in catalog.categories()
    robot = load_robot("panda")
    cats = set()
    for i in range(30):
        s = sample_scene(cfg.scene, catalog, robot, episode_rng(2, i))
        if s.target.appearance == "own":  # a labelled can, box, mug...: the only one of its category
            assert s.target.color_name == "" and s.instruction == f"pick up the {s.target.category}"
            assert sum(o.category == s.target.category for o in s.objects) == 1
        else:
            assert s.instruction == f"pick up the {s.target.color_name} {s.target.category}"
        cats.add(s.target.category)
    assert len(cats - {"object"}) >= 5


def test_missing_catalog_is_a_config_error(tmp_path):
    assert main(["generate", "--out", str(tmp_path / "o"), "--episodes", "1", "--seed", "0", "--workers", "0",
                 f"scene.asset_sources=['catalog:{tmp_path / 'nope'}']"]) == 2
