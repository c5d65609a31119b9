"""``syngrasp assets build | inspect | preview | export-procedural``: the commands around an object catalog.

Every name printed here (file paths, categories, reasons from a catalog.json someone else may
have written) goes through ``safe_text``, so escape codes in a file name print as text.
"""

from __future__ import annotations

import os
import sys

from ...core.errors import AssetError, ConfigError
from ...core.text import safe_text


def add_read_limit_args(p) -> None:
    """The read-limit flags of ``assets build``; their defaults are ``assets.confine.ReadLimits``'s
    (None here keeps the CLI from importing the asset stack to build its parser)."""
    p.add_argument("--allow-outside-root", action="store_true",
                   help="also read files outside SRC (symlinks, ../ and absolute references); default: skipped with the reason")
    p.add_argument("--max-file-bytes", type=int, help="largest file read [bytes] (default 256 MiB)")
    p.add_argument("--max-triangles", type=int, help="most triangles in one mesh file (default 2,000,000)")
    p.add_argument("--max-texture-pixels", type=int,
                   help="most pixels (width x height) in one texture image, read from its header (default 8192x8192)")


def assets_build(args) -> int:
    from ...assets.confine import ReadLimits
    from ...assets.ingest import build_catalog_dir
    from ...generators.mujoco_backend.check import object_load_error

    given = {"max_bytes": args.max_file_bytes, "max_triangles": args.max_triangles,
             "max_texture_pixels": args.max_texture_pixels}
    limits = ReadLimits(allow_outside_root=args.allow_outside_root, **{k: v for k, v in given.items() if v is not None})
    os.makedirs(args.out, exist_ok=True)
    cat = build_catalog_dir(args.src, args.out, args.categories, max(1, args.workers), args.cache,
                            log=lambda m: print(safe_text(m), file=sys.stderr), size_mode=args.size_mode,
                            units=args.units, robot=args.robot,
                            load_check=None if args.no_load_check else object_load_error, limits=limits)
    refused = [r for r in cat["report"]["skipped"] if r["reason"].startswith(("outside the collection", "not a regular file",
                                                                              "too large", "texture too large"))]
    for r in refused[:10]:
        print(f"  skipped {safe_text(r['source'])}: {safe_text(r['reason'])}", file=sys.stderr)
    if len(refused) > 10:
        print(f"  ... {len(refused) - 10} more refused files: syngrasp assets inspect {safe_text(args.out)}", file=sys.stderr)
    return 0


def _rows(title: str, rows: list, n: int, text) -> None:
    if rows:
        print(title)
        for r in rows[:n]:
            print(f"  {safe_text(r.get('source', ''))}: {safe_text(text(r))}")


def assets_inspect(args) -> int:
    from ...assets.catalog_dir import CATALOG_JSON, read_catalog_json

    cat = read_catalog_json(args.catalog, "catalog", ("report", "categories", "objects"))
    rep = cat["report"]
    try:
        distractors = rep.get("distractor_only", [])
        print(f"{int(rep['accepted'])} objects from {int(rep['files'])} files; {len(rep['repaired'])} repaired, "
              f"{len(distractors)} distractor-only, {len(rep['rejected'])} rejected, {len(rep.get('skipped', []))} skipped"
              f" (size mode {safe_text(cat.get('size_mode', 'category'))})")
        for name, c in sorted(cat["categories"].items(), key=lambda kv: -int(kv[1]["count"])):
            sr = c.get("size_range")
            size = f"size {float(sr[0]):.3f}-{float(sr[1]):.3f} m" if sr else "own sizes"
            print(f"  {safe_text(name):<16} {int(c['count']):>6}   {size}")
        print("objects (final extents [m], role):")
        for o in cat["objects"][:20]:
            lo = "x".join(f"{float(x):.3f}" for x in o.get("final_extents", [o["extents"]])[0])
            tex = " textured" if o.get("has_texture") else ""
            print(f"  {safe_text(o['id']):<24} {lo:<20} {safe_text(o.get('role', 'target'))}{tex}  "
                  f"{safe_text(o.get('role_reason', ''))}")
        _rows("distractor-only:", distractors, 10, lambda r: r["reason"])
        _rows("rejected (sample):", rep["rejected"], 10, lambda r: r["reason"])
        _rows("skipped (sample):", rep.get("skipped", []), 10, lambda r: r["reason"])
        _rows("repaired (sample):", rep["repaired"], 5, lambda r: "; ".join(r["notes"]))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        raise AssetError(f"{os.path.join(args.catalog, CATALOG_JSON)}: malformed ({type(e).__name__}: {e}); "
                         "rebuild it with syngrasp assets build") from e
    return 0


