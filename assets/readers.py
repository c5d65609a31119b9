"""Read one object file (mesh, URDF or MJCF) into plain geometry, appearance and collision.

A reader maps ``(path, notes) -> Loaded``. Units are the file's own (URDF/MJCF
``scale`` attributes applied); the importer decides metres afterwards.
Appearance is kept: per-vertex UVs (V, 2) with OpenGL's convention (v = 0 at
the image bottom), one RGB texture image (H, W, 3) uint8 and a base colour
rgba in [0, 1]. MJCF primitive geoms (box, cylinder, capsule, sphere,
ellipsoid) are meshed for the visual and kept as convex collision pieces.
MuJoCo's binary ``.msh`` is read directly (``read_msh``); a mesh reference in a
format no reader handles, or one that fails to parse, falls back to a same-stem
sibling in a readable format, with a note.
"""

from __future__ import annotations

import dataclasses
import os
import re
import xml.etree.ElementTree as ET
from typing import Callable

import numpy as np
import trimesh

from ..core.errors import AssetError
from . import confine

MESH_EXTS = (".obj", ".glb", ".gltf", ".ply", ".stl", ".off", ".dae", ".msh")
FALLBACK_ORDER = (".obj", ".glb", ".gltf", ".ply", ".stl", ".off", ".dae", ".msh")


@dataclasses.dataclass
class Loaded:
    """One object as read. ``mesh`` (V, 3) file units; ``uv`` (V, 2) or None; ``image`` (H, W, 3)
    uint8 or None; ``rgba`` base colour or None; ``parts`` convex collision pieces (same frame
    and units) or empty; ``used`` files read besides the entry file; ``metric`` True when the
    format fixes metres (glTF) or the author scaled the mesh explicitly."""

    mesh: trimesh.Trimesh
    uv: np.ndarray | None = None
    image: np.ndarray | None = None
    rgba: tuple[float, float, float, float] | None = None
    parts: list[trimesh.Trimesh] = dataclasses.field(default_factory=list)
    used: list[str] = dataclasses.field(default_factory=list)
    metric: bool = False


_READERS: dict[str, Callable[[str, list[str]], Loaded]] = {}


def register_reader(*extensions: str):
    """Decorator for ``fn(path, notes) -> Loaded`` handling ``extensions``; duplicates raise."""

    def deco(fn):
        for ext in extensions:
            if ext in _READERS:
                raise ValueError(f"a reader for '{ext}' is already registered")
            _READERS[ext] = fn
        return fn

    return deco


