"""Which files of a collection are objects, and what every other file is.

``plan_collection(src)`` walks ``src`` and returns one ``Entry`` per object to
import plus a ``skipped`` row (file, reason) for every other file, so the
build report accounts for each file:

- files a URDF/MJCF or an OBJ's MTL references (meshes, textures, materials,
  and same-stem siblings of a referenced mesh) belong to that entry;
- visual twins (``foo-visual.xml`` beside ``foo.xml``) are skipped, with a
  note on ``foo.xml``;
- a folder (below ``src``) whose whole tree holds exactly one URDF/MJCF is
  that object's folder: loose meshes in it that nothing references (an OBJ
  one folder up from the ``.msh`` the MJCF uses, under another name) are
  other forms of its meshes, not objects;
- collision and marker meshes are never objects. By name: ``foo_col``,
  ``foo_coll``, ``foo_collision``, ``foo_vhacd``, ``foo_convex_3``, ``foo_hull``
  (collision) and ``foo_site``, ``foo_marker`` (markers); by folder:
  anything under a ``collision/``, ``collisions/`` or ``vhacd/`` folder. A
  collision mesh whose object is found (``foo``, or its visual counterpart
  ``foo_vis``/``foo_visual``, in its folder or, for a collision folder, the
  folder above it or a sibling ``visual/`` folder) becomes that object's
  collision; any other is skipped with the reason;
- a visual mesh ``foo_vis.obj`` is the object itself: a plain ``foo.obj``
  beside it is skipped as the same object (for URDF/MJCF the plain file wins:
  ``foo-visual.xml`` is a twin of ``foo.xml``);
- one stem in several formats in one folder is imported once, in the order
  XML, URDF, GLB, GLTF, OBJ, PLY, STL, OFF, DAE, MSH, with a note naming the others.
"""

from __future__ import annotations

import dataclasses
import os
import re
import xml.etree.ElementTree as ET

import numpy as np

from .confine import refusal
from .readers import read, readable

PRIORITY = (".xml", ".urdf", ".glb", ".gltf", ".obj", ".ply", ".stl", ".off", ".dae", ".msh")
DESCRIPTIONS = (".xml", ".urdf")
TWIN = re.compile(r"^(?P<base>.+?)[-_](visual|vis)$", re.IGNORECASE)
STAND_IN = re.compile(r"^(?P<base>.+?)[-_](vhacd|collision|coll|col|convex|cvx|hull)([-_]?\d+)?$", re.IGNORECASE)
MARKER = re.compile(r"^(?P<base>.+?)[-_](sites?|markers?)([-_]?\d+)?$", re.IGNORECASE)
COLLISION_DIRS = ("collision", "collisions", "vhacd", "collision_meshes")
VISUAL_DIRS = ("visual", "visuals", "vis", "meshes", "visual_meshes")


@dataclasses.dataclass
class Entry:
    """An object to import: its file, collision stand-in files and notes found while planning."""

    path: str
    collision_files: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)


def _split(path: str) -> tuple[str, str, str]:
    d, n = os.path.split(path)
    stem, ext = os.path.splitext(n)
    return d, stem, ext.lower()


def _clean(ref: str) -> str:
    return re.sub(r"^package://[^/]*/", "", ref).replace("file://", "")


def references(path: str) -> list[str]:
    """Normalised paths of the files a URDF/MJCF/OBJ names (meshes, textures, MTL and its maps)."""
    base = os.path.dirname(path)
    out: list[str] = []
    ext = os.path.splitext(path)[1].lower()
    try:
        if ext in (".xml", ".urdf"):
            root = ET.parse(path).getroot()
            comp = root.find("compiler")
            meshdir = comp.get("meshdir", comp.get("assetdir", "")) if comp is not None else ""
            texdir = comp.get("texturedir", comp.get("assetdir", "")) if comp is not None else ""
            for el in root.iter():
                if el.tag == "mesh" and (el.get("file") or el.get("filename")):
                    sub = meshdir if el.get("file") else ""
                    out.append(os.path.join(base, sub, _clean(el.get("file") or el.get("filename"))))
                elif el.tag in ("texture", "hfield", "skin") and el.get("file"):
                    out.append(os.path.join(base, texdir if el.tag == "texture" else meshdir, _clean(el.get("file"))))
        elif ext == ".gltf":
            import json

            with open(path) as f:
                data = json.load(f)
            for item in data.get("buffers", []) + data.get("images", []):
                uri = item.get("uri", "")
                if uri and not uri.startswith("data:"):
                    out.append(os.path.join(base, uri))
        elif ext == ".obj":
            with open(path, errors="replace") as f:
                mtls = [ln.split(None, 1)[1].strip() for ln in f if ln.startswith("mtllib ")]
            for mtl in mtls:
                mpath = os.path.join(base, mtl)
                out.append(mpath)
                if os.path.lexists(mpath) and not refusal(mpath):
                    with open(mpath, errors="replace") as f:
                        for ln in f:
                            if ln.strip().lower().startswith(("map_", "bump", "disp", "norm")):
                                parts = ln.split()
                                if len(parts) > 1:
                                    out.append(os.path.join(os.path.dirname(mpath), parts[-1]))
    except (ET.ParseError, OSError, IndexError, ValueError, AttributeError):
        pass
    return [os.path.normpath(p) for p in out]


