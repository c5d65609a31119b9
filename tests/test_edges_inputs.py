"""Trust at the edges: collections and other people's datasets, attacked with inputs built here.

Asset side: references out of the collection in every format (``../``, absolute, ``meshdir="/"``,
``file://``, ``package://``, OBJ ``mtllib``/``map_Kd``, symlinks) are never opened (an audit hook
records every ``open``); a FIFO and a link to /dev/zero do not hang or kill the build; a 13,000^2
PNG is refused from its header; byte and triangle limits; escape codes in names; catalog paths.
Dataset side: HDF5 external storage, virtual datasets and external links are refused by convert,
stats and validate; a truncated shard is a named error; the report escapes a crafted info.json,
and a ``$\\frac$`` category does not reach matplotlib's math parser.
"""

import json
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
import trimesh
from PIL import Image

from syngrasp.app.cli import main
from syngrasp.assets.catalog_dir import load_catalog_dir
from syngrasp.assets.confine import ReadLimits
from syngrasp.assets.ingest import build_catalog_dir
from syngrasp.core.episode import Episode
from syngrasp.core.errors import AssetError, DatasetError
from syngrasp.core.text import safe_text
from syngrasp.exporters.config import WriterConfig
from syngrasp.exporters.formats.hdf5.writer import HDF5ShardWriter, hdf5_name
from syngrasp.exporters.untrusted import open_shard
from syngrasp.exporters.validate import validate

OPENED: list[str] = []


def _audit(event, args):
    if event == "open" and isinstance(args[0], (str, bytes)):
        OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)  # records every open() of this process; tests clear it before they build


# ---------------------------------------------------------------- assets


def _box_obj(path, size=(0.04, 0.03, 0.05), mtl=None):
    """A textured-looking box OBJ (UVs per vertex) with an optional ``mtllib`` line."""
    m = trimesh.creation.box(extents=size)
    uv = (m.vertices[:, :2] - m.vertices[:, :2].min(0)) / np.ptp(m.vertices[:, :2], axis=0)
    lines = [f"mtllib {mtl}", "usemtl skin"] if mtl else []
    lines += [f"v {x} {y} {z}" for x, y, z in m.vertices] + [f"vt {u} {v}" for u, v in uv]
    lines += [f"f {a + 1}/{a + 1} {b + 1}/{b + 1} {c + 1}/{c + 1}" for a, b, c in m.faces]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def _png(path, size=(8, 8), colour=(201, 13, 77)):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.new("RGB", size, colour).save(path)


@pytest.fixture
def outside(tmp_path):
    """Files outside the collection that a crafted collection points at."""
    d = tmp_path / "outside"
    _box_obj(str(d / "secret.obj"))
    _png(str(d / "secret.png"))
    (d / "secret.mtl").write_text("newmtl skin\nmap_Kd secret.png\n")
    return d


def _build(src, cat, **kw):
    OPENED.clear()
    return build_catalog_dir(str(src), str(cat), workers=1, log=lambda *_: None, **kw)


def _outcome(cat, name):
    """(kind, reason or notes) of the file whose source ends with ``name`` in a catalog report."""
    rep = cat["report"]
    for kind in ("rejected", "skipped"):
        for r in rep[kind]:
            if r["source"].endswith(name):
                return kind, r["reason"]
    for o in cat["objects"]:
        if o["source"].endswith(name):
            return "accepted", "; ".join(o["notes"]) + f" texture={o['texture']}"
    raise AssertionError(f"{name} has no outcome")


MJCF = ("<mujoco>{compiler}<asset><mesh name='m' file='{mesh}'/>{tex}</asset>"
        "<worldbody><body><geom type='mesh' mesh='m' {mat}/></body></worldbody></mujoco>")
URDF = "<robot name='r'><link name='l'><visual><geometry><mesh filename='{mesh}'/></geometry></visual></link></robot>"