def readable(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in _READERS


def read(path: str, notes: list[str]) -> Loaded:
    """Read ``path`` with its format's reader under the current read limits (``confine.py``): a file
    outside the collection, not regular, or over a limit raises AssetError with the reason."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in _READERS:
        raise AssetError(f"{path}: unsupported file type '{ext}'")
    confine.check_read(path)
    if ext == ".stl":
        claimed = confine.stl_triangles(path)
        if claimed is not None:
            confine.check_triangles(path, claimed)
    loaded = _READERS[ext](path, notes)
    confine.check_triangles(path, len(loaded.mesh.faces))
    return loaded


def _rgb(img) -> np.ndarray:
    return np.asarray(img.convert("RGB"), dtype=np.uint8)


def _appearance(mesh: trimesh.Trimesh) -> tuple[np.ndarray | None, np.ndarray | None, tuple | None]:
    """(uv, image, rgba) of a loaded trimesh; missing parts are None."""
    vis = mesh.visual
    uv = getattr(vis, "uv", None)
    uv = None if uv is None or len(uv) != len(mesh.vertices) else np.asarray(uv, float)
    if getattr(vis, "kind", None) == "texture" or uv is not None:
        mat = getattr(vis, "material", None)
        if hasattr(mat, "to_simple"):
            mat = mat.to_simple()
        img = getattr(mat, "image", None)
        if img is not None and uv is not None:
            return uv, _rgb(img), (1.0, 1.0, 1.0, 1.0)  # the image is the colour; MuJoCo multiplies by rgba
        diffuse = getattr(mat, "diffuse", None)
        rgba = tuple(float(c) / 255.0 for c in diffuse) if diffuse is not None and img is None and mat is not None else None
        return uv, None, rgba  # UVs without an image: an MJCF/URDF material may supply one
    if getattr(vis, "kind", None) in ("face", "vertex"):
        colors = np.asarray(vis.vertex_colors if vis.kind == "vertex" else vis.face_colors, float) / 255.0
        if len(colors):
            return None, None, tuple(float(c) for c in colors.mean(axis=0))
    return None, None, None


def _load(path: str) -> trimesh.Trimesh:
    if not os.path.isfile(path):
        raise AssetError(f"missing file {path}")
    loaded = trimesh.load(path, force="mesh", process=False, skip_materials=False,
                          resolver=confine.ConfinedResolver(path))
    if not isinstance(loaded, trimesh.Trimesh):
        raise AssetError(f"{path}: no triangle mesh inside")
    return loaded


def _obj_texture_notes(path: str, notes: list[str]) -> None:
    """Notes MTL or texture files an OBJ names but that are missing."""
    base = os.path.dirname(path)
    with open(path, errors="replace") as f:
        mtls = [line.split(None, 1)[1].strip() for line in f if line.startswith("mtllib ")]
    for mtl in mtls:
        mpath = os.path.join(base, mtl)
        if not os.path.lexists(mpath):
            notes.append(f"material file {mtl} missing: uses flat colour")
            continue
        why = confine.refusal(mpath)
        if why:
            notes.append(f"material file {mtl} not read: {why}; uses flat colour")
            continue
        with open(mpath, errors="replace") as f:
            for line in f:
                if line.strip().lower().startswith("map_kd"):
                    tex = line.split()[-1]
                    tpath = os.path.join(os.path.dirname(mpath), tex)
                    if not os.path.lexists(tpath):
                        notes.append(f"texture {tex} missing: uses flat colour")
                    elif why := confine.refusal(tpath):
                        notes.append(f"texture {tex} not read: {why}; uses flat colour")


def read_msh(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(vertices (V, 3) float64 [file units], faces (F, 3) int64, UVs (V, 2) in OpenGL's convention
    or None) of a MuJoCo binary ``.msh`` file.

    Layout (little-endian): int32 nvertex, nnormal, ntexcoord, nface; then float32 positions
    (3 * nvertex), normals (3 * nnormal), texture coordinates (2 * ntexcoord, MuJoCo's convention:
    v = 0 at the first image row, so v is flipped here), int32 vertex indices (3 * nface). The file
    size must be exactly 16 + 4 * (3 * (nvertex + nnormal + nface) + 2 * ntexcoord) bytes.
    Raises AssetError naming the file when it is not such a file.
    """
    with open(path, "rb") as f:
        head = f.read(16)
        if len(head) == 16:
            confine.check_triangles(path, max(0, int(np.frombuffer(head, "<i4")[3])))
        data = head + f.read()
    if len(data) < 16:
        raise AssetError(f"{path}: not a MuJoCo .msh file (shorter than its 16-byte header); re-export it")
    nv, nn, nt, nf = (int(x) for x in np.frombuffer(data[:16], "<i4"))
    expected = 16 + 4 * (3 * (nv + nn + nf) + 2 * nt)
    if min(nv, nn, nt, nf) < 0 or len(data) != expected:
        raise AssetError(f"{path}: not a MuJoCo .msh file (header says {nv} vertices, {nn} normals, {nt} texcoords, "
                         f"{nf} faces: {expected} bytes, file has {len(data)}); re-export it")
    if nf == 0:
        raise AssetError(f"{path}: .msh without faces (MuJoCo would take its convex hull); convert it to a mesh with faces")
    floats = np.frombuffer(data, "<f4", count=3 * (nv + nn) + 2 * nt, offset=16)
    v = floats[: 3 * nv].reshape(-1, 3).astype(np.float64)
    f = np.frombuffer(data, "<i4", count=3 * nf, offset=16 + 4 * floats.size).reshape(-1, 3).astype(np.int64)
    if f.size and (f.min() < 0 or f.max() >= nv):
        raise AssetError(f"{path}: .msh face indices outside 0..{nv - 1}; the file is corrupt")
    uv = None
    if nt == nv and nt > 0:
        uv = floats[3 * (nv + nn):].reshape(-1, 2).astype(np.float64)
        uv[:, 1] = 1.0 - uv[:, 1]
    return v, f, uv


@register_reader(".msh")
def _read_msh(path: str, notes: list[str]) -> Loaded:
    v, f, uv = read_msh(path)
    return Loaded(trimesh.Trimesh(v, f, process=False), uv)


@register_reader(*(e for e in MESH_EXTS if e != ".msh"))
def _read_mesh(path: str, notes: list[str]) -> Loaded:
    if path.lower().endswith(".obj"):
        _obj_texture_notes(path, notes)
    mesh = _load(path)
    uv, image, rgba = _appearance(mesh)
    return Loaded(mesh, uv, image, rgba, metric=path.lower().endswith((".glb", ".gltf")))


def resolve_mesh_file(path: str, notes: list[str]) -> str:
    """``path`` if readable, else a readable same-stem sibling (noted); raises AssetError otherwise."""
    ext = os.path.splitext(path)[1].lower()
    if ext in MESH_EXTS and os.path.isfile(path):
        return path
    stem = os.path.splitext(path)[0]
    for alt in FALLBACK_ORDER:
        if os.path.isfile(stem + alt):
            why = "missing" if not os.path.isfile(path) else f"'{ext}' is not a readable format"
            notes.append(f"{os.path.basename(path)} {why}: read sibling {os.path.basename(stem + alt)}")
            return stem + alt
    if not os.path.isfile(path):
        raise AssetError(f"missing file {path} (referenced by a URDF/MJCF); fix the reference or add the file")
    raise AssetError(f"{path}: unsupported mesh type '{ext}' and no same-stem .obj/.stl/.ply/.glb beside it; convert it")


def read_referenced(path: str, notes: list[str]) -> tuple[str, Loaded]:
    """Read a mesh a URDF/MJCF references: its readable form (``resolve_mesh_file``), or, when that
    file cannot be parsed, a same-stem sibling (noted). Returns (file read, Loaded)."""
    if os.path.lexists(path):
        confine.check_read(path)  # a refused reference never falls back to a sibling
    f = resolve_mesh_file(path, notes)
    try:
        return f, read(f, notes)
    except Exception as e:  # noqa: BLE001 - try a sibling before giving up
        stem = os.path.splitext(f)[0]
        for alt in FALLBACK_ORDER:
            if stem + alt != f and os.path.isfile(stem + alt):
                notes.append(f"{os.path.basename(f)} unreadable ({type(e).__name__}): read sibling {os.path.basename(stem + alt)}")
                return stem + alt, read(stem + alt, notes)
        raise


def _clean_ref(ref: str) -> str:
    return re.sub(r"^package://[^/]*/", "", ref).replace("file://", "")


def _floats(text: str | None, default) -> np.ndarray:
    return np.array([float(v) for v in text.split()]) if text else np.asarray(default, float)


def _quat_mat(q) -> np.ndarray:
    w, x, y, z = np.asarray(q, float) / np.linalg.norm(q)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])


