"""Build a categorised object catalog from a folder of meshes, URDF or MJCF files.

``build_catalog_dir(src, out)`` imports every supported file under ``src``
(category = first folder below ``src``, or a CSV/JSON mapping), validates it,
repairs what it can (with a note) and rejects the rest (with the reason), then
writes ``out/catalog.json`` and one ``out/objects/<id>.npz`` per object holding
the visual mesh and its convex collision parts. Convex decompositions (CoACD)
are cached by mesh content hash, so a second build reuses them. One bad file
never stops the build.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import re
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

import numpy as np
import trimesh

from ..core.atomic import atomic_output, atomic_write_text
from ..core.errors import AssetError
from .catalog import ObjectAsset

MAX_FACES = 20_000
MAX_EXTENT = 10.0  # m; larger is absurd (after the millimetre guess)
MIN_EXTENT = 1e-3  # m
CONVEX_ENOUGH = 0.9  # volume / hull volume at or above this: one hull is the collision shape
DEFAULT_SIZE = (0.05, 0.10)
DEFAULT_DENSITY = 500.0
COACD_PARAMS = dict(threshold=0.15, max_convex_hull=8, mcts_iterations=5, mcts_nodes=3, mcts_max_depth=1,
                    resolution=200, seed=0)

_IMPORTERS: dict[str, Callable[[str, list[str]], tuple[trimesh.Trimesh, bool]]] = {}


def register_importer(*extensions: str):
    """Decorator for ``fn(path, notes) -> (mesh in metres, has_texture)`` handling ``extensions``."""

    def deco(fn):
        for ext in extensions:
            if ext in _IMPORTERS:
                raise ValueError(f"an importer for '{ext}' is already registered")
            _IMPORTERS[ext] = fn
        return fn

    return deco


def _texture_refs(obj_path: str, notes: list[str]) -> bool:
    """Whether an OBJ's materials reference image textures; notes missing MTL or texture files."""
    base = os.path.dirname(obj_path)
    found = False
    with open(obj_path, errors="replace") as f:
        mtls = [line.split(None, 1)[1].strip() for line in f if line.startswith("mtllib ")]
    for mtl in mtls:
        mpath = os.path.join(base, mtl)
        if not os.path.isfile(mpath):
            notes.append(f"material file {mtl} missing: uses flat colour")
            continue
        with open(mpath, errors="replace") as f:
            for line in f:
                if line.strip().lower().startswith("map_kd"):
                    tex = line.split()[-1]
                    if os.path.isfile(os.path.join(os.path.dirname(mpath), tex)):
                        found = True
                    else:
                        notes.append(f"texture {tex} missing: uses flat colour")
    return found


def _load_trimesh(path: str) -> trimesh.Trimesh:
    if not os.path.isfile(path):
        raise AssetError(f"missing file {path}")
    loaded = trimesh.load(path, force="mesh", process=False, skip_materials=False)
    if not isinstance(loaded, trimesh.Trimesh):
        raise AssetError(f"{path}: no triangle mesh inside")
    return loaded


@register_importer(".obj")
def _import_obj(path: str, notes: list[str]):
    has_tex = _texture_refs(path, notes)
    return _load_trimesh(path), has_tex


@register_importer(".stl", ".ply", ".glb", ".gltf")
def _import_generic(path: str, notes: list[str]):
    mesh = _load_trimesh(path)
    return mesh, getattr(mesh.visual, "kind", None) == "texture"


def _mesh_from_element(el: ET.Element, attr: str, base: str, notes: list[str]):
    fname = el.get(attr)
    if fname is None:
        raise AssetError("mesh element without a file name")
    fname = re.sub(r"^package://[^/]*/", "", fname).replace("file://", "")
    scale = np.array([float(v) for v in el.get("scale", "1 1 1").split()])
    path = os.path.join(base, fname)
    if not os.path.isfile(path):
        raise AssetError(f"missing file {path} (referenced by a URDF/MJCF); fix the reference or add the file")
    ext = os.path.splitext(path)[1].lower()
    if ext not in _IMPORTERS or ext in (".urdf", ".xml"):
        raise AssetError(f"{path}: unsupported mesh type '{ext}'")
    mesh, tex = _IMPORTERS[ext](path, notes)
    mesh.apply_transform(np.diag([*(scale if len(scale) == 3 else np.repeat(scale[0], 3)), 1.0]))
    return mesh, tex


