"""Object catalog types and the registry of asset sources.

An asset source is a function ``() -> list[ObjectAsset]`` registered by name;
a catalog is the concatenation of the sources a config names, in that order,
so catalog indices are stable for a given config and package version.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from ..core.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class ObjectAsset:
    """One graspable object.

    Attributes:
        asset_id: stable identifier, ``"<source>/<name>"``.
        category: noun used in instructions ("mug", "object").
        visual_mesh: path of the mesh rendered by cameras.
        collision_mesh: path of the mesh whose convex hull physics and grasp planning use.
        mesh_scale: per-axis scale (3,) from file units to metres, applied before
            the scene's own size normalisation.
        collision_parts: mesh references of a convex decomposition; empty means the
            convex hull of ``collision_mesh`` collides.
        size_range: (min, max) largest extent [m] for this object's category; None
            uses the scene's ``objects.size``.
        density: [kg/m^3], for the mass of the collision volume.
        render_mesh: mesh reference with UVs (``<ref>_uv`` (V, 2), OpenGL convention: v = 0 at
            the image bottom) drawn instead of ``visual_mesh`` when the object keeps its own
            appearance; same frame and units as ``visual_mesh``. Empty: none.
        texture: image file of the object's own appearance (mapped by ``render_mesh`` UVs); empty: none.
        own_rgba: the object's own base colour, rgba in [0, 1], or None.
        distractor_only: never drawn as the target (too wide for the gripper in every orientation).
        synonyms: other nouns for ``category`` (from a catalog mapping file).
    """

    asset_id: str
    category: str
    visual_mesh: str
    collision_mesh: str
    mesh_scale: tuple[float, float, float] = (1.0, 1.0, 1.0)
    collision_parts: tuple[str, ...] = ()
    size_range: tuple[float, float] | None = None
    density: float = 500.0
    render_mesh: str = ""
    texture: str = ""
    own_rgba: tuple[float, float, float, float] | None = None
    distractor_only: bool = False
    synonyms: tuple[str, ...] = ()

    @property
    def has_own_appearance(self) -> bool:
        return bool(self.texture) or self.own_rgba is not None


@dataclasses.dataclass(frozen=True)
class AssetCatalog:
    """An ordered, immutable list of objects; index order is part of reproducibility."""

    objects: tuple[ObjectAsset, ...]

    def __post_init__(self):
        if not self.objects:
            raise ConfigError("scene.asset_sources", "the catalog is empty; name at least one source with objects")
        object.__setattr__(self, "_index", {o.asset_id: o for o in self.objects})

    def __len__(self) -> int:
        return len(self.objects)

    def categories(self) -> tuple[str, ...]:
        """Sorted category names."""
        return tuple(sorted({o.category for o in self.objects}))

    def in_category(self, category: str) -> tuple[ObjectAsset, ...]:
        return tuple(o for o in self.objects if o.category == category)

    def by_id(self, asset_id: str) -> ObjectAsset:
        try:
            return self._index[asset_id]
        except KeyError:
            raise KeyError(f"asset '{asset_id}' is not in this catalog") from None


_SOURCES: dict[str, Callable[[], list[ObjectAsset]]] = {}


def register_asset_source(name: str):
    """Decorator registering ``fn() -> list[ObjectAsset]`` under ``name``; duplicates raise."""

    def deco(fn):
        if name in _SOURCES:
            raise ValueError(f"asset source '{name}' is already registered")
        _SOURCES[name] = fn
        return fn

    return deco


def asset_sources() -> tuple[str, ...]:
    return tuple(sorted(_SOURCES))


def build_catalog(source_names: tuple[str, ...]) -> AssetCatalog:
    """Concatenate the named sources into one catalog; ``catalog:DIR`` loads a built catalog folder."""
    objs: list[ObjectAsset] = []
    for name in source_names:
        if name.startswith("catalog:"):
            from .ingest import load_catalog_dir

            objs.extend(load_catalog_dir(name.split(":", 1)[1]))
            continue
        if name not in _SOURCES:
            raise ConfigError(
                "scene.asset_sources", f"unknown asset source '{name}'; registered sources: {', '.join(asset_sources())}"
            )
        objs.extend(_SOURCES[name]())
    return AssetCatalog(tuple(objs))