def _euler_mat(rpy) -> np.ndarray:
    return trimesh.transformations.euler_matrix(*rpy, axes="sxyz")[:3, :3]


def _pose(el: ET.Element, mjcf: bool, euler_radian: bool = True) -> np.ndarray:
    """4x4 pose of an MJCF body/geom (pos, quat, euler, axisangle) or URDF <origin> (xyz, rpy)."""
    T = np.eye(4)
    if el is None:
        return T
    if not mjcf:
        T[:3, :3] = _euler_mat(_floats(el.get("rpy"), (0, 0, 0)))
        T[:3, 3] = _floats(el.get("xyz"), (0, 0, 0))
        return T
    T[:3, 3] = _floats(el.get("pos"), (0, 0, 0))
    if el.get("quat"):
        T[:3, :3] = _quat_mat(_floats(el.get("quat"), None))
    elif el.get("euler"):
        e = _floats(el.get("euler"), None)
        T[:3, :3] = _euler_mat(e if euler_radian else np.radians(e))
    elif el.get("axisangle"):
        a = _floats(el.get("axisangle"), None)
        T[:3, :3] = trimesh.transformations.rotation_matrix(a[3] if euler_radian else np.radians(a[3]), a[:3])[:3, :3]
    return T


def primitive_mesh(kind: str, size: np.ndarray, fromto: np.ndarray | None = None) -> trimesh.Trimesh:
    """A primitive geom meshed in its own frame (MuJoCo conventions: half-sizes; z the axis)."""
    T = np.eye(4)
    if fromto is not None and kind in ("capsule", "cylinder", "box", "ellipsoid"):
        p0, p1 = fromto[:3], fromto[3:]
        d = p1 - p0
        half = float(np.linalg.norm(d)) / 2
        size = np.array([size[0], half, *size[1:2]]) if kind != "box" else np.array([size[0], size[1] if len(size) > 1 else size[0], half])
        z = d / (2 * half)
        x = np.cross(z, [0, 0, 1.0]) if abs(z[2]) < 0.9 else np.cross(z, [1.0, 0, 0])
        x /= np.linalg.norm(x)
        T[:3, :3] = np.stack([x, np.cross(z, x), z], axis=1)
        T[:3, 3] = (p0 + p1) / 2
    if kind == "box":
        m = trimesh.creation.box(extents=2 * np.resize(size, 3))
    elif kind == "sphere":
        m = trimesh.creation.icosphere(subdivisions=3, radius=float(size[0]))
    elif kind == "ellipsoid":
        m = trimesh.creation.icosphere(subdivisions=3, radius=1.0)
        m.apply_scale(np.resize(size, 3))
    elif kind == "cylinder":
        m = trimesh.creation.cylinder(radius=float(size[0]), height=2 * float(size[1]), sections=32)
    elif kind == "capsule":
        m = trimesh.creation.capsule(height=2 * float(size[1]), radius=float(size[0]), count=[16, 16])
    else:
        raise AssetError(f"primitive '{kind}' cannot be meshed")
    return m.apply_transform(T)