@register_importer(".urdf")
def _import_urdf(path: str, notes: list[str]):
    root = ET.parse(path).getroot()
    el = root.find(".//visual/geometry/mesh")
    if el is None:
        raise AssetError(f"{path}: no <visual> mesh; only mesh-based URDF objects are supported")
    return _mesh_from_element(el, "filename", os.path.dirname(path), notes)


@register_importer(".xml")
def _import_mjcf(path: str, notes: list[str]):
    root = ET.parse(path).getroot()
    if root.tag != "mujoco":
        raise AssetError(f"{path}: not an MJCF file (root <{root.tag}>)")
    comp = root.find("compiler")
    meshdir = comp.get("meshdir", "") if comp is not None else ""
    el = root.find("asset/mesh")
    if el is None:
        raise AssetError(f"{path}: no <asset><mesh>; only mesh-based MJCF objects are supported")
    return _mesh_from_element(el, "file", os.path.join(os.path.dirname(path), meshdir), notes)


def supported(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in _IMPORTERS


@dataclasses.dataclass
class Imported:
    """Outcome of one file: accepted (maybe repaired, with notes) or rejected (with the reason)."""

    source: str
    category: str
    mesh: trimesh.Trimesh | None = None
    has_texture: bool = False
    notes: list[str] = dataclasses.field(default_factory=list)
    rejected: str = ""


def import_and_validate(path: str, category: str, max_faces: int = MAX_FACES) -> Imported:
    """Import one file and apply the validation rules; never raises for a bad file."""
    out = Imported(path, category)
    ext = os.path.splitext(path)[1].lower()
    try:
        mesh, out.has_texture = _IMPORTERS[ext](path, out.notes)
    except AssetError as e:
        out.rejected = str(e)
        return out
    except Exception as e:  # noqa: BLE001 - any parser failure rejects this file only
        out.rejected = f"unreadable ({type(e).__name__}: {e})"
        return out
    try:
        _validate_and_repair(mesh, out, max_faces)
    except Exception as e:  # noqa: BLE001 - a failing check or repair rejects this file only
        out.mesh = None
        out.rejected = f"validation or repair failed ({type(e).__name__}: {e})"
    return out


def _validate_and_repair(mesh, out: Imported, max_faces: int) -> None:
    """The validation rules and repairs of ``import_and_validate``; sets ``out.mesh`` or ``out.rejected``."""
    v, f = np.asarray(mesh.vertices, float), np.asarray(mesh.faces, np.int64)
    if len(f) == 0 or len(v) == 0:
        out.rejected = "unreadable or empty: no faces found"
        return
    bad = ~np.all(np.isfinite(v), axis=1)
    if bad.any():
        keep = ~bad[f].any(axis=1)
        if keep.mean() < 0.5:
            out.rejected = f"{int(bad.sum())} NaN/inf vertices touch most faces"
            return
        f = f[keep]
        v = np.where(bad[:, None], 0.0, v)
        out.notes.append(f"removed {int(bad.sum())} NaN/inf vertices and {int((~keep).sum())} faces")
    mesh = trimesh.Trimesh(v, f, process=True)
    mesh.update_faces(mesh.nondegenerate_faces())
    mesh.remove_unreferenced_vertices()
    if len(mesh.faces) < 4:
        out.rejected = "degenerate: zero volume (fewer than 4 valid faces)"
        return
    ext_max = float(np.max(mesh.extents))
    if MAX_EXTENT < ext_max <= 1000 * MAX_EXTENT:
        mesh.apply_scale(0.001)
        out.notes.append(f"largest extent {ext_max:.1f} looked like millimetres: scaled by 0.001")
        ext_max *= 0.001
    if not MIN_EXTENT <= ext_max <= MAX_EXTENT:
        out.rejected = f"absurd size: largest extent {ext_max:.3g} m (allowed {MIN_EXTENT}-{MAX_EXTENT} m)"
        return
    if mesh.convex_hull.volume < 1e-9 or np.min(mesh.extents) < 1e-5:
        out.rejected = "degenerate: zero volume (flat or a line)"
        return
    if len(mesh.faces) > max_faces:
        n0 = len(mesh.faces)
        mesh = mesh.simplify_quadric_decimation(face_count=max_faces)
        out.notes.append(f"simplified from {n0} to {len(mesh.faces)} faces")
    if not mesh.is_watertight:
        trimesh.repair.fill_holes(mesh)
        trimesh.repair.fix_normals(mesh)
        if mesh.is_watertight:
            out.notes.append("not watertight: holes filled")
        else:
            out.notes.append("not watertight: collision uses convex pieces of the surface")
    out.mesh = mesh



def content_hash(mesh: trimesh.Trimesh) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(mesh.vertices, np.float64).tobytes())
    h.update(np.ascontiguousarray(mesh.faces, np.int64).tobytes())
    h.update(json.dumps(COACD_PARAMS, sort_keys=True).encode())
    return h.hexdigest()


