"""Mesh loading with validation; every failure names the file and the fix.

A mesh reference is a file path (anything trimesh reads) or ``scheme:rest`` for
a registered scheme: ``procedural:<category>:<seed>:<part>`` (generated from a
seed) and ``npz:<file>:<key>`` (arrays ``<key>_v`` / ``<key>_f`` in a catalog
file).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Callable

import numpy as np
import trimesh

from ..core.errors import AssetError

_SCHEMES: dict[str, Callable[[str], trimesh.Trimesh]] = {}


def register_mesh_scheme(name: str):
    """Decorator registering ``fn(rest) -> Trimesh`` for references ``name:rest``; duplicates raise."""

    def deco(fn):
        if name in _SCHEMES:
            raise ValueError(f"mesh scheme '{name}' is already registered")
        _SCHEMES[name] = fn
        return fn

    return deco


@register_mesh_scheme("npz")
def _npz(rest: str) -> trimesh.Trimesh:
    path, key = rest.rsplit(":", 1)
    with np.load(path) as z:
        return trimesh.Trimesh(z[f"{key}_v"], z[f"{key}_f"], process=False)


def _read(ref: str) -> trimesh.Trimesh:
    scheme, _, rest = ref.partition(":")
    if rest and scheme in _SCHEMES:
        return _SCHEMES[scheme](rest)
    return trimesh.load(ref, force="mesh", process=True)


@functools.lru_cache(maxsize=512)
def load_mesh(
    path: str, scale: tuple[float, float, float] = (1.0, 1.0, 1.0), max_faces: int | None = None
) -> trimesh.Trimesh:
    """Load one mesh reference as a single Trimesh in metres (vertices * scale).

    With ``max_faces``, larger meshes are simplified by quadric decimation
    (rendering cost on the CPU grows with triangle count).

    Raises AssetError when the file is missing, unreadable, empty, has
    non-finite vertices or zero volume. The returned mesh is shared: do not
    mutate it, ``copy()`` first.
    """
    try:
        mesh = _read(path)
    except FileNotFoundError as e:
        raise AssetError(f"{path}: mesh file not found; check the asset source or reinstall the package that ships it") from e
    except AssetError:
        raise
    except Exception as e:  # trimesh raises many types for corrupt files
        raise AssetError(f"{path}: cannot read mesh ({type(e).__name__}: {e}); re-export it as OBJ/STL/PLY") from e
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise AssetError(f"{path}: mesh has no faces; re-export it with geometry")
    if not np.all(np.isfinite(mesh.vertices)):
        raise AssetError(f"{path}: mesh has NaN/inf vertices; repair it in a mesh editor")
    mesh = mesh.copy()
    if max_faces is not None and len(mesh.faces) > max_faces:
        mesh = mesh.simplify_quadric_decimation(face_count=max_faces)
    mesh.apply_transform(np.diag([*map(float, scale), 1.0]))
    if mesh.convex_hull.volume <= 1e-12:
        raise AssetError(f"{path}: mesh is flat (zero volume); it cannot be grasped or simulated")
    return mesh


_UV_SCHEMES: dict[str, Callable[[str], tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}


def register_uv_scheme(name: str):
    """Decorator registering ``fn(rest) -> (V (N, 3), F (M, 3), UV (N, 2))`` for render-mesh
    references ``name:rest``; duplicates raise."""

    def deco(fn):
        if name in _UV_SCHEMES:
            raise ValueError(f"uv scheme '{name}' is already registered")
        _UV_SCHEMES[name] = fn
        return fn

    return deco


@register_uv_scheme("npz")
def _npz_uv(rest: str):
    path, key = rest.rsplit(":", 1)
    with np.load(path) as z:
        return z[f"{key}_v"], z[f"{key}_f"], z[f"{key}_uv"]


@functools.lru_cache(maxsize=256)
def load_render_mesh(ref: str, scale: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A UV-mapped render mesh: vertices (N, 3) [m] (times ``scale``), faces (M, 3) int32 and
    UVs (N, 2) in OpenGL's convention (v = 0 at the image bottom). Shared: do not mutate."""
    scheme, _, rest = ref.partition(":")
    if scheme not in _UV_SCHEMES:
        raise AssetError(f"{ref}: no render-mesh scheme '{scheme}'; registered: {', '.join(sorted(_UV_SCHEMES))}")
    v, f, uv = _UV_SCHEMES[scheme](rest)
    return np.asarray(v, float) * np.asarray(scale, float), np.asarray(f, np.int32), np.asarray(uv, float)


_IMAGE_SCHEMES: dict[str, Callable[[str], np.ndarray]] = {}


def register_image_scheme(name: str):
    """Decorator registering ``fn(rest) -> (H, W, 3) uint8`` for texture references ``name:rest``
    (images generated from seeds); duplicates raise."""

    def deco(fn):
        if name in _IMAGE_SCHEMES:
            raise ValueError(f"image scheme '{name}' is already registered")
        _IMAGE_SCHEMES[name] = fn
        return fn

    return deco


def load_image(ref: str) -> np.ndarray:
    """(H, W, 3) uint8 RGB of an image file, or of ``scheme:rest`` for a registered image scheme."""
    scheme, _, rest = ref.partition(":")
    if rest and scheme in _IMAGE_SCHEMES:
        return _IMAGE_SCHEMES[scheme](rest)
    from PIL import Image

    try:
        with Image.open(ref) as im:
            return np.asarray(im.convert("RGB"), dtype=np.uint8)
    except FileNotFoundError as e:
        raise AssetError(f"{ref}: texture image not found; rebuild the catalog") from e


@dataclasses.dataclass(frozen=True)
class ObjectGeometry:
    """An object's meshes at a given scale, in its body frame [m].

    visual: rendered mesh. hulls: convex collision pieces (what physics collides
    with). grasp: the surface grasp planning ray-casts (the single hull for
    convex objects, the visual mesh for decomposed ones). volume [m^3] of the hulls.
    """

    visual: trimesh.Trimesh
    hulls: tuple[trimesh.Trimesh, ...]
    grasp: trimesh.Trimesh
    volume: float


@functools.lru_cache(maxsize=512)
def object_geometry(asset, scale: tuple[float, float, float]) -> ObjectGeometry:
    """Visual mesh, collision hulls and grasp surface of ``asset`` (an ObjectAsset) at ``scale``."""
    visual = load_mesh(asset.visual_mesh, scale)
    if asset.collision_parts:
        hulls = tuple(load_mesh(p, scale).convex_hull for p in asset.collision_parts)
        grasp = visual
    else:
        hulls = (load_mesh(asset.collision_mesh, scale).convex_hull,)
        grasp = hulls[0]
    return ObjectGeometry(visual, hulls, grasp, float(sum(h.volume for h in hulls)))