PRIMITIVES = ("box", "sphere", "ellipsoid", "cylinder", "capsule")


@dataclasses.dataclass
class _Geom:
    mesh: trimesh.Trimesh
    uv: np.ndarray | None
    image: np.ndarray | None
    rgba: tuple | None
    visual: bool
    collision: bool
    primitive: bool


def _mjcf_defaults(root: ET.Element) -> dict[str, dict[str, str]]:
    """Class name -> geom attributes of MJCF <default> blocks (nested classes inherit)."""
    out: dict[str, dict[str, str]] = {}

    def walk(el, inherited, name):
        attrs = dict(inherited)
        g = el.find("geom")
        if g is not None:
            attrs.update(g.attrib)
        out[name] = attrs
        for child in el.findall("default"):
            walk(child, attrs, child.get("class", name))

    for d in root.findall("default"):
        walk(d, {}, d.get("class", "main"))
    return out


def _load_image(path: str, notes: list[str]) -> np.ndarray | None:
    """The RGB image at ``path``, or None (with a note when it exists but is refused: ``confine.py``)."""
    from PIL import Image

    if not os.path.lexists(path):
        return None
    why = confine.refusal(path)
    if why:
        notes.append(f"texture {os.path.basename(path)} not read: {why}")
        return None
    with Image.open(path) as im:
        return _rgb(im)