def _cases(out):
    secret, png = str(out / "secret.obj"), str(out / "secret.png")
    tex = "<texture name='t' type='2d' file='{f}'/><material name='mt' texture='t'/>"
    return {
        "mjcf mesh ../": ("a.xml", MJCF.format(compiler="", mesh="../../outside/secret.obj", tex="", mat=""), "rejected"),
        "mjcf mesh absolute": ("a.xml", MJCF.format(compiler="", mesh=secret, tex="", mat=""), "rejected"),
        "mjcf meshdir=/": ("a.xml", MJCF.format(compiler="<compiler meshdir='/'/>", mesh=secret.lstrip("/"), tex="", mat=""),
                           "rejected"),
        "mjcf texture ../": ("a.xml", MJCF.format(compiler="", mesh="box.obj", tex=tex.format(f="../../outside/secret.png"),
                                                  mat="material='mt'"), "accepted"),
        "mjcf texture absolute": ("a.xml", MJCF.format(compiler="", mesh="box.obj", tex=tex.format(f=png), mat="material='mt'"),
                                  "accepted"),
        "urdf mesh ../": ("a.urdf", URDF.format(mesh="../../outside/secret.obj"), "rejected"),
        "urdf mesh absolute": ("a.urdf", URDF.format(mesh=secret), "rejected"),
        "urdf file://": ("a.urdf", URDF.format(mesh="file://" + secret), "rejected"),
        "urdf package://": ("a.urdf", URDF.format(mesh="package://pkg/../../outside/secret.obj"), "rejected"),
        "obj mtllib ../": ("a.obj", None, "accepted"),
        "obj map_Kd absolute": ("a.obj", None, "accepted"),
    }


@pytest.mark.parametrize("case", list(_cases(__import__("pathlib").Path("/x"))))
def test_references_out_of_the_collection_are_never_opened(tmp_path, outside, case):
    name, text, expect = _cases(outside)[case]
    folder = tmp_path / "src" / "thing"
    folder.mkdir(parents=True)
    if text is not None:
        _box_obj(str(folder / "box.obj"))
        (folder / name).write_text(text)
    elif "mtllib" in case:
        _box_obj(str(folder / name), mtl="../../outside/secret.mtl")
    else:
        (folder / "a.mtl").write_text(f"newmtl skin\nmap_Kd {outside / 'secret.png'}\n")
        _box_obj(str(folder / name), mtl="a.mtl")
    cat = _build(tmp_path / "src", tmp_path / "cat")
    assert not [p for p in OPENED if str(outside) in os.path.realpath(p)], case
    kind, why = _outcome(cat, name)
    assert kind == expect, (case, kind, why)
    if kind == "rejected":
        assert "outside the collection" in why and "--allow-outside-root" in why
    else:
        assert "not read: outside the collection" in why, why  # a note; the object keeps its own look
    assert not _secret_copied(tmp_path / "cat")


def _secret_copied(cat) -> bool:
    """Whether a stored texture holds the outside image's colour (201, 13, 77)."""
    d = cat / "textures"
    return any(np.all(np.asarray(Image.open(d / n).convert("RGB"))[0, 0] == (201, 13, 77))
               for n in (os.listdir(d) if d.is_dir() else []))


def test_symlink_out_is_skipped_unless_allowed(tmp_path, outside):
    src = tmp_path / "src" / "thing"
    src.mkdir(parents=True)
    os.symlink(outside / "secret.obj", src / "link.obj")
    _box_obj(str(src / "own.obj"), size=(0.03, 0.03, 0.03))
    cat = _build(tmp_path / "src", tmp_path / "cat")
    kind, why = _outcome(cat, "link.obj")
    assert kind == "skipped" and why.startswith("outside the collection: a symlink to " + str(outside / "secret.obj"))
    assert not [p for p in OPENED if "outside" in os.path.realpath(p)]
    assert _outcome(cat, "own.obj")[0] == "accepted"
    opened = _build(tmp_path / "src", tmp_path / "cat2", limits=ReadLimits(allow_outside_root=True))
    assert _outcome(opened, "link.obj")[0] == "accepted"  # the opt-in flag reads it


_HOSTILE = """
import json, resource, sys
from syngrasp.assets.ingest import build_catalog_dir
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
cat = build_catalog_dir(sys.argv[1], sys.argv[2], workers=1, log=lambda *_: None)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"report": cat["report"], "peak_mb": after, "build_mb": after - before}))
"""