def decompose(mesh: trimesh.Trimesh, cache_dir: str) -> tuple[list[trimesh.Trimesh], bool]:
    """(convex parts, came from cache). Near-convex meshes are their own hull; others go through CoACD."""
    if mesh.is_watertight and mesh.volume >= CONVEX_ENOUGH * mesh.convex_hull.volume:
        return [mesh.convex_hull], False
    key = content_hash(mesh)
    path = os.path.join(cache_dir, key[:2], f"{key}.npz")
    if os.path.isfile(path):
        with np.load(path) as z:
            n = int(z["n"])
            return [trimesh.Trimesh(z[f"p{i}_v"], z[f"p{i}_f"]) for i in range(n)], True
    import coacd

    coacd.set_log_level("error")
    preprocess = "off" if mesh.is_watertight else "on"
    raw = coacd.run_coacd(coacd.Mesh(mesh.vertices, mesh.faces), preprocess_mode=preprocess, **COACD_PARAMS)
    parts = [trimesh.Trimesh(p[0], p[1]).convex_hull for p in raw]
    arrays = {"n": np.array(len(parts))}
    for i, p in enumerate(parts):
        arrays[f"p{i}_v"], arrays[f"p{i}_f"] = p.vertices, p.faces
    with atomic_output(path, suffix=".npz") as tmp:
        np.savez(tmp, **arrays)
    return parts, False


def _category_of(src: str, path: str, mapping: dict[str, str]) -> str:
    rel = os.path.relpath(path, src)
    if rel in mapping:
        return mapping[rel]
    parts = rel.split(os.sep)
    return parts[0].replace("_", " ") if len(parts) > 1 else "object"


def load_mapping(path: str | None) -> tuple[dict[str, str], dict[str, tuple[float, float]]]:
    """(relative path -> category, category -> size range) from a CSV (path,category) or JSON file.

    JSON: {"files": {relpath: category}, "size_ranges": {category: [min, max]}} or a flat
    {relpath: category} mapping.
    """
    if path is None:
        return {}, {}
    if not os.path.isfile(path):
        raise AssetError(f"{path}: category mapping not found; pass an existing CSV or JSON file")
    if path.endswith(".csv"):
        with open(path, newline="") as f:
            rows = [r for r in csv.reader(f) if r and not r[0].startswith("#")]
        if rows and rows[0][:2] == ["path", "category"]:
            rows = rows[1:]
        return {r[0]: r[1] for r in rows}, {}
    with open(path) as f:
        data = json.load(f)
    if "files" in data:
        return data["files"], {k: tuple(v) for k, v in data.get("size_ranges", {}).items()}
    return data, {}


