"""Read a vendor's robot file (URDF or MJCF) into an MjSpec whose mesh files are absolute paths.

Nothing is written next to the vendor's files: cleaned copies go to a scratch folder the
caller owns. URDF ``package://PKG/...`` references are resolved by looking for a folder
``PKG`` above the URDF, then for an installed Python package ``PKG``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import os
import xml.etree.ElementTree as ET

import mujoco
import trimesh

from ....core.errors import ConfigError

MUJOCO_MESH_FORMATS = (".stl", ".obj", ".msh")


@dataclasses.dataclass(frozen=True)
class JointLimits:
    """A URDF joint's ``<limit>``: velocity [rad/s or m/s] and effort [N m or N]; None when absent."""

    velocity: float | None
    effort: float | None


@dataclasses.dataclass
class Source:
    """One vendor file read into MuJoCo.

    Attributes:
        path: the vendor file (absolute).
        kind: "urdf" or "mjcf".
        spec: the model; every mesh's ``file`` is an absolute path.
        limits: URDF joint name -> its limits (empty for MJCF).
        clean_urdf: for a URDF, the cleaned copy (absolute mesh paths) PyBullet can load.
    """

    path: str
    kind: str
    spec: mujoco.MjSpec
    limits: dict[str, JointLimits]
    clean_urdf: str | None = None


def _package_root(pkg: str, start: str) -> str | None:
    d = os.path.abspath(start)
    while True:
        if os.path.basename(d) == pkg:
            return d
        if os.path.isdir(os.path.join(d, pkg)):
            return os.path.join(d, pkg)
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    found = importlib.util.find_spec(pkg) if pkg.isidentifier() else None
    if found is not None and found.submodule_search_locations:
        return list(found.submodule_search_locations)[0]
    return None


def resolve_urdf_mesh(ref: str, urdf: str) -> str:
    """Absolute path of a URDF mesh reference (``package://``, ``file://`` or relative).

    Raises:
        ConfigError: naming the URDF, the reference and where it was looked for.
    """
    base = os.path.dirname(os.path.abspath(urdf))
    if ref.startswith("package://"):
        pkg, _, rest = ref[len("package://"):].partition("/")
        root = _package_root(pkg, base)
        path = os.path.join(root, rest) if root else ""
    elif ref.startswith("file://"):
        path = ref[len("file://"):]
    else:
        path = os.path.join(base, ref)
    if not path or not os.path.isfile(path):
        raise ConfigError(urdf, f"mesh '{ref}' not found (looked for a folder named by its package above the "
                                "URDF and for an installed Python package); put the URDF inside its ROS package "
                                "folder or fix the path")
    return os.path.abspath(path)


def mujoco_readable(path: str, scratch: str) -> str:
    """``path`` itself when MuJoCo reads its format, else an OBJ conversion written to ``scratch``."""
    if os.path.splitext(path)[1].lower() in MUJOCO_MESH_FORMATS:
        return path
    tag = hashlib.sha1(path.encode()).hexdigest()[:8]
    out = os.path.join(scratch, "converted", f"{os.path.splitext(os.path.basename(path))[0]}_{tag}.obj")
    if not os.path.isfile(out):
        try:
            mesh = trimesh.load(path, force="mesh")
        except Exception as e:  # trimesh raises many types, e.g. for .dae without pycollada
            raise ConfigError(path, f"cannot convert this mesh for MuJoCo ({e}); export it as OBJ or STL "
                                    "(for .dae files: pip install pycollada)") from None
        os.makedirs(os.path.dirname(out), exist_ok=True)
        mesh.export(out)
    return out


def _parse(path: str, tag: str, kind: str) -> tuple[ET.ElementTree, ET.Element]:
    """The XML tree of ``path``, whose root must be ``<tag>`` (kind: "URDF" or "MJCF" for messages)."""
    try:
        tree = ET.parse(path)
    except (ET.ParseError, OSError) as e:
        raise ConfigError(path, f"not a readable {kind} ({e})") from None
    root = tree.getroot()
    if root.tag != tag:
        raise ConfigError(path, f"root element is <{root.tag}>, a {kind} has <{tag}>")
    return tree, root


def _spec_of(tree: ET.ElementTree, out: str, path: str, kind: str) -> mujoco.MjSpec:
    """Write the cleaned ``tree`` to ``out`` and read it with MuJoCo; errors name the vendor file ``path``."""
    tree.write(out)
    try:
        return mujoco.MjSpec.from_file(out)
    except ValueError as e:
        raise ConfigError(path, f"MuJoCo cannot read this {kind}: {e}") from None


