"""Build a categorised object catalog from a folder of meshes, URDF or MJCF files.

``build_catalog_dir(src, out)`` plans the collection (``collection.py``: what
is an object, what belongs to one, twins and stand-ins), imports every
object (category = first folder below ``src``, made a singular noun, or a
CSV/JSON mapping), validates it, repairs what it can (with a note) and rejects
the rest (with the reason), then writes ``out/catalog.json``, one
``out/objects/<id>.npz`` per object (geometry, convex collision parts and, for
textured objects, the UV-mapped render mesh) and ``out/textures/<sha>.png``
(texture images, content-hashed, so shared images are stored once).

One shape in several files (same shape hash) is one object: a copy with the same
look (texture image and colour) is a skipped duplicate; one with another look is
a colour variant of the first (its ``variants``: the same scanned box in another
print), which scenes draw as one of the object's appearances.

Category names lose their colour and size words to the object's attributes
(``names.category_and_attributes``). An optional ``load_check`` (the app layer
passes MuJoCo's) rejects accepted objects that cannot load, with the reason.

Sizes: ``size_mode="keep"`` detects the file's unit (m, cm or mm) from the
category's plausible size (``sizes.py``), notes uncertain reads, and keeps
the metric size; ``"category"`` rescales each episode within the category's
size range. Objects larger than ``MAX_TABLETOP`` are rejected; objects the
robot's gripper cannot close around in any orientation are distractor-only.
Convex decompositions (CoACD) are cached by mesh content hash. One bad file
never stops the build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

import numpy as np
import trimesh

from ..core.atomic import atomic_output, atomic_write_text
from ..core.errors import AssetError
from . import readers
from .catalog import ObjectAsset
from .catalog_dir import CATALOG_JSON, Mapping, asset_of, category_label, load_catalog_dir, load_mapping  # noqa: F401 (re-exported)
from .categories import CATEGORIES
from .collection import plan_collection
from .confine import ReadLimits, read_guard
from .names import category_and_attributes
from .sizes import UNITS, detect_units, guess_units, size_prior  # noqa: F401 (detect_units re-exported)

MAX_FACES = 20_000
TEXTURED_MAX_FACES = 100_000  # textured render meshes keep their UVs up to this many faces
MAX_EXTENT = 10.0  # m; larger is absurd even after the unit guess
MIN_EXTENT = 1e-3  # m
MIN_PART_VOLUME = 1e-12  # m^3: a collision piece with less is flat (MuJoCo and meshes.load_mesh refuse it)
MAX_TABLETOP = 0.5  # m; a larger object does not belong on a tabletop
GRASP_MARGIN = 0.9  # an object fits when its thinnest width is below this fraction of the gripper opening
CONVEX_ENOUGH = 0.9  # volume / hull volume at or above this: one hull is the collision shape
DEFAULT_SIZE = (0.05, 0.10)
DEFAULT_DENSITY = 500.0
TEXTURE_MAX_SIDE = 1024  # px; larger texture images are downsampled when stored
SIZE_MODES = ("keep", "category")
COACD_PARAMS = dict(threshold=0.15, max_convex_hull=8, mcts_iterations=5, mcts_nodes=3, mcts_max_depth=1,
                    resolution=200, seed=0)


@dataclasses.dataclass
class Imported:
    """Outcome of one file: accepted (maybe repaired, with notes) or rejected (with the reason).

    ``mesh``: validated geometry [file units until ``to_metres``]; ``render``: (V, 3) vertices,
    (F, 3) faces and (V, 2) UVs of the textured render mesh, same units and frame, or None;
    ``parts``: given convex collision pieces (primitives, collision geoms, stand-ins) or empty.
    """

    source: str
    category: str
    mesh: trimesh.Trimesh | None = None
    has_texture: bool = False
    image: np.ndarray | None = None
    rgba: tuple | None = None
    render: tuple | None = None
    parts: list = dataclasses.field(default_factory=list)
    metric: bool = False
    notes: list[str] = dataclasses.field(default_factory=list)
    rejected: str = ""


def supported(path: str) -> bool:
    return readers.readable(path)


def import_and_validate(path: str, category: str, max_faces: int = MAX_FACES, collision_files=()) -> Imported:
    """Import one file (and its collision stand-ins) and apply the validation rules; never raises."""
    out = Imported(path, category)
    try:
        loaded = readers.read(path, out.notes)
        out.parts = list(loaded.parts)
        for c in collision_files:
            stand_in = readers.read(c, out.notes).mesh.copy()
            stand_in.merge_vertices()  # STL stores every triangle apart: weld before splitting into pieces
            pieces = stand_in.split(only_watertight=False)
            out.parts.extend(p.convex_hull for p in pieces if len(p.faces) >= 4)
    except AssetError as e:
        out.rejected = str(e)
        return out
    except Exception as e:  # noqa: BLE001 - any parser failure rejects this file only
        out.rejected = f"unreadable ({type(e).__name__}: {e})"
        return out
    out.metric, out.rgba = loaded.metric, loaded.rgba
    try:
        _validate_and_repair(loaded, out, max_faces)
    except Exception as e:  # noqa: BLE001 - a failing check or repair rejects this file only
        out.mesh = None
        out.rejected = f"validation or repair failed ({type(e).__name__}: {e})"
    return out


def _validate_and_repair(loaded, out: Imported, max_faces: int) -> None:
    """The validation rules and repairs of ``import_and_validate``; sets ``out.mesh`` or ``out.rejected``."""
    mesh = loaded.mesh
    v, f = np.asarray(mesh.vertices, float), np.asarray(mesh.faces, np.int64)
    if len(f) == 0 or len(v) == 0:
        out.rejected = "unreadable or empty: no faces found"
        return
    bad = ~np.all(np.isfinite(v), axis=1)
    keep = np.ones(len(f), bool)
    if bad.any():
        keep = ~bad[f].any(axis=1)
        if keep.mean() < 0.5:
            out.rejected = f"{int(bad.sum())} NaN/inf vertices touch most faces"
            return
        f = f[keep]
        v = np.where(bad[:, None], 0.0, v)
        out.notes.append(f"removed {int(bad.sum())} NaN/inf vertices and {int((~keep).sum())} faces")
    if loaded.image is not None and loaded.uv is not None and len(f) <= TEXTURED_MAX_FACES:
        uv = np.nan_to_num(np.asarray(loaded.uv, float), nan=0.0)
        out.render, out.image, out.has_texture = (v.copy(), f.copy(), uv), loaded.image, True
    elif loaded.image is not None:
        out.notes.append(f"more than {TEXTURED_MAX_FACES} faces: texture dropped, uses its mean colour")
        out.rgba = (*(loaded.image.reshape(-1, 3).mean(axis=0) / 255.0), 1.0)
    mesh = trimesh.Trimesh(v, f, process=True)
    mesh.update_faces(mesh.nondegenerate_faces())
    mesh.remove_unreferenced_vertices()
    if len(mesh.faces) < 4:
        out.rejected = "degenerate: zero volume (fewer than 4 valid faces)"
        return
    ext_max = float(np.max(mesh.extents))
    if not MIN_EXTENT <= ext_max <= MAX_EXTENT * 1000:
        out.rejected = f"absurd size: largest extent {ext_max:.3g} (allowed {MIN_EXTENT}-{MAX_EXTENT} m, or mm)"
        return
    if mesh.convex_hull.volume < 1e-9 * ext_max**3 or np.min(mesh.extents) < 1e-5 * ext_max:
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
        elif not out.parts:
            out.notes.append("not watertight: collision uses convex pieces of the surface")
    out.mesh = mesh


def to_metres(res: Imported, factor: float) -> None:
    """Scale the mesh, render mesh and parts of ``res`` by ``factor`` in place."""
    if factor == 1.0:
        return
    res.mesh.apply_scale(factor)
    res.parts = [p.copy().apply_scale(factor) for p in res.parts]
    if res.render is not None:
        res.render = (res.render[0] * factor, res.render[1], res.render[2])


def shape_hash(mesh: trimesh.Trimesh) -> str:
    """Hash of a mesh's surface independent of vertex order and face order (coordinates rounded
    to 1e-5 of the largest extent): identical shapes in different files or formats collide."""
    t = mesh.triangles - mesh.bounds[0]
    q = np.round(t / max(float(np.max(mesh.extents)), 1e-9) * 1e5).astype(np.int64)  # in [0, 1e5] < 2**17
    keys = np.sort((q[..., 0] << 34) | (q[..., 1] << 17) | q[..., 2], axis=1)  # (F, 3), corner order ignored
    tri = keys[np.lexsort(keys.T[::-1])]
    return hashlib.sha256(tri.tobytes()).hexdigest()[:32]


def thinnest_width(mesh: trimesh.Trimesh) -> float:
    """Smallest extent of the mesh's minimum-volume oriented box [m]: the narrowest the object gets
    between two parallel jaws over all orientations (approximately)."""
    try:
        return float(np.min(trimesh.bounds.oriented_bounds(mesh.convex_hull)[1]))
    except Exception:  # noqa: BLE001 - fall back to the axis-aligned box
        return float(np.min(mesh.extents))


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



@dataclasses.dataclass(frozen=True)
class BuildOptions:
    """How a build treats sizes and which gripper decides graspability.

    size_mode: "keep" (metric size, units detected) or "category" (category size ranges).
    units: "auto", "m", "cm" or "mm" for files whose unit the format does not fix.
    gripper_max_width: widest gripper opening [m] (from the robot spec).
    size_range: (min, max) largest extent [m] in category mode; None for the category's own.
    """

    size_mode: str = "keep"
    units: str = "auto"
    gripper_max_width: float = 0.08
    size_range: tuple[float, float] | None = None


def _save_texture(image: np.ndarray, out_dir: str) -> str:
    """Store ``image`` as ``textures/<sha>.png`` once; returns the path relative to ``out_dir``."""
    from PIL import Image

    img = Image.fromarray(image)
    if max(img.size) > TEXTURE_MAX_SIDE:
        k = TEXTURE_MAX_SIDE / max(img.size)
        img = img.resize((max(1, int(img.width * k)), max(1, int(img.height * k))), Image.Resampling.LANCZOS)
    data = np.asarray(img)
    key = hashlib.sha256(np.asarray(data.shape).tobytes() + data.tobytes()).hexdigest()[:32]
    rel = os.path.join("textures", f"{key}.png")
    path = os.path.join(out_dir, rel)
    if not os.path.isfile(path):
        with atomic_output(path, suffix=".png") as tmp:
            img.save(tmp, format="PNG")
    return rel


def _role(res: Imported, opts: BuildOptions) -> tuple[str, str]:
    """("target" or "distractor", reason) from the smallest width the object can have in the gripper."""
    width = thinnest_width(res.mesh)
    if opts.size_mode == "category" and opts.size_range is not None:
        width *= opts.size_range[0] / float(np.max(res.mesh.extents))
    limit = GRASP_MARGIN * opts.gripper_max_width
    if width > limit:
        return "distractor", (f"fits the gripper in no orientation: thinnest width {width * 1000:.0f} mm "
                              f"> {limit * 1000:.0f} mm ({GRASP_MARGIN:.0%} of the {opts.gripper_max_width * 1000:.0f} mm opening)")
    return "target", ""


def _solid_parts(parts: list[trimesh.Trimesh], extent: float, notes: list[str]) -> list[trimesh.Trimesh]:
    """The convex hulls of ``parts`` [m] that have volume (flat pieces, e.g. a plane-like collision
    geom or a label decal, cannot be simulated); drops the others with a note."""
    hulls = [p.convex_hull for p in parts]
    keep = [h for h in hulls if h.volume > max(MIN_PART_VOLUME, 1e-9 * extent**3)]
    if len(keep) < len(hulls):
        notes.append(f"dropped {len(hulls) - len(keep)} flat collision piece(s) (no volume)")
    return keep


def _process(args) -> dict:
    entry, category, attributes, out_dir, cache_dir, index, opts, limits = args
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    t0 = time.perf_counter()
    path = entry.path
    with read_guard(limits):
        res = import_and_validate(path, category, collision_files=entry.collision_files)
    notes = entry.notes + res.notes
    if res.rejected:
        return {"source": path, "category": category, "rejected": res.rejected, "notes": notes}
    guess = guess_units(float(np.max(res.mesh.extents)), res.metric, opts.units, size_prior(category))
    factor, unit = guess.factor, guess.unit
    to_metres(res, factor)
    if unit != "m":
        notes.append(f"units look like {unit}: scaled by {factor:g}")
    if guess.uncertain:
        notes.append(guess.uncertain + " (force it with --units)")
    extents = [float(x) for x in res.mesh.extents]
    if max(extents) > MAX_TABLETOP and opts.size_mode == "keep":
        return {"source": path, "category": category, "notes": notes, "extents": extents,
                "rejected": f"too large for a tabletop: largest extent {max(extents):.2f} m > {MAX_TABLETOP} m "
                            f"(read in {unit}; wrong units? pass --units, or --size-mode category)"}
    if max(extents) > MAX_TABLETOP:
        notes.append(f"largest extent {max(extents):.2f} m is not tabletop-sized: rescaled to the category's size range")
    res.parts = _solid_parts(res.parts, max(extents), notes) if res.parts else []
    mesh = res.mesh
    obj_id = f"{re.sub(r'[^a-z0-9]+', '_', category.lower())}_{index:06d}"
    try:
        if res.parts:
            parts, cached = res.parts, False
        else:
            parts, cached = decompose(mesh, cache_dir)
            parts = _solid_parts(parts, max(extents), notes) or [mesh.convex_hull]
        arrays = {"visual_v": mesh.vertices, "visual_f": mesh.faces}
        for i, p in enumerate(parts):
            arrays[f"part{i}_v"], arrays[f"part{i}_f"] = p.vertices, p.faces
        texture = None
        if res.render is not None:
            arrays["render_v"], arrays["render_f"], arrays["render_uv"] = res.render
            texture = _save_texture(res.image, out_dir)
        with atomic_output(os.path.join(out_dir, "objects", f"{obj_id}.npz"), suffix=".npz") as tmp:
            np.savez(tmp, **arrays)
    except Exception as e:  # noqa: BLE001 - one file never stops a build
        return {"source": path, "category": category, "notes": notes,
                "rejected": f"decomposition or save failed ({type(e).__name__}: {e})"}
    role, reason = _role(res, opts)
    volume = float(mesh.volume) if mesh.is_watertight else float(sum(p.volume for p in parts))
    rgba = None if res.rgba is None else [float(c) for c in np.resize(res.rgba, 4)]
    return {
        "id": obj_id,
        "source": path,
        "category": category,
        "extents": extents,
        "volume_m3": volume,
        "watertight": bool(mesh.is_watertight),
        "has_texture": texture is not None,
        "texture": texture,
        "rgba": rgba,
        "role": role,
        "role_reason": reason,
        "shape_hash": shape_hash(mesh),
        "faces": int(len(mesh.faces)),
        "parts": len(parts),
        "decomposition_cached": cached,
        "attributes": attributes,
        "units": unit,
        "units_uncertain": bool(guess.uncertain),
        "notes": notes,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def _look_key(r: dict) -> tuple:
    """What an object looks like: its stored texture (content-hashed path) and base colour."""
    return r.get("texture"), None if r.get("rgba") is None else tuple(round(c, 3) for c in r["rgba"])


def _variant_render(r: dict, first: dict, out_dir: str) -> str | None:
    """Rewrite ``r``'s npz to hold only its render mesh, moved into ``first``'s frame (the shape hash
    ignores offset and scale); returns that npz's id, or None (npz removed) when ``r`` has no texture."""
    path = os.path.join(out_dir, "objects", f"{r['id']}.npz")
    if not r.get("texture"):
        os.remove(path)
        return None
    with np.load(path) as z, np.load(os.path.join(out_dir, "objects", f"{first['id']}.npz")) as y:
        lo, ref_lo = z["visual_v"].min(axis=0), y["visual_v"].min(axis=0)
        k = float(np.ptp(y["visual_v"], axis=0).max() / max(np.ptp(z["visual_v"], axis=0).max(), 1e-12))
        arrays = {"render_v": (z["render_v"] - lo) * k + ref_lo, "render_f": z["render_f"], "render_uv": z["render_uv"]}
    with atomic_output(path, suffix=".npz") as tmp:
        np.savez(tmp, **arrays)
    return r["id"]