def _extents(path: str, cache: dict) -> np.ndarray | None:
    """Sorted bounding-box extents (3,) of a mesh file [file units], or None when unreadable."""
    if path not in cache:
        try:
            cache[path] = np.sort(read(path, []).mesh.extents)
        except Exception:  # noqa: BLE001 - an unreadable file matches nothing
            cache[path] = None
    return cache[path]


def _other_forms(src: str, loose: list[str], owner: dict[str, str], refs: dict[str, list[str]]) -> dict[str, str]:
    """Loose meshes that are another form of a mesh a URDF/MJCF references: in the referenced mesh's
    folder or the folder above it (not ``src`` itself), with the same bounding-box extents (2%).
    Returns {mesh: description}."""
    cache: dict = {}
    near: dict[str, list[tuple[str, str]]] = {}  # folder -> (referenced mesh, description)
    for desc, rs in refs.items():
        for r in rs:
            if os.path.splitext(r)[1].lower() in PRIORITY and os.path.isfile(r):
                for d in {os.path.dirname(r), os.path.dirname(os.path.dirname(r))}:
                    if os.path.normpath(d) != os.path.normpath(src) and d.startswith(os.path.normpath(src)):
                        near.setdefault(d, []).append((r, desc))
    out = {}
    for p in loose:
        ext_p = None
        for r, desc in near.get(os.path.dirname(p), []):
            ext_p = _extents(p, cache) if ext_p is None else ext_p
            ext_r = _extents(r, cache)
            if ext_p is None:
                break
            if ext_r is not None and np.allclose(ext_p, ext_r, rtol=0.02, atol=1e-9):
                out[p] = desc
                break
    return out


def _collision_kind(src: str, path: str) -> str:
    """"marker", "collision" or "" from a file's name and the folders it sits in (below ``src``)."""
    stem = _split(path)[1]
    if MARKER.match(stem):
        return "marker"
    folders = os.path.relpath(os.path.dirname(path), src).lower().split(os.sep)
    if STAND_IN.match(stem) or any(f in COLLISION_DIRS for f in folders):
        return "collision"
    return ""


def _visual_of(path: str, chosen: dict[tuple[str, str], str]) -> str | None:
    """The object a collision mesh belongs to: ``foo`` or its visual counterpart ``foo_vis`` /
    ``foo_visual`` / ``foo-visual``, in its folder or, in a collision folder, the folder above
    it or a sibling visual folder."""
    d, stem, _ = _split(path)
    m = STAND_IN.match(stem)
    base = m.group("base") if m else stem
    names = [n for b in dict.fromkeys((base, stem)) for n in (b, f"{b}_vis", f"{b}_visual", f"{b}-visual")]
    folders = [d]
    if os.path.basename(d).lower() in COLLISION_DIRS:
        up = os.path.dirname(d)
        folders += [up] + [os.path.join(up, v) for v in VISUAL_DIRS]
    for f in folders:
        for n in names:
            hit = chosen.get((f, n))
            if hit is not None and hit != path:
                return hit
    return None