def _read_urdf(path: str, scratch: str) -> Source:
    tree, root = _parse(path, "robot", "URDF")
    for mesh in root.iter("mesh"):
        mesh.set("filename", mujoco_readable(resolve_urdf_mesh(mesh.get("filename", ""), path), scratch))
    limits = {}
    for j in root.iter("joint"):
        lim = j.find("limit")
        if lim is not None:
            limits[j.get("name")] = JointLimits(
                float(lim.get("velocity")) if lim.get("velocity") else None,
                float(lim.get("effort")) if lim.get("effort") else None)
    for el in list(root):
        if el.tag in ("mujoco", "gazebo", "transmission"):
            root.remove(el)
    clean = os.path.join(scratch, "source.urdf")
    tree.write(clean)
    ext = ET.SubElement(root, "mujoco")
    ET.SubElement(ext, "compiler", strippath="false", discardvisual="false", fusestatic="false",
                  balanceinertia="true", boundmass="0.0001", boundinertia="1e-8")
    spec = _spec_of(tree, os.path.join(scratch, "source_mujoco.urdf"), path, "URDF")
    return Source(os.path.abspath(path), "urdf", spec, limits, clean)


def _drop_repeated_assets(root: ET.Element) -> list[str]:
    """Remove later assets that repeat an earlier asset's name (MuJoCo refuses them; references
    resolve to the first). Returns the names dropped."""
    dropped = []
    for tag in ("mesh", "material", "texture"):
        seen: set[str] = set()
        for parent in root.iter("asset"):
            for el in list(parent):
                name = el.get("name")
                if el.tag != tag or name is None:
                    continue
                if name in seen:
                    parent.remove(el)
                    dropped.append(f"{tag} {name}")
                seen.add(name)
    return dropped


def _guess_angle_unit(root: ET.Element) -> None:
    """Files meant to be merged into another model (robosuite's grippers) often omit
    ``<compiler angle>``, whose MuJoCo default is degrees. When every hinge range lies within
    +-2 pi, the ranges are radians: state it, so a 0.8 rad stroke does not become 0.8 degrees."""
    comp = root.find("compiler")
    if comp is not None and comp.get("angle"):
        return
    values = []
    for j in root.iter("joint"):
        if j.get("type", "hinge") == "hinge" and j.get("range"):
            values += [abs(float(v)) for v in j.get("range").split()]
    if values and max(values) <= 2 * 3.1416 + 1e-3:
        if comp is None:
            comp = ET.Element("compiler")
            root.insert(0, comp)
        comp.set("angle", "radian")


def _read_mjcf(path: str, scratch: str) -> Source:
    tree, root = _parse(path, "mujoco", "MJCF")
    base = os.path.dirname(os.path.abspath(path))
    comp = root.find("compiler")
    assetdir = comp.get("assetdir", "") if comp is not None else ""
    meshdir = os.path.join(base, comp.get("meshdir", assetdir) if comp is not None else "")
    texdir = os.path.join(base, comp.get("texturedir", assetdir) if comp is not None else "")
    for inc in root.iter("include"):
        inc.set("file", os.path.join(base, inc.get("file", "")))
    _drop_repeated_assets(root)
    _guess_angle_unit(root)
    for mesh in root.iter("mesh"):
        if mesh.get("file"):
            f = os.path.join(meshdir, mesh.get("file"))
            if not os.path.isfile(f):
                raise ConfigError(path, f"mesh file '{mesh.get('file')}' not found (looked in {meshdir})")
            mesh.set("file", mujoco_readable(os.path.abspath(f), scratch))
    for tex in root.iter("texture"):
        for key in ("file", "fileright", "fileleft", "fileup", "filedown", "filefront", "fileback"):
            if tex.get(key):
                tex.set(key, os.path.abspath(os.path.join(texdir, tex.get(key))))
    spec = _spec_of(tree, os.path.join(scratch, "source.xml"), path, "MJCF")
    return Source(os.path.abspath(path), "mjcf", spec, {})


def read_source(path: str, scratch: str) -> Source:
    """Read a URDF (``.urdf``) or MJCF (``.xml``/``.mjcf``) robot file; ``scratch`` is a folder
    for cleaned copies and mesh conversions.

    Raises:
        ConfigError: naming the file when it is missing, unreadable or refers to missing meshes.
    """
    if not os.path.isfile(path):
        raise ConfigError(path, "no such file; give the robot's URDF (--urdf) or MJCF (--mjcf)")
    os.makedirs(scratch, exist_ok=True)
    with open(path, "rb") as f:
        head = f.read(4096).decode("utf-8", "replace")
    if "<robot" in head:
        return _read_urdf(path, scratch)
    if "<mujoco" in head:
        return _read_mjcf(path, scratch)
    raise ConfigError(path, "neither a URDF (<robot>) nor an MJCF (<mujoco>) file")