def _assets_preview(args) -> int:
    from PIL import Image

    from ...assets import asset_sources, build_catalog, load_robot
    from ...generators.config import RenderConfig
    from ...generators.object_sheet import object_sheet

    sources = tuple(s if s in asset_sources() or ":" in s else f"catalog:{s}" for s in args.sources)
    catalog = build_catalog(sources)
    picks, seen = [], {}
    for a in catalog.objects:  # textured objects first, at most --per-category of each category
        if (a.texture or not args.textured_only) and seen.get(a.category, 0) < args.per_category:
            seen[a.category] = seen.get(a.category, 0) + 1
            picks.append(a)
    if not picks:
        raise ConfigError("assets preview", "no object to show; drop --textured-only or name another catalog")
    sheet = object_sheet(picks[: args.limit], load_robot(args.robot), RenderConfig(), cols=args.cols, tile=args.tile, seed=args.seed)
    tmp = args.out + ".tmp.png"
    Image.fromarray(sheet).save(tmp)
    os.replace(tmp, args.out)
    print(f"{len(picks[: args.limit])} objects -> {args.out}")
    return 0


def _assets_export(args) -> int:
    from ...assets.ingest import export_procedural

    print(export_procedural(args.dir, args.per_category))
    return 0


def add_parsers(sub) -> None:
    assets = sub.add_parser("assets", help="build and inspect object catalogs")
    asub = assets.add_subparsers(dest="assets_command", required=True)
    ab = asub.add_parser("build", help="import, validate, repair and decompose a folder of objects into a catalog")
    ab.add_argument("src", help="folder of OBJ/STL/PLY/GLB/GLTF/URDF/MJCF files; category = first sub-folder")
    ab.add_argument("--out", required=True, help="catalog folder to write")
    ab.add_argument("--categories", help="CSV (path,category) or JSON mapping: files, size_ranges, categories (display names, synonyms)")
    ab.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel processes")
    ab.add_argument("--cache", help="decomposition cache folder (default: OUT/cache/coacd)")
    ab.add_argument("--size-mode", choices=("keep", "category"), default="keep",
                    help="keep: metric size (units detected); category: rescale within each category's size range")
    ab.add_argument("--units", choices=("auto", "m", "cm", "mm"), default="auto",
                    help="unit of files whose format does not fix it (default: detected from the size)")
    ab.add_argument("--robot", default="panda", help="robot whose gripper opening decides which objects can be targets")
    ab.add_argument("--no-load-check", action="store_true",
                    help="skip compiling every accepted object in a MuJoCo scene (objects that cannot load are then "
                         "found only by generate)")
    add_read_limit_args(ab)
    ab.set_defaults(func=assets_build)
    ai = asub.add_parser("inspect", help="counts by category and a sample of the rejects")
    ai.add_argument("catalog")
    ai.set_defaults(func=assets_inspect)
    ap = asub.add_parser("preview", help="contact sheet (PNG) of objects in their own appearance")
    ap.add_argument("sources", nargs="+", help="catalog folders, or 'procedural'")
    ap.add_argument("--out", required=True, help="PNG file to write")
    ap.add_argument("--textured-only", action="store_true", help="only objects with a texture")
    ap.add_argument("--per-category", type=int, default=2)
    ap.add_argument("--limit", type=int, default=24)
    ap.add_argument("--cols", type=int, default=6)
    ap.add_argument("--tile", type=int, default=128, help="tile side [px]")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--robot", default="panda")
    ap.set_defaults(func=_assets_preview)
    ae = asub.add_parser("export-procedural", help="write the procedural objects as OBJ files, one folder per category")
    ae.add_argument("dir")
    ae.add_argument("--per-category", type=int, default=100)
    ae.set_defaults(func=_assets_export)