def plan_collection(src: str) -> tuple[list[Entry], list[dict]]:
    """(objects to import, skipped files with reasons) for every file under ``src``, sorted by path.

    A file the current read limits refuse (``confine.refusal``: a symlink out of the collection,
    a FIFO, device or socket, a file over the byte or texture-pixel limit) is skipped with the
    reason before anything opens it."""
    src = os.path.normpath(src)
    walked = sorted(os.path.normpath(os.path.join(d, n)) for d, _, names in os.walk(src) for n in names)
    refused = [{"source": p, "reason": why} for p in walked if (why := refusal(p))]
    bad = {r["source"] for r in refused}
    files = [p for p in walked if p not in bad]
    owner: dict[str, str] = {}  # file -> entry that uses it
    why: dict[str, str] = {}  # file -> reason when it is not simply "part of" its owner
    candidates = [p for p in files if readable(p)]
    stems: dict[tuple[str, str], list[str]] = {}
    for q in files:
        stems.setdefault(_split(q)[:2], []).append(q)
    refs: dict[str, list[str]] = {}
    # 1. descriptions first: what they reference (and same-stem siblings of meshes) belongs to them
    for p in sorted(candidates, key=lambda q: bool(TWIN.match(_split(q)[1]))):  # twins last: owners are originals
        if _split(p)[2] in (".xml", ".urdf", ".obj", ".gltf"):
            refs[p] = references(p)
            for ref in refs[p]:
                if ref != p:
                    owner.setdefault(ref, p)
                    for q in stems.get(_split(ref)[:2], []):
                        # a description beside a same-stem MTL or mesh is its own entry (or its owner)
                        if q != p and _split(q)[2] not in DESCRIPTIONS:
                            owner.setdefault(q, p)
    # 1b. loose meshes that are another form of a referenced mesh (e.g. the OBJ a .msh was made from)
    loose = [p for p in candidates if p not in owner and _split(p)[2] not in DESCRIPTIONS]
    descs = {p: r for p, r in refs.items() if _split(p)[2] in DESCRIPTIONS}
    for p, desc in _other_forms(src, loose, owner, descs).items():
        owner[p] = desc
        why[p] = f"another form of a mesh {os.path.basename(desc)} uses (same extents, unreferenced)"
    entries: dict[str, Entry] = {}
    skipped: list[dict] = list(refused)
    # an MJCF that is not <mujoco> (e.g. a ROS launch XML) is still tried; the importer rejects it
    remaining = [p for p in candidates if p not in owner]
    by_stem: dict[tuple[str, str], list[str]] = {}
    for p in remaining:
        d, stem, _ = _split(p)
        by_stem.setdefault((d, stem), []).append(p)
    # 2. one stem, several formats -> the preferred one
    chosen: dict[tuple[str, str], str] = {}
    for key, group in by_stem.items():
        group.sort(key=lambda q: PRIORITY.index(_split(q)[2]) if _split(q)[2] in PRIORITY else len(PRIORITY))
        chosen[key] = group[0]
        entries[group[0]] = Entry(group[0])
        for other in group[1:]:
            skipped.append({"source": other, "reason": f"same object as {os.path.basename(group[0])} in another format"})
            entries[group[0]].notes.append(f"also present as {os.path.basename(other)} (not imported twice)")
    # 3. visual twins: a description's twin is skipped; a mesh's "_vis" form is the object itself
    for (d, stem), p in sorted(chosen.items()):
        m = TWIN.match(stem)
        base = chosen.get((d, m.group("base"))) if m else None
        if base is None or base == p or base not in entries or p not in entries:
            continue
        if _split(base)[2] in DESCRIPTIONS or _split(p)[2] in DESCRIPTIONS:
            keep, drop = base, p
            skipped.append({"source": drop, "reason": f"visual twin of {os.path.basename(keep)}"})
            entries[keep].notes.append(f"visual twin {os.path.basename(drop)} not imported twice")
        else:
            keep, drop = p, base
            skipped.append({"source": drop, "reason": f"same object as its visual form {os.path.basename(keep)}"})
            entries[keep].notes.append(f"{os.path.basename(drop)} beside it: the visual form is imported")
        entries.pop(drop)
        chosen[(d, _split(drop)[1])] = keep
    # 4. collision and marker meshes are never objects; a collision mesh with a visual joins it
    for (d, stem), p in sorted(chosen.items()):
        if p not in entries or _split(p)[2] in DESCRIPTIONS:
            continue
        kind = _collision_kind(src, p)
        if not kind:
            continue
        base = _visual_of(p, chosen) if kind == "collision" else None
        entries.pop(p)
        if kind == "marker":
            skipped.append({"source": p, "reason": "marker mesh (a site or marker by its name): not an object"})
        elif base is None or base not in entries or _collision_kind(src, base):
            skipped.append({"source": p, "reason": "collision mesh (by its name or folder) with no visual mesh found "
                                                   "beside it: not an object"})
        else:
            entries[base].collision_files.append(p)
            skipped.append({"source": p, "reason": f"collision stand-in of {os.path.basename(base)}"})
            entries[base].notes.append(f"collision from {os.path.basename(p)}")
    listed = {s["source"] for s in skipped}
    for p in files:
        if p in entries or p in listed:
            continue
        if p in owner:
            skipped.append({"source": p, "reason": why.get(p, f"part of {os.path.basename(owner[p])}")})
        elif p not in candidates:
            ext = os.path.splitext(p)[1].lower() or "(none)"
            skipped.append({"source": p, "reason": f"not an object file ({ext}): no importer reads it and nothing references it"})
    return [entries[p] for p in sorted(entries)], skipped