def _process(args) -> dict:
    path, category, out_dir, cache_dir, index = args
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    t0 = time.perf_counter()
    res = import_and_validate(path, category)
    if res.rejected:
        return {"source": path, "category": category, "rejected": res.rejected, "notes": res.notes}
    mesh = res.mesh
    obj_id = f"{re.sub(r'[^a-z0-9]+', '_', category.lower())}_{index:06d}"
    try:
        parts, cached = decompose(mesh, cache_dir)
        arrays = {"visual_v": mesh.vertices, "visual_f": mesh.faces}
        for i, p in enumerate(parts):
            arrays[f"part{i}_v"], arrays[f"part{i}_f"] = p.vertices, p.faces
        with atomic_output(os.path.join(out_dir, "objects", f"{obj_id}.npz"), suffix=".npz") as tmp:
            np.savez(tmp, **arrays)
    except Exception as e:  # noqa: BLE001 - one file never stops a build
        return {"source": path, "category": category, "notes": res.notes,
                "rejected": f"decomposition or save failed ({type(e).__name__}: {e})"}
    volume = float(mesh.volume) if mesh.is_watertight else float(sum(p.volume for p in parts))
    return {
        "id": obj_id,
        "source": path,
        "category": category,
        "extents": [float(x) for x in mesh.extents],
        "volume_m3": volume,
        "watertight": bool(mesh.is_watertight),
        "has_texture": bool(res.has_texture),
        "faces": int(len(mesh.faces)),
        "parts": len(parts),
        "decomposition_cached": cached,
        "notes": res.notes,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def build_catalog_dir(
    src: str, out_dir: str, mapping_file: str | None = None, workers: int = 1, cache_dir: str | None = None, log=print
) -> dict:
    """Build ``out_dir/catalog.json`` from every supported file under ``src``; returns the catalog dict."""
    from .procedural import CATEGORIES

    if not os.path.isdir(src):
        raise AssetError(f"{src}: source folder not found")
    mapping, sizes = load_mapping(mapping_file)
    cache_dir = cache_dir or os.path.join(out_dir, "cache", "coacd")
    files = sorted(
        os.path.join(d, n) for d, _, names in os.walk(src) for n in names if supported(n)
    )
    # mesh files referenced by a URDF/MJCF next to them are imported through it, not twice
    referenced = set()
    for p in files:
        if p.endswith((".urdf", ".xml")):
            try:
                for el in ET.parse(p).getroot().iter("mesh"):
                    ref = el.get("filename") or el.get("file")
                    if ref:
                        referenced.add(os.path.normpath(os.path.join(os.path.dirname(p), re.sub(r"^package://[^/]*/", "", ref))))
            except ET.ParseError:
                pass
    files = [p for p in files if os.path.normpath(p) not in referenced]
    jobs = [(p, _category_of(src, p, mapping), out_dir, cache_dir, i) for i, p in enumerate(files)]
    t0 = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_process, jobs, chunksize=4))
    else:
        results = [_process(j) for j in jobs]
    objects = [r for r in results if "id" in r]
    rejected = [r for r in results if "rejected" in r]
    categories = {}
    for r in objects:
        c = r["category"]
        size = sizes.get(c) or (CATEGORIES[c][0] if c in CATEGORIES else DEFAULT_SIZE)
        density = CATEGORIES[c][1] if c in CATEGORIES else DEFAULT_DENSITY
        categories.setdefault(c, {"count": 0, "size_range": list(size), "density": density})["count"] += 1
    catalog = {
        "version": 1,
        "source": os.path.abspath(src),
        "categories": categories,
        "objects": objects,
        "report": {
            "files": len(files),
            "accepted": len(objects),
            "repaired": [{"source": r["source"], "notes": r["notes"]} for r in objects if r["notes"]],
            "rejected": [{"source": r["source"], "reason": r["rejected"]} for r in rejected],
            "decompositions_from_cache": sum(r["decomposition_cached"] for r in objects),
            "seconds": round(time.perf_counter() - t0, 2),
        },
    }
    atomic_write_text(os.path.join(out_dir, "catalog.json"), json.dumps(catalog, indent=1))
    rep = catalog["report"]
    log(
        f"catalog: {rep['accepted']}/{rep['files']} objects in {len(categories)} categories, "
        f"{len(rep['repaired'])} repaired, {len(rep['rejected'])} rejected, "
        f"{rep['decompositions_from_cache']} decompositions from cache, {rep['seconds']} s"
    )
    return catalog


def load_catalog_dir(path: str) -> list[ObjectAsset]:
    """ObjectAssets of a built catalog folder (``catalog:DIR`` in ``scene.asset_sources``)."""
    cat_path = os.path.join(path, "catalog.json")
    if not os.path.isfile(cat_path):
        from ..core.errors import ConfigError

        raise ConfigError("scene.asset_sources", f"{cat_path} not found; build it with: syngrasp assets build SRC --out {path}")
    with open(cat_path) as f:
        cat = json.load(f)
    out = []
    for r in cat["objects"]:
        npz = os.path.join(os.path.abspath(path), "objects", f"{r['id']}.npz")
        c = cat["categories"][r["category"]]
        out.append(
            ObjectAsset(
                asset_id=f"catalog/{os.path.basename(os.path.abspath(path))}/{r['id']}",
                category=r["category"],
                visual_mesh=f"npz:{npz}:visual",
                collision_mesh=f"npz:{npz}:visual",
                collision_parts=tuple(f"npz:{npz}:part{i}" for i in range(r["parts"])),
                size_range=tuple(c["size_range"]),
                density=float(c["density"]),
            )
        )
    return out


def export_procedural(out_dir: str, per_category: int) -> int:
    """Write procedural objects as OBJ files under ``out_dir/<category>/``; returns the count."""
    from .procedural import CATEGORIES, procedural_object

    n = 0
    for category in CATEGORIES:
        d = os.path.join(out_dir, category.replace(" ", "_"))
        os.makedirs(d, exist_ok=True)
        for seed in range(per_category):
            visual, _ = procedural_object(category, seed)
            visual.export(os.path.join(d, f"{seed:04d}.obj"))
            n += 1
    return n