def _drop_duplicates(objects: list[dict], out_dir: str) -> tuple[list[dict], list[dict], list[dict]]:
    """Keep the first object of each shape hash. A later one with the same look (texture and colour)
    as one already kept is a duplicate: a skipped row, npz removed. One with another look is a
    colour variant of the first: listed in its ``variants`` (id of an npz holding only the variant's
    render mesh, source, texture, rgba). Returns (objects, duplicates, variant rows for the report)."""
    first: dict[str, dict] = {}
    kept, dupes, variants = [], [], []
    for r in objects:
        k = r["shape_hash"]
        if k not in first:
            first[k] = r
            r["variants"] = []
            kept.append(r)
            continue
        f = first[k]
        looks = {_look_key(v): v["source"] for v in [*f["variants"][::-1], f]}
        if _look_key(r) in looks:
            f["notes"].append(f"identical mesh also at {r['source']} (not imported twice)")
            dupes.append({"source": r["source"], "reason": f"identical mesh and look to {looks[_look_key(r)]}"})
            try:
                os.remove(os.path.join(out_dir, "objects", f"{r['id']}.npz"))
            except OSError:
                pass
            continue
        try:
            vid = _variant_render(r, f, out_dir)
        except Exception as e:  # noqa: BLE001 - one file never stops a build
            dupes.append({"source": r["source"], "reason": f"colour variant of {f['source']} unusable ({type(e).__name__}: {e})"})
            continue
        f["variants"].append({"id": vid, "source": r["source"], "texture": r.get("texture"), "rgba": r.get("rgba")})
        f["notes"].append(f"colour variant from {r['source']} (appearance {len(f['variants'])})")
        variants.append({"source": r["source"], "variant_of": f["id"], "appearance": len(f["variants"])})
    return kept, dupes, variants