@register_reader(".xml")
def _read_mjcf(path: str, notes: list[str]) -> Loaded:
    root = ET.parse(path).getroot()
    if root.tag != "mujoco":
        raise AssetError(f"{path}: not an MJCF file (root <{root.tag}>)")
    base = os.path.dirname(path)
    comp = root.find("compiler")
    meshdir = os.path.join(base, comp.get("meshdir", comp.get("assetdir", "")) if comp is not None else "")
    texdir = os.path.join(base, comp.get("texturedir", comp.get("assetdir", "")) if comp is not None else "")
    radian = comp is not None and comp.get("angle", "degree") == "radian"  # MuJoCo's default is degrees
    defaults = _mjcf_defaults(root)
    meshes, textures, materials = {}, {}, {}
    for el in root.iter("mesh"):
        if el.get("file"):
            name = el.get("name") or os.path.splitext(os.path.basename(el.get("file")))[0]
            meshes[name] = el
    for el in root.iter("texture"):
        if el.get("file") and el.get("type", "2d") == "2d":
            textures[el.get("name") or os.path.splitext(os.path.basename(el.get("file")))[0]] = os.path.join(texdir, _clean_ref(el.get("file")))
    for el in root.iter("material"):
        materials[el.get("name")] = el
    geoms: list[_Geom] = []
    used: list[str] = []
    scaled = False

    def walk(body: ET.Element, T: np.ndarray, cls: str):
        nonlocal scaled
        for g in body.findall("geom"):
            a = dict(defaults.get(g.get("class", cls), defaults.get("main", {})))
            a.update(g.attrib)
            kind = a.get("type", "mesh" if a.get("mesh") else "sphere")
            gT = T @ _pose(g, True, radian) if not a.get("fromto") else T
            uv = image = None
            if kind == "mesh":
                mel = meshes.get(a.get("mesh"))
                if mel is None:
                    raise AssetError(f"{path}: geom uses mesh '{a.get('mesh')}' that no <asset><mesh file=...> defines")
                f, sub = read_referenced(os.path.join(meshdir, _clean_ref(mel.get("file"))), notes)
                used.append(f)
                scale = _floats(mel.get("scale"), (1, 1, 1))
                scaled = scaled or not np.allclose(scale, 1.0)
                m = sub.mesh.copy()
                m.apply_transform(np.diag([*np.resize(scale, 3), 1.0]))
                uv, image = sub.uv, sub.image
                rgba = sub.rgba
            elif kind in PRIMITIVES:
                m = primitive_mesh(kind, _floats(a.get("size"), (0.05,)), _floats(a.get("fromto"), None) if a.get("fromto") else None)
                rgba = None
            else:
                notes.append(f"geom type '{kind}' ignored")
                continue
            m.apply_transform(gT)
            mat = materials.get(a.get("material"))
            if mat is not None:
                if mat.get("rgba"):
                    rgba = tuple(_floats(mat.get("rgba"), None))
                tex = textures.get(mat.get("texture"))
                if tex is not None and uv is not None:
                    img = _load_image(tex, notes)
                    if img is None:
                        if not os.path.lexists(tex):
                            notes.append(f"texture {os.path.basename(tex)} missing: uses flat colour")
                    else:
                        image = img
                        used.append(tex)
                        if not mat.get("rgba"):
                            rgba = (1.0, 1.0, 1.0, 1.0)
                elif tex is not None:
                    notes.append(f"texture {os.path.basename(tex)} on a geom without UVs: uses its mean colour")
                    img = _load_image(tex, notes)
                    if img is not None:
                        rgba = (*(img.reshape(-1, 3).mean(axis=0) / 255.0), 1.0)
            if a.get("rgba"):
                rgba = tuple(_floats(a.get("rgba"), None))
            no_contact = a.get("contype", "1") == "0" and a.get("conaffinity", "1") == "0"
            transparent = rgba is not None and len(rgba) == 4 and rgba[3] == 0
            group = a.get("group", "0")
            geoms.append(_Geom(m, uv, image, rgba, visual=not transparent and (no_contact or group in ("1", "2")),
                               collision=not no_contact, primitive=kind in PRIMITIVES))
        for child in body.findall("body"):
            walk(child, T @ _pose(child, True, radian), child.get("childclass", cls))

    wb = root.find("worldbody")
    if wb is not None:
        walk(wb, np.eye(4), "main")
    if not geoms:  # an asset-only file: its first mesh is the object
        el = root.find("asset/mesh")
        if el is None or not el.get("file"):
            raise AssetError(f"{path}: no geoms and no <asset><mesh file=...>; nothing to import")
        f, sub = read_referenced(os.path.join(meshdir, _clean_ref(el.get("file"))), notes)
        sub.mesh = sub.mesh.copy().apply_transform(np.diag([*np.resize(_floats(el.get("scale"), (1, 1, 1)), 3), 1.0]))
        sub.used = [f]
        sub.metric = sub.metric or el.get("scale") is not None
        return sub
    return _combine(geoms, used, scaled, notes)


