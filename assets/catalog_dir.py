"""A built catalog folder as ObjectAssets (the ``catalog:DIR`` source), and category mapping files.

``read_catalog_json`` is the one reader of a folder's ``catalog.json`` (the ``catalog:DIR``
source and ``syngrasp assets inspect`` both use it, with the same messages);
``asset_of(record, category, root)`` turns one of its object rows into an ObjectAsset;
``load_catalog_dir`` does it for every row. The build uses ``asset_of`` too, so the object
its load check compiles is the object scenes get.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os

from ..core.errors import AssetError, ConfigError
from .catalog import Appearance, ObjectAsset, register_asset_source
from .confine import ReadLimits, refusal
from .names import display_name


CATALOG_JSON = "catalog.json"  # a built catalog folder's index, written last by ``syngrasp assets build``


def read_catalog_json(path: str, key: str, sections: tuple[str, ...] = ("categories", "objects")) -> dict:
    """The ``catalog.json`` of the catalog folder ``path``, checked to hold ``sections``
    (``objects`` a list, the others mappings).

    Raises:
        ConfigError: naming ``key`` (the argument or config key that gave ``path``) when there is none.
        AssetError: naming the file when it is not JSON or lacks a section; the fix is a rebuild.
    """
    cat_path = os.path.join(path, CATALOG_JSON)
    if not os.path.isfile(cat_path):
        raise ConfigError(key, f"{cat_path} not found; build it with: syngrasp assets build SRC --out {path}")
    try:
        with open(cat_path) as f:
            cat = json.load(f)
    except (ValueError, OSError) as e:
        raise AssetError(f"{cat_path}: not readable JSON ({type(e).__name__}: {e}); rebuild it with syngrasp assets build") from e
    if not isinstance(cat, dict) or not all(isinstance(cat.get(k), list if k == "objects" else dict) for k in sections):
        raise AssetError(f"{cat_path}: not a {CATALOG_JSON} written by syngrasp assets build ({', '.join(sections)} "
                         "missing or malformed); rebuild it with syngrasp assets build")
    return cat


@dataclasses.dataclass(frozen=True)
class Mapping:
    """A mapping file: relative path -> category label; label -> size range [m]; label ->
    display name; display name -> synonyms."""

    files: dict
    size_ranges: dict
    names: dict
    synonyms: dict


def category_label(src: str, path: str, mapping: Mapping) -> str:
    """The label of ``path``: the mapping's entry for its path relative to ``src``, else the
    first folder below ``src``, else "object"."""
    rel = os.path.relpath(path, src)
    if rel in mapping.files:
        return mapping.files[rel]
    parts = rel.split(os.sep)
    return parts[0] if len(parts) > 1 else "object"


def load_mapping(path: str | None) -> Mapping:
    """A CSV (path,category) or JSON mapping file.

    JSON: {"files": {relpath: category}, "size_ranges": {category: [min, max]},
    "categories": {label: {"name": display name, "synonyms": [...]}}} or a flat
    {relpath: category} mapping. Labels are folder names or the categories ``files`` gives.
    """
    if path is None:
        return Mapping({}, {}, {}, {})
    if not os.path.isfile(path):
        raise AssetError(f"{path}: category mapping not found; pass an existing CSV or JSON file")
    if path.endswith(".csv"):
        with open(path, newline="") as f:
            rows = [r for r in csv.reader(f) if r and not r[0].startswith("#")]
        if rows and rows[0][:2] == ["path", "category"]:
            rows = rows[1:]
        return Mapping({r[0]: r[1] for r in rows}, {}, {}, {})
    with open(path) as f:
        data = json.load(f)
    if not any(k in data for k in ("files", "size_ranges", "categories")):
        return Mapping(data, {}, {}, {})
    unknown = set(data) - {"files", "size_ranges", "categories"}
    if unknown:
        raise AssetError(f"{path}: unknown keys {sorted(unknown)}; allowed: files, size_ranges, categories")
    names, syn = {}, {}
    for label, c in data.get("categories", {}).items():
        name = c.get("name", display_name(label)) if isinstance(c, dict) else str(c)
        names[label] = name
        if isinstance(c, dict) and c.get("synonyms"):
            syn[name] = tuple(c["synonyms"])
    return Mapping(data.get("files", {}), {k: tuple(v) for k, v in data.get("size_ranges", {}).items()}, names, syn)


def asset_of(r: dict, category: dict, root: str) -> ObjectAsset:
    """The ObjectAsset of catalog row ``r`` whose category entry is ``category`` (size_range, density,
    synonyms), its files under the catalog folder ``root``."""
    root = os.path.abspath(root)
    npz = os.path.join(root, "objects", f"{r['id']}.npz")
    size = category.get("size_range") or [max(r["extents"])] * 2
    return ObjectAsset(
        asset_id=f"catalog/{os.path.basename(root)}/{r['id']}",
        category=r["category"],
        visual_mesh=f"npz:{npz}:visual",
        collision_mesh=f"npz:{npz}:visual",
        collision_parts=tuple(f"npz:{npz}:part{i}" for i in range(r["parts"])),
        size_range=tuple(size),
        density=float(category["density"]),
        render_mesh=f"npz:{npz}:render" if r.get("texture") else "",
        texture=os.path.join(root, r["texture"]) if r.get("texture") else "",
        own_rgba=tuple(r["rgba"]) if r.get("rgba") else None,
        distractor_only=r.get("role", "target") != "target",
        synonyms=tuple(category.get("synonyms", ())),
        colour_words=tuple(r.get("attributes", {}).get("colour", ())),
        variants=tuple(
            Appearance(
                render_mesh=f"npz:{os.path.join(root, 'objects', v['id'] + '.npz')}:render" if v.get("texture") else "",
                texture=os.path.join(root, v["texture"]) if v.get("texture") else "",
                rgba=tuple(v["rgba"]) if v.get("rgba") else None,
                source=v.get("source", ""),
            )
            for v in r.get("variants", [])
        ),
    )


def _catalog_files(r: dict, root: str) -> list[tuple[str, str]]:
    """(key, path) of every file catalog row ``r`` names: its npz, texture, and its variants'."""
    out = [(f"objects[{r['id']!r}].id", os.path.join(root, "objects", f"{r['id']}.npz"))]
    if r.get("texture"):
        out.append((f"objects[{r['id']!r}].texture", os.path.join(root, r["texture"])))
    for i, v in enumerate(r.get("variants", [])):
        if v.get("id"):
            out.append((f"objects[{r['id']!r}].variants[{i}].id", os.path.join(root, "objects", f"{v['id']}.npz")))
        if v.get("texture"):
            out.append((f"objects[{r['id']!r}].variants[{i}].texture", os.path.join(root, v["texture"])))
    return out


