"""Mesh loading with validation; every failure names the file and the fix."""

from __future__ import annotations

import functools

import numpy as np
import trimesh

from ..core.errors import AssetError


@functools.lru_cache(maxsize=256)
def load_mesh(
    path: str, scale: tuple[float, float, float] = (1.0, 1.0, 1.0), max_faces: int | None = None
) -> trimesh.Trimesh:
    """Load one mesh file as a single Trimesh in metres (vertices * scale).

    With ``max_faces``, larger meshes are simplified by quadric decimation
    (rendering cost on the CPU grows with triangle count).

    Raises AssetError when the file is missing, unreadable, empty, has
    non-finite vertices or zero volume. The returned mesh is shared: do not
    mutate it, ``copy()`` first.
    """
    try:
        mesh = trimesh.load(path, force="mesh", process=True)
    except FileNotFoundError as e:
        raise AssetError(f"{path}: mesh file not found; check the asset source or reinstall the package that ships it") from e
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