LoadCheck = Callable[[ObjectAsset], str]


def _density(category: str) -> float:
    return CATEGORIES[category][1] if category in CATEGORIES else DEFAULT_DENSITY


def _load_checked(objects: list[dict], opts: dict, out_dir: str, check: LoadCheck) -> tuple[list[dict], list[dict]]:
    """(objects that load, rejected rows) after ``check`` of each object as a scene would load it;
    a failing object's npz files (and its variants') are removed."""
    kept, failed = [], []
    for r in objects:
        size = opts[r["id"]].size_range
        asset = asset_of(r, {"size_range": list(size) if size else None, "density": _density(r["category"])}, out_dir)
        try:
            reason = check(asset)
        except Exception as e:  # noqa: BLE001 - a crashing check rejects this object only
            reason = f"{type(e).__name__}: {e}"
        if not reason:
            kept.append(r)
            continue
        for k in [r["id"], *(v["id"] for v in r.get("variants", []) if v.get("id"))]:
            try:
                os.remove(os.path.join(out_dir, "objects", f"{k}.npz"))
            except OSError:
                pass
        failed.append({"source": r["source"], "category": r["category"], "notes": r["notes"],
                       "rejected": f"does not load in the simulator: {reason}"})
    return kept, failed


def build_catalog_dir(
    src: str, out_dir: str, mapping_file: str | None = None, workers: int = 1, cache_dir: str | None = None, log=print,
    size_mode: str = "keep", units: str = "auto", robot: str = "panda", load_check: LoadCheck | None = None,
    limits: ReadLimits | None = None,
) -> dict:
    """Build ``out_dir/catalog.json`` from every object under ``src``; returns the catalog dict.

    ``robot`` names the robot spec whose ``gripper_max_width`` decides which objects can be targets.
    ``load_check(asset) -> reason`` (empty when it loads) is called on every accepted object as
    scenes will see it; an object with a reason is rejected with it. The app layer passes the
    simulator's check (``generators.mujoco_backend.check.object_load_error``); assets import no simulator.
    ``limits`` bound every file read (``confine.py``); their root is always ``src``. Default: files
    inside ``src`` only, with ``ReadLimits``'s default byte, triangle and texture-pixel limits.
    """
    from .robot import load_robot

    if not os.path.isdir(src):
        raise AssetError(f"{src}: source folder not found")
    if size_mode not in SIZE_MODES:
        raise AssetError(f"size mode '{size_mode}' is unknown; use one of {', '.join(SIZE_MODES)}")
    if units not in ("auto", *UNITS):
        raise AssetError(f"units '{units}' are unknown; use auto, m, cm or mm")
    gripper = load_robot(robot).gripper_max_width
    mapping = load_mapping(mapping_file)
    cache_dir = cache_dir or os.path.join(out_dir, "cache", "coacd")
    limits = dataclasses.replace(limits or ReadLimits(), root=os.path.abspath(src))
    with read_guard(limits):
        entries, skipped = plan_collection(src)
    jobs = []
    for i, e in enumerate(entries):
        label = category_label(src, e.path, mapping)
        name, colours, sizes = category_and_attributes(label)
        if label in mapping.names:
            name, colours, sizes = mapping.names[label], (), ()
        attributes = {k: list(v) for k, v in (("colour", colours), ("size", sizes)) if v}
        size = mapping.size_ranges.get(label) or mapping.size_ranges.get(name)
        if size is None and size_mode == "category":
            size = CATEGORIES[name][0] if name in CATEGORIES else DEFAULT_SIZE
        jobs.append((e, name, attributes, out_dir, cache_dir, i, BuildOptions(size_mode, units, gripper, size), limits))
    t0 = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_process, jobs, chunksize=4))
    else:
        results = [_process(j) for j in jobs]
    objects, dupes, variants = _drop_duplicates([r for r in results if "id" in r], out_dir)
    opts = {r["id"]: job[6] for r, job in zip(results, jobs) if "id" in r}
    rejected = [r for r in results if "rejected" in r]
    if load_check is not None:
        objects, failed = _load_checked(objects, opts, out_dir, load_check)
        rejected += failed
    categories = {}
    for r in objects:
        c = r["category"]
        size = opts[r["id"]].size_range
        density = _density(c)
        entry = categories.setdefault(c, {"count": 0, "size_range": list(size) if size else None, "density": density})
        if c in mapping.synonyms:
            entry["synonyms"] = list(mapping.synonyms[c])
        entry["count"] += 1
        if size:
            k0, k1 = size[0] / max(r["extents"]), size[1] / max(r["extents"])
            r["final_extents"] = [[round(x * k0, 5) for x in r["extents"]], [round(x * k1, 5) for x in r["extents"]]]
        else:
            r["final_extents"] = [[round(x, 5) for x in r["extents"]]] * 2
    catalog = {
        "version": 2,  # not a schema key: catalog format version
        "source": os.path.abspath(src),
        "size_mode": size_mode,
        "robot": robot,
        "gripper_max_width": gripper,
        "read_limits": {k: v for k, v in dataclasses.asdict(limits).items() if k != "root"},
        "categories": categories,
        "objects": objects,
        "report": {
            "files": len(entries) + len(skipped),
            "objects_found": len(entries),
            "accepted": len(objects),
            "repaired": [{"source": r["source"], "notes": r["notes"]} for r in objects if r["notes"]],
            "units_uncertain": [{"source": r["source"], "units": r["units"],
                                 "note": next(n for n in r["notes"] if n.startswith("unit uncertain"))}
                                for r in objects if r.get("units_uncertain")],
            "load_checked": load_check is not None,
            "distractor_only": [{"source": r["source"], "reason": r["role_reason"]} for r in objects if r["role"] != "target"],
            "rejected": [{"source": r["source"], "reason": r["rejected"]} for r in rejected],
            "skipped": skipped + dupes,
            "variants": variants,
            "extents": [{"id": r["id"], "source": r["source"], "final_extents": r["final_extents"]} for r in objects],
            "decompositions_from_cache": sum(r["decomposition_cached"] for r in objects),
            "seconds": round(time.perf_counter() - t0, 2),
        },
    }
    atomic_write_text(os.path.join(out_dir, CATALOG_JSON), json.dumps(catalog, indent=1))
    rep = catalog["report"]
    log(
        f"catalog: {rep['accepted']} objects ({len(variants)} more colour variants) from {rep['files']} files in {len(categories)} categories, "
        f"{len(rep['repaired'])} repaired, {len(rep['distractor_only'])} distractor-only, {len(rep['rejected'])} rejected, "
        f"{len(rep['skipped'])} files skipped, {rep['decompositions_from_cache']} decompositions from cache, {rep['seconds']} s"
    )
    return catalog


def export_procedural(out_dir: str, per_category: int) -> int:
    """Write procedural objects as OBJ files under ``out_dir/<category>/``; returns the count."""
    from .procedural import procedural_object

    n = 0
    for category in CATEGORIES:
        d = os.path.join(out_dir, category.replace(" ", "_"))
        os.makedirs(d, exist_ok=True)
        for seed in range(per_category):
            visual, _ = procedural_object(category, seed)
            visual.export(os.path.join(d, f"{seed:04d}.obj"))
            n += 1
    return n