def test_fifo_device_link_and_pixel_bomb_neither_hang_nor_exhaust_memory(tmp_path):
    src = tmp_path / "src" / "thing"
    src.mkdir(parents=True)
    os.mkfifo(src / "pipe.obj")  # opening it for reading would block forever
    os.mkfifo(src / "pipe.png")
    os.symlink("/dev/zero", src / "zero.stl")  # reading it would fill memory
    Image.new("1", (13000, 13000)).save(src / "huge.png", optimize=True)  # ~20 kB on disk, 169 Mpx
    assert os.path.getsize(src / "huge.png") < 100_000
    (src / "box.mtl").write_text("newmtl skin\nmap_Kd huge.png\n")
    _box_obj(str(src / "box.obj"), mtl="box.mtl")
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "PYTHONPATH", "HOME", "MUJOCO_GL")}
    res = subprocess.run([sys.executable, "-c", _HOSTILE, str(tmp_path / "src"), str(tmp_path / "cat")],
                         capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    last = json.loads(res.stdout.strip().splitlines()[-1])
    rep, peak_mb, build_mb = last["report"], last["peak_mb"], last["build_mb"]
    reasons = {os.path.basename(r["source"]): r["reason"] for r in rep["skipped"] + rep["rejected"]}
    assert reasons["pipe.obj"] == reasons["pipe.png"] == "not a regular file (a FIFO): never opened"
    assert reasons["zero.stl"].startswith("outside the collection")  # /dev/zero is outside, and a device
    assert reasons["huge.png"].startswith("texture too large: 13000x13000 = 169000000 pixels > 67108864")
    assert rep["accepted"] == 1 and any("huge.png not read: texture too large" in n
                                        for r in rep["repaired"] for n in r["notes"])
    # what the build added to the process's peak; decoding 169 Mpx to RGB alone takes 507 MB
    assert build_mb < 300, (build_mb, peak_mb)


def test_device_inside_root_is_refused_as_not_regular(tmp_path):
    from syngrasp.assets.confine import refusal

    lim = ReadLimits(root="/dev")
    assert refusal("/dev/zero", lim) == "not a regular file (a device): never opened"
    assert refusal("/dev/null", ReadLimits()) == "not a regular file (a device): never opened"


def test_byte_and_triangle_limits_from_the_cli(tmp_path, capsys):
    src = tmp_path / "src" / "thing"
    _box_obj(str(src / "box.obj"))  # 12 triangles, ~600 bytes
    trimesh.creation.icosphere(subdivisions=3, radius=0.03).export(src / "ball.obj")  # ~40 kB
    rc = main(["assets", "build", str(tmp_path / "src"), "--out", str(tmp_path / "cat"), "--workers", "1",
               "--no-load-check", "--max-triangles", "10", "--max-file-bytes", "5000"])
    assert rc == 0
    cat = json.loads((tmp_path / "cat" / "catalog.json").read_text())
    assert _outcome(cat, "box.obj") == ("rejected", f"{src / 'box.obj'}: 12 triangles > 10 (raise --max-triangles)")
    kind, why = _outcome(cat, "ball.obj")
    assert kind == "skipped" and why.startswith("too large: ") and why.endswith("> 5000 (raise --max-file-bytes)")
    assert cat["read_limits"] == {"allow_outside_root": False, "max_bytes": 5000, "max_triangles": 10,
                                  "max_texture_pixels": 8192 * 8192}
    assert "ball.obj: too large" in capsys.readouterr().err


def test_escape_codes_in_file_names_print_as_text(tmp_path, capsys):
    src = tmp_path / "src" / "thing"
    src.mkdir(parents=True)
    (src / "bad\x1b[2J\x07.obj").write_text("not a mesh\n")
    _box_obj(str(src / "ok.obj"))
    _build(tmp_path / "src", tmp_path / "cat")
    assert main(["assets", "inspect", str(tmp_path / "cat")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "bad\\x1b[2J\\x07.obj" in out
    assert main(["assets", "inspect", str(tmp_path / "no\x1b]0;pwned\x07")]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "no\\x1b]0;pwned\\x07" in err
    assert safe_text("a\u202eb\tc\\") == "a\\u202eb\\x09c\\"


@pytest.mark.parametrize("field,value,key", [
    ("id", "../../outside/secret", "objects['../../outside/secret'].id"),
    ("texture", "/etc/hostname", "objects['mug_000000'].texture"),
    ("texture", "../outside/secret.png", "objects['mug_000000'].texture"),
])
def test_catalog_paths_are_confined_on_load(tmp_path, outside, field, value, key):
    root = tmp_path / "cat"
    (root / "objects").mkdir(parents=True)
    np.savez(root / "objects" / "mug_000000.npz", visual_v=np.eye(3), visual_f=np.array([[0, 1, 2]]))
    row = {"id": "mug_000000", "category": "mug", "extents": [0.05] * 3, "parts": 0, field: value}
    (root / "catalog.json").write_text(json.dumps({"categories": {"mug": {"density": 500.0}}, "objects": [row]}))
    with pytest.raises(AssetError, match=r"catalog\.json: " + __import__("re").escape(key)) as e:
        load_catalog_dir(str(root))
    assert "outside the collection" in str(e.value)


def test_malformed_catalog_json_names_the_file(tmp_path, capsys):
    root = tmp_path / "cat"
    root.mkdir()
    (root / "catalog.json").write_text('{"objects": [{"id": 1}]')
    with pytest.raises(AssetError, match="catalog.json: not readable JSON"):  # one reader, one message
        load_catalog_dir(str(root))
    assert main(["assets", "inspect", str(root)]) == 2
    assert f"{root / 'catalog.json'}: not readable JSON" in capsys.readouterr().err
    (root / "catalog.json").write_text('{"objects": {}, "categories": {}}')  # JSON, but not a catalog
    with pytest.raises(AssetError, match="catalog.json: not a catalog.json written by syngrasp assets build"):
        load_catalog_dir(str(root))
    assert main(["assets", "inspect", str(root)]) == 2
    assert "not a catalog.json written by syngrasp assets build" in capsys.readouterr().err


# ---------------------------------------------------------------- datasets


def _episode(idx=0, category="mug", instruction="pick up the mug", T=4):
    rng = np.random.default_rng(idx)
    frames = {"observation.state": rng.normal(size=(T, 8)).astype(np.float32),
              "action": rng.normal(size=(T, 7)).astype(np.float32),
              "action.joint": rng.normal(size=(T, 8)).astype(np.float32),
              "observation.images.front": rng.integers(0, 255, (T, 32, 32, 3), dtype=np.uint8),
              "annotation.bbox.front": np.tile(np.float32([4, 4, 20, 20]), (T, 1)),
              "observation.ee_pose": np.tile(np.float32([0.4, 0, 0.2, 1, 0, 0, 0]), (T, 1)),
              "annotation.object_pose": np.tile(np.float32([0.5, 0, 0.05, 1, 0, 0, 0]), (T, 1)),
              "annotation.phase": np.arange(T, dtype=np.int64)}
    scene = {"objects": [{"category": category, "scale": [1.0, 1.0, 1.0]}], "target_index": 0,
             "cameras": [{"name": "front", "pos": [1.0, 0.0, 0.5], "fovy": 45.0}], "lights": [{"type": "point", "diffuse": [1, 0.9, 0.8]}],
             "table": {"top_z": 0.0}}
    meta = {"episode_index": idx, "instruction": instruction, "success": True, "failure_reason": "", "attempts": 1,
            "seed": 0, "grasp_width": 0.04, "grasp_pose": np.eye(4), "scene": json.dumps(scene), "version": "test",
            "schema_version": "1.0", "fps": 10.0, "max_penetration_m": 0.0, "visibility_redraws": 0}
    return Episode(frames, {"front": {"intrinsics": np.eye(3), "extrinsics": np.eye(4)}}, meta)


def _dataset(root, **kw):
    HDF5ShardWriter(str(root), WriterConfig()).write(0, [_episode(**kw)], {"shard_index": 0})
    return root / hdf5_name(0)


def _tamper(shard, how, outside):
    """Make one dataset of the shard read bytes from ``outside``."""
    secret = outside / "secret.bin"
    np.arange(32, dtype=np.float32).tofile(secret)
    with h5py.File(shard, "a") as f:
        obs = f["data/demo_0/obs"]
        del obs["observation.state"]
        if how == "external storage":
            obs.create_dataset("observation.state", shape=(4, 8), dtype="<f4", external=[(str(secret), 0, 128)])
        elif how == "virtual dataset":
            src = outside / "src.h5"
            with h5py.File(src, "w") as g:
                g["x"] = np.zeros((4, 8), np.float32)
            layout = h5py.VirtualLayout(shape=(4, 8), dtype="f4")
            layout[:] = h5py.VirtualSource(str(src), "x", shape=(4, 8))
            obs.create_virtual_dataset("observation.state", layout)
        else:
            src = outside / "linked.h5"
            with h5py.File(src, "w") as g:
                g["x"] = np.zeros((4, 8), np.float32)
            obs["observation.state"] = h5py.ExternalLink(str(src), "/x")


HOW = ("external storage", "virtual dataset", "external link")


@pytest.mark.parametrize("how", HOW)
def test_shards_reading_outside_are_refused(tmp_path, how, capsys):
    out = tmp_path / "outside"
    out.mkdir()
    shard = _dataset(tmp_path / "ds")
    _tamper(shard, how, out)
    word = {"external storage": "external file", "virtual dataset": "virtual dataset", "external link": "external link"}[how]
    with pytest.raises(DatasetError, match=word):
        open_shard(str(shard))
    assert main(["convert", str(tmp_path / "ds"), str(tmp_path / "lr")]) == 2
    err = capsys.readouterr().err
    assert str(shard) in err and word in err and "refused" in err
    assert not (tmp_path / "lr").exists()  # nothing written, so nothing of the outside copied in
    assert main(["stats", str(tmp_path / "ds")]) == 2
    assert word in capsys.readouterr().err
    problems = validate(str(tmp_path / "ds"))
    assert len(problems) == 1 and problems[0].startswith(f"{hdf5_name(0)}: refused or unreadable") and word in problems[0]


def test_untampered_shard_converts(tmp_path, capsys):
    _dataset(tmp_path / "ds")
    assert main(["convert", str(tmp_path / "ds"), str(tmp_path / "lr")]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["lerobot"]["episodes"] == 1


def test_truncated_shard_and_fifo_shard_are_named_errors(tmp_path, capsys):
    shard = _dataset(tmp_path / "ds")
    data = shard.read_bytes()
    shard.write_bytes(data[: len(data) // 3])
    assert main(["stats", str(tmp_path / "ds")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"syngrasp: error: {shard}: not a readable HDF5 file") and "Traceback" not in err
    assert "truncated" in err
    shard.unlink()
    os.mkfifo(shard)
    assert main(["stats", str(tmp_path / "ds")]) == 2  # returns: the FIFO is never opened
    assert "not a regular file" in capsys.readouterr().err
    assert validate(str(tmp_path / "ds"))[0].startswith(f"{hdf5_name(0)}: refused or unreadable")


def test_report_refuses_script_in_info_json_numbers(tmp_path, capsys):
    ds = tmp_path / "ds"
    _dataset(ds)
    (ds / "meta").mkdir()
    (ds / "meta" / "info.json").write_text(json.dumps({"total_episodes": "<script>alert(1)</script>", "total_frames": 4}))
    out = tmp_path / "r.html"
    assert main(["report", str(ds), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{ds / 'meta' / 'info.json'}: total_episodes is '<script>" in err and "not an integer" in err
    assert not out.exists()
    from syngrasp.review.report_html import _n

    with pytest.raises(ValueError):
        _n("<script>alert(1)</script>")
    assert _n(3) == "3" and _n(0.25, ".1%") == "25.0%"


def test_report_draws_math_like_labels_as_text_and_escapes_html(tmp_path, capsys):
    ds = tmp_path / "ds"
    _dataset(ds, category="$\\frac$", instruction="pick up <script>alert(1)</script> $x^$")
    out = tmp_path / "r.html"
    assert main(["report", str(ds), "--out", str(out), "--episodes", "1"]) == 0, capsys.readouterr().err
    page = out.read_text()
    assert "<script>alert" not in page and "pick up &lt;script&gt;alert(1)&lt;/script&gt; $x^$" in page


def test_glb_embedded_texture_over_the_pixel_limit_is_not_decoded(tmp_path):
    from syngrasp.assets import readers
    from syngrasp.assets.confine import read_guard

    m = trimesh.creation.box(extents=(0.04, 0.03, 0.05))
    uv = np.random.default_rng(0).random((len(m.vertices), 2))
    m.visual = trimesh.visual.TextureVisuals(uv=uv, image=Image.new("RGB", (300, 200), (201, 13, 77)))
    m.export(tmp_path / "t.glb")
    with read_guard(ReadLimits(root=str(tmp_path), max_texture_pixels=100 * 100)):
        assert readers.read(str(tmp_path / "t.glb"), []).image is None  # Pillow refused it at its header
    with read_guard(ReadLimits(root=str(tmp_path))):
        assert readers.read(str(tmp_path / "t.glb"), []).image.shape == (200, 300, 3)


def test_validate_refuses_data_paths_out_of_the_dataset(tmp_path):
    ds = tmp_path / "ds"
    (ds / "meta").mkdir(parents=True)
    info = {"codebase_version": "v3.0", "fps": 10, "features": {}, "total_episodes": 0, "total_frames": 0,
            "data_path": "../outside/{chunk_index}.parquet"}
    (ds / "meta" / "info.json").write_text(json.dumps(info))
    problems = validate(str(ds))
    assert len(problems) == 1 and problems[0].startswith("meta/info.json: ") and "outside the dataset" in problems[0]
    info["data_path"], info["fps"] = "data/{chunk_index}.parquet", "<b>10</b>"
    (ds / "meta" / "info.json").write_text(json.dumps(info))
    assert "fps is '<b>10</b>', not a number" in validate(str(ds))[0]