def _combine(geoms: list[_Geom], used: list[str], scaled: bool, notes: list[str]) -> Loaded:
    """One Loaded from several geoms: visual geoms are concatenated (the largest textured geom's
    image kept), collision geoms become the convex parts when they are primitives or split the
    object in pieces."""
    visual = [g for g in geoms if g.visual] or [g for g in geoms if g.collision] or geoms
    colliders = [g for g in geoms if g.collision] or visual
    textured = [g for g in visual if g.image is not None and g.uv is not None]
    image = None
    if textured:
        main = max(textured, key=lambda g: g.mesh.area)
        image = main.image
        if len({id(g.image) for g in textured}) > 1:
            notes.append("several texture images: kept the largest part's, others use its colours")
    verts, faces, uvs, off = [], [], [], 0
    for g in visual:
        verts.append(np.asarray(g.mesh.vertices))
        faces.append(np.asarray(g.mesh.faces) + off)
        off += len(g.mesh.vertices)
        same = image is not None and g.image is image
        uvs.append(g.uv if same else np.full((len(g.mesh.vertices), 2), np.nan))
    mesh = trimesh.Trimesh(np.concatenate(verts), np.concatenate(faces), process=False)
    uv = np.concatenate(uvs) if image is not None else None
    rgbas = [g.rgba for g in visual if g.rgba is not None]
    rgba = tuple(float(c) for c in np.mean([np.resize(np.asarray(r, float), 4) for r in rgbas], axis=0)) if rgbas else None
    parts = []
    if any(g.primitive for g in colliders) or len(colliders) > 1:
        parts = [g.mesh.convex_hull for g in colliders]
    if any(g.primitive for g in geoms):
        notes.append(f"{sum(g.primitive for g in geoms)} primitive geoms meshed for the visual; collision keeps them as convex pieces")
    return Loaded(mesh, uv, image, rgba, parts, used, metric=scaled)


@register_reader(".urdf")
def _read_urdf(path: str, notes: list[str]) -> Loaded:
    root = ET.parse(path).getroot()
    base = os.path.dirname(path)
    geoms: list[_Geom] = []
    used: list[str] = []
    scaled = False
    mats = {m.get("name"): m for m in root.findall("material")}
    for link in root.iter("link"):
        for tag in ("visual", "collision"):
            for el in link.findall(tag):
                g = el.find("geometry")
                if g is None or len(g) == 0:
                    continue
                shape = g[0]
                uv = image = rgba = None
                if shape.tag == "mesh":
                    f, sub = read_referenced(os.path.join(base, _clean_ref(shape.get("filename", ""))), notes)
                    used.append(f)
                    scale = _floats(shape.get("scale"), (1, 1, 1))
                    scaled = scaled or not np.allclose(scale, 1.0)
                    m = sub.mesh.copy().apply_transform(np.diag([*np.resize(scale, 3), 1.0]))
                    uv, image, rgba = sub.uv, sub.image, sub.rgba
                elif shape.tag == "box":
                    m = primitive_mesh("box", _floats(shape.get("size"), (0.05,) * 3) / 2)
                elif shape.tag == "sphere":
                    m = primitive_mesh("sphere", _floats(shape.get("radius"), (0.03,)))
                elif shape.tag == "cylinder":
                    m = primitive_mesh("cylinder", np.array([float(shape.get("radius", 0.03)), float(shape.get("length", 0.1)) / 2]))
                else:
                    continue
                m.apply_transform(_pose(el.find("origin"), False))
                mat = el.find("material")
                if mat is not None:
                    c = mat.find("color")
                    if c is None and mat.get("name") in mats:
                        c = mats[mat.get("name")].find("color")
                    if c is not None and c.get("rgba"):
                        rgba = tuple(_floats(c.get("rgba"), None))
                geoms.append(_Geom(m, uv, image, rgba, visual=tag == "visual", collision=tag == "collision",
                                   primitive=shape.tag != "mesh"))
    if not geoms:
        raise AssetError(f"{path}: no <visual> or <collision> geometry in any link")
    return _combine(geoms, used, scaled, notes)
