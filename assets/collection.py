"""Which files of a collection are objects, and what every other file is.

``plan_collection(src)`` walks ``src`` and returns one ``Entry`` per object to
import plus a ``skipped`` row (file, reason) for every other file, so the
build report accounts for each file:

- files a URDF/MJCF or an OBJ's MTL references (meshes, textures, materials,
  and same-stem siblings of a referenced mesh) belong to that entry;
- visual twins (``foo-visual.xml`` beside ``foo.xml``) are skipped, with a
  note on ``foo.xml``;
- collision stand-ins (``foo_vhacd.obj``, ``foo_collision.stl``,
  ``foo_convex_3.obj`` beside ``foo.obj``) become the collision of ``foo``;
- one stem in several formats in one folder is imported once, in the order
  XML, URDF, GLB, GLTF, OBJ, PLY, STL, OFF, DAE, with a note naming the others.
"""

from __future__ import annotations

import dataclasses
import os
import re
import xml.etree.ElementTree as ET

from .readers import readable

PRIORITY = (".xml", ".urdf", ".glb", ".gltf", ".obj", ".ply", ".stl", ".off", ".dae")
TWIN = re.compile(r"^(?P<base>.+?)[-_](visual|vis)$", re.IGNORECASE)
STAND_IN = re.compile(r"^(?P<base>.+?)[-_](vhacd|collision|coll|col|convex|cvx|hull)([-_]?\d+)?$", re.IGNORECASE)


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
                if os.path.isfile(mpath):
                    with open(mpath, errors="replace") as f:
                        for ln in f:
                            if ln.strip().lower().startswith(("map_", "bump", "disp", "norm")):
                                parts = ln.split()
                                if len(parts) > 1:
                                    out.append(os.path.join(os.path.dirname(mpath), parts[-1]))
    except (ET.ParseError, OSError, IndexError, ValueError, AttributeError):
        pass
    return [os.path.normpath(p) for p in out]


def plan_collection(src: str) -> tuple[list[Entry], list[dict]]:
    """(objects to import, skipped files with reasons) for every file under ``src``, sorted by path."""
    files = sorted(os.path.normpath(os.path.join(d, n)) for d, _, names in os.walk(src) for n in names)
    owner: dict[str, str] = {}  # file -> entry that uses it
    candidates = [p for p in files if readable(p)]
    stems: dict[tuple[str, str], list[str]] = {}
    for q in files:
        stems.setdefault(_split(q)[:2], []).append(q)
    # 1. descriptions first: what they reference (and same-stem siblings of meshes) belongs to them
    for p in sorted(candidates, key=lambda q: bool(TWIN.match(_split(q)[1]))):  # twins last: owners are originals
        if _split(p)[2] in (".xml", ".urdf", ".obj", ".gltf"):
            for ref in references(p):
                if ref != p:
                    owner.setdefault(ref, p)
                    for q in stems.get(_split(ref)[:2], []):
                        # a description beside a same-stem MTL or mesh is its own entry (or its owner)
                        if q != p and _split(q)[2] not in (".xml", ".urdf"):
                            owner.setdefault(q, p)
    entries: dict[str, Entry] = {}
    skipped: list[dict] = []
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
    # 3. visual twins and collision stand-ins attach to their base object
    for (d, stem), p in sorted(chosen.items()):
        for pattern, kind in ((TWIN, "twin"), (STAND_IN, "collision")):
            m = pattern.match(stem)
            base = chosen.get((d, m.group("base"))) if m else None
            if base is None or base == p or base not in entries:
                continue
            entries.pop(p, None)
            if kind == "twin":
                skipped.append({"source": p, "reason": f"visual twin of {os.path.basename(base)}"})
                entries[base].notes.append(f"visual twin {os.path.basename(p)} not imported twice")
            else:
                entries[base].collision_files.append(p)
                skipped.append({"source": p, "reason": f"collision stand-in of {os.path.basename(base)}"})
                entries[base].notes.append(f"collision from {os.path.basename(p)}")
            break
    listed = {s["source"] for s in skipped}
    for p in files:
        if p in entries or p in listed:
            continue
        if p in owner:
            skipped.append({"source": p, "reason": f"part of {os.path.basename(owner[p])}"})
        elif p not in candidates:
            ext = os.path.splitext(p)[1].lower() or "(none)"
            skipped.append({"source": p, "reason": f"not an object file ({ext}): no importer reads it and nothing references it"})
    return [entries[p] for p in sorted(entries)], skipped