@register_asset_source("catalog", argument=True)
def load_catalog_dir(path: str) -> list[ObjectAsset]:
    """ObjectAssets of a built catalog folder (``catalog:DIR`` in ``scene.asset_sources``).

    Every file a row names (object ids, textures, variants) must be inside ``path`` and, when it
    exists, a regular file (``confine.refusal``): a catalog.json naming ``../`` or absolute paths,
    symlinks out of the folder, FIFOs or devices raises AssetError naming the key; so does a
    malformed catalog.json. A missing file inside is left to the episodes that draw its object.
    """
    cat = read_catalog_json(path, "scene.asset_sources")
    cat_path = os.path.join(path, CATALOG_JSON)
    try:
        rows, categories = cat["objects"], cat["categories"]
        limits = ReadLimits(root=os.path.abspath(path))
        for r in rows:
            for key, file in _catalog_files(r, path):
                why = refusal(file, limits)
                if why and not os.path.lexists(file) and not why.startswith("outside"):
                    continue  # a file deleted after the build fails only the episodes that draw its object
                if why:
                    raise AssetError(f"{cat_path}: {key} names {file}, which is refused: {why}; rebuild the catalog "
                                     "with syngrasp assets build")
        return [asset_of(r, categories[r["category"]], path) for r in rows]
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as e:
        raise AssetError(f"{cat_path}: malformed ({type(e).__name__}: {e}); rebuild it with syngrasp assets build") from e
