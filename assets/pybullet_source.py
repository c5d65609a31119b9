"""Asset sources backed by the meshes that ship inside the ``pybullet`` wheel.

``pybullet_random``: the 1,000 procedurally generated ``random_urdfs`` blobs.
``pybullet_named``: a handful of recognisable objects (duck, mug, teddy bear...).
Nothing is downloaded: every path points into the installed ``pybullet_data``.
"""

from __future__ import annotations

import functools
import os
import xml.etree.ElementTree as ET

from ..core.errors import AssetError
from .catalog import ObjectAsset, register_asset_source


def data_root() -> str:
    import pybullet_data

    return pybullet_data.getDataPath()


def _urdf_meshes(urdf_path: str) -> tuple[str, str, tuple[float, float, float]]:
    """(visual mesh, collision mesh, scale) of a single-link URDF."""
    try:
        root = ET.parse(urdf_path).getroot()
    except (OSError, ET.ParseError) as e:
        raise AssetError(f"{urdf_path}: cannot parse URDF ({e}); reinstall pybullet==3.2.7") from e
    base = os.path.dirname(urdf_path)
    found = {}
    for kind in ("visual", "collision"):
        mesh = root.find(f".//{kind}/geometry/mesh")
        if mesh is None and kind == "collision":
            found[kind] = found["visual"]  # primitive collision shape: collide with the visual mesh's hull
            continue
        if mesh is None:
            raise AssetError(f"{urdf_path}: no <{kind}> mesh; only mesh-based URDF objects are supported")
        scale = tuple(float(s) for s in mesh.get("scale", "1 1 1").split())
        found[kind] = (os.path.join(base, mesh.get("filename")), scale)
    return found["visual"][0], found["collision"][0], found["visual"][1]


@register_asset_source("pybullet_random")
@functools.lru_cache(maxsize=1)
def random_objects() -> list[ObjectAsset]:
    root = os.path.join(data_root(), "random_urdfs")
    out = []
    for name in sorted(os.listdir(root)):
        urdf = os.path.join(root, name, f"{name}.urdf")
        if os.path.isfile(urdf):
            vis, col, scale = _urdf_meshes(urdf)
            out.append(ObjectAsset(f"pybullet_random/{name}", "object", vis, col, scale))
    return out


# (file relative to pybullet_data, category)
_NAMED = (
    ("duck_vhacd.urdf", "duck"),
    ("objects/mug.urdf", "mug"),
    ("teddy_vhacd.urdf", "teddy bear"),
    ("cube_small.urdf", "block"),
    ("sphere_small.urdf", "ball"),
)


@register_asset_source("pybullet_named")
@functools.lru_cache(maxsize=1)
def named_objects() -> list[ObjectAsset]:
    out = []
    for rel, category in _NAMED:
        vis, col, scale = _urdf_meshes(os.path.join(data_root(), rel))
        stem = os.path.splitext(os.path.basename(rel))[0]
        out.append(ObjectAsset(f"pybullet_named/{stem}", category, vis, col, scale))
    return out
