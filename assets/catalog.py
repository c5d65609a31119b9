"""Object catalog types and the registry of asset sources.

An asset source is a factory registered by name: ``() -> list[ObjectAsset]``, or, when
registered with ``argument=True``, ``(arg: str) -> list[ObjectAsset]`` named as
``name:ARG`` in a config (``catalog:DIR`` loads a built catalog folder). A catalog is the
concatenation of the sources a config names, in that order, so catalog indices are stable
for a given config and package version.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from ..core import layout
from ..core.errors import AssetError, ConfigError


@dataclasses.dataclass(frozen=True)
class Appearance:
    """One look of an object's mesh.

    Attributes:
        render_mesh: UV-mapped mesh reference (see ``ObjectAsset.render_mesh``); empty: none.
        texture: image file mapped by ``render_mesh`` UVs; empty: none.
        rgba: base colour, rgba in [0, 1], or None.
        source: file this look came from (for reports); empty when unknown.
    """

    render_mesh: str = ""
    texture: str = ""
    rgba: tuple[float, float, float, float] | None = None
    source: str = ""

    @property
    def has_look(self) -> bool:
        return bool(self.texture) or self.rgba is not None


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
        variants: further looks of the same mesh (colour variants: the same scanned shape with
            another texture), after the one ``render_mesh``/``texture``/``own_rgba`` describe.
        colour_words: colour names of the object's own main look ("pink", "yellow"), from its
            folder name; instructions use them when the object keeps that look. Empty: none known.
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
    variants: tuple[Appearance, ...] = ()
    colour_words: tuple[str, ...] = ()

    @property
    def has_own_appearance(self) -> bool:
        return any(a.has_look for a in self.appearances())

    def appearances(self) -> tuple[Appearance, ...]:
        """Every look of this object: index 0 its main one, then ``variants`` (``ObjectSpec.variant`` indexes this)."""
        return (Appearance(self.render_mesh, self.texture, self.own_rgba), *self.variants)


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
        """The object ``asset_id``.

        Raises:
            AssetError: when this catalog has no such object, e.g. a stored scene (a dataset's
                SceneSpec) read with other ``scene.asset_sources`` than it was generated with.
        """
        try:
            return self._index[asset_id]
        except KeyError:
            raise AssetError(f"asset '{asset_id}' is not in this catalog ({len(self._index)} objects): a stored "
                             "scene names objects of the catalog it was generated with; use that run's "
                             f"scene.asset_sources (its {layout.CONFIG}) and make sure those catalog folders "
                             "are there") from None


_SOURCES: dict[str, tuple[Callable[..., list[ObjectAsset]], bool]] = {}


def register_asset_source(name: str, argument: bool = False):
    """Decorator registering a source factory under ``name``; duplicates raise.

    ``argument=False``: ``fn() -> list[ObjectAsset]``, named as ``name``.
    ``argument=True``: ``fn(arg: str) -> list[ObjectAsset]``, named as ``name:ARG``.
    """
    if ":" in name:
        raise ValueError(f"asset source name '{name}' may not contain ':' (it separates the argument)")

    def deco(fn):
        if name in _SOURCES:
            raise ValueError(f"asset source '{name}' is already registered")
        _SOURCES[name] = (fn, argument)
        return fn

    return deco


def asset_sources() -> tuple[str, ...]:
    """Names of the sources that take no argument (each builds a catalog on its own)."""
    return tuple(sorted(n for n, (_, arg) in _SOURCES.items() if not arg))


def argument_sources() -> tuple[str, ...]:
    """Names of the sources named as ``name:ARG`` (e.g. ``catalog`` for ``catalog:DIR``)."""
    return tuple(sorted(n for n, (_, arg) in _SOURCES.items() if arg))


def _known() -> str:
    return ", ".join([*asset_sources(), *(f"{n}:ARG" for n in argument_sources())])


def build_catalog(source_names: tuple[str, ...]) -> AssetCatalog:
    """Concatenate the named sources into one catalog (``name`` or ``name:ARG`` each)."""
    objs: list[ObjectAsset] = []
    for spec in source_names:
        name, sep, arg = spec.partition(":")
        if name not in _SOURCES:
            raise ConfigError("scene.asset_sources", f"unknown asset source '{spec}'; registered sources: {_known()}")
        fn, takes_arg = _SOURCES[name]
        if takes_arg and not (sep and arg):
            raise ConfigError("scene.asset_sources", f"asset source '{name}' needs an argument: write '{name}:ARG'")
        if not takes_arg and sep:
            raise ConfigError("scene.asset_sources", f"asset source '{name}' takes no argument; write '{name}'")
        objs.extend(fn(arg) if takes_arg else fn())
    return AssetCatalog(tuple(objs))
